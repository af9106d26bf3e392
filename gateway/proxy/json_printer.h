// Prints protobuf messages as proto3 JSON by walking their reflection once, without the
// intermediate type resolution of google::protobuf::util::MessageToJsonString (which cost the
// gateway about a fifth of its CPU per GetClue). The output is what that printer gives with
// default options for the messages the gateway serves (a test holds the two together).
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace lifeline::gateway {

// Appends `message` to `out` as compact proto3 JSON: lowerCamelCase (json_name) field names in
// field-number order; fields without presence omitted at their default value; 64-bit integers,
// NaN and the infinities as strings; enums by name (unknown numbers as numbers); bytes as
// base64; map entries ordered by key; strings escaped so the text is safe inside HTML (<, >,
// U+2028 and U+2029 as \u escapes) and invalid UTF-8 replaced by U+FFFD. Well-known types get no
// special form (the gateway's messages use none).
void AppendJson(const google::protobuf::Message& message, std::string* out);

}  // namespace lifeline::gateway
