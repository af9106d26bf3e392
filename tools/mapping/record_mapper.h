// Turns the rows of an agency's CSV export into lifeline.records.v1.Record messages and back,
// following the agency's column mapping (protos/lifeline/ingest/v1/agency_mapping.proto).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "lifeline/ingest/v1/agency_mapping.pb.h"
#include "lifeline/records/v1/records.pb.h"

namespace google::protobuf {
class FieldDescriptor;
}  // namespace google::protobuf

namespace lifeline::mapping {

// Maps CSV rows to Records and Records to CSV rows for one AgencyMapping, by protobuf
// reflection over field paths resolved once at construction. Cell values never appear in error
// messages (they may be personal data); column headers and field paths do. Immutable after
// Create, so safe to share between threads.
class RecordMapper {
 public:
  // Where the mapping's columns sit in one file's header row (from IndexHeaders).
  struct ColumnIndex {
    // positions[i] is the row position of the mapping's column i.
    std::vector<size_t> positions;
    // Number of fields in the header row; every row must have as many.
    size_t width = 0;
  };

  // Builds a mapper and checks the mapping against the Record descriptor. Errors:
  // InvalidArgument naming the problem: an unknown encoding or kind, an empty or repeated header,
  // a field path that does not exist, does not end at a single value, belongs to another payload
  // than `kind` or is mapped twice, a value map entry that is not a valid value of its field, or
  // a unit on a field that is not an amount in fen.
  static absl::StatusOr<RecordMapper> Create(const ingest::v1::AgencyMapping& mapping);

  RecordMapper(RecordMapper&& other) noexcept;
  RecordMapper& operator=(RecordMapper&& other) noexcept;
  RecordMapper(const RecordMapper& other);
  RecordMapper& operator=(const RecordMapper& other);
  ~RecordMapper();

  const ingest::v1::AgencyMapping& mapping() const { return mapping_; }
  // "utf-8" or "gb18030".
  std::string_view encoding() const { return encoding_; }
  // The mapping's headers in column order: the header row a writer prints.
  const std::vector<std::string>& headers() const { return headers_; }

  // Finds each of the mapping's columns in a file's header row (surrounding spaces ignored;
  // columns the mapping does not name are ignored). Errors: InvalidArgument naming a header the
  // mapping needs that is missing or appears twice.
  absl::StatusOr<ColumnIndex> IndexHeaders(std::span<const std::string> headers) const;

  // Builds the Record for one data row. Every message on a mapped path is created (so the
  // payload of `kind` is always set); an empty cell leaves its field at the default. Errors:
  // InvalidArgument for a row of the wrong width, or "column '<header>' (<field>): <reason>" for
  // a cell that is not a valid value of its field.
  absl::StatusOr<records::v1::Record> MapRow(const ColumnIndex& index,
                                             std::span<const std::string> row) const;
  // As above into `record` (cleared first), to reuse one message for many rows.
  absl::Status MapRow(const ColumnIndex& index, std::span<const std::string> row,
                      records::v1::Record* record) const;
  // As above, indexing `headers` first (prefer IndexHeaders once per file for many rows).
  absl::StatusOr<records::v1::Record> MapRow(std::span<const std::string> headers,
                                             std::span<const std::string> row) const;

  // Returns true when `record` carries this mapping's kind of payload.
  bool Matches(const records::v1::Record& record) const;

  // Returns the cells for `record` in column order: each field's value in the agency's wording
  // where the value map has one, amounts in the column's unit, and an empty cell for a field at
  // its default that has no wording of its own. Fields of another payload read as defaults.
  std::vector<std::string> RowFor(const records::v1::Record& record) const;
  // As above into `row`, reusing its strings' capacity.
  void RowFor(const records::v1::Record& record, std::vector<std::string>* row) const;
  // Calls `cell` with each cell RowFor would return, in column order, without copying text
  // fields (for writers of millions of rows). A view is valid only during its call.
  void ForEachCell(const records::v1::Record& record,
                   absl::FunctionRef<void(std::string_view)> cell) const;

 private:
  // A column resolved against the Record descriptor, and a message on the way to one (defined in
  // the .cc).
  struct Column;
  struct Parent;

  RecordMapper();

  ingest::v1::AgencyMapping mapping_;
  std::string encoding_;
  const google::protobuf::FieldDescriptor* kind_field_ = nullptr;
  std::vector<std::string> headers_;
  std::vector<Column> columns_;
  // The distinct messages that hold the columns' values; parents_[0] is the Record itself and
  // each entry comes after the one that holds it.
  std::vector<Parent> parents_;
};

}  // namespace lifeline::mapping
