// The one adapter between gRPC's experimental server interceptor API and GrpcServerMetrics.
// Everything else in Lifeline installs RPC metrics through MakeMetricsInterceptorFactory.
#pragma once

#include <memory>

#include <grpcpp/support/server_interceptor.h>

#include "common/metrics/grpc_server_metrics.h"

namespace lifeline::common {

// Returns an interceptor factory that records `metrics` for every RPC the server handles. Pass it
// to grpc::ServerBuilder::experimental().SetInterceptorCreators(). The interceptors share
// ownership of `metrics`.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMetricsInterceptorFactory(std::shared_ptr<GrpcServerMetrics> metrics);

}  // namespace lifeline::common
