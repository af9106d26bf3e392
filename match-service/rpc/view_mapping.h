// Mapping between lifeline protos and match's domain structs.
#pragma once

#include "absl/status/statusor.h"

#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/records/v1/records.pb.h"
#include "match-service/domain/clue.h"
#include "match-service/domain/record_facts.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// Converts a record from ingest into the facts match keeps. Errors: InvalidArgument (missing
// agency, source_record_id or, for a record that is not retracted, payload).
absl::StatusOr<RecordFacts> FactsFromProto(const records::v1::NormalizedRecord& record);

void ToProto(const ClueView& view, v1::Clue* out);
void ToProto(const PersonView& view, v1::Person* out);

}  // namespace lifeline::match
