#include "tools/lifeline/import.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/config/yaml_proto.h"
#include "common/csv/csv_reader.h"
#include "common/csv/csv_writer.h"
#include "common/csv/encoding.h"
#include "common/status/status_macros.h"
#include "lifeline/ingest/v1/agency_mapping.pb.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/lifeline/staged_csv_file.h"
#include "tools/mapping/record_mapper.h"
#include "tools/progress/progress_bar.h"

namespace lifeline::tools {
namespace {

using ingest::v1::GetBatchRequest;
using ingest::v1::ListRejectionsRequest;
using ingest::v1::ListRejectionsResponse;
using ingest::v1::RecordIssue;
using ingest::v1::SubmitBatchRequest;
using ingest::v1::SubmitBatchResponse;

constexpr size_t kSniffBytes = 64 * 1024;
// SubmitBatchResponse.issues holds at most this many; ListRejections has the rest.
constexpr int kIssuesInResponse = 100;
constexpr int kRejectionsPageSize = 1000;
constexpr std::chrono::milliseconds kMaxBackoff{30000};
// How often a wait between attempts looks whether the import was cancelled.
constexpr std::chrono::milliseconds kCancelledCheckInterval{100};

// Incremental SHA-256 over OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256() { EVP_MD_CTX_free(ctx_); }

  void Update(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  // Returns the digest as lower-case hex; the object is spent afterwards.
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    return absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(digest), static_cast<size_t>(size)));
  }

 private:
  EVP_MD_CTX* ctx_;
};

struct FileFacts {
  int64_t bytes = 0;
  std::string sha256_hex;
  std::string head;  // the first kSniffBytes bytes
};

absl::StatusOr<FileFacts> ScanFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  FileFacts facts;
  Sha256 sha;
  std::string chunk(1 << 20, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    std::string_view view(chunk.data(), got);
    sha.Update(view);
    if (facts.head.size() < kSniffBytes) {
      facts.head.append(view.substr(0, kSniffBytes - facts.head.size()));
    }
    facts.bytes += static_cast<int64_t>(got);
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading ", path));
  facts.sha256_hex = sha.HexDigest();
  return facts;
}

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

bool IsAscii(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool Retryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

std::string ShortSeverity(ingest::v1::Severity severity) {
  std::string name = ingest::v1::Severity_Name(severity);
  return absl::StartsWith(name, "SEVERITY_") ? name.substr(9) : name;
}

// The rejects file: the input's header and rows (in the input's encoding, so that the agency can
// fix the rows and import the file again with the same mapping) after columns saying why. Staged
// under a temporary name until Commit. Not thread-safe.
class RejectsWriter {
 public:
  RejectsWriter(std::string path, bool gb18030)
      : file_(std::move(path), "\r\n"), gb18030_(gb18030) {}

  // Opens the file and writes the header. Errors: FailedPrecondition.
  absl::Status Open(const std::vector<std::string>& input_header) {
    RETURN_IF_ERROR(file_.Open());
    std::vector<std::string> header = {"import_line",  "import_stage",  "import_column",
                                       "import_field", "import_reason", "import_message"};
    header.insert(header.end(), input_header.begin(), input_header.end());
    file_.WriteRow(header);
    return absl::OkStatus();
  }

  // Writes one rejected row. `why` holds UTF-8 text (converted here when the file is GB18030);
  // `row` holds the input's bytes as read.
  void Write(int64_t line, const std::string& stage, const std::string& column,
             const std::string& field, const std::string& reason, const std::string& message,
             const std::vector<std::string>& row) {
    std::vector<std::string> fields = {absl::StrCat(line), stage, Encode(column), field, reason,
                                       Encode(message)};
    fields.insert(fields.end(), row.begin(), row.end());
    file_.WriteRow(fields);
    ++rows_;
  }

  int64_t rows() const { return rows_; }

  // Closes the file and moves it to its final name. Errors: FailedPrecondition.
  absl::Status Commit() { return file_.Commit(); }

 private:
  std::string Encode(const std::string& utf8) const {
    if (!gb18030_ || IsAscii(utf8)) return utf8;
    absl::StatusOr<std::string> converted = common::Utf8ToGb18030(utf8);
    return converted.ok() ? *converted : utf8;
  }
  StagedCsvFile file_;
  bool gb18030_;
  int64_t rows_ = 0;
};

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

// One row of the batch being built, kept until ingest has answered for it.
struct PendingRow {
  int64_t line = 0;
  std::vector<std::string> cells;  // as read (CSV), or the JSON line
};

}  // namespace

absl::StatusOr<SubmitBatchResponse> GatewayBatchSender::SubmitBatch(
    const SubmitBatchRequest& request) {
  std::string body;
  auto st = google::protobuf::util::MessageToJsonString(request, &body);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write batch ", request.batch_id(), " as JSON: ", st.ToString()));
  }
  SubmitBatchResponse response;
  RETURN_IF_ERROR(
      gateway_->Call("POST", absl::StrCat("/v1/agencies/", UrlEscape(request.agency()), "/batches"),
                     body, &response));
  return response;
}

absl::StatusOr<ListRejectionsResponse> GatewayBatchSender::ListRejections(
    const ListRejectionsRequest& request) {
  std::string target =
      absl::StrCat("/v1/agencies/", UrlEscape(request.agency()), "/batches/",
                   UrlEscape(request.batch_id()), "/rejections?page_size=", request.page_size());
  if (!request.page_token().empty()) {
    absl::StrAppend(&target, "&page_token=", UrlEscape(request.page_token()));
  }
  ListRejectionsResponse response;
  RETURN_IF_ERROR(gateway_->Call("GET", target, "", &response));
  return response;
}

absl::StatusOr<ingest::v1::Batch> GatewayBatchSender::GetBatch(const GetBatchRequest& request) {
  ingest::v1::Batch batch;
  RETURN_IF_ERROR(gateway_->Call("GET",
                                 absl::StrCat("/v1/agencies/", UrlEscape(request.agency()),
                                              "/batches/", UrlEscape(request.batch_id())),
                                 "", &batch));
  return batch;
}

std::string DefaultBatchPrefix(const std::string& agency, const std::string& file,
                               const std::string& identity_hex) {
  std::string stem = file.substr(file.find_last_of('/') + 1);
  if (size_t dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
  for (char& c : stem) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      c = '_';
    }
  }
  return absl::StrCat(agency, "-", stem, "-", identity_hex.substr(0, 12));
}

namespace {

// One run of Importer::Run: its named steps (check the options, load the mapping, describe and
// open the input, map rows into batches, send a batch and write its rejects, summarize) and the
// state they share. Not thread-safe.
class ImportRun {
 public:
  ImportRun(BatchSender* sender, ImportOptions options)
      : sender_(sender),
        options_(std::move(options)),
        bar_(options_.progress ? *options_.progress : std::cerr, options_.progress != nullptr) {}

  absl::StatusOr<ImportSummary> Execute();

 private:
  absl::Status CheckOptions();
  absl::Status LoadMapping();
  absl::Status DescribeInput();
  absl::Status OpenInput();
  absl::Status OpenCsvHeader();
  absl::Status ReadJsonLines();
  absl::Status ReadCsvRows();
  absl::Status AddCsvRow();
  absl::Status AddToBatch(int64_t line, std::vector<std::string> cells);
  absl::Status SendBatch();
  void CountOutcomes(const SubmitBatchResponse& response, absl::Time sent_at);
  absl::StatusOr<std::vector<RecordIssue>> AllIssues(const SubmitBatchResponse& response);
  void WriteIngestRejects(const SubmitBatchResponse& response,
                          const std::vector<RecordIssue>& issues);
  void WaitForLinks();
  absl::Status PollLinks(std::vector<int64_t>& queued, size_t& first, bool every);
  std::string BatchId(int64_t number) const {
    return absl::StrCat(summary_.batch_prefix, "-", number);
  }

  // Converts `raw` cells into `cells_` as UTF-8; returns the first cell that is not valid in the
  // input's encoding.
  std::optional<size_t> ToUtf8(const std::vector<std::string>& raw);
  void RejectLocally(int64_t line, std::string column, std::string field, const std::string& reason,
                     const std::string& message, const std::string& summary_key,
                     std::vector<std::string> row);
  // Calls `call` until it succeeds, fails for good, runs out of attempts, or the import is
  // cancelled while waiting to retry.
  template <typename Call>
  decltype(std::declval<Call&>()()) WithRetries(Call call);
  void Sleep(std::chrono::milliseconds duration);
  bool IsCancelled() const;
  absl::Status CheckCancelled();
  void Draw(bool force);

  BatchSender* sender_;
  ImportOptions options_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ImportSummary summary_;
  bool jsonl_ = false;
  bool gb18030_ = false;
  std::string encoding_flag_;
  // CSV only: the mapping, its deterministic bytes (part of the batch identity) and the header
  // of each field (for the rejects file and the reasons).
  std::optional<mapping::RecordMapper> mapper_;
  std::string mapping_bytes_;
  std::map<std::string, std::string> header_of_field_;
  FileFacts facts_;

  std::ifstream in_;
  std::optional<common::CsvReader> csv_;
  std::optional<common::EncodingConverter> to_utf8_;
  mapping::RecordMapper::ColumnIndex column_index_;
  std::optional<RejectsWriter> rejects_;
  std::vector<std::string> raw_;
  std::vector<std::string> cells_;
  std::vector<std::string> header_utf8_;

  ProgressBar bar_;
  int64_t bytes_read_ = 0;
  SubmitBatchRequest request_;
  std::vector<PendingRow> pending_;
  // Per batch, in order: the records ingest stored and forwarded to match-service.
  std::vector<int64_t> forwarded_;
};

absl::StatusOr<ImportSummary> ImportRun::Execute() {
  RETURN_IF_ERROR(CheckOptions());
  RETURN_IF_ERROR(LoadMapping());
  RETURN_IF_ERROR(DescribeInput());
  RETURN_IF_ERROR(OpenInput());
  request_.set_agency(options_.agency);
  pending_.reserve(static_cast<size_t>(options_.batch_size));
  RETURN_IF_ERROR(jsonl_ ? ReadJsonLines() : ReadCsvRows());
  RETURN_IF_ERROR(SendBatch());
  Draw(true);
  bar_.Finish();
  RETURN_IF_ERROR(rejects_->Commit());
  summary_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  WaitForLinks();
  return summary_;
}

absl::Status ImportRun::CheckOptions() {
  if (options_.agency.empty()) return absl::InvalidArgumentError("import needs --agency");
  if (options_.file.empty()) return absl::InvalidArgumentError("import needs --file");
  if (options_.batch_size < 1 || options_.batch_size > options_.max_batch_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch-size must be between 1 and ", options_.max_batch_size));
  }
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.wait_linked < std::chrono::milliseconds::zero()) {
    return absl::InvalidArgumentError("--wait-linked-s must not be negative");
  }
  if (options_.clock == nullptr) options_.clock = common::Clock::Real();
  jsonl_ = absl::EndsWith(options_.file, ".jsonl");
  encoding_flag_ = absl::AsciiStrToLower(options_.encoding);
  if (encoding_flag_ != "auto" && encoding_flag_ != "utf-8" && encoding_flag_ != "gb18030") {
    return absl::InvalidArgumentError("--encoding must be auto, utf-8 or gb18030");
  }
  if (jsonl_ && encoding_flag_ == "gb18030") {
    return absl::InvalidArgumentError("JSON Lines files are UTF-8; --encoding gb18030 is wrong");
  }
  if (!jsonl_ && options_.mapping_file.empty()) {
    return absl::InvalidArgumentError("importing a CSV file needs --mapping FILE");
  }
  return absl::OkStatus();
}

absl::Status ImportRun::LoadMapping() {
  if (jsonl_) return absl::OkStatus();
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

// Scans the file: its size, its encoding, and the batch ids and rejects file that follow.
absl::Status ImportRun::DescribeInput() {
  ASSIGN_OR_RETURN(facts_, ScanFile(options_.file));
  summary_.bytes = facts_.bytes;
  if (jsonl_) {
    summary_.encoding = "utf-8";
  } else if (encoding_flag_ != "auto") {
    summary_.encoding = encoding_flag_;
  } else if (IsAscii(facts_.head)) {
    // Nothing to tell the encodings apart by (yet): trust the mapping.
    summary_.encoding = mapper_->encoding();
  } else {
    std::string_view head = facts_.head;
    if (facts_.bytes > static_cast<int64_t>(head.size())) head = TrimCutUtf8(head);
    summary_.encoding = std::string(common::DetectEncoding(head));
  }
  gb18030_ = summary_.encoding == "gb18030";

  Sha256 identity;
  identity.Update(facts_.sha256_hex);
  identity.Update(absl::StrCat("\nbatch_size=", options_.batch_size, "\nmapping="));
  identity.Update(mapping_bytes_);
  summary_.batch_prefix =
      options_.batch_prefix.empty()
          ? DefaultBatchPrefix(options_.agency, options_.file, identity.HexDigest())
          : options_.batch_prefix;
  summary_.rejects_file =
      options_.rejects_file.empty() ? options_.file + ".rejects.csv" : options_.rejects_file;
  return absl::OkStatus();
}

absl::Status ImportRun::OpenInput() {
  in_.open(options_.file, std::ios::binary);
  if (!in_) return absl::NotFoundError(absl::StrCat("cannot read ", options_.file));
  rejects_.emplace(summary_.rejects_file, gb18030_);
  if (jsonl_) return rejects_->Open({"record"});
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

// Reads the header row, indexes the mapping's columns in it and starts the rejects file with it.
absl::Status ImportRun::OpenCsvHeader() {
  ASSIGN_OR_RETURN(bool has_header, csv_->ReadRow(&raw_));
  if (!has_header) {
    return absl::InvalidArgumentError(absl::StrCat(options_.file, " has no header row"));
  }
  if (std::optional<size_t> bad = ToUtf8(raw_)) {
    if (gb18030_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the header row of ", options_.file, " is not valid GB18030 (column ", *bad + 1, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat("the header row of ", options_.file,
                                                   " is not valid UTF-8 (column ", *bad + 1,
                                                   "); try --encoding gb18030"));
  }
  ASSIGN_OR_RETURN(column_index_, mapper_->IndexHeaders(cells_));
  header_utf8_ = cells_;
  return rejects_->Open(raw_);
}

std::optional<size_t> ImportRun::ToUtf8(const std::vector<std::string>& raw) {
  cells_.resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (gb18030_) {
      cells_[i].clear();
      if (!to_utf8_->Convert(raw[i], &cells_[i]).ok()) return i;
    } else if (!common::IsValidUtf8(raw[i])) {
      return i;
    } else {
      cells_[i] = raw[i];
    }
  }
  return std::nullopt;
}

absl::Status ImportRun::ReadJsonLines() {
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in_, line)) {
    RETURN_IF_ERROR(CheckCancelled());
    ++line_number;
    bytes_read_ += static_cast<int64_t>(line.size()) + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    ++summary_.rows;
    records::v1::Record* record = request_.add_records();
    auto st = google::protobuf::util::JsonStringToMessage(line, record);
    if (!st.ok()) {
      request_.mutable_records()->RemoveLast();
      RejectLocally(line_number, "", "", "NOT_A_RECORD", st.ToString(),
                    "read ERROR line is not a lifeline.records.v1.Record in JSON", {line});
    } else {
      RETURN_IF_ERROR(AddToBatch(line_number, {line}));
    }
    Draw(false);
  }
  if (in_.bad()) return absl::UnavailableError(absl::StrCat("error reading ", options_.file));
  return absl::OkStatus();
}

absl::Status ImportRun::ReadCsvRows() {
  while (true) {
    RETURN_IF_ERROR(CheckCancelled());
    ASSIGN_OR_RETURN(bool more, csv_->ReadRow(&raw_));
    if (!more) return absl::OkStatus();
    ++summary_.rows;
    RETURN_IF_ERROR(AddCsvRow());
    raw_.clear();
    Draw(false);
  }
}

// Maps the row just read into the batch, or rejects it when a cell is not in the input's
// encoding or the mapper refuses it.
absl::Status ImportRun::AddCsvRow() {
  const int64_t line = csv_->row_line();
  if (std::optional<size_t> bad = ToUtf8(raw_)) {
    const std::string bad_column =
        *bad < header_utf8_.size() ? header_utf8_[*bad] : absl::StrCat("#", *bad + 1);
    const std::string message =
        absl::StrCat("column '", bad_column, "' is not valid ", gb18030_ ? "GB18030" : "UTF-8");
    RejectLocally(line, bad_column, "", "ENCODING", message, absl::StrCat("read ERROR ", message),
                  std::move(raw_));
    return absl::OkStatus();
  }
  records::v1::Record* record = request_.add_records();
  absl::Status mapped = mapper_->MapRow(column_index_, cells_, record);
  if (!mapped.ok()) {
    request_.mutable_records()->RemoveLast();
    std::string column, field;
    ParseMapperError(mapped.message(), &column, &field);
    RejectLocally(line, column, field, column.empty() ? "ROW_SHAPE" : "BAD_VALUE",
                  std::string(mapped.message()), absl::StrCat("read ERROR ", mapped.message()),
                  std::move(raw_));
    return absl::OkStatus();
  }
  return AddToBatch(line, std::move(raw_));
}

// Keeps the row of the record just added to the batch; sends the batch when it is full.
absl::Status ImportRun::AddToBatch(int64_t line, std::vector<std::string> cells) {
  pending_.push_back({line, std::move(cells)});
  if (request_.records_size() == options_.batch_size) return SendBatch();
  return absl::OkStatus();
}

void ImportRun::RejectLocally(int64_t line, std::string column, std::string field,
                              const std::string& reason, const std::string& message,
                              const std::string& summary_key, std::vector<std::string> row) {
  ++summary_.rejected_locally;
  ++summary_.reasons[summary_key];
  rejects_->Write(line, "read", column, field, reason, message, row);
}

// Sends the batch being built (if any), counts ingest's answer and writes its rejected rows.
absl::Status ImportRun::SendBatch() {
  if (request_.records_size() == 0) return absl::OkStatus();
  ++summary_.batches;
  request_.set_batch_id(BatchId(summary_.batches));
  const absl::Time sent_at = absl::Now();
  absl::StatusOr<SubmitBatchResponse> submitted =
      WithRetries([&] { return sender_->SubmitBatch(request_); });
  if (!submitted.ok()) {
    return absl::Status(
        submitted.status().code(),
        absl::StrCat("batch ", request_.batch_id(), ": ", submitted.status().message(),
                     summary_.batches > 1 ? absl::StrCat(" (batches 1 to ", summary_.batches - 1,
                                                         " are stored; the same command resumes)")
                                          : ""));
  }
  summary_.sent += request_.records_size();
  CountOutcomes(*submitted, sent_at);
  ASSIGN_OR_RETURN(std::vector<RecordIssue> issues, AllIssues(*submitted));
  WriteIngestRejects(*submitted, issues);
  request_.clear_records();
  pending_.clear();
  return absl::OkStatus();
}

void ImportRun::CountOutcomes(const SubmitBatchResponse& response, absl::Time sent_at) {
  const ingest::v1::Batch& batch = response.batch();
  summary_.accepted += batch.accepted_count();
  summary_.warnings += batch.warning_count();
  summary_.rejected_by_ingest += batch.rejected_count();
  summary_.unchanged += batch.unchanged_count();
  summary_.retracted += batch.retracted_count();
  forwarded_.push_back(int64_t{batch.accepted_count()} + batch.retracted_count());
  // received_time has whole seconds; a second of slack allows for clocks that disagree a little.
  absl::Time received;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, batch.received_time(), &received, &error) &&
      received < absl::FromUnixSeconds(absl::ToUnixSeconds(sent_at)) - absl::Seconds(1)) {
    ++summary_.batches_stored_before;
  }
}

// The response's issues, or, when it holds as many as a response can, every page of
// ListRejections.
absl::StatusOr<std::vector<RecordIssue>> ImportRun::AllIssues(const SubmitBatchResponse& response) {
  if (response.issues_size() < kIssuesInResponse) {
    return std::vector<RecordIssue>(response.issues().begin(), response.issues().end());
  }
  std::vector<RecordIssue> issues;
  ListRejectionsRequest list;
  list.set_agency(options_.agency);
  list.set_batch_id(request_.batch_id());
  list.set_page_size(kRejectionsPageSize);
  do {
    ASSIGN_OR_RETURN(ListRejectionsResponse page,
                     WithRetries([&] { return sender_->ListRejections(list); }));
    issues.insert(issues.end(), page.issues().begin(), page.issues().end());
    if (!page.next_page_token().empty() && page.next_page_token() == list.page_token()) {
      return absl::InternalError("ListRejections returned the same page token twice");
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return issues;
}

// Counts every issue by reason and writes each rejected record's row with its errors.
void ImportRun::WriteIngestRejects(const SubmitBatchResponse& response,
                                   const std::vector<RecordIssue>& issues) {
  std::map<int32_t, std::vector<const RecordIssue*>> errors;
  for (const RecordIssue& issue : issues) {
    std::string column;
    if (auto it = header_of_field_.find(issue.field()); it != header_of_field_.end()) {
      column = absl::StrCat(" (", it->second, ")");
    }
    ++summary_.reasons[absl::StrCat("ingest ", ShortSeverity(issue.severity()), " ", issue.field(),
                                    column, " ", issue.reason())];
    if (issue.severity() == ingest::v1::SEVERITY_ERROR) {
      errors[issue.record_index()].push_back(&issue);
    }
  }
  for (const ingest::v1::RecordOutcome& outcome : response.outcomes()) {
    if (outcome.result() != ingest::v1::RECORD_RESULT_REJECTED) continue;
    if (outcome.record_index() < 0 ||
        static_cast<size_t>(outcome.record_index()) >= pending_.size()) {
      continue;
    }
    const PendingRow& row = pending_[static_cast<size_t>(outcome.record_index())];
    std::vector<std::string> columns, fields, reasons, messages;
    for (const RecordIssue* issue : errors[outcome.record_index()]) {
      auto it = header_of_field_.find(issue->field());
      columns.push_back(it == header_of_field_.end() ? "" : it->second);
      fields.push_back(issue->field());
      reasons.push_back(issue->reason());
      messages.push_back(issue->message());
    }
    if (reasons.empty()) reasons.push_back("REJECTED");
    rejects_->Write(row.line, "ingest", absl::StrJoin(columns, "; "), absl::StrJoin(fields, "; "),
                    absl::StrJoin(reasons, "; "), absl::StrJoin(messages, "; "), row.cells);
  }
}

// Waits, after the last batch, until match-service has linked every record the import's batches
// stored, or wait_linked runs out. Ingest sends its queue oldest first, so a round polls the
// batches in order and stops at the first one with records still queued; the later ones keep
// their last count (at first: all their records). A wait that ends before all are linked polls
// every batch not yet linked once more, so that the count it reports is exact.
void ImportRun::WaitForLinks() {
  if (options_.wait_linked <= std::chrono::milliseconds::zero()) return;
  const int64_t stored = summary_.accepted + summary_.retracted;
  const absl::Time started = options_.clock->Now();
  const absl::Time deadline = started + absl::FromChrono(options_.wait_linked);
  std::vector<int64_t> queued = forwarded_;
  size_t first = 0;  // the batches before it are linked
  auto left = [&] {
    int64_t sum = 0;
    for (size_t i = first; i < queued.size(); ++i) sum += queued[i];
    return sum;
  };
  ProgressBar bar(options_.progress ? *options_.progress : std::cerr, options_.progress != nullptr);
  LinkWait outcome = LinkWait::kAllLinked;
  while (true) {
    if (absl::Status polled = PollLinks(queued, first, /*every=*/false); !polled.ok()) {
      outcome = polled.code() == absl::StatusCode::kUnimplemented ? LinkWait::kNotReported
                : polled.code() == absl::StatusCode::kCancelled   ? LinkWait::kInterrupted
                                                                  : LinkWait::kFailed;
      summary_.link_error = std::string(polled.message());
      break;
    }
    bar.Update("linked", stored - left(), stored,
               absl::StrCat(ProgressBar::Thousands(left()), " still queued for match-service"));
    if (left() == 0) break;
    if (IsCancelled()) {
      outcome = LinkWait::kInterrupted;
      break;
    }
    const absl::Time now = options_.clock->Now();
    if (now >= deadline) {
      outcome = LinkWait::kTimedOut;
      break;
    }
    Sleep(std::min(options_.linked_poll,
                   absl::ToChronoMilliseconds(deadline - now) + std::chrono::milliseconds(1)));
  }
  if (outcome == LinkWait::kTimedOut || outcome == LinkWait::kInterrupted) {
    // Best effort: when it fails, the last round's counts stand.
    PollLinks(queued, first, /*every=*/true).IgnoreError();
  }
  bar.Finish();
  summary_.link_wait = outcome;
  summary_.not_linked = left();
  summary_.link_wait_seconds = absl::ToDoubleSeconds(options_.clock->Now() - started);
}

// Polls GetBatch for the batches from `first` on, in order, into `queued` (at most what each
// stored: a batch from before ingest counted per batch reports an upper bound), and moves `first`
// past those with nothing queued. Stops at the first batch with records still queued unless
// `every`. Errors: GetBatch's after retries (Cancelled when interrupted while waiting to retry);
// Unimplemented when ingest does not report match_queued_count.
absl::Status ImportRun::PollLinks(std::vector<int64_t>& queued, size_t& first, bool every) {
  for (size_t i = first; i < queued.size(); ++i) {
    if (queued[i] > 0) {
      GetBatchRequest get;
      get.set_agency(options_.agency);
      get.set_batch_id(BatchId(static_cast<int64_t>(i) + 1));
      ASSIGN_OR_RETURN(ingest::v1::Batch batch,
                       WithRetries([&] { return sender_->GetBatch(get); }));
      if (!batch.has_match_queued_count()) {
        return absl::UnimplementedError(
            "this ingest-service does not say when its records are linked");
      }
      queued[i] = std::min<int64_t>(batch.match_queued_count(), forwarded_[i]);
    }
    if (queued[i] == 0) {
      if (i == first) ++first;
    } else if (!every) {
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

template <typename Call>
decltype(std::declval<Call&>()()) ImportRun::WithRetries(Call call) {
  std::chrono::milliseconds backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    if (result.ok() || !Retryable(result.status()) || attempt >= options_.max_attempts) {
      return result;
    }
    Sleep(backoff);
    if (IsCancelled()) {
      return absl::CancelledError(
          absl::StrCat("interrupted while waiting to retry after: ", result.status().message()));
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

void ImportRun::Sleep(std::chrono::milliseconds duration) {
  if (options_.sleep) {
    options_.sleep(duration);
    return;
  }
  // In slices, so that Ctrl-C does not wait out a backoff of up to 30 s.
  const auto until = std::chrono::steady_clock::now() + duration;
  for (auto now = std::chrono::steady_clock::now(); now < until && !IsCancelled();
       now = std::chrono::steady_clock::now()) {
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(kCancelledCheckInterval, until - now));
  }
}

bool ImportRun::IsCancelled() const {
  return options_.cancelled != nullptr && options_.cancelled->load();
}

absl::Status ImportRun::CheckCancelled() {
  if (!IsCancelled()) return absl::OkStatus();
  bar_.Finish();
  return absl::CancelledError(absl::StrCat("interrupted after ", summary_.batches,
                                           " batches were stored; the same command resumes"));
}

void ImportRun::Draw(bool force) {
  if (options_.progress == nullptr) return;
  if (!force && summary_.rows % 256 != 0) return;
  if (!jsonl_) {
    const std::streamoff pos = in_.tellg();
    bytes_read_ = pos < 0 ? facts_.bytes : static_cast<int64_t>(pos);
  }
  bar_.Update("import", force ? facts_.bytes : bytes_read_, facts_.bytes,
              absl::StrCat(ProgressBar::Thousands(summary_.rows), " rows, ",
                           ProgressBar::Thousands(summary_.batches), " batches"));
}

}  // namespace

Importer::Importer(BatchSender* sender, ImportOptions options)
    : sender_(sender), options_(std::move(options)) {}

absl::StatusOr<ImportSummary> Importer::Run() { return ImportRun(sender_, options_).Execute(); }

namespace {

// The summary's line about links, when the import waited for them.
void PrintLinks(const ImportSummary& s, std::ostream& out) {
  using T = ProgressBar;
  const int64_t stored = s.accepted + s.retracted;
  const int64_t linked = stored - s.not_linked;
  switch (s.link_wait) {
    case LinkWait::kNotWaited:
      return;
    case LinkWait::kAllLinked:
      if (stored == 0) {
        out << "linked: no record stored, none to link\n";
      } else {
        out << absl::StrFormat(
            "linked: all %s stored records applied by match-service, %.1f s after the last batch\n",
            T::Thousands(stored), s.link_wait_seconds);
      }
      return;
    case LinkWait::kTimedOut:
      out << absl::StrFormat(
          "linked: %s of %s stored records; still queued: %s after waiting %.1f s (ingest keeps "
          "sending them to match-service)\n",
          T::Thousands(linked), T::Thousands(stored), T::Thousands(s.not_linked),
          s.link_wait_seconds);
      return;
    case LinkWait::kInterrupted:
      out << absl::StrFormat(
          "linked: %s of %s stored records; still queued: %s when interrupted after %.1f s\n",
          T::Thousands(linked), T::Thousands(stored), T::Thousands(s.not_linked),
          s.link_wait_seconds);
      return;
    case LinkWait::kNotReported:
    case LinkWait::kFailed:
      out << absl::StrFormat("linked: not known (%s); %s records stored\n", s.link_error,
                             T::Thousands(stored));
      return;
  }
}

}  // namespace

void PrintImportSummary(const ImportSummary& s, std::ostream& out) {
  using T = ProgressBar;
  const std::string ids = s.batches == 0 ? "no batches"
                          : s.batches == 1
                              ? absl::StrCat("batch ", s.batch_prefix, "-1")
                              : absl::StrCat("batches ", s.batch_prefix, "-1 .. -", s.batches);
  out << absl::StrFormat("%s (%s, %s bytes)\n", ids, s.encoding, T::Thousands(s.bytes));
  out << absl::StrFormat(
      "rows %s: sent %s, accepted %s (%s with warnings), rejected %s locally and %s by ingest, "
      "%s unchanged",
      T::Thousands(s.rows), T::Thousands(s.sent), T::Thousands(s.accepted),
      T::Thousands(s.warnings), T::Thousands(s.rejected_locally),
      T::Thousands(s.rejected_by_ingest), T::Thousands(s.unchanged));
  if (s.retracted > 0) out << absl::StrFormat(", %s retracted", T::Thousands(s.retracted));
  out << "\n";
  out << absl::StrFormat("%s batch%s", T::Thousands(s.batches), s.batches == 1 ? "" : "es");
  if (s.batches_stored_before > 0) {
    out << absl::StrFormat(
        " (%s already stored by an earlier run: nothing new, counts as first answered)",
        T::Thousands(s.batches_stored_before));
  }
  out << absl::StrFormat(
      ", %.1f s, %s rows/s\n", s.seconds,
      T::Thousands(s.seconds > 0 ? static_cast<int64_t>(s.rows / s.seconds) : s.rows));
  PrintLinks(s, out);
  for (const auto& [reason, count] : s.reasons) {
    out << absl::StrFormat("    %8s  %s\n", T::Thousands(count), reason);
  }
  const int64_t rejected = s.rejected_locally + s.rejected_by_ingest;
  if (rejected > 0) {
    out << absl::StrFormat("%s rejected rows, with reasons, in %s\n", T::Thousands(rejected),
                           s.rejects_file);
  } else {
    out << "no rejected rows (" << s.rejects_file << " has the header only)\n";
  }
}

}  // namespace lifeline::tools
