// MatchStore on SQLite (<data_dir>/match.db), with the outbox to referral-service in the same
// database so an approval and its plan request commit together. Maps rows to structs and back;
// every decision is the engine's (domain/match_engine.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/outbox/outbox.h"
#include "common/storage/sqlite.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// Thread-safe: writes run under the writing connection's lock; reads (GetClue, ListClues,
// GetPerson, ListLinks, ListPossibleMatches, CountClues) each take one of the read pool's
// connections for one snapshot, beside each other and beside a write.
class SqliteMatchStore : public MatchStore {
 public:
  // Reader connections by default: enough for reads on every core to run at once while a batch
  // of records holds the writer.
  static constexpr int kReadConnections = 4;
  // Clue views kept as of the last commit (a file database only), GetClue's and ListClues' apart
  // (a list's views lack the family and related clues): a clue read again before anything is
  // written again is not read from SQLite again (the console reads one several times while a
  // procurator works on it, and the list on every return to it). Any commit makes every kept view
  // stale. At most this many of each.
  static constexpr size_t kCachedClueViews = 4096;
  // Opens (creating and migrating) the database at `path` (":memory:" for tests: reads then use
  // the one connection) with `read_connections` readers beside the writer.
  // Errors: Unavailable, FailedPrecondition (database newer than the code), Internal.
  static absl::StatusOr<std::unique_ptr<SqliteMatchStore>> Open(
      const std::string& path, int read_connections = kReadConnections);

  // The schema steps, for tests that build an older database.
  static std::vector<common::Migration> Migrations();

  // Statements that walk a whole table by purpose (the query-plan test allows exactly these):
  // ranked paging (ListCluesSql) reads clues_rank or clues_age from the top and stops after
  // offset + page; the clue gauge
  // counts every clue (one per eligible person: thousands, not millions); re-scoring visits every
  // clue and every victim and relative record (records_basis); re-resolution from scratch reads
  // every record. Binds ?1 status (0: all but EXCLUDED), ?2 limit, ?3 offset, ?4/?5 the score
  // range, ?6 the category (0: all), then each region prefix's [from, below) range.
  static std::string ListCluesSql(const ClueQuery& query);
  static constexpr char kCountCluesSql[] = "SELECT status, COUNT(*) FROM clues GROUP BY status";
  // Persons with a clue's basis (kinds 10 and 11: criminal_victim, near_relative) or a clue.
  static constexpr char kScorablePersonsSql[] =
      "SELECT person_id FROM records WHERE kind IN (10, 11, 13) AND retracted = 0 "
      "AND person_id IS NOT NULL UNION SELECT person_id FROM clues ORDER BY 1";
  // Possible matches are read from the top of their weight index, skipping pairs whose records
  // are in one person by now, until a page is full.
  static constexpr char kRankedPossibleMatchesSql[] =
      "SELECT a.agency || ':' || a.source_record_id, b.agency || ':' || b.source_record_id, "
      "a.person_id, b.person_id, pm.weight_milli, pm.vector, pm.created_time "
      "FROM possible_matches pm JOIN records a ON a.id = pm.record_a "
      "JOIN records b ON b.id = pm.record_b "
      "WHERE a.retracted = 0 AND b.retracted = 0 AND a.person_id <> b.person_id "
      "ORDER BY pm.weight_milli DESC, pm.record_a, pm.record_b LIMIT ? OFFSET ?";
  // The engine's link index is built from every live record, every reviewer's decision and
  // every possible match; a re-resolution from scratch replaces every possible match.
  static constexpr char kAllMatchReviewsSql[] =
      "SELECT record_a, record_b, same, reviewer, reason, decided_time FROM match_reviews "
      "ORDER BY record_a, record_b";
  static constexpr char kClearPossibleMatchesSql[] = "DELETE FROM possible_matches";
  static constexpr char kAllPossibleMatchPairsSql[] =
      "SELECT record_a, record_b FROM possible_matches";
  static constexpr char kAllLiveRecordsSql[] =
      "SELECT id, agency, source_record_id, person_id, record, link_reason, link_partner, "
      "link_vector FROM records WHERE retracted = 0 ORDER BY id";

  absl::Status InTransaction(const std::function<absl::Status(MatchTransaction&)>& fn) override;
  absl::StatusOr<PersonView> GetPerson(const std::string& person_id) override;
  absl::StatusOr<CluePage> ListClues(const ClueQuery& query) override;
  absl::StatusOr<ClueView> GetClue(const std::string& clue_id) override;
  absl::Status SetPlanId(const std::string& clue_id, const std::string& plan_id) override;
  absl::StatusOr<bool> RecordVerification(const std::string& clue_id,
                                          const ClueVerification& verification) override;
  absl::StatusOr<std::vector<RecordLinkView>> ListLinks(int64_t after_cursor, int limit) override;
  absl::StatusOr<std::map<ClueStatus, int64_t>> CountClues() override;
  absl::StatusOr<PossibleMatchPage> ListPossibleMatches(int offset, int limit) override;

  // The outbox holding plan requests (topic kReferralTopic), for the dispatcher.
  common::Outbox* outbox() { return &outbox_; }
  // The writing connection, for tests that check query plans.
  common::Database* database() { return db_.get(); }
  // Every SQL text compiled by the writer and the readers, for the same tests.
  std::vector<std::string> CompiledSql() const;
  // Clue views (GetClue's and ListClues') answered from the kept ones, for tests.
  int64_t clue_view_hits() const { return clue_view_hits_.load(); }

 private:
  class Transaction;
  SqliteMatchStore(std::unique_ptr<common::Database> db, std::unique_ptr<common::ReadPool> reads);

  static absl::StatusOr<PersonView> LoadPerson(common::Database& db, const std::string& person_id);
  static absl::StatusOr<ClueView> LoadClueView(common::Database& db, const std::string& clue_id);

  // Views each kept with the commit it was read at (Database::StableCommit). Thread-safe.
  class KeptViews {
   public:
    // The view of `clue_id` kept at `commit`, if there is one.
    std::optional<ClueView> Find(const std::string& clue_id, uint64_t commit);
    // Keeps `view` of `clue_id`, read at `commit`; makes room by dropping views of other commits,
    // or all, when kCachedClueViews are kept.
    void Keep(const std::string& clue_id, uint64_t commit, const ClueView& view);

   private:
    std::mutex mu_;
    std::unordered_map<std::string, std::pair<uint64_t, ClueView>> views_;  // guarded by mu_
  };

  std::unique_ptr<common::Database> db_;
  std::unique_ptr<common::ReadPool> reads_;
  common::Outbox outbox_;
  KeptViews kept_clues_;  // GetClue's
  KeptViews kept_rows_;   // ListClues'
  std::atomic<int64_t> clue_view_hits_{0};
};

}  // namespace lifeline::match
