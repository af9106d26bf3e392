// Reads the facts text that match.db stored before schema version 4 (one "name=value" line per
// field of a hand-written mirror of the record) into the NormalizedRecord it came from. Used only
// by the migration that replaces that column with the record's bytes.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::match {

// Errors: InvalidArgument (a line without '=', a bad escape or number).
absl::StatusOr<records::v1::NormalizedRecord> LegacyFactsToRecord(std::string_view text);

}  // namespace lifeline::match
