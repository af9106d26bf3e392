// A protobuf-free view of one submitted record: every field flattened to a dotted path with its
// type and value, plus the name of the payload kind. rpc/ builds it from a proto Record by
// reflection; domain/ rules are tables over the paths, so the validator never sees protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::ingest {

// Scalar kind of a flattened field.
enum class FieldType { kString, kInt, kEnum, kBool };

// One leaf field of a record.
struct FieldValue {
  // Dotted path from the record root, e.g. "criminal_victim.criminal_case.case_number".
  std::string path;
  FieldType type = FieldType::kString;
  // The value of a string field.
  std::string text;
  // The value of an int field, the number of an enum field, or 0/1 for a bool field.
  int64_t number = 0;
  // The symbolic name of an enum value ("HARM_DEATH"); empty when the number is not a value the
  // schema knows.
  std::string enum_name;
  // Whether the field carries a value: a non-empty string, a non-zero number or a true bool
  // (proto3 cannot tell a default value from an absent one).
  bool present = false;
};

// A record flattened for validation. Plain data; copyable.
struct RecordView {
  // Name of the payload that is set ("criminal_victim", ...); empty when none is.
  std::string payload_kind;
  // Every leaf field of the record, including person.* and the payload's fields; order does not
  // matter.
  std::vector<FieldValue> fields;

  // Returns the field at `path`, or nullptr when the view has none.
  const FieldValue* Find(std::string_view path) const;
  // Returns the text of the string field at `path`, or "" when absent.
  std::string_view Text(std::string_view path) const;
  // Returns the number of the int/enum/bool field at `path`, or 0 when absent.
  int64_t Number(std::string_view path) const;
};

}  // namespace lifeline::ingest
