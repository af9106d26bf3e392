#include "gateway/proxy/api_routes.h"

#include <google/api/annotations.pb.h>
#include <google/api/http.pb.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/route_template.h"
#include "gateway/domain/text.h"
#include "lifeline/gateway/v1/audit_service.grpc.pb.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"

namespace lifeline::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

const FieldDescriptor* FindField(const Descriptor* type, std::string_view name) {
  if (const FieldDescriptor* field = type->FindFieldByName(std::string(name))) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == name) return type->field(i);
  }
  return nullptr;
}

absl::Status AddRoute(const MethodDescriptor* method, const google::api::HttpRule& rule,
                      std::vector<ApiRoute>* routes) {
  const std::string where = absl::StrCat("google.api.http of ", method->full_name());
  ApiRoute route;
  route.method = method;
  route.body = rule.body();
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET";
      route.path_template = rule.get();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST";
      route.path_template = rule.post();
      break;
    case google::api::HttpRule::kPut:
      route.http_method = "PUT";
      route.path_template = rule.put();
      break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE";
      route.path_template = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      route.http_method = "PATCH";
      route.path_template = rule.patch();
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported pattern"));
  }
  if (method->client_streaming() || method->server_streaming()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": streaming RPCs cannot be routed"));
  }
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(route.path_template);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", parsed.status().message()));
  }
  const Descriptor* input = method->input_type();
  for (const std::string& variable : parsed->variables()) {
    std::vector<const FieldDescriptor*> parents;
    const FieldDescriptor* field = ResolveFieldPath(input, variable, &parents);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": path variable \"", variable, "\" is not a singular scalar field"));
    }
  }
  if (!route.body.empty() && route.body != "*") {
    const FieldDescriptor* field = input->FindFieldByName(route.body);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": body \"", route.body, "\" is not a singular message field"));
    }
  }
  routes->push_back(std::move(route));
  return absl::OkStatus();
}

}  // namespace

std::vector<const google::protobuf::ServiceDescriptor*> LifelineServices() {
  // Naming the generated descriptors keeps their files linked in and registered in the pool.
  return {lifeline::ingest::v1::SubmitBatchRequest::descriptor()->file()->FindServiceByName(
              "IngestService"),
          lifeline::match::v1::ReviewClueRequest::descriptor()->file()->FindServiceByName(
              "MatchService"),
          lifeline::referral::v1::GetPlanRequest::descriptor()->file()->FindServiceByName(
              "ReferralService"),
          lifeline::gateway::v1::ListAuditEntriesRequest::descriptor()->file()->FindServiceByName(
              "AuditService")};
}

const FieldDescriptor* ResolveFieldPath(const Descriptor* type, const std::string& path,
                                        std::vector<const FieldDescriptor*>* parents) {
  parents->clear();
  const FieldDescriptor* field = nullptr;
  for (std::string_view part : SplitText(path, '.')) {
    if (field != nullptr) {
      if (field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return nullptr;
      }
      parents->push_back(field);
      type = field->message_type();
    }
    field = FindField(type, part);
    if (field == nullptr) return nullptr;
  }
  return field;
}

absl::StatusOr<std::vector<ApiRoute>> RoutesFromServices(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  std::vector<ApiRoute> routes;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    if (service == nullptr) return absl::InternalError("a Lifeline service is not linked in");
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule = method->options().GetExtension(google::api::http);
      if (absl::Status status = AddRoute(method, rule, &routes); !status.ok()) return status;
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        if (absl::Status status = AddRoute(method, extra, &routes); !status.ok()) return status;
      }
    }
  }
  return routes;
}

}  // namespace lifeline::gateway
