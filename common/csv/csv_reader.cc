#include "common/csv/csv_reader.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lifeline::common {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(std::istream* in, CsvReaderOptions options)
    : in_(in), options_(std::move(options)) {}

CsvReader::CsvReader(std::string_view text, CsvReaderOptions options)
    : options_(std::move(options)), pos_(text.data()), end_(text.data() + text.size()) {}

bool CsvReader::Fill() {
  if (pos_ != end_) return true;
  if (in_ == nullptr || !in_->good()) return false;
  buffer_.resize(kChunkBytes);
  in_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  const auto got = static_cast<size_t>(in_->gcount());
  pos_ = buffer_.data();
  end_ = pos_ + got;
  return got > 0;
}

absl::Status CsvReader::Fail(int64_t line, absl::string_view what) {
  status_ = absl::InvalidArgumentError(absl::StrCat("CSV line ", line, ": ", what));
  return status_;
}

absl::Status CsvReader::Append(std::string* field, const char* data, size_t size) {
  if (size == 0) return absl::OkStatus();
  if (field->size() + size > options_.max_field_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("field longer than ", options_.max_field_bytes, " bytes"));
  }
  row_bytes_ += size;
  if (row_bytes_ > options_.max_row_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("row longer than ", options_.max_row_bytes, " bytes"));
  }
  field->append(data, size);
  return absl::OkStatus();
}

void CsvReader::SkipLfAfterCr() {
  if (Fill() && *pos_ == '\n') ++pos_;
}

absl::StatusOr<bool> CsvReader::ReadRow(std::vector<std::string>* fields) {
  if (!status_.ok()) return status_;
  // The strings already in `fields` are reused to keep their capacity; `count` is the row so far.
  size_t count = 0;
  auto finish = [&]() -> absl::StatusOr<bool> {
    fields->resize(count);
    if (in_ != nullptr && in_->bad()) {
      status_ = absl::UnavailableError("cannot read the CSV input");
      return status_;
    }
    return true;
  };
  auto fail = [&](int64_t line, absl::string_view what) -> absl::StatusOr<bool> {
    fields->clear();
    return Fail(line, what);
  };

  if (!started_) {
    started_ = true;
    if (Fill() && static_cast<size_t>(end_ - pos_) >= kUtf8Bom.size() &&
        std::memcmp(pos_, kUtf8Bom.data(), kUtf8Bom.size()) == 0) {
      pos_ += kUtf8Bom.size();
    }
  }
  while (true) {
    if (!Fill()) {
      fields->clear();
      if (in_ != nullptr && in_->bad()) {
        status_ = absl::UnavailableError("cannot read the CSV input");
        return status_;
      }
      return false;
    }
    if (!options_.skip_empty_lines || (*pos_ != '\r' && *pos_ != '\n')) break;
    if (*pos_++ == '\r') SkipLfAfterCr();
    ++line_;
  }

  row_line_ = line_;
  row_bytes_ = 0;
  while (true) {
    if (count >= options_.max_fields_per_row) {
      return fail(line_,
                  absl::StrCat("more than ", options_.max_fields_per_row, " fields in a row"));
    }
    if (count == fields->size()) fields->emplace_back();
    std::string& field = (*fields)[count++];
    field.clear();

    if (Fill() && *pos_ == '"') {
      ++pos_;
      const int64_t open_line = line_;
      while (true) {
        if (!Fill()) {
          if (in_ != nullptr && in_->bad()) return finish();
          return fail(open_line, "unterminated quoted field");
        }
        const char* p = pos_;
        while (p < end_ && *p != '"' && *p != '\r' && *p != '\n') ++p;
        if (absl::Status s = Append(&field, pos_, p - pos_); !s.ok()) {
          return fail(line_, s.message());
        }
        pos_ = p;
        if (p == end_) continue;
        const char c = *pos_++;
        if (c == '"') {
          if (!Fill() || *pos_ != '"') break;
          ++pos_;
        }
        if (absl::Status s = Append(&field, &c, 1); !s.ok()) return fail(line_, s.message());
        // A CR is a line end of its own unless an LF follows (then the LF counts).
        if (c == '\n' || (c == '\r' && !(Fill() && *pos_ == '\n'))) ++line_;
      }
      if (!Fill()) return finish();
      const char c = *pos_++;
      if (c == ',') continue;
      if (c == '\n' || c == '\r') {
        if (c == '\r') SkipLfAfterCr();
        ++line_;
        return finish();
      }
      return fail(line_, "unexpected text after a closing quote");
    }

    while (true) {
      if (!Fill()) return finish();
      const char* p = pos_;
      while (p < end_ && *p != ',' && *p != '"' && *p != '\r' && *p != '\n') ++p;
      if (absl::Status s = Append(&field, pos_, p - pos_); !s.ok()) return fail(line_, s.message());
      pos_ = p;
      if (p == end_) continue;
      const char c = *pos_++;
      if (c == ',') break;
      if (c == '\n' || c == '\r') {
        if (c == '\r') SkipLfAfterCr();
        ++line_;
        return finish();
      }
      return fail(line_, "quote inside an unquoted field (quote the whole field and double it)");
    }
  }
}

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text,
                                                               const CsvReaderOptions& options) {
  CsvReader reader(text, options);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  while (true) {
    absl::StatusOr<bool> more = reader.ReadRow(&row);
    if (!more.ok()) return more.status();
    if (!*more) return rows;
    rows.push_back(std::move(row));
    row.clear();
  }
}

}  // namespace lifeline::common
