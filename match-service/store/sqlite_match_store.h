// MatchStore on SQLite (<data_dir>/match.db), with the outbox to referral-service in the same
// database so an approval and its plan request commit together.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"

#include "common/outbox/outbox.h"
#include "common/storage/sqlite.h"
#include "match-service/domain/clue_scorer.h"
#include "match-service/domain/plan_request.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// Serializes a plan request into the outbox payload (clients/ supplies the wire format).
using PlanRequestEncoder = std::function<absl::StatusOr<std::string>(const PlanRequest&)>;

// Thread-safe: every operation runs under the Database's lock.
class SqliteMatchStore : public MatchStore {
 public:
  // Opens (creating and migrating) the database at `path` (":memory:" for tests).
  // Errors: Unavailable, FailedPrecondition (database newer than the code), Internal.
  static absl::StatusOr<std::unique_ptr<SqliteMatchStore>> Open(const std::string& path,
                                                                ClueScorer scorer,
                                                                PlanRequestEncoder encoder);

  absl::StatusOr<ApplyResult> UpsertRecords(const std::vector<RecordFacts>& records,
                                            absl::Time now) override;
  absl::StatusOr<ApplyResult> Rescore(absl::Time now) override;
  absl::StatusOr<PersonView> GetPerson(const std::string& person_id) override;
  absl::StatusOr<std::vector<PersonView>> SearchPersons(const std::string& id_token,
                                                        const std::string& name,
                                                        int limit) override;
  absl::StatusOr<CluePage> ListClues(const ClueQuery& query) override;
  absl::StatusOr<ClueView> GetClue(const std::string& clue_id) override;
  absl::StatusOr<ClueView> ReviewClue(const std::string& clue_id, const Review& review,
                                      absl::Time now) override;
  absl::Status SetPlanId(const std::string& clue_id, const std::string& plan_id) override;
  absl::StatusOr<std::vector<RecordLinkView>> ListLinks(int64_t after_cursor, int limit) override;
  absl::StatusOr<std::map<ClueStatus, int64_t>> CountClues() override;

  // The outbox holding plan requests (topic kReferralTopic), for the dispatcher.
  common::Outbox* outbox() { return &outbox_; }

 private:
  SqliteMatchStore(std::unique_ptr<common::Database> db, ClueScorer scorer,
                   PlanRequestEncoder encoder);

  // Applies one record; adds the persons and cases it touched. Sets *applied.
  absl::Status ApplyRecord(const RecordFacts& record, const std::string& now_text, bool* applied,
                           std::set<std::string>* persons, std::set<std::string>* cases);
  absl::StatusOr<std::string> LinkPerson(const RecordFacts& record,
                                         const std::string& existing_person_id,
                                         const std::string& now_text, std::string* link_reason);
  // Re-scores one person and reconciles their clues.
  absl::Status ScorePerson(const std::string& person_id, absl::Time now, ApplyResult* result);
  // Re-scores each of `person_ids` in order; stops at the first error and returns it.
  absl::Status ScorePersons(const std::set<std::string>& person_ids, absl::Time now,
                            ApplyResult* result);
  absl::StatusOr<std::vector<RecordFacts>> LiveRecordsOf(const std::string& person_id);
  absl::StatusOr<PersonView> LoadPerson(const std::string& person_id);
  absl::StatusOr<ClueView> LoadClue(const std::string& clue_id);
  absl::Status WriteClueContent(const std::string& clue_id, const ClueCandidate& candidate,
                                const std::string& now_text);
  std::string NewId(const char* prefix);

  std::unique_ptr<common::Database> db_;
  common::Outbox outbox_;
  ClueScorer scorer_;
  PlanRequestEncoder encoder_;
  absl::BitGen gen_;  // guarded by the Database lock
};

}  // namespace lifeline::match
