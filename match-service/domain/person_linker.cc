#include "match-service/domain/person_linker.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lifeline::match {
namespace {

using linkage::LinkRecord;
using linkage::ResolveResult;
using linkage::ScoredPair;

}  // namespace

double LinkModel::PriorLog2Odds() const {
  const double n = static_cast<double>(std::max<int64_t>(live_records, 2));
  const double prior = std::clamp(2 * matches_per_record / (n - 1), 1e-15, 0.5);
  return std::log2(prior / (1 - prior));
}

PersonLinker::PersonLinker(linkage::LinkageOptions options) : options_(std::move(options)) {}

double PersonLinker::LinkWeight(const LinkModel& model) const {
  const double p = options_.link_probability;
  return std::log2(p / (1 - p)) - model.PriorLog2Odds();
}

double PersonLinker::PossibleWeight(const LinkModel& model) const {
  const double p = options_.possible_probability;
  return std::log2(p / (1 - p)) - model.PriorLog2Odds();
}

linkage::LinkageOptions PersonLinker::WithModel(const LinkModel& model,
                                                const linkage::NameFrequencies& frequencies) const {
  linkage::LinkageOptions options = options_;
  options.estimate = false;
  options.params = model.params;
  options.prior_log2_odds = model.PriorLog2Odds();
  options.frequencies = &frequencies;
  options.threads = 1;
  options.progress = nullptr;
  return options;
}

LinkOutcome PersonLinker::LinkNeighbourhood(const std::vector<IndexedRecord>& records,
                                            const std::vector<MatchReview>& reviews,
                                            const LinkModel& model,
                                            const linkage::NameFrequencies& frequencies,
                                            const IdGenerator& new_person,
                                            std::vector<linkage::PersonFeatures> features) const {
  LinkOutcome outcome =
      Assign(records, reviews, WithModel(model, frequencies), new_person, &features);
  outcome.model = model;
  return outcome;
}

LinkOutcome PersonLinker::LinkAll(const std::vector<IndexedRecord>& records,
                                  const std::vector<MatchReview>& reviews, const LinkModel& current,
                                  const IdGenerator& new_person,
                                  std::vector<linkage::PersonFeatures>* features) const {
  if (records.size() < kMinRecordsToEstimate) {
    LinkModel model = current;
    model.live_records = static_cast<int64_t>(records.size());
    const linkage::NameFrequencies none;
    LinkOutcome outcome = Assign(records, reviews, WithModel(model, none), new_person, features);
    outcome.model = current;
    return outcome;
  }
  linkage::LinkageOptions options = options_;
  options.estimate = true;
  LinkOutcome outcome = Assign(records, reviews, options, new_person, features);
  const double n = static_cast<double>(std::max<size_t>(records.size(), 2));
  const double prior = 1 / (1 + std::exp2(-outcome.stats.prior_log2_odds));
  outcome.model.matches_per_record = prior * (n - 1) / 2;
  outcome.model.estimated = true;
  outcome.model.live_records = static_cast<int64_t>(records.size());
  return outcome;
}

LinkOutcome PersonLinker::Assign(const std::vector<IndexedRecord>& records,
                                 const std::vector<MatchReview>& reviews,
                                 linkage::LinkageOptions options, const IdGenerator& new_person,
                                 std::vector<linkage::PersonFeatures>* features) const {
  LinkOutcome outcome;
  const size_t n = records.size();
  const bool extracted = features != nullptr && features->size() == n;
  std::vector<LinkRecord> input;
  input.reserve(n);
  std::unordered_map<int64_t, uint32_t> index;
  for (size_t i = 0; i < n; ++i) {
    const IndexedRecord& r = records[i];
    index.emplace(r.record_id, static_cast<uint32_t>(i));
    input.push_back(
        LinkRecord{absl::StrCat(r.agency, ":", r.source_record_id),
                   extracted ? std::move((*features)[i]) : linkage::ExtractFeatures(r.person)});
  }
  std::set<std::pair<uint32_t, uint32_t>> confirmed;
  for (const MatchReview& review : reviews) {
    auto a = index.find(review.record_a);
    auto b = index.find(review.record_b);
    if (a == index.end() || b == index.end()) continue;
    const auto pair = std::minmax(a->second, b->second);
    if (review.same) {
      options.must_link.emplace_back(pair.first, pair.second);
      confirmed.emplace(pair.first, pair.second);
    } else {
      options.cannot_link.emplace_back(pair.first, pair.second);
    }
  }
  const ResolveResult result = linkage::Resolve(input, options);
  if (extracted) {
    for (size_t i = 0; i < n; ++i) (*features)[i] = std::move(input[i].features);
  }
  outcome.stats = result.stats;
  outcome.model.params = result.params;

  // Groups by the engine's cluster, biggest first (ties by their first record's key).
  std::map<uint32_t, std::vector<uint32_t>> clusters;
  for (uint32_t i = 0; i < n; ++i) clusters[result.cluster_of[i]].push_back(i);
  std::vector<const std::vector<uint32_t>*> order;
  for (const auto& [root, members] : clusters) order.push_back(&members);
  std::sort(order.begin(), order.end(), [&](const auto* x, const auto* y) {
    if (x->size() != y->size()) return x->size() > y->size();
    return input[result.cluster_of[x->front()]].key < input[result.cluster_of[y->front()]].key;
  });
  // Each group keeps the person most of its records had, unless a bigger group took it.
  std::vector<std::string> person_of(n);
  std::set<std::string> claimed;
  for (const std::vector<uint32_t>* members : order) {
    std::map<std::string, int> votes;
    for (uint32_t i : *members) {
      if (!records[i].person_id.empty()) ++votes[records[i].person_id];
    }
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [person, count] : votes) ranked.emplace_back(-count, person);
    std::sort(ranked.begin(), ranked.end());
    std::string chosen;
    for (const auto& [count, person] : ranked) {
      if (claimed.insert(person).second) {
        chosen = person;
        break;
      }
    }
    if (chosen.empty()) {
      chosen = new_person();
      claimed.insert(chosen);
      outcome.new_persons.push_back(chosen);
    }
    for (uint32_t i : *members) person_of[i] = chosen;
  }

  // Each record's explaining link: the join that brought it into its person (for the first
  // record of a person, the first join it took part in).
  std::vector<const ScoredPair*> edge_of(n, nullptr);
  for (const ScoredPair& link : result.links) {
    if (edge_of[link.a] == nullptr) edge_of[link.a] = &link;
    if (edge_of[link.b] == nullptr) edge_of[link.b] = &link;
  }
  outcome.links.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    RecordLink link;
    link.record_id = records[i].record_id;
    link.person_id = person_of[i];
    link.reason = kLinkSingleton;
    if (const ScoredPair* edge = edge_of[i]; edge != nullptr) {
      const uint32_t partner = edge->a == i ? edge->b : edge->a;
      link.partner_record_id = records[partner].record_id;
      link.weight = edge->weight;
      link.vector = edge->vector;
      const linkage::ComparisonVector v = linkage::UnpackVector(edge->vector);
      const auto pair = std::minmax(edge->a, edge->b);
      link.reason = confirmed.count({pair.first, pair.second}) > 0 ? kLinkConfirmed
                    : v[linkage::kId] == linkage::kIdSame          ? kLinkIdToken
                                                                   : kLinkProbabilistic;
    }
    outcome.links.push_back(std::move(link));
  }
  for (const ScoredPair& p : result.possible) {
    PossibleMatchRow row;
    row.record_a = std::min(records[p.a].record_id, records[p.b].record_id);
    row.record_b = std::max(records[p.a].record_id, records[p.b].record_id);
    row.weight = p.weight;
    row.vector = p.vector;
    outcome.possible.push_back(row);
  }
  return outcome;
}

}  // namespace lifeline::match
