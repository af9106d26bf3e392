#include "match-service/rpc/match_service_impl.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "common/auth/caller.h"
#include "common/config/yaml_proto.h"
#include "common/paging/paging.h"
#include "common/server/admit.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "match-service/rpc/eligibility_config.h"
#include "match-service/rpc/view_mapping.h"

namespace lifeline::match {
namespace {

constexpr common::PageLimits kCluePages{50, 500};
constexpr common::PageLimits kSearchPages{20, 100};
constexpr int kExportPageSize = 500;
constexpr common::PageLimits kPossibleMatchPages{50, 500};

// Parses "AGENCY:SOURCE_RECORD_ID" (the id may hold ':'). Errors: InvalidArgument naming
// `field`.
absl::StatusOr<RecordKey> ParseRecordKey(const std::string& text, const char* field) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be AGENCY:SOURCE_RECORD_ID"));
  }
  return RecordKey{text.substr(0, colon), text.substr(colon + 1)};
}

// What the caller may see and decide: an internal caller (no role) everything; a procurator or
// chief procurator the regions of their scope, which they must have. Errors: PermissionDenied.
absl::StatusOr<ReviewAuthority> AuthorityOf(const common::Caller& caller) {
  ReviewAuthority authority;
  if (caller.internal()) {
    authority.senior_sign_off = true;
    return authority;
  }
  if (caller.role == common::kRoleProcurator || caller.role == common::kRoleChiefProcurator) {
    authority.senior_sign_off = caller.role == common::kRoleChiefProcurator;
    authority.regions = absl::StrSplit(caller.scope, ',', absl::SkipWhitespace());
    for (std::string& region : authority.regions) {
      region = std::string(absl::StripAsciiWhitespace(region));
    }
    if (authority.regions.empty()) {
      return absl::PermissionDeniedError("a procurator needs regions (scope) to see clues");
    }
  }
  // An admin sees every region and signs off nothing extra; any other role (a partner, an
  // auditor, one added later) sees no clue.
  if (caller.role != common::kRoleAdmin && caller.role != common::kRoleProcurator &&
      caller.role != common::kRoleChiefProcurator) {
    return absl::PermissionDeniedError(
        absl::StrCat("role '", caller.role, "' may not see or decide clues"));
  }
  return authority;
}

// Checks a region filter: 2 to 6 digits, or empty. Errors: InvalidArgument.
absl::Status CheckRegionFilter(const std::string& region) {
  if (region.empty()) return absl::OkStatus();
  if (region.size() < 2 || region.size() > 6 ||
      !std::all_of(region.begin(), region.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError("region must be 2 to 6 digits of a division code");
  }
  return absl::OkStatus();
}

}  // namespace

MatchServiceImpl::MatchServiceImpl(MatchEngine* engine, MatchStore* store,
                                   const common::Clock* clock, MatchMetrics* metrics,
                                   std::function<void()> on_plan_queued)
    : engine_(engine),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      on_plan_queued_(std::move(on_plan_queued)) {}

void MatchServiceImpl::RefreshMetrics() {
  if (metrics_ != nullptr) metrics_->Refresh();
}

// Every handler runs its steps as one absl::Status-returning function and converts once.

grpc::Status MatchServiceImpl::RecordVerification(grpc::ServerContext* context,
                                                  const v1::RecordVerificationRequest* request,
                                                  v1::RecordVerificationResponse* /*response*/) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    // referral-service's: no person records verification evidence directly.
    if (!authenticated->internal()) {
      return absl::PermissionDeniedError("caller: verifications are recorded by the suite");
    }
    const v1::ClueVerification& v = request->verification();
    if (request->clue_id().empty() || v.verification_id().empty() || v.department().empty()) {
      return absl::InvalidArgumentError(
          "clue_id, verification.verification_id and verification.department: required");
    }
    if (v.state() != "REQUESTED" && v.state() != "CONFIRMED" && v.state() != "NOT_CONFIRMED") {
      return absl::InvalidArgumentError(
          "verification.state: REQUESTED, CONFIRMED or NOT_CONFIRMED");
    }
    ASSIGN_OR_RETURN(bool written, store_->RecordVerification(request->clue_id(), FromProto(v)));
    spdlog::info(
        "event=verification_recorded rpc=RecordVerification clue_id={} verification_id={} "
        "state={} written={}",
        request->clue_id(), v.verification_id(), v.state(), written);
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::UpsertRecords(grpc::ServerContext* context,
                                             const v1::UpsertRecordsRequest* request,
                                             v1::UpsertRecordsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    for (int i = 0; i < request->records_size(); ++i) {
      if (absl::Status checked = CheckRecord(request->records(i)); !checked.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("records[", i, "]: ", checked.message()));
      }
    }
    const std::vector<const NormalizedRecord*> records(request->records().pointer_begin(),
                                                       request->records().pointer_end());
    ASSIGN_OR_RETURN(ApplyResult result, engine_->UpsertRecords(records, clock_->Now()));
    response->set_applied_count(result.applied);
    response->set_unchanged_count(result.unchanged);
    if (metrics_ != nullptr) metrics_->AddRecordsApplied(result.applied);
    if (result.clues_created + result.clues_updated + result.clues_withdrawn > 0) {
      RefreshMetrics();
    }
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::GetPerson(grpc::ServerContext* context,
                                         const v1::GetPersonRequest* request,
                                         v1::Person* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    if (request->person_id().empty()) return absl::InvalidArgumentError("person_id is required");
    ASSIGN_OR_RETURN(PersonView person, store_->GetPerson(request->person_id()));
    ASSIGN_OR_RETURN(const LinkModelView model, engine_->CurrentLinkModel());
    const linkage::FsModel weights(model.model.params);
    ToProto(person, &weights, response);
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::SearchPersons(grpc::ServerContext* context,
                                             const v1::SearchPersonsRequest* request,
                                             v1::SearchPersonsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     engine_->FindPersons(request->id_token(), request->name(),
                                          common::PageSize(request->page_size(), kSearchPages)));
    for (const std::string& id : ids) {
      absl::StatusOr<PersonView> person = store_->GetPerson(id);
      if (absl::IsNotFound(person.status())) continue;  // merged away since it was found
      if (!person.ok()) return person.status();
      ToProto(*person, nullptr, response->add_persons());
    }
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::ServerUnaryReactor* MatchServiceImpl::ListClues(grpc::CallbackServerContext* context,
                                                      const v1::ListCluesRequest* request,
                                                      v1::ListCluesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) {
    reactor->Finish(common::ToGrpcStatus(authenticated.status()));
    return reactor;
  }
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const ReviewAuthority authority, AuthorityOf(*authenticated));
    ClueQuery query;
    RETURN_IF_ERROR(CheckRegionFilter(request->region()));
    ASSIGN_OR_RETURN(query.regions, authority.Narrow(request->region()));
    if (!v1::Category_IsValid(request->category())) {
      return absl::InvalidArgumentError("unknown category");
    }
    if (request->category() != v1::CATEGORY_UNSPECIFIED) {
      query.category = static_cast<Category>(static_cast<int>(request->category()));
    }
    if (!v1::ClueOrder_IsValid(request->order()))
      return absl::InvalidArgumentError("unknown order");
    query.order = request->order() == v1::CLUE_ORDER_AGE ? ClueOrder::kAge : ClueOrder::kScore;
    if (!v1::ClueStatus_IsValid(request->status())) {
      return absl::InvalidArgumentError("unknown status");
    }
    if (request->status() != v1::CLUE_STATUS_UNSPECIFIED) {
      query.status = static_cast<ClueStatus>(static_cast<int>(request->status()));
    }
    if (!v1::ClueTier_IsValid(request->tier())) return absl::InvalidArgumentError("unknown tier");
    if (request->tier() != v1::CLUE_TIER_UNSPECIFIED) {
      const auto [from, below] =
          engine_->rules().ScoreRange(static_cast<Tier>(static_cast<int>(request->tier())));
      // As the store keeps scores: whole millionths.
      auto micros = [](double score) {
        return static_cast<int64_t>(std::clamp(score * 1e6, -9e18, 9e18));
      };
      query.min_score_micros = micros(from);
      query.below_score_micros = micros(below);
    }
    query.limit = common::PageSize(request->page_size(), kCluePages);
    ASSIGN_OR_RETURN(int64_t offset, common::ParsePageToken(request->page_token()));
    if (offset > std::numeric_limits<int>::max()) {
      return absl::InvalidArgumentError("page_token is not valid");
    }
    query.offset = static_cast<int>(offset);
    ASSIGN_OR_RETURN(CluePage page, store_->ListClues(query));
    for (const ClueView& clue : page.clues) ToProto(clue, engine_->rules(), response->add_clues());
    response->set_next_page_token(common::NextPageToken(page.next_offset));
    return absl::OkStatus();
  };
  reactor->Finish(common::ToGrpcStatus(run()));
  return reactor;
}

grpc::ServerUnaryReactor* MatchServiceImpl::GetClue(grpc::CallbackServerContext* context,
                                                    const v1::GetClueRequest* request,
                                                    v1::Clue* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) {
    reactor->Finish(common::ToGrpcStatus(authenticated.status()));
    return reactor;
  }
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const ReviewAuthority authority, AuthorityOf(*authenticated));
    if (request->clue_id().empty()) return absl::InvalidArgumentError("clue_id is required");
    ASSIGN_OR_RETURN(ClueView clue, store_->GetClue(request->clue_id()));
    RETURN_IF_ERROR(authority.CheckRegion(clue.clue.candidate.region_code));
    // A family member's clues of another region's case are not the caller's to see.
    auto outside = [&](const RelatedClueView& r) { return !authority.Covers(r.region_code); };
    std::erase_if(clue.related, outside);
    for (FamilyMemberView& member : clue.family) std::erase_if(member.clues, outside);
    ToProto(clue, engine_->rules(), response);
    return absl::OkStatus();
  };
  reactor->Finish(common::ToGrpcStatus(run()));
  return reactor;
}

grpc::Status MatchServiceImpl::ReviewClue(grpc::ServerContext* context,
                                          const v1::ReviewClueRequest* request,
                                          v1::Clue* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    if (request->clue_id().empty()) return absl::InvalidArgumentError("clue_id is required");
    Review review;
    review.decision = static_cast<Decision>(static_cast<int>(request->decision()));
    review.amount_fen = request->amount_fen();
    review.reason = request->reason();
    review.reject_reason = static_cast<RejectReason>(static_cast<int>(request->reject_reason()));
    // The gateway's authenticated user wins over the body; internal callers name themselves.
    const common::Caller caller = *authenticated;
    ASSIGN_OR_RETURN(const ReviewAuthority authority, AuthorityOf(caller));
    review.reviewer = caller.user.empty() ? request->reviewer() : caller.user;
    ASSIGN_OR_RETURN(ClueStatus status,
                     engine_->ReviewClue(request->clue_id(), review, authority, clock_->Now()));
    RefreshMetrics();
    if (status == ClueStatus::kApproved && on_plan_queued_) on_plan_queued_();
    ASSIGN_OR_RETURN(ClueView clue, store_->GetClue(request->clue_id()));
    ToProto(clue, engine_->rules(), response);
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::ExportLinks(grpc::ServerContext* context,
                                           const v1::ExportLinksRequest* /*request*/,
                                           grpc::ServerWriter<v1::RecordLink>* writer) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    int64_t cursor = 0;
    while (!context->IsCancelled()) {
      ASSIGN_OR_RETURN(std::vector<RecordLinkView> links,
                       store_->ListLinks(cursor, kExportPageSize));
      for (const RecordLinkView& link : links) {
        v1::RecordLink out;
        out.set_agency(link.agency);
        out.set_source_record_id(link.source_record_id);
        out.set_person_id(link.person_id);
        if (!writer->Write(out)) return absl::CancelledError("client gone");
        cursor = link.cursor;
      }
      if (static_cast<int>(links.size()) < kExportPageSize) return absl::OkStatus();
    }
    return absl::CancelledError("export cancelled");
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::ListPossibleMatches(grpc::ServerContext* context,
                                                   const v1::ListPossibleMatchesRequest* request,
                                                   v1::ListPossibleMatchesResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t offset, common::ParsePageToken(request->page_token()));
    if (offset > std::numeric_limits<int>::max()) {
      return absl::InvalidArgumentError("page_token is not valid");
    }
    ASSIGN_OR_RETURN(
        PossibleMatchPage page,
        store_->ListPossibleMatches(static_cast<int>(offset),
                                    common::PageSize(request->page_size(), kPossibleMatchPages)));
    ASSIGN_OR_RETURN(const LinkModelView model, engine_->CurrentLinkModel());
    const linkage::FsModel weights(model.model.params);
    for (const PossibleMatchView& match : page.matches) {
      ToProto(match, weights, model.model.PriorLog2Odds(), model.link_weight, model.possible_weight,
              response->add_possible_matches());
    }
    response->set_next_page_token(common::NextPageToken(page.next_offset));
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::ResolvePossibleMatch(grpc::ServerContext* context,
                                                    const v1::ResolvePossibleMatchRequest* request,
                                                    v1::ResolvePossibleMatchResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const RecordKey a, ParseRecordKey(request->record_a(), "record_a"));
    ASSIGN_OR_RETURN(const RecordKey b, ParseRecordKey(request->record_b(), "record_b"));
    if (request->decision() != v1::MATCH_DECISION_CONFIRM &&
        request->decision() != v1::MATCH_DECISION_SEPARATE) {
      return absl::InvalidArgumentError(
          "decision must be MATCH_DECISION_CONFIRM or "
          "MATCH_DECISION_SEPARATE");
    }
    const common::Caller caller = *authenticated;
    const std::string reviewer = caller.user.empty() ? request->reviewer() : caller.user;
    if (reviewer.empty()) return absl::InvalidArgumentError("reviewer is required");
    ASSIGN_OR_RETURN(auto persons, engine_->ResolvePossibleMatch(
                                       a, b, request->decision() == v1::MATCH_DECISION_CONFIRM,
                                       reviewer, request->reason(), clock_->Now()));
    response->set_person_a(persons.first);
    response->set_person_b(persons.second);
    RefreshMetrics();
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::ExplainPair(grpc::ServerContext* context,
                                           const v1::ExplainPairRequest* request,
                                           v1::PairExplanation* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const RecordKey a, ParseRecordKey(request->record_a(), "record_a"));
    ASSIGN_OR_RETURN(const RecordKey b, ParseRecordKey(request->record_b(), "record_b"));
    ASSIGN_OR_RETURN(const PairExplanationResult result, engine_->ExplainPair(a, b));
    ToProto(result, request->record_a(), request->record_b(), response);
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::Relink(grpc::ServerContext* context,
                                      const v1::RelinkRequest* /*request*/,
                                      v1::RelinkResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const RelinkResult result, engine_->RelinkAll(clock_->Now()));
    response->set_records(result.records);
    response->set_persons(result.persons);
    response->set_records_moved(result.records_moved);
    response->set_possible_matches(result.possible_matches);
    response->set_clues_created(result.scoring.clues_created);
    response->set_clues_updated(result.scoring.clues_updated);
    response->set_clues_withdrawn(result.scoring.clues_withdrawn);
    RefreshMetrics();
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::GetLinkModel(grpc::ServerContext* context,
                                            const v1::GetLinkModelRequest* /*request*/,
                                            v1::LinkModel* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const LinkModelView view, engine_->CurrentLinkModel());
    response->set_parameters(linkage::FormatParams(view.model.params));
    response->set_estimated(view.model.estimated);
    response->set_live_records(view.model.live_records);
    response->set_matches_per_record(view.model.matches_per_record);
    response->set_link_weight(view.link_weight);
    response->set_possible_weight(view.possible_weight);
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status MatchServiceImpl::Rescore(grpc::ServerContext* context,
                                       const v1::RescoreRequest* request,
                                       v1::RescoreResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    if (!request->candidate_rules_yaml().empty() && !request->dry_run()) {
      return absl::InvalidArgumentError(
          "candidate rules are only previewed (dry_run); rules apply from the eligibility file "
          "at start-up");
    }
    if (request->dry_run()) {
      EligibilityRules candidate = engine_->rules();
      if (!request->candidate_rules_yaml().empty()) {
        v1::EligibilityConfig config;
        RETURN_IF_ERROR(common::ParseYamlToProto(request->candidate_rules_yaml(),
                                                 "candidate_rules_yaml", &config));
        ASSIGN_OR_RETURN(candidate, RulesFromConfig(config));
      }
      ASSIGN_OR_RETURN(RulesPreview preview, engine_->PreviewRules(candidate, clock_->Now()));
      response->set_persons_scored(preview.persons_scored);
      ToProto(preview, response->mutable_preview());
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(ApplyResult result, engine_->Rescore(clock_->Now()));
    response->set_persons_scored(result.persons_scored);
    response->set_clues_created(result.clues_created);
    response->set_clues_updated(result.clues_updated + result.clues_withdrawn);
    RefreshMetrics();
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

}  // namespace lifeline::match
