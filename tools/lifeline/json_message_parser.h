// Parses JSON into protobuf messages with google::protobuf::util::JsonStringToMessage's meaning
// (default options), many times faster for the plain JSON that exports and lifeline-datagen
// write. Protobuf 3.21's parser converts through a type-resolving stream writer and costs about
// 40 µs for one Record line; reading 1,000,000 lines took longer than validating them.
#pragma once

#include <memory>
#include <string_view>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace lifeline::tools {

// Reads a JSON object into a message of one type by reflection over its descriptor. A text it
// does not read on its own goes to JsonStringToMessage, which then decides (result and error
// alike): escapes in strings, null, floating-point, bytes, repeated, map and well-known-type
// fields, numbers written other than as plain integers, enum numbers or names it does not know,
// unknown or repeated keys, a second member of a oneof, invalid UTF-8, anything after the object.
// Immutable after construction: thread-safe.
class JsonMessageParser {
 public:
  // Indexes the fields of `type` and of every message type it holds.
  explicit JsonMessageParser(const google::protobuf::Descriptor* type);
  ~JsonMessageParser();
  JsonMessageParser(const JsonMessageParser&) = delete;
  JsonMessageParser& operator=(const JsonMessageParser&) = delete;

  // Clears `message` (of the parser's type) and parses `json` into it. Sets `*plain` (when
  // given) to whether the text was read without protobuf's parser. Errors: InvalidArgument with
  // JsonStringToMessage's message when the text is not such a message in JSON (the message may
  // then hold part of it).
  absl::Status Parse(std::string_view json, google::protobuf::Message* message,
                     bool* plain = nullptr) const;

 private:
  // The fields of one message type by proto name and by JSON name.
  using FieldTable = absl::flat_hash_map<std::string, const google::protobuf::FieldDescriptor*>;
  // The numbers of one enum type's values by name.
  using EnumTable = absl::flat_hash_map<std::string, int>;
  class Cursor;

  void Index(const google::protobuf::Descriptor* type);

  const google::protobuf::Descriptor* type_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, FieldTable> tables_;
  absl::flat_hash_map<const google::protobuf::EnumDescriptor*, EnumTable> enums_;
};

}  // namespace lifeline::tools
