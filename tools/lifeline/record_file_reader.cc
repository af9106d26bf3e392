#include "tools/lifeline/record_file_reader.h"

#include <algorithm>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "common/config/yaml_proto.h"
#include "common/status/status_macros.h"
#include "lifeline/ingest/v1/agency_mapping.pb.h"

namespace lifeline::tools {
namespace {

constexpr size_t kSniffBytes = 64 * 1024;

// Drops a UTF-8 sequence cut off at the end of a prefix of a longer text, so that the prefix of
// a valid UTF-8 file is itself valid.
std::string_view TrimCutUtf8(std::string_view bytes) {
  for (size_t back = 1; back <= 4 && back <= bytes.size(); ++back) {
    const auto c = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? bytes.substr(0, bytes.size() - back) : bytes;
  }
  return bytes;
}

// Splits the mapper's "column '<header>' (<field>): <reason>" into header and field.
void ParseMapperError(absl::string_view message, std::string* column, std::string* field) {
  constexpr absl::string_view kColumn = "column '";
  if (!absl::StartsWith(message, kColumn)) return;
  const size_t quote = message.find("' (", kColumn.size());
  if (quote == absl::string_view::npos) return;
  const size_t close = message.find("): ", quote);
  if (close == absl::string_view::npos) return;
  *column = std::string(message.substr(kColumn.size(), quote - kColumn.size()));
  *field = std::string(message.substr(quote + 3, close - quote - 3));
}

}  // namespace

std::string RowProblem::Where() const {
  if (!field.empty() && !column.empty()) return absl::StrCat(field, " (", column, ")");
  if (!field.empty()) return field;
  if (!column.empty()) return column;
  return "row";
}

RecordFileReader::RecordFileReader(RecordFileOptions options) : options_(std::move(options)) {}

RecordFileReader::~RecordFileReader() = default;

absl::StatusOr<std::unique_ptr<RecordFileReader>> RecordFileReader::Open(
    RecordFileOptions options) {
  std::unique_ptr<RecordFileReader> reader(new RecordFileReader(std::move(options)));
  RETURN_IF_ERROR(reader->CheckOptions());
  RETURN_IF_ERROR(reader->LoadMapping());
  RETURN_IF_ERROR(reader->DecideEncoding());
  RETURN_IF_ERROR(reader->OpenInput());
  return reader;
}

absl::Status RecordFileReader::CheckOptions() {
  if (options_.agency.empty()) return absl::InvalidArgumentError("no agency given");
  if (options_.file.empty()) return absl::InvalidArgumentError("no file given");
  jsonl_ = absl::EndsWith(options_.file, ".jsonl");
  options_.encoding = absl::AsciiStrToLower(options_.encoding);
  if (options_.encoding != "auto" && options_.encoding != "utf-8" &&
      options_.encoding != "gb18030") {
    return absl::InvalidArgumentError("--encoding must be auto, utf-8 or gb18030");
  }
  if (jsonl_ && options_.encoding == "gb18030") {
    return absl::InvalidArgumentError("JSON Lines files are UTF-8; --encoding gb18030 is wrong");
  }
  if (!jsonl_ && options_.mapping_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the CSV file ", options_.file, " needs a mapping file"));
  }
  return absl::OkStatus();
}

absl::Status RecordFileReader::LoadMapping() {
  if (jsonl_) {
    json_ = std::make_unique<JsonMessageParser>(records::v1::Record::descriptor());
    return absl::OkStatus();
  }
  ingest::v1::AgencyMapping mapping;
  RETURN_IF_ERROR(common::LoadYamlProto(options_.mapping_file, &mapping));
  if (mapping.agency() != options_.agency) {
    return absl::InvalidArgumentError(absl::StrCat("the mapping ", options_.mapping_file,
                                                   " is for agency '", mapping.agency(), "', not '",
                                                   options_.agency, "'"));
  }
  ASSIGN_OR_RETURN(mapping::RecordMapper created, mapping::RecordMapper::Create(mapping));
  mapper_.emplace(std::move(created));
  for (const auto& column : mapping.columns()) header_of_field_[column.field()] = column.header();
  google::protobuf::io::StringOutputStream stream(&mapping_bytes_);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  mapping.SerializeToCodedStream(&coded);
  return absl::OkStatus();
}

// JSON Lines are UTF-8; a CSV file is in the encoding given, else the one its first 64 KiB
// show, else (nothing but ASCII so far) the mapping's.
absl::Status RecordFileReader::DecideEncoding() {
  if (jsonl_) {
    encoding_ = "utf-8";
  } else if (options_.encoding != "auto") {
    encoding_ = options_.encoding;
  } else {
    std::ifstream in(options_.file, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", options_.file));
    std::string head(kSniffBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading ", options_.file));
    head.resize(static_cast<size_t>(in.gcount()));
    const bool more = in.peek() != std::char_traits<char>::eof();
    if (common::IsAscii(head)) {
      encoding_ = std::string(mapper_->encoding());
    } else {
      encoding_ = std::string(common::DetectEncoding(more ? TrimCutUtf8(head) : head));
    }
  }
  gb18030_ = encoding_ == "gb18030";
  return absl::OkStatus();
}

absl::Status RecordFileReader::OpenInput() {
  in_.open(options_.file, std::ios::binary | std::ios::ate);
  if (!in_) return absl::NotFoundError(absl::StrCat("cannot read ", options_.file));
  bytes_ = std::max<int64_t>(0, static_cast<int64_t>(in_.tellg()));
  in_.seekg(0);
  if (jsonl_) {
    header_as_read_ = {"record"};
    return absl::OkStatus();
  }
  common::CsvReaderOptions csv_options;
  csv_options.skip_empty_lines = true;
  csv_.emplace(&in_, csv_options);
  if (gb18030_) {
    ASSIGN_OR_RETURN(common::EncodingConverter converter,
                     common::EncodingConverter::Create("GB18030", "UTF-8"));
    to_utf8_.emplace(std::move(converter));
  }
  return OpenCsvHeader();
}

// Reads the header row and indexes the mapping's columns in it.
absl::Status RecordFileReader::OpenCsvHeader() {
  ASSIGN_OR_RETURN(bool has_header, csv_->ReadRow(&header_as_read_));
  if (!has_header) {
    return absl::InvalidArgumentError(absl::StrCat(options_.file, " has no header row"));
  }
  if (std::optional<size_t> bad = ToUtf8(header_as_read_, &header_utf8_)) {
    if (gb18030_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the header row of ", options_.file, " is not valid GB18030 (column ", *bad + 1, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat("the header row of ", options_.file,
                                                   " is not valid UTF-8 (column ", *bad + 1,
                                                   "); try --encoding gb18030"));
  }
  if (!gb18030_) header_utf8_ = header_as_read_;
  ASSIGN_OR_RETURN(column_index_, mapper_->IndexHeaders(header_utf8_));
  return absl::OkStatus();
}

std::optional<size_t> RecordFileReader::ToUtf8(const std::vector<std::string>& raw,
                                               std::vector<std::string>* utf8) {
  if (!gb18030_) {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (!common::IsValidUtf8(raw[i])) return i;
    }
    return std::nullopt;
  }
  utf8->resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    // ASCII reads the same in both (most cells: numbers, codes, dates); iconv costs per call.
    if (common::IsAscii(raw[i])) {
      (*utf8)[i] = raw[i];
      continue;
    }
    (*utf8)[i].clear();
    if (!to_utf8_->Convert(raw[i], &(*utf8)[i]).ok()) return i;
  }
  return std::nullopt;
}

absl::StatusOr<bool> RecordFileReader::Next(RecordFileRow* row) {
  row->problem.reset();
  return jsonl_ ? NextJsonLine(row) : NextCsvRow(row);
}

absl::StatusOr<bool> RecordFileReader::NextJsonLine(RecordFileRow* row) {
  row->gb18030_cells.clear();
  row->cells.resize(1);
  std::string& line = row->cells[0];
  while (std::getline(in_, line)) {
    ++line_number_;
    bytes_read_ += static_cast<int64_t>(line.size()) + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    row->line = line_number_;
    return true;
  }
  if (in_.bad()) return absl::UnavailableError(absl::StrCat("error reading ", options_.file));
  return false;
}

absl::StatusOr<bool> RecordFileReader::NextCsvRow(RecordFileRow* row) {
  std::vector<std::string>* raw = gb18030_ ? &row->gb18030_cells : &row->cells;
  if (!gb18030_) row->gb18030_cells.clear();
  ASSIGN_OR_RETURN(bool more, csv_->ReadRow(raw));
  if (!more) return false;
  row->line = csv_->row_line();
  if (std::optional<size_t> bad = ToUtf8(*raw, &row->cells)) {
    RowProblem& problem = row->problem.emplace();
    problem.column = *bad < header_utf8_.size() ? header_utf8_[*bad] : absl::StrCat("#", *bad + 1);
    problem.reason = "ENCODING";
    problem.message =
        absl::StrCat("column '", problem.column, "' is not valid ", gb18030_ ? "GB18030" : "UTF-8");
  }
  return true;
}

std::optional<RowProblem> RecordFileReader::Parse(const RecordFileRow& row,
                                                  records::v1::Record* record) const {
  record->Clear();
  if (jsonl_) {
    absl::Status parsed = json_->Parse(row.cells[0], record);
    if (parsed.ok()) return std::nullopt;
    RowProblem problem;
    problem.reason = "NOT_A_RECORD";
    problem.message = std::string(parsed.message());
    return problem;
  }
  absl::Status mapped = mapper_->MapRow(column_index_, row.cells, record);
  if (mapped.ok()) return std::nullopt;
  RowProblem problem;
  ParseMapperError(mapped.message(), &problem.column, &problem.field);
  problem.reason = problem.column.empty() ? "ROW_SHAPE" : "BAD_VALUE";
  problem.message = std::string(mapped.message());
  return problem;
}

int64_t RecordFileReader::bytes_read() {
  if (jsonl_) return bytes_read_;
  const std::streamoff pos = in_.tellg();
  return pos < 0 ? bytes_ : static_cast<int64_t>(pos);
}

}  // namespace lifeline::tools
