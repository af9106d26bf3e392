#include "gateway/proxy/transcoder.h"

#include <set>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/text.h"
#include "gateway/domain/url.h"
#include "gateway/proxy/json_printer.h"

namespace lifeline::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Field paths from a parser message are keys, not values, but they come from the client: show
// them only when they look like a field path.
bool LooksLikeFieldPath(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

// Quotes a client-supplied key for an error message, or says "a field" when it looks odd.
std::string Describe(std::string_view kind, std::string_view key) {
  if (LooksLikeFieldPath(key))
    return absl::StrCat(std::string(kind), " \"", std::string(key), "\"");
  return absl::StrCat("a ", std::string(kind));
}

// Turns protobuf's JSON parse error (which quotes the offending input) into one that names the
// problem and field only. The parser reports "(path): invalid value ... for type ..." for a wrong
// type and "(path) name: Cannot find field." for an unknown field.
absl::Status JsonParseError(std::string_view parser_message, std::string_view prefix) {
  std::string path;
  std::string_view rest = parser_message;
  if (ConsumePrefix(&rest, "(")) {
    const size_t close = rest.find(')');
    if (close != std::string_view::npos) {
      path = std::string(rest.substr(0, close));
      rest = StripWhitespace(rest.substr(close + 1));
    }
  }
  const size_t cannot_find = rest.find(": Cannot find field.");
  if (cannot_find != std::string_view::npos) {
    const std::string_view name = rest.substr(0, cannot_find);
    const std::string full =
        path.empty() ? std::string(name) : absl::StrCat(path, ".", std::string(name));
    return absl::InvalidArgumentError(absl::StrCat(
        "request body has unknown ", Describe("field", absl::StrCat(std::string(prefix), full))));
  }
  if (ConsumePrefix(&rest, ": invalid value")) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body ", Describe("field", absl::StrCat(std::string(prefix), path)),
                     " has a value of the wrong type or out of range"));
  }
  return absl::InvalidArgumentError("request body does not match the request message");
}

absl::Status ParseJsonBody(std::string_view body, Message* target, std::string_view prefix) {
  const std::string_view trimmed = StripWhitespace(body);
  if (trimmed.empty()) return absl::OkStatus();
  const std::string text(trimmed);
  google::protobuf::Struct syntax_check;
  if (!google::protobuf::util::JsonStringToMessage(text, &syntax_check).ok()) {
    return absl::InvalidArgumentError("request body is not a valid JSON object");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(text, target, options);
  if (!status.ok()) {
    return JsonParseError(std::string_view(status.message().data(), status.message().size()),
                          prefix);
  }
  return absl::OkStatus();
}

absl::Status BadValue(std::string_view what, const std::string& path, std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(what), " \"", path, "\" must be ", std::string(expected)));
}

}  // namespace

absl::Status SetFieldFromText(Message* message, const std::string& path, std::string_view value,
                              std::string_view what) {
  std::vector<const FieldDescriptor*> parents;
  const FieldDescriptor* field = ResolveFieldPath(message->GetDescriptor(), path, &parents);
  if (field == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown ", Describe(what, path)));
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " \"", path, "\" names a message; set its fields instead"));
  }
  Message* target = message;
  for (const FieldDescriptor* parent : parents) {
    target = target->GetReflection()->MutableMessage(target, parent);
  }
  const Reflection* reflection = target->GetReflection();
  const bool repeated = field->is_repeated();
  const std::string text(value);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string decoded = text;
      if (field->type() == FieldDescriptor::TYPE_BYTES &&
          !absl::WebSafeBase64Unescape(text, &decoded) && !absl::Base64Unescape(text, &decoded)) {
        return BadValue(what, path, "base64");
      }
      if (repeated) {
        reflection->AddString(target, field, std::move(decoded));
      } else {
        reflection->SetString(target, field, std::move(decoded));
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t parsed = 0;
      if (!absl::SimpleAtoi(text, &parsed)) return BadValue(what, path, "a 32-bit integer");
      repeated ? reflection->AddInt32(target, field, parsed)
               : reflection->SetInt32(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t parsed = 0;
      if (!absl::SimpleAtoi(text, &parsed)) return BadValue(what, path, "a 64-bit integer");
      repeated ? reflection->AddInt64(target, field, parsed)
               : reflection->SetInt64(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t parsed = 0;
      if (!absl::SimpleAtoi(text, &parsed)) {
        return BadValue(what, path, "an unsigned 32-bit integer");
      }
      repeated ? reflection->AddUInt32(target, field, parsed)
               : reflection->SetUInt32(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t parsed = 0;
      if (!absl::SimpleAtoi(text, &parsed)) {
        return BadValue(what, path, "an unsigned 64-bit integer");
      }
      repeated ? reflection->AddUInt64(target, field, parsed)
               : reflection->SetUInt64(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double parsed = 0;
      if (!absl::SimpleAtod(text, &parsed)) return BadValue(what, path, "a number");
      repeated ? reflection->AddDouble(target, field, parsed)
               : reflection->SetDouble(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float parsed = 0;
      if (!absl::SimpleAtof(text, &parsed)) return BadValue(what, path, "a number");
      repeated ? reflection->AddFloat(target, field, parsed)
               : reflection->SetFloat(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool parsed = false;
      if (text == "true" || text == "1") {
        parsed = true;
      } else if (text != "false" && text != "0") {
        return BadValue(what, path, "true or false");
      }
      repeated ? reflection->AddBool(target, field, parsed)
               : reflection->SetBool(target, field, parsed);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* enum_value =
          field->enum_type()->FindValueByName(text);
      int number = 0;
      if (enum_value == nullptr && absl::SimpleAtoi(text, &number)) {
        enum_value = field->enum_type()->FindValueByNumber(number);
      }
      if (enum_value == nullptr) {
        return BadValue(what, path, absl::StrCat("a value of ", field->enum_type()->full_name()));
      }
      repeated ? reflection->AddEnum(target, field, enum_value)
               : reflection->SetEnum(target, field, enum_value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(const ApiRoute& route, const PathVars& vars,
                                                      std::string_view raw_query,
                                                      std::string_view body,
                                                      const std::vector<FieldOverride>& overrides) {
  const Descriptor* input = route.method->input_type();
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(input);
  if (prototype == nullptr) {
    return absl::InternalError(absl::StrCat("no prototype for ", input->full_name()));
  }
  std::unique_ptr<Message> request(prototype->New());

  if (route.body.empty()) {
    if (!StripWhitespace(body).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(route.http_method, " ", route.path_template, " takes no request body"));
    }
  } else if (route.body == "*") {
    if (absl::Status status = ParseJsonBody(body, request.get(), ""); !status.ok()) return status;
  } else {
    const FieldDescriptor* body_field = input->FindFieldByName(route.body);
    Message* target = request->GetReflection()->MutableMessage(request.get(), body_field);
    if (absl::Status status = ParseJsonBody(body, target, absl::StrCat(route.body, "."));
        !status.ok()) {
      return status;
    }
  }

  // Canonical (proto-name) paths bound by the path; the query may not set them again.
  std::set<std::string> bound;
  for (const auto& [name, value] : vars) {
    if (absl::Status status = SetFieldFromText(request.get(), name, value, "path variable");
        !status.ok()) {
      return status;
    }
    bound.insert(name);
  }

  std::optional<std::vector<std::pair<std::string, std::string>>> params = ParseQuery(raw_query);
  if (!params) {
    return absl::InvalidArgumentError(
        "query string has a malformed %-escape or bytes that are not UTF-8 text");
  }
  std::set<std::string> seen_singular;
  for (const auto& [name, value] : *params) {
    std::vector<const FieldDescriptor*> parents;
    const FieldDescriptor* field = ResolveFieldPath(input, name, &parents);
    if (field == nullptr || route.body == "*") {
      return absl::InvalidArgumentError(absl::StrCat("unknown ", Describe("query parameter", name),
                                                     " for ", route.http_method, " ",
                                                     route.path_template));
    }
    std::string canonical;
    for (const FieldDescriptor* parent : parents) absl::StrAppend(&canonical, parent->name(), ".");
    absl::StrAppend(&canonical, field->name());
    const std::string top = parents.empty() ? field->name() : parents.front()->name();
    if (bound.count(canonical) > 0 || (!route.body.empty() && top == route.body)) {
      return absl::InvalidArgumentError(absl::StrCat("query parameter \"", canonical,
                                                     "\" is already set by the path or the body"));
    }
    if (!field->is_repeated() && !seen_singular.insert(canonical).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", canonical, "\" may appear only once"));
    }
    if (absl::Status status = SetFieldFromText(request.get(), canonical, value, "query parameter");
        !status.ok()) {
      return status;
    }
  }

  for (const FieldOverride& override_field : overrides) {
    std::vector<const FieldDescriptor*> parents;
    const FieldDescriptor* field = ResolveFieldPath(input, override_field.field, &parents);
    if (field != nullptr && field->is_repeated()) {
      Message* target = request.get();
      for (const FieldDescriptor* parent : parents) {
        target = target->GetReflection()->MutableMessage(target, parent);
      }
      target->GetReflection()->ClearField(target, field);
    }
    if (absl::Status status =
            SetFieldFromText(request.get(), override_field.field, override_field.value, "field");
        !status.ok()) {
      return absl::InternalError(
          absl::StrCat("cannot set ", override_field.field, " from the caller"));
    }
  }
  return request;
}

absl::StatusOr<std::string> MessageToJson(const Message& message) {
  std::string json;
  AppendJson(message, &json);
  return json;
}

}  // namespace lifeline::gateway
