// The OpenAPI 3.0 document of the gateway's HTTP API, derived from the same google.api.http
// annotations and message descriptors the routes come from, so it cannot drift from them. Built
// at build time by lifeline-openapi and served by the gateway at GET /openapi.json.
#pragma once

#include <string>
#include <vector>

#include "gateway/proxy/api_routes.h"

namespace lifeline::gateway {

// The document for `routes` (plus /healthz, /readyz and /openapi.json), as pretty-printed JSON
// with sorted keys (the same routes always give the same bytes).
std::string OpenApiDocument(const std::vector<ApiRoute>& routes);

// The document built into the gateway (generated at build time; see gateway/CMakeLists.txt).
const std::string& BuiltOpenApiDocument();

}  // namespace lifeline::gateway
