#include "gateway/proxy/json_printer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace lifeline::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xF]);
}

// The length of the valid UTF-8 sequence at the start of `text` (1 to 4), or 0 if it is not one.
size_t Utf8Length(std::string_view text, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t value = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((length == 3 && value < 0x800) || (length == 4 && (value < 0x10000 || value > 0x10FFFF)) ||
      (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *code_point = value;
  return length;
}

void AppendString(std::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '"' && c != '\\' && c != '<' && c != '>') {
      out->push_back(c);
      ++i;
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        ++i;
        continue;
      case '\\':
        out->append("\\\\");
        ++i;
        continue;
      case '\b':
        out->append("\\b");
        ++i;
        continue;
      case '\f':
        out->append("\\f");
        ++i;
        continue;
      case '\n':
        out->append("\\n");
        ++i;
        continue;
      case '\r':
        out->append("\\r");
        ++i;
        continue;
      case '\t':
        out->append("\\t");
        ++i;
        continue;
      default:
        break;
    }
    if (byte < 0x80) {  // other control characters, DEL, < and >
      AppendUnicodeEscape(byte, out);
      ++i;
      continue;
    }
    uint32_t code_point = 0;
    const size_t length = Utf8Length(text.substr(i), &code_point);
    if (length == 0) {
      out->append("\xEF\xBF\xBD");  // U+FFFD, as protobuf's parser reads \ufffd back
      ++i;
    } else if (code_point == 0x2028 || code_point == 0x2029) {
      AppendUnicodeEscape(code_point, out);
      i += length;
    } else {
      out->append(text.substr(i, length));
      i += length;
    }
  }
  out->push_back('"');
}

// The shortest of %.15g and %.17g (%.6g and %.9g for floats) that reads back as `value`.
template <typename T>
void AppendFloating(T value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  constexpr bool kDouble = sizeof(T) == sizeof(double);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.*g", kDouble ? 15 : 6, static_cast<double>(value));
  const bool exact = kDouble ? std::strtod(buffer, nullptr) == static_cast<double>(value)
                             : std::strtof(buffer, nullptr) == static_cast<float>(value);
  if (!exact) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", kDouble ? 17 : 9, static_cast<double>(value));
  }
  out->append(buffer);
}

void AppendMessage(const Message& message, std::string* out);

// One value of `field` (element `index` of a repeated field, or -1 for a singular one).
void AppendValue(const Message& message, const Reflection& reflection, const FieldDescriptor& field,
                 int index, std::string* out) {
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? reflection.GetRepeatedInt32(message, &field, index)
                                    : reflection.GetInt32(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated ? reflection.GetRepeatedUInt32(message, &field, index)
                                    : reflection.GetUInt32(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"",
                      repeated ? reflection.GetRepeatedInt64(message, &field, index)
                               : reflection.GetInt64(message, &field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"",
                      repeated ? reflection.GetRepeatedUInt64(message, &field, index)
                               : reflection.GetUInt64(message, &field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloating(repeated ? reflection.GetRepeatedDouble(message, &field, index)
                              : reflection.GetDouble(message, &field),
                     out);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloating(repeated ? reflection.GetRepeatedFloat(message, &field, index)
                              : reflection.GetFloat(message, &field),
                     out);
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((repeated ? reflection.GetRepeatedBool(message, &field, index)
                            : reflection.GetBool(message, &field))
                      ? "true"
                      : "false");
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? reflection.GetRepeatedEnumValue(message, &field, index)
                                  : reflection.GetEnumValue(message, &field);
      const auto* value = field.enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        AppendString(value->name(), out);
      } else {
        absl::StrAppend(out, number);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text =
          repeated ? reflection.GetRepeatedStringReference(message, &field, index, &scratch)
                   : reflection.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        out->push_back('"');
        out->append(absl::Base64Escape(text));
        out->push_back('"');
      } else {
        AppendString(text, out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                             : reflection.GetMessage(message, &field),
                    out);
      return;
  }
}

// A map field as an object whose members are ordered by key (as text), each key once.
void AppendMap(const Message& message, const Reflection& reflection, const FieldDescriptor& field,
               std::string* out) {
  const FieldDescriptor* key = field.message_type()->map_key();
  const FieldDescriptor* value = field.message_type()->map_value();
  std::vector<std::pair<std::string, const Message*>> entries;
  const int size = reflection.FieldSize(message, &field);
  entries.reserve(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    const Message& entry = reflection.GetRepeatedMessage(message, &field, i);
    const Reflection& entry_reflection = *entry.GetReflection();
    std::string text;
    if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      text = entry_reflection.GetString(entry, key);
    } else if (key->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      text = entry_reflection.GetBool(entry, key) ? "true" : "false";
    } else {
      // Integer keys: their decimal text (64-bit ones come back quoted; drop the quotes).
      AppendValue(entry, entry_reflection, *key, -1, &text);
      if (text.size() >= 2 && text.front() == '"') text = text.substr(1, text.size() - 2);
    }
    entries.emplace_back(std::move(text), &entry);
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < entries.size(); ++i) {
    // A key the entries repeat (reflection's view of a map can) is printed once, with the last
    // value, as a parser would keep it.
    if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendString(entries[i].first, out);
    out->push_back(':');
    const Message& entry = *entries[i].second;
    AppendValue(entry, *entry.GetReflection(), *value, -1, out);
  }
  out->push_back('}');
}

void AppendMessage(const Message& message, std::string* out) {
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  // Set fields in field-number order: proto3 fields without presence only when not default,
  // repeated ones only when not empty.
  reflection.ListFields(message, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_extension()) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendString(field->json_name(), out);
    out->push_back(':');
    if (field->is_map()) {
      AppendMap(message, reflection, *field, out);
    } else if (field->is_repeated()) {
      out->push_back('[');
      const int size = reflection.FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        if (i > 0) out->push_back(',');
        AppendValue(message, reflection, *field, i, out);
      }
      out->push_back(']');
    } else {
      AppendValue(message, reflection, *field, -1, out);
    }
  }
  out->push_back('}');
}

}  // namespace

void AppendJson(const Message& message, std::string* out) { AppendMessage(message, out); }

}  // namespace lifeline::gateway
