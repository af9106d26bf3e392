// Conversions between lifeline.referral.v1 messages and the domain structs.
#pragma once

#include <optional>

#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_service.pb.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/verification.h"

namespace lifeline::referral {

namespace pb = ::lifeline::referral::v1;

pb::ReferralState ToProto(ReferralState state);
// Returns nullopt for UNSPECIFIED and unknown values.
std::optional<ReferralState> FromProto(pb::ReferralState state);

void ToProto(const PartnerChange& change, pb::PartnerChange* out);
// `today` (deadline calendar) decides `overdue`.
void ToProto(const Verification& verification, absl::CivilDay today, pb::Verification* out);
Attachment FromProto(const pb::Attachment& attachment);
PlanPerson FromProto(const pb::PlanPerson& person);
void ToProto(const Partner& partner, pb::Partner* out);
Partner FromProto(const pb::Partner& partner);

void ToProto(const ReferralEvent& event, pb::ReferralEvent* out);
void ToProto(const Referral& referral, pb::Referral* out);
void ToProto(const Plan& plan, pb::Plan* out);

PlanRequest FromProto(const pb::CreatePlanRequest& request);

}  // namespace lifeline::referral
