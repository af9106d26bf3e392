#include "ingest-service/domain/record_validator.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "common/identity/id_number.h"
#include "ingest-service/domain/reason_codes.h"

namespace lifeline::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kSecret[] = "test-secret-for-id-tokens-0123456789";

// Builds a synthetic, valid 18-character ID number from its first 17 digits.
std::string ValidId(const std::string& first17) {
  return first17 + common::IdCheckCharacter(first17);
}

// A valid ID number with a wrong check character.
std::string BadCheckId(const std::string& first17) {
  char good = common::IdCheckCharacter(first17);
  return first17 + (good == '0' ? '1' : '0');
}

// Converts ASCII digits and X to their full-width forms.
std::string FullWidth(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    if (c >= '0' && c <= '9') {
      out += "\xEF\xBC";
      out += static_cast<char>(0x90 + (c - '0'));
    } else if (c == 'X') {
      out += "\xEF\xBC\xB8";
    } else {
      out += c;
    }
  }
  return out;
}

using records::v1::Record;

// Returns `record` after `change`.
template <typename Change>
Record With(Record record, Change change) {
  change(record);
  return record;
}

const std::string kFirst17 = "11010119900307123";  // synthetic: Beijing, 1990-03-07, male

// A valid criminal-victim record from the procuratorate.
Record VictimRecord() {
  Record r;
  r.set_source_record_id("cv-1");
  r.set_version(1);
  r.set_record_date("2024-05-01");
  r.mutable_person()->set_name("测试甲");
  r.mutable_person()->set_id_type(records::v1::ID_TYPE_RESIDENT_ID);
  r.mutable_person()->set_id_number(ValidId(kFirst17));
  r.mutable_person()->set_region_code("110101");
  records::v1::CriminalVictim* victim = r.mutable_criminal_victim();
  victim->mutable_criminal_case()->set_case_number("TEST-CASE-001");
  victim->mutable_criminal_case()->set_crime(records::v1::CriminalCase::CRIME_TRAFFIC);
  victim->mutable_criminal_case()->set_case_date("2023-01-15");
  victim->set_harm(records::v1::CriminalVictim::HARM_DEATH);
  return r;
}

Record EnforcementRecord() {
  Record r;
  r.set_source_record_id("en-1");
  r.set_version(1);
  r.mutable_person()->set_name("测试乙");
  r.mutable_person()->set_id_number(ValidId(kFirst17));
  records::v1::Enforcement* enforcement = r.mutable_enforcement();
  enforcement->set_case_number("TEST-CASE-001");
  enforcement->set_amount_awarded_fen(83000000);
  enforcement->set_status(records::v1::Enforcement::STATUS_TERMINATED_NO_PROPERTY);
  enforcement->set_status_date("2024-01-10");
  return r;
}

// A civil case of its own over a traffic accident (DOMAIN.md category 6).
Record TrafficJudgmentRecord() {
  Record r;
  r.set_source_record_id("cj-9");
  r.set_version(1);
  r.mutable_person()->set_name("测试丁");
  r.mutable_person()->set_id_number(ValidId(kFirst17));
  records::v1::CivilJudgment* j = r.mutable_civil_judgment();
  j->set_case_number("TEST-CIVIL-009");
  j->set_amount_awarded_fen(45000000);
  j->set_judgment_date("2023-11-20");
  j->set_claim(records::v1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT);
  j->set_injury(records::v1::CivilJudgment::INJURY_SERIOUS);
  j->set_disability_grade(3);
  j->set_incident_date("2023-02-14");
  j->set_region_code("341523");
  return r;
}

Record DisabilityRecord() {
  Record r;
  r.set_source_record_id("dc-1");
  r.set_version(1);
  r.mutable_person()->set_name("测试丙");
  r.mutable_person()->set_id_number(ValidId(kFirst17));
  records::v1::DisabilityCertificate* certificate = r.mutable_disability_certificate();
  certificate->set_certificate_number(ValidId(kFirst17) + "42");
  certificate->set_kind(records::v1::DisabilityCertificate::KIND_LIMB);
  certificate->set_grade(2);
  certificate->set_issue_date("2020-08-01");
  return r;
}

Record SocialAssistanceRecord() {
  Record r;
  r.set_source_record_id("sa-1");
  r.set_version(1);
  r.mutable_person()->set_name("测试丁");
  r.mutable_person()->set_id_number(ValidId(kFirst17));
  r.mutable_social_assistance()->set_programme(
      records::v1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  r.mutable_social_assistance()->set_start_date("2021-03-01");
  return r;
}

class RecordValidatorTest : public ::testing::Test {
 protected:
  RecordValidatorTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 12, 0, 0), absl::UTCTimeZone())),
        tokenizer_(*common::IdTokenizer::Create(kSecret)),
        validator_(&tokenizer_, &clock_) {}

  ValidationResult Validate(const std::string& agency, const Record& record) {
    return validator_.Validate(agency, record);
  }

  common::FakeClock clock_;
  common::IdTokenizer tokenizer_;
  RecordValidator validator_;
};

// Returns the issues with `reason`.
std::vector<Issue> WithReason(const ValidationResult& result, const std::string& reason) {
  std::vector<Issue> out;
  for (const Issue& issue : result.issues) {
    if (issue.reason == reason) out.push_back(issue);
  }
  return out;
}

TEST_F(RecordValidatorTest, AcceptsValidVictimAndNormalizesPerson) {
  ValidationResult result = Validate("procuratorate", VictimRecord());
  EXPECT_THAT(result.issues, IsEmpty());
  EXPECT_FALSE(result.rejected());
  const records::v1::NormalizedPerson& person = result.person;
  EXPECT_EQ(person.name_original(), "测试甲");
  EXPECT_EQ(person.name_normalized(), "测试甲");
  EXPECT_EQ(person.name_pinyin(), "ce shi jia");
  EXPECT_TRUE(person.id_verified());
  EXPECT_EQ(person.id_token(), tokenizer_.Token(ValidId(kFirst17)));
  EXPECT_EQ(person.id_token().size(), 64u);
  EXPECT_EQ(person.id_masked(), common::MaskIdNumber(ValidId(kFirst17)));
  EXPECT_EQ(person.id_masked().find(kFirst17.substr(4, 10)), std::string::npos);
  EXPECT_EQ(person.birth_date(), "1990-03-07");
  EXPECT_EQ(person.sex(), records::v1::SEX_MALE);
  EXPECT_EQ(person.region_code(), "110101");
}

TEST_F(RecordValidatorTest, AcceptsACivilCaseOfItsOwnFromTheCourt) {
  EXPECT_THAT(Validate("court", TrafficJudgmentRecord()).issues, IsEmpty());
  // Text up to the limit is fine.
  Record long_text = TrafficJudgmentRecord();
  long_text.mutable_person()->set_address(std::string(RecordValidator::kMaxTextBytes, 'a'));
  EXPECT_THAT(Validate("court", long_text).issues, IsEmpty());
  // The court's injury appraisal runs to grade 10 (the certificate scale stops at 4).
  for (int grade : {1, 7, 10}) {
    Record appraised = TrafficJudgmentRecord();
    appraised.mutable_civil_judgment()->set_disability_grade(grade);
    EXPECT_THAT(Validate("court", appraised).issues, IsEmpty()) << grade;
  }
  // The incidental judgment of a criminal case needs none of a civil case's fields.
  Record incidental = TrafficJudgmentRecord();
  incidental.mutable_civil_judgment()->set_claim(records::v1::CivilJudgment::CLAIM_UNSPECIFIED);
  incidental.mutable_civil_judgment()->clear_injury();
  incidental.mutable_civil_judgment()->clear_incident_date();
  incidental.mutable_civil_judgment()->clear_region_code();
  EXPECT_THAT(Validate("court", incidental).issues, IsEmpty());
}

TEST_F(RecordValidatorTest, IdMissingWithTypeUnspecifiedOrNoneIsKeptWithWarning) {
  for (records::v1::IdType id_type :
       {records::v1::ID_TYPE_UNSPECIFIED, records::v1::ID_TYPE_NONE}) {
    const std::string name = records::v1::IdType_Name(id_type);
    ValidationResult result = Validate("procuratorate", With(VictimRecord(), [&](Record& r) {
                                         r.mutable_person()->set_id_type(id_type);
                                         r.mutable_person()->clear_id_number();
                                       }));
    EXPECT_FALSE(result.rejected()) << name;
    ASSERT_EQ(WithReason(result, reason::kIdMissing).size(), 1u) << name;
    EXPECT_EQ(WithReason(result, reason::kIdMissing)[0].severity, Severity::kWarning);
    EXPECT_TRUE(result.person.id_token().empty());
    EXPECT_FALSE(result.person.id_verified());
  }
}

// One row per reason code: a mutation of a valid record and what the validator must say.
struct Case {
  std::string name;
  std::string agency;
  Record record;
  std::string field;
  std::string reason;
  Severity severity;
};

class ReasonCodeTest : public RecordValidatorTest, public ::testing::WithParamInterface<int> {};

// Mutations of the valid records.
Record VictimWithId(const std::string& id_number) {
  return With(VictimRecord(), [&](Record& r) { r.mutable_person()->set_id_number(id_number); });
}
Record VictimWithPerson(void (*change)(records::v1::PersonIdentity*)) {
  return With(VictimRecord(), [&](Record& r) { change(r.mutable_person()); });
}
Record VictimWithCaseDate(const std::string& date) {
  return With(VictimRecord(), [&](Record& r) {
    r.mutable_criminal_victim()->mutable_criminal_case()->set_case_date(date);
  });
}
Record VictimWithRecordDate(const std::string& date) {
  return With(VictimRecord(), [&](Record& r) { r.set_record_date(date); });
}

std::vector<Case> Cases() {
  using records::v1::PersonIdentity;
  const std::string bad_length_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadLength));
  const std::string bad_char_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadCharacter));
  const std::string check_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadCheckDigit));
  const std::string spreadsheet_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kSpreadsheetDamage));
  const std::string bad_region_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadRegion));
  const std::string bad_birth_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadBirthDate));
  Record medical_year_in_future;
  medical_year_in_future.set_source_record_id("me-1");
  medical_year_in_future.mutable_person()->set_name("测试戊");
  medical_year_in_future.mutable_medical_expense()->set_year(2025);
  return {
      {"bad_check_digit_kept", "procuratorate", VictimWithId(BadCheckId(kFirst17)),
       "person.id_number", check_code, Severity::kWarning},
      {"legacy_15_upgraded", "procuratorate", VictimWithId("110101900307123"), "person.id_number",
       reason::kIdUpgraded15, Severity::kWarning},
      {"full_width_repaired", "procuratorate", VictimWithId(FullWidth(ValidId(kFirst17))),
       "person.id_number", reason::kIdRepaired, Severity::kWarning},
      {"bad_length_kept", "procuratorate", VictimWithId("1101011990030712"), "person.id_number",
       bad_length_code, Severity::kWarning},
      {"bad_character_kept", "procuratorate", VictimWithId("11010119900307A23X"),
       "person.id_number", bad_char_code, Severity::kWarning},
      {"spreadsheet_damage_kept", "procuratorate", VictimWithId("1.10101199003071E+17"),
       "person.id_number", spreadsheet_code, Severity::kWarning},
      {"bad_region_kept", "procuratorate", VictimWithId(ValidId("99010119900307123")),
       "person.id_number", bad_region_code, Severity::kWarning},
      {"bad_birth_date_in_number_kept", "procuratorate", VictimWithId(ValidId("11010119900230123")),
       "person.id_number", bad_birth_code, Severity::kWarning},
      {"future_birth_date_in_number_kept", "procuratorate",
       VictimWithId(ValidId("11010120300101123")), "person.id_number", bad_birth_code,
       Severity::kWarning},
      {"resident_id_type_without_number_kept", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->clear_id_number(); }), "person.id_number",
       reason::kIdMissing, Severity::kWarning},
      {"missing_name_rejected", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->clear_name(); }), "person.name",
       reason::kNameMissing, Severity::kError},
      {"blank_name_rejected", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_name(" \xE3\x80\x80 "); }), "person.name",
       reason::kNameMissing, Severity::kError},
      {"future_date_rejected", "procuratorate", VictimWithCaseDate("2024-06-02"),
       "criminal_victim.criminal_case.case_date", reason::kDateInFuture, Severity::kError},
      {"future_record_date_rejected", "procuratorate", VictimWithRecordDate("2030-01-01"),
       "record_date", reason::kDateInFuture, Severity::kError},
      {"impossible_date_rejected", "procuratorate", VictimWithCaseDate("2023-02-30"),
       "criminal_victim.criminal_case.case_date", reason::kDateInvalid, Severity::kError},
      {"malformed_date_rejected", "procuratorate", VictimWithRecordDate("2024/05/01"),
       "record_date", reason::kDateInvalid, Severity::kError},
      {"paid_over_awarded_rejected", "court",
       With(EnforcementRecord(),
            [](Record& r) { r.mutable_enforcement()->set_amount_paid_fen(83000001); }),
       "enforcement.amount_paid_fen", reason::kAmountPaidExceedsAwarded, Severity::kError},
      {"negative_amount_rejected", "procuratorate",
       With(VictimRecord(),
            [](Record& r) { r.mutable_criminal_victim()->set_property_loss_fen(-1); }),
       "criminal_victim.property_loss_fen", reason::kAmountNegative, Severity::kError},
      {"tort_without_injury_rejected", "court",
       With(TrafficJudgmentRecord(), [](Record& r) { r.mutable_civil_judgment()->clear_injury(); }),
       "civil_judgment.injury", reason::kMissingField, Severity::kError},
      {"tort_without_region_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) { r.mutable_civil_judgment()->clear_region_code(); }),
       "civil_judgment.region_code", reason::kMissingField, Severity::kError},
      {"tort_with_unknown_region_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) { r.mutable_civil_judgment()->set_region_code("991523"); }),
       "civil_judgment.region_code", reason::kRegionCodeInvalid, Severity::kError},
      {"tort_without_incident_date_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) { r.mutable_civil_judgment()->clear_incident_date(); }),
       "civil_judgment.incident_date", reason::kMissingField, Severity::kError},
      {"huge_source_record_id_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) { r.set_source_record_id(std::string(8 << 20, 'x')); }),
       "source_record_id", reason::kTextTooLong, Severity::kError},
      {"long_address_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) {
              r.mutable_person()->set_address(std::string(RecordValidator::kMaxTextBytes + 1, 'a'));
            }),
       "person.address", reason::kTextTooLong, Severity::kError},
      {"long_nested_case_number_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) {
              r.mutable_civil_judgment()->set_case_number(
                  std::string(RecordValidator::kMaxTextBytes + 1, '1'));
            }),
       "civil_judgment.case_number", reason::kTextTooLong, Severity::kError},
      {"tort_grade_11_rejected", "court",
       With(TrafficJudgmentRecord(),
            [](Record& r) { r.mutable_civil_judgment()->set_disability_grade(11); }),
       "civil_judgment.disability_grade", reason::kValueOutOfRange, Severity::kError},
      {"grade_5_rejected", "disabled_persons_federation",
       With(DisabilityRecord(),
            [](Record& r) { r.mutable_disability_certificate()->set_grade(5); }),
       "disability_certificate.grade", reason::kValueOutOfRange, Severity::kError},
      {"victim_grade_5_rejected", "procuratorate",
       With(VictimRecord(),
            [](Record& r) { r.mutable_criminal_victim()->set_disability_grade(5); }),
       "criminal_victim.disability_grade", reason::kValueOutOfRange, Severity::kError},
      {"kind_not_allowed_rejected", "court", VictimRecord(), "criminal_victim",
       reason::kPayloadNotAllowed, Severity::kError},
      {"no_payload_rejected", "procuratorate",
       With(VictimRecord(), [](Record& r) { r.clear_payload(); }), "payload",
       reason::kPayloadMissing, Severity::kError},
      {"missing_case_number_rejected", "procuratorate",
       With(VictimRecord(),
            [](Record& r) {
              r.mutable_criminal_victim()->mutable_criminal_case()->clear_case_number();
            }),
       "criminal_victim.criminal_case.case_number", reason::kMissingField, Severity::kError},
      {"unspecified_harm_rejected", "procuratorate",
       With(VictimRecord(),
            [](Record& r) {
              r.mutable_criminal_victim()->set_harm(records::v1::CriminalVictim::HARM_UNSPECIFIED);
            }),
       "criminal_victim.harm", reason::kMissingField, Severity::kError},
      {"missing_programme_rejected", "civil_affairs",
       With(SocialAssistanceRecord(),
            [](Record& r) { r.mutable_social_assistance()->clear_programme(); }),
       "social_assistance.programme", reason::kMissingField, Severity::kError},
      {"missing_start_date_rejected", "civil_affairs",
       With(SocialAssistanceRecord(),
            [](Record& r) { r.mutable_social_assistance()->clear_start_date(); }),
       "social_assistance.start_date", reason::kMissingField, Severity::kError},
      {"missing_grade_rejected", "disabled_persons_federation",
       With(DisabilityRecord(),
            [](Record& r) { r.mutable_disability_certificate()->set_grade(0); }),
       "disability_certificate.grade", reason::kMissingField, Severity::kError},
      {"end_before_start_rejected", "civil_affairs",
       With(SocialAssistanceRecord(),
            [](Record& r) { r.mutable_social_assistance()->set_end_date("2021-02-28"); }),
       "social_assistance.end_date", reason::kDateRange, Severity::kError},
      {"poverty_end_before_start_rejected", "rural_revitalization",
       [] {
         Record r;
         r.set_source_record_id("pm-1");
         r.mutable_person()->set_name("测试己");
         r.mutable_poverty_monitoring()->set_category(
             records::v1::PovertyMonitoring::CATEGORY_UNSTABLE);
         r.mutable_poverty_monitoring()->set_start_date("2021-03-01");
         r.mutable_poverty_monitoring()->set_end_date("2021-02-28");
         return r;
       }(),
       "poverty_monitoring.end_date", reason::kDateRange, Severity::kError},
      {"missing_source_record_id_rejected", "procuratorate",
       With(VictimRecord(), [](Record& r) { r.clear_source_record_id(); }), "source_record_id",
       reason::kMissingField, Severity::kError},
      {"negative_version_rejected", "procuratorate",
       With(VictimRecord(), [](Record& r) { r.set_version(-1); }), "version",
       reason::kVersionNegative, Severity::kError},
      {"unknown_enum_rejected", "procuratorate",
       With(VictimRecord(),
            [](Record& r) {
              r.mutable_criminal_victim()->set_harm(
                  static_cast<records::v1::CriminalVictim::Harm>(99));
            }),
       "criminal_victim.harm", reason::kEnumUnknown, Severity::kError},
      {"birth_date_mismatch_warned", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_birth_date("1990-07-03"); }),
       "person.birth_date", reason::kBirthDateMismatch, Severity::kWarning},
      {"future_birth_date_dropped", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_birth_date("2025-01-01"); }),
       "person.birth_date", reason::kBirthDateInvalid, Severity::kWarning},
      {"birth_date_before_1900_dropped", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_birth_date("0219-07-09"); }),
       "person.birth_date", reason::kBirthDateInvalid, Severity::kWarning},
      {"impossible_birth_date_dropped", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_birth_date("1990-02-30"); }),
       "person.birth_date", reason::kBirthDateInvalid, Severity::kWarning},
      {"record_date_before_1900_rejected", "procuratorate", VictimWithRecordDate("1899-12-31"),
       "record_date", reason::kDateOutOfRange, Severity::kError},
      {"sex_mismatch_warned", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_sex(records::v1::SEX_FEMALE); }),
       "person.sex", reason::kSexMismatch, Severity::kWarning},
      {"phone_invalid_warned", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_phone("12-34"); }), "person.phone",
       reason::kPhoneInvalid, Severity::kWarning},
      {"id_number_in_address_masked", "procuratorate", VictimWithPerson([](PersonIdentity* p) {
         p->set_address("某县某镇 341523198001011236 号");
       }),
       "person.address", reason::kIdNumberInText, Severity::kWarning},
      {"region_code_invalid_warned", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_region_code("11A1"); }),
       "person.region_code", reason::kRegionCodeInvalid, Severity::kWarning},
      {"region_code_of_unknown_province_warned", "procuratorate",
       VictimWithPerson([](PersonIdentity* p) { p->set_region_code("991234"); }),
       "person.region_code", reason::kRegionCodeInvalid, Severity::kWarning},
      {"other_document_warned", "procuratorate", VictimWithPerson([](PersonIdentity* p) {
         p->set_id_type(records::v1::ID_TYPE_OTHER);
         p->set_id_number("TESTPASSPORT01");
       }),
       "person.id_number", reason::kIdNotResident, Severity::kWarning},
      {"medical_year_in_future_rejected", "medical_security", medical_year_in_future,
       "medical_expense.year", reason::kValueOutOfRange, Severity::kError},
  };
}

TEST_P(ReasonCodeTest, ReportsTheReason) {
  const Case c = Cases()[static_cast<size_t>(GetParam())];
  SCOPED_TRACE(c.name);
  ValidationResult result = Validate(c.agency, c.record);
  std::vector<Issue> found = WithReason(result, c.reason);
  ASSERT_EQ(found.size(), 1u) << "issues: " << result.issues.size();
  EXPECT_EQ(found[0].field, c.field);
  EXPECT_EQ(found[0].severity, c.severity);
  EXPECT_FALSE(found[0].message.empty());
  EXPECT_EQ(result.rejected(), c.severity == Severity::kError);
  if (c.severity == Severity::kWarning) {
    // A warning is the only thing wrong with these records.
    for (const Issue& issue : result.issues) EXPECT_EQ(issue.severity, Severity::kWarning);
  }
}

INSTANTIATE_TEST_SUITE_P(AllReasonCodes, ReasonCodeTest,
                         ::testing::Range(0, static_cast<int>(Cases().size())),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return Cases()[static_cast<size_t>(param_info.param)].name;
                         });

// The schema, walked by reflection in this test only: every leaf field of every payload kind
// (nested messages included), with its path from the record root.
struct PayloadLeaf {
  const google::protobuf::FieldDescriptor* payload;
  std::vector<const google::protobuf::FieldDescriptor*> path;
  std::string dotted;
};

void CollectLeaves(const google::protobuf::Descriptor* type, PayloadLeaf prefix,
                   std::vector<PayloadLeaf>* out) {
  for (int i = 0; i < type->field_count(); ++i) {
    PayloadLeaf leaf = prefix;
    leaf.path.push_back(type->field(i));
    leaf.dotted += "." + type->field(i)->name();
    if (type->field(i)->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      CollectLeaves(type->field(i)->message_type(), leaf, out);
    } else {
      out->push_back(leaf);
    }
  }
}

std::vector<PayloadLeaf> PayloadLeaves() {
  std::vector<PayloadLeaf> leaves;
  const google::protobuf::OneofDescriptor* payload =
      Record::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < payload->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* kind = payload->field(i);
    CollectLeaves(kind->message_type(), PayloadLeaf{kind, {kind}, kind->name()}, &leaves);
  }
  return leaves;
}

// A record of `leaf`'s payload kind with `set` applied to the leaf's field (and nothing else).
Record WithLeaf(const PayloadLeaf& leaf,
                const std::function<void(google::protobuf::Message*,
                                         const google::protobuf::FieldDescriptor*)>& set) {
  Record record;
  record.set_source_record_id("leaf-1");
  record.mutable_person()->set_name("测试庚");
  google::protobuf::Message* message = &record;
  for (size_t i = 0; i + 1 < leaf.path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, leaf.path[i]);
  }
  set(message, leaf.path.back());
  return record;
}

// Each check below fails when a field of a payload added to records.proto, or one already there,
// is no longer checked by the validator.
TEST_F(RecordValidatorTest, EveryDateFieldOfEveryPayloadIsChecked) {
  int checked = 0;
  for (const PayloadLeaf& leaf : PayloadLeaves()) {
    if (!leaf.dotted.ends_with("_date")) continue;
    ++checked;
    SCOPED_TRACE(leaf.dotted);
    for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
             {"2024-06-02", reason::kDateInFuture},
             {"2023-02-30", reason::kDateInvalid},
             {"1899-12-31", reason::kDateOutOfRange}}) {
      Record record = WithLeaf(leaf, [&](auto* message, auto* field) {
        message->GetReflection()->SetString(message, field, text);
      });
      std::vector<Issue> found = WithReason(Validate("procuratorate", record), want);
      ASSERT_EQ(found.size(), 1u) << text;
      EXPECT_EQ(found[0].field, leaf.dotted);
    }
  }
  EXPECT_EQ(checked, 12);
}

TEST_F(RecordValidatorTest, EveryAmountOfEveryPayloadMustNotBeNegative) {
  int checked = 0;
  for (const PayloadLeaf& leaf : PayloadLeaves()) {
    if (!leaf.dotted.ends_with("_fen")) continue;
    ++checked;
    SCOPED_TRACE(leaf.dotted);
    Record record = WithLeaf(leaf, [](auto* message, auto* field) {
      message->GetReflection()->SetInt64(message, field, -1);
    });
    std::vector<Issue> found =
        WithReason(Validate("procuratorate", record), reason::kAmountNegative);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].field, leaf.dotted);
  }
  EXPECT_EQ(checked, 8);
}

TEST_F(RecordValidatorTest, EveryEnumOfEveryPayloadMustBeAValueTheSchemaDefines) {
  int checked = 0;
  for (const PayloadLeaf& leaf : PayloadLeaves()) {
    if (leaf.path.back()->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_ENUM) continue;
    ++checked;
    SCOPED_TRACE(leaf.dotted);
    Record record = WithLeaf(leaf, [](auto* message, auto* field) {
      message->GetReflection()->SetEnumValue(message, field, 99);
    });
    std::vector<Issue> found = WithReason(Validate("procuratorate", record), reason::kEnumUnknown);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].field, leaf.dotted);
  }
  EXPECT_EQ(checked, 13);
  for (auto change :
       {+[](records::v1::PersonIdentity* p) {
          p->set_id_type(static_cast<records::v1::IdType>(99));
        },
        +[](records::v1::PersonIdentity* p) { p->set_sex(static_cast<records::v1::Sex>(99)); }}) {
    EXPECT_EQ(WithReason(Validate("procuratorate", VictimWithPerson(change)), reason::kEnumUnknown)
                  .size(),
              1u);
  }
}

TEST_F(RecordValidatorTest, UnusableIdNumbersKeepTheRecordButAreNeverAnIdentifier) {
  const common::IdNearEncoder near(tokenizer_);
  const common::IdNearForm valid = near.Encode(common::ParseIdNumber(ValidId(kFirst17)));
  for (const std::string& raw : {BadCheckId(kFirst17), ValidId(kFirst17) + "7", kFirst17,
                                 std::string("1.10101199003071E+17"), ValidId("99010119900307123"),
                                 ValidId("11010119900230123")}) {
    SCOPED_TRACE(raw);
    ValidationResult result = Validate("procuratorate", VictimWithId(raw));
    EXPECT_FALSE(result.rejected());
    const records::v1::NormalizedPerson& person = result.person;
    EXPECT_FALSE(person.id_verified());
    EXPECT_TRUE(person.id_token().empty());
    EXPECT_FALSE(person.id_problem().empty());
    EXPECT_EQ(WithReason(result, person.id_problem()).size(), 1u);
    EXPECT_EQ(person.name_normalized(), "测试甲");
  }
  // A mistyped check character keeps the core token; a doubled digit shares an edit key.
  const records::v1::NormalizedPerson check =
      Validate("procuratorate", VictimWithId(BadCheckId(kFirst17))).person;
  EXPECT_EQ(check.id_near().core_token(), valid.core_token);
  EXPECT_EQ(check.id_problem(), "ID_CHECK_DIGIT");
  const records::v1::NormalizedPerson doubled =
      Validate("procuratorate", VictimWithId(ValidId(kFirst17) + "7")).person;
  std::vector<uint64_t> shared;
  for (const uint64_t key : doubled.id_near().edit_keys()) {
    if (std::find(valid.edit_keys.begin(), valid.edit_keys.end(), key) != valid.edit_keys.end()) {
      shared.push_back(key);
    }
  }
  EXPECT_FALSE(shared.empty());
  // A spreadsheet's 15 digits compare as a prefix only.
  const records::v1::NormalizedPerson sheet =
      Validate("procuratorate", VictimWithId("1.10101199003071E+17")).person;
  EXPECT_EQ(sheet.id_near().prefix15_token(), valid.prefix15_token);
  EXPECT_TRUE(sheet.id_near().edit_keys().empty());
}

TEST_F(RecordValidatorTest, ValidIdCarriesItsNearFormsAndRegion) {
  const records::v1::NormalizedPerson person = Validate("procuratorate", VictimRecord()).person;
  const common::IdNearForm want =
      common::IdNearEncoder(tokenizer_).Encode(common::ParseIdNumber(ValidId(kFirst17)));
  EXPECT_EQ(person.id_near().core_token(), want.core_token);
  EXPECT_EQ(person.id_near().prefix15_token(), want.prefix15_token);
  EXPECT_EQ(std::vector<uint64_t>(person.id_near().edit_keys().begin(),
                                  person.id_near().edit_keys().end()),
            want.edit_keys);
  EXPECT_EQ(person.id_near().bigram_bloom(), want.bigram_bloom);
  EXPECT_EQ(person.id_region_code(), "110101");
  EXPECT_TRUE(person.id_problem().empty());
}

TEST_F(RecordValidatorTest,
       AnUnverifiedNumberStillGivesBirthDateSexAndRegionWhereFieldsAreMissing) {
  ValidationResult result =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_id_number(BadCheckId(kFirst17));
                 p->clear_birth_date();
                 p->clear_sex();
               }));
  EXPECT_FALSE(result.rejected());
  EXPECT_EQ(result.person.birth_date(), "1990-03-07");
  EXPECT_EQ(result.person.sex(), records::v1::SEX_MALE);
  EXPECT_EQ(result.person.id_region_code(), "110101");
  // The given fields win over an unverified number.
  ValidationResult given =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_id_number(BadCheckId(kFirst17));
                 p->set_birth_date("1990-07-03");
                 p->set_sex(records::v1::SEX_FEMALE);
               }));
  EXPECT_EQ(given.person.birth_date(), "1990-07-03");
  EXPECT_EQ(given.person.sex(), records::v1::SEX_FEMALE);
  EXPECT_EQ(WithReason(given, reason::kBirthDateMismatch).size(), 1u);
}

TEST_F(RecordValidatorTest, ABadBirthDateFieldIsDroppedAndTheNumbersDateUsed) {
  for (const char* bad : {"1990-02-30", "2030-01-01", "1899-12-31", "yesterday"}) {
    SCOPED_TRACE(bad);
    ValidationResult result =
        Validate("procuratorate",
                 With(VictimRecord(), [&](Record& r) { r.mutable_person()->set_birth_date(bad); }));
    EXPECT_FALSE(result.rejected());
    EXPECT_EQ(result.person.birth_date(), "1990-03-07");
    EXPECT_EQ(WithReason(result, reason::kBirthDateInvalid).size(), 1u);
    EXPECT_TRUE(WithReason(result, reason::kBirthDateMismatch).empty());
  }
}

TEST_F(RecordValidatorTest, DocumentsAreComparedByTypeAndNumberInOneForm) {
  auto with_document = [](records::v1::IdType type, const std::string& number) {
    return With(VictimRecord(), [&](Record& r) {
      r.mutable_person()->set_id_type(type);
      r.mutable_person()->set_id_number(number);
    });
  };
  const records::v1::NormalizedPerson passport =
      Validate("procuratorate", with_document(records::v1::ID_TYPE_PASSPORT, "E12345678")).person;
  const records::v1::NormalizedPerson spaced =
      Validate("procuratorate", with_document(records::v1::ID_TYPE_PASSPORT, "ｅ1234 5678")).person;
  const records::v1::NormalizedPerson permit =
      Validate("procuratorate", with_document(records::v1::ID_TYPE_HK_MACAO_PERMIT, "E12345678"))
          .person;
  EXPECT_EQ(passport.document_type(), records::v1::ID_TYPE_PASSPORT);
  EXPECT_EQ(passport.document_token().size(), 64u);
  EXPECT_EQ(passport.document_token(), spaced.document_token());
  EXPECT_NE(passport.document_token(), permit.document_token());
  EXPECT_TRUE(passport.id_token().empty());
  EXPECT_FALSE(passport.id_verified());
  EXPECT_EQ(passport.id_masked().find("2345"), std::string::npos);
  ValidationResult known =
      Validate("procuratorate", with_document(records::v1::ID_TYPE_PASSPORT, "E12345678"));
  EXPECT_TRUE(known.issues.empty());
  ValidationResult other =
      Validate("procuratorate", with_document(records::v1::ID_TYPE_OTHER, "E12345678"));
  EXPECT_EQ(WithReason(other, reason::kIdNotResident).size(), 1u);
  EXPECT_FALSE(other.person.document_token().empty());
}

TEST_F(RecordValidatorTest, UpgradedAndRepairedNumbersGetTheSameTokenAsTheCanonicalOne) {
  const std::string canonical = ValidId(kFirst17);
  ValidationResult upgraded = Validate("procuratorate", VictimWithId("110101900307123"));
  ValidationResult repaired = Validate("procuratorate", VictimWithId(FullWidth(canonical)));
  EXPECT_TRUE(upgraded.person.id_verified());
  EXPECT_TRUE(repaired.person.id_verified());
  EXPECT_EQ(upgraded.person.id_token(), tokenizer_.Token(canonical));
  EXPECT_EQ(repaired.person.id_token(), tokenizer_.Token(canonical));
}

TEST_F(RecordValidatorTest, VerifiedIdWinsOverDisagreeingBirthDateAndSex) {
  ValidationResult result =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_birth_date("1990-07-03");
                 p->set_sex(records::v1::SEX_FEMALE);
               }));
  EXPECT_EQ(result.person.birth_date(), "1990-03-07");
  EXPECT_EQ(result.person.sex(), records::v1::SEX_MALE);
}

TEST_F(RecordValidatorTest, WithoutIdTheGivenBirthDateAndSexAreKept) {
  ValidationResult result =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_id_type(records::v1::ID_TYPE_NONE);
                 p->clear_id_number();
                 p->set_birth_date("2012-11-05");
                 p->set_sex(records::v1::SEX_FEMALE);
               }));
  EXPECT_FALSE(result.rejected());
  EXPECT_EQ(result.person.birth_date(), "2012-11-05");
  EXPECT_EQ(result.person.sex(), records::v1::SEX_FEMALE);
}

TEST_F(RecordValidatorTest, NameIsFoldedToSimplifiedWithPinyinAndOriginalKept) {
  const std::string original = "張\xE2\x80\x8B偉·ＬＩ";  // traditional, zero-width space, dot
  ValidationResult result =
      Validate("procuratorate",
               With(VictimRecord(), [&](Record& r) { r.mutable_person()->set_name(original); }));
  EXPECT_FALSE(result.rejected());
  EXPECT_EQ(result.person.name_original(), original);
  EXPECT_EQ(result.person.name_normalized(), "张伟li");
  EXPECT_EQ(result.person.name_pinyin(), "zhang wei li");
}

TEST_F(RecordValidatorTest, NameOfOnlyInvisibleCharactersIsRejected) {
  ValidationResult result =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_name("\xE2\x80\x8B\xEF\xBB\xBF");
               }));
  EXPECT_TRUE(result.rejected());
  EXPECT_EQ(WithReason(result, reason::kNameMissing).size(), 1u);
  EXPECT_TRUE(result.person.name_pinyin().empty());
}

TEST_F(RecordValidatorTest, PhoneIsNormalizedOrDropped) {
  ValidationResult good = Validate(
      "procuratorate",
      VictimWithPerson([](records::v1::PersonIdentity* p) { p->set_phone("+86 139-0000-0000"); }));
  EXPECT_EQ(good.person.phone_normalized(), "13900000000");
  EXPECT_THAT(good.issues, IsEmpty());
  ValidationResult bad =
      Validate("procuratorate",
               VictimWithPerson([](records::v1::PersonIdentity* p) { p->set_phone("12-34"); }));
  EXPECT_EQ(bad.person.phone_normalized(), "");
}

TEST_F(RecordValidatorTest, CertificateNumberEmbeddingAnIdIsMasked) {
  Record record = DisabilityRecord();
  EXPECT_FALSE(Validate("disabled_persons_federation", record).rejected());
  MaskIdBearingFields(&record);
  const std::string& masked = record.disability_certificate().certificate_number();
  EXPECT_EQ(masked, common::MaskIdNumber(ValidId(kFirst17) + "42"));
  EXPECT_EQ(masked.find(kFirst17.substr(4, 10)), std::string::npos);
  // Nothing else changes, and a record without a certificate number is left alone.
  Record expected = DisabilityRecord();
  expected.mutable_disability_certificate()->set_certificate_number(masked);
  EXPECT_EQ(record.SerializeAsString(), expected.SerializeAsString());
  Record other = VictimRecord();
  MaskIdBearingFields(&other);
  EXPECT_EQ(other.SerializeAsString(), VictimRecord().SerializeAsString());
}

TEST_F(RecordValidatorTest, MessagesNeverCarryPersonalValues) {
  const std::string id = "1101011990030712";
  ValidationResult result =
      Validate("procuratorate", VictimWithPerson([](records::v1::PersonIdentity* p) {
                 p->set_id_number("1101011990030712");
                 p->set_phone("12-34");
                 p->set_birth_date("1990-02-30");
               }));
  ASSERT_GE(result.issues.size(), 3u);
  for (const Issue& issue : result.issues) {
    EXPECT_EQ(issue.message.find(id), std::string::npos) << issue.message;
    EXPECT_EQ(issue.message.find("12-34"), std::string::npos) << issue.message;
    EXPECT_EQ(issue.message.find("1990-02-30"), std::string::npos) << issue.message;
  }
}

TEST_F(RecordValidatorTest, TodayIsJudgedInTheConfiguredZone) {
  // 2024-06-01T20:00Z is already 2024-06-02 in UTC+8.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 20, 0, 0), absl::UTCTimeZone()));
  ValidationResult result = Validate("procuratorate", VictimWithRecordDate("2024-06-02"));
  EXPECT_FALSE(result.rejected());
}

TEST(AgencySendsTest, ReadsTheOneAgencyList) {
  EXPECT_TRUE(AgencySends("procuratorate", Record::kCriminalVictim));
  EXPECT_TRUE(AgencySends("court", Record::kAssistanceGranted));
  EXPECT_TRUE(AgencySends("medical_security", Record::kMedicalExpense));
  EXPECT_FALSE(AgencySends("court", Record::kCriminalVictim));
  EXPECT_FALSE(AgencySends("civil_affairs", Record::kDisabilityCertificate));
  EXPECT_FALSE(AgencySends("police", Record::kCriminalVictim));
  EXPECT_FALSE(AgencySends("procuratorate", Record::PAYLOAD_NOT_SET));
}

std::vector<std::string> Reasons(const std::vector<Issue>& issues) {
  std::vector<std::string> out;
  for (const Issue& issue : issues) out.push_back(issue.reason);
  return out;
}

Record Retraction() {
  Record r;
  r.set_source_record_id("sa-1");
  r.set_version(2);
  r.set_record_date("2024-05-01");
  r.set_retracted(true);
  return r;
}

TEST_F(RecordValidatorTest, RetractionNeedsOnlyTheRecordsIdentity) {
  ValidationResult result = Validate("civil_affairs", Retraction());
  EXPECT_FALSE(result.rejected());
  EXPECT_TRUE(result.issues.empty());
  EXPECT_TRUE(result.person.name_normalized().empty());
  EXPECT_TRUE(result.person.id_token().empty());
}

TEST_F(RecordValidatorTest, RetractionIgnoresPersonAndPayload) {
  // The same fields reject an ordinary record (bad ID region, a payload the agency never sends).
  Record bad = VictimWithId("991234199003071234");
  EXPECT_TRUE(Validate("civil_affairs", bad).rejected());
  bad.set_retracted(true);
  ValidationResult result = Validate("civil_affairs", bad);
  EXPECT_FALSE(result.rejected());
  EXPECT_TRUE(result.issues.empty());
  EXPECT_TRUE(result.person.id_token().empty());
}

TEST_F(RecordValidatorTest, RetractionChecksItsIdentityFields) {
  EXPECT_THAT(Reasons(Validate("civil_affairs",
                               With(Retraction(), [](Record& r) { r.clear_source_record_id(); }))
                          .issues),
              ElementsAre("MISSING_FIELD"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs", With(Retraction(),
                                             [](Record& r) {
                                               r.set_source_record_id(std::string(
                                                   RecordValidator::kMaxTextBytes + 1, 'x'));
                                             }))
                  .issues),
      ElementsAre("TEXT_TOO_LONG"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs", With(Retraction(), [](Record& r) { r.set_version(-1); }))
                  .issues),
      ElementsAre("VERSION_NEGATIVE"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs",
                       With(Retraction(), [](Record& r) { r.set_record_date("2024-02-30"); }))
                  .issues),
      ElementsAre("DATE_INVALID"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs",
                       With(Retraction(), [](Record& r) { r.set_record_date("2099-01-01"); }))
                  .issues),
      ElementsAre("DATE_IN_FUTURE"));
}

}  // namespace
}  // namespace lifeline::ingest
