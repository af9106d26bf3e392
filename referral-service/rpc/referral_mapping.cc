#include "referral-service/rpc/referral_mapping.h"

#include <map>

#include "common/time/dates.h"

namespace lifeline::referral {
namespace {

// The domain's ReferralState and PlanState are the proto's values; the casts below rely on it.
static_assert(static_cast<int>(ReferralState::kUnspecified) == pb::REFERRAL_STATE_UNSPECIFIED);
static_assert(static_cast<int>(ReferralState::kRequested) == pb::REFERRAL_STATE_REQUESTED);
static_assert(static_cast<int>(ReferralState::kAccepted) == pb::REFERRAL_STATE_ACCEPTED);
static_assert(static_cast<int>(ReferralState::kRejected) == pb::REFERRAL_STATE_REJECTED);
static_assert(static_cast<int>(ReferralState::kInProgress) == pb::REFERRAL_STATE_IN_PROGRESS);
static_assert(static_cast<int>(ReferralState::kOnHold) == pb::REFERRAL_STATE_ON_HOLD);
static_assert(static_cast<int>(ReferralState::kCompleted) == pb::REFERRAL_STATE_COMPLETED);
static_assert(static_cast<int>(ReferralOutcome::kProvided) == pb::REFERRAL_OUTCOME_PROVIDED);
static_assert(static_cast<int>(ReferralOutcome::kUnreachable) == pb::REFERRAL_OUTCOME_UNREACHABLE);
static_assert(static_cast<int>(ReferralState::kFailed) == pb::REFERRAL_STATE_FAILED);
static_assert(static_cast<int>(ReferralState::kCancelled) == pb::REFERRAL_STATE_CANCELLED);
// A value added to the proto must be added to the domain (and its state machine) too.
static_assert(pb::ReferralState_MIN == pb::REFERRAL_STATE_UNSPECIFIED &&
              pb::ReferralState_MAX == pb::REFERRAL_STATE_CANCELLED &&
              pb::ReferralState_ARRAYSIZE == 9);
static_assert(static_cast<int>(PlanState::kOpen) == pb::Plan::STATE_OPEN);
static_assert(static_cast<int>(PlanState::kClosed) == pb::Plan::STATE_CLOSED);
static_assert(pb::Plan::State_MAX == pb::Plan::STATE_CLOSED);
static_assert(static_cast<int>(ReferralEventKind::kEscalated) == pb::REFERRAL_EVENT_KIND_ESCALATED);
static_assert(static_cast<int>(ReferralEventKind::kRerouteProposed) ==
              pb::REFERRAL_EVENT_KIND_REROUTE_PROPOSED);
static_assert(static_cast<int>(ReferralEventKind::kDeliveryParked) ==
              pb::REFERRAL_EVENT_KIND_DELIVERY_PARKED);
static_assert(static_cast<int>(ReferralEventKind::kDeliveryRetried) ==
              pb::REFERRAL_EVENT_KIND_DELIVERY_RETRIED);
static_assert(pb::ReferralEventKind_ARRAYSIZE == 5);
static_assert(static_cast<int>(DeadlineStage::kAccept) == pb::DEADLINE_STAGE_ACCEPT);
static_assert(static_cast<int>(DeadlineStage::kProgress) == pb::DEADLINE_STAGE_PROGRESS);
static_assert(static_cast<int>(DeadlineStage::kComplete) == pb::DEADLINE_STAGE_COMPLETE);
static_assert(pb::DeadlineStage_ARRAYSIZE == 4);
static_assert(static_cast<int>(DeliveryChannel::kGrpc) == pb::DELIVERY_CHANNEL_GRPC);
static_assert(static_cast<int>(DeliveryChannel::kWebhook) == pb::DELIVERY_CHANNEL_WEBHOOK);
static_assert(static_cast<int>(DeliveryChannel::kPolling) == pb::DELIVERY_CHANNEL_POLLING);
static_assert(pb::DeliveryChannel_ARRAYSIZE == 4);

std::string TimeText(absl::Time time) {
  return time == absl::InfinitePast() ? std::string() : common::FormatRfc3339(time);
}

void ToProto(const Delivery& delivery, pb::Delivery* out) {
  out->set_delivered(delivery.delivered);
  out->set_attempts(delivery.attempts);
  out->set_last_error(delivery.last_error);
  out->set_delivered_time(TimeText(delivery.delivered_time));
  out->set_partner_reference(delivery.partner_reference);
  out->set_undeliverable(delivery.undeliverable);
  out->set_parked_time(TimeText(delivery.parked_time));
}

void ToProto(const PlanPerson& person, pb::PlanPerson* out) {
  out->set_person_id(person.person_id);
  out->set_name(person.name);
  out->set_id_masked(person.id_masked);
  out->set_sex(person.sex);
  out->set_birth_date(person.birth_date);
  out->set_region_code(person.region_code);
}

}  // namespace

pb::ReferralState ToProto(ReferralState state) {
  return static_cast<pb::ReferralState>(static_cast<int>(state));
}

std::optional<ReferralState> FromProto(pb::ReferralState state) {
  if (state == pb::REFERRAL_STATE_UNSPECIFIED || !pb::ReferralState_IsValid(state)) {
    return std::nullopt;
  }
  return static_cast<ReferralState>(static_cast<int>(state));
}

void ToProto(const Partner& partner, pb::Partner* out) {
  out->set_department(partner.department);
  out->set_display_name(partner.display_name);
  out->set_inbox_target(partner.inbox_target);
  out->set_respond_within_days(partner.respond_within_days);
  out->set_enabled(partner.enabled);
  out->set_progress_within_days(partner.progress_within_days);
  out->set_complete_within_days(partner.complete_within_days);
  out->set_reroute_after_days(partner.reroute_after_days);
  out->set_channel(static_cast<pb::DeliveryChannel>(static_cast<int>(partner.channel)));
  out->set_webhook_url(partner.webhook_url);
  out->set_version(partner.version);
}

static_assert(static_cast<int>(VerificationState::kRequested) == pb::VERIFICATION_STATE_REQUESTED);
static_assert(static_cast<int>(VerificationState::kConfirmed) == pb::VERIFICATION_STATE_CONFIRMED);
static_assert(static_cast<int>(VerificationState::kNotConfirmed) ==
              pb::VERIFICATION_STATE_NOT_CONFIRMED);
static_assert(pb::VerificationState_ARRAYSIZE == 4);

void ToProto(const Verification& v, absl::CivilDay today, pb::Verification* out) {
  out->set_verification_id(v.verification_id);
  out->set_clue_id(v.clue_id);
  out->set_department(v.department);
  out->set_question(v.question);
  ToProto(v.person, out->mutable_person());
  out->set_requested_by(v.requested_by);
  out->set_state(static_cast<pb::VerificationState>(static_cast<int>(v.state)));
  out->set_respond_by(common::FormatDate(v.respond_by));
  ToProto(v.delivery, out->mutable_delivery());
  out->set_answer_note(v.answer_note);
  for (const Attachment& a : v.attachments) {
    pb::Attachment* attachment = out->add_attachments();
    attachment->set_name(a.name);
    attachment->set_content_type(a.content_type);
    attachment->set_size_bytes(a.size_bytes);
    attachment->set_sha256(a.sha256);
  }
  out->set_answered_by(v.answered_by);
  out->set_created_time(TimeText(v.created_time));
  out->set_answered_time(TimeText(v.answered_time));
  out->set_overdue(IsVerificationOverdue(v, today));
  out->set_escalated_time(TimeText(v.escalated_time));
}

Attachment FromProto(const pb::Attachment& attachment) {
  return Attachment{attachment.name(), attachment.content_type(), attachment.size_bytes(),
                    attachment.sha256()};
}

void ToProto(const PartnerChange& change, pb::PartnerChange* out) {
  out->set_sequence(change.sequence);
  out->set_department(change.department);
  out->set_version(change.version);
  out->set_action(change.action);
  out->set_actor(change.actor);
  out->set_changes(change.changes);
  out->set_time(TimeText(change.time));
}

Partner FromProto(const pb::Partner& partner) {
  Partner out;
  out.department = partner.department();
  out.display_name = partner.display_name();
  out.inbox_target = partner.inbox_target();
  out.respond_within_days = partner.respond_within_days();
  out.enabled = partner.enabled();
  out.progress_within_days = partner.progress_within_days();
  out.complete_within_days = partner.complete_within_days();
  out.reroute_after_days = partner.reroute_after_days();
  // Unset is the gRPC inbox; a value this build does not know stays unknown (ValidatePartner).
  out.channel = partner.channel() == pb::DELIVERY_CHANNEL_UNSPECIFIED
                    ? DeliveryChannel::kGrpc
                    : static_cast<DeliveryChannel>(static_cast<int>(partner.channel()));
  out.webhook_url = partner.webhook_url();
  return out;
}

void ToProto(const ReferralEvent& event, pb::ReferralEvent* out) {
  out->set_sequence(event.sequence);
  out->set_referral_id(event.referral_id);
  out->set_from_state(ToProto(event.from_state));
  out->set_to_state(ToProto(event.to_state));
  out->set_note(event.note);
  out->set_actor(event.actor);
  out->set_actor_department(event.actor_department);
  out->set_outcome(static_cast<pb::ReferralOutcome>(static_cast<int>(event.outcome)));
  out->set_kind(static_cast<pb::ReferralEventKind>(static_cast<int>(event.kind)));
  out->set_stage(static_cast<pb::DeadlineStage>(static_cast<int>(event.stage)));
  out->set_time(TimeText(event.time));
}

void ToProto(const Referral& referral, pb::Referral* out) {
  out->set_referral_id(referral.referral_id);
  out->set_plan_id(referral.plan_id);
  out->set_department(referral.department);
  out->set_service(referral.service);
  out->set_reason(referral.reason);
  out->set_state(ToProto(referral.state));
  out->set_respond_by(common::FormatDate(referral.respond_by));
  ToProto(referral.delivery, out->mutable_delivery());
  for (const ReferralEvent& event : referral.history) ToProto(event, out->add_history());
  out->set_created_time(TimeText(referral.created_time));
  out->set_updated_time(TimeText(referral.updated_time));
  out->set_outcome(static_cast<pb::ReferralOutcome>(static_cast<int>(referral.outcome)));
  out->set_rerouted_from(referral.rerouted_from);
  pb::StageDeadlines* deadlines = out->mutable_deadlines();
  deadlines->set_accept(common::FormatDate(referral.deadlines.accept));
  deadlines->set_progress(common::FormatDate(referral.deadlines.progress));
  deadlines->set_complete(common::FormatDate(referral.deadlines.complete));
  out->mutable_escalation()->set_stage(
      static_cast<pb::DeadlineStage>(static_cast<int>(referral.escalation.stage)));
  out->mutable_escalation()->set_level(referral.escalation.level);
}

void ToProto(const Plan& plan, pb::Plan* out) {
  out->set_plan_id(plan.plan_id);
  out->set_clue_id(plan.clue_id);
  ToProto(plan.person, out->mutable_person());
  out->set_category(plan.category);
  out->set_case_number(plan.case_number);
  out->set_assistance_amount_fen(plan.assistance_amount_fen);
  out->set_state(plan.state == PlanState::kClosed ? pb::Plan::STATE_CLOSED : pb::Plan::STATE_OPEN);
  std::map<int, int> outcomes;  // completed referrals by outcome, in outcome order
  for (const Referral& referral : plan.referrals) {
    ToProto(referral, out->add_referrals());
    if (referral.state == ReferralState::kCompleted) ++outcomes[static_cast<int>(referral.outcome)];
  }
  for (const auto& [outcome, count] : outcomes) {
    pb::OutcomeCount* summary = out->add_outcome_summary();
    summary->set_outcome(static_cast<pb::ReferralOutcome>(outcome));
    summary->set_referrals(count);
  }
  out->set_created_time(TimeText(plan.created_time));
  out->set_closed_time(TimeText(plan.closed_time));
}

PlanPerson FromProto(const pb::PlanPerson& person) {
  PlanPerson out;
  out.person_id = person.person_id();
  out.name = person.name();
  out.id_masked = person.id_masked();
  out.sex = person.sex();
  out.birth_date = person.birth_date();
  out.region_code = person.region_code();
  return out;
}

PlanRequest FromProto(const pb::CreatePlanRequest& request) {
  PlanRequest out;
  out.clue_id = request.clue_id();
  out.person = FromProto(request.person());
  out.category = request.category();
  out.case_number = request.case_number();
  out.approved_amount_fen = request.approved_amount_fen();
  out.needs.assign(request.needs().begin(), request.needs().end());
  out.referring_unit = request.referring_unit();
  out.approved_by = request.approved_by();
  return out;
}

}  // namespace lifeline::referral
