#include "common/metrics/grpc_server_metrics.h"

#include <string>
#include <string_view>

#include <prometheus/labels.h>

namespace lifeline::common {

std::string_view GrpcTypeName(GrpcType type) {
  switch (type) {
    case GrpcType::kUnary:
      return "unary";
    case GrpcType::kClientStream:
      return "client_stream";
    case GrpcType::kServerStream:
      return "server_stream";
    case GrpcType::kBidiStream:
      return "bidi_stream";
  }
  return "unary";
}

std::string_view GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::DO_NOT_USE:
      break;
  }
  return "UNKNOWN";
}

GrpcMethodLabels SplitGrpcMethodPath(std::string_view path) {
  // "/" service "/" method, both non-empty, no further slashes.
  if (path.size() >= 4 && path.front() == '/') {
    const std::string_view rest = path.substr(1);
    const size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash > 0 && slash + 1 < rest.size() &&
        rest.find('/', slash + 1) == std::string_view::npos) {
      return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
    }
  }
  return {"unknown", "unknown"};
}

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Time from receiving an RPC to sending its status, in seconds.")
                            .Register(registry)) {}

const prometheus::Histogram::BucketBoundaries& GrpcServerMetrics::Buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBuckets;
}

void GrpcServerMetrics::RecordStarted(const GrpcMethodLabels& labels, GrpcType type) {
  started_
      .Add({{"grpc_service", labels.service},
            {"grpc_method", labels.method},
            {"grpc_type", std::string(GrpcTypeName(type))}})
      .Increment();
}

void GrpcServerMetrics::RecordHandled(const GrpcMethodLabels& labels, GrpcType type,
                                      grpc::StatusCode code, double seconds) {
  const prometheus::Labels base = {{"grpc_service", labels.service},
                                   {"grpc_method", labels.method},
                                   {"grpc_type", std::string(GrpcTypeName(type))}};
  prometheus::Labels with_code = base;
  with_code.emplace("grpc_code", std::string(GrpcCodeName(code)));
  handled_.Add(with_code).Increment();
  handling_seconds_.Add(base, Buckets()).Observe(seconds < 0 ? 0 : seconds);
}

}  // namespace lifeline::common
