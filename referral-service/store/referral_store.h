// Persistence of referral-service: the partner directory, plans, referrals, their event history
// and the delivery outbox.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/verification.h"

namespace lifeline::referral {

// The outbox topic of deliveries.
inline constexpr char kDeliveryTopic[] = "delivery";
// The outbox topic of verification requests to offices (DeliverVerificationRequest).
inline constexpr char kVerificationTopic[] = "verification";
// The outbox topic of verification requests and answers for match-service to keep on the clue
// (lifeline.match.v1.RecordVerificationRequest).
inline constexpr char kClueVerificationTopic[] = "clue_verification";

// Which verifications ListVerifications returns; empty fields do not filter.
struct VerificationFilter {
  std::string clue_id;
  std::string department;
  bool open_only = false;           // only REQUESTED
  bool undeliverable_only = false;  // only those whose delivery is parked
};

struct VerificationPage {
  std::vector<Verification> verifications;  // newest first, with their attachments
  int64_t next_cursor = 0;
};

// Which referrals ListReferrals returns; empty fields do not filter.
struct ReferralFilter {
  std::string department;
  std::string plan_id;
  std::optional<ReferralState> state;
  // Only referrals whose current stage is escalated (past its deadline, not yet moved on).
  bool escalated = false;
};

// An escalation event ApplyEscalations stored, for metrics and logs.
struct AppliedEscalation {
  std::string department;
  ReferralEventKind kind = ReferralEventKind::kEscalated;
  DeadlineStage stage = DeadlineStage::kUnspecified;
};

// Who the directory's start-up seed is recorded as.
inline constexpr char kPartnersFileActor[] = "partners_file";

struct PartnerChangePage {
  std::vector<PartnerChange> changes;  // newest first
  int64_t next_cursor = 0;             // 0 when there is no older page
};

struct ReferralPage {
  // Newest first, without history.
  std::vector<Referral> referrals;
  // Pass as `before_cursor` for the next page; 0 when there is none.
  int64_t next_cursor = 0;
};

// The partner reference of a referral a polling department picked up.
inline constexpr char kPolledReference[] = "polled";

struct ChangePage {
  std::vector<ReferralEvent> events;  // oldest first
  // The referrals the events are about, without history, in order of first mention.
  std::vector<Referral> referrals;
  // Sequence of the last event returned, or the `after_sequence` asked for when none.
  int64_t last_sequence = 0;
};

struct CreatePlanResult {
  Plan plan;
  // False when a plan for the clue already existed and was returned unchanged.
  bool created = false;
};

// The store interface: loads and saves; every decision is the domain's (the store calls the one
// domain function that decides inside the transaction that needs it). Implementations are
// thread-safe.
class ReferralStore {
 public:
  virtual ~ReferralStore() = default;

  // Creates or replaces a directory entry (validated by the caller) as `actor`, in one
  // transaction with its PartnerChange (what changed, the new version); an entry written again
  // unchanged is left as it is. Returns the entry with its version.
  virtual absl::StatusOr<Partner> UpsertPartner(const Partner& partner, std::string_view actor) = 0;
  // Inserts each entry whose department does not exist yet, in one transaction (the startup seed
  // from the partners file, recorded as changes by kPartnersFileActor); returns how many were
  // inserted.
  virtual absl::StatusOr<int> InsertPartnersIfAbsent(const std::vector<Partner>& partners) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<Partner> GetPartner(std::string_view department) = 0;
  // Ordered by department code.
  virtual absl::StatusOr<std::vector<Partner>> ListPartners() = 0;
  // Removes an entry as `actor`, recording the change. Errors: NotFound; FailedPrecondition while
  // the department has referrals that are not final (CheckPartnerRemovable decides).
  virtual absl::Status DeletePartner(std::string_view department, std::string_view actor) = 0;
  // The directory's changes, newest first (only `department`'s when set), `page_size` at most,
  // older than `before_cursor` (0: from the newest).
  virtual absl::StatusOr<PartnerChangePage> ListPartnerChanges(std::string_view department,
                                                               int page_size,
                                                               int64_t before_cursor) = 0;

  // Stores a plan built by PlanBuilder in one transaction: the plan, its referrals with their
  // history (the initial events) and the bytes of each of `deliveries` (BuildDeliveryRequests)
  // as one outbox message on kDeliveryTopic. Idempotent per clue_id: when the clue already has a
  // plan, that plan is returned and nothing is written.
  virtual absl::StatusOr<CreatePlanResult> CreatePlan(
      const Plan& plan,
      const std::vector<lifeline::partner::v1::DeliverReferralRequest>& deliveries) = 0;
  // Adds a referral to the plan `plan_id` in one transaction: `decide` (PlanBuilder::BuildAdded)
  // gets the stored plan and returns the referral to add or why not; the referral, its initial
  // event and its delivery (BuildDeliveryRequest) are written, and a closed plan reopens.
  // Returns the stored referral. Errors: NotFound (plan), those of `decide`.
  virtual absl::StatusOr<Referral> AddReferral(
      std::string_view plan_id,
      const std::function<absl::StatusOr<Referral>(const Plan& plan)>& decide) = 0;
  // Returns the plan with its referrals and their history. Errors: NotFound.
  virtual absl::StatusOr<Plan> GetPlan(std::string_view plan_id) = 0;
  // Returns the referral with its history. Errors: NotFound.
  virtual absl::StatusOr<Referral> GetReferral(std::string_view referral_id) = 0;
  // Lists referrals newest first, `page_size` at most, older than `before_cursor` (0: from the
  // newest).
  virtual absl::StatusOr<ReferralPage> ListReferrals(const ReferralFilter& filter, int page_size,
                                                     int64_t before_cursor) = 0;
  // Moves a referral in one transaction: loads it and its plan's other referral states,
  // DecideTransition decides, then the store updates it, appends the event and closes the plan
  // when the decision says so. Returns the referral with history.
  // Errors: NotFound, InvalidArgument (missing note), FailedPrecondition (not allowed).
  // `actor` is the person (or service) acting, `actor_department` the department they act for.
  virtual absl::StatusOr<Referral> TransitionReferral(
      std::string_view referral_id, ReferralState to, std::string_view note, std::string_view actor,
      std::string_view actor_department = "",
      ReferralOutcome outcome = ReferralOutcome::kUnspecified) = 0;
  // Returns up to `page_size` events with a sequence greater than `after_sequence` (only those of
  // `department`'s referrals when it is set, through an index), with the referrals they are
  // about.
  virtual absl::StatusOr<ChangePage> ListChanges(int64_t after_sequence, int page_size,
                                                 std::string_view department = "") = 0;
  // Records that a polling department read these referrals: each not yet delivered becomes
  // delivered now with partner_reference kPolledReference. Returns how many changed.
  virtual absl::StatusOr<int> RecordPickup(const std::vector<std::string>& referral_ids) = 0;

  // The delivery records below take a referral's id or a verification's.
  // Records a successful delivery (its outbox message is deleted by the dispatcher). Errors:
  // NotFound.
  virtual absl::Status RecordDeliverySuccess(std::string_view referral_id,
                                             std::string_view partner_reference) = 0;
  // Records a failed attempt with `error` (a status code name). Errors: NotFound.
  virtual absl::Status RecordDeliveryFailure(std::string_view referral_id,
                                             std::string_view error) = 0;
  // Parks the delivery of `referral_id` (outbox message `message_id`) after its last failed
  // attempt with `error`, in one transaction: the message leaves the queue, the referral counts
  // the attempt and shows as undeliverable, and its history gets a kDeliveryParked event.
  // Returns false (and writes nothing) when the message is no longer queued. Errors: NotFound.
  virtual absl::StatusOr<bool> ParkDelivery(std::string_view referral_id, int64_t message_id,
                                            std::string_view error) = 0;
  // Queues a parked delivery again, due now with fresh attempts, and records `actor`'s
  // kDeliveryRetried event, in one transaction. Returns the referral with history. Errors:
  // NotFound; FailedPrecondition when its delivery is not parked.
  virtual absl::StatusOr<Referral> RetryDelivery(std::string_view referral_id,
                                                 std::string_view actor) = 0;
  // Lists the referrals whose delivery is parked, newest first (ListReferrals' paging).
  virtual absl::StatusOr<ReferralPage> ListUndeliverable(int page_size, int64_t before_cursor) = 0;
  // Number of parked deliveries (of referrals and verifications).
  virtual absl::StatusOr<int64_t> UndeliverableCount() = 0;

  // Stores a new verification (NewVerification) and queues its delivery on kVerificationTopic
  // (BuildVerificationDelivery) and the clue's copy on kClueVerificationTopic
  // (BuildClueVerification), in one transaction. Returns it as stored.
  virtual absl::StatusOr<Verification> CreateVerification(const Verification& verification) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<Verification> GetVerification(std::string_view verification_id) = 0;
  // Answers a verification in one transaction: `decide` (DecideAnswer) gets the stored one and
  // returns it answered or why not; the answer and its attachments are written and the clue's
  // copy queued on kClueVerificationTopic. Errors: NotFound, those of `decide`.
  virtual absl::StatusOr<Verification> AnswerVerification(
      std::string_view verification_id,
      const std::function<absl::StatusOr<Verification>(const Verification&)>& decide) = 0;
  // Lists verifications newest first through an index, `page_size` at most, older than
  // `before_cursor` (0: from the newest).
  virtual absl::StatusOr<VerificationPage> ListVerifications(const VerificationFilter& filter,
                                                             int page_size,
                                                             int64_t before_cursor) = 0;
  // Queues a verification's parked delivery again, due now with fresh attempts. Errors:
  // NotFound, FailedPrecondition (not parked).
  virtual absl::StatusOr<Verification> RetryVerificationDelivery(
      std::string_view verification_id) = 0;
  // Records that a polling office read these verifications (delivered, kPolledReference).
  virtual absl::StatusOr<int> RecordVerificationPickup(
      const std::vector<std::string>& verification_ids) = 0;
  // Number of delivery messages still queued.
  virtual absl::StatusOr<int64_t> PendingDeliveries() = 0;
  // When the oldest delivery still waiting in the outbox was queued (Unix ms); nullopt when none.
  virtual absl::StatusOr<std::optional<int64_t>> OldestPendingDeliveryMs() = 0;

  // Counts referrals per department and state (only non-zero pairs).
  virtual absl::StatusOr<std::vector<ReferralCount>> CountReferrals() = 0;
  // Returns up to `limit` referrals the escalation scan must look at on `today` (their
  // next_check is `today` or earlier), earliest first, through an index, with their plan's
  // reviewer and their department's grace.
  virtual absl::StatusOr<std::vector<EscalationSubject>> ListDueChecks(absl::CivilDay today,
                                                                       int limit) = 0;
  // Stores the decisions in one transaction: each referral's escalation and next check, and its
  // events, unless its state or escalation changed since it was read (it is then decided again
  // on the next scan). Returns what each stored event was about.
  virtual absl::StatusOr<std::vector<AppliedEscalation>> ApplyEscalations(
      const std::vector<std::pair<EscalationSubject, EscalationDecision>>& decisions) = 0;
  // Returns up to `limit` verifications still REQUESTED and not escalated whose respond_by is
  // before `today`, earliest first, through an index (open ones have no attachments).
  virtual absl::StatusOr<std::vector<Verification>> ListVerificationsToEscalate(
      absl::CivilDay today, int limit) = 0;
  // Stores escalated verifications (DecideVerificationEscalation) in one transaction, each only
  // if it is still REQUESTED and not escalated, with the clue's copy queued on
  // kClueVerificationTopic. Returns those stored.
  virtual absl::StatusOr<std::vector<Verification>> EscalateVerifications(
      const std::vector<Verification>& escalated) = 0;
};

}  // namespace lifeline::referral
