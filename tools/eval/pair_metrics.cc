#include "tools/eval/pair_metrics.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace lifeline::eval {
namespace {

using GroupSums = PairScorer::GroupSums;

int64_t Pairs(int64_t n) { return n * (n - 1) / 2; }

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// Dense ids for strings, in order of first appearance.
class Interner {
 public:
  int Id(absl::string_view key) {
    auto [it, inserted] = ids_.emplace(key, static_cast<int>(ids_.size()));
    return it->second;
  }
  int size() const { return static_cast<int>(ids_.size()); }

 private:
  absl::flat_hash_map<absl::string_view, int> ids_;
};

// Accumulates GroupSums over groups fed one record at a time, group after group.
class GroupAccumulator {
 public:
  explicit GroupAccumulator(size_t kinds) { sums_.with_kind.assign(kinds, 0); }

  void Add(const std::vector<int>& noise) {
    ++size_;
    if (noise.empty()) ++clean_;
    for (int kind : noise) {
      auto it = std::find_if(kind_counts_.begin(), kind_counts_.end(),
                             [kind](const auto& kc) { return kc.first == kind; });
      if (it == kind_counts_.end()) {
        kind_counts_.emplace_back(kind, 1);
      } else {
        ++it->second;
      }
    }
  }

  // Closes the current group.
  void Flush() {
    sums_.pairs += Pairs(size_);
    sums_.clean_pairs += Pairs(clean_);
    // Pairs with at least one carrier = pairs - pairs among the records without the kind.
    for (const auto& [kind, count] : kind_counts_) {
      sums_.with_kind[kind] += Pairs(size_) - Pairs(size_ - count);
    }
    size_ = 0;
    clean_ = 0;
    kind_counts_.clear();
  }

  const GroupSums& sums() const { return sums_; }

 private:
  GroupSums sums_;
  int64_t size_ = 0;
  int64_t clean_ = 0;
  std::vector<std::pair<int, int64_t>> kind_counts_;
};

// A sort key: up to three nested grouping levels, then the record index.
using Key = std::array<int, 4>;

// Sorts `keys` and returns the sums of the `Levels` nested groupings: level l groups the records
// whose first l + 1 key components are equal.
template <size_t Levels>
std::array<GroupSums, Levels> SumNestedGroups(std::vector<Key> keys,
                                              const std::vector<std::vector<int>>& noise,
                                              size_t kinds) {
  std::sort(keys.begin(), keys.end());
  std::vector<GroupAccumulator> acc(Levels, GroupAccumulator(kinds));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) {
      // The outermost level whose key changed closes its group and every inner one.
      size_t first_changed = Levels;
      for (size_t l = 0; l < Levels; ++l) {
        if (keys[i][l] != keys[i - 1][l]) {
          first_changed = l;
          break;
        }
      }
      for (size_t l = first_changed; l < Levels; ++l) acc[l].Flush();
    }
    for (size_t l = 0; l < Levels; ++l) acc[l].Add(noise[keys[i][3]]);
  }
  std::array<GroupSums, Levels> out;
  for (size_t l = 0; l < Levels; ++l) {
    acc[l].Flush();
    out[l] = acc[l].sums();
  }
  return out;
}

// Builds the PairScope of one slice from the sums of the groupings.
struct SliceSums {
  const GroupSums& truth;
  const GroupSums& truth_agency;
  const GroupSums& cluster;
  const GroupSums& cluster_agency;
  const GroupSums& cell;
  const GroupSums& cell_agency;
};

template <typename Pick>
PairScope MakeScope(const SliceSums& s, const Pick& pick) {
  PairScope scope;
  scope.all = {pick(s.truth), pick(s.cluster), pick(s.cell)};
  scope.cross_agency = scope.all;
  scope.cross_agency -=
      PairCounts{pick(s.truth_agency), pick(s.cluster_agency), pick(s.cell_agency)};
  return scope;
}

}  // namespace

double PairCounts::precision() const { return Ratio(true_positives, predicted_pairs); }
double PairCounts::recall() const { return Ratio(true_positives, true_pairs); }
double PairCounts::f1() const {
  double p = precision(), r = recall();
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

PairCounts& PairCounts::operator-=(const PairCounts& other) {
  true_pairs -= other.true_pairs;
  predicted_pairs -= other.predicted_pairs;
  true_positives -= other.true_positives;
  return *this;
}

PairScorer::PairScorer(const std::vector<TruthRecord>& records)
    : truth_(records.size()), agency_(records.size()), noise_(records.size()) {
  Interner persons, agencies, kinds;
  for (size_t i = 0; i < records.size(); ++i) {
    const TruthRecord& r = records[i];
    truth_[i] = persons.Id(r.person_id);
    agency_[i] = agencies.Id(r.agency);
    for (const std::string& kind : r.noise) {
      int k = kinds.Id(kind);
      if (k == static_cast<int>(kind_names_.size())) kind_names_.push_back(kind);
      if (std::find(noise_[i].begin(), noise_[i].end(), k) == noise_[i].end()) {
        noise_[i].push_back(k);
      }
    }
  }
  std::vector<Key> keys(size());
  for (size_t i = 0; i < size(); ++i) keys[i] = {truth_[i], agency_[i], 0, static_cast<int>(i)};
  true_sums_ = SumNestedGroups<2>(std::move(keys), noise_, kind_names_.size());
}

PairMetrics PairScorer::Score(const std::vector<std::string>& cluster_of) const {
  if (cluster_of.size() != size()) {
    std::fprintf(stderr, "PairScorer::Score: %zu records but %zu cluster names\n", size(),
                 cluster_of.size());
    std::abort();
  }
  PairMetrics m;
  m.records = static_cast<int64_t>(size());
  Interner names;
  std::vector<int> cluster(size());
  std::vector<int64_t> cluster_size;
  for (size_t i = 0; i < size(); ++i) {
    if (cluster_of[i].empty()) {
      cluster[i] = -1;
      continue;
    }
    cluster[i] = names.Id(cluster_of[i]);
    if (cluster[i] == static_cast<int>(cluster_size.size())) cluster_size.push_back(0);
    ++cluster_size[cluster[i]];
    ++m.clustered_records;
  }
  m.clusters = names.size();
  for (int64_t n : cluster_size) m.largest_cluster = std::max(m.largest_cluster, n);
  // A record in no cluster is a cluster of its own.
  int next = names.size();
  for (int& c : cluster) {
    if (c < 0) c = next++;
  }

  std::vector<Key> by_cluster(size()), by_cluster_agency(size());
  for (size_t i = 0; i < size(); ++i) {
    int index = static_cast<int>(i);
    by_cluster[i] = {cluster[i], truth_[i], agency_[i], index};
    by_cluster_agency[i] = {cluster[i], agency_[i], 0, index};
  }
  const size_t kinds = kind_names_.size();
  // Levels: cluster, cluster x person (the true positives), cluster x person x agency.
  std::array<GroupSums, 3> c = SumNestedGroups<3>(std::move(by_cluster), noise_, kinds);
  std::array<GroupSums, 2> ca = SumNestedGroups<2>(std::move(by_cluster_agency), noise_, kinds);
  SliceSums s{true_sums_[0], true_sums_[1], c[0], ca[1], c[1], c[2]};

  m.overall = MakeScope(s, [](const GroupSums& g) { return g.pairs; });
  m.clean = MakeScope(s, [](const GroupSums& g) { return g.clean_pairs; });
  for (size_t k = 0; k < kinds; ++k) {
    m.by_noise[kind_names_[k]] = MakeScope(s, [k](const GroupSums& g) { return g.with_kind[k]; });
  }
  return m;
}

PairMetrics ComputePairMetrics(const std::vector<TruthRecord>& records,
                               const std::vector<std::string>& cluster_of) {
  return PairScorer(records).Score(cluster_of);
}

}  // namespace lifeline::eval
