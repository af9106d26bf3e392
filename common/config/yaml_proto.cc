#include "common/config/yaml_proto.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/config/flags.h"

namespace lifeline::common {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Walks a YAML node and a message descriptor together, setting fields by reflection. A scalar is
// interpreted by the field's type, so "341523" stays a string for a string field. Every problem
// is collected so that a rule file's author sees them all at once.
class YamlToMessage {
 public:
  explicit YamlToMessage(std::string source) : source_(std::move(source)) {}

  void FillMessage(const YAML::Node& node, Message* message, const std::string& path) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      Problem(node, path, "expected a mapping");
      return;
    }
    const Descriptor* descriptor = message->GetDescriptor();
    const Reflection* reflection = message->GetReflection();
    std::set<int> seen;
    // Copies, not references: yaml-cpp's iterators hand out temporaries.
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        Problem(key, path, "keys must be plain names");
        continue;
      }
      const std::string name = key.Scalar();
      const std::string child = path.empty() ? name : absl::StrCat(path, ".", name);
      const FieldDescriptor* field = FindField(descriptor, name);
      if (field == nullptr) {
        errors_.push_back(absl::StrCat(source_, ": unknown key '", child, "'", Line(key)));
        continue;
      }
      if (!seen.insert(field->number()).second) {
        Problem(key, child, "set more than once");
        continue;
      }
      if (const auto* oneof = field->real_containing_oneof();
          oneof != nullptr && reflection->HasOneof(*message, oneof)) {
        Problem(key, child, absl::StrCat("only one field of '", oneof->name(), "' may be set"));
        continue;
      }
      FillField(value, message, field, child);
    }
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  static const FieldDescriptor* FindField(const Descriptor* descriptor, const std::string& name) {
    if (const FieldDescriptor* field = descriptor->FindFieldByName(name); field != nullptr) {
      return field;
    }
    for (int i = 0; i < descriptor->field_count(); ++i) {
      if (descriptor->field(i)->json_name() == name) return descriptor->field(i);
    }
    return nullptr;
  }

  static std::string Line(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return "";
    return absl::StrCat(" (line ", mark.line + 1, ")");
  }

  void Problem(const YAML::Node& node, const std::string& path, const std::string& what) {
    if (path.empty()) {
      errors_.push_back(absl::StrCat(source_, ": ", what, Line(node)));
    } else {
      errors_.push_back(absl::StrCat(source_, ": key '", path, "': ", what, Line(node)));
    }
  }

  void FillField(const YAML::Node& node, Message* message, const FieldDescriptor* field,
                 const std::string& path) {
    // An explicit null (`key:` or `key: ~`) leaves the default, as in protobuf's JSON mapping.
    if (node.IsNull()) return;
    const Reflection* reflection = message->GetReflection();
    if (field->is_map()) {
      FillMap(node, message, field, path);
    } else if (field->is_repeated()) {
      if (!node.IsSequence()) {
        Problem(node, path, "expected a list");
        return;
      }
      for (size_t i = 0; i < node.size(); ++i) {
        const std::string item = absl::StrCat(path, "[", i, "]");
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          FillSubMessage(node[i], reflection->AddMessage(message, field), item);
        } else {
          SetScalar(node[i], message, field, item);
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      FillSubMessage(node, reflection->MutableMessage(message, field), path);
    } else {
      SetScalar(node, message, field, path);
    }
  }

  void FillMap(const YAML::Node& node, Message* message, const FieldDescriptor* field,
               const std::string& path) {
    if (!node.IsMap()) {
      Problem(node, path, "expected a mapping");
      return;
    }
    const Descriptor* entry_type = field->message_type();
    const FieldDescriptor* key_field = entry_type->map_key();
    const FieldDescriptor* value_field = entry_type->map_value();
    std::set<std::string> keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;
      const YAML::Node value_node = it->second;
      const std::string key = key_node.Scalar();
      const std::string child = absl::StrCat(path, ".", key);
      if (!key_node.IsScalar()) {
        Problem(key_node, path, "map keys must be scalars");
        continue;
      }
      if (!keys.insert(key).second) {
        Problem(key_node, child, "set more than once");
        continue;
      }
      Message* entry = message->GetReflection()->AddMessage(message, field);
      SetScalar(key_node, entry, key_field, child);
      if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        FillSubMessage(value_node, entry->GetReflection()->MutableMessage(entry, value_field),
                       child);
      } else if (!value_node.IsNull()) {
        SetScalar(value_node, entry, value_field, child);
      }
    }
  }

  void FillSubMessage(const YAML::Node& node, Message* message, const std::string& path) {
    const Descriptor* descriptor = message->GetDescriptor();
    if (descriptor->file()->name().rfind("google/protobuf/", 0) == 0 && !node.IsMap() &&
        !node.IsNull()) {
      FillWellKnown(node, message, path);
      return;
    }
    FillMessage(node, message, path);
  }

  // Well-known types written as scalars: wrappers ("5" for Int32Value) and the JSON string forms
  // of Timestamp ("2026-01-01T00:00:00Z"), Duration ("1.5s") and FieldMask.
  void FillWellKnown(const YAML::Node& node, Message* message, const std::string& path) {
    if (!node.IsScalar()) {
      Problem(node, path, absl::StrCat("expected a value for ", message->GetTypeName()));
      return;
    }
    const Descriptor* descriptor = message->GetDescriptor();
    const FieldDescriptor* value = descriptor->FindFieldByName("value");
    if (absl::EndsWith(descriptor->name(), "Value") && value != nullptr &&
        descriptor->field_count() == 1) {
      SetScalar(node, message, value, path);
      return;
    }
    const std::string& name = descriptor->full_name();
    if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration" ||
        name == "google.protobuf.FieldMask") {
      std::string json = "\"";
      for (char c : node.Scalar()) {
        if (c == '"' || c == '\\') json.push_back('\\');
        json.push_back(c);
      }
      json.push_back('"');
      const auto status = google::protobuf::util::JsonStringToMessage(json, message);
      if (!status.ok()) {
        Problem(node, path,
                absl::StrCat("not a valid ", name, ": ", std::string(status.message())));
      }
      return;
    }
    Problem(node, path, absl::StrCat(name, " cannot be written as a scalar"));
  }

  void SetScalar(const YAML::Node& node, Message* message, const FieldDescriptor* field,
                 const std::string& path) {
    if (!node.IsScalar()) {
      Problem(node, path, absl::StrCat("expected ", TypeName(field)));
      return;
    }
    const std::string& text = node.Scalar();
    const Reflection* reflection = message->GetReflection();
    const bool repeated = field->is_repeated();
    auto bad = [&]() {
      Problem(node, path, absl::StrCat("expected ", TypeName(field), ", got \"", text, "\""));
    };
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        repeated ? reflection->AddString(message, field, text)
                 : reflection->SetString(message, field, text);
        return;
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        repeated ? reflection->AddInt32(message, field, v)
                 : reflection->SetInt32(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        repeated ? reflection->AddInt64(message, field, v)
                 : reflection->SetInt64(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v = 0;
        if (text.rfind('-', 0) == 0 || !absl::SimpleAtoi(text, &v)) return bad();
        repeated ? reflection->AddUInt32(message, field, v)
                 : reflection->SetUInt32(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        if (text.rfind('-', 0) == 0 || !absl::SimpleAtoi(text, &v)) return bad();
        repeated ? reflection->AddUInt64(message, field, v)
                 : reflection->SetUInt64(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v = 0;
        if (!ParseDouble(text, &v)) return bad();
        repeated ? reflection->AddDouble(message, field, v)
                 : reflection->SetDouble(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!ParseDouble(text, &v)) return bad();
        repeated ? reflection->AddFloat(message, field, static_cast<float>(v))
                 : reflection->SetFloat(message, field, static_cast<float>(v));
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string lower = absl::AsciiStrToLower(text);
        if (lower != "true" && lower != "false") return bad();
        repeated ? reflection->AddBool(message, field, lower == "true")
                 : reflection->SetBool(message, field, lower == "true");
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* value = field->enum_type()->FindValueByName(text);
        if (value == nullptr) {
          Problem(node, path,
                  absl::StrCat("unknown ", field->enum_type()->name(), " value \"", text, "\""));
          return;
        }
        repeated ? reflection->AddEnum(message, field, value)
                 : reflection->SetEnum(message, field, value);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Problem(node, path, "expected a mapping");
        return;
    }
  }

  // YAML spells infinities and NaN as .inf, -.inf and .nan.
  static bool ParseDouble(const std::string& text, double* value) {
    const std::string lower = absl::AsciiStrToLower(text);
    if (lower == ".inf" || lower == "+.inf") {
      *value = std::numeric_limits<double>::infinity();
      return true;
    }
    if (lower == "-.inf") {
      *value = -std::numeric_limits<double>::infinity();
      return true;
    }
    if (lower == ".nan") {
      *value = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (lower == "inf" || lower == "-inf" || lower == "nan" || lower == "infinity" ||
        lower == "-infinity") {
      return false;
    }
    return absl::SimpleAtod(text, value);
  }

  static std::string TypeName(const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
        return "an integer";
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        return "a non-negative integer";
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return "a number";
      case FieldDescriptor::CPPTYPE_BOOL:
        return "true or false";
      case FieldDescriptor::CPPTYPE_ENUM:
        return absl::StrCat("a value name of ", field->enum_type()->name());
      case FieldDescriptor::CPPTYPE_STRING:
        return "a string";
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return "a mapping";
    }
    return "a value";
  }

  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ParseYamlToProto(const std::string& yaml_text, const std::string& source_name,
                              google::protobuf::Message* message) {
  message->Clear();
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": YAML syntax error at line ",
                                                   e.mark.line + 1, ", column ", e.mark.column + 1,
                                                   ": ", e.msg));
  }
  YamlToMessage converter(source_name);
  try {
    if (!root.IsNull() && !root.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": expected a mapping at the top level"));
    }
    converter.FillMessage(root, message, "");
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", e.what()));
  }
  if (!converter.errors().empty()) {
    message->Clear();
    return absl::InvalidArgumentError(absl::StrJoin(converter.errors(), "\n"));
  }
  if (!message->IsInitialized()) {
    const std::string missing = message->InitializationErrorString();
    message->Clear();
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": missing required fields: ", missing));
  }
  return absl::OkStatus();
}

absl::Status LoadYamlProto(const std::string& path, google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseYamlToProto(*text, path, message);
}

}  // namespace lifeline::common
