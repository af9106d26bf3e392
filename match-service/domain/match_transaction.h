// What the match engine reads and writes inside one store transaction, row by row. store/
// implements it on SQLite; the engine makes every decision. Implementations are used by one
// thread at a time, inside MatchTransactionRunner::InTransaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/clue_reconciler.h"
#include "match-service/domain/clue_scorer.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// The stored version of a record, as far as linking and re-scoring need it.
struct StoredRecordState {
  int64_t version = 0;
  // "" for a retracted record.
  std::string person_id;
  bool person_is_singleton = false;
  std::string case_number;
};

class MatchTransaction {
 public:
  virtual ~MatchTransaction() = default;

  // Returns the stored version of (agency, source_record_id), or nullopt when there is none.
  virtual absl::StatusOr<std::optional<StoredRecordState>> FindRecord(
      const std::string& agency, const std::string& source_record_id) = 0;
  // Returns the person holding `id_token`, or "" when none does.
  virtual absl::StatusOr<std::string> PersonWithToken(const std::string& id_token) = 0;
  // Creates a person; `id_token` "" for a person without one. Errors: AlreadyExists.
  virtual absl::Status InsertPerson(const std::string& person_id, const std::string& id_token,
                                    absl::Time now) = 0;
  // Stores `record` as the current version of its (agency, source_record_id), linked to
  // `person_id` ("" for a retraction, which keeps only the record's identity).
  virtual absl::Status PutRecord(const NormalizedRecord& record, const std::string& person_id,
                                 const std::string& link_reason, absl::Time now) = 0;

  // Persons with a record in the case.
  virtual absl::StatusOr<std::vector<std::string>> PersonsInCase(
      const std::string& case_number) = 0;
  // Every person, in id order.
  virtual absl::StatusOr<std::vector<std::string>> AllPersons() = 0;
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
  virtual absl::Status DeleteClue(const std::string& clue_id) = 0;
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
