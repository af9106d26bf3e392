#include "ingest-service/rpc/record_mapping.h"

#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "common/status/status_macros.h"

namespace lifeline::ingest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// One field of a message type with its dotted path from the record root, and for a message
// field the same for the fields of its type. Built once per program for Record (paths and
// descriptors live as long as the program), so flattening a record allocates no path.
struct PathNode {
  const FieldDescriptor* field = nullptr;
  std::string path;
  std::vector<PathNode> children;
};

// Records nest a few levels deep; the limit only guards against a recursive message type.
constexpr int kMaxDepth = 8;

std::vector<PathNode> BuildPathNodes(const Descriptor* descriptor, const std::string& prefix,
                                     int depth) {
  std::vector<PathNode> nodes;
  nodes.reserve(static_cast<size_t>(descriptor->field_count()));
  for (int i = 0; i < descriptor->field_count(); ++i) {
    PathNode& node = nodes.emplace_back();
    node.field = descriptor->field(i);
    node.path = prefix.empty() ? node.field->name() : absl::StrCat(prefix, ".", node.field->name());
    // Elements of a repeated message get their index in the path: built per record instead.
    if (node.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !node.field->is_repeated() &&
        depth < kMaxDepth) {
      node.children = BuildPathNodes(node.field->message_type(), node.path, depth + 1);
    }
  }
  return nodes;
}

const std::vector<PathNode>& RecordPathNodes() {
  static const std::vector<PathNode>* const nodes =
      new std::vector<PathNode>(BuildPathNodes(records::v1::Record::descriptor(), "", 0));
  return *nodes;
}

void FlattenFields(const Message& message, const Descriptor* descriptor, std::string_view prefix,
                   RecordView* view);

// Appends the value of `field` (element `index` when repeated, -1 otherwise) at `path`; for a
// message field, its fields (`children` when known, else by walking its descriptor).
void FlattenValue(const Message& message, const FieldDescriptor* field, int index,
                  std::string_view path, const std::vector<PathNode>* children, RecordView* view);

void FlattenNodes(const Message& message, const std::vector<PathNode>& nodes, RecordView* view) {
  const Reflection* reflection = message.GetReflection();
  for (const PathNode& node : nodes) {
    const FieldDescriptor* field = node.field;
    // Of a oneof only the member that is set exists.
    if (field->real_containing_oneof() != nullptr && !reflection->HasField(message, field)) {
      continue;
    }
    if (field->is_repeated()) {
      int size = reflection->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        FlattenValue(message, field, j, view->Own(absl::StrCat(node.path, "[", j, "]")), nullptr,
                     view);
      }
    } else {
      FlattenValue(message, field, -1, node.path, &node.children, view);
    }
  }
}

// The slow path, for message fields below a repeated one: paths are built per record.
void FlattenFields(const Message& message, const Descriptor* descriptor, std::string_view prefix,
                   RecordView* view) {
  const Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->real_containing_oneof() != nullptr && !reflection->HasField(message, field)) {
      continue;
    }
    // (Debian's Abseil has its own string_view: absl::StrCat does not take std::string_view.)
    std::string path = std::string(prefix).append(".").append(field->name());
    if (field->is_repeated()) {
      int size = reflection->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        FlattenValue(message, field, j, view->Own(absl::StrCat(path, "[", j, "]")), nullptr, view);
      }
    } else {
      FlattenValue(message, field, -1, view->Own(std::move(path)), nullptr, view);
    }
  }
}

void FlattenValue(const Message& message, const FieldDescriptor* field, int index,
                  std::string_view path, const std::vector<PathNode>* children, RecordView* view) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = index >= 0;
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Message& child = repeated ? reflection->GetRepeatedMessage(message, field, index)
                                    : reflection->GetMessage(message, field);
    if (children != nullptr && !children->empty()) {
      FlattenNodes(child, *children, view);
    } else {
      FlattenFields(child, field->message_type(), path, view);
    }
    return;
  }
  FieldValue value;
  value.path = path;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      value.type = FieldType::kString;
      std::string scratch;
      const std::string& text =
          repeated ? reflection->GetRepeatedStringReference(message, field, index, &scratch)
                   : reflection->GetStringReference(message, field, &scratch);
      // Protobuf hands out its own string when it can, and copies into `scratch` otherwise.
      value.text = &text == &scratch ? view->Own(std::move(scratch)) : std::string_view(text);
      value.present = !value.text.empty();
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32:
      value.type = FieldType::kInt;
      value.number = repeated ? reflection->GetRepeatedInt32(message, field, index)
                              : reflection->GetInt32(message, field);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      value.type = FieldType::kInt;
      value.number = repeated ? reflection->GetRepeatedInt64(message, field, index)
                              : reflection->GetInt64(message, field);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      value.type = FieldType::kInt;
      value.number = repeated ? reflection->GetRepeatedUInt32(message, field, index)
                              : reflection->GetUInt32(message, field);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      value.type = FieldType::kInt;
      value.number =
          static_cast<int64_t>(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                                        : reflection->GetUInt64(message, field));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      value.type = FieldType::kBool;
      value.number = (repeated ? reflection->GetRepeatedBool(message, field, index)
                               : reflection->GetBool(message, field))
                         ? 1
                         : 0;
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      value.type = FieldType::kEnum;
      value.number = repeated ? reflection->GetRepeatedEnumValue(message, field, index)
                              : reflection->GetEnumValue(message, field);
      const auto* known = field->enum_type()->FindValueByNumber(static_cast<int>(value.number));
      if (known != nullptr) value.enum_name = known->name();
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_MESSAGE:
      // Records carry no floating-point fields (amounts are integers in fen); messages were
      // handled above.
      return;
  }
  if (value.type != FieldType::kString) value.present = value.number != 0;
  view->fields.push_back(value);
}

records::v1::Sex ToProtoSex(Sex sex) {
  switch (sex) {
    case Sex::kMale:
      return records::v1::SEX_MALE;
    case Sex::kFemale:
      return records::v1::SEX_FEMALE;
    case Sex::kUnspecified:
      break;
  }
  return records::v1::SEX_UNSPECIFIED;
}

}  // namespace

RecordView FlattenRecord(const records::v1::Record& record) {
  RecordView view;
  // About as many leaves as a record with its largest payload has.
  view.fields.reserve(48);
  FlattenNodes(record, RecordPathNodes(), &view);
  static const google::protobuf::OneofDescriptor* const kPayload =
      records::v1::Record::descriptor()->FindOneofByName("payload");
  const FieldDescriptor* set = record.GetReflection()->GetOneofFieldDescriptor(record, kPayload);
  if (set != nullptr) view.payload_kind = set->name();
  return view;
}

absl::Status ApplyRewrites(const std::vector<FieldRewrite>& rewrites, records::v1::Record* record) {
  for (const FieldRewrite& rewrite : rewrites) {
    std::vector<std::string> parts = absl::StrSplit(rewrite.path, '.');
    Message* message = record;
    for (size_t i = 0; i < parts.size(); ++i) {
      const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(parts[i]);
      if (field == nullptr || field->is_repeated()) {
        return absl::InternalError(absl::StrCat("rewrite path ", rewrite.path, " is not a field"));
      }
      const bool last = i + 1 == parts.size();
      if (!last) {
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          return absl::InternalError(
              absl::StrCat("rewrite path ", rewrite.path, " crosses a scalar"));
        }
        message = message->GetReflection()->MutableMessage(message, field);
      } else if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return absl::InternalError(
            absl::StrCat("rewrite path ", rewrite.path, " is not a string field"));
      } else {
        message->GetReflection()->SetString(message, field, rewrite.value);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<records::v1::NormalizedRecord> BuildNormalizedRecord(
    std::string_view agency, const records::v1::Record& record, const ValidationResult& result) {
  records::v1::NormalizedRecord normalized;
  normalized.set_agency(std::string(agency));
  normalized.set_source_record_id(record.source_record_id());
  normalized.set_version(record.version());
  normalized.set_record_date(record.record_date());
  if (record.retracted()) {
    // A retraction forwards the record's identity only: match-service forgets its facts.
    normalized.set_retracted(true);
    return normalized;
  }

  const NormalizedPerson& person = result.person;
  records::v1::NormalizedPerson* out = normalized.mutable_person();
  out->set_name_original(person.name_original);
  out->set_name_normalized(person.name_normalized);
  out->set_name_pinyin(person.name_pinyin);
  out->set_id_token(person.id_token);
  out->set_id_masked(person.id_masked);
  out->set_id_verified(person.id_verified);
  out->set_sex(ToProtoSex(person.sex));
  out->set_birth_date(person.birth_date);
  out->set_phone_normalized(person.phone_normalized);
  out->set_address(person.address);
  out->set_region_code(person.region_code);
  out->set_household_id(person.household_id);

  // The payload travels as validated; the person (with its raw ID number) does not. Copied
  // field by field rather than whole-then-cleared: copying and freeing the person was a tenth of
  // validation time. record_mapping_test fails when Record gains a field this does not copy.
  records::v1::Record* payload = normalized.mutable_record();
  payload->set_source_record_id(record.source_record_id());
  payload->set_version(record.version());
  payload->set_record_date(record.record_date());
  const Reflection* reflection = record.GetReflection();
  static const google::protobuf::OneofDescriptor* const kPayload =
      records::v1::Record::descriptor()->FindOneofByName("payload");
  if (const FieldDescriptor* set = reflection->GetOneofFieldDescriptor(record, kPayload)) {
    payload->GetReflection()
        ->MutableMessage(payload, set)
        ->CopyFrom(reflection->GetMessage(record, set));
  }
  RETURN_IF_ERROR(ApplyRewrites(result.rewrites, payload));
  return normalized;
}

v1::RecordIssue ToProtoIssue(const Issue& issue) {
  v1::RecordIssue out;
  out.set_field(issue.field);
  out.set_reason(issue.reason);
  out.set_message(issue.message);
  out.set_severity(issue.severity == Severity::kError ? v1::SEVERITY_ERROR : v1::SEVERITY_WARNING);
  return out;
}

}  // namespace lifeline::ingest
