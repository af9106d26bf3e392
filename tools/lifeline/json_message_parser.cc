#include "tools/lifeline/json_message_parser.h"

#include <cstdint>
#include <limits>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

#include "common/csv/encoding.h"

namespace lifeline::tools {

namespace pb = google::protobuf;

// Walks one JSON text, setting fields as it goes. Every method returns false as soon as the text
// is not of the plain form it reads (the caller then hands the text to protobuf's parser).
class JsonMessageParser::Cursor {
 public:
  Cursor(const JsonMessageParser* parser, std::string_view json)
      : parser_(parser), p_(json.data()), end_(json.data() + json.size()) {}

  // Reads the whole text as one object into `message`.
  bool Document(pb::Message* message) {
    SkipSpace();
    if (!Object(message)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // A string in valid UTF-8 without control characters; its escapes decoded into `scratch_`
  // (then `*out` views it), except a \u escape of half a surrogate pair alone.
  bool String(absl::string_view* out) {
    if (!Consume('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"' && *p_ != '\\') {
      if (static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    if (*p_ == '"') {
      *out = absl::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
    } else {
      scratch_.assign(start, p_);
      if (!Escaped()) return false;
      *out = scratch_;
    }
    return common::IsValidUtf8(std::string_view(out->data(), out->size()));
  }

  // Appends the rest of a string with escapes to `scratch_`, through its closing quote.
  bool Escaped() {
    while (p_ < end_ && *p_ != '"') {
      const char c = *p_++;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        scratch_.push_back(c);
        continue;
      }
      if (p_ == end_) return false;
      switch (const char e = *p_++) {
        case '"':
        case '\\':
        case '/':
          scratch_.push_back(e);
          break;
        case 'b':
          scratch_.push_back('\b');
          break;
        case 'f':
          scratch_.push_back('\f');
          break;
        case 'n':
          scratch_.push_back('\n');
          break;
        case 'r':
          scratch_.push_back('\r');
          break;
        case 't':
          scratch_.push_back('\t');
          break;
        case 'u':
          if (!UnicodeEscape()) return false;
          break;
        default:
          return false;
      }
    }
    if (p_ == end_) return false;
    ++p_;
    return true;
  }

  // Reads the four hex digits after "\u" (and a low surrogate's "\uXXXX" after a high one) and
  // appends the character as UTF-8.
  bool UnicodeEscape() {
    uint32_t code = 0;
    if (!Hex4(&code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return false;
    if (code >= 0xD800 && code <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    if (code < 0x80) {
      scratch_.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      scratch_.push_back(static_cast<char>(0xC0 | (code >> 6)));
      scratch_.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      scratch_.push_back(static_cast<char>(0xE0 | (code >> 12)));
      scratch_.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      scratch_.push_back(static_cast<char>(0xF0 | (code >> 18)));
      scratch_.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
    return true;
  }

  bool Hex4(uint32_t* code) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *code = *code << 4 | digit;
    }
    return true;
  }

  // A plain decimal integer: an optional '-' and digits without a leading zero, quoted or not.
  bool Integer(absl::string_view* digits) {
    SkipSpace();
    const bool quoted = p_ < end_ && *p_ == '"';
    if (quoted) ++p_;
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    const char* first_digit = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    const size_t count = static_cast<size_t>(p_ - first_digit);
    if (count == 0 || (*first_digit == '0' && (count > 1 || first_digit != start))) return false;
    *digits = absl::string_view(start, static_cast<size_t>(p_ - start));
    if (quoted) return p_ < end_ && *p_++ == '"';
    // An unquoted number ends where JSON lets a value end.
    return p_ == end_ || *p_ == ',' || *p_ == '}' || *p_ == ' ' || *p_ == '\t' || *p_ == '\n' ||
           *p_ == '\r';
  }

  bool Literal(std::string_view word) {
    SkipSpace();
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool Object(pb::Message* message) {
    const pb::Descriptor* type = message->GetDescriptor();
    const auto table = parser_->tables_.find(type);
    if (table == parser_->tables_.end() || !Consume('{')) return false;
    if (Consume('}')) return true;
    const pb::Reflection* reflection = message->GetReflection();
    uint64_t seen = 0;  // field indexes below 64 already set
    do {
      absl::string_view key;
      if (!String(&key) || !Consume(':')) return false;
      const auto found = table->second.find(key);
      if (found == table->second.end()) return false;
      const pb::FieldDescriptor* field = found->second;
      if (field->index() >= 64 || (seen & (uint64_t{1} << field->index())) != 0) return false;
      seen |= uint64_t{1} << field->index();
      const pb::OneofDescriptor* oneof = field->real_containing_oneof();
      if (oneof != nullptr && reflection->HasOneof(*message, oneof)) return false;
      if (!Value(field, message, reflection)) return false;
    } while (Consume(','));
    return Consume('}');
  }

  bool Value(const pb::FieldDescriptor* field, pb::Message* message,
             const pb::Reflection* reflection) {
    if (field->is_repeated()) return false;
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: {
        absl::string_view text;
        if (field->type() != pb::FieldDescriptor::TYPE_STRING || !String(&text)) return false;
        reflection->SetString(message, field, std::string(text));
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_INT64:
      case pb::FieldDescriptor::CPPTYPE_INT32: {
        absl::string_view digits;
        int64_t value = 0;
        if (!Integer(&digits) || !absl::SimpleAtoi(digits, &value)) return false;
        if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64) {
          reflection->SetInt64(message, field, value);
          return true;
        }
        if (value < std::numeric_limits<int32_t>::min() ||
            value > std::numeric_limits<int32_t>::max()) {
          return false;
        }
        reflection->SetInt32(message, field, static_cast<int32_t>(value));
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_UINT64:
      case pb::FieldDescriptor::CPPTYPE_UINT32: {
        absl::string_view digits;
        uint64_t value = 0;
        if (!Integer(&digits) || digits[0] == '-' || !absl::SimpleAtoi(digits, &value)) {
          return false;
        }
        if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64) {
          reflection->SetUInt64(message, field, value);
          return true;
        }
        if (value > std::numeric_limits<uint32_t>::max()) return false;
        reflection->SetUInt32(message, field, static_cast<uint32_t>(value));
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        if (Literal("true")) {
          reflection->SetBool(message, field, true);
        } else if (Literal("false")) {
          reflection->SetBool(message, field, false);
        } else {
          return false;
        }
        return true;
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        absl::string_view name;
        if (!String(&name)) return false;
        const auto values = parser_->enums_.find(field->enum_type());
        if (values == parser_->enums_.end()) return false;
        const auto value = values->second.find(name);
        if (value == values->second.end()) return false;
        reflection->SetEnumValue(message, field, value->second);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        return Object(reflection->MutableMessage(message, field));
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        return false;
    }
    return false;
  }

  const JsonMessageParser* parser_;
  const char* p_;
  const char* end_;
  std::string scratch_;  // a string with escapes, decoded
};

JsonMessageParser::JsonMessageParser(const pb::Descriptor* type) : type_(type) { Index(type); }

JsonMessageParser::~JsonMessageParser() = default;

void JsonMessageParser::Index(const pb::Descriptor* type) {
  // Well-known types have JSON forms of their own: protobuf's parser reads them.
  if (type->file()->package() == "google.protobuf" || tables_.count(type) > 0) return;
  FieldTable& table = tables_[type];
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* field = type->field(i);
    table.emplace(field->name(), field);
    table.emplace(field->json_name(), field);
    if (const pb::EnumDescriptor* values = field->enum_type(); values != nullptr) {
      EnumTable& numbers = enums_[values];
      for (int v = 0; v < values->value_count(); ++v) {
        numbers.emplace(values->value(v)->name(), values->value(v)->number());
      }
    }
  }
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->message_type() != nullptr) Index(type->field(i)->message_type());
  }
}

absl::Status JsonMessageParser::Parse(std::string_view json, pb::Message* message,
                                      bool* plain) const {
  message->Clear();
  const bool read = message->GetDescriptor() == type_ && Cursor(this, json).Document(message);
  if (plain != nullptr) *plain = read;
  if (read) return absl::OkStatus();
  message->Clear();
  const auto status =
      pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), message);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(status.ToString());
}

}  // namespace lifeline::tools
