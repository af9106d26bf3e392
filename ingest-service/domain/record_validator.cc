#include "ingest-service/domain/record_validator.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "common/identity/id_near_match.h"
#include "common/identity/id_number.h"
#include "common/identity/name_normalizer.h"
#include "common/identity/normalize.h"
#include "common/records/agencies.h"
#include "ingest-service/domain/reason_codes.h"

namespace lifeline::ingest {
namespace {

namespace rv1 = records::v1;

// Concatenates pieces (Debian's Abseil has its own string_view, so absl::StrCat does not take
// std::string_view).
std::string Cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view piece : pieces) out.append(piece);
  return out;
}

void AddIssue(ValidationResult* result, std::string_view field, std::string_view reason,
              std::string message, Severity severity) {
  result->issues.push_back(
      Issue{std::string(field), std::string(reason), std::move(message), severity});
}

void AddError(ValidationResult* result, std::string_view field, std::string_view reason,
              std::string message) {
  AddIssue(result, field, reason, std::move(message), Severity::kError);
}

void AddWarning(ValidationResult* result, std::string_view field, std::string_view reason,
                std::string message) {
  AddIssue(result, field, reason, std::move(message), Severity::kWarning);
}

// Rejects every text field of `message` (at `prefix`) longer than RecordValidator::kMaxTextBytes,
// naming the field, never the value.
void CheckTextLengths(const google::protobuf::Message& message, const std::string& prefix,
                      ValidationResult* result) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix.empty() ? field->name() : Cat({prefix, ".", field->name()});
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CheckTextLengths(field->is_repeated() ? reflection->GetRepeatedMessage(message, field, i)
                                              : reflection->GetMessage(message, field),
                         path, result);
        continue;
      }
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) break;
      std::string scratch;
      const std::string& text =
          field->is_repeated() ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                               : reflection->GetStringReference(message, field, &scratch);
      if (text.size() > RecordValidator::kMaxTextBytes) {
        AddError(result, path, reason::kTextTooLong,
                 Cat({path, " is longer than ", std::to_string(RecordValidator::kMaxTextBytes),
                      " bytes"}));
        break;
      }
    }
  }
}

// Parses a date field's text; nullopt when it is not a real calendar date.
std::optional<absl::CivilDay> ParseDay(std::string_view text, std::string_view field) {
  // Absent dates are common; ParseDate would build an error message for each.
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> day = common::ParseDate(text, field);
  if (!day.ok()) return std::nullopt;
  return *day;
}

// The name of the payload field that is set ("criminal_victim"); empty when none is.
std::string_view PayloadName(const rv1::Record& record) {
  const google::protobuf::FieldDescriptor* field =
      rv1::Record::descriptor()->FindFieldByNumber(record.payload_case());
  return field == nullptr ? std::string_view() : std::string_view(field->name());
}

// The checks of one record's fields, each naming the field by its path from the record root.
class FieldChecks {
 public:
  FieldChecks(absl::CivilDay today, ValidationResult* result) : today_(today), result_(result) {}

  absl::CivilDay today() const { return today_; }

  // A date: when set, a real calendar date from 1900-01-01 on and not after today.
  void Date(std::string_view path, const std::string& text) const {
    static const absl::CivilDay kEarliest(1900, 1, 1);
    if (text.empty()) return;
    std::optional<absl::CivilDay> day = ParseDay(text, path);
    if (!day.has_value()) {
      AddError(result_, path, reason::kDateInvalid,
               Cat({path, " must be a real calendar date YYYY-MM-DD"}));
    } else if (*day > today_) {
      AddError(result_, path, reason::kDateInFuture, Cat({path, " must not be in the future"}));
    } else if (*day < kEarliest) {
      AddError(result_, path, reason::kDateOutOfRange,
               Cat({path, " must not be before 1900-01-01"}));
    }
  }

  // An end date: a Date, and not before the start date beside it.
  void EndDate(std::string_view path, const std::string& end, std::string_view start_path,
               const std::string& start) const {
    Date(path, end);
    std::optional<absl::CivilDay> end_day = ParseDay(end, path);
    std::optional<absl::CivilDay> start_day = ParseDay(start, start_path);
    if (end_day.has_value() && start_day.has_value() && *end_day < *start_day) {
      AddError(result_, path, reason::kDateRange, Cat({path, " must not be before ", start_path}));
    }
  }

  // An amount in fen: never negative.
  void Amount(std::string_view path, int64_t fen) const {
    if (fen < 0) {
      AddError(result_, path, reason::kAmountNegative, Cat({path, " must not be negative"}));
    }
  }

  // An enum: a value the schema defines (proto3 keeps numbers it does not know).
  void Enum(std::string_view path, int value, bool (*is_valid)(int)) const {
    if (!is_valid(value)) {
      AddError(result_, path, reason::kEnumUnknown,
               Cat({path, " has a value the schema does not define"}));
    }
  }

  // Fields the payload cannot do without: a string when empty, a number when zero, an enum when
  // UNSPECIFIED counts as missing.
  void Required(std::string_view path, const std::string& text) const {
    if (text.empty()) Missing(path, " is required");
  }
  void Required(std::string_view path, int64_t number) const {
    if (number == 0) Missing(path, " is required");
  }
  void RequiredEnum(std::string_view path, int value) const {
    if (value == 0) Missing(path, " is required and must not be UNSPECIFIED");
  }

  // A number that, when set (non-zero), lies in [min, max].
  void Range(std::string_view path, int64_t value, int64_t min, int64_t max) const {
    if (value != 0 && (value < min || value > max)) {
      AddError(result_, path, reason::kValueOutOfRange,
               Cat({path, " must be between ", std::to_string(min), " and ", std::to_string(max)}));
    }
  }

  // A division code: when set, 6 digits of a known province (GB/T 2260).
  void RegionCode(std::string_view path, const std::string& code) const {
    if (!code.empty() && !common::IsRegionCode(code)) {
      AddError(result_, path, reason::kRegionCodeInvalid,
               Cat({path, " must be a 6-digit division code of a known province"}));
    }
  }

  // An amount that may never exceed another one.
  void NotAbove(std::string_view path, int64_t value, std::string_view limit_path, int64_t limit,
                std::string_view reason) const {
    if (value > limit) {
      AddError(result_, path, reason, Cat({path, " must not exceed ", limit_path}));
    }
  }

 private:
  void Missing(std::string_view path, std::string_view what) const {
    AddError(result_, path, reason::kMissingField, Cat({path, what}));
  }

  absl::CivilDay today_;
  ValidationResult* result_;
};

// The rules of each payload kind: first every field's own check, in declaration order, then
// the payload's required fields, ranges and amount order.

void CheckCriminalVictim(const rv1::CriminalVictim& p, const FieldChecks& c) {
  const rv1::CriminalCase& k = p.criminal_case();
  c.Enum("criminal_victim.criminal_case.crime", k.crime(), rv1::CriminalCase_Crime_IsValid);
  c.Date("criminal_victim.criminal_case.case_date", k.case_date());
  c.Enum("criminal_victim.criminal_case.offender_status", k.offender_status(),
         rv1::CriminalCase_OffenderStatus_IsValid);
  c.Enum("criminal_victim.harm", p.harm(), rv1::CriminalVictim_Harm_IsValid);
  c.Amount("criminal_victim.property_loss_fen", p.property_loss_fen());
  c.Required("criminal_victim.criminal_case.case_number", k.case_number());
  c.RequiredEnum("criminal_victim.harm", p.harm());
  c.Range("criminal_victim.disability_grade", p.disability_grade(), 0, 4);
}

void CheckNearRelative(const rv1::NearRelative& p, const FieldChecks& c) {
  c.Enum("near_relative.relation", p.relation(), rv1::NearRelative_Relation_IsValid);
  c.Required("near_relative.case_number", p.case_number());
  c.RequiredEnum("near_relative.relation", p.relation());
}

void CheckAssistanceGranted(const rv1::AssistanceGranted& p, const FieldChecks& c) {
  c.Amount("assistance_granted.amount_fen", p.amount_fen());
  c.Date("assistance_granted.granted_date", p.granted_date());
  c.Required("assistance_granted.case_number", p.case_number());
  c.Required("assistance_granted.granted_date", p.granted_date());
}

void CheckCivilJudgment(const rv1::CivilJudgment& p, const FieldChecks& c) {
  c.Amount("civil_judgment.amount_awarded_fen", p.amount_awarded_fen());
  c.Date("civil_judgment.judgment_date", p.judgment_date());
  c.Enum("civil_judgment.claim", p.claim(), rv1::CivilJudgment_Claim_IsValid);
  c.Enum("civil_judgment.injury", p.injury(), rv1::CivilJudgment_Injury_IsValid);
  c.Date("civil_judgment.incident_date", p.incident_date());
  c.Required("civil_judgment.case_number", p.case_number());
  c.Required("civil_judgment.amount_awarded_fen", p.amount_awarded_fen());
  c.Range("civil_judgment.disability_grade", p.disability_grade(), 1, 10);
  // A civil case of its own says what injury it compensates, when and where.
  if (p.claim() == rv1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT ||
      p.claim() == rv1::CivilJudgment::CLAIM_OTHER_TORT) {
    c.RequiredEnum("civil_judgment.injury", p.injury());
    c.Required("civil_judgment.incident_date", p.incident_date());
    c.Required("civil_judgment.region_code", p.region_code());
  }
  c.RegionCode("civil_judgment.region_code", p.region_code());
}

void CheckEnforcement(const rv1::Enforcement& p, const FieldChecks& c) {
  c.Amount("enforcement.amount_awarded_fen", p.amount_awarded_fen());
  c.Amount("enforcement.amount_paid_fen", p.amount_paid_fen());
  c.Enum("enforcement.status", p.status(), rv1::Enforcement_Status_IsValid);
  c.Date("enforcement.status_date", p.status_date());
  c.Required("enforcement.case_number", p.case_number());
  c.RequiredEnum("enforcement.status", p.status());
  c.NotAbove("enforcement.amount_paid_fen", p.amount_paid_fen(), "enforcement.amount_awarded_fen",
             p.amount_awarded_fen(), reason::kAmountPaidExceedsAwarded);
}

void CheckSocialAssistance(const rv1::SocialAssistance& p, const FieldChecks& c) {
  c.Enum("social_assistance.programme", p.programme(), rv1::SocialAssistance_Programme_IsValid);
  c.Date("social_assistance.start_date", p.start_date());
  c.EndDate("social_assistance.end_date", p.end_date(), "social_assistance.start_date",
            p.start_date());
  c.Amount("social_assistance.monthly_amount_fen", p.monthly_amount_fen());
  c.RequiredEnum("social_assistance.programme", p.programme());
  c.Required("social_assistance.start_date", p.start_date());
}

void CheckDisabilityCertificate(const rv1::DisabilityCertificate& p, const FieldChecks& c) {
  c.Enum("disability_certificate.kind", p.kind(), rv1::DisabilityCertificate_Kind_IsValid);
  c.Date("disability_certificate.issue_date", p.issue_date());
  c.RequiredEnum("disability_certificate.kind", p.kind());
  c.Required("disability_certificate.grade", p.grade());
  c.Range("disability_certificate.grade", p.grade(), 1, 4);
}

void CheckPovertyMonitoring(const rv1::PovertyMonitoring& p, const FieldChecks& c) {
  c.Enum("poverty_monitoring.category", p.category(), rv1::PovertyMonitoring_Category_IsValid);
  c.Enum("poverty_monitoring.risk_cause", p.risk_cause(), rv1::PovertyMonitoring_RiskCause_IsValid);
  c.Date("poverty_monitoring.start_date", p.start_date());
  c.EndDate("poverty_monitoring.end_date", p.end_date(), "poverty_monitoring.start_date",
            p.start_date());
  c.RequiredEnum("poverty_monitoring.category", p.category());
  c.Required("poverty_monitoring.start_date", p.start_date());
}

void CheckWomenChildrenDifficulty(const rv1::WomenChildrenDifficulty& p, const FieldChecks& c) {
  c.Enum("women_children_difficulty.kind", p.kind(), rv1::WomenChildrenDifficulty_Kind_IsValid);
  c.Date("women_children_difficulty.start_date", p.start_date());
  c.RequiredEnum("women_children_difficulty.kind", p.kind());
}

void CheckVeteranStatus(const rv1::VeteranStatus& p, const FieldChecks& c) {
  c.Enum("veteran_status.kind", p.kind(), rv1::VeteranStatus_Kind_IsValid);
  c.Date("veteran_status.start_date", p.start_date());
  c.RequiredEnum("veteran_status.kind", p.kind());
}

void CheckMedicalExpense(const rv1::MedicalExpense& p, const FieldChecks& c) {
  c.Amount("medical_expense.out_of_pocket_fen", p.out_of_pocket_fen());
  c.Amount("medical_expense.assistance_fen", p.assistance_fen());
  c.Required("medical_expense.year", p.year());
  c.Range("medical_expense.year", p.year(), 1949, c.today().year());
}

void CheckPayload(const rv1::Record& record, const FieldChecks& c) {
  switch (record.payload_case()) {
    case rv1::Record::kCriminalVictim:
      return CheckCriminalVictim(record.criminal_victim(), c);
    case rv1::Record::kNearRelative:
      return CheckNearRelative(record.near_relative(), c);
    case rv1::Record::kAssistanceGranted:
      return CheckAssistanceGranted(record.assistance_granted(), c);
    case rv1::Record::kCivilJudgment:
      return CheckCivilJudgment(record.civil_judgment(), c);
    case rv1::Record::kEnforcement:
      return CheckEnforcement(record.enforcement(), c);
    case rv1::Record::kSocialAssistance:
      return CheckSocialAssistance(record.social_assistance(), c);
    case rv1::Record::kDisabilityCertificate:
      return CheckDisabilityCertificate(record.disability_certificate(), c);
    case rv1::Record::kPovertyMonitoring:
      return CheckPovertyMonitoring(record.poverty_monitoring(), c);
    case rv1::Record::kWomenChildrenDifficulty:
      return CheckWomenChildrenDifficulty(record.women_children_difficulty(), c);
    case rv1::Record::kVeteranStatus:
      return CheckVeteranStatus(record.veteran_status(), c);
    case rv1::Record::kMedicalExpense:
      return CheckMedicalExpense(record.medical_expense(), c);
    case rv1::Record::PAYLOAD_NOT_SET:
      return;
  }
}

// The identity every record needs, a retraction included.
void CheckIdentity(const rv1::Record& record, std::string_view missing_id_message,
                   ValidationResult* result) {
  if (record.source_record_id().empty()) {
    AddError(result, "source_record_id", reason::kMissingField, std::string(missing_id_message));
  }
  if (record.version() < 0) {
    AddError(result, "version", reason::kVersionNegative, "version must not be negative");
  }
}

void CheckEnvelope(std::string_view agency, const rv1::Record& record, ValidationResult* result) {
  CheckIdentity(record, "source_record_id is required", result);
  if (record.payload_case() == rv1::Record::PAYLOAD_NOT_SET) {
    AddError(result, "payload", reason::kPayloadMissing,
             "exactly one payload (criminal_victim, social_assistance, ...) is required");
  } else if (!AgencySends(agency, record.payload_case())) {
    std::string_view kind = PayloadName(record);
    AddError(result, kind, reason::kPayloadNotAllowed,
             Cat({"payload kind ", kind, " is not accepted from agency ", agency}));
  }
}

// The envelope's and the person's own fields (the person's rules are in NormalizePerson).
void CheckEnvelopeFields(const rv1::Record& record, const FieldChecks& c) {
  const rv1::PersonIdentity& person = record.person();
  c.Date("record_date", record.record_date());
  c.Enum("person.id_type", person.id_type(), rv1::IdType_IsValid);
  c.Enum("person.sex", person.sex(), rv1::Sex_IsValid);
  // person.birth_date is judged by NormalizeBirthDateAndSex: a bad one is dropped, not fatal.
}

rv1::Sex SexFromIdDigit(int sex) {
  if (sex == 1) return rv1::SEX_MALE;
  if (sex == 2) return rv1::SEX_FEMALE;
  return rv1::SEX_UNSPECIFIED;
}

// The message of a resident ID number's problem; the number itself is never quoted.
std::string IdProblemMessage(common::IdNumberProblem problem) {
  switch (problem) {
    case common::IdNumberProblem::kSpreadsheetDamage:
      return "person.id_number was damaged by a spreadsheet (scientific notation or trailing "
             "zeros); only the digits it kept are compared";
    case common::IdNumberProblem::kBadCheckDigit:
      return "person.id_number check character does not match; kept unverified and compared as "
             "near only";
    default:
      return Cat({"person.id_number is not a valid resident ID number (",
                  common::IdNumberProblemCode(problem),
                  "); kept unverified and compared as near only"});
  }
}

// A document number in one form for its token: NFKC (full-width folded), upper case, and no
// spaces, dashes, dots or slashes.
std::string DocumentNumberForm(std::string_view raw) {
  std::string form;
  for (unsigned char c : common::NormalizeName(raw)) {
    if (c == ' ' || c == '-' || c == '.' || c == '/') continue;
    form.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  }
  return form;
}

// A document that is not a resident ID: compared as (type, number) through a keyed token.
void NormalizeDocument(const rv1::PersonIdentity& given, const common::IdTokenizer& tokenizer,
                       ValidationResult* result) {
  rv1::NormalizedPerson& person = result->person;
  const std::string number = DocumentNumberForm(given.id_number());
  if (number.empty()) {
    AddWarning(result, "person.id_number", reason::kIdMissing, "person has no ID number");
    return;
  }
  person.set_document_type(given.id_type());
  person.set_document_token(
      tokenizer.Token(Cat({"d|", rv1::IdType_Name(given.id_type()), "|", number})));
  person.set_id_masked(common::MaskIdNumber(number));
  if (given.id_type() == rv1::ID_TYPE_OTHER) {
    AddWarning(result, "person.id_number", reason::kIdNotResident,
               "person.id_number is a document of unknown type; compared only with documents "
               "of unknown type");
  }
}

// Reads the resident ID number into `person`: the keyed token of a valid one, the near-match
// forms and the number's region of any. A number that is not valid costs the record nothing:
// it is kept unverified with a warning. Returns what parsing found; its birth date and sex are
// emptied when the number's date lies in the future. The raw form goes no further.
common::ParsedIdNumber NormalizeIdNumber(const rv1::PersonIdentity& given,
                                         const common::IdTokenizer& tokenizer,
                                         const common::IdNearEncoder& near, absl::CivilDay today,
                                         ValidationResult* result) {
  rv1::NormalizedPerson& person = result->person;
  const std::string& raw_id = given.id_number();
  if (given.id_type() == rv1::ID_TYPE_NONE) {
    AddWarning(result, "person.id_number", reason::kIdMissing,
               raw_id.empty() ? "person has no ID number"
                              : "person.id_number ignored because id_type is ID_TYPE_NONE");
    return common::ParsedIdNumber();
  }
  // An id_type the schema does not define is reported by CheckEnvelopeFields.
  if (!rv1::IdType_IsValid(given.id_type())) return common::ParsedIdNumber();
  if (given.id_type() != rv1::ID_TYPE_UNSPECIFIED && given.id_type() != rv1::ID_TYPE_RESIDENT_ID) {
    NormalizeDocument(given, tokenizer, result);
    return common::ParsedIdNumber();
  }
  common::ParsedIdNumber parsed = common::ParseIdNumber(raw_id);
  std::optional<absl::CivilDay> id_birth = ParseDay(parsed.birth_date, "person.id_number");
  if (parsed.problem == common::IdNumberProblem::kNone && id_birth.has_value() &&
      *id_birth > today) {
    parsed.problem = common::IdNumberProblem::kBadBirthDate;
  }
  if (id_birth.has_value() && *id_birth > today) parsed.birth_date.clear();
  switch (parsed.problem) {
    case common::IdNumberProblem::kNone:
      person.set_id_verified(true);
      person.set_id_token(tokenizer.Token(parsed.canonical));
      break;
    case common::IdNumberProblem::kEmpty:
      AddWarning(result, "person.id_number", reason::kIdMissing,
                 given.id_type() == rv1::ID_TYPE_RESIDENT_ID
                     ? "person.id_number is empty although id_type is ID_TYPE_RESIDENT_ID"
                     : "person has no ID number");
      return parsed;
    default:
      person.set_id_problem(std::string(common::IdNumberProblemCode(parsed.problem)));
      AddWarning(result, "person.id_number", common::IdNumberProblemCode(parsed.problem),
                 IdProblemMessage(parsed.problem));
      break;
  }
  const common::IdNearForm form = near.Encode(parsed);
  rv1::IdNearMatch& out = *person.mutable_id_near();
  out.set_core_token(form.core_token);
  out.set_prefix15_token(form.prefix15_token);
  out.mutable_edit_keys()->Assign(form.edit_keys.begin(), form.edit_keys.end());
  out.set_bigram_bloom(form.bigram_bloom);
  if (!parsed.canonical.empty()) person.set_id_masked(common::MaskIdNumber(parsed.canonical));
  person.set_id_region_code(parsed.region_code);
  if (parsed.repaired) {
    AddWarning(result, "person.id_number", reason::kIdRepaired,
               "person.id_number had formatting damage that was repaired");
  }
  if (parsed.upgraded_from_15) {
    AddWarning(result, "person.id_number", reason::kIdUpgraded15,
               "person.id_number was a legacy 15-digit number, upgraded to 18");
  }
  return parsed;
}

// Birth date and sex: a verified ID number wins; otherwise the given field, and the number's
// (even one that fails its check) where the field is missing. A disagreement is worth a warning;
// a given date that is not a real date from 1900-01-01 to today is dropped with a warning, never
// costing the record. A date that parses is already in canonical form: its text is kept
// (FormatDate would drop the leading zeros of a year before 1000).
void NormalizeBirthDateAndSex(const rv1::PersonIdentity& given,
                              const common::ParsedIdNumber& parsed, absl::CivilDay today,
                              ValidationResult* result) {
  static const absl::CivilDay kEarliest(1900, 1, 1);
  rv1::NormalizedPerson& person = result->person;
  const std::string& given_birth = given.birth_date();
  std::optional<absl::CivilDay> given_day = ParseDay(given_birth, "person.birth_date");
  if (given_day.has_value() && (*given_day > today || *given_day < kEarliest)) {
    given_day.reset();
  }
  if (!given_birth.empty() && !given_day.has_value()) {
    AddWarning(result, "person.birth_date", reason::kBirthDateInvalid,
               "person.birth_date is not a real date from 1900-01-01 to today; dropped");
  }
  if (given_day.has_value() && !parsed.birth_date.empty() && given_birth != parsed.birth_date) {
    AddWarning(result, "person.birth_date", reason::kBirthDateMismatch,
               person.id_verified()
                   ? "person.birth_date disagrees with the birth date in the ID number, which wins"
                   : "person.birth_date disagrees with the birth date in the unverified ID "
                     "number; the field is kept");
  }
  if (person.id_verified() && !parsed.birth_date.empty()) {
    person.set_birth_date(parsed.birth_date);
  } else if (given_day.has_value()) {
    person.set_birth_date(given_birth);
  } else {
    person.set_birth_date(parsed.birth_date);
  }

  // A number the schema does not define counts as unspecified.
  const rv1::Sex given_sex = given.sex() == rv1::SEX_MALE || given.sex() == rv1::SEX_FEMALE
                                 ? given.sex()
                                 : rv1::SEX_UNSPECIFIED;
  const rv1::Sex id_sex =
      parsed.canonical.empty() ? rv1::SEX_UNSPECIFIED : SexFromIdDigit(parsed.sex);
  if (given_sex != rv1::SEX_UNSPECIFIED && id_sex != rv1::SEX_UNSPECIFIED && given_sex != id_sex) {
    AddWarning(result, "person.sex", reason::kSexMismatch,
               "person.sex disagrees with the sex in the ID number");
  }
  if (person.id_verified() && id_sex != rv1::SEX_UNSPECIFIED) {
    person.set_sex(id_sex);
  } else if (given_sex != rv1::SEX_UNSPECIFIED) {
    person.set_sex(given_sex);
  } else {
    person.set_sex(id_sex);
  }
}

}  // namespace

bool ValidationResult::rejected() const {
  return std::any_of(issues.begin(), issues.end(),
                     [](const Issue& issue) { return issue.severity == Severity::kError; });
}

bool ValidationResult::has_warnings() const {
  return std::any_of(issues.begin(), issues.end(),
                     [](const Issue& issue) { return issue.severity == Severity::kWarning; });
}

bool AgencySends(std::string_view agency, rv1::Record::PayloadCase kind) {
  const common::AgencyInfo* info = common::FindAgency(agency);
  return info != nullptr &&
         std::find(info->payloads.begin(), info->payloads.end(), kind) != info->payloads.end();
}

void MaskIdBearingFields(rv1::Record* record) {
  if (record->has_disability_certificate() &&
      !record->disability_certificate().certificate_number().empty()) {
    rv1::DisabilityCertificate* certificate = record->mutable_disability_certificate();
    certificate->set_certificate_number(common::MaskIdNumber(certificate->certificate_number()));
  }
}

RecordValidator::RecordValidator(const common::IdTokenizer* tokenizer, const common::Clock* clock,
                                 Options options)
    : tokenizer_(tokenizer), near_encoder_(*tokenizer), clock_(clock), options_(options) {}

ValidationResult RecordValidator::Validate(std::string_view agency,
                                           const rv1::Record& record) const {
  ValidationResult result;
  absl::CivilDay today = absl::ToCivilDay(clock_->Now(), options_.zone);
  const FieldChecks checks(today, &result);
  // Before anything reads them: an oversized text is refused whole, not normalized.
  CheckTextLengths(record, "", &result);
  if (result.rejected()) return result;
  if (record.retracted()) {
    CheckIdentity(record, "source_record_id is required: it names the record to retract", &result);
    checks.Date("record_date", record.record_date());
    return result;
  }
  CheckEnvelope(agency, record, &result);
  CheckEnvelopeFields(record, checks);
  CheckPayload(record, checks);
  NormalizePerson(record.person(), today, &result);
  return result;
}

void RecordValidator::NormalizePerson(const rv1::PersonIdentity& given, absl::CivilDay today,
                                      ValidationResult* result) const {
  rv1::NormalizedPerson& person = result->person;
  person.set_name_original(given.name());
  common::NormalizedName name = common::DefaultNameNormalizer().Normalize(given.name());
  person.set_name_normalized(std::move(name.normalized));
  person.set_name_pinyin(std::move(name.pinyin));
  if (person.name_normalized().empty()) {
    AddError(result, "person.name", reason::kNameMissing,
             "person.name is required and must not be empty after normalization");
  }

  const common::ParsedIdNumber parsed =
      NormalizeIdNumber(given, *tokenizer_, near_encoder_, today, result);
  NormalizeBirthDateAndSex(given, parsed, today, result);

  if (!given.phone().empty()) {
    person.set_phone_normalized(common::NormalizePhone(given.phone()));
    if (person.phone_normalized().empty()) {
      AddWarning(result, "person.phone", reason::kPhoneInvalid,
                 "person.phone is not a recognizable phone number; dropped");
    }
  }

  const std::string& region = given.region_code();
  if (!region.empty()) {
    if (common::IsRegionCode(region)) {
      person.set_region_code(region);
    } else {
      AddWarning(result, "person.region_code", reason::kRegionCodeInvalid,
                 "person.region_code is not a 6-digit division code of a known province; "
                 "dropped");
    }
  }
  // An ID number typed into the address (it happens) must not travel downstream in the clear.
  int masked = 0;
  person.set_address(common::MaskIdNumbersInText(given.address(), &masked));
  if (masked > 0) {
    AddWarning(result, "person.address", reason::kIdNumberInText,
               "person.address held an ID-number-like run of digits; it was masked");
  }
  person.set_household_id(given.household_id());
}

}  // namespace lifeline::ingest
