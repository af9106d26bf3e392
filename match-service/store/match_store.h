// Storage of match-service: records and their links to persons, clues with evidence and reviews,
// and the outbox to referral-service. Writes go through MatchTransaction (the engine decides);
// the reads here serve the RPCs.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/match_transaction.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// Outbox topic of plan requests for referral-service.
inline constexpr char kReferralTopic[] = "referral";

// One live record linked to a person.
struct RecordLinkView {
  std::string agency;
  std::string source_record_id;
  int64_t version = 0;
  Record::PayloadCase kind = Record::PAYLOAD_NOT_SET;
  std::string link_reason;
  std::string person_id;
  // Position for paging through links.
  int64_t cursor = 0;
  // The record it was joined to ("AGENCY:SOURCE_RECORD_ID", "" for none), the pair's comparison
  // levels (linkage::PackVector) and weight.
  std::string linked_to;
  uint32_t link_vector = 0;
  double link_weight = 0;
};

// A pair of records the model could not decide, with their persons now.
struct PossibleMatchView {
  std::string record_a;  // "AGENCY:SOURCE_RECORD_ID"
  std::string record_b;
  std::string person_a;
  std::string person_b;
  double weight = 0;
  uint32_t vector = 0;
  std::string created_time;
};

struct PossibleMatchPage {
  std::vector<PossibleMatchView> matches;
  // Offset of the next page, or -1 when this is the last one.
  int next_offset = -1;
};

// A resolved person and the records linked to them.
struct PersonView {
  std::string person_id;
  // Best-known identity among the linked records (MergePerson, most recent record first).
  NormalizedPerson person;
  std::vector<RecordLinkView> records;
};

// Another clue of the same case, as a clue shows it.
struct RelatedClueView {
  std::string clue_id;
  std::string person_id;
  std::string person_name;
  std::string person_id_masked;
  Category category = Category::kUnspecified;
  ClueStatus status = ClueStatus::kUnspecified;
  double score = 0;
  std::vector<std::string> hardship_signals;
  std::string region_code;  // the clue's region: a reader sees only their regions' clues
};

// A member of a clue's family with their display identity and their clues.
struct FamilyMemberView {
  FamilyMember member;
  std::string person_name;
  std::string person_id_masked;
  std::vector<RelatedClueView> clues;
};

// A clue with the person's display fields.
struct ClueView {
  Clue clue;
  std::string person_name;
  std::string person_id_masked;
  // The case's other clues (GetClue only): the near relatives of one killed victim.
  std::vector<RelatedClueView> related;
  // The family (GetClue only): the case's victims and near relatives and the household.
  std::vector<FamilyMemberView> family;
};

// The order of a clue list: best score first, or oldest first (waiting longest).
enum class ClueOrder { kScore, kAge };

struct ClueQuery {
  // Only clues in this state; nullopt lists all but the EXCLUDED and WITHDRAWN.
  std::optional<ClueStatus> status;
  int offset = 0;
  int limit = 50;
  // Only clues scoring in [min_score_micros, below_score_micros) (a tier's scores).
  int64_t min_score_micros = std::numeric_limits<int64_t>::min();
  int64_t below_score_micros = std::numeric_limits<int64_t>::max();
  // Only clues of this category.
  std::optional<Category> category;
  // Only clues whose region starts with one of these division-code prefixes; empty, every
  // region.
  std::vector<std::string> regions;
  ClueOrder order = ClueOrder::kScore;
};

struct CluePage {
  std::vector<ClueView> clues;
  // Offset of the next page, or -1 when this is the last one.
  int next_offset = -1;
};

// Thread-safe.
class MatchStore : public MatchTransactionRunner {
 public:
  // Errors: NotFound.
  virtual absl::StatusOr<PersonView> GetPerson(const std::string& person_id) = 0;

  // Lists the clues the query selects, in its order. Errors: InvalidArgument (negative offset,
  // limit < 1).
  virtual absl::StatusOr<CluePage> ListClues(const ClueQuery& query) = 0;

  // The clue with the other clues of its case. Errors: NotFound.
  virtual absl::StatusOr<ClueView> GetClue(const std::string& clue_id) = 0;

  // Stores the plan referral-service opened for an approved clue. Errors: NotFound.
  virtual absl::Status SetPlanId(const std::string& clue_id, const std::string& plan_id) = 0;

  // Records a verification request or its answer on the clue, in one transaction with the
  // history event DecideVerificationRecord gives; returns whether anything was written (false:
  // it was there already). Errors: NotFound (clue).
  virtual absl::StatusOr<bool> RecordVerification(const std::string& clue_id,
                                                  const ClueVerification& verification) = 0;

  // Returns up to `limit` live record links with cursor > `after_cursor`, in cursor order.
  virtual absl::StatusOr<std::vector<RecordLinkView>> ListLinks(int64_t after_cursor,
                                                                int limit) = 0;

  // Lists possible matches between two live records of different persons, strongest first.
  // Errors: InvalidArgument (negative offset, limit < 1).
  virtual absl::StatusOr<PossibleMatchPage> ListPossibleMatches(int offset, int limit) = 0;

  // Number of clues per status.
  virtual absl::StatusOr<std::map<ClueStatus, int64_t>> CountClues() = 0;
};

}  // namespace lifeline::match
