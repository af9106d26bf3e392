// RFC 4180 CSV writing that quotes a field only when it has to.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lifeline::common {

// Returns true when `field` must be quoted: it holds a comma, quote, CR or LF, or starts with a
// UTF-8 byte-order mark (which a reader would strip at the start of a file).
bool CsvNeedsQuoting(std::string_view field);

// Appends `field` to `out`, quoted (with its quotes doubled) when CsvNeedsQuoting says so. For
// writers that build rows cell by cell; separators and line ends are theirs to add.
void AppendCsvField(std::string_view field, std::string* out);

// Appends one row and `line_end` to `out`, quoting fields only when needed and doubling the
// quotes inside quoted fields. A row of one empty field is written as "" so that it does not
// become an empty line; a row of no fields is an empty line.
void AppendCsvRow(std::span<const std::string> fields, std::string* out,
                  std::string_view line_end = "\r\n");
void AppendCsvRow(std::span<const std::string_view> fields, std::string* out,
                  std::string_view line_end = "\r\n");

// Writes CSV rows to a stream, with CRLF line ends by default as RFC 4180 and spreadsheet
// exports have them. Not thread-safe.
class CsvWriter {
 public:
  // Writes to `out`, which must outlive the writer.
  explicit CsvWriter(std::ostream* out, std::string_view line_end = "\r\n");

  // Writes one row. Errors: Unavailable when the stream has failed.
  absl::Status WriteRow(std::span<const std::string> fields);
  absl::Status WriteRow(std::span<const std::string_view> fields);

 private:
  absl::Status Flush();

  std::ostream* out_;
  std::string line_end_;
  std::string row_;
};

}  // namespace lifeline::common
