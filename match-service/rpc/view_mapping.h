// Builds the RPC answers from what the store reads.
#pragma once

#include "google/protobuf/repeated_ptr_field.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "match-service/domain/linkage/model.h"
#include "match-service/domain/match_engine.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// A clue the data no longer supports lists kNoLongerSupported among its possible exclusions.
// `rules` decide the tier.
void ToProto(const ClueView& view, const EligibilityRules& rules, v1::Clue* out);
v1::ClueVerification ToProto(const ClueVerification& verification);
ClueVerification FromProto(const v1::ClueVerification& verification);
// `model` weighs each record's link comparison; null leaves the comparisons out.
void ToProto(const PersonView& view, const linkage::FsModel* model, v1::Person* out);

// A pair's comparison levels (linkage::PackVector) with their weights under `model` (without the
// name-frequency part, which only the pair's total carries).
void AddComparison(const linkage::FsModel& model, uint32_t vector,
                   google::protobuf::RepeatedPtrField<v1::FieldComparison>* out);

void ToProto(const PossibleMatchView& view, const linkage::FsModel& model, double prior_log2_odds,
             double link_weight, double possible_weight, v1::PossibleMatch* out);
void ToProto(const RulesPreview& preview, v1::RulesPreview* out);
void ToProto(const PairExplanationResult& result, const std::string& record_a,
             const std::string& record_b, v1::PairExplanation* out);

}  // namespace lifeline::match
