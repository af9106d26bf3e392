// Mapping between protobuf records and the domain's plain views: flattening a Record for the
// validator, and building the NormalizedRecord that is stored and forwarded.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "ingest-service/domain/record_validator.h"
#include "ingest-service/domain/record_view.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::ingest {

// Flattens `record`: every leaf field of the record, its person and the payload that is set,
// keyed by dotted path; repeated fields get "[i]" after their name. The envelope and the person go
// through generated accessors, the payload by reflection. The view points into `record`, which
// must outlive it unchanged.
RecordView FlattenRecord(const records::v1::Record& record);
// A view of a temporary would dangle.
RecordView FlattenRecord(const records::v1::Record&& record) = delete;

// The same view, all by reflection: the reference FlattenRecord is tested against, so that a
// field added to Record or PersonIdentity cannot be left out of the accessor part unnoticed.
RecordView FlattenRecordByReflection(const records::v1::Record& record);
RecordView FlattenRecordByReflection(const records::v1::Record&& record) = delete;

// Replaces string fields of `record` at the rewrite paths. Errors: Internal when a path does not
// name a string field of Record (a bug in the rule tables).
absl::Status ApplyRewrites(const std::vector<FieldRewrite>& rewrites, records::v1::Record* record);

// Builds the normalized record for an accepted `record` from its validation result (no batch id;
// the store sets it), taking both apart instead of copying them: `record` and `result` are left
// valid but unspecified. A retraction keeps only agency, source_record_id, version and
// record_date, with `retracted` set. Errors: as ApplyRewrites.
absl::StatusOr<records::v1::NormalizedRecord> BuildNormalizedRecord(std::string_view agency,
                                                                    records::v1::Record&& record,
                                                                    ValidationResult&& result);

// Converts a domain issue to the wire form (without record index and source id).
v1::RecordIssue ToProtoIssue(const Issue& issue);

}  // namespace lifeline::ingest
