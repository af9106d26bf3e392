// Resolves a set of records to persons from scratch: blocking on several keys so that true pairs
// meet while candidates stay few, Fellegi–Sunter weights (u from random pairs, m by EM, name
// term frequencies), and clustering that does not chain: candidate links are taken strongest
// first, and two groups are joined only when they hold no two different valid resident ID
// numbers and the pairs across them agree on average. Pairs between the link and the
// possible-match thresholds that stay apart are reported for human review.
//
// Deterministic: the result does not depend on the order of the input (ties are broken by the
// records' keys).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "match-service/domain/linkage/compare.h"
#include "match-service/domain/linkage/features.h"
#include "match-service/domain/linkage/model.h"

namespace lifeline::match::linkage {

// A record to resolve: a unique key (e.g. "agency:source_record_id", used for tie-breaks and
// never shown) and its features.
struct LinkRecord {
  std::string key;
  PersonFeatures features;
};

struct LinkageOptions {
  // Decisions by the posterior probability that a pair is one person: its weight plus the prior
  // log-odds that two random records match, estimated from the data (EM's share of matches
  // among the candidates, times candidates over all pairs). The weight a link needs thus grows
  // with the population: agreeing on 王伟 and a birth date means less in a province than in a
  // village. At or above link_probability a pair is linked; at or above possible_probability
  // and not linked, it is a possible match for review.
  double link_probability = 0.95;
  double possible_probability = 0.5;
  // A link also needs this much identity evidence (name, birth date, sex, ID number, document):
  // a shared household, address or phone never links two people on its own. And it needs the
  // names to agree (exactly, as variants, homophones or near forms) unless the same valid ID
  // number or document says it is one person, or a number one edit away comes with a name at
  // most one character off: a different given name with the same birth date and household is a
  // twin, and a mistyped number can be a neighbour's born the same day.
  double identity_floor = 5;
  // The prior log2-odds to use instead of the estimate (e.g. a deployment's, for a small set).
  std::optional<double> prior_log2_odds;
  // Blocks with more records than this are skipped (and reported): they would make more pairs
  // than they find (王伟 born 1 January in a province).
  int max_block_size = 300;
  // Estimation: random pairs for u, EM iterations; off uses `params` as given.
  bool estimate = true;
  int64_t u_pairs = 2'000'000;
  int em_iterations = 60;
  uint64_t seed = 1;
  // Parameters to start EM from (estimate) or to use as they are (!estimate).
  std::optional<ModelParams> params;
  // Name frequencies to weigh with instead of counting them among `records` (an incremental
  // caller resolving a neighbourhood passes the whole index's). Not owned.
  const NameFrequencies* frequencies = nullptr;
  // Reviewers' decisions, by record index: confirmed pairs are one person whatever the model
  // says, separated pairs never are (nor their groups).
  std::vector<std::pair<uint32_t, uint32_t>> must_link;
  std::vector<std::pair<uint32_t, uint32_t>> cannot_link;
  // Worker threads for comparing candidate pairs.
  int threads = 2;
  // Called with a phase name and a fraction done, at most every few hundred milliseconds.
  std::function<void(const std::string& phase, double fraction)> progress;
};

// One compared pair of records (indices into the input).
struct ScoredPair {
  uint32_t a = 0;
  uint32_t b = 0;
  float weight = 0;
  float identity = 0;   // the identity part of the weight
  uint32_t vector = 0;  // PackVector
};

struct BlockingStats {
  int64_t keys = 0;
  int64_t blocks = 0;             // blocks of two or more records
  int64_t oversized_blocks = 0;   // skipped for size
  int64_t oversized_records = 0;  // records in skipped blocks (counted per block)
  int64_t largest_kept = 0;
};

struct ResolveStats {
  int64_t records = 0;
  // The prior log2-odds of a random pair matching, and the weights the thresholds came to.
  double prior_log2_odds = 0;
  double link_weight = 0;
  double possible_weight = 0;
  std::map<std::string, BlockingStats> blocking;  // by key kind
  int64_t candidate_pairs = 0;
  int64_t linked_pairs = 0;           // candidate pairs at or above the link weight
  int64_t possible_pairs = 0;         // between the two thresholds
  int64_t joins = 0;                  // groups joined
  int64_t refused_id_conflict = 0;    // joins refused: two different valid ID numbers
  int64_t refused_weak_group = 0;     // joins refused: the pairs across disagree on average
  int64_t refused_by_reviewer = 0;    // joins refused: a reviewer separated records across them
  int64_t confirmed_by_reviewer = 0;  // joins a reviewer's confirmation made
  int64_t clusters = 0;
  double seconds_features = 0;
  double seconds_blocking = 0;
  double seconds_scoring = 0;
  double seconds_estimation = 0;
  double seconds_clustering = 0;
};

struct ResolveResult {
  // cluster_of[i]: the index of the first record (by key) of record i's person.
  std::vector<uint32_t> cluster_of;
  // The pairs whose joins made the persons (a spanning forest), for explanations.
  std::vector<ScoredPair> links;
  // Possible matches left apart: best pair per two persons, strongest first.
  std::vector<ScoredPair> possible;
  ModelParams params;
  ResolveStats stats;
};

// The key kinds records are blocked on, in the order stats report them.
const std::vector<std::string>& BlockingKeyKinds();

// One blocking key of a record. An `index_only` key only meets keys of records for which it is
// not index-only: a valid ID number's one-deletion keys are only worth comparing with a damaged
// number's (two valid numbers are the same or in conflict), and a Han name's Cantonese surname
// keys only with a romanized name's.
struct BlockKey {
  uint64_t key = 0;  // kind mixed in
  uint8_t kind = 0;  // index into BlockingKeyKinds()
  bool index_only = false;
};

// Appends the blocking keys of `f`.
void BlockingKeys(const PersonFeatures& f, std::vector<BlockKey>* keys);

// Keys to look records up by, not to block on. The blocking key of a valid ID number's hash
// (PersonFeatures::id), and the key of an exact name's hash (PersonFeatures::name_key), which no
// blocking key equals: a name alone is never a block (王伟), but a reviewer may search by it.
BlockKey IdKey(uint64_t id);
// The blocking key of a household id's hash (PersonFeatures::household).
BlockKey HouseholdKey(uint64_t household);
BlockKey NameSearchKey(uint64_t name_key);
// The key of a dwelling's hash (PersonFeatures::dwelling): index-only, like NameSearchKey.
BlockKey DwellingKey(uint64_t dwelling);

// Resolves `records`. Thread-safe (no shared state).
ResolveResult Resolve(const std::vector<LinkRecord>& records, const LinkageOptions& options);

}  // namespace lifeline::match::linkage
