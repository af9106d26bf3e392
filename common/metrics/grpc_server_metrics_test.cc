#include "common/metrics/grpc_server_metrics.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

namespace lifeline::common {
namespace {

// Finds the sample of family `name` whose labels are exactly `labels`.
std::optional<prometheus::ClientMetric> FindSample(
    const prometheus::Registry& registry, const std::string& name,
    const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const auto& label : metric.label) got[label.name] = label.value;
      if (got == labels) return metric;
    }
  }
  return std::nullopt;
}

TEST(GrpcServerMetricsTest, SplitsMethodPath) {
  GrpcMethodLabels labels = SplitGrpcMethodPath("/grpc.health.v1.Health/Check");
  EXPECT_EQ(labels.service, "grpc.health.v1.Health");
  EXPECT_EQ(labels.method, "Check");
}

TEST(GrpcServerMetricsTest, OddPathsBecomeUnknown) {
  for (const char* path : {"", "unknown", "/", "//", "/svc/", "/svc", "svc/m", "/a/b/c", "//m"}) {
    GrpcMethodLabels labels = SplitGrpcMethodPath(path);
    EXPECT_EQ(labels.service, "unknown") << path;
    EXPECT_EQ(labels.method, "unknown") << path;
  }
}

TEST(GrpcServerMetricsTest, NamesCodesAndTypes) {
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(99)), "UNKNOWN");
  EXPECT_EQ(GrpcTypeName(GrpcType::kUnary), "unary");
  EXPECT_EQ(GrpcTypeName(GrpcType::kClientStream), "client_stream");
  EXPECT_EQ(GrpcTypeName(GrpcType::kServerStream), "server_stream");
  EXPECT_EQ(GrpcTypeName(GrpcType::kBidiStream), "bidi_stream");
}

TEST(GrpcServerMetricsTest, RecordsStartedHandledAndLatency) {
  prometheus::Registry registry;
  GrpcServerMetrics metrics(registry);
  const GrpcMethodLabels labels{"lifeline.ingest.v1.IngestService", "SubmitBatch"};

  metrics.RecordStarted(labels, GrpcType::kUnary);
  metrics.RecordStarted(labels, GrpcType::kUnary);
  metrics.RecordHandled(labels, GrpcType::kUnary, grpc::StatusCode::OK, 0.003);
  metrics.RecordHandled(labels, GrpcType::kUnary, grpc::StatusCode::NOT_FOUND, 0.2);

  const std::map<std::string, std::string> base = {
      {"grpc_service", "lifeline.ingest.v1.IngestService"},
      {"grpc_method", "SubmitBatch"},
      {"grpc_type", "unary"}};
  auto started = FindSample(registry, "grpc_server_started_total", base);
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->counter.value, 2);

  auto with_code = [&](const std::string& code) {
    auto labels_with_code = base;
    labels_with_code["grpc_code"] = code;
    return labels_with_code;
  };
  auto ok = FindSample(registry, "grpc_server_handled_total", with_code("OK"));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->counter.value, 1);
  auto not_found = FindSample(registry, "grpc_server_handled_total", with_code("NOT_FOUND"));
  ASSERT_TRUE(not_found.has_value());
  EXPECT_EQ(not_found->counter.value, 1);
  EXPECT_FALSE(FindSample(registry, "grpc_server_handled_total", with_code("INTERNAL")));

  auto histogram = FindSample(registry, "grpc_server_handling_seconds", base);
  ASSERT_TRUE(histogram.has_value());
  EXPECT_EQ(histogram->histogram.sample_count, 2u);
  EXPECT_DOUBLE_EQ(histogram->histogram.sample_sum, 0.203);
  // 0.003 lands in the 0.005 bucket; both land in the 0.25 bucket (buckets are cumulative).
  const auto& buckets = histogram->histogram.bucket;
  std::map<double, std::uint64_t> cumulative;
  for (const auto& bucket : buckets) cumulative[bucket.upper_bound] = bucket.cumulative_count;
  EXPECT_EQ(cumulative.at(0.0025), 0u);
  EXPECT_EQ(cumulative.at(0.005), 1u);
  EXPECT_EQ(cumulative.at(0.1), 1u);
  EXPECT_EQ(cumulative.at(0.25), 2u);
  EXPECT_EQ(buckets.size(), GrpcServerMetrics::Buckets().size() + 1);
}

}  // namespace
}  // namespace lifeline::common
