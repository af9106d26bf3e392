#include "match-service/rpc/match_service_impl.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/auth/caller.h"
#include "common/paging/paging.h"
#include "common/status/grpc_status.h"
#include "match-service/rpc/view_mapping.h"

namespace lifeline::match {
namespace {

constexpr common::PageLimits kCluePages{50, 500};
constexpr common::PageLimits kSearchPages{20, 100};
constexpr int kExportPageSize = 500;

grpc::Status Grpc(const absl::Status& status) { return common::ToGrpcStatus(status); }

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

grpc::Status MatchServiceImpl::UpsertRecords(grpc::ServerContext* /*context*/,
                                             const v1::UpsertRecordsRequest* request,
                                             v1::UpsertRecordsResponse* response) {
  for (int i = 0; i < request->records_size(); ++i) {
    if (absl::Status checked = CheckRecord(request->records(i)); !checked.ok()) {
      return Grpc(
          absl::InvalidArgumentError(absl::StrCat("records[", i, "]: ", checked.message())));
    }
  }
  const std::vector<NormalizedRecord> records(request->records().begin(), request->records().end());
  auto result = engine_->UpsertRecords(records, clock_->Now());
  if (!result.ok()) return Grpc(result.status());
  response->set_applied_count(result->applied);
  response->set_unchanged_count(result->unchanged);
  if (metrics_ != nullptr) metrics_->AddRecordsApplied(result->applied);
  if (result->clues_created + result->clues_updated + result->clues_withdrawn > 0) {
    RefreshMetrics();
  }
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::GetPerson(grpc::ServerContext* /*context*/,
                                         const v1::GetPersonRequest* request,
                                         v1::Person* response) {
  if (request->person_id().empty()) {
    return Grpc(absl::InvalidArgumentError("person_id is required"));
  }
  auto person = store_->GetPerson(request->person_id());
  if (!person.ok()) return Grpc(person.status());
  ToProto(*person, response);
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::SearchPersons(grpc::ServerContext* /*context*/,
                                             const v1::SearchPersonsRequest* request,
                                             v1::SearchPersonsResponse* response) {
  auto persons = store_->SearchPersons(request->id_token(), request->name(),
                                       common::PageSize(request->page_size(), kSearchPages));
  if (!persons.ok()) return Grpc(persons.status());
  for (const PersonView& person : *persons) ToProto(person, response->add_persons());
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::ListClues(grpc::ServerContext* /*context*/,
                                         const v1::ListCluesRequest* request,
                                         v1::ListCluesResponse* response) {
  ClueQuery query;
  if (request->status() != v1::CLUE_STATUS_UNSPECIFIED) {
    query.status = static_cast<ClueStatus>(static_cast<int>(request->status()));
  }
  query.limit = common::PageSize(request->page_size(), kCluePages);
  auto offset = common::ParsePageToken(request->page_token());
  if (!offset.ok()) return Grpc(offset.status());
  if (*offset > std::numeric_limits<int>::max()) {
    return Grpc(absl::InvalidArgumentError("page_token is not valid"));
  }
  query.offset = static_cast<int>(*offset);
  auto page = store_->ListClues(query);
  if (!page.ok()) return Grpc(page.status());
  for (const ClueView& clue : page->clues) ToProto(clue, response->add_clues());
  response->set_next_page_token(common::NextPageToken(page->next_offset));
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::GetClue(grpc::ServerContext* /*context*/,
                                       const v1::GetClueRequest* request, v1::Clue* response) {
  if (request->clue_id().empty()) return Grpc(absl::InvalidArgumentError("clue_id is required"));
  auto clue = store_->GetClue(request->clue_id());
  if (!clue.ok()) return Grpc(clue.status());
  ToProto(*clue, response);
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::ReviewClue(grpc::ServerContext* context,
                                          const v1::ReviewClueRequest* request,
                                          v1::Clue* response) {
  if (request->clue_id().empty()) return Grpc(absl::InvalidArgumentError("clue_id is required"));
  Review review;
  review.decision = static_cast<Decision>(static_cast<int>(request->decision()));
  review.amount_fen = request->amount_fen();
  review.reason = request->reason();
  // The gateway's authenticated user wins over the body; internal callers name themselves.
  const common::Caller caller = common::CallerFromContext(*context);
  review.reviewer = caller.user.empty() ? request->reviewer() : caller.user;
  auto status = engine_->ReviewClue(request->clue_id(), review, clock_->Now());
  if (!status.ok()) return Grpc(status.status());
  RefreshMetrics();
  if (*status == ClueStatus::kApproved && on_plan_queued_) on_plan_queued_();
  auto clue = store_->GetClue(request->clue_id());
  if (!clue.ok()) return Grpc(clue.status());
  ToProto(*clue, response);
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::ExportLinks(grpc::ServerContext* context,
                                           const v1::ExportLinksRequest* /*request*/,
                                           grpc::ServerWriter<v1::RecordLink>* writer) {
  int64_t cursor = 0;
  while (!context->IsCancelled()) {
    auto links = store_->ListLinks(cursor, kExportPageSize);
    if (!links.ok()) return Grpc(links.status());
    for (const RecordLinkView& link : *links) {
      v1::RecordLink out;
      out.set_agency(link.agency);
      out.set_source_record_id(link.source_record_id);
      out.set_person_id(link.person_id);
      if (!writer->Write(out)) return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
      cursor = link.cursor;
    }
    if (static_cast<int>(links->size()) < kExportPageSize) return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "export cancelled");
}

grpc::Status MatchServiceImpl::Rescore(grpc::ServerContext* /*context*/,
                                       const v1::RescoreRequest* /*request*/,
                                       v1::RescoreResponse* response) {
  auto result = engine_->Rescore(clock_->Now());
  if (!result.ok()) return Grpc(result.status());
  response->set_persons_scored(result->persons_scored);
  response->set_clues_created(result->clues_created);
  response->set_clues_updated(result->clues_updated + result->clues_withdrawn);
  RefreshMetrics();
  return grpc::Status::OK;
}

}  // namespace lifeline::match
