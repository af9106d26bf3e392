// HTTP/JSON <-> protobuf for one route: builds the request message from the path, query and body,
// and prints the response message as JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"

#include "gateway/domain/role_policy.h"
#include "gateway/domain/route_template.h"
#include "gateway/proxy/api_routes.h"

namespace lifeline::gateway {

// Builds the request of `route`'s RPC: the JSON body first (into the whole message for body "*",
// into the named field otherwise; an empty body counts as {}), then the path variables, then the
// query parameters for the fields bound by neither, then `overrides` (fields the gateway fills
// from the caller), which win over anything the client sent. Errors: InvalidArgument with a
// message naming the problem and field but never a value: malformed JSON, an unknown field, a
// value of the wrong type, a body on a route that takes none, an unknown or repeated-for-singular
// query parameter.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const ApiRoute& route, const PathVars& vars, std::string_view raw_query, std::string_view body,
    const std::vector<FieldOverride>& overrides);

// Sets the field at `path` of `message` from text: strings as is, numbers in decimal, bools as
// true/false, enums by name (or number), bytes as base64. A repeated field gets the value
// appended. `what` ("query parameter", "path variable") starts the error message. Errors:
// InvalidArgument.
absl::Status SetFieldFromText(google::protobuf::Message* message, const std::string& path,
                              std::string_view value, std::string_view what);

// Prints a response message as proto3 JSON (AppendJson in json_printer.h): lowerCamelCase field
// names, enums by name, fields at their default value omitted, int64 as strings. Never fails
// today; the status leaves room for a message that cannot be printed.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

}  // namespace lifeline::gateway
