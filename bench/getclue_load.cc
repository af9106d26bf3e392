// lifeline-getclue-load: calls MatchService.GetClue directly (mutual TLS and a caller token from
// the LIFELINE_TLS_* / LIFELINE_CALLER_KEY_FILE variables, as the lifeline tool does) from
// --connections threads for --seconds, and prints requests/s and latency percentiles, so that
// bench/gateway_read.sh can set the gateway's figures against the service's own. --clue takes
// one id or several, comma-separated, which each thread asks for in turn. --health calls
// grpc.health.v1.Health/Check instead (no store, no caller token: the floor that gRPC with
// mutual TLS sets on this machine).
//   lifeline-getclue-load --target 127.0.0.1:50052 --clue ID[,ID...] [--connections 64]
//       [--seconds 20] [--health]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_split.h"

#include "common/auth/caller.h"
#include "common/config/flags.h"
#include "common/server/channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:50052";
  std::string clue;
  int64_t connections = 64;
  int64_t seconds = 20;
  bool health = false;
  lifeline::common::FlagSet flags("getclue_load");
  flags.String("target", &target, "match-service host:port");
  flags.String("clue", &clue, "clue id, or several comma-separated, asked for in turn");
  flags.Int("connections", &connections, "concurrent callers", 1, 1024);
  flags.Int("seconds", &seconds, "how long to run", 1, 600);
  flags.Bool("health", &health, "call grpc.health.v1.Health/Check instead of GetClue");
  if (absl::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(parsed.message()).c_str());
    return absl::IsCancelled(parsed) ? 0 : 2;  // --help prints the usage
  }
  const std::vector<std::string> clues = absl::StrSplit(clue, ',', absl::SkipEmpty());
  if (clues.empty() && !health) {
    std::fprintf(stderr, "--clue is required (or --health)\n%s", flags.Usage().c_str());
    return 2;
  }
  namespace common = lifeline::common;
  if (!Env("LIFELINE_TLS_CERT_FILE").empty()) {
    common::SetClientTls(
        {Env("LIFELINE_TLS_CERT_FILE"), Env("LIFELINE_TLS_KEY_FILE"), Env("LIFELINE_TLS_CA_FILE")});
  }
  if (!Env("LIFELINE_CALLER_KEY_FILE").empty()) {
    auto tokens = common::CallerTokens::Open(Env("LIFELINE_CALLER_KEY_FILE"));
    if (!tokens.ok()) {
      std::fprintf(stderr, "caller key file: %s\n", tokens.status().ToString().c_str());
      return 2;
    }
    common::InstallCallerTokens(*tokens, "getclue-load");
  }
  // Several channels, as many clients would have (one HTTP/2 connection each).
  std::vector<std::unique_ptr<lifeline::match::v1::MatchService::Stub>> stubs;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_stubs;
  for (int64_t i = 0; i < std::min<int64_t>(connections, 8); ++i) {
    grpc::ChannelArguments args = common::ClientChannelArguments();
    args.SetInt("lifeline.bench.channel",
                static_cast<int>(i));  // distinct channels, not one shared subchannel
    auto channel = grpc::CreateCustomChannel(target, common::ClientCredentials(), args);
    stubs.push_back(lifeline::match::v1::MatchService::NewStub(channel));
    health_stubs.push_back(grpc::health::v1::Health::NewStub(channel));
  }
  const common::Caller caller{"bench-procurator", common::kRoleProcurator, "34"};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> errors{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      std::vector<double> mine;
      lifeline::match::v1::GetClueRequest request;
      size_t next = static_cast<size_t>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        const auto begin = std::chrono::steady_clock::now();
        grpc::Status status;
        if (health) {
          grpc::health::v1::HealthCheckResponse response;
          status = health_stubs[t % health_stubs.size()]->Check(
              &context, grpc::health::v1::HealthCheckRequest(), &response);
        } else {
          (void)common::AttachCaller(caller, &context);
          request.set_clue_id(clues[next++ % clues.size()]);
          lifeline::match::v1::Clue response;
          status = stubs[t % stubs.size()]->GetClue(&context, request, &response);
        }
        const auto end = std::chrono::steady_clock::now();
        if (!status.ok()) {
          ++errors;
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(
        latencies_ms.size() - 1,
        static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  std::printf(
      "direct %s: %zu calls in %.1f s = %.0f calls/s; p50 %.2f ms, p99 %.2f ms; "
      "errors %lld\n",
      health ? "Health/Check" : "GetClue", latencies_ms.size(), elapsed,
      static_cast<double>(latencies_ms.size()) / elapsed, percentile(0.50), percentile(0.99),
      static_cast<long long>(errors.load()));
  return latencies_ms.empty() ? 1 : 0;
}
