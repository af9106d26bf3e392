// MatchService over gRPC: checks requests, calls the engine (writes) or the store (reads),
// converts statuses. Thread-safe.
#pragma once

#include <functional>

#include <grpcpp/grpcpp.h>

#include "common/time/dates.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "match-service/domain/match_engine.h"
#include "match-service/rpc/match_metrics.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// GetClue and ListClues, the reads a review console makes most, are served by gRPC's callback API:
// they run on the thread that read the call (their data is usually kept in memory, see
// SqliteMatchStore), not handed to a synchronous worker thread and back, which cost more than
// the read itself. The rest are synchronous.
using MatchServiceBase = v1::MatchService::WithCallbackMethod_GetClue<
    v1::MatchService::WithCallbackMethod_ListClues<v1::MatchService::Service>>;

class MatchServiceImpl final : public MatchServiceBase {
 public:
  // Writes go through `engine`, reads to `store` (the engine's runner). `metrics` may be null.
  // `on_plan_queued` runs after an approval committed a plan request (main wakes the outbox
  // dispatcher); it may be empty.
  MatchServiceImpl(MatchEngine* engine, MatchStore* store, const common::Clock* clock,
                   MatchMetrics* metrics, std::function<void()> on_plan_queued);

  grpc::Status RecordVerification(grpc::ServerContext* context,
                                  const v1::RecordVerificationRequest* request,
                                  v1::RecordVerificationResponse* response) override;
  grpc::Status UpsertRecords(grpc::ServerContext* context, const v1::UpsertRecordsRequest* request,
                             v1::UpsertRecordsResponse* response) override;
  grpc::Status GetPerson(grpc::ServerContext* context, const v1::GetPersonRequest* request,
                         v1::Person* response) override;
  grpc::Status SearchPersons(grpc::ServerContext* context, const v1::SearchPersonsRequest* request,
                             v1::SearchPersonsResponse* response) override;
  grpc::ServerUnaryReactor* ListClues(grpc::CallbackServerContext* context,
                                      const v1::ListCluesRequest* request,
                                      v1::ListCluesResponse* response) override;
  grpc::ServerUnaryReactor* GetClue(grpc::CallbackServerContext* context,
                                    const v1::GetClueRequest* request, v1::Clue* response) override;
  grpc::Status ReviewClue(grpc::ServerContext* context, const v1::ReviewClueRequest* request,
                          v1::Clue* response) override;
  grpc::Status ExportLinks(grpc::ServerContext* context, const v1::ExportLinksRequest* request,
                           grpc::ServerWriter<v1::RecordLink>* writer) override;
  grpc::Status Rescore(grpc::ServerContext* context, const v1::RescoreRequest* request,
                       v1::RescoreResponse* response) override;
  grpc::Status ListPossibleMatches(grpc::ServerContext* context,
                                   const v1::ListPossibleMatchesRequest* request,
                                   v1::ListPossibleMatchesResponse* response) override;
  grpc::Status ResolvePossibleMatch(grpc::ServerContext* context,
                                    const v1::ResolvePossibleMatchRequest* request,
                                    v1::ResolvePossibleMatchResponse* response) override;
  grpc::Status ExplainPair(grpc::ServerContext* context, const v1::ExplainPairRequest* request,
                           v1::PairExplanation* response) override;
  grpc::Status Relink(grpc::ServerContext* context, const v1::RelinkRequest* request,
                      v1::RelinkResponse* response) override;
  grpc::Status GetLinkModel(grpc::ServerContext* context, const v1::GetLinkModelRequest* request,
                            v1::LinkModel* response) override;

 private:
  void RefreshMetrics();

  MatchEngine* engine_;
  MatchStore* store_;
  const common::Clock* clock_;
  MatchMetrics* metrics_;
  std::function<void()> on_plan_queued_;
};

}  // namespace lifeline::match
