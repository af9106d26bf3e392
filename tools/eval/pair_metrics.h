// Pairwise precision and recall of a clustering of agency records against the true persons.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/eval/truth.h"

namespace lifeline::eval {

// Counts over one slice of the pairs of distinct records. A pair is true when both records are
// about the same true person, predicted when both are in the same cluster.
struct PairCounts {
  int64_t true_pairs = 0;
  int64_t predicted_pairs = 0;
  int64_t true_positives = 0;  // true and predicted

  int64_t false_positives() const { return predicted_pairs - true_positives; }
  int64_t false_negatives() const { return true_pairs - true_positives; }
  // Each is 0 when its denominator is 0.
  double precision() const;
  double recall() const;
  double f1() const;

  PairCounts& operator-=(const PairCounts& other);
};

// A slice over all pairs and over the pairs whose two records come from different agencies.
struct PairScope {
  PairCounts all;
  PairCounts cross_agency;
};

// The pairwise evaluation of one clustering.
struct PairMetrics {
  int64_t records = 0;
  // Records the clustering put in a cluster; the others are alone and pair with nothing.
  int64_t clustered_records = 0;
  int64_t clusters = 0;
  int64_t largest_cluster = 0;  // records in the largest cluster
  PairScope overall;
  // Pairs where neither record carries noise.
  PairScope clean;
  // For each noise kind K seen in the records: pairs where at least one record carries K (true
  // pairs for recall, predicted pairs for precision).
  std::map<std::string, PairScope> by_noise;
};

// Scores clusterings of one set of records. Exact, and O(n log n) per clustering: pairs are
// counted from the sizes of the groups of true person x cluster (x agency) after one sort, never
// enumerated, so one huge wrong cluster costs nothing extra; the noise breakdown costs time in
// proportion to the noise kinds recorded, not records x kinds. Immutable after construction, so
// thread-safe.
class PairScorer {
 public:
  explicit PairScorer(const std::vector<TruthRecord>& records);

  // Scores the clustering that puts record i in the cluster named cluster_of[i] ("" for none).
  // `cluster_of` must have one entry per record.
  PairMetrics Score(const std::vector<std::string>& cluster_of) const;

  // Sums over the groups of one grouping of the records: pairs within groups, pairs of clean
  // records, and per noise kind the pairs where at least one record carries it.
  struct GroupSums {
    int64_t pairs = 0;
    int64_t clean_pairs = 0;
    std::vector<int64_t> with_kind;
  };

 private:
  size_t size() const { return truth_.size(); }

  std::vector<int> truth_;               // dense true person id per record
  std::vector<int> agency_;              // dense agency id per record
  std::vector<std::vector<int>> noise_;  // distinct noise kind ids per record
  std::vector<std::string> kind_names_;  // by kind id
  std::array<GroupSums, 2> true_sums_;   // by person, by person x agency
};

// Scores one clustering: PairScorer(records).Score(cluster_of).
PairMetrics ComputePairMetrics(const std::vector<TruthRecord>& records,
                               const std::vector<std::string>& cluster_of);

}  // namespace lifeline::eval
