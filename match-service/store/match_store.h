// Storage of match-service: records and their links to persons, relations, clues with evidence
// and reviews, and the outbox to referral-service.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/record_facts.h"

namespace lifeline::match {

// Outbox topic of plan requests for referral-service.
inline constexpr char kReferralTopic[] = "referral";

// Link reasons.
inline constexpr char kLinkIdToken[] = "id_token";
inline constexpr char kLinkSingleton[] = "singleton";

// What one UpsertRecords or Rescore call changed.
struct ApplyResult {
  int applied = 0;
  int unchanged = 0;
  int persons_scored = 0;
  int clues_created = 0;
  int clues_updated = 0;
  int clues_withdrawn = 0;
};

// One live record linked to a person.
struct RecordLinkView {
  std::string agency;
  std::string source_record_id;
  int64_t version = 0;
  RecordKind kind = RecordKind::kUnspecified;
  std::string link_reason;
  std::string person_id;
  // Position for paging through links.
  int64_t cursor = 0;
};

// A resolved person and the records linked to them.
struct PersonView {
  std::string person_id;
  // Best-known identity among the linked records (most recent non-empty value of each field).
  PersonKey person;
  std::vector<RecordLinkView> records;
};

// A clue with the person's display fields.
struct ClueView {
  Clue clue;
  std::string person_name;
  std::string person_id_masked;
};

struct ClueQuery {
  // Only clues in this state; nullopt lists all.
  std::optional<ClueStatus> status;
  int offset = 0;
  int limit = 50;
};

struct CluePage {
  std::vector<ClueView> clues;
  // Offset of the next page, or -1 when this is the last one.
  int next_offset = -1;
};

// Thread-safe.
class MatchStore {
 public:
  virtual ~MatchStore() = default;

  // Applies a batch of records in one transaction: idempotent per (agency, source_record_id,
  // version) (the same or an older version changes nothing), a retracted record's facts are
  // forgotten, and every touched person plus every person of a touched case is re-scored.
  // Errors: InvalidArgument (a record without agency or source_record_id), Internal.
  virtual absl::StatusOr<ApplyResult> UpsertRecords(const std::vector<RecordFacts>& records,
                                                    absl::Time now) = 0;

  // Re-scores every person against the current rules.
  virtual absl::StatusOr<ApplyResult> Rescore(absl::Time now) = 0;

  // Errors: NotFound.
  virtual absl::StatusOr<PersonView> GetPerson(const std::string& person_id) = 0;

  // Finds persons by exact ID token or exact normalized name (either may be empty, not both).
  // Errors: InvalidArgument when both are empty.
  virtual absl::StatusOr<std::vector<PersonView>> SearchPersons(const std::string& id_token,
                                                                const std::string& name,
                                                                int limit) = 0;

  // Lists clues by score, best first. Errors: InvalidArgument (negative offset, limit < 1).
  virtual absl::StatusOr<CluePage> ListClues(const ClueQuery& query) = 0;

  // Errors: NotFound.
  virtual absl::StatusOr<ClueView> GetClue(const std::string& clue_id) = 0;

  // Records a review (domain/review_policy.h); an approval queues the plan request on the
  // referral topic of the outbox in the same transaction.
  // Errors: NotFound, InvalidArgument, FailedPrecondition.
  virtual absl::StatusOr<ClueView> ReviewClue(const std::string& clue_id, const Review& review,
                                              absl::Time now) = 0;

  // Stores the plan referral-service opened for an approved clue. Errors: NotFound.
  virtual absl::Status SetPlanId(const std::string& clue_id, const std::string& plan_id) = 0;

  // Returns up to `limit` live record links with cursor > `after_cursor`, in cursor order.
  virtual absl::StatusOr<std::vector<RecordLinkView>> ListLinks(int64_t after_cursor,
                                                                int limit) = 0;

  // Number of clues per status.
  virtual absl::StatusOr<std::map<ClueStatus, int64_t>> CountClues() = 0;
};

}  // namespace lifeline::match
