// Validation and normalization of one submitted record, on its protobuf-free RecordView.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

#include "common/identity/id_token.h"
#include "common/time/dates.h"
#include "ingest-service/domain/agency_catalog.h"
#include "ingest-service/domain/record_view.h"

namespace lifeline::ingest {

enum class Severity { kWarning, kError };

// One problem with one record. `message` names the field and the reason, never the value.
struct Issue {
  std::string field;
  std::string reason;
  std::string message;
  Severity severity = Severity::kError;
};

enum class Sex { kUnspecified, kMale, kFemale };

// The person of a record after validation. Carries no raw ID number.
struct NormalizedPerson {
  std::string name_original;
  // Comparison form (common::NormalizeName): NFKC, case folded, no spacing, zero-width
  // characters or middle dots, simplified characters.
  std::string name_normalized;
  // Pinyin of name_normalized (common::NamePinyin), "zhang wei".
  std::string name_pinyin;
  // Keyed token of the canonical 18-character ID number; empty without a usable one.
  std::string id_token;
  std::string id_masked;
  bool id_verified = false;
  Sex sex = Sex::kUnspecified;
  std::string birth_date;
  std::string phone_normalized;
  std::string address;
  std::string region_code;
  std::string household_id;
};

// A string field whose value must be replaced before the record is stored or forwarded (for
// example a certificate number that embeds an ID number, replaced by its masked form).
struct FieldRewrite {
  std::string path;
  std::string value;
};

struct ValidationResult {
  NormalizedPerson person;
  std::vector<Issue> issues;
  std::vector<FieldRewrite> rewrites;

  // True when at least one issue is an error: the record must not be stored.
  bool rejected() const;
  // True when at least one issue is a warning.
  bool has_warnings() const;
};

// Applies the intake rules to records. Thread-safe (immutable; the clock must be thread-safe for
// concurrent use, as the real clock is).
class RecordValidator {
 public:
  struct Options {
    // Time zone whose calendar decides what "today" is for the not-in-the-future rules.
    absl::TimeZone zone = absl::FixedTimeZone(8 * 60 * 60);
  };

  // None of the pointers is owned; all must outlive the validator.
  RecordValidator(const AgencyCatalog* catalog, const common::IdTokenizer* tokenizer,
                  const common::Clock* clock, Options options);
  RecordValidator(const AgencyCatalog* catalog, const common::IdTokenizer* tokenizer,
                  const common::Clock* clock)
      : RecordValidator(catalog, tokenizer, clock, Options()) {}

  // Validates `record` as sent by `agency` and normalizes its person. Never fails: problems are
  // reported as issues; any error-severity issue means the record is rejected. A retraction
  // (field `retracted` true) is checked for its identity only (source_record_id, version,
  // record_date); its person and payload are ignored and the result's person stays empty.
  ValidationResult Validate(std::string_view agency, const RecordView& record) const;

 private:
  void CheckRetraction(const RecordView& record, absl::CivilDay today,
                       ValidationResult* result) const;
  void CheckEnvelope(std::string_view agency, const RecordView& record,
                     ValidationResult* result) const;
  void CheckFields(const RecordView& record, absl::CivilDay today, ValidationResult* result) const;
  void CheckPayloadRules(const RecordView& record, absl::CivilDay today,
                         ValidationResult* result) const;
  void NormalizePerson(const RecordView& record, absl::CivilDay today,
                       ValidationResult* result) const;

  const AgencyCatalog* catalog_;
  const common::IdTokenizer* tokenizer_;
  const common::Clock* clock_;
  Options options_;
};

}  // namespace lifeline::ingest
