// The match engine: applies a batch of records (link each one, re-score every touched person),
// re-scores everyone, and records reviews, each inside one store transaction. Every decision is
// a domain function (PersonLinker, ClueScorer, ReconcileClues, ApplyReview, ComposePlanRequest);
// the engine only orders them. Thread-safe when the runner is (the store serializes
// transactions).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

#include "match-service/domain/clue_scorer.h"
#include "match-service/domain/link_index.h"
#include "match-service/domain/match_transaction.h"
#include "match-service/domain/person_linker.h"
#include "match-service/domain/review_policy.h"
#include "match-service/domain/rules_preview.h"

namespace lifeline::match {

// What re-scored a clue, as its history's actor.
inline const std::string kCauseRecords = "records";
inline const std::string kCauseRescore = "rescore";
inline const std::string kCauseRules = "rules";
inline const std::string kCauseRelink = "relink";
inline const std::string kCauseMatchReview = "match_review";

// What one UpsertRecords or Rescore call changed.
struct ApplyResult {
  int applied = 0;
  int unchanged = 0;
  int persons_scored = 0;
  int clues_created = 0;
  int clues_updated = 0;
  int clues_withdrawn = 0;
};

// Returns InvalidArgument when `record` cannot be applied: no agency or source_record_id, or no
// payload on a record that is not a retraction.
absl::Status CheckRecord(const NormalizedRecord& record);

// What a re-resolution from scratch did.
struct RelinkResult {
  int64_t records = 0;
  int64_t persons = 0;
  int64_t records_moved = 0;  // records whose person changed
  int64_t possible_matches = 0;
  LinkModel model;
  linkage::ResolveStats stats;
  ApplyResult scoring;  // re-scoring of the persons that changed
};

// One record by its identity.
struct RecordKey {
  std::string agency;
  std::string source_record_id;
};

// How the engine weighs two records now.
struct PairExplanationResult {
  std::string person_a;
  std::string person_b;
  std::vector<linkage::FieldWeight> fields;
  linkage::PairWeight weight;
  double probability = 0;
  double link_weight = 0;
  double possible_weight = 0;
  // "confirmed", "separated" or "".
  std::string review;
};

// The model in use and the weights its decisions need now.
struct LinkModelView {
  LinkModel model;
  double link_weight = 0;
  double possible_weight = 0;
};

class MatchEngine {
 public:
  // Makes a new id with `prefix` ("per_", "clu_"); must be thread-safe.
  using IdGenerator = std::function<std::string(std::string_view prefix)>;
  // Prefix + 16 hex digits: the microsecond clock with 8 random bits below it, strictly
  // increasing within a process. New persons' and clues' rows and index entries then go to the
  // end of their B-trees, not to a random page each (at a million records, random ids made
  // every batch rewrite hundreds of pages).
  static IdGenerator TimeOrderedIds();

  // `runner` is not owned and must outlive the engine.
  MatchEngine(MatchTransactionRunner* runner, ClueScorer scorer, IdGenerator ids = TimeOrderedIds(),
              PersonLinker linker = PersonLinker());

  // Applies a batch in one transaction: idempotent per (agency, source_record_id, version) (the
  // same or an older version changes nothing), a retraction forgets the record's facts, and every
  // touched person plus every person of a touched case is re-scored.
  // Errors: InvalidArgument (CheckRecord), the store's.
  absl::StatusOr<ApplyResult> UpsertRecords(const std::vector<NormalizedRecord>& records,
                                            absl::Time now);
  // The same for records held elsewhere (a request's): a batch of 2,000 is not copied.
  absl::StatusOr<ApplyResult> UpsertRecords(absl::Span<const NormalizedRecord* const> records,
                                            absl::Time now);

  // Resolves every live record from scratch in one transaction: estimates the model anew (and
  // keeps it for incremental linking; with too few records to estimate on, keeps the current),
  // moves records whose person changed, replaces the possible matches and re-scores every person
  // that gained or lost a record. Reviewers' decisions still win.
  absl::StatusOr<RelinkResult> RelinkAll(absl::Time now);

  // Records a reviewer's decision on two records (kept; it wins over the model from now on),
  // resolves their persons again and re-scores those that changed. Returns the two records'
  // persons after it. Errors: InvalidArgument (the same record twice), NotFound (unknown or
  // retracted record), the store's.
  absl::StatusOr<std::pair<std::string, std::string>> ResolvePossibleMatch(
      const RecordKey& a, const RecordKey& b, bool same, const std::string& reviewer,
      const std::string& reason, absl::Time now);

  // Explains how the engine weighs two live records. Errors: NotFound.
  absl::StatusOr<PairExplanationResult> ExplainPair(const RecordKey& a, const RecordKey& b);

  // The model in use.
  absl::StatusOr<LinkModelView> CurrentLinkModel();

  // The eligibility rules clues are scored by.
  const EligibilityRules& rules() const { return scorer_.rules(); }

  // The persons (ids, ascending, at most max(limit, 1)) that hold a live record whose valid ID
  // number's keyed token is `id_token` and whose normalized name is `name` (either may be empty,
  // not both), found in the link index: the store keeps no index of tokens or names, which every
  // new record would pay for. Errors: InvalidArgument (neither given), the store's.
  absl::StatusOr<std::vector<std::string>> FindPersons(const std::string& id_token,
                                                       const std::string& name, int limit);

  // Builds the in-memory link index from the store now (otherwise the first call that needs
  // it does). Returns the number of live records indexed.
  absl::StatusOr<int64_t> LoadIndex();

  // Re-scores every person who has or may have a clue against the current rules, in one
  // transaction: clues are updated in place, new ones created, unsupported ones withdrawn.
  // `cause` is the history's actor of each change.
  absl::StatusOr<ApplyResult> Rescore(absl::Time now, const std::string& cause = kCauseRescore);

  // Re-scores (Rescore) when `fingerprint`, which names the rules and the scoring code, differs
  // from the one stored by the last such call, then stores it. Returns nullopt when the rules
  // are unchanged. Run at start-up, so a rule change applies to every clue.
  absl::StatusOr<std::optional<ApplyResult>> RescoreIfRulesChanged(const std::string& fingerprint,
                                                                   absl::Time now);
  static constexpr char kRulesFingerprintKey[] = "rules_fingerprint";

  // What re-scoring under `candidate` rules would change (clues added, dropped, moved between
  // tiers, amounts), by category and city with examples; writes nothing.
  absl::StatusOr<RulesPreview> PreviewRules(const EligibilityRules& candidate, absl::Time now);

  // Records a review (ApplyReview decides the next status, against the clue's suggested range
  // and the rules' approval threshold) and, on approval, queues the plan request for
  // referral-service in the same transaction. Returns the clue's new status.
  // Errors: NotFound, InvalidArgument, FailedPrecondition, PermissionDenied (a clue outside the
  // authority's regions, or a sign-off it cannot give), the store's.
  absl::StatusOr<ClueStatus> ReviewClue(const std::string& clue_id, const Review& review,
                                        const ReviewAuthority& authority, absl::Time now);

 private:
  // Runs `fn` in one transaction with the link index (built first when there is none). An
  // index changed by a transaction that does not commit is dropped and built again.
  absl::Status WithIndex(const std::function<absl::Status(MatchTransaction&, LinkIndex&)>& fn);
  // The stored model with the index's counts.
  static absl::StatusOr<LinkModel> ModelOf(MatchTransaction& tx, const LinkIndex& index);
  // The homes records name (PersonFeatures::household and ::dwelling hashes).
  struct Homes {
    std::set<uint64_t> households;
    std::set<uint64_t> dwellings;
  };
  // Stores one record (`features` are its person's) and re-resolves its neighbourhood; adds the
  // persons, cases and homes (the record's old and new) it touched. Sets *applied.
  absl::Status ApplyRecord(MatchTransaction& tx, LinkIndex& index, const NormalizedRecord& record,
                           const linkage::PersonFeatures& features, absl::Time now, LinkModel model,
                           bool* applied, std::set<std::string>* persons,
                           std::set<std::string>* cases, Homes* homes);
  // The persons of the records of `homes` that may hold a clue: those with a case record (the
  // procuratorate's or the court's), whose hardship their household's is.
  static std::set<std::string> HomeClaimants(const LinkIndex& index, const Homes& homes);
  // Re-resolves the live records among `record_ids` (a neighbourhood) with the deployment's
  // model. `unstored` is a record in the index whose row the caller writes afterwards (0: none).
  absl::Status Relink(MatchTransaction& tx, LinkIndex& index, std::vector<int64_t> record_ids,
                      const LinkModel& model, absl::Time now, std::set<std::string>* persons,
                      int64_t unstored = 0);
  // The index-wide counts of the names of `records`.
  static linkage::NameFrequencies IndexFrequencies(
      const LinkIndex& index, const std::vector<const linkage::PersonFeatures*>& records);
  // Stores an outcome's persons and links; adds the persons that gained or lost a record.
  absl::Status ApplyLinks(MatchTransaction& tx, LinkIndex& index,
                          const std::vector<IndexedRecord>& records, const LinkOutcome& outcome,
                          absl::Time now, std::set<std::string>* persons, int64_t unstored = 0);
  // Gathers what the scorer needs about one person.
  absl::StatusOr<ScoringInput> LoadScoringInput(MatchTransaction& tx, const LinkIndex& index,
                                                const std::string& person_id);
  // Re-scores one person and brings their clues in line, writing each change into the clue's
  // history with `cause` as its actor.
  absl::Status ScorePerson(MatchTransaction& tx, const LinkIndex& index,
                           const std::string& person_id, absl::Time now, const std::string& cause,
                           ApplyResult* result);

  MatchTransactionRunner* runner_;
  ClueScorer scorer_;
  PersonLinker linker_;
  IdGenerator ids_;
  // Guards index_; held for the whole of each transaction that uses it.
  std::mutex index_mu_;
  std::unique_ptr<LinkIndex> index_;
};

}  // namespace lifeline::match
