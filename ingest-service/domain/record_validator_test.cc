#include "ingest-service/domain/record_validator.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
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

// Builds a RecordView the way rpc/ flattens a proto Record, without protobuf. The view points
// into the builder's strings, which the builder and its copies keep alive.
class ViewBuilder {
 public:
  ViewBuilder& Kind(std::string kind) {
    view_.payload_kind = Keep(std::move(kind));
    return *this;
  }
  ViewBuilder& Str(const std::string& path, const std::string& text) {
    Remove(path);
    FieldValue field;
    field.path = Keep(path);
    field.type = FieldType::kString;
    field.text = Keep(text);
    field.present = !text.empty();
    view_.fields.push_back(field);
    return *this;
  }
  ViewBuilder& Int(const std::string& path, int64_t number) {
    Remove(path);
    FieldValue field;
    field.path = Keep(path);
    field.type = FieldType::kInt;
    field.number = number;
    field.present = number != 0;
    view_.fields.push_back(field);
    return *this;
  }
  ViewBuilder& Enum(const std::string& path, int64_t number, const std::string& name) {
    Remove(path);
    FieldValue field;
    field.path = Keep(path);
    field.type = FieldType::kEnum;
    field.number = number;
    field.enum_name = Keep(name);
    field.present = number != 0;
    view_.fields.push_back(field);
    return *this;
  }
  ViewBuilder& Bool(const std::string& path, bool value) {
    Remove(path);
    FieldValue field;
    field.path = Keep(path);
    field.type = FieldType::kBool;
    field.number = value ? 1 : 0;
    field.present = value;
    view_.fields.push_back(field);
    return *this;
  }
  ViewBuilder& Remove(const std::string& path) {
    std::erase_if(view_.fields, [&](const FieldValue& f) { return f.path == path; });
    return *this;
  }
  RecordView Build() const { return view_; }

 private:
  std::string_view Keep(std::string text) { return storage_->emplace_back(std::move(text)); }

  // A deque never moves what it holds, so the views stay valid as it grows; shared, so a copy of
  // the builder (and its view) stays valid too.
  std::shared_ptr<std::deque<std::string>> storage_ = std::make_shared<std::deque<std::string>>();
  RecordView view_;
};

const std::string kFirst17 = "11010119900307123";  // synthetic: Beijing, 1990-03-07, male

// A valid criminal-victim record from the procuratorate.
ViewBuilder VictimRecord() {
  ViewBuilder b;
  b.Str("source_record_id", "cv-1")
      .Int("version", 1)
      .Str("record_date", "2024-05-01")
      .Str("person.name", "测试甲")
      .Enum("person.id_type", 1, "ID_TYPE_RESIDENT_ID")
      .Str("person.id_number", ValidId(kFirst17))
      .Enum("person.sex", 0, "SEX_UNSPECIFIED")
      .Str("person.birth_date", "")
      .Str("person.phone", "")
      .Str("person.region_code", "110101")
      .Kind("criminal_victim")
      .Str("criminal_victim.criminal_case.case_number", "TEST-CASE-001")
      .Enum("criminal_victim.criminal_case.crime", 1, "CRIME_TRAFFIC")
      .Str("criminal_victim.criminal_case.case_date", "2023-01-15")
      .Enum("criminal_victim.harm", 1, "HARM_DEATH")
      .Int("criminal_victim.disability_grade", 0)
      .Int("criminal_victim.property_loss_fen", 0);
  return b;
}

ViewBuilder EnforcementRecord() {
  ViewBuilder b;
  b.Str("source_record_id", "en-1")
      .Int("version", 1)
      .Str("person.name", "测试乙")
      .Str("person.id_number", ValidId(kFirst17))
      .Kind("enforcement")
      .Str("enforcement.case_number", "TEST-CASE-001")
      .Int("enforcement.amount_awarded_fen", 83000000)
      .Int("enforcement.amount_paid_fen", 0)
      .Enum("enforcement.status", 2, "STATUS_TERMINATED_NO_PROPERTY")
      .Str("enforcement.status_date", "2024-01-10");
  return b;
}

ViewBuilder DisabilityRecord() {
  ViewBuilder b;
  b.Str("source_record_id", "dc-1")
      .Int("version", 1)
      .Str("person.name", "测试丙")
      .Str("person.id_number", ValidId(kFirst17))
      .Kind("disability_certificate")
      .Str("disability_certificate.certificate_number", ValidId(kFirst17) + "42")
      .Enum("disability_certificate.kind", 4, "KIND_LIMB")
      .Int("disability_certificate.grade", 2)
      .Str("disability_certificate.issue_date", "2020-08-01");
  return b;
}

ViewBuilder SocialAssistanceRecord() {
  ViewBuilder b;
  b.Str("source_record_id", "sa-1")
      .Int("version", 1)
      .Str("person.name", "测试丁")
      .Str("person.id_number", ValidId(kFirst17))
      .Kind("social_assistance")
      .Enum("social_assistance.programme", 2, "PROGRAMME_RURAL_MINIMUM_LIVING")
      .Str("social_assistance.start_date", "2021-03-01")
      .Str("social_assistance.end_date", "");
  return b;
}

class RecordValidatorTest : public ::testing::Test {
 protected:
  RecordValidatorTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 12, 0, 0), absl::UTCTimeZone())),
        tokenizer_(*common::IdTokenizer::Create(kSecret)),
        validator_(&AgencyCatalog::Default(), &tokenizer_, &clock_) {}

  ValidationResult Validate(const std::string& agency, const ViewBuilder& builder) {
    return validator_.Validate(agency, builder.Build());
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
  const NormalizedPerson& person = result.person;
  EXPECT_EQ(person.name_original, "测试甲");
  EXPECT_EQ(person.name_normalized, "测试甲");
  EXPECT_EQ(person.name_pinyin, "ce shi jia");
  EXPECT_TRUE(person.id_verified);
  EXPECT_EQ(person.id_token, tokenizer_.Token(ValidId(kFirst17)));
  EXPECT_EQ(person.id_token.size(), 64u);
  EXPECT_EQ(person.id_masked, common::MaskIdNumber(ValidId(kFirst17)));
  EXPECT_EQ(person.id_masked.find(kFirst17.substr(4, 10)), std::string::npos);
  EXPECT_EQ(person.birth_date, "1990-03-07");
  EXPECT_EQ(person.sex, Sex::kMale);
  EXPECT_EQ(person.region_code, "110101");
}

TEST_F(RecordValidatorTest, IdMissingWithTypeUnspecifiedOrNoneIsKeptWithWarning) {
  for (const auto& [number, name] :
       std::vector<std::pair<int, std::string>>{{0, "ID_TYPE_UNSPECIFIED"}, {3, "ID_TYPE_NONE"}}) {
    ValidationResult result =
        Validate("procuratorate",
                 VictimRecord().Enum("person.id_type", number, name).Str("person.id_number", ""));
    EXPECT_FALSE(result.rejected()) << name;
    ASSERT_EQ(WithReason(result, reason::kIdMissing).size(), 1u) << name;
    EXPECT_EQ(WithReason(result, reason::kIdMissing)[0].severity, Severity::kWarning);
    EXPECT_TRUE(result.person.id_token.empty());
    EXPECT_FALSE(result.person.id_verified);
  }
}

TEST_F(RecordValidatorTest, ResidentIdTypeWithoutNumberIsRejected) {
  ValidationResult result = Validate("procuratorate", VictimRecord().Str("person.id_number", ""));
  EXPECT_TRUE(result.rejected());
  EXPECT_EQ(
      WithReason(result, std::string(common::IdNumberProblemCode(common::IdNumberProblem::kEmpty)))
          .size(),
      1u);
}

// One row per reason code: a mutation of a valid record and what the validator must say.
struct Case {
  std::string name;
  std::string agency;
  ViewBuilder record;
  std::string field;
  std::string reason;
  Severity severity;
};

class ReasonCodeTest : public RecordValidatorTest, public ::testing::WithParamInterface<int> {};

std::vector<Case> Cases() {
  const std::string bad_length_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadLength));
  const std::string bad_char_code(
      common::IdNumberProblemCode(common::IdNumberProblem::kBadCharacter));
  return {
      {"bad_check_digit_kept", "procuratorate",
       VictimRecord().Str("person.id_number", BadCheckId(kFirst17)), "person.id_number",
       reason::kIdCheckDigit, Severity::kWarning},
      {"legacy_15_upgraded", "procuratorate",
       VictimRecord().Str("person.id_number", "110101900307123"), "person.id_number",
       reason::kIdUpgraded15, Severity::kWarning},
      {"full_width_repaired", "procuratorate",
       VictimRecord().Str("person.id_number", FullWidth(ValidId(kFirst17))), "person.id_number",
       reason::kIdRepaired, Severity::kWarning},
      {"bad_length_rejected", "procuratorate",
       VictimRecord().Str("person.id_number", "1101011990030712"), "person.id_number",
       bad_length_code, Severity::kError},
      {"bad_character_rejected", "procuratorate",
       VictimRecord().Str("person.id_number", "11010119900307A23X"), "person.id_number",
       bad_char_code, Severity::kError},
      {"missing_name_rejected", "procuratorate", VictimRecord().Str("person.name", ""),
       "person.name", reason::kNameMissing, Severity::kError},
      {"blank_name_rejected", "procuratorate", VictimRecord().Str("person.name", " \xE3\x80\x80 "),
       "person.name", reason::kNameMissing, Severity::kError},
      {"future_date_rejected", "procuratorate",
       VictimRecord().Str("criminal_victim.criminal_case.case_date", "2024-06-02"),
       "criminal_victim.criminal_case.case_date", reason::kDateInFuture, Severity::kError},
      {"future_record_date_rejected", "procuratorate",
       VictimRecord().Str("record_date", "2030-01-01"), "record_date", reason::kDateInFuture,
       Severity::kError},
      {"impossible_date_rejected", "procuratorate",
       VictimRecord().Str("criminal_victim.criminal_case.case_date", "2023-02-30"),
       "criminal_victim.criminal_case.case_date", reason::kDateInvalid, Severity::kError},
      {"malformed_date_rejected", "procuratorate", VictimRecord().Str("record_date", "2024/05/01"),
       "record_date", reason::kDateInvalid, Severity::kError},
      {"paid_over_awarded_rejected", "court",
       EnforcementRecord().Int("enforcement.amount_paid_fen", 83000001),
       "enforcement.amount_paid_fen", reason::kAmountPaidExceedsAwarded, Severity::kError},
      {"negative_amount_rejected", "procuratorate",
       VictimRecord().Int("criminal_victim.property_loss_fen", -1),
       "criminal_victim.property_loss_fen", reason::kAmountNegative, Severity::kError},
      {"grade_5_rejected", "disabled_persons_federation",
       DisabilityRecord().Int("disability_certificate.grade", 5), "disability_certificate.grade",
       reason::kValueOutOfRange, Severity::kError},
      {"victim_grade_5_rejected", "procuratorate",
       VictimRecord().Int("criminal_victim.disability_grade", 5),
       "criminal_victim.disability_grade", reason::kValueOutOfRange, Severity::kError},
      {"kind_not_allowed_rejected", "court", VictimRecord(), "criminal_victim",
       reason::kPayloadNotAllowed, Severity::kError},
      {"no_payload_rejected", "procuratorate", VictimRecord().Kind(""), "payload",
       reason::kPayloadMissing, Severity::kError},
      {"missing_case_number_rejected", "procuratorate",
       VictimRecord().Str("criminal_victim.criminal_case.case_number", ""),
       "criminal_victim.criminal_case.case_number", reason::kMissingField, Severity::kError},
      {"unspecified_harm_rejected", "procuratorate",
       VictimRecord().Enum("criminal_victim.harm", 0, "HARM_UNSPECIFIED"), "criminal_victim.harm",
       reason::kMissingField, Severity::kError},
      {"missing_programme_rejected", "civil_affairs",
       SocialAssistanceRecord().Enum("social_assistance.programme", 0, "PROGRAMME_UNSPECIFIED"),
       "social_assistance.programme", reason::kMissingField, Severity::kError},
      {"missing_start_date_rejected", "civil_affairs",
       SocialAssistanceRecord().Str("social_assistance.start_date", ""),
       "social_assistance.start_date", reason::kMissingField, Severity::kError},
      {"missing_grade_rejected", "disabled_persons_federation",
       DisabilityRecord().Int("disability_certificate.grade", 0), "disability_certificate.grade",
       reason::kMissingField, Severity::kError},
      {"end_before_start_rejected", "civil_affairs",
       SocialAssistanceRecord().Str("social_assistance.end_date", "2021-02-28"),
       "social_assistance.end_date", reason::kDateRange, Severity::kError},
      {"missing_source_record_id_rejected", "procuratorate",
       VictimRecord().Str("source_record_id", ""), "source_record_id", reason::kMissingField,
       Severity::kError},
      {"negative_version_rejected", "procuratorate", VictimRecord().Int("version", -1), "version",
       reason::kVersionNegative, Severity::kError},
      {"unknown_enum_rejected", "procuratorate",
       VictimRecord().Enum("criminal_victim.harm", 99, ""), "criminal_victim.harm",
       reason::kEnumUnknown, Severity::kError},
      {"birth_date_mismatch_warned", "procuratorate",
       VictimRecord().Str("person.birth_date", "1990-07-03"), "person.birth_date",
       reason::kBirthDateMismatch, Severity::kWarning},
      {"future_birth_date_rejected", "procuratorate",
       VictimRecord().Str("person.birth_date", "2025-01-01"), "person.birth_date",
       reason::kDateInFuture, Severity::kError},
      {"birth_date_before_1900_rejected", "procuratorate",
       VictimRecord().Str("person.birth_date", "0219-07-09"), "person.birth_date",
       reason::kDateOutOfRange, Severity::kError},
      {"record_date_before_1900_rejected", "procuratorate",
       VictimRecord().Str("record_date", "1899-12-31"), "record_date", reason::kDateOutOfRange,
       Severity::kError},
      {"sex_mismatch_warned", "procuratorate", VictimRecord().Enum("person.sex", 2, "SEX_FEMALE"),
       "person.sex", reason::kSexMismatch, Severity::kWarning},
      {"phone_invalid_warned", "procuratorate", VictimRecord().Str("person.phone", "12-34"),
       "person.phone", reason::kPhoneInvalid, Severity::kWarning},
      {"region_code_invalid_warned", "procuratorate",
       VictimRecord().Str("person.region_code", "11A1"), "person.region_code",
       reason::kRegionCodeInvalid, Severity::kWarning},
      {"region_code_of_unknown_province_warned", "procuratorate",
       VictimRecord().Str("person.region_code", "991234"), "person.region_code",
       reason::kRegionCodeInvalid, Severity::kWarning},
      {"other_document_warned", "procuratorate",
       VictimRecord()
           .Enum("person.id_type", 2, "ID_TYPE_OTHER")
           .Str("person.id_number", "TESTPASSPORT01"),
       "person.id_number", reason::kIdNotResident, Severity::kWarning},
      {"medical_year_in_future_rejected", "medical_security",
       ViewBuilder()
           .Str("source_record_id", "me-1")
           .Str("person.name", "测试戊")
           .Kind("medical_expense")
           .Int("medical_expense.year", 2025),
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

TEST_F(RecordValidatorTest, BadCheckDigitKeepsTokenOfCanonicalFormUnverified) {
  ValidationResult result =
      Validate("procuratorate", VictimRecord().Str("person.id_number", BadCheckId(kFirst17)));
  EXPECT_FALSE(result.rejected());
  EXPECT_FALSE(result.person.id_verified);
  EXPECT_EQ(result.person.id_token, tokenizer_.Token(BadCheckId(kFirst17)));
  EXPECT_NE(result.person.id_token, tokenizer_.Token(ValidId(kFirst17)));
}

TEST_F(RecordValidatorTest, UpgradedAndRepairedNumbersGetTheSameTokenAsTheCanonicalOne) {
  const std::string canonical = ValidId(kFirst17);
  ValidationResult upgraded =
      Validate("procuratorate", VictimRecord().Str("person.id_number", "110101900307123"));
  ValidationResult repaired =
      Validate("procuratorate", VictimRecord().Str("person.id_number", FullWidth(canonical)));
  EXPECT_TRUE(upgraded.person.id_verified);
  EXPECT_TRUE(repaired.person.id_verified);
  EXPECT_EQ(upgraded.person.id_token, tokenizer_.Token(canonical));
  EXPECT_EQ(repaired.person.id_token, tokenizer_.Token(canonical));
}

TEST_F(RecordValidatorTest, VerifiedIdWinsOverDisagreeingBirthDateAndSex) {
  ValidationResult result = Validate(
      "procuratorate",
      VictimRecord().Str("person.birth_date", "1990-07-03").Enum("person.sex", 2, "SEX_FEMALE"));
  EXPECT_EQ(result.person.birth_date, "1990-03-07");
  EXPECT_EQ(result.person.sex, Sex::kMale);
}

TEST_F(RecordValidatorTest, WithoutIdTheGivenBirthDateAndSexAreKept) {
  ValidationResult result = Validate("procuratorate", VictimRecord()
                                                          .Enum("person.id_type", 3, "ID_TYPE_NONE")
                                                          .Str("person.id_number", "")
                                                          .Str("person.birth_date", "2012-11-05")
                                                          .Enum("person.sex", 2, "SEX_FEMALE"));
  EXPECT_FALSE(result.rejected());
  EXPECT_EQ(result.person.birth_date, "2012-11-05");
  EXPECT_EQ(result.person.sex, Sex::kFemale);
}

TEST_F(RecordValidatorTest, NameIsFoldedToSimplifiedWithPinyinAndOriginalKept) {
  const std::string original = "張\xE2\x80\x8B偉·ＬＩ";  // traditional, zero-width space, dot
  ValidationResult result = Validate("procuratorate", VictimRecord().Str("person.name", original));
  EXPECT_FALSE(result.rejected());
  EXPECT_EQ(result.person.name_original, original);
  EXPECT_EQ(result.person.name_normalized, "张伟li");
  EXPECT_EQ(result.person.name_pinyin, "zhang wei li");
}

TEST_F(RecordValidatorTest, NameOfOnlyInvisibleCharactersIsRejected) {
  ValidationResult result =
      Validate("procuratorate", VictimRecord().Str("person.name", "\xE2\x80\x8B\xEF\xBB\xBF"));
  EXPECT_TRUE(result.rejected());
  EXPECT_EQ(WithReason(result, reason::kNameMissing).size(), 1u);
  EXPECT_TRUE(result.person.name_pinyin.empty());
}

TEST_F(RecordValidatorTest, PhoneIsNormalizedOrDropped) {
  ValidationResult good =
      Validate("procuratorate", VictimRecord().Str("person.phone", "+86 139-0000-0000"));
  EXPECT_EQ(good.person.phone_normalized, "13900000000");
  EXPECT_THAT(good.issues, IsEmpty());
  ValidationResult bad = Validate("procuratorate", VictimRecord().Str("person.phone", "12-34"));
  EXPECT_EQ(bad.person.phone_normalized, "");
}

TEST_F(RecordValidatorTest, CertificateNumberEmbeddingAnIdIsRewrittenMasked) {
  ValidationResult result = Validate("disabled_persons_federation", DisabilityRecord());
  EXPECT_FALSE(result.rejected());
  ASSERT_EQ(result.rewrites.size(), 1u);
  EXPECT_EQ(result.rewrites[0].path, "disability_certificate.certificate_number");
  EXPECT_EQ(result.rewrites[0].value, common::MaskIdNumber(ValidId(kFirst17) + "42"));
  EXPECT_EQ(result.rewrites[0].value.find(kFirst17.substr(4, 10)), std::string::npos);
}

TEST_F(RecordValidatorTest, MessagesNeverCarryPersonalValues) {
  const std::string id = "1101011990030712";
  ValidationResult result = Validate("procuratorate", VictimRecord()
                                                          .Str("person.id_number", id)
                                                          .Str("person.phone", "12-34")
                                                          .Str("person.birth_date", "1990-02-30"));
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
  ValidationResult result =
      Validate("procuratorate", VictimRecord().Str("record_date", "2024-06-02"));
  EXPECT_FALSE(result.rejected());
}

std::vector<std::string> Reasons(const std::vector<Issue>& issues) {
  std::vector<std::string> out;
  for (const Issue& issue : issues) out.push_back(issue.reason);
  return out;
}

ViewBuilder Retraction() {
  ViewBuilder b;
  b.Str("source_record_id", "sa-1").Int("version", 2).Str("record_date", "2024-05-01");
  b.Bool("retracted", true);
  return b;
}

TEST_F(RecordValidatorTest, RetractionNeedsOnlyTheRecordsIdentity) {
  ValidationResult result = Validate("civil_affairs", Retraction());
  EXPECT_FALSE(result.rejected());
  EXPECT_TRUE(result.issues.empty());
  EXPECT_TRUE(result.person.name_normalized.empty());
  EXPECT_TRUE(result.person.id_token.empty());
}

TEST_F(RecordValidatorTest, RetractionIgnoresPersonAndPayload) {
  // The same fields reject an ordinary record (bad ID region, a payload the agency never sends).
  ViewBuilder bad = VictimRecord().Str("person.id_number", "991234199003071234");
  EXPECT_TRUE(Validate("civil_affairs", bad).rejected());
  ValidationResult result = Validate("civil_affairs", bad.Bool("retracted", true));
  EXPECT_FALSE(result.rejected());
  EXPECT_TRUE(result.issues.empty());
  EXPECT_TRUE(result.person.id_token.empty());
}

TEST_F(RecordValidatorTest, RetractionChecksItsIdentityFields) {
  EXPECT_THAT(Reasons(Validate("civil_affairs", Retraction().Str("source_record_id", "")).issues),
              ElementsAre("MISSING_FIELD"));
  EXPECT_THAT(Reasons(Validate("civil_affairs", Retraction().Int("version", -1)).issues),
              ElementsAre("VERSION_NEGATIVE"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs", Retraction().Str("record_date", "2024-02-30")).issues),
      ElementsAre("DATE_INVALID"));
  EXPECT_THAT(
      Reasons(Validate("civil_affairs", Retraction().Str("record_date", "2099-01-01")).issues),
      ElementsAre("DATE_IN_FUTURE"));
}

}  // namespace
}  // namespace lifeline::ingest
