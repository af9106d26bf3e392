#include "common/server/request_limits.h"

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/str_cat.h"

namespace lifeline::common {
namespace {

using google::protobuf::FieldDescriptor;

absl::Status TooLong(const std::string& path, size_t size, size_t max_bytes) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, " is ", size, " bytes; at most ", max_bytes));
}

absl::Status Check(const google::protobuf::Message& message, const std::string& prefix,
                   size_t max_bytes, int depth) {
  // Requests nest a few levels; a deeper message is not walked further (protobuf caps nesting).
  if (depth > 32) return absl::OkStatus();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  std::string scratch;
  for (const FieldDescriptor* field : fields) {
    const std::string path =
        prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          const std::string& value =
              reflection->GetRepeatedStringReference(message, field, i, &scratch);
          if (value.size() > max_bytes) {
            return TooLong(absl::StrCat(path, "[", i, "]"), value.size(), max_bytes);
          }
        }
      } else {
        const std::string& value = reflection->GetStringReference(message, field, &scratch);
        if (value.size() > max_bytes) return TooLong(path, value.size(), max_bytes);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          absl::Status status = Check(reflection->GetRepeatedMessage(message, field, i),
                                      absl::StrCat(path, "[", i, "]"), max_bytes, depth + 1);
          if (!status.ok()) return status;
        }
      } else {
        absl::Status status =
            Check(reflection->GetMessage(message, field), path, max_bytes, depth + 1);
        if (!status.ok()) return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRequestText(const google::protobuf::Message& request, size_t max_bytes) {
  return Check(request, "", max_bytes, 0);
}

}  // namespace lifeline::common
