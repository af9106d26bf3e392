// lifeline-referral-bench: durable referral transitions per second. Starts ReferralServiceImpl
// on a gRPC server on 127.0.0.1 (plaintext, callers from metadata: the service and its SQLite
// store, without TLS) over a store file in a temporary directory (WAL, synchronous=FULL: each
// commit is on disk before the call returns), opens --plans plans of five referrals each, then
// --clients threads move every referral REQUESTED -> ACCEPTED -> IN_PROGRESS -> COMPLETED through
// TransitionReferral as its department would, and prints transitions/s and latency percentiles.
// Bounded by the work and by --seconds.
//   lifeline-referral-bench [--plans 4000] [--clients 8] [--seconds 60] [--dir /tmp/x]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "common/auth/caller.h"
#include "common/config/flags.h"
#include "common/time/dates.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/router.h"
#include "referral-service/rpc/referral_service_impl.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace {

namespace v1 = lifeline::referral::v1;
using Clock = std::chrono::steady_clock;

constexpr const char* kDepartments[] = {"legal_aid", "counselling", "law_popularization",
                                        "civil_affairs", "village_committee"};

double Percentile(std::vector<double>* values, double p) {
  if (values->empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(values->size() - 1));
  std::nth_element(values->begin(), values->begin() + static_cast<std::ptrdiff_t>(index),
                   values->end());
  return (*values)[index];
}

}  // namespace

int main(int argc, char** argv) {
  namespace common = lifeline::common;
  namespace referral = lifeline::referral;
  int64_t plans = 4000;
  int64_t clients = 8;
  int64_t seconds = 60;
  std::string dir;
  bool direct = false;
  bool keep = false;
  common::FlagSet flags("referral_bench");
  flags.Bool("direct", &direct,
             "call the store directly instead of the service over gRPC (the store's own figure)");
  flags.Int("plans", &plans, "plans of five referrals each", 1, 1000000);
  flags.Int("clients", &clients, "concurrent callers", 1, 256);
  flags.Int("seconds", &seconds, "stop after this long even if work is left", 1, 3600);
  flags.String("dir", &dir, "directory for referral.db (default: a new temporary one)");
  flags.Bool("keep", &keep, "keep referral.db (to look at it at scale) instead of removing it");
  if (absl::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(parsed.message()).c_str());
    return absl::IsCancelled(parsed) ? 0 : 2;
  }
  if (dir.empty()) {
    dir = (std::filesystem::temp_directory_path() /
           absl::StrCat("lifeline-referral-bench-", getpid()))
              .string();
  }
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/referral.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");

  auto store = referral::SqliteReferralStore::Open(path, common::Clock::Real());
  if (!store.ok()) {
    std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::vector<referral::RouteRule> rules;
  for (const char* department : kDepartments) {
    rules.push_back({"every_plan", department, "help", "bench"});
    if (!(*store)->UpsertPartner({department, department, "127.0.0.1:1", 5, true}, "bench").ok()) {
      return 1;
    }
  }
  auto router = referral::Router::Create(rules);
  if (!router.ok()) return 1;
  referral::RandomIdGenerator ids;
  referral::ReferralServiceImpl service(store->get(), &*router, common::Clock::Real(), &ids);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  // As common::ServerRunner sets them for the services.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 8);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  const std::string target = absl::StrCat("127.0.0.1:", port);

  // Plans first (not timed): what match-service would have sent.
  auto stub =
      v1::ReferralService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  std::vector<std::pair<std::string, std::string>> referrals;  // id, department
  const auto setup_start = Clock::now();
  for (int64_t i = 0; i < plans; ++i) {
    grpc::ClientContext context;
    v1::CreatePlanRequest request;
    request.set_clue_id(absl::StrCat("bench-clue-", i));
    request.mutable_person()->set_person_id(absl::StrCat("bench-person-", i));
    request.set_approved_by("bench-procurator");
    v1::Plan plan;
    grpc::Status status = stub->CreatePlan(&context, request, &plan);
    if (!status.ok()) {
      std::fprintf(stderr, "CreatePlan: %s\n", status.error_message().c_str());
      return 1;
    }
    for (const v1::Referral& r : plan.referrals())
      referrals.emplace_back(r.referral_id(), r.department());
  }
  std::printf("setup: %lld plans, %zu referrals in %.1f s\n", static_cast<long long>(plans),
              referrals.size(), std::chrono::duration<double>(Clock::now() - setup_start).count());

  // Each client takes referrals in turn and moves each through three states.
  const v1::ReferralState kPath[] = {v1::REFERRAL_STATE_ACCEPTED, v1::REFERRAL_STATE_IN_PROGRESS,
                                     v1::REFERRAL_STATE_COMPLETED};
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::mutex latencies_mu;
  std::vector<double> latencies_ms;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int64_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("lifeline.bench.channel", static_cast<int>(c));  // one connection each
      auto client = v1::ReferralService::NewStub(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
      std::vector<double> mine;
      while (Clock::now() < deadline) {
        const size_t i = next.fetch_add(1);
        if (i >= referrals.size()) break;
        for (v1::ReferralState to : kPath) {
          if (direct) {
            const auto t0 = Clock::now();
            absl::StatusOr<referral::Referral> moved = (*store)->TransitionReferral(
                referrals[i].first, static_cast<referral::ReferralState>(to), "", "bench-desk",
                referrals[i].second,
                to == v1::REFERRAL_STATE_COMPLETED ? referral::ReferralOutcome::kProvided
                                                   : referral::ReferralOutcome::kUnspecified);
            mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            (moved.ok() ? done : failed).fetch_add(1);
            continue;
          }
          grpc::ClientContext context;
          if (!common::AttachCaller({"bench-desk", common::kRolePartner, referrals[i].second},
                                    &context)
                   .ok()) {
            failed.fetch_add(1);
            continue;
          }
          v1::TransitionReferralRequest request;
          request.set_referral_id(referrals[i].first);
          request.set_to_state(to);
          if (to == v1::REFERRAL_STATE_COMPLETED)
            request.set_outcome(v1::REFERRAL_OUTCOME_PROVIDED);
          v1::Referral response;
          const auto t0 = Clock::now();
          grpc::Status status = client->TransitionReferral(&context, request, &response);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          (status.ok() ? done : failed).fetch_add(1);
        }
      }
      std::lock_guard<std::mutex> lock(latencies_mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  server->Shutdown();
  std::printf(
      "transitions: %lld durable in %.2f s = %.0f/s with %lld clients (failed %lld); latency ms "
      "p50 %.2f p90 %.2f p99 %.2f\n",
      static_cast<long long>(done.load()), elapsed, static_cast<double>(done.load()) / elapsed,
      static_cast<long long>(clients), static_cast<long long>(failed.load()),
      Percentile(&latencies_ms, 0.5), Percentile(&latencies_ms, 0.9),
      Percentile(&latencies_ms, 0.99));
  std::printf("group commit: %lld transactions for %lld moves (%.1f per commit)\n",
              static_cast<long long>((*store)->transition_commits()),
              static_cast<long long>((*store)->transition_moves()),
              static_cast<double>((*store)->transition_moves()) /
                  static_cast<double>(std::max<int64_t>(1, (*store)->transition_commits())));
  if (keep) {
    std::printf("kept %s\n", path.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return failed.load() == 0 ? 0 : 1;
}
