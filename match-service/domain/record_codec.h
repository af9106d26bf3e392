// A stable text encoding of RecordFacts for storage: one "field=value" line per field, values
// escaped so that any string survives. Unknown fields are rejected on decode so a schema mix-up
// shows up instead of silently dropping facts.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "match-service/domain/record_facts.h"

namespace lifeline::match {

// Encodes every field of `facts`.
std::string EncodeRecordFacts(const RecordFacts& facts);

// Decodes what EncodeRecordFacts wrote. Errors: InvalidArgument naming the bad line's field.
absl::StatusOr<RecordFacts> DecodeRecordFacts(std::string_view text);

}  // namespace lifeline::match
