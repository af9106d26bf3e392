// Rule files: YAML whose schema is a proto message. Unknown or misspelled keys are errors.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace lifeline::common {

// Parses YAML text into `message` (YAML -> JSON -> protobuf JSON parser). Errors:
// InvalidArgument naming the file/key on a syntax error, unknown key or wrong type.
absl::Status ParseYamlToProto(const std::string& yaml_text, const std::string& source_name,
                              google::protobuf::Message* message);

// Reads `path` and parses it as above. Errors: NotFound, InvalidArgument.
absl::Status LoadYamlProto(const std::string& path, google::protobuf::Message* message);

}  // namespace lifeline::common
