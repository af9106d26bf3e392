#include "match-service/domain/match_engine.h"

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"

#include "common/status/status_macros.h"
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

MatchEngine::MatchEngine(MatchTransactionRunner* runner, ClueScorer scorer, IdGenerator ids)
    : runner_(runner), scorer_(std::move(scorer)), ids_(std::move(ids)) {}

absl::Status MatchEngine::ApplyRecord(MatchTransaction& tx, const NormalizedRecord& record,
                                      absl::Time now, bool* applied, std::set<std::string>* persons,
                                      std::set<std::string>* cases) {
  *applied = false;
  RETURN_IF_ERROR(CheckRecord(record));
  ASSIGN_OR_RETURN(std::optional<StoredRecordState> stored,
                   tx.FindRecord(record.agency(), record.source_record_id()));
  LinkContext context;
  if (stored.has_value()) {
    if (stored->version >= record.version()) return absl::OkStatus();
    if (!stored->case_number.empty()) cases->insert(stored->case_number);
    if (!stored->person_id.empty()) persons->insert(stored->person_id);
    context.current_person_id = stored->person_id;
    context.current_person_is_singleton = stored->person_is_singleton;
  }
  *applied = true;
  if (record.retracted()) return tx.PutRecord(record, "", kLinkRetracted, now);

  const std::string& token = record.person().id_token();
  if (!token.empty()) {
    ASSIGN_OR_RETURN(context.token_person_id, tx.PersonWithToken(token));
  }
  LinkDecision link = linker_.Link(record.person(), context);
  if (link.person_id.empty()) {
    link.person_id = ids_("per_");
    RETURN_IF_ERROR(tx.InsertPerson(link.person_id, token, now));
  }
  persons->insert(link.person_id);
  if (!CaseNumberOf(record).empty()) cases->insert(CaseNumberOf(record));
  return tx.PutRecord(record, link.person_id, link.reason, now);
}

absl::StatusOr<ApplyResult> MatchEngine::UpsertRecords(const std::vector<NormalizedRecord>& records,
                                                       absl::Time now) {
  ApplyResult result;
  RETURN_IF_ERROR(runner_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
    result = ApplyResult{};
    std::set<std::string> persons;
    std::set<std::string> cases;
    for (const NormalizedRecord& record : records) {
      bool applied = false;
      RETURN_IF_ERROR(ApplyRecord(tx, record, now, &applied, &persons, &cases));
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
