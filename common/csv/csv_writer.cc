#include "common/csv/csv_writer.h"

namespace lifeline::common {
namespace {

void AppendQuoted(std::string_view field, std::string* out) {
  out->push_back('"');
  size_t start = 0;
  for (size_t quote = field.find('"'); quote != std::string_view::npos;
       quote = field.find('"', start)) {
    out->append(field.substr(start, quote + 1 - start));
    out->push_back('"');
    start = quote + 1;
  }
  out->append(field.substr(start));
  out->push_back('"');
}

template <typename Field>
void AppendRow(std::span<const Field> fields, std::string* out, std::string_view line_end) {
  if (fields.size() == 1 && std::string_view(fields[0]).empty()) {
    out->append("\"\"");
  } else {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendCsvField(fields[i], out);
    }
  }
  out->append(line_end);
}

}  // namespace

void AppendCsvField(std::string_view field, std::string* out) {
  if (CsvNeedsQuoting(field)) {
    AppendQuoted(field, out);
  } else {
    out->append(field);
  }
}

bool CsvNeedsQuoting(std::string_view field) {
  if (field.starts_with("\xEF\xBB\xBF")) return true;
  // The four special characters are all below 0x2D; one compare rules most bytes out.
  for (const char c : field) {
    if (static_cast<unsigned char>(c) <= ',' && (c == ',' || c == '"' || c == '\r' || c == '\n')) {
      return true;
    }
  }
  return false;
}

void AppendCsvRow(std::span<const std::string> fields, std::string* out,
                  std::string_view line_end) {
  AppendRow(fields, out, line_end);
}

void AppendCsvRow(std::span<const std::string_view> fields, std::string* out,
                  std::string_view line_end) {
  AppendRow(fields, out, line_end);
}

CsvWriter::CsvWriter(std::ostream* out, std::string_view line_end)
    : out_(out), line_end_(line_end) {}

absl::Status CsvWriter::WriteRow(std::span<const std::string> fields) {
  row_.clear();
  AppendRow(fields, &row_, line_end_);
  return Flush();
}

absl::Status CsvWriter::WriteRow(std::span<const std::string_view> fields) {
  row_.clear();
  AppendRow(fields, &row_, line_end_);
  return Flush();
}

absl::Status CsvWriter::Flush() {
  out_->write(row_.data(), static_cast<std::streamsize>(row_.size()));
  if (!out_->good()) return absl::UnavailableError("cannot write the CSV output");
  return absl::OkStatus();
}

}  // namespace lifeline::common
