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
  // The oneof the field is a member of, or nullptr.
  const google::protobuf::OneofDescriptor* oneof = nullptr;
  std::string path;
  std::vector<PathNode> children;
  // For an enum field, the names of its values by number (empty where the number is not a
  // value), so that naming a value is an index instead of a hash lookup.
  std::vector<std::string_view> enum_names;
};

// Enum numbers up to this are named from PathNode::enum_names; larger ones by lookup.
constexpr int kMaxTabulatedEnumNumber = 256;

// Records nest a few levels deep; the limit only guards against a recursive message type.
constexpr int kMaxDepth = 8;

std::vector<PathNode> BuildPathNodes(const Descriptor* descriptor, const std::string& prefix,
                                     int depth) {
  std::vector<PathNode> nodes;
  nodes.reserve(static_cast<size_t>(descriptor->field_count()));
  for (int i = 0; i < descriptor->field_count(); ++i) {
    PathNode& node = nodes.emplace_back();
    node.field = descriptor->field(i);
    node.oneof = node.field->real_containing_oneof();
    node.path = prefix.empty() ? node.field->name() : absl::StrCat(prefix, ".", node.field->name());
    if (node.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      const google::protobuf::EnumDescriptor* type = node.field->enum_type();
      for (int v = 0; v < type->value_count(); ++v) {
        const int number = type->value(v)->number();
        if (number < 0 || number > kMaxTabulatedEnumNumber) continue;
        if (node.enum_names.size() <= static_cast<size_t>(number)) {
          node.enum_names.resize(static_cast<size_t>(number) + 1);
        }
        if (node.enum_names[static_cast<size_t>(number)].empty()) {
          node.enum_names[static_cast<size_t>(number)] = type->value(v)->name();
        }
      }
    }
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
                  std::string_view path, const PathNode* node, RecordView* view);

// The name of value `number` of the enum `field` (whose node, when not null, has the names in a
// table); empty when the enum has no such value.
std::string_view EnumName(const PathNode* node, const FieldDescriptor* field, int64_t number) {
  if (node != nullptr && number >= 0 && number <= kMaxTabulatedEnumNumber) {
    const auto index = static_cast<size_t>(number);
    return index < node->enum_names.size() ? node->enum_names[index] : std::string_view();
  }
  const auto* known = field->enum_type()->FindValueByNumber(static_cast<int>(number));
  return known == nullptr ? std::string_view() : std::string_view(known->name());
}

void FlattenNodes(const Message& message, const std::vector<PathNode>& nodes, RecordView* view) {
  const Reflection* reflection = message.GetReflection();
  // Of a oneof only the member that is set exists; the set member is looked up once per oneof
  // rather than asked of every member.
  const google::protobuf::OneofDescriptor* oneof = nullptr;
  const FieldDescriptor* oneof_set = nullptr;
  for (const PathNode& node : nodes) {
    const FieldDescriptor* field = node.field;
    if (node.oneof != nullptr) {
      if (node.oneof != oneof) {
        oneof = node.oneof;
        oneof_set = reflection->GetOneofFieldDescriptor(message, oneof);
      }
      if (oneof_set != field) continue;
    }
    if (field->is_repeated()) {
      int size = reflection->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        FlattenValue(message, field, j, view->Own(absl::StrCat(node.path, "[", j, "]")), nullptr,
                     view);
      }
    } else {
      FlattenValue(message, field, -1, node.path, &node, view);
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
                  std::string_view path, const PathNode* node, RecordView* view) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = index >= 0;
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Message& child = repeated ? reflection->GetRepeatedMessage(message, field, index)
                                    : reflection->GetMessage(message, field);
    if (node != nullptr && !node->children.empty()) {
      FlattenNodes(child, node->children, view);
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
      value.enum_name = EnumName(node, field, value.number);
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

const FieldDescriptor* PayloadField(const records::v1::Record& record) {
  static const google::protobuf::OneofDescriptor* const kPayload =
      records::v1::Record::descriptor()->FindOneofByName("payload");
  return record.GetReflection()->GetOneofFieldDescriptor(record, kPayload);
}

std::string_view PayloadKind(const records::v1::Record& record) {
  const FieldDescriptor* set = PayloadField(record);
  return set == nullptr ? std::string_view() : std::string_view(set->name());
}

// The node of field `number` among `nodes`, or nullptr.
const PathNode* NodeOf(const std::vector<PathNode>& nodes, int number) {
  for (const PathNode& node : nodes) {
    if (node.field->number() == number) return &node;
  }
  return nullptr;
}

// The node of PersonIdentity's field `number` (an enum's node names its values).
const PathNode& PersonNode(int number) {
  static const std::vector<PathNode>& kPerson =
      NodeOf(RecordPathNodes(), records::v1::Record::kPersonFieldNumber)->children;
  return *NodeOf(kPerson, number);
}

void AddText(RecordView* view, std::string_view path, const std::string& text) {
  FieldValue& value = view->fields.emplace_back();
  value.path = path;
  value.type = FieldType::kString;
  value.text = text;
  value.present = !text.empty();
}

void AddNumber(RecordView* view, std::string_view path, FieldType type, int64_t number) {
  FieldValue& value = view->fields.emplace_back();
  value.path = path;
  value.type = type;
  value.number = number;
  value.present = number != 0;
}

void AddEnum(RecordView* view, const PathNode* node, int number) {
  AddNumber(view, node->path, FieldType::kEnum, number);
  view->fields.back().enum_name = EnumName(node, node->field, number);
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

RecordView FlattenRecordByReflection(const records::v1::Record& record) {
  RecordView view;
  // About as many leaves as a record with its largest payload has.
  view.fields.reserve(48);
  FlattenNodes(record, RecordPathNodes(), &view);
  view.payload_kind = PayloadKind(record);
  return view;
}

RecordView FlattenRecord(const records::v1::Record& record) {
  RecordView view;
  view.fields.reserve(48);
  // The envelope and the person, the same for every record, through generated accessors: by
  // reflection they were most of the time spent flattening.
  AddText(&view, "source_record_id", record.source_record_id());
  AddNumber(&view, "version", FieldType::kInt, record.version());
  AddText(&view, "record_date", record.record_date());
  const records::v1::PersonIdentity& person = record.person();
  AddText(&view, "person.name", person.name());
  static const PathNode& kIdType = PersonNode(records::v1::PersonIdentity::kIdTypeFieldNumber);
  static const PathNode& kSex = PersonNode(records::v1::PersonIdentity::kSexFieldNumber);
  AddEnum(&view, &kIdType, person.id_type());
  AddText(&view, "person.id_number", person.id_number());
  AddEnum(&view, &kSex, person.sex());
  AddText(&view, "person.birth_date", person.birth_date());
  AddText(&view, "person.phone", person.phone());
  AddText(&view, "person.address", person.address());
  AddText(&view, "person.region_code", person.region_code());
  AddText(&view, "person.household_id", person.household_id());
  AddNumber(&view, "retracted", FieldType::kBool, record.retracted() ? 1 : 0);
  // The payload, whose type varies, by reflection over the path table.
  const FieldDescriptor* set = PayloadField(record);
  if (set != nullptr) {
    const PathNode* node = NodeOf(RecordPathNodes(), set->number());
    if (node != nullptr) FlattenValue(record, set, -1, node->path, node, &view);
    view.payload_kind = set->name();
  }
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

absl::StatusOr<records::v1::NormalizedRecord> BuildNormalizedRecord(std::string_view agency,
                                                                    records::v1::Record&& record,
                                                                    ValidationResult&& result) {
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

  NormalizedPerson& person = result.person;
  records::v1::NormalizedPerson* out = normalized.mutable_person();
  out->set_name_original(std::move(person.name_original));
  out->set_name_normalized(std::move(person.name_normalized));
  out->set_name_pinyin(std::move(person.name_pinyin));
  out->set_id_token(std::move(person.id_token));
  out->set_id_masked(std::move(person.id_masked));
  out->set_id_verified(person.id_verified);
  out->set_sex(ToProtoSex(person.sex));
  out->set_birth_date(std::move(person.birth_date));
  out->set_phone_normalized(std::move(person.phone_normalized));
  out->set_address(std::move(person.address));
  out->set_region_code(std::move(person.region_code));
  out->set_household_id(std::move(person.household_id));

  // The record travels as validated, moved rather than copied (copying it was a seventh of
  // validation time); its person, with the raw ID number, does not. A field added to Record that
  // carries personal data must be cleared here too (record_mapping_test lists the envelope).
  records::v1::Record* payload = normalized.mutable_record();
  *payload = std::move(record);
  payload->clear_person();
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
