// Mapping between the validator's results and the messages that are stored, forwarded and
// returned: the NormalizedRecord of an accepted record and the wire form of an issue.
#pragma once

#include <string_view>

#include "ingest-service/domain/record_validator.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::ingest {

// Builds the normalized record for an accepted `record` from its validation result (no batch id;
// the store sets it), taking both apart instead of copying them: `record` and `result` are left
// valid but unspecified. A retraction keeps only agency, source_record_id, version and
// record_date, with `retracted` set.
records::v1::NormalizedRecord BuildNormalizedRecord(std::string_view agency,
                                                    records::v1::Record&& record,
                                                    ValidationResult&& result);

// Converts a domain issue to the wire form (without record index and source id).
v1::RecordIssue ToProtoIssue(const Issue& issue);

}  // namespace lifeline::ingest
