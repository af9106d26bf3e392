// Validation and normalization of one submitted record, read through records.proto's generated
// accessors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

#include "common/identity/id_near_match.h"
#include "common/identity/id_token.h"
#include "common/time/dates.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::ingest {

enum class Severity { kWarning, kError };

// One problem with one record. `message` names the field and the reason, never the value.
struct Issue {
  std::string field;
  std::string reason;
  std::string message;
  Severity severity = Severity::kError;
};

struct ValidationResult {
  // The person after validation; carries no raw ID number.
  records::v1::NormalizedPerson person;
  std::vector<Issue> issues;

  // True when at least one issue is an error: the record must not be stored.
  bool rejected() const;
  // True when at least one issue is a warning.
  bool has_warnings() const;
};

// Applies the intake rules to records. Thread-safe (immutable; the clock must be thread-safe for
// concurrent use, as the real clock is).
class RecordValidator {
 public:
  // No text field of a record (names, ids, addresses, case numbers) may be longer than this many
  // bytes: 1 KiB holds any real one (a long Chinese address is about 200 bytes), and an 8 MB
  // source_record_id must not reach storage.
  static constexpr size_t kMaxTextBytes = 1024;

  struct Options {
    // Time zone whose calendar decides what "today" is for the not-in-the-future rules.
    absl::TimeZone zone = absl::FixedTimeZone(8 * 60 * 60);
  };

  // Neither pointer is owned; both must outlive the validator.
  RecordValidator(const common::IdTokenizer* tokenizer, const common::Clock* clock,
                  Options options);
  RecordValidator(const common::IdTokenizer* tokenizer, const common::Clock* clock)
      : RecordValidator(tokenizer, clock, Options()) {}

  // Validates `record` as sent by `agency` (an agency of common/records/agencies.h) and
  // normalizes its person. Never fails: problems are reported as issues; any error-severity
  // issue means the record is rejected. A retraction (field `retracted` true) is checked for its
  // identity only (source_record_id, version, record_date); its person and payload are ignored
  // and the result's person stays empty.
  ValidationResult Validate(std::string_view agency, const records::v1::Record& record) const;

 private:
  void NormalizePerson(const records::v1::PersonIdentity& given, absl::CivilDay today,
                       ValidationResult* result) const;

  const common::IdTokenizer* tokenizer_;
  common::IdNearEncoder near_encoder_;
  const common::Clock* clock_;
  Options options_;
};

// Replaces each payload field of `record` that embeds an ID number (the disability certificate
// number) by its masked form, so that the record can be stored and forwarded.
void MaskIdBearingFields(records::v1::Record* record);

// Returns whether `agency` may send payloads of `kind` (common/records/agencies.h); false for an
// unknown agency.
bool AgencySends(std::string_view agency, records::v1::Record::PayloadCase kind);

}  // namespace lifeline::ingest
