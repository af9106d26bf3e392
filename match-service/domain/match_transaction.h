// What the match engine reads and writes inside one store transaction, row by row. store/
// implements it on SQLite; the engine makes every decision. Implementations are used by one
// thread at a time, inside MatchTransactionRunner::InTransaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/clue_reconciler.h"
#include "match-service/domain/clue_scorer.h"
#include "match-service/domain/linkage/resolver.h"
#include "match-service/domain/person_linker.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// The stored version of a record, as far as linking and re-scoring need it.
struct StoredRecordState {
  int64_t record_id = 0;
  int64_t version = 0;
  bool retracted = false;
  // "" for a retracted record.
  std::string person_id;
  std::string case_number;
};

// The stored model. Its live and named record counts are the engine's (LinkIndex).
struct LinkState {
  LinkModel model;
};

class MatchTransaction {
 public:
  virtual ~MatchTransaction() = default;

  // Returns the stored version of (agency, source_record_id), or nullopt when there is none.
  virtual absl::StatusOr<std::optional<StoredRecordState>> FindRecord(
      const std::string& agency, const std::string& source_record_id) = 0;
  // Creates a person. Errors: AlreadyExists.
  virtual absl::Status InsertPerson(const std::string& person_id, absl::Time now) = 0;
  // A row id for a record not stored yet, unused by any row and by any id this transaction
  // gave before.
  virtual absl::StatusOr<int64_t> NewRecordId() = 0;
  // Stores `record` as the current version of its (agency, source_record_id) in row
  // `link.record_id` (the row it has, or NewRecordId's for a new one), with its person and the
  // link that explains it (a retraction keeps only the record's identity, person "").
  virtual absl::Status PutRecord(const NormalizedRecord& record, const RecordLink& link,
                                 absl::Time now) = 0;

  // --- Identity resolution (the engine keeps its index of these in memory: LinkIndex) ---
  // Calls `each` with every live record, in row id order, for building the index and for a
  // re-resolution from scratch. Stops at `each`'s first error.
  virtual absl::Status ForEachIndexedRecord(
      const std::function<absl::Status(IndexedRecord)>& each) = 0;
  // Sets a record's person and the link that explains it.
  virtual absl::Status SetRecordLink(const RecordLink& link) = 0;
  // The model.
  virtual absl::StatusOr<LinkState> LoadLinkState() = 0;
  // Stores an estimated model.
  virtual absl::Status SaveLinkModel(const LinkModel& model, absl::Time now) = 0;
  // Every reviewer's decision.
  virtual absl::StatusOr<std::vector<MatchReview>> AllMatchReviews() = 0;
  // Stores a decision (replacing an earlier one on the same two records).
  virtual absl::Status PutMatchReview(const MatchReview& review) = 0;
  // Every possible match on file, as (record_a, record_b).
  virtual absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> AllPossibleMatchPairs() = 0;
  // Removes possible matches by (record_a, record_b); every one when `pairs` is nullptr.
  virtual absl::Status DeletePossibleMatches(
      const std::vector<std::pair<int64_t, int64_t>>* pairs) = 0;
  // Adds (or replaces) possible matches.
  virtual absl::Status AddPossibleMatches(const std::vector<PossibleMatchRow>& rows,
                                          absl::Time now) = 0;

  // The cases of the person's live records that can found a clue (CanFoundClue: victim,
  // near-relative and civil-judgment records).
  virtual absl::StatusOr<std::vector<std::string>> BasisCasesOf(const std::string& person_id) = 0;
  // Persons with a record in the case.
  virtual absl::StatusOr<std::vector<std::string>> PersonsInCase(
      const std::string& case_number) = 0;
  // The persons a re-scoring visits, in id order: those with a live victim or near-relative
  // record (a clue's basis) and those with a clue.
  virtual absl::StatusOr<std::vector<std::string>> ScorablePersons() = 0;
  // A stored setting ("" when unset), and storing one.
  virtual absl::StatusOr<std::string> Setting(const std::string& key) = 0;
  virtual absl::Status PutSetting(const std::string& key, const std::string& value) = 0;
  // The person's live (not retracted) records, most recent first.
  virtual absl::StatusOr<std::vector<NormalizedRecord>> LiveRecordsOf(
      const std::string& person_id) = 0;
  // The live records of a case, with the persons they are linked to.
  virtual absl::StatusOr<std::vector<LinkedRecord>> LiveRecordsInCase(
      const std::string& case_number) = 0;
  // One live record, or nullopt when it is unknown or retracted.
  virtual absl::StatusOr<std::optional<LinkedRecord>> LiveRecord(
      const std::string& agency, const std::string& source_record_id) = 0;

  // The person's clues.
  virtual absl::StatusOr<std::vector<StoredClue>> CluesOf(const std::string& person_id) = 0;
  // Stores a new pending clue.
  virtual absl::Status InsertClue(const std::string& clue_id, const ClueCandidate& candidate,
                                  absl::Time now) = 0;
  // Replaces a clue's content (score, amounts, signals, evidence) and clears `unsupported`.
  virtual absl::Status UpdateClue(const std::string& clue_id, const ClueCandidate& candidate,
                                  absl::Time now) = 0;
  // Withdraws a clue the data no longer support: status WITHDRAWN, fingerprint cleared (so the
  // same candidate later restores it).
  virtual absl::Status WithdrawClue(const std::string& clue_id, absl::Time now) = 0;
  // Appends a step to the clue's history.
  virtual absl::Status AddClueEvent(const std::string& clue_id, const ClueEvent& event) = 0;
  // Flags a clue as no longer supported by the data (score 0, fingerprint cleared).
  virtual absl::Status MarkClueUnsupported(const std::string& clue_id, absl::Time now) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<Clue> LoadClue(const std::string& clue_id) = 0;
  // Appends `review` to the clue's reviews and moves the clue to `next`.
  virtual absl::Status AddReview(const std::string& clue_id, const Review& review, ClueStatus next,
                                 absl::Time now) = 0;
  // Queues a serialized lifeline.referral.v1.CreatePlanRequest for referral-service.
  virtual absl::Status EnqueuePlanRequest(const std::string& payload) = 0;
};

// Runs a unit of work in one transaction: all of it is stored, or none.
class MatchTransactionRunner {
 public:
  virtual ~MatchTransactionRunner() = default;
  // Runs `fn`; commits when it returns OK, rolls back otherwise. Errors: fn's, the database's.
  virtual absl::Status InTransaction(const std::function<absl::Status(MatchTransaction&)>& fn) = 0;
};

}  // namespace lifeline::match
