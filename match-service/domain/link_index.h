// The live records as incremental linking needs them, in memory: each record's features and
// link, blocking keys → records, person → records, name-sound counts, reviewers' decisions and
// the possible matches on file. The store holds the truth (records, links, reviews, possible
// matches); this index is derived from it (LinkIndex::Build) and kept in step by the engine
// inside its transactions, so a new record is resolved without reading its neighbours back
// from disk or extracting their features again.
//
// Not thread-safe: the engine uses it under its own lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "match-service/domain/linkage/features.h"
#include "match-service/domain/linkage/model.h"
#include "match-service/domain/linkage/resolver.h"
#include "match-service/domain/person_linker.h"

namespace lifeline::match {

// A string held once for the whole process and shared by everything that holds an equal one:
// agencies and link reasons are a handful of values over a million index entries, and as
// std::strings they cost 32 to 64 bytes each. The values come from ingest-service, which admits
// only its known agencies, and from the linker's reasons, so the pool stays small.
class Interned {
 public:
  Interned() = default;
  explicit Interned(std::string_view value);
  Interned& operator=(std::string_view value) { return *this = Interned(value); }

  std::string_view view() const { return value_; }
  operator std::string_view() const { return value_; }  // NOLINT: reads as the string
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Interned& a, std::string_view b) { return a.value_ == b; }
  friend std::ostream& operator<<(std::ostream& out, const Interned& s) { return out << s.value_; }

 private:
  std::string_view value_;
};

class LinkIndex {
 public:
  // One live record.
  struct Entry {
    Interned agency;
    std::string source_record_id;
    std::string person_id;  // "" while not placed
    // The stored link (RecordLink's fields), to write only what changed.
    Interned link_reason;
    int64_t link_partner = 0;
    uint32_t link_vector = 0;
    float link_weight = 0;
    linkage::PersonFeatures features;

    // The record as the linker takes it (without its person's fields: the caller passes the
    // features), and its stored link.
    IndexedRecord AsIndexed(int64_t record_id) const;
    RecordLink Link(int64_t record_id) const;
  };

  // Reads every live record (`for_each_record` calls back once per record), every decision and
  // every possible match; extracts the records' features on `threads` threads.
  using RecordSource =
      std::function<absl::Status(const std::function<absl::Status(IndexedRecord)>& each)>;
  static absl::StatusOr<LinkIndex> Build(const RecordSource& for_each_record,
                                         const std::vector<MatchReview>& reviews,
                                         const std::vector<std::pair<int64_t, int64_t>>& possible,
                                         int threads = 2);

  // Adds a live record or replaces it (its old keys, name count and person membership go).
  // `keys`, when given, are linkage::BlockingKeys of the entry's features (a caller that needs
  // them too computes them once).
  void Put(int64_t record_id, Entry entry, const std::vector<linkage::BlockKey>* keys = nullptr);
  // Removes a record (retracted); unknown ids are ignored.
  void Remove(int64_t record_id);
  // nullptr when the record is not live.
  const Entry* Find(int64_t record_id) const;
  // Moves a record to `link.person_id` with its explaining link. The record must be live.
  void SetLink(const RecordLink& link);

  // Appends the records that hold `key` and may meet it (for an index-only key, those for which
  // it is not index-only), unless there are more than `limit`: then appends nothing and returns
  // false (an oversized block, skipped).
  bool Holders(const linkage::BlockKey& key, size_t limit, std::vector<int64_t>* out) const;
  // The live records whose valid ID number's keyed token is `id_token` and whose normalized name
  // is `name`, ascending; an empty argument matches every record (both empty: none). A search's
  // cost is the records it finds, not the index's size.
  std::vector<int64_t> Search(std::string_view id_token, std::string_view name) const;
  // The live records that carry the household id whose hash (PersonFeatures::household) is
  // `household`, ascending; none when more than `limit` do (an id shared that widely is a
  // placeholder, not a household).
  std::vector<int64_t> Household(uint64_t household, size_t limit) const;
  // The live records whose address names the dwelling whose hash (PersonFeatures::dwelling) is
  // `dwelling`, ascending; none when more than `limit` do (a shared address: a block of flats
  // without room numbers, an office).
  std::vector<int64_t> Dwelling(uint64_t dwelling, size_t limit) const;
  // The live records of a person, ascending; empty for an unknown person.
  std::vector<int64_t> RecordsOf(const std::string& person_id) const;

  // Every live record, ascending.
  std::vector<int64_t> RecordIds() const;
  // Moves the features of `record_ids` (live records) out, for a from-scratch run that would
  // otherwise copy every record's; nothing may use the index until ReturnFeatures gives the
  // same records theirs back.
  std::vector<linkage::PersonFeatures> LendFeatures(const std::vector<int64_t>& record_ids);
  void ReturnFeatures(const std::vector<int64_t>& record_ids,
                      std::vector<linkage::PersonFeatures> features);

  int64_t live_records() const { return static_cast<int64_t>(records_.size()); }
  // Records with a name, and those whose name sounds like `pinyin_key`.
  int64_t named_records() const { return named_records_; }
  int32_t NameCount(uint64_t pinyin_key) const;

  // Reviewers' decisions.
  void PutReview(const MatchReview& review);
  // The decisions between two records of `record_ids`.
  std::vector<MatchReview> ReviewsAmong(const std::vector<int64_t>& record_ids) const;
  std::vector<MatchReview> AllReviews() const;

  // Possible matches on file, as (smaller, larger) record ids.
  std::vector<std::pair<int64_t, int64_t>> PossibleAmong(
      const std::vector<int64_t>& record_ids) const;
  void RemovePossible(int64_t a, int64_t b);
  void AddPossible(int64_t a, int64_t b);
  void ClearPossible();

  // Set by every change since ClearChanged: the engine discards an index changed by a
  // transaction that did not commit.
  bool changed() const { return changed_; }
  void ClearChanged() { changed_ = false; }

 private:
  void AddKeys(int64_t record_id, const std::vector<linkage::BlockKey>& keys);
  // Every record holding `key`, whatever its flag.
  void AllHolders(uint64_t key, std::vector<int64_t>* out) const;
  // The holders of `key` whose feature `field` is `value` (a nonzero hash), ascending; none when
  // more than `limit` are.
  std::vector<int64_t> Sharing(uint64_t key, uint64_t linkage::PersonFeatures::*field,
                               uint64_t value, size_t limit) const;
  void RemoveKeys(int64_t record_id, const linkage::PersonFeatures& f);
  void Join(const std::string& person_id, int64_t record_id);
  void Leave(const std::string& person_id, int64_t record_id);

  std::unordered_map<int64_t, Entry> records_;
  // A blocking key's holders, each as record id << 1 | index-only. Most keys have one holder
  // (an ID number, a phone): those are in single_keys_ (16 bytes a slot), the others in
  // shared_keys_.
  absl::flat_hash_map<uint64_t, uint64_t> single_keys_;
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> shared_keys_;
  std::unordered_map<std::string, std::vector<int64_t>> persons_;
  absl::flat_hash_map<uint64_t, int32_t> name_counts_;
  int64_t named_records_ = 0;
  std::map<std::pair<int64_t, int64_t>, MatchReview> reviews_;
  // Each record's partners in reviews and in possible matches.
  std::unordered_map<int64_t, std::vector<int64_t>> reviewed_with_;
  std::set<std::pair<int64_t, int64_t>> possible_;
  std::unordered_map<int64_t, std::vector<int64_t>> possible_with_;
  bool changed_ = false;
};

}  // namespace lifeline::match
