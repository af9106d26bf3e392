// The plain data of referral-service's domain: partners, plans, referrals and their history.
// rpc/ maps these to and from the lifeline.referral.v1 messages; ReferralState and PlanState are
// pinned to the proto enums there (static_assert in rpc/referral_mapping.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::referral {

// State of a referral, after FHIR Task. Values match lifeline.referral.v1.ReferralState.
enum class ReferralState {
  kUnspecified = 0,
  kRequested = 1,
  kAccepted = 2,
  kRejected = 3,
  kInProgress = 4,
  kOnHold = 5,
  kCompleted = 6,
  kFailed = 7,
  kCancelled = 8,
};

// What a completed referral achieved (lifeline.referral.v1.ReferralOutcome).
enum class ReferralOutcome {
  kUnspecified = 0,
  kProvided = 1,
  kPartlyProvided = 2,
  kAlreadyReceiving = 3,
  kNotEligible = 4,
  kDeclined = 5,
  kUnreachable = 6,
};

// What an event in a referral's history records (lifeline.referral.v1.ReferralEventKind). Only
// kTransition changes the state; the others keep from_state == to_state.
enum class ReferralEventKind {
  kTransition = 0,
  // A stage deadline passed: escalated to the plan's reviewing procurator.
  kEscalated = 1,
  // The second deadline of a stage passed: re-routing to another office is proposed.
  kRerouteProposed = 2,
  // Delivery gave up after its configured attempts; the referral waits for an admin's retry.
  kDeliveryParked = 3,
  // An admin sent a parked delivery again.
  kDeliveryRetried = 4,
};

// The stages a department's agreement sets deadlines for (lifeline.referral.v1.DeadlineStage).
enum class DeadlineStage {
  kUnspecified = 0,
  kAccept = 1,    // accept or reject a REQUESTED referral
  kProgress = 2,  // start the work of an ACCEPTED one
  kComplete = 3,  // finish it
};

// How a department receives its referrals (lifeline.referral.v1.DeliveryChannel).
enum class DeliveryChannel {
  kGrpc = 1,     // its PartnerInbox at inbox_target
  kWebhook = 2,  // a signed HTTPS POST to webhook_url
  kPolling = 3,  // it reads them with ListChanges
};

// A partner department in the directory.
struct Partner {
  std::string department;  // lower_snake code, e.g. "legal_aid"
  std::string display_name;
  std::string inbox_target;  // gRPC target of the department's PartnerInbox
  // The agreement, in working days after the referral is made: accept (or reject) within,
  // start within, complete within; after a stage's deadline, re-routing is proposed this many
  // working days later. 0 takes the default (domain/deadlines.h).
  int respond_within_days = 5;
  bool enabled = true;
  int progress_within_days = 0;
  int complete_within_days = 0;
  int reroute_after_days = 0;
  DeliveryChannel channel = DeliveryChannel::kGrpc;
  std::string webhook_url = {};  // kWebhook: https://host[:port]/path
  // Set by the store: 1 when created, one more on each change (PartnerChange).
  int64_t version = 0;
};

// One change of the partner directory: who changed which department's entry, when, and what.
struct PartnerChange {
  int64_t sequence = 0;
  std::string department;
  // The entry's version after the change (1 when created); a deletion keeps the last one + 1.
  int64_t version = 0;
  std::string action;  // "created", "updated", "deleted"
  std::string actor;   // the person, or "partners_file" for the start-up seed
  // What changed, e.g. "respond_within_days 5 -> 2; channel grpc -> webhook" (DescribeChange).
  std::string changes;
  absl::Time time;
};

// The deadline of each stage of a referral (the last day it may be done on time).
struct StageDeadlines {
  absl::CivilDay accept;
  absl::CivilDay progress;
  absl::CivilDay complete;
};

// How far a referral's current stage is escalated: level 0 on time, 1 escalated to the reviewing
// procurator, 2 re-routing proposed.
struct Escalation {
  DeadlineStage stage = DeadlineStage::kUnspecified;
  int level = 0;
};

// The person a plan is for. `id_masked` only; the raw ID number never reaches this service.
struct PlanPerson {
  std::string person_id;
  std::string name;
  std::string id_masked;
  lifeline::records::v1::Sex sex = lifeline::records::v1::SEX_UNSPECIFIED;
  std::string birth_date;
  std::string region_code;
};

// Delivery of a referral to its department's inbox.
struct Delivery {
  bool delivered = false;
  int attempts = 0;
  std::string last_error;  // a status code name, never personal data
  absl::Time delivered_time = absl::InfinitePast();
  std::string partner_reference;
  // Parked after the configured attempts: nothing is sent until an admin retries it.
  bool undeliverable = false;
  absl::Time parked_time = absl::InfinitePast();
};

// One state change of a referral.
struct ReferralEvent {
  int64_t sequence = 0;
  std::string referral_id;
  ReferralEventKind kind = ReferralEventKind::kTransition;
  // The stage a kEscalated or kRerouteProposed event is about.
  DeadlineStage stage = DeadlineStage::kUnspecified;
  ReferralState from_state = ReferralState::kUnspecified;
  ReferralState to_state = ReferralState::kUnspecified;
  std::string note;
  // Who acted: the person (user id) or, for the system's own acts, the service.
  std::string actor;
  // The department the person acted for (a partner's department code); empty when they acted
  // for the procuratorate or the system. ActorOf (rpc) decides both from the caller.
  std::string actor_department;
  // Set on the change to COMPLETED.
  ReferralOutcome outcome = ReferralOutcome::kUnspecified;
  absl::Time time;
};

// One of the "N": a department asked to help the person.
struct Referral {
  std::string referral_id;
  std::string plan_id;
  std::string department;
  std::string service;
  std::string reason;
  ReferralState state = ReferralState::kRequested;
  // The accept deadline (deadlines.accept), kept under its first name.
  absl::CivilDay respond_by;
  StageDeadlines deadlines;
  Escalation escalation;
  // The next day the escalation scan looks at it; nullopt when never (final, or fully escalated
  // in its stage).
  std::optional<absl::CivilDay> next_check;
  Delivery delivery;
  std::vector<ReferralEvent> history;
  absl::Time created_time;
  absl::Time updated_time;
  // Set once COMPLETED.
  ReferralOutcome outcome = ReferralOutcome::kUnspecified;
  // The REJECTED or FAILED referral this one re-routes; empty otherwise.
  std::string rerouted_from;
};

enum class PlanState { kOpen = 1, kClosed = 2 };

// The "1+N" plan for one person and one clue.
struct Plan {
  std::string plan_id;
  std::string clue_id;
  PlanPerson person;
  std::string category;
  std::string case_number;
  int64_t assistance_amount_fen = 0;
  std::string referring_unit;
  std::string approved_by;
  PlanState state = PlanState::kOpen;
  std::vector<Referral> referrals;
  absl::Time created_time;
  absl::Time closed_time = absl::InfinitePast();  // InfinitePast while open
};

// Number of referrals of one department in one state.
struct ReferralCount {
  std::string department;
  ReferralState state = ReferralState::kUnspecified;
  int64_t count = 0;
};

// What an approved clue brings to CreatePlan.
struct PlanRequest {
  std::string clue_id;
  PlanPerson person;
  std::string category;
  std::string case_number;
  int64_t approved_amount_fen = 0;
  std::vector<std::string> needs;
  std::string referring_unit;
  std::string approved_by;
};

}  // namespace lifeline::referral
