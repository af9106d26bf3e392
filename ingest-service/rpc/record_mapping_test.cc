#include "ingest-service/rpc/record_mapping.h"

#include <map>
#include <set>
#include <string>
#include <tuple>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace lifeline::ingest {
namespace {

records::v1::Record VictimRecord() {
  records::v1::Record record;
  record.set_source_record_id("cv-1");
  record.set_version(3);
  record.set_record_date("2024-05-01");
  record.mutable_person()->set_name("测试甲");
  record.mutable_person()->set_id_type(records::v1::ID_TYPE_RESIDENT_ID);
  record.mutable_person()->set_id_number("110101199003071234");
  auto* victim = record.mutable_criminal_victim();
  victim->mutable_criminal_case()->set_case_number("TEST-CASE-001");
  victim->mutable_criminal_case()->set_crime(records::v1::CriminalCase::CRIME_TRAFFIC);
  victim->set_harm(records::v1::CriminalVictim::HARM_DEATH);
  victim->set_needs_urgent_treatment(true);
  return record;
}

TEST(FlattenRecordTest, FlattensPathsTypesAndPayloadKind) {
  const records::v1::Record record = VictimRecord();
  RecordView view = FlattenRecord(record);
  EXPECT_EQ(view.payload_kind, "criminal_victim");
  EXPECT_EQ(view.Text("source_record_id"), "cv-1");
  EXPECT_EQ(view.Number("version"), 3);
  EXPECT_EQ(view.Text("person.name"), "测试甲");
  EXPECT_EQ(view.Text("criminal_victim.criminal_case.case_number"), "TEST-CASE-001");

  const FieldValue* harm = view.Find("criminal_victim.harm");
  ASSERT_NE(harm, nullptr);
  EXPECT_EQ(harm->type, FieldType::kEnum);
  EXPECT_EQ(harm->number, 1);
  EXPECT_EQ(harm->enum_name, "HARM_DEATH");
  EXPECT_TRUE(harm->present);

  const FieldValue* id_type = view.Find("person.id_type");
  ASSERT_NE(id_type, nullptr);
  EXPECT_EQ(id_type->enum_name, "ID_TYPE_RESIDENT_ID");

  const FieldValue* urgent = view.Find("criminal_victim.needs_urgent_treatment");
  ASSERT_NE(urgent, nullptr);
  EXPECT_EQ(urgent->type, FieldType::kBool);
  EXPECT_EQ(urgent->number, 1);

  const FieldValue* grade = view.Find("criminal_victim.disability_grade");
  ASSERT_NE(grade, nullptr);
  EXPECT_EQ(grade->type, FieldType::kInt);
  EXPECT_FALSE(grade->present);

  // Payloads that are not set do not appear.
  EXPECT_EQ(view.Find("social_assistance.start_date"), nullptr);
  EXPECT_EQ(view.Find("enforcement.case_number"), nullptr);
}

TEST(FlattenRecordTest, UnknownEnumNumberHasNoName) {
  records::v1::Record record = VictimRecord();
  record.mutable_criminal_victim()->set_harm(static_cast<records::v1::CriminalVictim::Harm>(42));
  RecordView view = FlattenRecord(record);
  const FieldValue* harm = view.Find("criminal_victim.harm");
  ASSERT_NE(harm, nullptr);
  EXPECT_EQ(harm->number, 42);
  EXPECT_TRUE(harm->enum_name.empty());
}

TEST(FlattenRecordTest, RecordWithoutPayloadHasNoKind) {
  records::v1::Record record;
  record.set_source_record_id("x");
  EXPECT_EQ(FlattenRecord(record).payload_kind, "");
}

// Sets every field of `message` (below Record, the payload `payload` only) to a value that is
// not the default: strings and numbers from the field number; enums to `enum_number`, or to the
// enum's last value when `enum_number` is negative.
void FillEveryField(google::protobuf::Message* message, const std::string& payload,
                    int enum_number) {
  const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
  const google::protobuf::Reflection* reflection = message->GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->real_containing_oneof() != nullptr && field->name() != payload) continue;
    ASSERT_FALSE(field->is_repeated()) << field->full_name() << ": cover repeated fields here";
    using Type = google::protobuf::FieldDescriptor;
    switch (field->cpp_type()) {
      case Type::CPPTYPE_MESSAGE:
        FillEveryField(reflection->MutableMessage(message, field), payload, enum_number);
        break;
      case Type::CPPTYPE_STRING:
        reflection->SetString(message, field, "text-" + std::to_string(field->number()));
        break;
      case Type::CPPTYPE_INT32:
        reflection->SetInt32(message, field, 100 + field->number());
        break;
      case Type::CPPTYPE_INT64:
        reflection->SetInt64(message, field, 100 + field->number());
        break;
      case Type::CPPTYPE_BOOL:
        reflection->SetBool(message, field, true);
        break;
      case Type::CPPTYPE_ENUM: {
        const google::protobuf::EnumDescriptor* type = field->enum_type();
        reflection->SetEnumValue(
            message, field,
            enum_number >= 0 ? enum_number : type->value(type->value_count() - 1)->number());
        break;
      }
      default:
        FAIL() << field->full_name() << ": a field type FlattenRecord does not expect";
    }
  }
}

using Flattened =
    std::map<std::string, std::tuple<FieldType, std::string, int64_t, std::string, bool>>;

Flattened Contents(const RecordView& view) {
  Flattened out;
  for (const FieldValue& field : view.fields) {
    EXPECT_TRUE(out.emplace(std::string(field.path),
                            std::make_tuple(field.type, std::string(field.text), field.number,
                                            std::string(field.enum_name), field.present))
                    .second)
        << "path twice: " << field.path;
  }
  return out;
}

// FlattenRecord reads the envelope and the person through generated accessors: for every payload
// kind, with every field set, with unknown enum numbers and with nothing set, it must give what
// the reflection walk gives. A field added to Record or PersonIdentity fails this until it is
// added to FlattenRecord.
TEST(FlattenRecordTest, AgreesWithTheReflectionWalk) {
  const google::protobuf::OneofDescriptor* payloads =
      records::v1::Record::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payloads, nullptr);
  for (int enum_number : {-1, 0, 77, 1000}) {
    for (int i = 0; i < payloads->field_count(); ++i) {
      records::v1::Record record;
      FillEveryField(&record, payloads->field(i)->name(), enum_number);
      const RecordView fast = FlattenRecord(record);
      const RecordView reference = FlattenRecordByReflection(record);
      EXPECT_EQ(fast.payload_kind, payloads->field(i)->name());
      EXPECT_EQ(fast.payload_kind, reference.payload_kind);
      EXPECT_EQ(Contents(fast), Contents(reference))
          << payloads->field(i)->name() << " enum " << enum_number;
    }
  }
  const records::v1::Record empty;
  EXPECT_EQ(Contents(FlattenRecord(empty)), Contents(FlattenRecordByReflection(empty)));
  EXPECT_EQ(FlattenRecord(empty).payload_kind, "");
}

TEST(ApplyRewritesTest, ReplacesNestedStringAndRejectsBadPaths) {
  records::v1::Record record;
  record.mutable_disability_certificate()->set_certificate_number("SECRET");
  ASSERT_TRUE(
      ApplyRewrites({{"disability_certificate.certificate_number", "MASKED"}}, &record).ok());
  EXPECT_EQ(record.disability_certificate().certificate_number(), "MASKED");
  EXPECT_FALSE(ApplyRewrites({{"disability_certificate.grade", "1"}}, &record).ok());
  EXPECT_FALSE(ApplyRewrites({{"no_such.field", "1"}}, &record).ok());
  EXPECT_FALSE(ApplyRewrites({{"version.x", "1"}}, &record).ok());
}

TEST(BuildNormalizedRecordTest, DropsThePersonAndCopiesTheNormalizedOne) {
  records::v1::Record record = VictimRecord();
  ValidationResult result;
  result.person.name_original = "测试甲";
  result.person.name_normalized = "测试甲";
  result.person.id_token = std::string(64, 'f');
  result.person.id_masked = "1101**********1234";
  result.person.id_verified = true;
  result.person.sex = Sex::kFemale;
  result.person.birth_date = "1990-03-07";
  auto normalized = BuildNormalizedRecord("procuratorate", std::move(record), std::move(result));
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(normalized->agency(), "procuratorate");
  EXPECT_EQ(normalized->source_record_id(), "cv-1");
  EXPECT_EQ(normalized->version(), 3);
  EXPECT_EQ(normalized->record_date(), "2024-05-01");
  EXPECT_EQ(normalized->person().id_token(), std::string(64, 'f'));
  EXPECT_EQ(normalized->person().sex(), records::v1::SEX_FEMALE);
  EXPECT_TRUE(normalized->person().id_verified());
  EXPECT_FALSE(normalized->record().has_person());
  EXPECT_EQ(normalized->record().criminal_victim().criminal_case().case_number(), "TEST-CASE-001");
  EXPECT_EQ(normalized->SerializeAsString().find("110101199003071234"), std::string::npos);
}

TEST(BuildNormalizedRecordTest, CarriesEveryFieldButThePerson) {
  const ValidationResult result;
  for (records::v1::Record record : {VictimRecord(), records::v1::Record()}) {
    if (!record.has_criminal_victim()) {
      record.set_source_record_id("sa-1");
      record.mutable_social_assistance()->set_start_date("2021-03-01");
    }
    auto normalized = BuildNormalizedRecord("civil_affairs", records::v1::Record(record),
                                            ValidationResult(result));
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    records::v1::Record expected = record;
    expected.clear_person();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(normalized->record(), expected))
        << normalized->record().DebugString();
  }
  // BuildNormalizedRecord forwards the whole record but its person: a field added to Record
  // beside these must be looked at there, and cleared if it carries personal data.
  std::set<std::string> envelope;
  const google::protobuf::Descriptor* descriptor = records::v1::Record::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (descriptor->field(i)->real_containing_oneof() == nullptr) {
      envelope.insert(descriptor->field(i)->name());
    }
  }
  EXPECT_EQ(envelope, (std::set<std::string>{"source_record_id", "version", "record_date", "person",
                                             "retracted"}));
}

TEST(ToProtoIssueTest, MapsSeverity) {
  v1::RecordIssue error = ToProtoIssue({"person.name", "NAME_MISSING", "m", Severity::kError});
  EXPECT_EQ(error.severity(), v1::SEVERITY_ERROR);
  EXPECT_EQ(error.field(), "person.name");
  EXPECT_EQ(error.reason(), "NAME_MISSING");
  v1::RecordIssue warning =
      ToProtoIssue({"person.phone", "PHONE_INVALID", "m", Severity::kWarning});
  EXPECT_EQ(warning.severity(), v1::SEVERITY_WARNING);
}

}  // namespace
}  // namespace lifeline::ingest
