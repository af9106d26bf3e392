// Reads an agency's record file row by row: a CSV export through its column mapping (UTF-8 or
// GB18030, detected or given) or a JSON Lines file of lifeline.records.v1.Record. The one reader
// behind `lifeline import` and the offline record files of `lifeline link`.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/csv/csv_reader.h"
#include "common/csv/encoding.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/lifeline/json_message_parser.h"
#include "tools/mapping/record_mapper.h"

namespace lifeline::tools {

// Which file to read and how.
struct RecordFileOptions {
  // Agency code; must match the mapping's agency.
  std::string agency;
  // The CSV file, or a JSON Lines file of lifeline.records.v1.Record when it ends in ".jsonl".
  std::string file;
  // AgencyMapping YAML file; required for CSV, not used for JSON Lines.
  std::string mapping_file;
  // "auto" (detect from the first 64 KiB), "utf-8" or "gb18030". JSON Lines are always UTF-8.
  std::string encoding = "auto";
};

// Why one row could not become a Record. Names columns and fields, never a cell value.
struct RowProblem {
  // The column's header (CSV), or empty.
  std::string column;
  // The Record field the column maps to, or empty.
  std::string field;
  // "NOT_A_RECORD" (a JSON line that is not a Record), "ENCODING" (a cell not in the file's
  // encoding), "ROW_SHAPE" (a row of the wrong width) or "BAD_VALUE" (a cell that is not a value
  // of its field).
  std::string reason;
  std::string message;

  // Returns where the problem is, for counting: "<field> (<column>)", the field or the column
  // alone, or "row".
  std::string Where() const;
};

// One row as read, before it becomes a Record.
struct RecordFileRow {
  // 1-based line on which the row begins.
  int64_t line = 0;
  // The row's cells in UTF-8 (CSV), or the JSON line as the only cell (JSON Lines).
  std::vector<std::string> cells;
  // The cells in the file's encoding when it is GB18030 (for a rejects file the agency can fix);
  // empty otherwise, `cells` being the bytes as read.
  std::vector<std::string> gb18030_cells;
  // Set when the row could not be read: a cell is not valid in the file's encoding.
  std::optional<RowProblem> problem;

  // The cells as read, in the file's encoding.
  const std::vector<std::string>& as_read() const {
    return gb18030_cells.empty() ? cells : gb18030_cells;
  }
};

// Reads one record file. Next is not thread-safe; Parse is (it only reads the immutable mapping),
// so rows may be read on one thread and turned into Records on others.
class RecordFileReader {
 public:
  // Opens `options.file`: checks the options, loads and checks the mapping (CSV), decides the
  // encoding and reads the header row. Errors: InvalidArgument for bad options, a mapping that
  // does not load, is for another agency or does not fit the header, a missing or undecodable
  // header row, or a CSV syntax error in it; NotFound for a file that cannot be read.
  static absl::StatusOr<std::unique_ptr<RecordFileReader>> Open(RecordFileOptions options);

  RecordFileReader(const RecordFileReader&) = delete;
  RecordFileReader& operator=(const RecordFileReader&) = delete;
  ~RecordFileReader();

  // Reads the next non-empty row into `row`. Returns false at the end of the file. Errors:
  // InvalidArgument for a CSV syntax error (with its line; nothing after it can be read);
  // Unavailable when reading fails.
  absl::StatusOr<bool> Next(RecordFileRow* row);

  // Turns a row that Next read without a problem into `record` (cleared first). Returns the
  // problem instead when the line is not a Record in JSON or the mapping refuses the row.
  std::optional<RowProblem> Parse(const RecordFileRow& row, records::v1::Record* record) const;

  const RecordFileOptions& options() const { return options_; }
  bool jsonl() const { return jsonl_; }
  // "utf-8" or "gb18030".
  const std::string& encoding() const { return encoding_; }
  // The header row in the file's encoding (CSV), or {"record"} (JSON Lines).
  const std::vector<std::string>& header_as_read() const { return header_as_read_; }
  // The header of each mapped field, by field path (CSV; empty for JSON Lines).
  const std::map<std::string, std::string>& header_of_field() const { return header_of_field_; }
  // The mapping's deterministic serialization (CSV; empty for JSON Lines).
  const std::string& mapping_bytes() const { return mapping_bytes_; }
  // Size of the file when it was opened.
  int64_t bytes() const { return bytes_; }
  // Bytes of the file consumed so far (approximately: the stream reads ahead).
  int64_t bytes_read();

 private:
  explicit RecordFileReader(RecordFileOptions options);
  absl::Status CheckOptions();
  absl::Status LoadMapping();
  absl::Status DecideEncoding();
  absl::Status OpenInput();
  absl::Status OpenCsvHeader();
  absl::StatusOr<bool> NextJsonLine(RecordFileRow* row);
  absl::StatusOr<bool> NextCsvRow(RecordFileRow* row);
  // Checks that `raw` is UTF-8 (a UTF-8 file) or converts it into `utf8` (GB18030); returns the
  // first cell that is not valid in the file's encoding.
  std::optional<size_t> ToUtf8(const std::vector<std::string>& raw, std::vector<std::string>* utf8);

  RecordFileOptions options_;
  bool jsonl_ = false;
  std::string encoding_;
  bool gb18030_ = false;
  std::unique_ptr<JsonMessageParser> json_;  // JSON Lines only
  std::optional<mapping::RecordMapper> mapper_;
  std::map<std::string, std::string> header_of_field_;
  std::string mapping_bytes_;

  std::ifstream in_;
  std::optional<common::CsvReader> csv_;
  std::optional<common::EncodingConverter> to_utf8_;
  mapping::RecordMapper::ColumnIndex column_index_;
  std::vector<std::string> header_as_read_;
  std::vector<std::string> header_utf8_;
  int64_t line_number_ = 0;
  int64_t bytes_ = 0;
  int64_t bytes_read_ = 0;
};

}  // namespace lifeline::tools
