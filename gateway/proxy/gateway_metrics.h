// The gateway's HTTP metrics.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace lifeline::gateway {

// lifeline_gateway_http_requests_total{route,method,code} and
// lifeline_gateway_http_request_seconds{route}. `route` is a path template, "/healthz" or
// "unmatched", so the label stays low-cardinality. Thread-safe.
class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);

  void Record(const std::string& route, const std::string& method, int http_status, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& seconds_;
};

}  // namespace lifeline::gateway
