#include "tools/mapping/record_mapper.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace lifeline::mapping {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::Reflection;
using ingest::v1::AgencyMapping;
using records::v1::Record;

using WordingTable = std::vector<std::pair<std::string, std::string>>;

struct RecordMapper::Parent {
  // Index in parents_ of the message holding this one; -1 for the Record.
  int up = -1;
  // The field of parents_[up] that is this message, and the reflection of parents_[up].
  const FieldDescriptor* field = nullptr;
  const Reflection* up_reflection = nullptr;
};

struct RecordMapper::Column {
  std::string header;
  std::string field_path;
  // Index in parents_ of the message that holds the value, its reflection, and the value field.
  size_t parent = 0;
  const Reflection* reflection = nullptr;
  const FieldDescriptor* leaf = nullptr;
  bool yuan = false;
  // Agency wording -> canonical text of the value (as FormatValue prints it), sorted by wording.
  WordingTable wording_to_value;
  // Canonical text -> the first wording in byte order for that value, sorted by canonical text.
  WordingTable value_to_wording;
  // Precomputed for speed, with the same results as the general path: the cell of each enum
  // number from 0 to enum_cells.size() - 1, the cells of false and true, and the enum number of
  // every wording and value name.
  std::vector<std::string> enum_cells;
  std::string bool_cells[2];
  absl::flat_hash_map<std::string, int> enum_numbers;
};

namespace {

constexpr int kMaxTabulatedEnumNumber = 1024;

const std::string* FindIn(const WordingTable& sorted, absl::string_view key) {
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), key,
                       [](const auto& entry, absl::string_view k) { return entry.first < k; });
  if (it == sorted.end() || it->first != key) return nullptr;
  return &it->second;
}

const Reflection* ReflectionOf(const Descriptor* descriptor) {
  return MessageFactory::generated_factory()->GetPrototype(descriptor)->GetReflection();
}

bool IsAmountField(const FieldDescriptor* field) {
  return field->cpp_type() == FieldDescriptor::CPPTYPE_INT64 &&
         absl::EndsWith(field->name(), "_fen");
}

// Parses yuan with at most two decimals ("1234.56", "-3", "0.5") into fen, exactly.
bool ParseYuan(absl::string_view text, int64_t* fen) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  const absl::string_view whole = text.substr(0, dot);
  const absl::string_view cents = dot == absl::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15) return false;
  if (dot != absl::string_view::npos && (cents.empty() || cents.size() > 2)) return false;
  int64_t value = 0;
  for (const char c : whole) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  int64_t fraction = 0;
  for (size_t i = 0; i < 2; ++i) {
    const char c = i < cents.size() ? cents[i] : '0';
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    fraction = fraction * 10 + (c - '0');
  }
  value = value * 100 + fraction;
  *fen = negative ? -value : value;
  return true;
}

void AppendYuan(int64_t fen, std::string* out) {
  const bool negative = fen < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  const uint64_t cents = magnitude % 100;
  absl::StrAppend(out, negative ? "-" : "", magnitude / 100, cents < 10 ? ".0" : ".", cents);
}

bool ParseBool(absl::string_view text, bool* value) {
  if (text == "是" || text == "1" || absl::EqualsIgnoreCase(text, "true")) {
    *value = true;
    return true;
  }
  if (text == "否" || text == "0" || absl::EqualsIgnoreCase(text, "false")) {
    *value = false;
    return true;
  }
  return false;
}

// Sets `field` of `message` from `text` (already translated through the value map). Returns the
// reason on failure, without the value.
absl::Status SetValue(const Reflection* reflection, Message* message, const FieldDescriptor* field,
                      bool yuan, absl::string_view text) {
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    if (!text.empty()) reflection->SetString(message, field, std::string(text));
    return absl::OkStatus();
  }
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return absl::OkStatus();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return absl::InvalidArgumentError("not an integer");
      reflection->SetInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (yuan) {
        if (!ParseYuan(text, &value)) {
          return absl::InvalidArgumentError(
              "not an amount in yuan (digits with at most two decimals)");
        }
      } else if (!absl::SimpleAtoi(text, &value)) {
        return absl::InvalidArgumentError("not an integer");
      }
      reflection->SetInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (!ParseBool(text, &value)) {
        return absl::InvalidArgumentError("not a yes/no value (是/否, true/false, 1/0)");
      }
      reflection->SetBool(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* value = field->enum_type()->FindValueByName(std::string(text));
      if (value == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("not a known value of ", field->enum_type()->name()));
      }
      reflection->SetEnum(message, field, value);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("unsupported field type");
  }
}

// Appends the canonical text of `field` to `out`; returns false when the field is at its default.
bool FormatValue(const Reflection* reflection, const Message& message, const FieldDescriptor* field,
                 bool yuan, std::string* out) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value = reflection->GetStringReference(message, field, &scratch);
      out->append(value);
      return !value.empty();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t value = reflection->GetInt32(message, field);
      absl::StrAppend(out, value);
      return value != 0;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t value = reflection->GetInt64(message, field);
      if (yuan) {
        AppendYuan(value, out);
      } else {
        absl::StrAppend(out, value);
      }
      return value != 0;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool value = reflection->GetBool(message, field);
      out->append(value ? "true" : "false");
      return value;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = reflection->GetEnumValue(message, field);
      const EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        out->append(value->name());
      } else {
        absl::StrAppend(out, number);
      }
      return number != 0;
    }
    default:
      return false;
  }
}

bool SupportedValueType(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_BOOL:
    case FieldDescriptor::CPPTYPE_ENUM:
      return true;
    default:
      return false;
  }
}

}  // namespace

RecordMapper::RecordMapper() = default;
RecordMapper::RecordMapper(RecordMapper&& other) noexcept = default;
RecordMapper& RecordMapper::operator=(RecordMapper&& other) noexcept = default;
RecordMapper::RecordMapper(const RecordMapper& other) = default;
RecordMapper& RecordMapper::operator=(const RecordMapper& other) = default;
RecordMapper::~RecordMapper() = default;

namespace {

// The general form of RecordMapper::RowFor for one cell: the canonical text, replaced by its
// wording if the value map has one, or empty for a default without a wording.
void FormatCell(const Reflection* reflection, const Message& message, const FieldDescriptor* field,
                bool yuan, const WordingTable& value_to_wording, std::string* cell) {
  cell->clear();
  const bool set = FormatValue(reflection, message, field, yuan, cell);
  if (!value_to_wording.empty()) {
    if (const std::string* wording = FindIn(value_to_wording, *cell); wording != nullptr) {
      *cell = *wording;
      return;
    }
  }
  if (!set) cell->clear();
}

}  // namespace

absl::StatusOr<RecordMapper> RecordMapper::Create(const AgencyMapping& mapping) {
  RecordMapper mapper;
  mapper.mapping_ = mapping;
  const std::string encoding = absl::AsciiStrToLower(mapping.encoding());
  if (encoding.empty() || encoding == "utf-8" || encoding == "utf8") {
    mapper.encoding_ = "utf-8";
  } else if (encoding == "gb18030") {
    mapper.encoding_ = "gb18030";
  } else {
    return absl::InvalidArgumentError(absl::StrCat("mapping for ", mapping.agency(),
                                                   ": unknown encoding '", mapping.encoding(),
                                                   "' (use utf-8 or gb18030)"));
  }

  const Descriptor* record = Record::descriptor();
  const FieldDescriptor* kind = record->FindFieldByName(mapping.kind());
  if (kind == nullptr || kind->real_containing_oneof() == nullptr ||
      kind->real_containing_oneof()->name() != "payload") {
    return absl::InvalidArgumentError(
        absl::StrCat("mapping for ", mapping.agency(), ": unknown record kind '", mapping.kind(),
                     "' (use a Record payload field name such as social_assistance)"));
  }
  mapper.kind_field_ = kind;
  mapper.parents_.push_back(Parent{});
  std::map<std::string, size_t> parent_by_path = {{"", 0}};

  std::map<std::string, std::string> seen_fields;
  for (int i = 0; i < mapping.columns_size(); ++i) {
    const AgencyMapping::Column& spec = mapping.columns(i);
    const std::string header(absl::StripAsciiWhitespace(spec.header()));
    const std::string where = absl::StrCat("mapping ", mapping.agency(), "/", mapping.kind(),
                                           ", column ", i + 1, " '", header, "'");
    if (header.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": empty header"));
    if (std::find(mapper.headers_.begin(), mapper.headers_.end(), header) !=
        mapper.headers_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": header appears twice"));
    }

    Column column;
    column.header = header;
    column.field_path = spec.field();
    std::vector<const FieldDescriptor*> path;
    const Descriptor* message = record;
    for (const absl::string_view part : absl::StrSplit(spec.field(), '.')) {
      if (message == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": field '", spec.field(), "' goes past a value"));
      }
      const FieldDescriptor* field = message->FindFieldByName(std::string(part));
      if (field == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown field '", spec.field(),
                                                       "' (no '", part, "' in ",
                                                       message->full_name(), ")"));
      }
      if (field->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": field '", spec.field(), "' is a list; map single values"));
      }
      if (field->real_containing_oneof() != nullptr && message == record && field != kind) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": field '", spec.field(),
                                                       "' belongs to payload '", field->name(),
                                                       "', not to the kind '", kind->name(), "'"));
      }
      path.push_back(field);
      message =
          field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? field->message_type() : nullptr;
    }
    const FieldDescriptor* leaf = path.back();
    if (message != nullptr || !SupportedValueType(leaf)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": field '", spec.field(), "' is not a text, number, yes/no or enum value"));
    }
    if (auto [it, inserted] = seen_fields.emplace(spec.field(), header); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": field '", spec.field(), "' is already filled by column '", it->second, "'"));
    }
    switch (spec.unit()) {
      case ingest::v1::AMOUNT_UNIT_UNSPECIFIED:
      case ingest::v1::AMOUNT_UNIT_FEN:
        break;
      case ingest::v1::AMOUNT_UNIT_YUAN:
        column.yuan = true;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown unit"));
    }
    if (spec.unit() != ingest::v1::AMOUNT_UNIT_UNSPECIFIED && !IsAmountField(leaf)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a unit is only for amount fields in fen, not for '", spec.field(), "'"));
    }

    // Registers the messages on the path, each after the one that holds it.
    size_t parent = 0;
    std::string prefix;
    for (size_t p = 0; p + 1 < path.size(); ++p) {
      absl::StrAppend(&prefix, prefix.empty() ? "" : ".", path[p]->name());
      auto [it, inserted] = parent_by_path.emplace(prefix, mapper.parents_.size());
      if (inserted) {
        mapper.parents_.push_back(
            Parent{static_cast<int>(parent), path[p], ReflectionOf(path[p]->containing_type())});
      }
      parent = it->second;
    }
    column.parent = parent;
    column.leaf = leaf;
    column.reflection = ReflectionOf(leaf->containing_type());

    // Checks each wording's value by setting it on a scratch message, and keeps its canonical
    // text so that reading and writing agree however the value was spelled.
    const std::map<std::string, std::string> values(spec.values().begin(), spec.values().end());
    std::unique_ptr<Message> holder(
        MessageFactory::generated_factory()->GetPrototype(leaf->containing_type())->New());
    for (const auto& [wording, value] : values) {
      holder->Clear();
      if (absl::Status status = SetValue(column.reflection, holder.get(), leaf, column.yuan, value);
          !status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": value map entry '", wording,
                                                       "': '", value, "' is ", status.message()));
      }
      std::string canonical;
      FormatValue(column.reflection, *holder, leaf, column.yuan, &canonical);
      const std::string trimmed(absl::StripAsciiWhitespace(wording));
      column.wording_to_value.emplace_back(trimmed, canonical);
      if (FindIn(column.value_to_wording, canonical) == nullptr) {
        column.value_to_wording.emplace_back(canonical, trimmed);
        std::sort(column.value_to_wording.begin(), column.value_to_wording.end());
      }
    }
    std::sort(column.wording_to_value.begin(), column.wording_to_value.end());
    for (size_t w = 1; w < column.wording_to_value.size(); ++w) {
      if (column.wording_to_value[w].first == column.wording_to_value[w - 1].first) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": value map wording '",
                                                       column.wording_to_value[w].first,
                                                       "' appears twice (after trimming)"));
      }
    }

    // Tabulates enum and yes/no cells with the general code, so both paths agree.
    if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      const auto* type = leaf->enum_type();
      int max_number = -1;
      for (int v = 0; v < type->value_count(); ++v) {
        const int number = type->value(v)->number();
        column.enum_numbers.emplace(type->value(v)->name(), number);
        if (number >= 0 && number < kMaxTabulatedEnumNumber) {
          max_number = std::max(max_number, number);
        }
      }
      for (const auto& [wording, value] : column.wording_to_value) {
        column.enum_numbers[wording] = type->FindValueByName(value)->number();
      }
      column.enum_cells.resize(max_number + 1);
      for (int number = 0; number <= max_number; ++number) {
        holder->Clear();
        column.reflection->SetEnumValue(holder.get(), leaf, number);
        FormatCell(column.reflection, *holder, leaf, false, column.value_to_wording,
                   &column.enum_cells[number]);
      }
    } else if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      for (int value = 0; value < 2; ++value) {
        holder->Clear();
        column.reflection->SetBool(holder.get(), leaf, value == 1);
        FormatCell(column.reflection, *holder, leaf, false, column.value_to_wording,
                   &column.bool_cells[value]);
      }
    }
    mapper.headers_.push_back(header);
    mapper.columns_.push_back(std::move(column));
  }
  return mapper;
}

absl::StatusOr<RecordMapper::ColumnIndex> RecordMapper::IndexHeaders(
    std::span<const std::string> headers) const {
  ColumnIndex index;
  index.width = headers.size();
  index.positions.assign(columns_.size(), headers.size());
  for (size_t position = 0; position < headers.size(); ++position) {
    const absl::string_view header = absl::StripAsciiWhitespace(headers[position]);
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (columns_[c].header != header) continue;
      if (index.positions[c] != headers.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("header row: column '", header, "' appears twice"));
      }
      index.positions[c] = position;
    }
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (index.positions[c] == headers.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header row: missing column '", columns_[c].header, "' (", columns_[c].field_path, ")"));
    }
  }
  return index;
}

absl::Status RecordMapper::MapRow(const ColumnIndex& index, std::span<const std::string> row,
                                  Record* record) const {
  record->Clear();
  if (row.size() != index.width || index.positions.size() != columns_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("row has ", row.size(), " fields, the header row has ", index.width));
  }
  record->GetReflection()->MutableMessage(record, kind_field_);
  absl::InlinedVector<Message*, 8> messages(parents_.size(), nullptr);
  messages[0] = record;
  for (size_t p = 1; p < parents_.size(); ++p) {
    const Parent& parent = parents_[p];
    messages[p] = parent.up_reflection->MutableMessage(messages[parent.up], parent.field);
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Column& column = columns_[c];
    Message* message = messages[column.parent];
    absl::string_view cell = row[index.positions[c]];
    absl::Status status;
    if (!column.enum_numbers.empty()) {
      cell = absl::StripAsciiWhitespace(cell);
      if (cell.empty()) continue;
      auto it = column.enum_numbers.find(cell);
      if (it != column.enum_numbers.end()) {
        column.reflection->SetEnumValue(message, column.leaf, it->second);
        continue;
      }
      status = absl::InvalidArgumentError(
          absl::StrCat("not a known value of ", column.leaf->enum_type()->name()));
    } else {
      if (!column.wording_to_value.empty()) {
        if (const std::string* value =
                FindIn(column.wording_to_value, absl::StripAsciiWhitespace(cell));
            value != nullptr) {
          cell = *value;
        }
      }
      status = SetValue(column.reflection, message, column.leaf, column.yuan, cell);
    }
    if (!status.ok()) {
      record->Clear();
      return absl::InvalidArgumentError(absl::StrCat("column '", column.header, "' (",
                                                     column.field_path, "): ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Record> RecordMapper::MapRow(const ColumnIndex& index,
                                            std::span<const std::string> row) const {
  Record record;
  if (absl::Status status = MapRow(index, row, &record); !status.ok()) return status;
  return record;
}

absl::StatusOr<Record> RecordMapper::MapRow(std::span<const std::string> headers,
                                            std::span<const std::string> row) const {
  absl::StatusOr<ColumnIndex> index = IndexHeaders(headers);
  if (!index.ok()) return index.status();
  return MapRow(*index, row);
}

bool RecordMapper::Matches(const Record& record) const {
  return record.payload_case() == kind_field_->number();
}

std::vector<std::string> RecordMapper::RowFor(const Record& record) const {
  std::vector<std::string> row;
  RowFor(record, &row);
  return row;
}

void RecordMapper::RowFor(const Record& record, std::vector<std::string>* row) const {
  row->resize(columns_.size());
  size_t c = 0;
  ForEachCell(record, [&](std::string_view cell) { (*row)[c++].assign(cell); });
}

void RecordMapper::ForEachCell(const Record& record,
                               absl::FunctionRef<void(std::string_view)> cell) const {
  absl::InlinedVector<const Message*, 8> messages(parents_.size(), nullptr);
  messages[0] = &record;
  for (size_t p = 1; p < parents_.size(); ++p) {
    const Parent& parent = parents_[p];
    messages[p] = &parent.up_reflection->GetMessage(*messages[parent.up], parent.field);
  }
  std::string scratch;
  for (const Column& column : columns_) {
    const Message& message = *messages[column.parent];
    switch (column.leaf->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number = column.reflection->GetEnumValue(message, column.leaf);
        if (number >= 0 && static_cast<size_t>(number) < column.enum_cells.size()) {
          cell(column.enum_cells[number]);
          continue;
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        cell(column.bool_cells[column.reflection->GetBool(message, column.leaf) ? 1 : 0]);
        continue;
      case FieldDescriptor::CPPTYPE_STRING:
        if (column.value_to_wording.empty()) {
          cell(column.reflection->GetStringReference(message, column.leaf, &scratch));
          continue;
        }
        break;
      default:
        break;
    }
    FormatCell(column.reflection, message, column.leaf, column.yuan, column.value_to_wording,
               &scratch);
    cell(scratch);
  }
}

}  // namespace lifeline::mapping
