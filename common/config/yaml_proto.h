// Rule files: YAML whose schema is a proto message. Unknown or misspelled keys are errors.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace lifeline::common {

// Parses YAML text into `message`, guided by its descriptor: keys are field names in lower_snake
// or JSON camelCase, a scalar is read by the field's type (a string field keeps "341523" as
// text), enums by value name, lists into repeated fields, mappings into messages and maps, null
// leaves the default. `message` is cleared first, and again on error. Errors: InvalidArgument
// listing every problem, one per line, as "<source>: unknown key 'a.b.c' (line N)", "<source>:
// key 'a.b': expected an integer, got \"x\" (line N)" or a YAML syntax error with its position.
absl::Status ParseYamlToProto(const std::string& yaml_text, const std::string& source_name,
                              google::protobuf::Message* message);

// Reads `path` and parses it as above. Errors: NotFound, InvalidArgument.
absl::Status LoadYamlProto(const std::string& path, google::protobuf::Message* message);

}  // namespace lifeline::common
