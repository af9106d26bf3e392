#include "ingest-service/domain/record_validator.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "common/identity/id_number.h"
#include "common/identity/name_normalizer.h"
#include "common/identity/normalize.h"
#include "ingest-service/domain/reason_codes.h"

namespace lifeline::ingest {
namespace {

// A field a payload kind cannot do without. Enums count as missing when UNSPECIFIED, numbers
// when zero, strings when empty.
struct RequiredField {
  std::string_view kind;
  std::string_view path;
};

constexpr RequiredField kRequiredFields[] = {
    {"criminal_victim", "criminal_victim.criminal_case.case_number"},
    {"criminal_victim", "criminal_victim.harm"},
    {"near_relative", "near_relative.case_number"},
    {"near_relative", "near_relative.relation"},
    {"assistance_granted", "assistance_granted.case_number"},
    {"assistance_granted", "assistance_granted.granted_date"},
    {"civil_judgment", "civil_judgment.case_number"},
    {"civil_judgment", "civil_judgment.amount_awarded_fen"},
    {"enforcement", "enforcement.case_number"},
    {"enforcement", "enforcement.status"},
    {"social_assistance", "social_assistance.programme"},
    {"social_assistance", "social_assistance.start_date"},
    {"disability_certificate", "disability_certificate.kind"},
    {"disability_certificate", "disability_certificate.grade"},
    {"poverty_monitoring", "poverty_monitoring.category"},
    {"poverty_monitoring", "poverty_monitoring.start_date"},
    {"women_children_difficulty", "women_children_difficulty.kind"},
    {"veteran_status", "veteran_status.kind"},
    {"medical_expense", "medical_expense.year"},
};

// An integer field of a payload ("<kind>.<field>"; rules elsewhere would be skipped) that must lie
// in [min, max] when present; `max_is_this_year` replaces max by the current calendar year.
struct RangeRule {
  std::string_view path;
  int64_t min;
  int64_t max;
  bool max_is_this_year = false;
};

constexpr RangeRule kRangeRules[] = {
    {"disability_certificate.grade", 1, 4},
    {"criminal_victim.disability_grade", 0, 4},
    {"medical_expense.year", 1949, 0, /*max_is_this_year=*/true},
};

// Pairs of amounts of a payload ("<kind>.<field>") where the first may never exceed the second.
struct AmountOrder {
  std::string_view lesser;
  std::string_view greater;
  std::string_view reason;
};

constexpr AmountOrder kAmountOrders[] = {
    {"enforcement.amount_paid_fen", "enforcement.amount_awarded_fen",
     reason::kAmountPaidExceedsAwarded},
};

// String fields of payloads ("<kind>.<field>") that embed an ID number and are stored only in
// masked form.
constexpr std::string_view kIdBearingFields[] = {
    "disability_certificate.certificate_number",
};

constexpr std::string_view kDateSuffix = "_date";
constexpr std::string_view kAmountSuffix = "_fen";

// Concatenates pieces (Debian's Abseil has its own string_view, so absl::StrCat does not take
// std::string_view).
std::string Cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view piece : pieces) out.append(piece);
  return out;
}

std::string_view LeafName(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Whether `path` is a field of the payload `kind` ("medical_expense.year" of "medical_expense").
// Rules on other payloads' fields have nothing to look up: the view holds only the set payload.
bool InPayload(std::string_view path, std::string_view kind) {
  return !kind.empty() && path.size() > kind.size() && path.starts_with(kind) &&
         path[kind.size()] == '.';
}

std::string_view ParentPath(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
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

// Parses a date field's text; nullopt when it is not a real calendar date.
std::optional<absl::CivilDay> ParseDay(std::string_view text, std::string_view field) {
  // Absent dates are common; ParseDate would build an error message for each.
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> day = common::ParseDate(text, field);
  if (!day.ok()) return std::nullopt;
  return *day;
}

Sex SexFromEnumName(std::string_view name) {
  if (name == "SEX_MALE") return Sex::kMale;
  if (name == "SEX_FEMALE") return Sex::kFemale;
  return Sex::kUnspecified;
}

Sex SexFromIdDigit(int sex) {
  if (sex == 1) return Sex::kMale;
  if (sex == 2) return Sex::kFemale;
  return Sex::kUnspecified;
}

// Checks one date field: a real calendar date, from 1900 on and not after `today`.
void CheckDate(std::string_view path, std::string_view text, absl::CivilDay today,
               ValidationResult* result) {
  static const absl::CivilDay kEarliest(1900, 1, 1);
  std::optional<absl::CivilDay> day = ParseDay(text, path);
  if (!day.has_value()) {
    AddError(result, path, reason::kDateInvalid,
             Cat({path, " must be a real calendar date YYYY-MM-DD"}));
  } else if (*day > today) {
    AddError(result, path, reason::kDateInFuture, Cat({path, " must not be in the future"}));
  } else if (*day < kEarliest) {
    AddError(result, path, reason::kDateOutOfRange, Cat({path, " must not be before 1900-01-01"}));
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

RecordValidator::RecordValidator(const AgencyCatalog* catalog, const common::IdTokenizer* tokenizer,
                                 const common::Clock* clock, Options options)
    : catalog_(catalog), tokenizer_(tokenizer), clock_(clock), options_(options) {}

ValidationResult RecordValidator::Validate(std::string_view agency,
                                           const RecordView& record) const {
  ValidationResult result;
  absl::CivilDay today = absl::ToCivilDay(clock_->Now(), options_.zone);
  if (record.Number("retracted") != 0) {
    CheckRetraction(record, today, &result);
    return result;
  }
  CheckEnvelope(agency, record, &result);
  CheckFields(record, today, &result);
  CheckPayloadRules(record, today, &result);
  NormalizePerson(record, today, &result);
  return result;
}

void RecordValidator::CheckEnvelope(std::string_view agency, const RecordView& record,
                                    ValidationResult* result) const {
  if (record.Text("source_record_id").empty()) {
    AddError(result, "source_record_id", reason::kMissingField, "source_record_id is required");
  }
  if (record.Number("version") < 0) {
    AddError(result, "version", reason::kVersionNegative, "version must not be negative");
  }
  if (record.payload_kind.empty()) {
    AddError(result, "payload", reason::kPayloadMissing,
             "exactly one payload (criminal_victim, social_assistance, ...) is required");
  } else if (!catalog_->Allows(agency, record.payload_kind)) {
    AddError(result, record.payload_kind, reason::kPayloadNotAllowed,
             Cat({"payload kind ", record.payload_kind, " is not accepted from agency ", agency}));
  }
}

void RecordValidator::CheckRetraction(const RecordView& record, absl::CivilDay today,
                                      ValidationResult* result) const {
  if (record.Text("source_record_id").empty()) {
    AddError(result, "source_record_id", reason::kMissingField,
             "source_record_id is required: it names the record to retract");
  }
  if (record.Number("version") < 0) {
    AddError(result, "version", reason::kVersionNegative, "version must not be negative");
  }
  std::string_view record_date = record.Text("record_date");
  if (!record_date.empty()) CheckDate("record_date", record_date, today, result);
}

void RecordValidator::CheckFields(const RecordView& record, absl::CivilDay today,
                                  ValidationResult* result) const {
  // Suffixes are tested on the whole path: neither contains a dot, so a path ends with one
  // exactly when its leaf name does (this loop runs for every field of every record).
  for (const FieldValue& field : record.fields) {
    if (field.type == FieldType::kEnum && field.number != 0 && field.enum_name.empty()) {
      AddError(result, field.path, reason::kEnumUnknown,
               Cat({field.path, " has a value the schema does not define"}));
    }
    if (field.type == FieldType::kString && field.present && field.path.ends_with(kDateSuffix)) {
      CheckDate(field.path, field.text, today, result);
    }
    if (field.type == FieldType::kInt && field.number < 0 && field.path.ends_with(kAmountSuffix)) {
      AddError(result, field.path, reason::kAmountNegative,
               Cat({field.path, " must not be negative"}));
    }
    // An end date must not come before the start date beside it.
    if (field.present && field.path.ends_with("end_date") && LeafName(field.path) == "end_date") {
      std::string start_path = Cat({ParentPath(field.path), ".start_date"});
      std::optional<absl::CivilDay> end = ParseDay(field.text, field.path);
      std::optional<absl::CivilDay> start = ParseDay(record.Text(start_path), start_path);
      if (end.has_value() && start.has_value() && *end < *start) {
        AddError(result, field.path, reason::kDateRange,
                 Cat({field.path, " must not be before ", start_path}));
      }
    }
  }
}

void RecordValidator::CheckPayloadRules(const RecordView& record, absl::CivilDay today,
                                        ValidationResult* result) const {
  if (record.payload_kind.empty()) return;
  for (const RequiredField& required : kRequiredFields) {
    if (required.kind != record.payload_kind) continue;
    const FieldValue* field = record.Find(required.path);
    if (field == nullptr || !field->present) {
      AddError(result, required.path, reason::kMissingField,
               field != nullptr && field->type == FieldType::kEnum
                   ? Cat({required.path, " is required and must not be UNSPECIFIED"})
                   : Cat({required.path, " is required"}));
    }
  }
  for (const RangeRule& rule : kRangeRules) {
    if (!InPayload(rule.path, record.payload_kind)) continue;
    const FieldValue* field = record.Find(rule.path);
    if (field == nullptr || !field->present) continue;
    int64_t max = rule.max_is_this_year ? today.year() : rule.max;
    if (field->number < rule.min || field->number > max) {
      AddError(result, rule.path, reason::kValueOutOfRange,
               Cat({rule.path, " must be between ", std::to_string(rule.min), " and ",
                    std::to_string(max)}));
    }
  }
  for (const AmountOrder& order : kAmountOrders) {
    if (!InPayload(order.lesser, record.payload_kind)) continue;
    const FieldValue* lesser = record.Find(order.lesser);
    const FieldValue* greater = record.Find(order.greater);
    if (lesser == nullptr || greater == nullptr) continue;
    if (lesser->number > greater->number) {
      AddError(result, order.lesser, order.reason,
               Cat({order.lesser, " must not exceed ", order.greater}));
    }
  }
  for (std::string_view path : kIdBearingFields) {
    if (!InPayload(path, record.payload_kind)) continue;
    const FieldValue* field = record.Find(path);
    if (field == nullptr || !field->present) continue;
    result->rewrites.push_back(FieldRewrite{std::string(path), common::MaskIdNumber(field->text)});
  }
}

void RecordValidator::NormalizePerson(const RecordView& record, absl::CivilDay today,
                                      ValidationResult* result) const {
  NormalizedPerson& person = result->person;
  person.name_original = std::string(record.Text("person.name"));
  common::NormalizedName name = common::DefaultNameNormalizer().Normalize(person.name_original);
  person.name_normalized = std::move(name.normalized);
  person.name_pinyin = std::move(name.pinyin);
  if (person.name_normalized.empty()) {
    AddError(result, "person.name", reason::kNameMissing,
             "person.name is required and must not be empty after normalization");
  }

  // The ID number: validated, tokenized and masked; the raw form goes no further.
  const FieldValue* id_type_field = record.Find("person.id_type");
  std::string_view id_type =
      id_type_field == nullptr ? std::string_view() : std::string_view(id_type_field->enum_name);
  std::string_view raw_id = record.Text("person.id_number");
  common::ParsedIdNumber parsed;
  if (id_type == "ID_TYPE_NONE") {
    AddWarning(result, "person.id_number", reason::kIdMissing,
               raw_id.empty() ? "person has no ID number"
                              : "person.id_number ignored because id_type is ID_TYPE_NONE");
  } else if (id_type == "ID_TYPE_OTHER") {
    if (raw_id.empty()) {
      AddWarning(result, "person.id_number", reason::kIdMissing, "person has no ID number");
    } else {
      person.id_masked = common::MaskIdNumber(raw_id);
      AddWarning(result, "person.id_number", reason::kIdNotResident,
                 "person.id_number is not a resident ID number; it is not verified or matched");
    }
  } else if (id_type_field == nullptr || id_type_field->number == 0 ||
             id_type == "ID_TYPE_RESIDENT_ID") {
    parsed = common::ParseIdNumber(raw_id);
    switch (parsed.problem) {
      case common::IdNumberProblem::kNone:
        person.id_verified = true;
        break;
      case common::IdNumberProblem::kEmpty:
        if (id_type == "ID_TYPE_RESIDENT_ID") {
          AddError(result, "person.id_number", common::IdNumberProblemCode(parsed.problem),
                   "person.id_number is required when id_type is ID_TYPE_RESIDENT_ID");
        } else {
          AddWarning(result, "person.id_number", reason::kIdMissing, "person has no ID number");
        }
        break;
      case common::IdNumberProblem::kBadCheckDigit:
        AddWarning(result, "person.id_number", reason::kIdCheckDigit,
                   "person.id_number check character does not match; kept unverified");
        break;
      default:
        AddError(result, "person.id_number", common::IdNumberProblemCode(parsed.problem),
                 Cat({"person.id_number is not a valid resident ID number (",
                      common::IdNumberProblemCode(parsed.problem), ")"}));
        break;
    }
    bool usable = parsed.problem == common::IdNumberProblem::kNone ||
                  parsed.problem == common::IdNumberProblem::kBadCheckDigit;
    if (usable && !parsed.canonical.empty()) {
      person.id_token = tokenizer_->Token(parsed.canonical);
      person.id_masked = common::MaskIdNumber(parsed.canonical);
      if (parsed.repaired) {
        AddWarning(result, "person.id_number", reason::kIdRepaired,
                   "person.id_number had formatting damage that was repaired");
      }
      if (parsed.upgraded_from_15) {
        AddWarning(result, "person.id_number", reason::kIdUpgraded15,
                   "person.id_number was a legacy 15-digit number, upgraded to 18");
      }
      std::optional<absl::CivilDay> id_birth = ParseDay(parsed.birth_date, "person.id_number");
      if (id_birth.has_value() && *id_birth > today) {
        AddError(result, "person.id_number",
                 common::IdNumberProblemCode(common::IdNumberProblem::kBadBirthDate),
                 "person.id_number carries a birth date in the future");
      }
    } else {
      parsed = common::ParsedIdNumber();
    }
  }

  // Birth date and sex: the verified ID number wins; a disagreement is worth a warning. A date
  // that parses is already in canonical form: its text is kept (FormatDate would drop the
  // leading zeros of a year before 1000).
  std::string_view given_birth = record.Text("person.birth_date");
  std::optional<absl::CivilDay> given_day = ParseDay(given_birth, "person.birth_date");
  if (given_day.has_value() && !parsed.birth_date.empty() && given_birth != parsed.birth_date) {
    AddWarning(result, "person.birth_date", reason::kBirthDateMismatch,
               "person.birth_date disagrees with the birth date in the ID number");
  }
  if (person.id_verified && !parsed.birth_date.empty()) {
    person.birth_date = parsed.birth_date;
  } else if (given_day.has_value()) {
    person.birth_date = std::string(given_birth);
  } else {
    person.birth_date = parsed.birth_date;
  }

  const FieldValue* sex_field = record.Find("person.sex");
  Sex given_sex = SexFromEnumName(sex_field == nullptr ? std::string_view()
                                                       : std::string_view(sex_field->enum_name));
  Sex id_sex = SexFromIdDigit(parsed.sex);
  if (given_sex != Sex::kUnspecified && id_sex != Sex::kUnspecified && given_sex != id_sex) {
    AddWarning(result, "person.sex", reason::kSexMismatch,
               "person.sex disagrees with the sex in the ID number");
  }
  if (person.id_verified && id_sex != Sex::kUnspecified) {
    person.sex = id_sex;
  } else if (given_sex != Sex::kUnspecified) {
    person.sex = given_sex;
  } else {
    person.sex = id_sex;
  }

  std::string_view phone = record.Text("person.phone");
  if (!phone.empty()) {
    person.phone_normalized = common::NormalizePhone(phone);
    if (person.phone_normalized.empty()) {
      AddWarning(result, "person.phone", reason::kPhoneInvalid,
                 "person.phone is not a recognizable phone number; dropped");
    }
  }

  std::string_view region = record.Text("person.region_code");
  if (!region.empty()) {
    if (common::IsRegionCode(region)) {
      person.region_code = std::string(region);
    } else {
      AddWarning(result, "person.region_code", reason::kRegionCodeInvalid,
                 "person.region_code is not a 6-digit division code of a known province; "
                 "dropped");
    }
  }
  person.address = std::string(record.Text("person.address"));
  person.household_id = std::string(record.Text("person.household_id"));
}

}  // namespace lifeline::ingest
