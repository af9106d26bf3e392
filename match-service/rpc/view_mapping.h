// Builds the RPC answers from what the store reads.
#pragma once

#include "lifeline/match/v1/match_service.pb.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// A clue the data no longer supports lists kNoLongerSupported among its possible exclusions.
void ToProto(const ClueView& view, v1::Clue* out);
void ToProto(const PersonView& view, v1::Person* out);

}  // namespace lifeline::match
