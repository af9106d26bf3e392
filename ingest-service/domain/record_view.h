// A protobuf-free view of one submitted record: every field flattened to a dotted path with its
// type and value, plus the name of the payload kind. rpc/ builds it from a proto Record by
// reflection; domain/ rules are tables over the paths, so the validator never sees protobuf.
//
// The view copies nothing: paths, texts and names point into the record it was built from and
// into tables that live as long as the program (validating a record used to spend most of its
// time allocating copies). It is valid only while that record lives unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::ingest {

// Scalar kind of a flattened field.
enum class FieldType { kString, kInt, kEnum, kBool };

// One leaf field of a record.
struct FieldValue {
  // Dotted path from the record root, e.g. "criminal_victim.criminal_case.case_number".
  std::string_view path;
  FieldType type = FieldType::kString;
  // The value of a string field.
  std::string_view text;
  // The value of an int field, the number of an enum field, or 0/1 for a bool field.
  int64_t number = 0;
  // The symbolic name of an enum value ("HARM_DEATH"); empty when the number is not a value the
  // schema knows.
  std::string_view enum_name;
  // Whether the field carries a value: a non-empty string, a non-zero number or a true bool
  // (proto3 cannot tell a default value from an absent one).
  bool present = false;
};

// A record flattened for validation. Copyable; copies point at the same record.
struct RecordView {
  // Name of the payload that is set ("criminal_victim", ...); empty when none is.
  std::string_view payload_kind;
  // Every leaf field of the record, including person.* and the payload's fields; order does not
  // matter.
  std::vector<FieldValue> fields;
  // Strings the view had to make itself (a path with an index, a value protobuf could only copy
  // out); the fields point into them. Shared so that copies stay valid.
  std::vector<std::shared_ptr<const std::string>> owned;

  // Keeps `text` alive as long as the view (and its copies) and returns a view of it.
  std::string_view Own(std::string text);

  // Returns the field at `path`, or nullptr when the view has none.
  const FieldValue* Find(std::string_view path) const;
  // Returns the text of the string field at `path`, or "" when absent.
  std::string_view Text(std::string_view path) const;
  // Returns the number of the int/enum/bool field at `path`, or 0 when absent.
  int64_t Number(std::string_view path) const;
};

}  // namespace lifeline::ingest
