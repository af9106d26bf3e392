#include "gateway/proxy/gateway_metrics.h"

namespace lifeline::gateway {

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("lifeline_gateway_http_requests_total")
                    .Help("HTTP requests answered by the gateway, by route template, method and "
                          "status code.")
                    .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("lifeline_gateway_http_request_seconds")
                   .Help("Time from a parsed HTTP request to its answer, by route template.")
                   .Register(registry)) {}

void GatewayMetrics::Record(const std::string& route, const std::string& method, int http_status,
                            double seconds) {
  requests_.Add({{"route", route}, {"method", method}, {"code", std::to_string(http_status)}})
      .Increment();
  seconds_
      .Add({{"route", route}},
           prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25, 0.5, 1, 2.5, 5, 10})
      .Observe(seconds);
}

}  // namespace lifeline::gateway
