#include "common/server/server_runner.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

#include "common/http/http_client.h"
#include "common/server/channel.h"
#include "common/testing/process.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "lifeline/partner/v1/partner_inbox.grpc.pb.h"
#include <signal.h>

namespace lifeline::common {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr std::chrono::seconds kTimeout{30};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Calls Health.Check(service) and returns the status code and, when OK, the serving status.
std::pair<grpc::StatusCode, HealthCheckResponse::ServingStatus> Check(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  return {status.error_code(), response.status()};
}

// Finds the /metrics line of `family` whose labels include every one of `labels`.
std::string FindMetricLine(const std::string& page, const std::string& family,
                           const std::vector<std::string>& labels) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, family + "{")) continue;
    bool all = true;
    for (const std::string& label : labels) all = all && absl::StrContains(line, label);
    if (all) return std::string(line);
  }
  return "";
}

class ServerRunnerTest : public ::testing::Test {
 protected:
  ServerOptions Options() const {
    ServerOptions options;
    options.port_file = dir_.path() + "/port";
    options.metrics_port_file = dir_.path() + "/metrics_port";
    options.drain_timeout = absl::Seconds(2);
    return options;
  }

  testing::TempDir dir_;
};

TEST_F(ServerRunnerTest, ServesHealthForEveryServiceOverLoopback) {
  lifeline::partner::v1::PartnerInbox::Service inbox;
  ServerRunner runner("test-service", Options());
  runner.AddService(&inbox);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_GT(runner.port(), 0);

  auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  EXPECT_EQ(Check(channel, ""), std::make_pair(grpc::StatusCode::OK, HealthCheckResponse::SERVING));
  EXPECT_EQ(Check(channel, "lifeline.partner.v1.PartnerInbox"),
            std::make_pair(grpc::StatusCode::OK, HealthCheckResponse::SERVING));
  EXPECT_EQ(Check(channel, "no.such.Service").first, grpc::StatusCode::NOT_FOUND);

  // The in-process channel reaches the same server without the network.
  EXPECT_EQ(Check(runner.InProcessChannel(), "").second, HealthCheckResponse::SERVING);
}

// grpc.reflection.v1 (what current tools ask first) lists the services and serves descriptors.
TEST_F(ServerRunnerTest, ServesReflectionV1) {
  ServerRunner runner("test-service", Options());
  ASSERT_TRUE(runner.Start().ok());
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(runner.InProcessChannel());
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"grpc.health.v1.Health",
                                              "grpc.reflection.v1.ServerReflection",
                                              "grpc.reflection.v1alpha.ServerReflection"}));

  request.set_file_containing_symbol("grpc.health.v1.Health");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_EQ(response.file_descriptor_response().file_descriptor_proto_size(), 1);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(response.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "grpc/health/v1/health.proto");

  request.set_file_containing_symbol("no.such.Service");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  runner.Shutdown();
  runner.Wait();
}

TEST_F(ServerRunnerTest, MetricsEndpointCountsHandledRpcsAndDomainMetrics) {
  ServerRunner runner("test-service", Options());
  prometheus::BuildCounter()
      .Name("lifeline_test_events_total")
      .Help("Events seen by the test.")
      .Register(*runner.registry())
      .Add({{"kind", "demo"}})
      .Increment(7);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_GT(runner.metrics_port(), 0);
  auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  ASSERT_EQ(Check(channel, "").first, grpc::StatusCode::OK);

  HttpRequestOptions request;
  request.port = runner.metrics_port();
  request.target = "/metrics";
  const std::vector<std::string> check_ok = {R"(grpc_service="grpc.health.v1.Health")",
                                             R"(grpc_method="Check")", R"(grpc_type="unary")",
                                             R"(grpc_code="OK")"};
  // The server counts a call after sending its status, so the client can be a moment ahead.
  std::string handled_line;
  std::string page;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (handled_line.empty() && std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->status, 200);
    page = response->body;
    handled_line = FindMetricLine(page, "grpc_server_handled_total", check_ok);
    if (handled_line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(absl::EndsWith(handled_line, "} 1")) << handled_line << "\n" << page;
  EXPECT_THAT(FindMetricLine(page, "grpc_server_started_total",
                             {R"(grpc_method="Check")", R"(grpc_type="unary")"}),
              ::testing::EndsWith("} 1"));
  EXPECT_THAT(
      FindMetricLine(page, "grpc_server_handling_seconds_count", {R"(grpc_method="Check")"}),
      ::testing::EndsWith("} 1"));
  EXPECT_THAT(FindMetricLine(page, "lifeline_test_events_total", {R"(kind="demo")"}),
              ::testing::EndsWith("} 7"));
}

TEST_F(ServerRunnerTest, WritesPortFilesMatchingBoundPorts) {
  ServerRunner runner("test-service", Options());
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(ReadFile(dir_.path() + "/port"), std::to_string(runner.port()) + "\n");
  EXPECT_EQ(ReadFile(dir_.path() + "/metrics_port"), std::to_string(runner.metrics_port()) + "\n");
  EXPECT_EQ(
      testing::WaitForPortFile(dir_.path() + "/port", std::chrono::milliseconds(100)).value_or(-1),
      runner.port());
  EXPECT_NE(runner.port(), runner.metrics_port());
}

TEST_F(ServerRunnerTest, ShutdownFromAnotherThreadMakesWaitReturn) {
  ServerRunner runner("test-service", Options());
  ASSERT_TRUE(runner.Start().ok());
  auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  ASSERT_EQ(Check(channel, "").first, grpc::StatusCode::OK);

  std::future<void> waited = std::async(std::launch::async, [&runner] { runner.Wait(); });
  EXPECT_EQ(waited.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  std::thread([&runner] { runner.Shutdown(); }).join();
  ASSERT_EQ(waited.wait_for(kTimeout), std::future_status::ready);

  // Stopped: the port no longer answers.
  auto fresh = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  std::unique_ptr<Health::Stub> stub = Health::NewStub(fresh);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  HealthCheckResponse response;
  EXPECT_FALSE(stub->Check(&context, HealthCheckRequest(), &response).ok());
  // Waiting again returns at once.
  runner.Wait();
}

// Holds each DeliverReferral call until released or cancelled.
class BlockingInbox final : public lifeline::partner::v1::PartnerInbox::Service {
 public:
  grpc::Status DeliverReferral(
      grpc::ServerContext* context,
      const lifeline::partner::v1::DeliverReferralRequest* /*request*/,
      lifeline::partner::v1::DeliverReferralResponse* /*response*/) override {
    entered_.set_value();
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (released_.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) {
        return grpc::Status::OK;
      }
      if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "never released");
  }

  std::future<void> entered() { return entered_.get_future(); }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

grpc::Status CallDeliverReferral(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = lifeline::partner::v1::PartnerInbox::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kTimeout);
  lifeline::partner::v1::DeliverReferralRequest request;
  lifeline::partner::v1::DeliverReferralResponse response;
  return stub->DeliverReferral(&context, request, &response);
}

// Polls until a new connection to `port` is refused, i.e. the server has begun shutting down.
bool WaitUntilRefusingNewCalls(int port) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(port));
    std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, HealthCheckRequest(), &response);
    if (!status.ok() || response.status() != HealthCheckResponse::SERVING) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(ServerRunnerTest, DrainLetsInFlightCallsFinish) {
  BlockingInbox inbox;
  std::future<void> entered = inbox.entered();
  ServerRunner runner("test-service", Options());
  runner.AddService(&inbox);
  ASSERT_TRUE(runner.Start().ok());
  auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  std::future<grpc::Status> call =
      std::async(std::launch::async, [channel] { return CallDeliverReferral(channel); });
  ASSERT_EQ(entered.wait_for(kTimeout), std::future_status::ready);

  std::future<void> waited = std::async(std::launch::async, [&runner] { runner.Wait(); });
  runner.Shutdown();
  ASSERT_TRUE(WaitUntilRefusingNewCalls(runner.port()));
  // Draining, not stopped: Wait() still blocks on the in-flight call.
  EXPECT_EQ(waited.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  inbox.Release();
  ASSERT_EQ(call.wait_for(kTimeout), std::future_status::ready);
  EXPECT_TRUE(call.get().ok());
  EXPECT_EQ(waited.wait_for(kTimeout), std::future_status::ready);
}

TEST_F(ServerRunnerTest, DrainTimeoutCancelsStuckCalls) {
  BlockingInbox inbox;
  std::future<void> entered = inbox.entered();
  ServerOptions options = Options();
  options.drain_timeout = absl::Milliseconds(200);
  ServerRunner runner("test-service", options);
  runner.AddService(&inbox);
  ASSERT_TRUE(runner.Start().ok());
  auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner.port()));
  std::future<grpc::Status> call =
      std::async(std::launch::async, [channel] { return CallDeliverReferral(channel); });
  ASSERT_EQ(entered.wait_for(kTimeout), std::future_status::ready);

  runner.Shutdown();
  std::future<void> waited = std::async(std::launch::async, [&runner] { runner.Wait(); });
  // The handler would hold the call for kTimeout; the drain deadline cancels it long before.
  ASSERT_EQ(waited.wait_for(kTimeout / 3), std::future_status::ready);
  ASSERT_EQ(call.wait_for(kTimeout / 3), std::future_status::ready);
  const grpc::Status status = call.get();
  // gRPC ends calls still running at the shutdown deadline with UNAVAILABLE.
  EXPECT_THAT(status.error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::CANCELLED))
      << status.error_message();
}

TEST_F(ServerRunnerTest, ShutdownBeforeWaitStillStops) {
  ServerRunner runner("test-service", Options());
  ASSERT_TRUE(runner.Start().ok());
  runner.Shutdown();
  std::future<void> waited = std::async(std::launch::async, [&runner] { runner.Wait(); });
  EXPECT_EQ(waited.wait_for(kTimeout), std::future_status::ready);
}

TEST_F(ServerRunnerTest, TakenAddressesAreUnavailable) {
  ServerRunner first("first", Options());
  ASSERT_TRUE(first.Start().ok());

  ServerOptions same_grpc_port;
  same_grpc_port.listen_address = "127.0.0.1:" + std::to_string(first.port());
  ServerRunner second("second", same_grpc_port);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);

  ServerOptions same_metrics_port;
  same_metrics_port.metrics_address = "127.0.0.1:" + std::to_string(first.metrics_port());
  ServerRunner third("third", same_metrics_port);
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServerRunnerTest, StartTwiceIsFailedPrecondition) {
  ServerRunner runner("test-service", Options());
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(runner.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ServerRunnerTest, SigtermDrainsAndExitsZero) {
  const std::string binary = testing::BinDir() + "/lifeline-test-server";
  const std::string port_file = dir_.path() + "/child_port";
  const std::string log = dir_.path() + "/child.log";
  ASSERT_TRUE(std::filesystem::exists(binary)) << binary << " missing; run through ctest";
  auto child = testing::ChildProcess::Start(binary, {port_file}, {}, log);
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<int> port = testing::WaitForPortFile(port_file, kTimeout);
  ASSERT_TRUE(port.ok()) << port.status() << "\n" << ReadFile(log);
  ASSERT_TRUE(testing::WaitForServing("127.0.0.1:" + std::to_string(*port), kTimeout).ok());

  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  absl::StatusOr<int> code = child->Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << ReadFile(log);
  const std::string output = ReadFile(log);
  EXPECT_THAT(output,
              HasSubstr("event=server_draining service=lifeline-test-server reason=signal"));
  EXPECT_THAT(output, HasSubstr("event=server_stopped"));
}

// A background task that records its calls in a shared log.
class RecordingTask {
 public:
  RecordingTask(std::string name, std::vector<std::string>* log, std::mutex* mu)
      : name_(std::move(name)), log_(log), mu_(mu) {}
  void Start() { Record("start " + name_); }
  void Stop() { Record("stop " + name_); }
  void Record(std::string event) {
    std::lock_guard<std::mutex> lock(*mu_);
    log_->push_back(std::move(event));
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  std::mutex* mu_;
};

// A task that reports the port the server has when the
// task starts, and whether the server still answers when it stops.
class PortProbe {
 public:
  PortProbe(ServerRunner* runner, std::promise<int>* port_seen)
      : runner_(runner), port_seen_(port_seen) {}
  void Start() { port_seen_->set_value(runner_->port()); }
  void Stop() {
    auto channel = MakeClientChannel("127.0.0.1:" + std::to_string(runner_->port()));
    std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    HealthCheckResponse response;
    answered_after_stop_ = stub->Check(&context, HealthCheckRequest(), &response).ok();
  }
  bool answered_after_stop() const { return answered_after_stop_; }

 private:
  ServerRunner* runner_;
  std::promise<int>* port_seen_;
  bool answered_after_stop_ = true;
};

TEST_F(ServerRunnerTest, ServeStartsTasksOnceServingAndStopsThemInReverseAfterTheDrain) {
  ServerRunner runner("test-service", Options());
  std::mutex mu;
  std::vector<std::string> log;
  RecordingTask first("first", &log, &mu);
  std::promise<int> port_seen;
  PortProbe probe(&runner, &port_seen);
  RecordingTask last("last", &log, &mu);
  std::future<int> port = port_seen.get_future();

  std::future<absl::Status> served = std::async(std::launch::async, [&] {
    return runner.Serve({&first, &probe, &last}, [] { return std::string(" extra=1"); });
  });
  ASSERT_EQ(port.wait_for(kTimeout), std::future_status::ready);
  EXPECT_GT(port.get(), 0);
  EXPECT_EQ(served.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  runner.Shutdown();
  ASSERT_EQ(served.wait_for(kTimeout), std::future_status::ready);
  EXPECT_TRUE(served.get().ok());
  EXPECT_THAT(log, ::testing::ElementsAre("start first", "start last", "stop last", "stop first"));
  // The server had drained and stopped before the tasks were stopped.
  EXPECT_FALSE(probe.answered_after_stop());
}

TEST_F(ServerRunnerTest, ServeReturnsAFailedTaskStartAfterStoppingTheTasksStarted) {
  ServerRunner runner("test-service", Options());
  std::mutex mu;
  std::vector<std::string> log;
  RecordingTask first("first", &log, &mu);
  RecordingTask never("never", &log, &mu);
  BackgroundTask broken(
      [&first] {
        first.Record("start broken");
        return absl::UnavailableError("http_address: taken");
      },
      [&first] { first.Record("stop broken"); });
  std::future<absl::Status> served = std::async(std::launch::async, [&] {
    return runner.Serve({&first, broken, &never});
  });
  ASSERT_EQ(served.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(served.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(log, ::testing::ElementsAre("start first", "start broken", "stop first"));
  runner.Wait();  // Stopped already: returns at once.
}

TEST_F(ServerRunnerTest, ServeReturnsAFailedServerStartWithoutStartingTasks) {
  ServerRunner first("first", Options());
  ASSERT_TRUE(first.Start().ok());
  ServerOptions same_port;
  same_port.listen_address = "127.0.0.1:" + std::to_string(first.port());
  ServerRunner second("second", same_port);
  std::mutex mu;
  std::vector<std::string> log;
  RecordingTask task("task", &log, &mu);
  EXPECT_EQ(second.Serve({&task}).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(log.empty());
}

TEST(WritePortFileTest, ReplacesContentAndReportsBadPaths) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/port";
  ASSERT_TRUE(WritePortFile(path, 1234).ok());
  ASSERT_TRUE(WritePortFile(path, 5678).ok());
  EXPECT_EQ(ReadFile(path), "5678\n");
  EXPECT_EQ(WritePortFile(dir.path() + "/missing/port", 1).code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace lifeline::common
