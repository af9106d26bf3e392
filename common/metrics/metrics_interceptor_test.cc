#include "common/metrics/metrics_interceptor.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace lifeline::common {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

double CounterValue(const prometheus::Registry& registry, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const auto& label : metric.label) got[label.name] = label.value;
      if (got == labels) return metric.counter.value;
    }
  }
  return 0;
}

class MetricsInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    // gRPC refuses to build a server without a registered service; reflection is one.
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(
        MakeMetricsInterceptorFactory(std::make_shared<GrpcServerMetrics>(*registry_)));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = Health::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  // Polls until the handled counter for `labels` reaches `want`; the server records after it has
  // sent the status, which may be after the client has seen it.
  double WaitForHandled(const std::map<std::string, std::string>& labels, double want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    double value = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      value = CounterValue(*registry_, "grpc_server_handled_total", labels);
      if (value >= want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return value;
  }

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Health::Stub> stub_;
};

const std::map<std::string, std::string> kCheckLabels = {
    {"grpc_service", "grpc.health.v1.Health"}, {"grpc_method", "Check"}, {"grpc_type", "unary"}};

std::map<std::string, std::string> WithCode(std::map<std::string, std::string> labels,
                                            const std::string& code) {
  labels["grpc_code"] = code;
  return labels;
}

TEST_F(MetricsInterceptorTest, CountsUnaryCallsByCode) {
  for (const auto& [service, want_code] : std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"", grpc::StatusCode::OK},
           {"", grpc::StatusCode::OK},
           {"no.such.Service", grpc::StatusCode::NOT_FOUND}}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status = stub_->Check(&context, request, &response);
    ASSERT_EQ(status.error_code(), want_code) << status.error_message();
  }
  EXPECT_EQ(WaitForHandled(WithCode(kCheckLabels, "OK"), 2), 2);
  EXPECT_EQ(WaitForHandled(WithCode(kCheckLabels, "NOT_FOUND"), 1), 1);
  EXPECT_EQ(CounterValue(*registry_, "grpc_server_started_total", kCheckLabels), 3);
  EXPECT_EQ(
      CounterValue(*registry_, "grpc_server_handled_total", WithCode(kCheckLabels, "INTERNAL")), 0);
}

TEST_F(MetricsInterceptorTest, LabelsServerStreamingCalls) {
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    auto reader = stub_->Watch(&context, request);
    HealthCheckResponse response;
    ASSERT_TRUE(reader->Read(&response));
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
    context.TryCancel();
    reader->Finish().IgnoreError();
  }
  const std::map<std::string, std::string> watch = {{"grpc_service", "grpc.health.v1.Health"},
                                                    {"grpc_method", "Watch"},
                                                    {"grpc_type", "server_stream"}};
  EXPECT_EQ(CounterValue(*registry_, "grpc_server_started_total", watch), 1);
  // The server records whatever status the service finishes the cancelled watch with (gRPC's
  // health service says UNKNOWN), so count across codes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double handled = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    handled = 0;
    for (const prometheus::MetricFamily& family : registry_->Collect()) {
      if (family.name != "grpc_server_handled_total") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        std::map<std::string, std::string> got;
        for (const auto& label : metric.label) got[label.name] = label.value;
        if (got.erase("grpc_code") == 1 && got == watch) handled += metric.counter.value;
      }
    }
    if (handled >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(handled, 1);
}

}  // namespace
}  // namespace lifeline::common
