// RFC 4180 CSV reading: quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF,
// LF or CR line ends, and a leading UTF-8 byte-order mark. Bytes are passed through unchanged, so
// the reader works on UTF-8 and on GB18030 alike (no GB18030 byte sequence contains a comma,
// quote, CR or LF byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lifeline::common {

// Limits that keep a hostile or broken file from exhausting memory; exceeding one is an
// InvalidArgument error.
struct CsvReaderOptions {
  // Longest field, in bytes after unquoting.
  size_t max_field_bytes = 1 << 20;
  // Most fields in one row.
  size_t max_fields_per_row = 4096;
  // Longest row, in bytes of its fields after unquoting.
  size_t max_row_bytes = 4 << 20;
  // Skips lines with nothing on them. Otherwise an empty line is a row of one empty field, as in
  // RFC 4180. A quoted empty field ("") is never skipped.
  bool skip_empty_lines = false;
};

// Reads CSV rows one at a time from a stream or from a buffer in memory. Malformed input is
// reported with its line number, never crashes, and stops the reader: every later call returns
// the same error. Not thread-safe.
class CsvReader {
 public:
  // Reads from `in`, which must outlive the reader.
  explicit CsvReader(std::istream* in, CsvReaderOptions options = {});
  // Reads from `text`, which must outlive the reader; nothing is copied.
  explicit CsvReader(std::string_view text, CsvReaderOptions options = {});

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next row into `fields` (cleared first). Returns false at the end of the input; a
  // final line end does not start another row. Errors: InvalidArgument "CSV line N: ..." for an
  // unterminated quoted field, text after a closing quote, a quote inside an unquoted field, or a
  // field, row or field count over the limits; Unavailable when the stream fails.
  absl::StatusOr<bool> ReadRow(std::vector<std::string>* fields);

  // 1-based line on which the row last returned by ReadRow began.
  int64_t row_line() const { return row_line_; }

 private:
  // Makes at least one byte available. Returns false at the end of the input.
  bool Fill();
  absl::Status Fail(int64_t line, absl::string_view what);
  // Appends to a field of the current row. Errors: InvalidArgument (without a line) over a limit.
  absl::Status Append(std::string* field, const char* data, size_t size);
  // Consumes the LF of a CRLF after a CR that was just read.
  void SkipLfAfterCr();

  std::istream* in_ = nullptr;
  CsvReaderOptions options_;
  std::string buffer_;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  bool started_ = false;
  int64_t line_ = 1;
  int64_t row_line_ = 0;
  size_t row_bytes_ = 0;
  absl::Status status_;
};

// Parses all of `text` into rows. Errors: as CsvReader::ReadRow.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(
    std::string_view text, const CsvReaderOptions& options = {});

}  // namespace lifeline::common
