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

#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "match-service/domain/plan_request.h"
#include "match-service/domain/review_policy.h"

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

MatchEngine::IdGenerator MatchEngine::RandomIds() {
  struct State {
    std::mutex mu;
    absl::BitGen gen;
  };
  auto state = std::make_shared<State>();
  return [state](std::string_view prefix) {
    std::lock_guard<std::mutex> lock(state->mu);
    return absl::StrFormat("%s%016x", prefix, absl::Uniform<uint64_t>(state->gen));
  };
}

MatchEngine::MatchEngine(MatchTransactionRunner* runner, ClueScorer scorer, IdGenerator ids,
                         PersonLinker linker)
    : runner_(runner),
      scorer_(std::move(scorer)),
      linker_(std::move(linker)),
      ids_(std::move(ids)) {}

absl::Status MatchEngine::ApplyRecord(MatchTransaction& tx, const NormalizedRecord& record,
                                      absl::Time now, const LinkModel& model, bool* applied,
                                      std::set<std::string>* persons,
                                      std::set<std::string>* cases) {
  *applied = false;
  RETURN_IF_ERROR(CheckRecord(record));
  ASSIGN_OR_RETURN(std::optional<StoredRecordState> stored,
                   tx.FindRecord(record.agency(), record.source_record_id()));
  const bool was_live = stored.has_value() && !stored->retracted;
  if (stored.has_value()) {
    if (stored->version >= record.version()) return absl::OkStatus();
    if (!stored->case_number.empty()) cases->insert(stored->case_number);
    if (!stored->person_id.empty()) persons->insert(stored->person_id);
  }
  *applied = true;
  const std::string old_person = stored.has_value() ? stored->person_id : "";
  if (was_live) {
    RETURN_IF_ERROR(tx.AdjustNameCount(stored->name_key, -1));
    RETURN_IF_ERROR(tx.AdjustLiveRecords(-1));
  }
  if (record.retracted()) {
    ASSIGN_OR_RETURN(const int64_t record_id, tx.PutRecord(record, "", kLinkRetracted, 0, now));
    RETURN_IF_ERROR(tx.ReplaceLinkKeys(record_id, {}));
    // The rest of the person may fall apart without this record.
    if (old_person.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<int64_t> rest, tx.RecordIdsOf(old_person));
    return Relink(tx, rest, model, now, persons);
  }
  const linkage::PersonFeatures features = linkage::ExtractFeatures(record.person());
  ASSIGN_OR_RETURN(const int64_t record_id,
                   tx.PutRecord(record, old_person, kLinkSingleton, features.pinyin_key, now));
  RETURN_IF_ERROR(tx.AdjustNameCount(features.pinyin_key, 1));
  RETURN_IF_ERROR(tx.AdjustLiveRecords(1));
  if (!CaseNumberOf(record).empty()) cases->insert(CaseNumberOf(record));

  // The neighbourhood: the records sharing a blocking key, and every record of their persons
  // and of the record's own person.
  std::vector<linkage::BlockKey> keys;
  linkage::BlockingKeys(features, &keys);
  RETURN_IF_ERROR(tx.ReplaceLinkKeys(record_id, keys));
  std::set<int64_t> ids = {record_id};
  const int max_block = linker_.options().max_block_size;
  for (const linkage::BlockKey& key : keys) {
    ASSIGN_OR_RETURN(std::vector<int64_t> holders,
                     tx.RecordsWithKey(key.key, key.index_only, max_block + 1));
    if (static_cast<int>(holders.size()) > max_block) continue;  // oversized: skipped
    ids.insert(holders.begin(), holders.end());
  }
  // Only candidates the record could link or be a possible match with bring their persons in:
  // a block of a common name and birth date holds hundreds of records the record is not.
  ids.erase(record_id);
  std::set<std::string> neighbours;
  if (!old_person.empty()) neighbours.insert(old_person);
  std::vector<int64_t> kept = {record_id};
  std::map<int64_t, IndexedRecord> known;
  {
    ASSIGN_OR_RETURN(std::vector<IndexedRecord> found,
                     tx.LoadIndexedRecords(std::vector<int64_t>(ids.begin(), ids.end())));
    std::vector<linkage::PersonFeatures> candidate_features;
    candidate_features.reserve(found.size());
    for (const IndexedRecord& r : found) {
      candidate_features.push_back(linkage::ExtractFeatures(r.person));
    }
    std::vector<const linkage::PersonFeatures*> named = {&features};
    for (const linkage::PersonFeatures& f : candidate_features) named.push_back(&f);
    ASSIGN_OR_RETURN(const linkage::NameFrequencies frequencies,
                     IndexFrequencies(tx, named, model));
    const linkage::FsModel weigh(model.params, &frequencies);
    const double possible_weight = linker_.PossibleWeight(model);
    for (size_t i = 0; i < found.size(); ++i) {
      const linkage::PersonFeatures& f = candidate_features[i];
      if (weigh.Weight(linkage::Compare(features, f), features, f) < possible_weight) continue;
      kept.push_back(found[i].record_id);
      if (!found[i].person_id.empty()) neighbours.insert(found[i].person_id);
      known.emplace(found[i].record_id, std::move(found[i]));
    }
  }
  for (const std::string& person : neighbours) {
    ASSIGN_OR_RETURN(std::vector<int64_t> of_person, tx.RecordIdsOf(person));
    kept.insert(kept.end(), of_person.begin(), of_person.end());
  }
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return Relink(tx, kept, model, now, persons, std::move(known));
}

absl::StatusOr<linkage::NameFrequencies> MatchEngine::IndexFrequencies(
    MatchTransaction& tx, const std::vector<const linkage::PersonFeatures*>& records,
    const LinkModel& model) {
  linkage::NameFrequencies frequencies;
  frequencies.set_total(model.named_records);
  std::set<uint64_t> done;
  for (const linkage::PersonFeatures* f : records) {
    if (f->pinyin_key == 0 || !done.insert(f->pinyin_key).second) continue;
    ASSIGN_OR_RETURN(const int64_t count, tx.NameCount(f->pinyin_key));
    frequencies.Set(f->pinyin_key, static_cast<int32_t>(count));
  }
  return frequencies;
}

absl::Status MatchEngine::Relink(MatchTransaction& tx, const std::vector<int64_t>& record_ids,
                                 const LinkModel& model, absl::Time now,
                                 std::set<std::string>* persons,
                                 std::map<int64_t, IndexedRecord> known) {
  if (record_ids.empty()) return absl::OkStatus();
  std::vector<int64_t> missing;
  for (int64_t id : record_ids) {
    if (known.count(id) == 0) missing.push_back(id);
  }
  ASSIGN_OR_RETURN(std::vector<IndexedRecord> loaded, tx.LoadIndexedRecords(missing));
  for (IndexedRecord& r : loaded) known.emplace(r.record_id, std::move(r));
  std::vector<IndexedRecord> records;
  records.reserve(known.size());
  for (auto& [id, r] : known) records.push_back(std::move(r));
  ASSIGN_OR_RETURN(std::vector<MatchReview> reviews, tx.MatchReviews(&record_ids));
  std::vector<linkage::PersonFeatures> features;
  features.reserve(records.size());
  for (const IndexedRecord& r : records) features.push_back(linkage::ExtractFeatures(r.person));
  std::vector<const linkage::PersonFeatures*> named;
  for (const linkage::PersonFeatures& f : features) named.push_back(&f);
  ASSIGN_OR_RETURN(const linkage::NameFrequencies frequencies, IndexFrequencies(tx, named, model));
  const LinkOutcome outcome = linker_.LinkNeighbourhood(
      records, reviews, model, frequencies, [this] { return ids_("per_"); }, std::move(features));
  RETURN_IF_ERROR(ApplyLinks(tx, records, outcome, now, persons));
  return tx.ReplacePossibleMatches(&record_ids, outcome.possible, now);
}

absl::Status MatchEngine::ApplyLinks(MatchTransaction& tx,
                                     const std::vector<IndexedRecord>& records,
                                     const LinkOutcome& outcome, absl::Time now,
                                     std::set<std::string>* persons) {
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
    RETURN_IF_ERROR(tx.SetRecordLink(link));
  }
  return absl::OkStatus();
}

absl::StatusOr<RelinkResult> MatchEngine::RelinkAll(absl::Time now) {
  RelinkResult result;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    result = RelinkResult{};
    ASSIGN_OR_RETURN(std::vector<IndexedRecord> records, tx.AllIndexedRecords());
    ASSIGN_OR_RETURN(std::vector<MatchReview> reviews, tx.MatchReviews(nullptr));
    ASSIGN_OR_RETURN(LinkState state, tx.LoadLinkState());
    const LinkOutcome outcome =
        linker_.LinkAll(records, reviews, state.model, [this] { return ids_("per_"); });
    std::set<std::string> persons;
    for (size_t i = 0; i < records.size(); ++i) {
      if (records[i].person_id != outcome.links[i].person_id) ++result.records_moved;
    }
    RETURN_IF_ERROR(ApplyLinks(tx, records, outcome, now, &persons));
    RETURN_IF_ERROR(tx.ReplacePossibleMatches(nullptr, outcome.possible, now));
    LinkModel model = outcome.model;
    model.named_records = state.model.named_records;
    RETURN_IF_ERROR(tx.SaveLinkModel(model, now));
    result.records = static_cast<int64_t>(records.size());
    result.persons = outcome.stats.clusters;
    result.possible_matches = static_cast<int64_t>(outcome.possible.size());
    result.model = model;
    result.stats = outcome.stats;
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, person_id, now, &result.scoring));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ApplyResult> MatchEngine::UpsertRecords(const std::vector<NormalizedRecord>& records,
                                                       absl::Time now) {
  ApplyResult result;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    result = ApplyResult{};
    std::set<std::string> persons;
    std::set<std::string> cases;
    ASSIGN_OR_RETURN(const LinkState state, tx.LoadLinkState());
    for (const NormalizedRecord& record : records) {
      bool applied = false;
      RETURN_IF_ERROR(ApplyRecord(tx, record, now, state.model, &applied, &persons, &cases));
      ++(applied ? result.applied : result.unchanged);
    }
    // Everyone in a touched case may gain or lose a clue (a judgment paid, a victim retracted).
    for (const std::string& case_number : cases) {
      ASSIGN_OR_RETURN(std::vector<std::string> in_case, tx.PersonsInCase(case_number));
      persons.insert(in_case.begin(), in_case.end());
    }
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, person_id, now, &result));
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
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(const int64_t id_a, LiveRecordId(tx, a));
    ASSIGN_OR_RETURN(const int64_t id_b, LiveRecordId(tx, b));
    MatchReview review;
    review.record_a = std::min(id_a, id_b);
    review.record_b = std::max(id_a, id_b);
    review.same = same;
    review.reviewer = reviewer;
    review.reason = reason;
    review.decided_time = common::FormatRfc3339(now);
    RETURN_IF_ERROR(tx.PutMatchReview(review));
    // The two persons, whole, are the neighbourhood the decision changes.
    ASSIGN_OR_RETURN(std::vector<IndexedRecord> pair, tx.LoadIndexedRecords({id_a, id_b}));
    std::set<int64_t> ids = {id_a, id_b};
    for (const IndexedRecord& r : pair) {
      if (r.person_id.empty()) continue;
      ASSIGN_OR_RETURN(std::vector<int64_t> of_person, tx.RecordIdsOf(r.person_id));
      ids.insert(of_person.begin(), of_person.end());
    }
    ASSIGN_OR_RETURN(const LinkState state, tx.LoadLinkState());
    std::set<std::string> persons;
    RETURN_IF_ERROR(
        Relink(tx, std::vector<int64_t>(ids.begin(), ids.end()), state.model, now, &persons));
    ApplyResult scoring;
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, person_id, now, &scoring));
    }
    ASSIGN_OR_RETURN(std::vector<IndexedRecord> after, tx.LoadIndexedRecords({id_a, id_b}));
    if (after.size() != 2) return absl::InternalError("records vanished while relinking");
    persons_after = {after[0].person_id, after[1].person_id};
    return absl::OkStatus();
  }));
  return persons_after;
}

absl::StatusOr<PairExplanationResult> MatchEngine::ExplainPair(const RecordKey& a,
                                                               const RecordKey& b) {
  PairExplanationResult out;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    out = PairExplanationResult{};
    ASSIGN_OR_RETURN(const int64_t id_a, LiveRecordId(tx, a));
    ASSIGN_OR_RETURN(const int64_t id_b, LiveRecordId(tx, b));
    ASSIGN_OR_RETURN(std::vector<IndexedRecord> records, tx.LoadIndexedRecords({id_a, id_b}));
    if (records.size() != 2) return absl::NotFoundError("record not found");
    ASSIGN_OR_RETURN(const LinkState state, tx.LoadLinkState());
    const linkage::PersonFeatures fa = linkage::ExtractFeatures(records[0].person);
    const linkage::PersonFeatures fb = linkage::ExtractFeatures(records[1].person);
    linkage::NameFrequencies frequencies;
    frequencies.set_total(state.model.named_records);
    for (const linkage::PersonFeatures* f : {&fa, &fb}) {
      if (f->pinyin_key == 0) continue;
      ASSIGN_OR_RETURN(const int64_t count, tx.NameCount(f->pinyin_key));
      frequencies.Set(f->pinyin_key, static_cast<int32_t>(count));
    }
    const linkage::FsModel model(state.model.params, &frequencies);
    const linkage::ComparisonVector v = linkage::Compare(fa, fb);
    out.person_a = records[0].person_id;
    out.person_b = records[1].person_id;
    out.fields = model.Explain(v, fa, fb);
    out.weight = model.Weigh(v, fa, fb);
    out.probability = 1 / (1 + std::exp2(-(out.weight.total() + state.model.PriorLog2Odds())));
    out.link_weight = linker_.LinkWeight(state.model);
    out.possible_weight = linker_.PossibleWeight(state.model);
    const std::vector<int64_t> ids = {id_a, id_b};
    ASSIGN_OR_RETURN(std::vector<MatchReview> reviews, tx.MatchReviews(&ids));
    if (!reviews.empty()) out.review = reviews.front().same ? "confirmed" : "separated";
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<LinkModelView> MatchEngine::CurrentLinkModel() {
  LinkModelView view;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(const LinkState state, tx.LoadLinkState());
    view.model = state.model;
    view.link_weight = linker_.LinkWeight(state.model);
    view.possible_weight = linker_.PossibleWeight(state.model);
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<ApplyResult> MatchEngine::Rescore(absl::Time now) {
  ApplyResult result;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    result = ApplyResult{};
    ASSIGN_OR_RETURN(std::vector<std::string> persons, tx.AllPersons());
    for (const std::string& person_id : persons) {
      RETURN_IF_ERROR(ScorePerson(tx, person_id, now, &result));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ScoringInput> MatchEngine::LoadScoringInput(MatchTransaction& tx,
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
    ASSIGN_OR_RETURN(std::optional<LinkedRecord> victim, tx.LiveRecord(agency, record_id));
    if (victim.has_value()) add(*std::move(victim));
  }
  return input;
}

absl::Status MatchEngine::ScorePerson(MatchTransaction& tx, const std::string& person_id,
                                      absl::Time now, ApplyResult* result) {
  ++result->persons_scored;
  ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(tx, person_id));
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  std::vector<ClueCandidate> candidates = scorer_.Score(input, today);
  ASSIGN_OR_RETURN(std::vector<StoredClue> stored, tx.CluesOf(person_id));
  ClueChanges changes = ReconcileClues(stored, candidates);
  for (const ClueCandidate& candidate : changes.create) {
    RETURN_IF_ERROR(tx.InsertClue(ids_("clu_"), candidate, now));
    ++result->clues_created;
  }
  for (const auto& [clue_id, candidate] : changes.update) {
    RETURN_IF_ERROR(tx.UpdateClue(clue_id, candidate, now));
    ++result->clues_updated;
  }
  for (const std::string& clue_id : changes.withdraw) {
    RETURN_IF_ERROR(tx.DeleteClue(clue_id));
    ++result->clues_withdrawn;
  }
  for (const std::string& clue_id : changes.mark_unsupported) {
    RETURN_IF_ERROR(tx.MarkClueUnsupported(clue_id, now));
    ++result->clues_updated;
  }
  return absl::OkStatus();
}

absl::StatusOr<ClueStatus> MatchEngine::ReviewClue(const std::string& clue_id, const Review& review,
                                                   absl::Time now) {
  ClueStatus next = ClueStatus::kUnspecified;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Clue clue, tx.LoadClue(clue_id));
    ASSIGN_OR_RETURN(next,
                     ApplyReview(clue.status, review, clue.candidate.suggested_amount.max_fen));
    RETURN_IF_ERROR(tx.AddReview(clue_id, review, next, now));
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
