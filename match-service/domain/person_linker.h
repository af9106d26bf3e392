// Decides which person each record belongs to, with the linkage engine (domain/linkage/): for a
// neighbourhood (a new or changed record, the records it shares a blocking key with, and every
// record of their persons) incrementally, or for every record from scratch. Records keep their
// person where the engine agrees: each group of records the engine finds keeps the person that
// most of its records had, so ids stay stable across re-resolutions. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "match-service/domain/linkage/model.h"
#include "match-service/domain/linkage/resolver.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// Link reasons.
inline constexpr char kLinkIdToken[] = "id_token";             // joined by the same valid ID number
inline constexpr char kLinkProbabilistic[] = "probabilistic";  // joined by the model's weight
inline constexpr char kLinkConfirmed[] = "confirmed";          // joined by a reviewer's decision
inline constexpr char kLinkSingleton[] = "singleton";          // the person's first record
inline constexpr char kLinkRetracted[] = "retracted";

// One live record as the linker sees it.
struct IndexedRecord {
  int64_t record_id = 0;
  std::string agency;
  std::string source_record_id;
  // "" for a record not linked yet.
  std::string person_id;
  NormalizedPerson person;
  // The stored link (RecordLink's fields), to write only what changed.
  std::string link_reason;
  int64_t link_partner = 0;
  uint32_t link_vector = 0;
};

// A reviewer's decision on two records: the same person (confirm) or not (separate).
struct MatchReview {
  int64_t record_a = 0;
  int64_t record_b = 0;
  bool same = false;
  std::string reviewer;
  std::string reason;
  std::string decided_time;
};

// A record's person and the link that explains it: the record it was joined to with the pair's
// comparison levels (linkage::PackVector) and weight. The first record of a person has none.
struct RecordLink {
  int64_t record_id = 0;
  std::string person_id;
  std::string reason;
  int64_t partner_record_id = 0;
  double weight = 0;
  uint32_t vector = 0;
};

// Two records the model could not decide, for review.
struct PossibleMatchRow {
  int64_t record_a = 0;  // record_a < record_b
  int64_t record_b = 0;
  double weight = 0;
  uint32_t vector = 0;
};

// The model a deployment links with, and the counts its prior and name frequencies need.
struct LinkModel {
  linkage::ModelParams params = linkage::PriorParams();
  // Expected true pairs per live record, estimated with the parameters: the prior odds of a
  // random pair matching are 2 * matches_per_record / live_records.
  double matches_per_record = 0.3;
  bool estimated = false;
  int64_t live_records = 0;
  // Records with a name (the denominator of name frequencies).
  int64_t named_records = 0;

  // The prior log2-odds of a random pair matching among `live_records`.
  double PriorLog2Odds() const;
};

struct LinkOutcome {
  // Every record's link (also those that did not change).
  std::vector<RecordLink> links;
  // Persons the outcome names that did not exist.
  std::vector<std::string> new_persons;
  std::vector<PossibleMatchRow> possible;
  // From a from-scratch run: the estimated model.
  LinkModel model;
  linkage::ResolveStats stats;
};

class PersonLinker {
 public:
  // Makes a new person id; must be thread-safe.
  using IdGenerator = std::function<std::string()>;

  explicit PersonLinker(linkage::LinkageOptions options = linkage::LinkageOptions());

  // Resolves a neighbourhood with the deployment's model; `frequencies` holds the index-wide
  // counts of the neighbourhood's names. `features`, when given, are the records' features
  // (ExtractFeatures of each record's person, in order), so a caller that has them does not
  // extract them again.
  LinkOutcome LinkNeighbourhood(const std::vector<IndexedRecord>& records,
                                const std::vector<MatchReview>& reviews, const LinkModel& model,
                                const linkage::NameFrequencies& frequencies,
                                const IdGenerator& new_person,
                                std::vector<linkage::PersonFeatures> features = {}) const;

  // Fewer records than this are too few to estimate a model on: LinkAll keeps the current one.
  static constexpr size_t kMinRecordsToEstimate = 2000;

  // Resolves every live record from scratch, estimating the model on them (or, for fewer than
  // kMinRecordsToEstimate, with `current`). `features`, when given, holds the records' features
  // in order: they are used (not extracted again) and handed back unchanged.
  LinkOutcome LinkAll(const std::vector<IndexedRecord>& records,
                      const std::vector<MatchReview>& reviews, const LinkModel& current,
                      const IdGenerator& new_person,
                      std::vector<linkage::PersonFeatures>* features = nullptr) const;

  const linkage::LinkageOptions& options() const { return options_; }
  // The weights a link and a possible match need under `model` now.
  double LinkWeight(const LinkModel& model) const;
  double PossibleWeight(const LinkModel& model) const;

 private:
  // The options for resolving with `model` as it is (no estimation) and `frequencies` (not
  // owned), on one thread.
  linkage::LinkageOptions WithModel(const LinkModel& model,
                                    const linkage::NameFrequencies& frequencies) const;
  // `features` (when it holds one per record) is used and handed back.
  LinkOutcome Assign(const std::vector<IndexedRecord>& records,
                     const std::vector<MatchReview>& reviews, linkage::LinkageOptions options,
                     const IdGenerator& new_person,
                     std::vector<linkage::PersonFeatures>* features) const;

  linkage::LinkageOptions options_;
};

}  // namespace lifeline::match
