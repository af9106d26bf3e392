#include "common/metrics/metrics_interceptor.h"

#include <chrono>
#include <memory>
#include <utility>

#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/server_interceptor.h>

namespace lifeline::common {
namespace {

using grpc::experimental::InterceptionHookPoints;
using Clock = std::chrono::steady_clock;

GrpcType ToGrpcType(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return GrpcType::kUnary;
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return GrpcType::kClientStream;
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return GrpcType::kServerStream;
    case grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING:
      return GrpcType::kBidiStream;
  }
  return GrpcType::kUnary;
}

// Records one RPC: started when its initial metadata arrives, handled when its status is sent.
// gRPC calls Intercept for one RPC at a time and destroys the interceptor with the call.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(std::shared_ptr<GrpcServerMetrics> metrics, GrpcMethodLabels labels,
                     GrpcType type)
      : metrics_(std::move(metrics)), labels_(std::move(labels)), type_(type) {}

  ~MetricsInterceptor() override {
    // A call torn down without a status sent (the client went away) still counts as handled.
    if (started_ && !handled_) {
      metrics_->RecordHandled(labels_, type_, grpc::StatusCode::CANCELLED, Elapsed());
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      MarkStarted();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) && !handled_) {
      MarkStarted();
      handled_ = true;
      metrics_->RecordHandled(labels_, type_, methods->GetSendStatus().error_code(), Elapsed());
    }
    methods->Proceed();
  }

 private:
  void MarkStarted() {
    if (started_) return;
    started_ = true;
    start_ = Clock::now();
    metrics_->RecordStarted(labels_, type_);
  }

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  std::shared_ptr<GrpcServerMetrics> metrics_;
  GrpcMethodLabels labels_;
  GrpcType type_;
  bool started_ = false;
  bool handled_ = false;
  Clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(std::shared_ptr<GrpcServerMetrics> metrics)
      : metrics_(std::move(metrics)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    return new MetricsInterceptor(metrics_, SplitGrpcMethodPath(method == nullptr ? "" : method),
                                  ToGrpcType(info->type()));
  }

 private:
  std::shared_ptr<GrpcServerMetrics> metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMetricsInterceptorFactory(std::shared_ptr<GrpcServerMetrics> metrics) {
  return std::make_unique<MetricsInterceptorFactory>(std::move(metrics));
}

}  // namespace lifeline::common
