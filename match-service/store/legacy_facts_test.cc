#include "match-service/store/legacy_facts.h"

#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

namespace rv1 = records::v1;

TEST(LegacyFactsTest, ReadsEnvelopePersonAndPayload) {
  auto record = LegacyFactsToRecord(
      "agency=procuratorate\nsource_record_id=pv-1\nversion=3\nrecord_date=2023-09-01\n"
      "retracted=0\nkind=1\nperson.id_token=tok\nperson.name_original=\xe6\xb5\x8b\\n\n"
      "person.sex=2\nvictim.case_number=C-1\nvictim.crime=3\nvictim.case_date=2023-03-01\n"
      "victim.offender_status=3\nvictim.harm=1\nvictim.disability_grade=2\n"
      "victim.victim_major_fault=1\nrelative.case_number=\n");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->agency(), "procuratorate");
  EXPECT_EQ(record->version(), 3);
  EXPECT_EQ(record->person().id_token(), "tok");
  EXPECT_EQ(record->person().name_original(), "\xe6\xb5\x8b\n");
  EXPECT_EQ(record->person().sex(), rv1::SEX_FEMALE);
  ASSERT_TRUE(record->record().has_criminal_victim());
  const auto& v = record->record().criminal_victim();
  EXPECT_EQ(v.criminal_case().case_number(), "C-1");
  EXPECT_EQ(v.criminal_case().crime(), rv1::CriminalCase::CRIME_HOMICIDE);
  EXPECT_EQ(v.criminal_case().offender_status(), rv1::CriminalCase::OFFENDER_STATUS_DECEASED);
  EXPECT_EQ(v.harm(), rv1::CriminalVictim::HARM_DEATH);
  EXPECT_EQ(v.disability_grade(), 2);
  EXPECT_TRUE(v.victim_major_fault());
}

TEST(LegacyFactsTest, EveryOldKindNumberIsItsPayload) {
  const rv1::Record::PayloadCase want[] = {rv1::Record::kCriminalVictim,
                                           rv1::Record::kNearRelative,
                                           rv1::Record::kAssistanceGranted,
                                           rv1::Record::kCivilJudgment,
                                           rv1::Record::kEnforcement,
                                           rv1::Record::kSocialAssistance,
                                           rv1::Record::kDisabilityCertificate,
                                           rv1::Record::kPovertyMonitoring,
                                           rv1::Record::kWomenChildrenDifficulty,
                                           rv1::Record::kVeteranStatus,
                                           rv1::Record::kMedicalExpense};
  for (int kind = 1; kind <= 11; ++kind) {
    auto record =
        LegacyFactsToRecord("agency=a\nsource_record_id=s\nkind=" + std::to_string(kind) + "\n");
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->record().payload_case(), want[kind - 1]) << kind;
  }
}

TEST(LegacyFactsTest, RetractionKeepsOnlyItsIdentity) {
  auto record = LegacyFactsToRecord(
      "agency=civil_affairs\nsource_record_id=ca-1\nversion=2\nretracted=1\nkind=6\n");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_TRUE(record->retracted());
  EXPECT_EQ(record->version(), 2);
  EXPECT_EQ(record->record().payload_case(), rv1::Record::PAYLOAD_NOT_SET);
}

TEST(LegacyFactsTest, DamagedTextIsAnError) {
  EXPECT_FALSE(LegacyFactsToRecord("agency=a\nno equals sign\n").ok());
  EXPECT_FALSE(LegacyFactsToRecord("version=three\n").ok());
  EXPECT_FALSE(LegacyFactsToRecord("agency=bad\\escape\n").ok());
}

}  // namespace
}  // namespace lifeline::match
