#include "match-service/domain/match_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

#include "common/records/agencies.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "match-service/domain/plan_request.h"
#include "match-service/domain/review_policy.h"
#include "match-service/domain/suggested_amount.h"

namespace lifeline::match {

absl::Status CheckRecord(const NormalizedRecord& record) {
  if (record.agency().empty()) return absl::InvalidArgumentError("agency is required");
  if (record.source_record_id().empty()) {
    return absl::InvalidArgumentError("source_record_id is required");
  }
  if (!record.retracted() && record.record().payload_case() == Record::PAYLOAD_NOT_SET) {
    return absl::InvalidArgumentError("record.payload is required");
  }
  return absl::OkStatus();
}

MatchEngine::IdGenerator MatchEngine::TimeOrderedIds() {
  struct State {
    std::mutex mu;
    absl::BitGen gen;
    uint64_t last = 0;
  };
  auto state = std::make_shared<State>();
  return [state](std::string_view prefix) {
    std::lock_guard<std::mutex> lock(state->mu);
    const uint64_t micros = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    uint64_t value = micros << 8 | absl::Uniform<uint64_t>(state->gen, 0, 256);
    if (value <= state->last) value = state->last + 1;
    state->last = value;
    return absl::StrFormat("%s%016x", prefix, value);
  };
}

MatchEngine::MatchEngine(MatchTransactionRunner* runner, ClueScorer scorer, IdGenerator ids,
                         PersonLinker linker)
    : runner_(runner),
      scorer_(std::move(scorer)),
      linker_(std::move(linker)),
      ids_(std::move(ids)) {}

absl::Status MatchEngine::WithIndex(
    const std::function<absl::Status(MatchTransaction&, LinkIndex&)>& fn) {
  std::lock_guard<std::mutex> lock(index_mu_);
  const absl::Status status = runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    // A retried transaction finds the index its first attempt changed: build it again.
    if (index_ == nullptr || index_->changed()) {
      index_.reset();
      ASSIGN_OR_RETURN(std::vector<MatchReview> reviews, tx.AllMatchReviews());
      ASSIGN_OR_RETURN(auto possible, tx.AllPossibleMatchPairs());
      ASSIGN_OR_RETURN(
          LinkIndex built,
          LinkIndex::Build([&](const auto& each) { return tx.ForEachIndexedRecord(each); }, reviews,
                           possible, linker_.options().threads));
      index_ = std::make_unique<LinkIndex>(std::move(built));
    }
    return fn(tx, *index_);
  });
  if (index_ != nullptr) {
    if (status.ok()) {
      index_->ClearChanged();
    } else if (index_->changed()) {
      index_.reset();
    }
  }
  return status;
}

absl::StatusOr<int64_t> MatchEngine::LoadIndex() {
  int64_t records = 0;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction&, LinkIndex& index) {
    records = index.live_records();
    return absl::OkStatus();
  }));
  return records;
}

absl::StatusOr<std::vector<std::string>> MatchEngine::FindPersons(const std::string& id_token,
                                                                  const std::string& name,
                                                                  int limit) {
  if (id_token.empty() && name.empty()) {
    return absl::InvalidArgumentError("id_token or name is required");
  }
  std::vector<std::string> persons;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction&, LinkIndex& index) {
    for (int64_t record_id : index.Search(id_token, name)) {
      const LinkIndex::Entry* entry = index.Find(record_id);
      if (entry != nullptr && !entry->person_id.empty()) persons.push_back(entry->person_id);
    }
    return absl::OkStatus();
  }));
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
  if (persons.size() > static_cast<size_t>(std::max(limit, 1))) {
    persons.resize(static_cast<size_t>(std::max(limit, 1)));
  }
  return persons;
}

absl::StatusOr<LinkModel> MatchEngine::ModelOf(MatchTransaction& tx, const LinkIndex& index) {
  ASSIGN_OR_RETURN(LinkState state, tx.LoadLinkState());
  state.model.live_records = index.live_records();
  state.model.named_records = index.named_records();
  return state.model;
}

absl::Status MatchEngine::ApplyRecord(MatchTransaction& tx, LinkIndex& index,
                                      const NormalizedRecord& record,
                                      const linkage::PersonFeatures& features, absl::Time now,
                                      LinkModel model, bool* applied,
                                      std::set<std::string>* persons, std::set<std::string>* cases,
                                      Homes* homes) {
  *applied = false;
  ASSIGN_OR_RETURN(std::optional<StoredRecordState> stored,
                   tx.FindRecord(record.agency(), record.source_record_id()));
  if (stored.has_value()) {
    if (stored->version >= record.version()) return absl::OkStatus();
    if (!stored->case_number.empty()) cases->insert(stored->case_number);
    if (!stored->person_id.empty()) persons->insert(stored->person_id);
  }
  *applied = true;
  const std::string old_person = stored.has_value() ? stored->person_id : "";
  int64_t record_id = stored.has_value() ? stored->record_id : 0;
  if (record_id == 0) {
    ASSIGN_OR_RETURN(record_id, tx.NewRecordId());
  }
  auto touch = [homes](const linkage::PersonFeatures& f) {
    if (f.household != 0) homes->households.insert(f.household);
    if (f.dwelling != 0) homes->dwellings.insert(f.dwelling);
  };
  if (const LinkIndex::Entry* was = index.Find(record_id); was != nullptr) touch(was->features);
  if (!record.retracted()) touch(features);
  if (record.retracted()) {
    RecordLink retracted;
    retracted.record_id = record_id;
    retracted.reason = kLinkRetracted;
    RETURN_IF_ERROR(tx.PutRecord(record, retracted, now));
    index.Remove(record_id);
    // The rest of the person may fall apart without this record.
    if (old_person.empty()) return absl::OkStatus();
    model.live_records = index.live_records();
    model.named_records = index.named_records();
    return Relink(tx, index, index.RecordsOf(old_person), model, now, persons);
  }
  // The record goes into the index now and into the store once it is placed, in one write.
  std::vector<linkage::BlockKey> keys;
  linkage::BlockingKeys(features, &keys);
  {
    LinkIndex::Entry entry;
    entry.agency = record.agency();
    entry.source_record_id = record.source_record_id();
    entry.person_id = old_person;
    entry.link_reason = kLinkSingleton;
    entry.features = features;
    index.Put(record_id, std::move(entry), &keys);
  }
  if (!CaseNumberOf(record).empty()) cases->insert(CaseNumberOf(record));
  model.live_records = index.live_records();
  model.named_records = index.named_records();

  // The neighbourhood: the records sharing a blocking key that the record could link or be a
  // possible match with (a block of a common name and birth date holds hundreds it is not),
  // and every record of their persons and of the record's own person.
  std::vector<int64_t> candidates;
  const size_t max_block = static_cast<size_t>(linker_.options().max_block_size);
  for (const linkage::BlockKey& key : keys) index.Holders(key, max_block, &candidates);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<const linkage::PersonFeatures*> named = {&features};
  std::vector<std::pair<int64_t, const LinkIndex::Entry*>> found;
  found.reserve(candidates.size());
  for (int64_t id : candidates) {
    const LinkIndex::Entry* entry = id == record_id ? nullptr : index.Find(id);
    if (entry == nullptr) continue;
    found.emplace_back(id, entry);
    named.push_back(&entry->features);
  }
  const linkage::NameFrequencies frequencies = IndexFrequencies(index, named);
  const linkage::FsModel weigh(model.params, &frequencies);
  const double possible_weight = linker_.PossibleWeight(model);
  std::set<std::string> neighbours;
  if (!old_person.empty()) neighbours.insert(old_person);
  std::vector<int64_t> kept = {record_id};
  for (const auto& [id, entry] : found) {
    const linkage::PersonFeatures& f = entry->features;
    if (weigh.Weight(linkage::Compare(features, f), features, f) < possible_weight) continue;
    kept.push_back(id);
    if (!entry->person_id.empty()) neighbours.insert(entry->person_id);
  }
  for (const std::string& person : neighbours) {
    const std::vector<int64_t> of_person = index.RecordsOf(person);
    kept.insert(kept.end(), of_person.begin(), of_person.end());
  }
  RETURN_IF_ERROR(Relink(tx, index, std::move(kept), model, now, persons, record_id));
  return tx.PutRecord(record, index.Find(record_id)->Link(record_id), now);
}

linkage::NameFrequencies MatchEngine::IndexFrequencies(
    const LinkIndex& index, const std::vector<const linkage::PersonFeatures*>& records) {
  linkage::NameFrequencies frequencies;
  frequencies.set_total(index.named_records());
  for (const linkage::PersonFeatures* f : records) {
    if (f->pinyin_key != 0) frequencies.Set(f->pinyin_key, index.NameCount(f->pinyin_key));
  }
  return frequencies;
}

absl::Status MatchEngine::Relink(MatchTransaction& tx, LinkIndex& index,
                                 std::vector<int64_t> record_ids, const LinkModel& model,
                                 absl::Time now, std::set<std::string>* persons, int64_t unstored) {
  std::sort(record_ids.begin(), record_ids.end());
  record_ids.erase(std::unique(record_ids.begin(), record_ids.end()), record_ids.end());
  std::vector<IndexedRecord> records;
  std::vector<linkage::PersonFeatures> features;
  records.reserve(record_ids.size());
  features.reserve(record_ids.size());
  std::vector<int64_t> live;
  for (int64_t id : record_ids) {
    const LinkIndex::Entry* entry = index.Find(id);
    if (entry == nullptr) continue;
    records.push_back(entry->AsIndexed(id));
    features.push_back(entry->features);
    live.push_back(id);
  }
  if (records.empty()) return absl::OkStatus();
  std::vector<const linkage::PersonFeatures*> named;
  named.reserve(features.size());
  for (const linkage::PersonFeatures& f : features) named.push_back(&f);
  const linkage::NameFrequencies frequencies = IndexFrequencies(index, named);
  const LinkOutcome outcome = linker_.LinkNeighbourhood(
      records, index.ReviewsAmong(live), model, frequencies, [this] { return ids_("per_"); },
      std::move(features));
  RETURN_IF_ERROR(ApplyLinks(tx, index, records, outcome, now, persons, unstored));
  // The neighbourhood's possible matches are replaced by the outcome's.
  const std::vector<std::pair<int64_t, int64_t>> stale = index.PossibleAmong(live);
  RETURN_IF_ERROR(tx.DeletePossibleMatches(&stale));
  for (const auto& [a, b] : stale) index.RemovePossible(a, b);
  RETURN_IF_ERROR(tx.AddPossibleMatches(outcome.possible, now));
  for (const PossibleMatchRow& row : outcome.possible)
    index.AddPossible(row.record_a, row.record_b);
  return absl::OkStatus();
}

absl::Status MatchEngine::ApplyLinks(MatchTransaction& tx, LinkIndex& index,
                                     const std::vector<IndexedRecord>& records,
                                     const LinkOutcome& outcome, absl::Time now,
                                     std::set<std::string>* persons, int64_t unstored) {
  for (const std::string& person : outcome.new_persons) {
    RETURN_IF_ERROR(tx.InsertPerson(person, now));
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordLink& link = outcome.links[i];
    const IndexedRecord& was = records[i];
    if (was.person_id != link.person_id) {
      if (!was.person_id.empty()) persons->insert(was.person_id);
      persons->insert(link.person_id);
    } else if (was.link_reason == link.reason && was.link_partner == link.partner_record_id &&
               was.link_vector == link.vector) {
      continue;  // nothing to write
    }
    if (link.record_id != unstored) RETURN_IF_ERROR(tx.SetRecordLink(link));
    index.SetLink(link);
  }
  return absl::OkStatus();
}

absl::StatusOr<RelinkResult> MatchEngine::RelinkAll(absl::Time now) {
  RelinkResult result;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    result = RelinkResult{};
    ASSIGN_OR_RETURN(const LinkModel current, ModelOf(tx, index));
    const std::vector<int64_t> ids = index.RecordIds();
    std::vector<IndexedRecord> records;
    records.reserve(ids.size());
    for (int64_t id : ids) records.push_back(index.Find(id)->AsIndexed(id));
    // Every record's features are lent to the run, not copied, and handed back.
    std::vector<linkage::PersonFeatures> features = index.LendFeatures(ids);
    const LinkOutcome outcome = linker_.LinkAll(
        records, index.AllReviews(), current, [this] { return ids_("per_"); }, &features);
    index.ReturnFeatures(ids, std::move(features));
    std::set<std::string> persons;
    for (size_t i = 0; i < records.size(); ++i) {
      if (records[i].person_id != outcome.links[i].person_id) ++result.records_moved;
    }
    RETURN_IF_ERROR(ApplyLinks(tx, index, records, outcome, now, &persons));
    RETURN_IF_ERROR(tx.DeletePossibleMatches(nullptr));
    index.ClearPossible();
    RETURN_IF_ERROR(tx.AddPossibleMatches(outcome.possible, now));
    for (const PossibleMatchRow& row : outcome.possible) {
      index.AddPossible(row.record_a, row.record_b);
    }
    LinkModel model = outcome.model;
    model.live_records = index.live_records();
    model.named_records = index.named_records();
    RETURN_IF_ERROR(tx.SaveLinkModel(model, now));
    result.records = static_cast<int64_t>(records.size());
    result.persons = outcome.stats.clusters;
    result.possible_matches = static_cast<int64_t>(outcome.possible.size());
    result.model = model;
    result.stats = outcome.stats;
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, index, person_id, now, kCauseRelink, &result.scoring));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ApplyResult> MatchEngine::UpsertRecords(const std::vector<NormalizedRecord>& records,
                                                       absl::Time now) {
  std::vector<const NormalizedRecord*> each;
  each.reserve(records.size());
  for (const NormalizedRecord& record : records) each.push_back(&record);
  return UpsertRecords(each, now);
}

absl::StatusOr<ApplyResult> MatchEngine::UpsertRecords(
    absl::Span<const NormalizedRecord* const> records, absl::Time now) {
  // Checked before anything changes, so a bad record costs neither the index nor the batch's
  // transaction more than the check.
  for (const NormalizedRecord* record : records) RETURN_IF_ERROR(CheckRecord(*record));
  // A record's features depend on it alone: they are extracted before the index is taken, on the
  // linker's threads (under the lock, at a million records, they were an eighth of a batch).
  std::vector<linkage::PersonFeatures> features = linkage::ExtractFeatures(
      records.size(), [&](size_t i) -> const NormalizedPerson& { return records[i]->person(); },
      linker_.options().threads);
  ApplyResult result;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    result = ApplyResult{};
    std::set<std::string> persons;
    std::set<std::string> cases;
    Homes homes;
    ASSIGN_OR_RETURN(const LinkModel model, ModelOf(tx, index));
    for (size_t i = 0; i < records.size(); ++i) {
      bool applied = false;
      // Copied, not moved: a retried transaction runs this again.
      RETURN_IF_ERROR(ApplyRecord(tx, index, *records[i], features[i], now, model, &applied,
                                  &persons, &cases, &homes));
      ++(applied ? result.applied : result.unchanged);
    }
    // A household member's hardship record is the household's claimants' evidence too.
    const std::set<std::string> claimants = HomeClaimants(index, homes);
    persons.insert(claimants.begin(), claimants.end());
    // A touched person's cases too: a dependant's hardship record is the hardship of the
    // victim's other dependants (LoadScoringInput).
    for (const std::string& person_id : persons) {
      ASSIGN_OR_RETURN(std::vector<std::string> own_cases, tx.BasisCasesOf(person_id));
      cases.insert(own_cases.begin(), own_cases.end());
    }
    // Everyone in a touched case may gain or lose a clue (a judgment paid, a victim retracted).
    for (const std::string& case_number : cases) {
      ASSIGN_OR_RETURN(std::vector<std::string> in_case, tx.PersonsInCase(case_number));
      persons.insert(in_case.begin(), in_case.end());
    }
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, index, person_id, now, kCauseRecords, &result));
    }
    return absl::OkStatus();
  }));
  return result;
}

namespace {

// The live record's row id. Errors: NotFound.
absl::StatusOr<int64_t> LiveRecordId(MatchTransaction& tx, const RecordKey& key) {
  ASSIGN_OR_RETURN(std::optional<StoredRecordState> stored,
                   tx.FindRecord(key.agency, key.source_record_id));
  if (!stored.has_value() || stored->retracted) {
    return absl::NotFoundError(
        absl::StrCat("record ", key.agency, ":", key.source_record_id, " not found"));
  }
  return stored->record_id;
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> MatchEngine::ResolvePossibleMatch(
    const RecordKey& a, const RecordKey& b, bool same, const std::string& reviewer,
    const std::string& reason, absl::Time now) {
  if (a.agency == b.agency && a.source_record_id == b.source_record_id) {
    return absl::InvalidArgumentError("a decision needs two different records");
  }
  std::pair<std::string, std::string> persons_after;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    ASSIGN_OR_RETURN(const int64_t id_a, LiveRecordId(tx, a));
    ASSIGN_OR_RETURN(const int64_t id_b, LiveRecordId(tx, b));
    const LinkIndex::Entry* entry_a = index.Find(id_a);
    const LinkIndex::Entry* entry_b = index.Find(id_b);
    if (entry_a == nullptr || entry_b == nullptr) {
      return absl::InternalError("a live record is missing from the link index");
    }
    MatchReview review;
    review.record_a = std::min(id_a, id_b);
    review.record_b = std::max(id_a, id_b);
    review.same = same;
    review.reviewer = reviewer;
    review.reason = reason;
    review.decided_time = common::FormatRfc3339(now);
    RETURN_IF_ERROR(tx.PutMatchReview(review));
    index.PutReview(review);
    // The two persons, whole, are the neighbourhood the decision changes.
    std::vector<int64_t> ids = {id_a, id_b};
    for (const LinkIndex::Entry* entry : {entry_a, entry_b}) {
      if (entry->person_id.empty()) continue;
      const std::vector<int64_t> of_person = index.RecordsOf(entry->person_id);
      ids.insert(ids.end(), of_person.begin(), of_person.end());
    }
    ASSIGN_OR_RETURN(const LinkModel model, ModelOf(tx, index));
    std::set<std::string> persons;
    RETURN_IF_ERROR(Relink(tx, index, std::move(ids), model, now, &persons));
    ApplyResult scoring;
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, index, person_id, now, kCauseMatchReview, &scoring));
    }
    persons_after = {index.Find(id_a)->person_id, index.Find(id_b)->person_id};
    return absl::OkStatus();
  }));
  return persons_after;
}

absl::StatusOr<PairExplanationResult> MatchEngine::ExplainPair(const RecordKey& a,
                                                               const RecordKey& b) {
  PairExplanationResult out;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    out = PairExplanationResult{};
    ASSIGN_OR_RETURN(const int64_t id_a, LiveRecordId(tx, a));
    ASSIGN_OR_RETURN(const int64_t id_b, LiveRecordId(tx, b));
    const LinkIndex::Entry* entry_a = index.Find(id_a);
    const LinkIndex::Entry* entry_b = index.Find(id_b);
    if (entry_a == nullptr || entry_b == nullptr) return absl::NotFoundError("record not found");
    ASSIGN_OR_RETURN(const LinkModel link_model, ModelOf(tx, index));
    const linkage::PersonFeatures& fa = entry_a->features;
    const linkage::PersonFeatures& fb = entry_b->features;
    const linkage::NameFrequencies frequencies = IndexFrequencies(index, {&fa, &fb});
    const linkage::FsModel model(link_model.params, &frequencies);
    const linkage::ComparisonVector v = linkage::Compare(fa, fb);
    out.person_a = entry_a->person_id;
    out.person_b = entry_b->person_id;
    out.fields = model.Explain(v, fa, fb);
    out.weight = model.Weigh(v, fa, fb);
    out.probability = 1 / (1 + std::exp2(-(out.weight.total() + link_model.PriorLog2Odds())));
    out.link_weight = linker_.LinkWeight(link_model);
    out.possible_weight = linker_.PossibleWeight(link_model);
    const std::vector<MatchReview> reviews = index.ReviewsAmong({id_a, id_b});
    if (!reviews.empty()) out.review = reviews.front().same ? "confirmed" : "separated";
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<LinkModelView> MatchEngine::CurrentLinkModel() {
  LinkModelView view;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    ASSIGN_OR_RETURN(view.model, ModelOf(tx, index));
    view.link_weight = linker_.LinkWeight(view.model);
    view.possible_weight = linker_.PossibleWeight(view.model);
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<ApplyResult> MatchEngine::Rescore(absl::Time now, const std::string& cause) {
  ApplyResult result;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    result = ApplyResult{};
    ASSIGN_OR_RETURN(std::vector<std::string> persons, tx.ScorablePersons());
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, index, person_id, now, cause, &result));
    }
    return absl::OkStatus();
  }));
  return result;
}

namespace {

// Households larger than this are not households: an id shared by that many records is a
// placeholder ("0", "无").
constexpr size_t kMaxHouseholdRecords = 64;
// Nor is an address shared by more records than this one dwelling (a block of flats without room
// numbers, a village committee's address used for every member).
constexpr size_t kMaxDwellingRecords = 40;

// The records of the home of a person whose records are `own`: those that share a household id
// with one of them; or, when none of them carries a household id that names a household, those
// that share the address of one dwelling with one of them. Ascending, with repeats.
std::vector<int64_t> HomeRecords(const LinkIndex& index, const std::vector<int64_t>& own) {
  std::vector<int64_t> out;
  auto collect = [&](const auto& mates_of) {
    for (int64_t id : own) {
      const LinkIndex::Entry* entry = index.Find(id);
      if (entry == nullptr) continue;
      const std::vector<int64_t> mates = mates_of(entry->features);
      out.insert(out.end(), mates.begin(), mates.end());
    }
  };
  collect([&](const linkage::PersonFeatures& f) {
    return index.Household(f.household, kMaxHouseholdRecords);
  });
  if (!out.empty()) return out;
  collect([&](const linkage::PersonFeatures& f) {
    return index.Dwelling(f.dwelling, kMaxDwellingRecords);
  });
  return out;
}

}  // namespace

std::set<std::string> MatchEngine::HomeClaimants(const LinkIndex& index, const Homes& homes) {
  std::vector<int64_t> records;
  for (uint64_t household : homes.households) {
    const std::vector<int64_t> found = index.Household(household, kMaxHouseholdRecords);
    records.insert(records.end(), found.begin(), found.end());
  }
  for (uint64_t dwelling : homes.dwellings) {
    const std::vector<int64_t> found = index.Dwelling(dwelling, kMaxDwellingRecords);
    records.insert(records.end(), found.begin(), found.end());
  }
  std::set<std::string> out;
  for (int64_t id : records) {
    const LinkIndex::Entry* entry = index.Find(id);
    if (entry == nullptr || entry->person_id.empty() || out.contains(entry->person_id)) continue;
    for (int64_t own : index.RecordsOf(entry->person_id)) {
      const LinkIndex::Entry* record = index.Find(own);
      if (record != nullptr && !common::IsHardshipAgency(record->agency)) {
        out.insert(entry->person_id);
        break;
      }
    }
  }
  return out;
}

absl::StatusOr<ScoringInput> MatchEngine::LoadScoringInput(MatchTransaction& tx,
                                                           const LinkIndex& index,
                                                           const std::string& person_id) {
  ScoringInput input;
  input.person_id = person_id;
  ASSIGN_OR_RETURN(input.own_records, tx.LiveRecordsOf(person_id));
  std::set<std::string> cases;
  std::set<std::pair<std::string, std::string>> victims;
  for (const NormalizedRecord& r : input.own_records) {
    MergePerson(r.person(), &input.person);
    if (!CaseNumberOf(r).empty()) cases.insert(CaseNumberOf(r));
    if (r.record().has_near_relative()) {
      victims.emplace(r.agency(), r.record().near_relative().victim_record_id());
    }
  }
  std::set<std::pair<std::string, std::string>> loaded;
  auto add = [&](LinkedRecord linked) {
    if (loaded.emplace(linked.record.agency(), linked.record.source_record_id()).second) {
      input.case_records.push_back(std::move(linked));
    }
  };
  for (const std::string& case_number : cases) {
    ASSIGN_OR_RETURN(std::vector<LinkedRecord> in_case, tx.LiveRecordsInCase(case_number));
    for (LinkedRecord& linked : in_case) add(std::move(linked));
  }
  for (const auto& [agency, record_id] : victims) {
    if (loaded.contains({agency, record_id})) continue;  // in the case's records already
    ASSIGN_OR_RETURN(std::optional<LinkedRecord> victim, tx.LiveRecord(agency, record_id));
    if (victim.has_value()) add(*std::move(victim));
  }
  // The household's other members, for a person who may hold a clue (one with a case record).
  const bool claimant = std::any_of(input.own_records.begin(), input.own_records.end(),
                                    [](const NormalizedRecord& r) { return CanFoundClue(r); });
  if (!claimant) return input;
  std::set<std::string> members;
  // The other dependants of a victim the person depended on are one family with them: the
  // household head's minimum-living or low-income record is often the only hardship on file.
  for (const LinkedRecord& linked : input.case_records) {
    const NormalizedRecord& r = linked.record;
    if (linked.person_id.empty() || linked.person_id == person_id ||
        !r.record().has_near_relative() || !r.record().near_relative().depended_on_victim()) {
      continue;
    }
    const auto& relative = r.record().near_relative();
    const bool same_victim = std::any_of(
        input.own_records.begin(), input.own_records.end(), [&](const NormalizedRecord& own) {
          return own.record().has_near_relative() &&
                 own.record().near_relative().depended_on_victim() && own.agency() == r.agency() &&
                 own.record().near_relative().victim_record_id() == relative.victim_record_id();
        });
    if (same_victim) members.insert(linked.person_id);
  }
  for (int64_t id : HomeRecords(index, index.RecordsOf(person_id))) {
    const LinkIndex::Entry* member = index.Find(id);
    if (member != nullptr && !member->person_id.empty() && member->person_id != person_id) {
      members.insert(member->person_id);
    }
  }
  for (const std::string& member : members) {
    ASSIGN_OR_RETURN(std::vector<NormalizedRecord> records, tx.LiveRecordsOf(member));
    for (NormalizedRecord& r : records) {
      input.household_records.push_back(LinkedRecord{member, std::move(r)});
    }
  }
  return input;
}

namespace {

// Why a clue lost its basis, as far as the person's records tell: the records behind its
// evidence that are gone (retracted, or linked to someone else), else the rules.
std::string WithdrawalReason(const Clue& clue, const ScoringInput& input) {
  std::set<std::pair<std::string, std::string>> live;
  for (const NormalizedRecord& r : input.own_records)
    live.emplace(r.agency(), r.source_record_id());
  for (const LinkedRecord& r : input.case_records) {
    live.emplace(r.record.agency(), r.record.source_record_id());
  }
  for (const LinkedRecord& linked : input.household_records) {
    const NormalizedRecord& r = linked.record;
    live.emplace(r.agency(), r.source_record_id());
  }
  std::set<std::string> gone;
  for (const Evidence& e : clue.candidate.evidence) {
    if (!live.contains({e.agency, e.source_record_id})) {
      gone.insert(absl::StrCat(e.agency, " ", e.source_record_id));
    }
  }
  if (!gone.empty()) {
    return absl::StrCat("records no longer behind it (retracted or relinked): ",
                        absl::StrJoin(gone, ", "));
  }
  return "the rules no longer support it with the current records (e.g. a hardship ended, "
         "compensation was paid, or the rules changed)";
}

}  // namespace

absl::Status MatchEngine::ScorePerson(MatchTransaction& tx, const LinkIndex& index,
                                      const std::string& person_id, absl::Time now,
                                      const std::string& cause, ApplyResult* result) {
  ++result->persons_scored;
  ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(tx, index, person_id));
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  std::vector<ClueCandidate> candidates = scorer_.Score(input, today);
  ASSIGN_OR_RETURN(std::vector<StoredClue> stored, tx.CluesOf(person_id));
  ClueChanges changes = ReconcileClues(stored, candidates);
  const std::string time = common::FormatRfc3339(now);
  auto event = [&](const std::string& clue_id, const char* kind, std::string detail) {
    return tx.AddClueEvent(clue_id, ClueEvent{time, cause, kind, std::move(detail)});
  };
  for (const ClueCandidate& candidate : changes.create) {
    const std::string clue_id = ids_("clu_");
    RETURN_IF_ERROR(tx.InsertClue(clue_id, candidate, now));
    RETURN_IF_ERROR(event(clue_id, kEventCreated, DescribeNew(candidate)));
    ++result->clues_created;
  }
  for (const auto& [clue_id, candidate] : changes.update) {
    ASSIGN_OR_RETURN(Clue before, tx.LoadClue(clue_id));
    RETURN_IF_ERROR(tx.UpdateClue(clue_id, candidate, now));
    const char* kind = kEventUpdated;
    if (before.status == ClueStatus::kWithdrawn) {
      kind = kEventRestored;
    } else if (before.candidate.exclusions.empty() && !candidate.exclusions.empty()) {
      kind = kEventExcluded;
    } else if (!before.candidate.exclusions.empty() && candidate.exclusions.empty()) {
      kind = kEventIncluded;
    }
    RETURN_IF_ERROR(event(clue_id, kind, DescribeChange(before.candidate, candidate)));
    ++result->clues_updated;
  }
  for (const std::string& clue_id : changes.withdraw) {
    ASSIGN_OR_RETURN(Clue before, tx.LoadClue(clue_id));
    RETURN_IF_ERROR(tx.WithdrawClue(clue_id, now));
    RETURN_IF_ERROR(event(clue_id, kEventWithdrawn, WithdrawalReason(before, input)));
    ++result->clues_withdrawn;
  }
  for (const std::string& clue_id : changes.mark_unsupported) {
    ASSIGN_OR_RETURN(Clue before, tx.LoadClue(clue_id));
    RETURN_IF_ERROR(tx.MarkClueUnsupported(clue_id, now));
    RETURN_IF_ERROR(event(clue_id, kEventFlagged,
                          absl::StrCat("kept because more information was requested; ",
                                       WithdrawalReason(before, input))));
    ++result->clues_updated;
  }
  return absl::OkStatus();
}

absl::StatusOr<RulesPreview> MatchEngine::PreviewRules(const EligibilityRules& candidate,
                                                       absl::Time now) {
  const ClueScorer after(candidate);
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  RulesPreview preview;
  RETURN_IF_ERROR(WithIndex([&](MatchTransaction& tx, LinkIndex& index) -> absl::Status {
    preview = RulesPreview{};
    ASSIGN_OR_RETURN(std::vector<std::string> persons, tx.ScorablePersons());
    for (const std::string& person_id : persons) {
      ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(tx, index, person_id));
      ASSIGN_OR_RETURN(std::vector<StoredClue> stored, tx.CluesOf(person_id));
      ComparePerson(stored, after.Score(input, today), scorer_.rules(), candidate, &preview);
    }
    return absl::OkStatus();  // read only: the transaction writes nothing
  }));
  return preview;
}

absl::StatusOr<std::optional<ApplyResult>> MatchEngine::RescoreIfRulesChanged(
    const std::string& fingerprint, absl::Time now) {
  std::string stored;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stored, tx.Setting(kRulesFingerprintKey));
    return absl::OkStatus();
  }));
  if (stored == fingerprint) return std::nullopt;
  ASSIGN_OR_RETURN(ApplyResult result, Rescore(now, kCauseRules));
  // Stored after the re-scoring commits: a crash in between re-scores again, which changes
  // nothing twice.
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    return tx.PutSetting(kRulesFingerprintKey, fingerprint);
  }));
  return result;
}

absl::StatusOr<ClueStatus> MatchEngine::ReviewClue(const std::string& clue_id, const Review& review,
                                                   const ReviewAuthority& authority,
                                                   absl::Time now) {
  ClueStatus next = ClueStatus::kUnspecified;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Clue clue, tx.LoadClue(clue_id));
    RETURN_IF_ERROR(authority.CheckRegion(clue.candidate.region_code));
    const ApprovalLimits limits{clue.candidate.suggested_amount.min_fen,
                                clue.candidate.suggested_amount.max_fen,
                                scorer_.rules().approval_threshold_fen};
    ASSIGN_OR_RETURN(next, ApplyReview(clue.status, review, limits, authority));
    RETURN_IF_ERROR(tx.AddReview(clue_id, review, next, now));
    std::string detail;
    switch (review.decision) {
      case Decision::kApprove:
        detail = absl::StrCat("approved ", YuanText(review.amount_fen), " yuan");
        break;
      case Decision::kReject:
        detail = absl::StrCat("rejected (", RejectReasonCode(review.reject_reason), ")");
        break;
      case Decision::kRequestInfo:
        detail = "more information requested";
        break;
      case Decision::kInfoReceived:
        detail = "information received; back to pending review";
        break;
      case Decision::kUnspecified:
        break;
    }
    if (!review.reason.empty()) absl::StrAppend(&detail, ": ", review.reason);
    RETURN_IF_ERROR(tx.AddClueEvent(clue_id, ClueEvent{common::FormatRfc3339(now), review.reviewer,
                                                       kEventReviewed, std::move(detail)}));
    if (next == ClueStatus::kPendingReview && clue.unsupported) {
      // The data stopped supporting it while the reviewer waited: a pending clue without support
      // is withdrawn, as a re-scoring would.
      RETURN_IF_ERROR(tx.WithdrawClue(clue_id, now));
      next = ClueStatus::kWithdrawn;
      return tx.AddClueEvent(
          clue_id,
          ClueEvent{common::FormatRfc3339(now), review.reviewer, kEventWithdrawn,
                    "the data stopped supporting it while more information was requested"});
    }
    if (next != ClueStatus::kApproved) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<NormalizedRecord> records,
                     tx.LiveRecordsOf(clue.candidate.person_id));
    NormalizedPerson person;
    for (const NormalizedRecord& r : records) MergePerson(r.person(), &person);
    std::string payload;
    if (!ComposePlanRequest(clue, clue.candidate.person_id, person, review)
             .SerializeToString(&payload)) {
      return absl::InternalError("CreatePlanRequest serialization failed");
    }
    return tx.EnqueuePlanRequest(payload);
  }));
  return next;
}

}  // namespace lifeline::match
