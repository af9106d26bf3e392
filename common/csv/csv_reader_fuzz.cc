// Fuzz target for the CSV reader (`make fuzz`; its seed corpus testdata/csv_corpus is replayed by
// the unit test csv_reader_fuzz_replay). On any bytes, with default and with tiny limits, with and
// without skip_empty_lines: ParseCsv and the streaming reader agree (also when a read chunk ends
// anywhere in the input), rows respect the limits, tiny limits change nothing but the verdict on
// rows over them, errors are sticky InvalidArgument, and rows written by AppendCsvRow read back
// as themselves.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/csv/csv_reader.h"
#include "common/csv/csv_writer.h"
#include "common/testing/fuzz_check.h"

namespace lifeline::common {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// The streaming reader reads 64 KiB at a time (csv_reader.cc).
constexpr size_t kReaderChunkBytes = 64 * 1024;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

struct ReadResult {
  absl::Status status;
  Rows rows;  // the rows before the error, if any
};

// Reads `reader` to its end or first error, checking what ReadRow promises along the way.
ReadResult ReadAll(CsvReader& reader) {
  ReadResult result;
  std::vector<std::string> row;
  int64_t last_line = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.ReadRow(&row);
    if (!more.ok()) {
      result.status = more.status();
      FUZZ_CHECK(row.empty());
      absl::StatusOr<bool> again = reader.ReadRow(&row);
      FUZZ_CHECK(!again.ok() && again.status() == result.status);
      return result;
    }
    if (!*more) {
      FUZZ_CHECK(row.empty());
      absl::StatusOr<bool> again = reader.ReadRow(&row);
      FUZZ_CHECK(again.ok() && !*again);
      return result;
    }
    FUZZ_CHECK(!row.empty());
    FUZZ_CHECK(reader.row_line() > last_line);
    last_line = reader.row_line();
    result.rows.push_back(row);
  }
}

ReadResult ReadStream(std::string_view text, const CsvReaderOptions& options) {
  std::istringstream in{std::string(text)};
  CsvReader reader(&in, options);
  return ReadAll(reader);
}

bool WithinLimits(const Rows& rows, const CsvReaderOptions& options) {
  for (const auto& row : rows) {
    if (row.size() > options.max_fields_per_row) return false;
    size_t row_bytes = 0;
    for (const auto& field : row) {
      if (field.size() > options.max_field_bytes) return false;
      row_bytes += field.size();
    }
    if (row_bytes > options.max_row_bytes) return false;
  }
  return true;
}

// The error without its "CSV line N" prefix.
std::string_view WhatFailed(const absl::Status& status) {
  const std::string_view message(status.message().data(), status.message().size());
  const size_t colon = message.find(':');
  return colon == std::string_view::npos ? message : message.substr(colon);
}

void CheckRoundTrip(const Rows& rows) {
  for (const std::string_view line_end : {"\r\n", "\n", "\r"}) {
    std::string written;
    for (const auto& row : rows) AppendCsvRow(row, &written, line_end);
    for (const bool skip_empty_lines : {false, true}) {
      CsvReaderOptions options;
      options.skip_empty_lines = skip_empty_lines;
      absl::StatusOr<Rows> reread = ParseCsv(written, options);
      FUZZ_CHECK(reread.ok());
      FUZZ_CHECK(*reread == rows);
    }
  }
}

// Checks one set of options; returns what ParseCsv made of `text`.
absl::StatusOr<Rows> CheckOptions(std::string_view text, const CsvReaderOptions& options) {
  absl::StatusOr<Rows> parsed = ParseCsv(text, options);
  const ReadResult streamed = ReadStream(text, options);
  FUZZ_CHECK(parsed.status() == streamed.status);
  if (parsed.ok()) {
    FUZZ_CHECK(*parsed == streamed.rows);
    FUZZ_CHECK(WithinLimits(*parsed, options));
  } else {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(WhatFailed(parsed.status()).size() < parsed.status().message().size());
    FUZZ_CHECK(parsed.status().message().substr(0, 9) == "CSV line ");
  }
  return parsed;
}

// Prefixes `text` with one row long enough that the reader's first chunk ends `split` bytes into
// `text`, and checks that the rows after it are those of `text` alone.
void CheckChunkBoundary(std::string_view text, size_t split, const absl::StatusOr<Rows>& parsed) {
  std::string padded(kReaderChunkBytes - 1 - split, 'a');
  padded.push_back('\n');
  padded.append(text);
  const ReadResult streamed = ReadStream(padded, {});
  FUZZ_CHECK(!streamed.rows.empty());
  FUZZ_CHECK(streamed.rows[0].size() == 1 &&
             streamed.rows[0][0].size() + 1 + split == kReaderChunkBytes);
  FUZZ_CHECK(streamed.status.code() == parsed.status().code());
  if (parsed.ok()) {
    FUZZ_CHECK(Rows(streamed.rows.begin() + 1, streamed.rows.end()) == *parsed);
  } else {
    FUZZ_CHECK(WhatFailed(streamed.status) == WhatFailed(parsed.status()));
  }
}

}  // namespace
}  // namespace lifeline::common

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lifeline::common;  // NOLINT(google-build-using-namespace)
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  CsvReaderOptions tiny;
  tiny.max_field_bytes = 8;
  tiny.max_fields_per_row = 4;
  tiny.max_row_bytes = 16;
  for (const bool skip_empty_lines : {false, true}) {
    CsvReaderOptions loose;
    loose.skip_empty_lines = skip_empty_lines;
    tiny.skip_empty_lines = skip_empty_lines;
    const absl::StatusOr<Rows> loose_rows = CheckOptions(text, loose);
    const absl::StatusOr<Rows> tiny_rows = CheckOptions(text, tiny);
    // Limits only turn rows over them into an error.
    FUZZ_CHECK(tiny_rows.ok() == (loose_rows.ok() && WithinLimits(*loose_rows, tiny)));
    if (tiny_rows.ok()) FUZZ_CHECK(*tiny_rows == *loose_rows);
    if (loose_rows.ok()) CheckRoundTrip(*loose_rows);
    // Scanning 64 KiB of padding is slow under sanitizer coverage: one input in eight gets it.
    const size_t pick = size == 0 ? 0 : data[0] + data[size - 1] + size;
    if (!skip_empty_lines && pick % 8 == 0 && size < kReaderChunkBytes &&
        !text.starts_with(kUtf8Bom)) {
      const size_t split = pick / 8 % (size + 1);
      CheckChunkBoundary(text, split, loose_rows);
    }
  }
  return 0;
}
