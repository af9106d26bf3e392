// Fuzz target for the gateway's request path (`make fuzz`; the seed corpus testdata/request_corpus
// is replayed by the unit test gateway_request_fuzz_replay). An input is a method selector byte,
// a request target up to the first newline, and a body. On any bytes: routing never fails
// unexpectedly; a request the transcoder builds always prints back as JSON that parses to the
// same message (else the gateway would answer 500 for the client's bytes); and the audit line of
// the request is always one valid JSON object.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "common/csv/encoding.h"
#include "common/server/request_limits.h"
#include "common/testing/fuzz_check.h"
#include "gateway/domain/role_policy.h"
#include "gateway/domain/route_table.h"
#include "gateway/domain/url.h"
#include "gateway/proxy/api_routes.h"
#include "gateway/proxy/audit_log.h"
#include "gateway/proxy/transcoder.h"

namespace lifeline::gateway {
namespace {

struct Routes {
  std::vector<ApiRoute> routes;
  RouteTable table;
};

const Routes& AllRoutes() {
  static const Routes* routes = [] {
    auto* r = new Routes();
    auto read = RoutesFromServices(LifelineServices());
    FUZZ_CHECK(read.ok());
    r->routes = *std::move(read);
    for (const ApiRoute& route : r->routes) {
      FUZZ_CHECK(r->table.Add(route.http_method, route.path_template).ok());
    }
    return r;
  }();
  return *routes;
}

bool IsJsonObject(const std::string& text) {
  google::protobuf::Struct parsed;
  return google::protobuf::util::JsonStringToMessage(text, &parsed).ok();
}

}  // namespace
}  // namespace lifeline::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lifeline::gateway;  // NOLINT(google-build-using-namespace): a fuzz entry point
  if (size == 0) return 0;
  static constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string method = kMethods[data[0] % 5];
  const size_t newline = input.find('\n');
  const std::string_view target = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  const Routes& routes = AllRoutes();
  const SplitTargetResult split = SplitTarget(target);
  const RouteResolution resolution = routes.table.Resolve(method, split.path);
  if (resolution.outcome != RouteResolution::Outcome::kFound) return 0;
  FUZZ_CHECK(resolution.route < routes.routes.size());
  const ApiRoute& route = routes.routes[resolution.route];
  for (const auto& [name, value] : resolution.vars) {
    // The handler answers 400 for these before building anything.
    if (!lifeline::common::IsValidUtf8(value)) return 0;
  }
  const Principal caller{"fuzz-user", kRoleChiefProcurator, "34"};
  const std::string rpc = route.method->full_name();
  auto request =
      BuildRequest(route, resolution.vars, split.query, body, RolePolicy::Overrides(rpc, caller));

  AuditEntry audit;
  audit.user = caller.user;
  audit.role = caller.role;
  audit.http_method = route.http_method;
  audit.route = route.path_template;
  audit.rpc = rpc;
  audit.path_vars = resolution.vars;
  audit.http_status = request.ok() ? 200 : 400;
  if (request.ok()) {
    (void)lifeline::common::CheckRequestText(**request);
    audit.decision = AuditDecision(**request);
    audit.subjects = AuditSubjects(**request);
    absl::StatusOr<std::string> json = MessageToJson(**request);
    FUZZ_CHECK(json.ok());
    std::unique_ptr<google::protobuf::Message> again((*request)->New());
    FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(*json, again.get()).ok());
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(**request, *again));
  } else {
    FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument);
  }
  FUZZ_CHECK(IsJsonObject(FormatAuditLine(audit)));
  return 0;
}
