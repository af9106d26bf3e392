#include "match-service/domain/linkage/model.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace lifeline::match::linkage {
namespace {

constexpr char kHeader[] = "lifeline-linkage-model 1";
// Smallest probability any level keeps, so that no level is impossible.
constexpr double kFloor = 1e-9;

void Normalize(std::array<double, kMaxLevels>* p, int levels) {
  double sum = 0;
  for (int l = 1; l < levels; ++l) {
    (*p)[l] = std::max((*p)[l], kFloor);
    sum += (*p)[l];
  }
  for (int l = 1; l < levels; ++l) (*p)[l] /= sum;
}

void SetField(ModelParams* params, Field field, std::initializer_list<double> m,
              std::initializer_list<double> u) {
  FieldParams& f = params->fields[field];
  int l = 1;
  for (double x : m) f.m[l++] = x;
  l = 1;
  for (double x : u) f.u[l++] = x;
  Normalize(&f.m, LevelCount(field));
  Normalize(&f.u, LevelCount(field));
}

}  // namespace

ModelParams PriorParams() {
  ModelParams p;
  // Levels in the order of compare.h.
  // An arbitrary different character is rarely a typo (input methods make homophones and
  // look-alikes) and often a sibling: the partial level starts below zero.
  SetField(&p, kName, {0.85, 0.02, 0.05, 0.03, 0.005, 0.01}, {1e-3, 1e-4, 5e-4, 5e-4, 1e-2, 0.988});
  SetField(&p, kBirth, {0.93, 0.03, 0.005, 0.01, 0.025}, {4e-5, 3e-4, 8e-5, 1e-3, 0.9986});
  SetField(&p, kSex, {0.99, 0.01}, {0.5, 0.5});
  SetField(&p, kRegion, {0.8, 0.1, 0.05, 0.05}, {0.02, 0.1, 0.3, 0.58});
  SetField(&p, kPhone, {0.8, 0.2}, {1e-4, 1});
  SetField(&p, kHousehold, {0.9, 0.1}, {1e-4, 1});
  SetField(&p, kAddress, {0.6, 0.2, 0.1, 0.1}, {1e-4, 1e-3, 0.05, 0.95});
  SetField(&p, kId, {0.97, 0.02, 0.003, 0.005, 0.002}, {1e-7, 1e-6, 1e-3, 0.5, 0.5});
  SetField(&p, kDocument, {0.95, 0.05}, {1e-6, 1});
  p.lambda = 0.1;
  return p;
}

uint32_t PackVector(const ComparisonVector& v) {
  uint32_t packed = 0;
  for (int f = 0; f < kFieldCount; ++f) packed |= static_cast<uint32_t>(v[f] & 7) << (3 * f);
  return packed;
}

ComparisonVector UnpackVector(uint32_t packed) {
  ComparisonVector v{};
  for (int f = 0; f < kFieldCount; ++f) v[f] = static_cast<uint8_t>((packed >> (3 * f)) & 7);
  return v;
}

void NameFrequencies::Add(const PersonFeatures& f) {
  if (f.pinyin_key == 0) return;
  ++counts_[f.pinyin_key];
  ++total_;
}

void NameFrequencies::Remove(const PersonFeatures& f) {
  if (f.pinyin_key == 0) return;
  auto it = counts_.find(f.pinyin_key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
  --total_;
}

double NameFrequencies::Frequency(uint64_t pinyin_key) const {
  if (pinyin_key == 0 || total_ == 0) return 0;
  auto it = counts_.find(pinyin_key);
  if (it == counts_.end()) return 0;
  return static_cast<double>(it->second) / static_cast<double>(total_);
}

bool IsContextField(Field field) {
  return field == kRegion || field == kPhone || field == kHousehold || field == kAddress;
}

FsModel::FsModel(ModelParams params, const NameFrequencies* frequencies)
    : params_(std::move(params)), frequencies_(frequencies) {
  for (int f = 0; f < kFieldCount; ++f) {
    for (int l = 1; l < LevelCount(static_cast<Field>(f)); ++l) {
      const FieldParams& p = params_.fields[f];
      weights_[f][l] = std::log2(std::max(p.m[l], kFloor) / std::max(p.u[l], kFloor));
    }
  }
}

double FsModel::NameTfAdjustment(uint8_t level, double frequency_a, double frequency_b) const {
  // Frequencies from a few hundred names are noise, not knowledge.
  constexpr int64_t kMinSample = 1000;
  if (frequencies_ == nullptr || frequencies_->total() < kMinSample) return 0;
  if (level != kNameExact && level != kNameVariant && level != kNameHomophone) return 0;
  // The more common of the two spellings' sounds decides: agreeing on 王伟 is weak evidence.
  const double tf = std::max(frequency_a, frequency_b);
  if (tf <= 0) return 0;
  const double floor = 1.0 / static_cast<double>(frequencies_->total());
  const double u = std::max(params_.fields[kName].u[level], kFloor);
  return std::log2(u / std::max(tf, floor));
}

PairWeight FsModel::Weigh(const ComparisonVector& v, const PersonFeatures& a,
                          const PersonFeatures& b) const {
  if (frequencies_ == nullptr) return Weigh(v, 0.0, 0.0);
  return Weigh(v, frequencies_->Frequency(a.pinyin_key), frequencies_->Frequency(b.pinyin_key));
}

PairWeight FsModel::Weigh(const ComparisonVector& v, double frequency_a, double frequency_b) const {
  PairWeight w;
  double strongest_agreement = 0;
  for (int f = 0; f < kFieldCount; ++f) {
    const double x = weights_[f][v[f]];
    if (!IsContextField(static_cast<Field>(f))) {
      w.identity += x;
    } else if (x > 0) {
      strongest_agreement = std::max(strongest_agreement, x);
    } else {
      w.context += x;
    }
  }
  w.identity += NameTfAdjustment(v[kName], frequency_a, frequency_b);
  w.context += strongest_agreement;
  return w;
}

std::vector<FieldWeight> FsModel::Explain(const ComparisonVector& v, const PersonFeatures& a,
                                          const PersonFeatures& b) const {
  std::vector<FieldWeight> out;
  // Only the strongest context agreement counts; the others show 0.
  int strongest = -1;
  for (int f = 0; f < kFieldCount; ++f) {
    if (IsContextField(static_cast<Field>(f)) && weights_[f][v[f]] > 0 &&
        (strongest < 0 || weights_[f][v[f]] > weights_[strongest][v[strongest]])) {
      strongest = f;
    }
  }
  for (int f = 0; f < kFieldCount; ++f) {
    FieldWeight fw;
    fw.field = static_cast<Field>(f);
    fw.level = v[f];
    fw.weight = weights_[f][v[f]];
    if (IsContextField(fw.field) && fw.weight > 0 && f != strongest) fw.weight = 0;
    if (f == kName) {
      fw.tf_adjustment = frequencies_ == nullptr
                             ? 0
                             : NameTfAdjustment(v[f], frequencies_->Frequency(a.pinyin_key),
                                                frequencies_->Frequency(b.pinyin_key));
      fw.weight += fw.tf_adjustment;
    }
    out.push_back(fw);
  }
  return out;
}

double FsModel::Probability(double weight) const {
  const double lambda = std::clamp(params_.lambda, 1e-9, 1 - 1e-9);
  const double odds = std::exp2(weight) * lambda / (1 - lambda);
  return odds / (1 + odds);
}

void EstimateU(const std::vector<const PersonFeatures*>& records, int64_t pairs, uint64_t seed,
               ModelParams* params, int threads) {
  if (records.size() < 2 || pairs <= 0) return;
  using Counts = std::array<std::array<int64_t, kMaxLevels>, kFieldCount>;
  // Random pairs are cache misses more than comparisons: slices spread them over the threads.
  constexpr int64_t kSlices = 16;
  std::vector<Counts> slice_counts(kSlices, Counts{});
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t slice = next++; slice < kSlices; slice = next++) {
      std::mt19937_64 rng(seed + static_cast<uint64_t>(slice) * 0x9e3779b97f4a7c15ULL);
      std::uniform_int_distribution<size_t> pick(0, records.size() - 1);
      Counts& counts = slice_counts[static_cast<size_t>(slice)];
      const int64_t n = pairs / kSlices + (slice < pairs % kSlices ? 1 : 0);
      for (int64_t i = 0; i < n; ++i) {
        const size_t x = pick(rng);
        size_t y = pick(rng);
        if (x == y) y = (y + 1) % records.size();
        const ComparisonVector v = Compare(*records[x], *records[y]);
        for (int f = 0; f < kFieldCount; ++f) ++counts[f][v[f]];
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& th : pool) th.join();
  Counts counts{};
  for (const Counts& c : slice_counts) {
    for (int f = 0; f < kFieldCount; ++f) {
      for (int l = 0; l < kMaxLevels; ++l) counts[f][l] += c[f][l];
    }
  }
  for (int f = 0; f < kFieldCount; ++f) {
    const int levels = LevelCount(static_cast<Field>(f));
    int64_t seen = 0;
    for (int l = 1; l < levels; ++l) seen += counts[f][l];
    if (seen == 0) continue;  // never comparable in random pairs: keep the prior
    FieldParams& fp = params->fields[f];
    for (int l = 1; l < levels; ++l) {
      // A level no random pair showed is rarer than one in `seen`: half a count.
      fp.u[l] = std::max(static_cast<double>(counts[f][l]), 0.5) / static_cast<double>(seen);
    }
    Normalize(&fp.u, levels);
  }
  params->u_pairs = pairs;
}

void EstimateM(const std::unordered_map<uint32_t, int64_t>& patterns, int max_iterations,
               ModelParams* params) {
  struct Pattern {
    ComparisonVector v;
    double count;
  };
  std::vector<Pattern> list;
  list.reserve(patterns.size());
  int64_t total = 0;
  for (const auto& [packed, count] : patterns) {
    list.push_back({UnpackVector(packed), static_cast<double>(count)});
    total += count;
  }
  params->em_pairs = total;
  params->em_iterations = 0;
  params->em_converged = false;
  if (list.empty()) return;
  // EM over the candidate population: its own m, u and lambda.
  std::array<FieldParams, kFieldCount> p = params->fields;
  double lambda = params->lambda;
  for (int it = 0; it < max_iterations; ++it) {
    std::array<std::array<double, kMaxLevels>, kFieldCount> m_sum{};
    std::array<std::array<double, kMaxLevels>, kFieldCount> u_sum{};
    double match_total = 0;
    for (const Pattern& pat : list) {
      double pm = lambda;
      double pu = 1 - lambda;
      for (int f = 0; f < kFieldCount; ++f) {
        const uint8_t l = pat.v[f];
        if (l == kMissing) continue;
        pm *= p[f].m[l];
        pu *= p[f].u[l];
      }
      const double g = pm + pu > 0 ? pm / (pm + pu) : 0;
      match_total += g * pat.count;
      for (int f = 0; f < kFieldCount; ++f) {
        const uint8_t l = pat.v[f];
        if (l == kMissing) continue;
        m_sum[f][l] += g * pat.count;
        u_sum[f][l] += (1 - g) * pat.count;
      }
    }
    double change = std::abs(match_total / static_cast<double>(total) - lambda);
    lambda = std::clamp(match_total / static_cast<double>(total), 1e-6, 1 - 1e-6);
    for (int f = 0; f < kFieldCount; ++f) {
      const int levels = LevelCount(static_cast<Field>(f));
      double ms = 0;
      double us = 0;
      for (int l = 1; l < levels; ++l) ms += m_sum[f][l], us += u_sum[f][l];
      if (ms <= 0 || us <= 0) continue;
      for (int l = 1; l < levels; ++l) {
        const double m = m_sum[f][l] / ms;
        change = std::max(change, std::abs(m - p[f].m[l]));
        p[f].m[l] = m;
        p[f].u[l] = u_sum[f][l] / us;
      }
      Normalize(&p[f].m, levels);
      Normalize(&p[f].u, levels);
    }
    params->em_iterations = it + 1;
    if (change < 1e-5) {
      params->em_converged = true;
      break;
    }
  }
  for (int f = 0; f < kFieldCount; ++f) params->fields[f].m = p[f].m;
  params->lambda = lambda;
}

std::string FormatParams(const ModelParams& params) {
  std::string out = absl::StrCat(kHeader, "\n");
  absl::StrAppendFormat(&out, "lambda %.9g\n", params.lambda);
  absl::StrAppendFormat(&out, "estimated u_pairs=%d em_pairs=%d em_iterations=%d em_converged=%d\n",
                        params.u_pairs, params.em_pairs, params.em_iterations,
                        params.em_converged ? 1 : 0);
  for (int f = 0; f < kFieldCount; ++f) {
    const Field field = static_cast<Field>(f);
    for (int l = 1; l < LevelCount(field); ++l) {
      absl::StrAppendFormat(&out, "level %s %s %.9g %.9g\n", FieldName(field), LevelName(field, l),
                            params.fields[f].m[l], params.fields[f].u[l]);
    }
  }
  return out;
}

absl::StatusOr<ModelParams> ParseParams(const std::string& text) {
  ModelParams params = PriorParams();
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kHeader) {
    return absl::InvalidArgumentError(absl::StrCat("model file must start with '", kHeader, "'"));
  }
  std::array<std::array<bool, kMaxLevels>, kFieldCount> seen{};
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string where = absl::StrCat("model line ", i + 1, ": ");
    std::vector<absl::string_view> w = absl::StrSplit(lines[i], ' ', absl::SkipEmpty());
    if (w.empty()) continue;
    if (w[0] == "lambda" && w.size() == 2) {
      if (!absl::SimpleAtod(w[1], &params.lambda) || !(params.lambda > 0 && params.lambda < 1)) {
        return absl::InvalidArgumentError(absl::StrCat(where, "lambda must be in (0, 1)"));
      }
      continue;
    }
    if (w[0] == "estimated") {
      for (size_t k = 1; k < w.size(); ++k) {
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(w[k], '=');
        int64_t value = 0;
        if (!absl::SimpleAtoi(kv.second, &value)) {
          return absl::InvalidArgumentError(absl::StrCat(where, "bad count '", kv.first, "'"));
        }
        if (kv.first == "u_pairs") params.u_pairs = value;
        if (kv.first == "em_pairs") params.em_pairs = value;
        if (kv.first == "em_iterations") params.em_iterations = static_cast<int>(value);
        if (kv.first == "em_converged") params.em_converged = value != 0;
      }
      continue;
    }
    if (w[0] != "level" || w.size() != 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected 'level <field> <level> <m> <u>'"));
    }
    int field = -1;
    for (int f = 0; f < kFieldCount; ++f) {
      if (w[1] == FieldName(static_cast<Field>(f))) field = f;
    }
    if (field < 0)
      return absl::InvalidArgumentError(absl::StrCat(where, "unknown field '", w[1], "'"));
    int level = -1;
    for (int l = 1; l < LevelCount(static_cast<Field>(field)); ++l) {
      if (w[2] == LevelName(static_cast<Field>(field), l)) level = l;
    }
    if (level < 0)
      return absl::InvalidArgumentError(absl::StrCat(where, "unknown level '", w[2], "'"));
    double m = 0;
    double u = 0;
    if (!absl::SimpleAtod(w[3], &m) || !absl::SimpleAtod(w[4], &u) || !(m > 0 && m <= 1) ||
        !(u > 0 && u <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat(where, "m and u must be in (0, 1]"));
    }
    params.fields[field].m[level] = m;
    params.fields[field].u[level] = u;
    seen[field][level] = true;
  }
  for (int f = 0; f < kFieldCount; ++f) {
    for (int l = 1; l < LevelCount(static_cast<Field>(f)); ++l) {
      if (!seen[f][l]) {
        return absl::InvalidArgumentError(absl::StrCat("model has no line for ",
                                                       FieldName(static_cast<Field>(f)), " ",
                                                       LevelName(static_cast<Field>(f), l)));
      }
    }
  }
  return params;
}

}  // namespace lifeline::match::linkage
