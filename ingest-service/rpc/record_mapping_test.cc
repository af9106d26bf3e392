#include "ingest-service/rpc/record_mapping.h"

#include <optional>
#include <set>
#include <string>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/identity/id_number.h"

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

TEST(BuildNormalizedRecordTest, DropsThePersonAndCopiesTheNormalizedOne) {
  records::v1::Record record = VictimRecord();
  ValidationResult result;
  result.person.set_name_original("测试甲");
  result.person.set_name_normalized("测试甲");
  result.person.set_id_token(std::string(64, 'f'));
  result.person.set_id_masked("1101**********1234");
  result.person.set_id_verified(true);
  result.person.set_sex(records::v1::SEX_FEMALE);
  result.person.set_birth_date("1990-03-07");
  const records::v1::NormalizedPerson person = result.person;
  std::optional<records::v1::NormalizedRecord> normalized =
      BuildNormalizedRecord("procuratorate", std::move(record), std::move(result));
  EXPECT_EQ(normalized->agency(), "procuratorate");
  EXPECT_EQ(normalized->source_record_id(), "cv-1");
  EXPECT_EQ(normalized->version(), 3);
  EXPECT_EQ(normalized->record_date(), "2024-05-01");
  EXPECT_EQ(normalized->person().id_token(), std::string(64, 'f'));
  EXPECT_EQ(normalized->person().sex(), records::v1::SEX_FEMALE);
  EXPECT_TRUE(normalized->person().id_verified());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(normalized->person(), person));
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
    std::optional<records::v1::NormalizedRecord> normalized = BuildNormalizedRecord(
        "civil_affairs", records::v1::Record(record), ValidationResult(result));
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

TEST(BuildNormalizedRecordTest, MasksTheCertificateNumber) {
  records::v1::Record record;
  record.set_source_record_id("dc-1");
  record.mutable_disability_certificate()->set_certificate_number("11010119900307123442");
  record.mutable_disability_certificate()->set_grade(2);
  records::v1::NormalizedRecord normalized =
      BuildNormalizedRecord("disabled_persons_federation", std::move(record), ValidationResult());
  const records::v1::DisabilityCertificate& certificate =
      normalized.record().disability_certificate();
  EXPECT_EQ(certificate.certificate_number(), common::MaskIdNumber("11010119900307123442"));
  EXPECT_EQ(certificate.grade(), 2);
  EXPECT_EQ(normalized.SerializeAsString().find("0119900307"), std::string::npos);
}

TEST(BuildNormalizedRecordTest, RetractionKeepsOnlyTheIdentity) {
  records::v1::Record record = VictimRecord();
  record.set_retracted(true);
  records::v1::NormalizedRecord normalized =
      BuildNormalizedRecord("procuratorate", std::move(record), ValidationResult());
  records::v1::NormalizedRecord expected;
  expected.set_agency("procuratorate");
  expected.set_source_record_id("cv-1");
  expected.set_version(3);
  expected.set_record_date("2024-05-01");
  expected.set_retracted(true);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(normalized, expected))
      << normalized.DebugString();
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
