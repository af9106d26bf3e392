// The HTTP routes of Lifeline's public RPCs, read from their google.api.http annotations.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"

namespace lifeline::gateway {

// One public RPC reachable over HTTP.
struct ApiRoute {
  std::string http_method;    // GET, POST, PUT, DELETE, PATCH
  std::string path_template;  // "/v1/clues/{clue_id}:review"
  // "" (no body), "*" (the whole request message) or the name of a top-level message field.
  std::string body;
  const google::protobuf::MethodDescriptor* method = nullptr;
};

// Returns the services the gateway exposes: lifeline.ingest.v1.IngestService,
// lifeline.match.v1.MatchService and lifeline.referral.v1.ReferralService from the generated pool.
std::vector<const google::protobuf::ServiceDescriptor*> LifelineServices();

// Reads the routes of every annotated method of `services` (and their additional_bindings).
// Methods without an annotation are internal and get no route. Errors: InvalidArgument naming
// the method when an annotation is unusable: a streaming method, an unsupported pattern (custom),
// a template variable that is not a singular scalar field, or a body that is not "*" or a
// singular message field.
absl::StatusOr<std::vector<ApiRoute>> RoutesFromServices(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services);

// Resolves a dotted field path ("partner.department") in `type`, accepting each part's proto
// name or JSON name. On success `*parents` holds the message fields walked through. Returns
// nullptr when a part is unknown or an intermediate part is not a singular message field.
const google::protobuf::FieldDescriptor* ResolveFieldPath(
    const google::protobuf::Descriptor* type, const std::string& path,
    std::vector<const google::protobuf::FieldDescriptor*>* parents);

}  // namespace lifeline::gateway
