// The Fellegi–Sunter model: for each field and level, m (the chance a true pair shows that level)
// and u (the chance a random pair does). A pair's match weight is the sum over fields of
// log2(m/u) (a missing field adds nothing), with the name's agreement weighed by how common the
// name is (term-frequency adjustment: 王伟 = 王伟 counts less than a rare name). u comes from
// random pairs, m from expectation-maximisation over the blocked candidate pairs, so no labels
// are needed. Parameters are saved as text and reloaded.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

#include "match-service/domain/linkage/compare.h"
#include "match-service/domain/linkage/features.h"

namespace lifeline::match::linkage {

struct FieldParams {
  // Indexed by level; level 0 (missing) is unused.
  std::array<double, kMaxLevels> m{};
  std::array<double, kMaxLevels> u{};
};

struct ModelParams {
  std::array<FieldParams, kFieldCount> fields{};
  // Share of true pairs among the candidate pairs EM saw.
  double lambda = 0.1;
  // How the parameters were obtained, for `show`.
  int64_t u_pairs = 0;   // random pairs u was counted on
  int64_t em_pairs = 0;  // candidate pairs EM ran on
  int em_iterations = 0;
  bool em_converged = false;
};

// Starting parameters before any estimation: plausible m and u per level.
ModelParams PriorParams();

// Packs a comparison vector into 32 bits (3 bits a field) and back.
uint32_t PackVector(const ComparisonVector& v);
ComparisonVector UnpackVector(uint32_t packed);

// Counts of how often each name (by pinyin, which homophones share) occurs among the records:
// the term frequencies of the name comparison.
class NameFrequencies {
 public:
  void Add(const PersonFeatures& f);
  void Remove(const PersonFeatures& f);
  // Sets one name's count and the number of named records, as a store keeps them.
  void Set(uint64_t pinyin_key, int32_t count) { counts_[pinyin_key] = count; }
  void set_total(int64_t total) { total_ = total; }
  // Share of records with the name's pinyin; 0 when the name is unknown or there is none.
  double Frequency(uint64_t pinyin_key) const;
  int64_t total() const { return total_; }

 private:
  std::unordered_map<uint64_t, int32_t> counts_;
  int64_t total_ = 0;
};

// One field's contribution to a pair's weight, for explanations.
struct FieldWeight {
  Field field = kName;
  uint8_t level = kMissing;
  double weight = 0;
  // The term-frequency part of a name agreement's weight (included in `weight`).
  double tf_adjustment = 0;
};

// Whether a field tells who a person is (name, birth date, sex, ID number, document) or only
// where and with whom they live (region, phone, household, address). Context fields are shared
// by a household and move together, so their agreements are not independent evidence: only the
// strongest one counts (disagreements all count).
bool IsContextField(Field field);

// A pair's weight in its two parts.
struct PairWeight {
  double identity = 0;  // name (term-frequency adjusted), birth date, sex, ID, document
  double context = 0;   // the strongest context agreement plus every context disagreement
  double total() const { return identity + context; }
};

class FsModel {
 public:
  explicit FsModel(ModelParams params, const NameFrequencies* frequencies = nullptr);

  // log2(m/u) of one field's level; 0 for a missing field.
  double LevelWeight(Field field, uint8_t level) const { return weights_[field][level]; }
  // The match weight of a pair: the level weights, with the name agreement adjusted for the
  // frequency of the names' sound, and the context counted once.
  PairWeight Weigh(const ComparisonVector& v, const PersonFeatures& a,
                   const PersonFeatures& b) const;
  // The same with the two names' frequencies (NameFrequencies::Frequency) looked up already.
  PairWeight Weigh(const ComparisonVector& v, double frequency_a, double frequency_b) const;
  double Weight(const ComparisonVector& v, const PersonFeatures& a, const PersonFeatures& b) const {
    return Weigh(v, a, b).total();
  }
  // The same, field by field.
  std::vector<FieldWeight> Explain(const ComparisonVector& v, const PersonFeatures& a,
                                   const PersonFeatures& b) const;
  // The posterior probability of a match among candidate pairs for `weight` (with lambda).
  double Probability(double weight) const;

  const ModelParams& params() const { return params_; }

 private:
  double NameTfAdjustment(uint8_t level, double frequency_a, double frequency_b) const;

  ModelParams params_;
  const NameFrequencies* frequencies_;
  std::array<std::array<double, kMaxLevels>, kFieldCount> weights_{};
};

// Counts the level frequencies of `pairs` random pairs of `records` into params->u (keeps m).
// Deterministic for a seed, whatever the number of `threads` it runs on: the pairs are drawn in
// fixed slices, each from its own generator.
void EstimateU(const std::vector<const PersonFeatures*>& records, int64_t pairs, uint64_t seed,
               ModelParams* params, int threads = 1);

// Runs EM on the comparison patterns of candidate pairs (packed vector -> number of pairs),
// estimating m, u and lambda of the candidate population; keeps the estimated m and lambda in
// `params` and leaves its u (the random-pair u) as it was.
void EstimateM(const std::unordered_map<uint32_t, int64_t>& patterns, int max_iterations,
               ModelParams* params);

// Text form: a header line, "lambda <x>", then one line per field and level "m <field> <level>
// <m> <u>"; plus the estimation counts.
std::string FormatParams(const ModelParams& params);
// Errors: InvalidArgument naming the line.
absl::StatusOr<ModelParams> ParseParams(const std::string& text);

}  // namespace lifeline::match::linkage
