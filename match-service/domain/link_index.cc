#include "match-service/domain/link_index.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/status/status_macros.h"

namespace lifeline::match {
namespace {

// Removes one `value` from `v` (order kept); false when absent.
template <typename Vector, typename T>
bool Erase(Vector& v, const T& value) {
  auto it = std::find(v.begin(), v.end(), value);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

std::pair<int64_t, int64_t> Ordered(int64_t a, int64_t b) {
  return {std::min(a, b), std::max(a, b)};
}

}  // namespace

Interned::Interned(std::string_view value) {
  if (value.empty()) return;
  static std::mutex* const mu = new std::mutex;
  // Node-based: a value's address never moves. Never freed (process-wide, small).
  static std::set<std::string, std::less<>>* const pool = new std::set<std::string, std::less<>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = pool->find(value);
  if (it == pool->end()) it = pool->emplace(value).first;
  value_ = *it;
}

IndexedRecord LinkIndex::Entry::AsIndexed(int64_t record_id) const {
  IndexedRecord r;
  r.record_id = record_id;
  r.agency = agency.view();
  r.source_record_id = source_record_id;
  r.person_id = person_id;
  r.link_reason = link_reason.view();
  r.link_partner = link_partner;
  r.link_vector = link_vector;
  return r;
}

RecordLink LinkIndex::Entry::Link(int64_t record_id) const {
  RecordLink link;
  link.record_id = record_id;
  link.person_id = person_id;
  link.reason = link_reason.view();
  link.partner_record_id = link_partner;
  link.weight = link_weight;
  link.vector = link_vector;
  return link;
}

absl::StatusOr<LinkIndex> LinkIndex::Build(const RecordSource& for_each_record,
                                           const std::vector<MatchReview>& reviews,
                                           const std::vector<std::pair<int64_t, int64_t>>& possible,
                                           int threads) {
  LinkIndex index;
  std::vector<IndexedRecord> batch;
  std::vector<linkage::PersonFeatures> features;
  auto flush = [&] {
    features = linkage::ExtractFeatures(
        batch.size(),
        [&](size_t i) -> const records::v1::NormalizedPerson& { return batch[i].person; }, threads);
    for (size_t i = 0; i < batch.size(); ++i) {
      IndexedRecord& r = batch[i];
      Entry entry;
      entry.agency = r.agency;
      entry.source_record_id = std::move(r.source_record_id);
      entry.person_id = std::move(r.person_id);
      entry.link_reason = r.link_reason;
      entry.link_partner = r.link_partner;
      entry.link_vector = r.link_vector;
      entry.features = std::move(features[i]);
      index.Put(r.record_id, std::move(entry));
    }
    batch.clear();
  };
  constexpr size_t kChunk = 4096;
  RETURN_IF_ERROR(for_each_record([&](IndexedRecord r) -> absl::Status {
    batch.push_back(std::move(r));
    if (batch.size() >= kChunk) flush();
    return absl::OkStatus();
  }));
  flush();
  for (const MatchReview& review : reviews) index.PutReview(review);
  for (const auto& [a, b] : possible) index.AddPossible(a, b);
  index.ClearChanged();
  return index;
}

void LinkIndex::Put(int64_t record_id, Entry entry, const std::vector<linkage::BlockKey>* keys) {
  changed_ = true;
  Remove(record_id);
  if (keys != nullptr) {
    AddKeys(record_id, *keys);
  } else {
    std::vector<linkage::BlockKey> own;
    linkage::BlockingKeys(entry.features, &own);
    AddKeys(record_id, own);
  }
  if (entry.features.name_key != 0) {
    AddKeys(record_id, {linkage::NameSearchKey(entry.features.name_key)});
  }
  if (entry.features.dwelling != 0) {
    AddKeys(record_id, {linkage::DwellingKey(entry.features.dwelling)});
  }
  if (entry.features.pinyin_key != 0) {
    ++name_counts_[entry.features.pinyin_key];
    ++named_records_;
  }
  if (!entry.person_id.empty()) Join(entry.person_id, record_id);
  records_.emplace(record_id, std::move(entry));
}

void LinkIndex::Remove(int64_t record_id) {
  auto it = records_.find(record_id);
  if (it == records_.end()) return;
  changed_ = true;
  const Entry& entry = it->second;
  RemoveKeys(record_id, entry.features);
  if (const uint64_t name = entry.features.pinyin_key; name != 0) {
    auto count = name_counts_.find(name);
    if (count != name_counts_.end() && --count->second <= 0) name_counts_.erase(count);
    --named_records_;
  }
  if (!entry.person_id.empty()) Leave(entry.person_id, record_id);
  records_.erase(it);
}

const LinkIndex::Entry* LinkIndex::Find(int64_t record_id) const {
  auto it = records_.find(record_id);
  return it == records_.end() ? nullptr : &it->second;
}

void LinkIndex::SetLink(const RecordLink& link) {
  auto it = records_.find(link.record_id);
  if (it == records_.end()) return;
  changed_ = true;
  Entry& entry = it->second;
  if (entry.person_id != link.person_id) {
    if (!entry.person_id.empty()) Leave(entry.person_id, link.record_id);
    if (!link.person_id.empty()) Join(link.person_id, link.record_id);
    entry.person_id = link.person_id;
  }
  entry.link_reason = link.reason;
  entry.link_partner = link.partner_record_id;
  entry.link_vector = link.vector;
  entry.link_weight = static_cast<float>(link.weight);
}

bool LinkIndex::Holders(const linkage::BlockKey& key, size_t limit,
                        std::vector<int64_t>* out) const {
  auto meets = [&](uint64_t holding) { return !key.index_only || (holding & 1) == 0; };
  if (auto single = single_keys_.find(key.key); single != single_keys_.end()) {
    if (meets(single->second) && limit > 0) {
      out->push_back(static_cast<int64_t>(single->second >> 1));
      return true;
    }
    return limit > 0 || !meets(single->second);
  }
  auto it = shared_keys_.find(key.key);
  if (it == shared_keys_.end()) return true;
  const size_t start = out->size();
  for (uint64_t holding : it->second) {
    if (!meets(holding)) continue;
    if (out->size() - start >= limit) {
      out->resize(start);
      return false;
    }
    out->push_back(static_cast<int64_t>(holding >> 1));
  }
  return true;
}

void LinkIndex::AllHolders(uint64_t key, std::vector<int64_t>* out) const {
  if (auto single = single_keys_.find(key); single != single_keys_.end()) {
    out->push_back(static_cast<int64_t>(single->second >> 1));
    return;
  }
  auto it = shared_keys_.find(key);
  if (it == shared_keys_.end()) return;
  for (uint64_t holding : it->second) out->push_back(static_cast<int64_t>(holding >> 1));
}

std::vector<int64_t> LinkIndex::Search(std::string_view id_token, std::string_view name) const {
  std::vector<int64_t> found;
  if (id_token.empty() && name.empty()) return found;
  const uint64_t id = linkage::Hash64(id_token);
  const uint64_t name_key = linkage::Hash64(name);
  AllHolders(id_token.empty() ? linkage::NameSearchKey(name_key).key : linkage::IdKey(id).key,
             &found);
  // Keys are hashes mixed with their kind: check each holder's own values.
  std::erase_if(found, [&](int64_t record_id) {
    const Entry* entry = Find(record_id);
    return entry == nullptr || (!id_token.empty() && entry->features.id != id) ||
           (!name.empty() && entry->features.name_key != name_key);
  });
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<int64_t> LinkIndex::Sharing(uint64_t key, uint64_t linkage::PersonFeatures::*field,
                                        uint64_t value, size_t limit) const {
  std::vector<int64_t> found;
  if (value == 0) return found;
  // An oversized key (a placeholder household id, an office's address) costs no copy of its
  // holders: a lookup's cost is the records it may return.
  if (auto shared = shared_keys_.find(key);
      shared != shared_keys_.end() && shared->second.size() > limit) {
    return found;
  }
  AllHolders(key, &found);
  // Keys are hashes mixed with their kind: check each holder's own value.
  std::erase_if(found, [&](int64_t record_id) {
    const Entry* entry = Find(record_id);
    return entry == nullptr || entry->features.*field != value;
  });
  if (found.size() > limit) found.clear();
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<int64_t> LinkIndex::Household(uint64_t household, size_t limit) const {
  return Sharing(linkage::HouseholdKey(household).key, &linkage::PersonFeatures::household,
                 household, limit);
}

std::vector<int64_t> LinkIndex::Dwelling(uint64_t dwelling, size_t limit) const {
  return Sharing(linkage::DwellingKey(dwelling).key, &linkage::PersonFeatures::dwelling, dwelling,
                 limit);
}

std::vector<int64_t> LinkIndex::RecordsOf(const std::string& person_id) const {
  auto it = persons_.find(person_id);
  if (it == persons_.end()) return {};
  return it->second;
}

std::vector<int64_t> LinkIndex::RecordIds() const {
  std::vector<int64_t> ids;
  ids.reserve(records_.size());
  for (const auto& [id, entry] : records_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<linkage::PersonFeatures> LinkIndex::LendFeatures(
    const std::vector<int64_t>& record_ids) {
  std::vector<linkage::PersonFeatures> out;
  out.reserve(record_ids.size());
  for (int64_t id : record_ids) out.push_back(std::move(records_.at(id).features));
  return out;
}

void LinkIndex::ReturnFeatures(const std::vector<int64_t>& record_ids,
                               std::vector<linkage::PersonFeatures> features) {
  for (size_t i = 0; i < record_ids.size() && i < features.size(); ++i) {
    records_.at(record_ids[i]).features = std::move(features[i]);
  }
}

int32_t LinkIndex::NameCount(uint64_t pinyin_key) const {
  auto it = name_counts_.find(pinyin_key);
  return it == name_counts_.end() ? 0 : it->second;
}

void LinkIndex::PutReview(const MatchReview& review) {
  changed_ = true;
  const auto key = Ordered(review.record_a, review.record_b);
  MatchReview stored = review;
  stored.record_a = key.first;
  stored.record_b = key.second;
  if (reviews_.insert_or_assign(key, std::move(stored)).second) {
    reviewed_with_[key.first].push_back(key.second);
    reviewed_with_[key.second].push_back(key.first);
  }
}

std::vector<MatchReview> LinkIndex::ReviewsAmong(const std::vector<int64_t>& record_ids) const {
  std::vector<MatchReview> out;
  if (reviews_.empty()) return out;
  const std::set<int64_t> among(record_ids.begin(), record_ids.end());
  for (int64_t id : among) {
    auto it = reviewed_with_.find(id);
    if (it == reviewed_with_.end()) continue;
    for (int64_t partner : it->second) {
      if (partner > id && among.count(partner) > 0) out.push_back(reviews_.at({id, partner}));
    }
  }
  return out;
}

std::vector<MatchReview> LinkIndex::AllReviews() const {
  std::vector<MatchReview> out;
  out.reserve(reviews_.size());
  for (const auto& [key, review] : reviews_) out.push_back(review);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> LinkIndex::PossibleAmong(
    const std::vector<int64_t>& record_ids) const {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (possible_.empty()) return out;
  const std::set<int64_t> among(record_ids.begin(), record_ids.end());
  for (int64_t id : among) {
    auto it = possible_with_.find(id);
    if (it == possible_with_.end()) continue;
    for (int64_t partner : it->second) {
      if (partner > id && among.count(partner) > 0) out.emplace_back(id, partner);
    }
  }
  return out;
}

void LinkIndex::RemovePossible(int64_t a, int64_t b) {
  const auto key = Ordered(a, b);
  if (possible_.erase(key) == 0) return;
  changed_ = true;
  for (const auto& [from, to] : {key, std::make_pair(key.second, key.first)}) {
    auto it = possible_with_.find(from);
    if (it == possible_with_.end()) continue;
    Erase(it->second, to);
    if (it->second.empty()) possible_with_.erase(it);
  }
}

void LinkIndex::AddPossible(int64_t a, int64_t b) {
  const auto key = Ordered(a, b);
  if (!possible_.insert(key).second) return;
  changed_ = true;
  possible_with_[key.first].push_back(key.second);
  possible_with_[key.second].push_back(key.first);
}

void LinkIndex::ClearPossible() {
  changed_ = true;
  possible_.clear();
  possible_with_.clear();
}

void LinkIndex::AddKeys(int64_t record_id, const std::vector<linkage::BlockKey>& keys) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const linkage::BlockKey& k = keys[i];
    // A record holds a key once, with the flag it first came with (the check is among its own
    // few keys: a block of thousands is never scanned).
    const bool repeated = std::any_of(keys.begin(), keys.begin() + static_cast<long>(i),
                                      [&](const linkage::BlockKey& e) { return e.key == k.key; });
    if (repeated) continue;
    const uint64_t holding = static_cast<uint64_t>(record_id) << 1 | (k.index_only ? 1 : 0);
    if (auto shared = shared_keys_.find(k.key); shared != shared_keys_.end()) {
      shared->second.push_back(holding);
    } else if (auto single = single_keys_.find(k.key); single != single_keys_.end()) {
      shared_keys_.emplace(k.key, std::vector<uint64_t>{single->second, holding});
      single_keys_.erase(single);
    } else {
      single_keys_.emplace(k.key, holding);
    }
  }
}

void LinkIndex::RemoveKeys(int64_t record_id, const linkage::PersonFeatures& f) {
  std::vector<linkage::BlockKey> keys;
  linkage::BlockingKeys(f, &keys);
  if (f.name_key != 0) keys.push_back(linkage::NameSearchKey(f.name_key));
  if (f.dwelling != 0) keys.push_back(linkage::DwellingKey(f.dwelling));
  auto held_by_record = [&](uint64_t h) { return static_cast<int64_t>(h >> 1) == record_id; };
  for (const linkage::BlockKey& k : keys) {
    if (auto single = single_keys_.find(k.key); single != single_keys_.end()) {
      if (held_by_record(single->second)) single_keys_.erase(single);
      continue;
    }
    auto it = shared_keys_.find(k.key);
    if (it == shared_keys_.end()) continue;
    std::vector<uint64_t>& holders = it->second;
    auto held = std::find_if(holders.begin(), holders.end(), held_by_record);
    if (held != holders.end()) holders.erase(held);
    if (holders.size() == 1) single_keys_.emplace(k.key, holders.front());
    if (holders.size() <= 1) shared_keys_.erase(it);
  }
}

void LinkIndex::Join(const std::string& person_id, int64_t record_id) {
  std::vector<int64_t>& of = persons_[person_id];
  of.insert(std::upper_bound(of.begin(), of.end(), record_id), record_id);
}

void LinkIndex::Leave(const std::string& person_id, int64_t record_id) {
  auto it = persons_.find(person_id);
  if (it == persons_.end()) return;
  Erase(it->second, record_id);
  if (it->second.empty()) persons_.erase(it);
}

}  // namespace lifeline::match
