// ReferralStore on SQLite: <data_dir>/referral.db (or ":memory:"), with the delivery outbox in
// the same database.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/outbox/outbox.h"
#include "common/storage/sqlite.h"
#include "common/time/dates.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// Thread-safe: every call runs under the database's connection lock.
class SqliteReferralStore : public ReferralStore {
 public:
  // Opens the database at `path` and applies the migrations. `clock` stamps events and must
  // outlive the store. Errors: Unavailable, FailedPrecondition, Internal (from the database).
  static absl::StatusOr<std::unique_ptr<SqliteReferralStore>> Open(const std::string& path,
                                                                   const common::Clock* clock);

  // The schema's steps, oldest first (tests apply a prefix to check an upgrade).
  static std::vector<common::Migration> Migrations();

  absl::StatusOr<Partner> UpsertPartner(const Partner& partner, std::string_view actor) override;
  absl::StatusOr<int> InsertPartnersIfAbsent(const std::vector<Partner>& partners) override;
  absl::StatusOr<Partner> GetPartner(std::string_view department) override;
  absl::StatusOr<std::vector<Partner>> ListPartners() override;
  absl::Status DeletePartner(std::string_view department, std::string_view actor) override;
  absl::StatusOr<PartnerChangePage> ListPartnerChanges(std::string_view department, int page_size,
                                                       int64_t before_cursor) override;

  absl::StatusOr<CreatePlanResult> CreatePlan(
      const Plan& plan,
      const std::vector<lifeline::partner::v1::DeliverReferralRequest>& deliveries) override;
  absl::StatusOr<Referral> AddReferral(
      std::string_view plan_id,
      const std::function<absl::StatusOr<Referral>(const Plan& plan)>& decide) override;
  absl::StatusOr<Plan> GetPlan(std::string_view plan_id) override;
  absl::StatusOr<Referral> GetReferral(std::string_view referral_id) override;
  absl::StatusOr<ReferralPage> ListReferrals(const ReferralFilter& filter, int page_size,
                                             int64_t before_cursor) override;
  absl::StatusOr<Referral> TransitionReferral(
      std::string_view referral_id, ReferralState to, std::string_view note, std::string_view actor,
      std::string_view actor_department = "",
      ReferralOutcome outcome = ReferralOutcome::kUnspecified) override;
  absl::StatusOr<ChangePage> ListChanges(int64_t after_sequence, int page_size,
                                         std::string_view department = "") override;
  absl::StatusOr<int> RecordPickup(const std::vector<std::string>& referral_ids) override;

  absl::Status RecordDeliverySuccess(std::string_view referral_id,
                                     std::string_view partner_reference) override;
  absl::Status RecordDeliveryFailure(std::string_view referral_id, std::string_view error) override;
  absl::StatusOr<bool> ParkDelivery(std::string_view referral_id, int64_t message_id,
                                    std::string_view error) override;
  absl::StatusOr<Referral> RetryDelivery(std::string_view referral_id,
                                         std::string_view actor) override;
  absl::StatusOr<ReferralPage> ListUndeliverable(int page_size, int64_t before_cursor) override;
  absl::StatusOr<int64_t> UndeliverableCount() override;
  absl::StatusOr<Verification> CreateVerification(const Verification& verification) override;
  absl::StatusOr<Verification> GetVerification(std::string_view verification_id) override;
  absl::StatusOr<Verification> AnswerVerification(
      std::string_view verification_id,
      const std::function<absl::StatusOr<Verification>(const Verification&)>& decide) override;
  absl::StatusOr<VerificationPage> ListVerifications(const VerificationFilter& filter,
                                                     int page_size, int64_t before_cursor) override;
  absl::StatusOr<int> RecordVerificationPickup(
      const std::vector<std::string>& verification_ids) override;
  absl::StatusOr<int64_t> PendingDeliveries() override;
  absl::StatusOr<std::optional<int64_t>> OldestPendingDeliveryMs() override;

  absl::StatusOr<std::vector<ReferralCount>> CountReferrals() override;
  absl::StatusOr<std::vector<EscalationSubject>> ListDueChecks(absl::CivilDay today,
                                                               int limit) override;
  absl::StatusOr<std::vector<AppliedEscalation>> ApplyEscalations(
      const std::vector<std::pair<EscalationSubject, EscalationDecision>>& decisions) override;
  absl::StatusOr<Verification> RetryVerificationDelivery(std::string_view verification_id) override;
  absl::StatusOr<std::vector<Verification>> ListVerificationsToEscalate(absl::CivilDay today,
                                                                        int limit) override;
  absl::StatusOr<std::vector<Verification>> EscalateVerifications(
      const std::vector<Verification>& escalated) override;

  // Transactions TransitionReferral committed and the moves they carried (group commit), for
  // benchmarks.
  int64_t transition_commits() const { return transition_commits_.load(); }
  int64_t transition_moves() const { return transition_moves_.load(); }

  // The outbox holding delivery messages, for the dispatcher.
  common::Outbox* outbox() { return &outbox_; }

  // The one statement that reads every referral: the gauges' count per department and state.
  static const char kCountReferralsSql[];

  // The connection, for tests that check the query plans of every statement the store ran.
  common::Database* database_for_testing() { return db_.get(); }

 private:
  SqliteReferralStore(std::unique_ptr<common::Database> db, const common::Clock* clock)
      : db_(std::move(db)), outbox_(db_.get(), clock), clock_(clock) {}

  // These run inside a Run/InTransaction callback.
  absl::StatusOr<Plan> LoadPlan(std::string_view plan_id);
  absl::StatusOr<Referral> LoadReferral(std::string_view referral_id);
  absl::Status LoadHistory(Referral* referral);
  absl::Status InsertEvent(const ReferralEvent& event);

  // A TransitionReferral call waiting for the group commit.
  struct PendingTransition {
    std::string referral_id;
    ReferralState to;
    std::string note;
    std::string actor;
    std::string actor_department;
    ReferralOutcome outcome;
    absl::StatusOr<Referral> result;
    bool done = false;
  };
  // Decides and writes one move (inside the batch's transaction).
  absl::StatusOr<Referral> ApplyTransition(const PendingTransition& move);
  // Stores `batch` in one transaction, each move in a savepoint; sets each one's result.
  void CommitTransitions(const std::vector<PendingTransition*>& batch);
  absl::StatusOr<std::optional<Partner>> LoadPartner(std::string_view department);
  absl::StatusOr<Verification> LoadVerification(std::string_view verification_id);
  absl::Status LoadAttachments(Verification* verification);
  // Queues match-service's copy of `verification` (inside the caller's transaction).
  absl::Status EnqueueClueCopy(const Verification& verification);
  // Puts the delivery message `parked_sql` finds for `id` (its parked_message_id) back in the
  // queue. Errors: FailedPrecondition naming `field` when nothing is parked.
  absl::Status UnparkDelivery(const char* parked_sql, std::string_view field, std::string_view id);
  // Runs `update` (?1 now, ?2 kPolledReference, ?3 an id) for each of `ids` in one transaction;
  // returns how many rows it changed.
  absl::StatusOr<int> MarkPolled(std::string_view update, const std::vector<std::string>& ids);
  // Records a change of `partner` (as it is after the change, with its new version).
  absl::Status InsertPartnerChange(const Partner& partner, std::string_view action,
                                   std::string_view actor, std::string_view changes);
  // Inserts a new referral of `plan_id` and its history.
  absl::Status InsertReferral(std::string_view plan_id, const Referral& referral);

  std::unique_ptr<common::Database> db_;
  // Group commit of TransitionReferral (see there).
  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::vector<PendingTransition*> group_queue_;
  bool group_leader_ = false;
  size_t last_batch_size_ = 0;
  static constexpr std::chrono::microseconds kGroupCommitDelay{200};
  std::atomic<int64_t> transition_commits_{0};
  std::atomic<int64_t> transition_moves_{0};
  common::Outbox outbox_;
  const common::Clock* clock_;
};

}  // namespace lifeline::referral
