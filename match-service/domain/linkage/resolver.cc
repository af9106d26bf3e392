#include "match-service/domain/linkage/resolver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace lifeline::match::linkage {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t MixKey(uint64_t value, uint64_t salt) {
  uint64_t x = value ^ (salt * 0x9e3779b97f4a7c15ULL);
  x ^= x >> 31;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

enum KeyKind : uint8_t {
  kKeyId = 0,
  kKeyIdCore,
  kKeyIdPrefix15,
  kKeyIdEdit,
  kKeyNameBirth,
  kKeySurnameBirth,
  kKeyGivenBirth,
  kKeySurnameSoundBirth,
  kKeyNameYear,
  kKeyNameRegion,
  kKeyNameAddress,
  kKeyPhone,
  kKeyHousehold,
  kKeyDocument,
  kKeyKindCount,
};

struct KeyEntry {
  uint64_t key;
  uint32_t record;
  uint8_t kind;
  bool index_only;
  bool operator<(const KeyEntry& o) const { return key != o.key ? key < o.key : record < o.record; }
};

// Runs fn(i) for i in [0, n) on `threads` threads, in chunks.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  threads = std::max(1, threads);
  if (threads == 1 || n < 1024) {
    for (size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  constexpr size_t kChunk = 4096;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (;;) {
        const size_t begin = next.fetch_add(kChunk);
        if (begin >= n) return;
        const size_t end = std::min(n, begin + kChunk);
        for (size_t i = begin; i < end; ++i) fn(i, t);
      }
    });
  }
  for (std::thread& th : pool) th.join();
}

std::pair<uint32_t, uint32_t> Ordered(uint32_t x, uint32_t y) {
  return x < y ? std::make_pair(x, y) : std::make_pair(y, x);
}

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // Joins the roots; returns the new root.
  uint32_t Join(uint32_t a, uint32_t b) {
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return a;
  }
  uint32_t Size(uint32_t root) const { return size_[root]; }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> size_;
};

}  // namespace

const std::vector<std::string>& BlockingKeyKinds() {
  static const auto* kinds = new std::vector<std::string>{
      "id",         "id_core",       "id_prefix15",  "id_edit",
      "name_birth", "surname_birth", "given_birth",  "surname_sound_birth",
      "name_year",  "name_region",   "name_address", "phone",
      "household",  "document"};
  return *kinds;
}

void BlockingKeys(const PersonFeatures& f, std::vector<BlockKey>* keys) {
  auto add = [&](uint8_t kind, uint64_t value, bool index_only = false) {
    if (value != 0) keys->push_back(BlockKey{MixKey(value, kind + 1), kind, index_only});
  };
  add(kKeyId, f.id);
  add(kKeyIdCore, f.id_core);
  add(kKeyIdPrefix15, f.id_prefix15);
  for (uint64_t k : f.id_edit_keys) add(kKeyIdEdit, k, /*index_only=*/f.id != 0);
  const bool latin = !f.latin.empty();
  if (f.birth != 0) {
    const uint64_t birth = static_cast<uint64_t>(f.birth);
    if (f.pinyin_key != 0) add(kKeyNameBirth, MixKey(f.pinyin_key, birth));
    if (f.surname_key != 0) add(kKeySurnameBirth, MixKey(f.surname_key, birth));
    if (f.given_key != 0) add(kKeyGivenBirth, MixKey(f.given_key, birth));
    for (uint64_t sound : f.surname_sounds) {
      add(kKeySurnameSoundBirth, MixKey(sound, birth), /*index_only=*/!latin);
    }
    if (f.dialect_key != 0) add(kKeyNameYear, MixKey(f.dialect_key, birth / 10000));
  }
  if (f.pinyin_key != 0 && f.region != 0) {
    add(kKeyNameRegion, MixKey(f.pinyin_key, static_cast<uint64_t>(f.region)));
  }
  if (f.pinyin_key != 0 && f.address_head != 0) {
    add(kKeyNameAddress, MixKey(f.pinyin_key, f.address_head));
  }
  add(kKeyPhone, f.phone);
  add(kKeyHousehold, f.household);
  if (f.document != 0)
    add(kKeyDocument, MixKey(f.document, static_cast<uint64_t>(f.document_type)));
}

BlockKey IdKey(uint64_t id) { return BlockKey{MixKey(id, kKeyId + 1), kKeyId, false}; }

BlockKey HouseholdKey(uint64_t household) {
  return BlockKey{MixKey(household, kKeyHousehold + 1), kKeyHousehold, false};
}

BlockKey NameSearchKey(uint64_t name_key) {
  // Salted past every blocking kind; index-only, so a blocking lookup would not meet it either.
  return BlockKey{MixKey(name_key, kKeyKindCount + 1), kKeyKindCount, true};
}

BlockKey DwellingKey(uint64_t dwelling) {
  return BlockKey{MixKey(dwelling, kKeyKindCount + 2), kKeyKindCount, true};
}

ResolveResult Resolve(const std::vector<LinkRecord>& records, const LinkageOptions& options) {
  ResolveResult result;
  ResolveStats& stats = result.stats;
  const size_t n = records.size();
  stats.records = static_cast<int64_t>(n);
  auto report = [&](const std::string& phase, double fraction) {
    if (options.progress) options.progress(phase, fraction);
  };

  // Ranks by key: the order-independent tie-break.
  std::vector<uint32_t> by_key(n);
  std::iota(by_key.begin(), by_key.end(), 0);
  std::sort(by_key.begin(), by_key.end(),
            [&](uint32_t x, uint32_t y) { return records[x].key < records[y].key; });
  std::vector<uint32_t> rank(n);
  for (uint32_t r = 0; r < n; ++r) rank[by_key[r]] = r;

  // --- Blocking ---
  Clock::time_point start = Clock::now();
  report("blocking", 0);
  std::vector<KeyEntry> entries;
  {
    // Index-only keys are kept only where some record's key of the same value is not
    // index-only: most valid numbers' deletion keys meet nothing and never reach the sort.
    std::vector<BlockKey> keys;
    // The open keys of the kinds that have index-only keys (few: damaged numbers, romanized
    // names).
    absl::flat_hash_set<uint64_t> open_keys;
    for (uint32_t i = 0; i < n; ++i) {
      keys.clear();
      BlockingKeys(records[i].features, &keys);
      for (const BlockKey& k : keys) {
        if (!k.index_only && (k.kind == kKeyIdEdit || k.kind == kKeySurnameSoundBirth)) {
          open_keys.insert(k.key);
        }
      }
    }
    for (uint32_t i = 0; i < n; ++i) {
      keys.clear();
      BlockingKeys(records[i].features, &keys);
      for (const BlockKey& k : keys) {
        if (k.index_only && !open_keys.contains(k.key)) continue;
        entries.push_back(KeyEntry{k.key, rank[i], k.kind, k.index_only});
      }
    }
  }
  // Sorted by key then by rank: blocks come out the same whatever the input order. Two halves
  // on two threads for a large set; a neighbourhood is not worth a thread.
  if (options.threads < 2 || entries.size() < 100'000) {
    std::sort(entries.begin(), entries.end());
  } else {
    const size_t half = entries.size() / 2;
    std::thread other(
        [&] { std::sort(entries.begin(), entries.begin() + static_cast<long>(half)); });
    std::sort(entries.begin() + static_cast<long>(half), entries.end());
    other.join();
    std::inplace_merge(entries.begin(), entries.begin() + static_cast<long>(half), entries.end());
  }
  const std::vector<std::string>& kinds = BlockingKeyKinds();
  std::vector<BlockingStats> kind_stats(kKeyKindCount);
  std::vector<uint64_t> pairs;  // rank(a) << 32 | rank(b), rank(a) < rank(b)
  for (size_t i = 0; i < entries.size();) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].key == entries[i].key) ++j;
    BlockingStats& ks = kind_stats[entries[i].kind];
    ks.keys += static_cast<int64_t>(j - i);
    const int64_t size = static_cast<int64_t>(j - i);
    if (size >= 2) {
      ++ks.blocks;
      if (size > options.max_block_size) {
        ++ks.oversized_blocks;
        ks.oversized_records += size;
      } else {
        ks.largest_kept = std::max(ks.largest_kept, size);
        for (size_t x = i; x < j; ++x) {
          for (size_t y = x + 1; y < j; ++y) {
            if (entries[x].record == entries[y].record) continue;
            if (entries[x].index_only && entries[y].index_only) continue;
            pairs.push_back(static_cast<uint64_t>(entries[x].record) << 32 | entries[y].record);
          }
        }
      }
    }
    i = j;
  }
  entries.clear();
  entries.shrink_to_fit();
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (int k = 0; k < kKeyKindCount; ++k) stats.blocking[kinds[k]] = kind_stats[k];
  stats.candidate_pairs = static_cast<int64_t>(pairs.size());
  stats.seconds_blocking = Since(start);

  // --- Comparing ---
  start = Clock::now();
  report("comparing", 0);
  std::vector<ScoredPair> scored(pairs.size());
  ParallelFor(pairs.size(), options.threads, [&](size_t i, int) {
    const uint32_t a = by_key[pairs[i] >> 32];
    const uint32_t b = by_key[pairs[i] & 0xffffffffU];
    scored[i].a = a;
    scored[i].b = b;
    scored[i].vector = PackVector(Compare(records[a].features, records[b].features));
  });
  pairs.clear();
  pairs.shrink_to_fit();
  stats.seconds_scoring = Since(start);

  // --- Estimating ---
  start = Clock::now();
  report("estimating", 0);
  ModelParams params = options.params.value_or(PriorParams());
  NameFrequencies counted;
  if (options.frequencies == nullptr) {
    for (const LinkRecord& r : records) counted.Add(r.features);
  }
  const NameFrequencies& frequencies =
      options.frequencies != nullptr ? *options.frequencies : counted;
  if (options.estimate) {
    std::vector<const PersonFeatures*> ordered(n);
    for (uint32_t r = 0; r < n; ++r) ordered[r] = &records[by_key[r]].features;
    // Random pairs for u: enough to see rare levels, never more than the set can offer.
    const int64_t u_pairs = std::min<int64_t>(
        options.u_pairs, std::max<int64_t>(200'000, 20 * static_cast<int64_t>(n)));
    EstimateU(ordered, u_pairs, options.seed, &params, options.threads);
    std::unordered_map<uint32_t, int64_t> patterns;
    for (const ScoredPair& p : scored) ++patterns[p.vector];
    EstimateM(patterns, options.em_iterations, &params);
  }
  const FsModel model(params, &frequencies);
  std::vector<double> name_frequency(n);
  for (uint32_t i = 0; i < n; ++i) {
    name_frequency[i] = frequencies.Frequency(records[i].features.pinyin_key);
  }
  ParallelFor(scored.size(), options.threads, [&](size_t i, int) {
    ScoredPair& p = scored[i];
    const PairWeight w =
        model.Weigh(UnpackVector(p.vector), name_frequency[p.a], name_frequency[p.b]);
    p.weight = static_cast<float>(w.total());
    p.identity = static_cast<float>(w.identity);
  });
  // The prior: how many of all pairs are one person. EM's share of matches among the candidates
  // is a start (it runs high: blocked pairs are alike in more ways than its model knows); the
  // expected number of matches under the weights and that prior then replaces it until it
  // settles, so that the prior and the posteriors agree.
  const double all_pairs =
      std::max(1.0, static_cast<double>(n) * static_cast<double>(n > 0 ? n - 1 : 0) / 2);
  auto log2_odds = [](double p) { return std::log2(p / (1 - p)); };
  double prior = std::clamp(
      std::max(1.0, params.lambda * static_cast<double>(stats.candidate_pairs)) / all_pairs, 1e-15,
      0.5);
  // Each round sums the expected matches over every candidate pair. Grouped by weight in bins of
  // 1/64 bit, each at its pairs' mean weight, a round costs the bins (a few thousand), not the
  // millions of pairs; the sums run in bin order, so the result does not vary between runs.
  struct WeightBin {
    int64_t pairs = 0;
    double weight_sum = 0;
  };
  std::vector<WeightBin> bins;
  if (!options.prior_log2_odds.has_value() && !scored.empty()) {
    constexpr double kBinsPerBit = 64;
    auto bin_of = [&](float w) {
      return static_cast<int64_t>(std::floor(std::clamp(w, -1000.0F, 1000.0F) * kBinsPerBit));
    };
    int64_t low = bin_of(scored[0].weight);
    int64_t high = low;
    for (const ScoredPair& p : scored) {
      low = std::min(low, bin_of(p.weight));
      high = std::max(high, bin_of(p.weight));
    }
    bins.resize(static_cast<size_t>(high - low + 1));
    for (const ScoredPair& p : scored) {
      WeightBin& bin = bins[static_cast<size_t>(bin_of(p.weight) - low)];
      ++bin.pairs;
      bin.weight_sum += p.weight;
    }
  }
  for (int round = 0; round < 8 && !options.prior_log2_odds.has_value(); ++round) {
    const double offset = log2_odds(prior);
    double expected = 0;
    for (const WeightBin& bin : bins) {
      if (bin.pairs == 0) continue;
      const double mean = bin.weight_sum / static_cast<double>(bin.pairs);
      expected += static_cast<double>(bin.pairs) / (1 + std::exp2(-(mean + offset)));
    }
    const double next = std::clamp(std::max(1.0, expected) / all_pairs, 1e-15, 0.5);
    const bool settled = std::abs(std::log2(next / prior)) < 0.01;
    prior = next;
    if (settled) break;
  }
  stats.prior_log2_odds = options.prior_log2_odds.value_or(log2_odds(prior));
  stats.link_weight = log2_odds(options.link_probability) - stats.prior_log2_odds;
  stats.possible_weight = log2_odds(options.possible_probability) - stats.prior_log2_odds;
  const double link_weight = stats.link_weight;
  const double possible_weight = stats.possible_weight;
  auto links = [&](const ScoredPair& p) {
    if (p.weight < link_weight || p.identity < options.identity_floor) return false;
    const ComparisonVector v = UnpackVector(p.vector);
    // A number one digit off is no alibi for a different name: people born the same day in the
    // same county carry numbers that differ in a digit or two.
    const bool names_agree = v[kName] >= kNameExact && v[kName] <= kNameNear;
    const bool names_close = names_agree || v[kName] == kNamePartial || v[kName] == kMissing;
    return names_agree || v[kId] == kIdSame || v[kDocument] == kEqualSame ||
           (v[kId] == kIdNear && names_close);
  };
  stats.seconds_estimation = Since(start);

  // --- Clustering ---
  start = Clock::now();
  report("clustering", 0);
  std::vector<ScoredPair> candidates;
  for (const ScoredPair& p : scored) {
    if (p.weight >= possible_weight) candidates.push_back(p);
    if (links(p)) {
      ++stats.linked_pairs;
    } else if (p.weight >= possible_weight) {
      ++stats.possible_pairs;
    }
  }
  scored.clear();
  scored.shrink_to_fit();
  auto stronger = [&](const ScoredPair& x, const ScoredPair& y) {
    if (x.weight != y.weight) return x.weight > y.weight;
    const auto kx = std::minmax(rank[x.a], rank[x.b]);
    const auto ky = std::minmax(rank[y.a], rank[y.b]);
    return kx < ky;
  };
  std::sort(candidates.begin(), candidates.end(), stronger);

  UnionFind groups(n);
  std::vector<uint64_t> group_id(n);
  std::vector<std::vector<uint32_t>> members(n);
  for (uint32_t i = 0; i < n; ++i) {
    group_id[i] = records[i].features.id;
    members[i] = {i};
  }
  constexpr size_t kMaxCrossPairs = 64;
  // Reviewers' separations, as sorted pairs of record indices.
  std::vector<std::pair<uint32_t, uint32_t>> separated;
  for (const auto& [x, y] : options.cannot_link) separated.push_back(Ordered(x, y));
  std::sort(separated.begin(), separated.end());
  auto reviewer_separated = [&](uint32_t ra, uint32_t rb) {
    for (uint32_t x : members[ra]) {
      for (uint32_t y : members[rb]) {
        if (std::binary_search(separated.begin(), separated.end(), Ordered(x, y))) return true;
      }
    }
    return false;
  };
  auto join = [&](uint32_t ra, uint32_t rb) {
    const uint32_t root = groups.Join(ra, rb);
    const uint32_t gone = root == ra ? rb : ra;
    if (group_id[root] == 0) group_id[root] = group_id[gone];
    members[root].insert(members[root].end(), members[gone].begin(), members[gone].end());
    members[gone].clear();
    members[gone].shrink_to_fit();
  };
  // A reviewer's confirmation wins over the model and over ID numbers.
  for (const auto& [x, y] : options.must_link) {
    const uint32_t ra = groups.Find(x);
    const uint32_t rb = groups.Find(y);
    if (ra == rb) continue;
    join(ra, rb);
    ScoredPair confirmed;
    confirmed.a = x;
    confirmed.b = y;
    confirmed.vector = PackVector(Compare(records[x].features, records[y].features));
    const PairWeight w =
        model.Weigh(UnpackVector(confirmed.vector), name_frequency[x], name_frequency[y]);
    confirmed.weight = static_cast<float>(w.total());
    confirmed.identity = static_cast<float>(w.identity);
    result.links.push_back(confirmed);
    ++stats.confirmed_by_reviewer;
  }
  for (const ScoredPair& p : candidates) {
    if (p.weight < link_weight) break;
    if (!links(p)) continue;
    uint32_t ra = groups.Find(p.a);
    uint32_t rb = groups.Find(p.b);
    if (ra == rb) continue;
    if (group_id[ra] != 0 && group_id[rb] != 0 && group_id[ra] != group_id[rb]) {
      ++stats.refused_id_conflict;
      continue;
    }
    if (!separated.empty() && reviewer_separated(ra, rb)) {
      ++stats.refused_by_reviewer;
      continue;
    }
    if (members[ra].size() + members[rb].size() > 2) {
      // Average linkage across the two groups: one strong pair must not chain two persons.
      double sum = 0;
      size_t count = 0;
      for (uint32_t x : members[ra]) {
        for (uint32_t y : members[rb]) {
          if (count == kMaxCrossPairs) break;
          const PersonFeatures& fx = records[x].features;
          const PersonFeatures& fy = records[y].features;
          sum += model.Weight(Compare(fx, fy), fx, fy);
          ++count;
        }
      }
      if (sum / static_cast<double>(count) < possible_weight) {
        ++stats.refused_weak_group;
        continue;
      }
    }
    join(ra, rb);
    result.links.push_back(p);
    ++stats.joins;
  }

  // Each person is named by its first record by key.
  std::vector<uint32_t> first(n, UINT32_MAX);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t root = groups.Find(i);
    if (first[root] == UINT32_MAX || rank[i] < rank[first[root]]) first[root] = i;
  }
  result.cluster_of.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    result.cluster_of[i] = first[groups.Find(i)];
    if (result.cluster_of[i] == i) ++stats.clusters;
  }

  // Possible matches: the best remaining pair between two persons.
  std::unordered_map<uint64_t, bool> seen_pair;
  for (const ScoredPair& p : candidates) {
    const uint32_t ca = result.cluster_of[p.a];
    const uint32_t cb = result.cluster_of[p.b];
    if (ca == cb) continue;
    if (!separated.empty() &&
        std::binary_search(separated.begin(), separated.end(), Ordered(p.a, p.b))) {
      continue;
    }
    const auto [lo, hi] = std::minmax(ca, cb);
    if (seen_pair.emplace(static_cast<uint64_t>(lo) << 32 | hi, true).second) {
      result.possible.push_back(p);
    }
  }
  result.params = params;
  stats.seconds_clustering = Since(start);
  report("done", 1);
  return result;
}

}  // namespace lifeline::match::linkage
