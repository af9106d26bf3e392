// RPC metrics for gRPC servers, in the names Prometheus users know from go-grpc-prometheus:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}  (histogram)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace lifeline::common {

// The streaming shape of an RPC, as in the grpc_type label.
enum class GrpcType { kUnary, kClientStream, kServerStream, kBidiStream };

// Returns the grpc_type label value: "unary", "client_stream", "server_stream", "bidi_stream".
std::string_view GrpcTypeName(GrpcType type);

// Returns the canonical name of `code` ("OK", "NOT_FOUND", ...); "UNKNOWN" for values outside
// the canonical set.
std::string_view GrpcCodeName(grpc::StatusCode code);

// The service and method labels of one RPC.
struct GrpcMethodLabels {
  std::string service;  // "lifeline.ingest.v1.IngestService"
  std::string method;   // "SubmitBatch"
};

// Splits a gRPC method path "/package.Service/Method" into its labels. Anything else (gRPC names
// calls to unregistered methods "unknown") yields {"unknown", "unknown"}, so client-chosen
// strings never become label values.
GrpcMethodLabels SplitGrpcMethodPath(std::string_view path);

// The three metric families in one registry. Thread-safe.
class GrpcServerMetrics {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit GrpcServerMetrics(prometheus::Registry& registry);

  // Counts an RPC the server has started handling.
  void RecordStarted(const GrpcMethodLabels& labels, GrpcType type);
  // Counts an RPC the server has finished with `code` after `seconds`.
  void RecordHandled(const GrpcMethodLabels& labels, GrpcType type, grpc::StatusCode code,
                     double seconds);

  // The histogram's upper bounds in seconds.
  static const prometheus::Histogram::BucketBoundaries& Buckets();

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
};

}  // namespace lifeline::common
