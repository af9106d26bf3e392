#include "ingest-service/rpc/record_mapping.h"

#include <set>
#include <string>

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
  auto normalized = BuildNormalizedRecord("procuratorate", record, result);
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
    auto normalized = BuildNormalizedRecord("civil_affairs", record, result);
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    records::v1::Record expected = record;
    expected.clear_person();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(normalized->record(), expected))
        << normalized->record().DebugString();
  }
  // BuildNormalizedRecord copies these by name and the payload by its oneof: a field added to
  // Record must be added there too, or it would be dropped on the way to match-service.
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
