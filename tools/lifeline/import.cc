#include "tools/lifeline/import.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

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

#include "common/csv/csv_writer.h"
#include "common/csv/encoding.h"
#include "common/status/status_macros.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/lifeline/record_file_reader.h"
#include "tools/lifeline/staged_csv_file.h"
#include "tools/progress/progress_bar.h"

namespace lifeline::tools {
namespace {

using ingest::v1::GetBatchRequest;
using ingest::v1::ListRejectionsRequest;
using ingest::v1::ListRejectionsResponse;
using ingest::v1::RecordIssue;
using ingest::v1::SubmitBatchRequest;
using ingest::v1::SubmitBatchResponse;

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
    sha.Update(std::string_view(chunk.data(), got));
    facts.bytes += static_cast<int64_t>(got);
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading ", path));
  facts.sha256_hex = sha.HexDigest();
  return facts;
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
    if (!gb18030_ || common::IsAscii(utf8)) return utf8;
    absl::StatusOr<std::string> converted = common::Utf8ToGb18030(utf8);
    return converted.ok() ? *converted : utf8;
  }
  StagedCsvFile file_;
  bool gb18030_;
  int64_t rows_ = 0;
};

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

// One run of Importer::Run: its named steps (check the options, open the input, describe it,
// read rows into batches, send a batch and write its rejects, summarize) and the state they
// share. Not thread-safe.
class ImportRun {
 public:
  ImportRun(BatchSender* sender, ImportOptions options)
      : sender_(sender),
        options_(std::move(options)),
        bar_(options_.progress ? *options_.progress : std::cerr, options_.progress != nullptr) {}

  absl::StatusOr<ImportSummary> Execute();

 private:
  absl::Status CheckOptions();
  absl::Status OpenInput();
  absl::Status DescribeInput();
  absl::Status ReadRows();
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

  void RejectLocally(const RecordFileRow& row, const RowProblem& problem);
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
  FileFacts facts_;
  std::unique_ptr<RecordFileReader> reader_;
  std::optional<RejectsWriter> rejects_;

  ProgressBar bar_;
  SubmitBatchRequest request_;
  std::vector<PendingRow> pending_;
  // Per batch, in order: the records ingest stored and forwarded to match-service.
  std::vector<int64_t> forwarded_;
};

absl::StatusOr<ImportSummary> ImportRun::Execute() {
  RETURN_IF_ERROR(CheckOptions());
  RETURN_IF_ERROR(OpenInput());
  RETURN_IF_ERROR(DescribeInput());
  request_.set_agency(options_.agency);
  pending_.reserve(static_cast<size_t>(options_.batch_size));
  RETURN_IF_ERROR(ReadRows());
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
  if (!absl::EndsWith(options_.file, ".jsonl") && options_.mapping_file.empty()) {
    return absl::InvalidArgumentError("importing a CSV file needs --mapping FILE");
  }
  return absl::OkStatus();
}

// Opens the file through its mapping (CSV): its encoding and header row.
absl::Status ImportRun::OpenInput() {
  RecordFileOptions file;
  file.agency = options_.agency;
  file.file = options_.file;
  file.mapping_file = options_.mapping_file;
  file.encoding = options_.encoding;
  ASSIGN_OR_RETURN(reader_, RecordFileReader::Open(std::move(file)));
  summary_.encoding = reader_->encoding();
  return absl::OkStatus();
}

// Scans the file for its size and SHA-256: the batch ids and the rejects file follow.
absl::Status ImportRun::DescribeInput() {
  ASSIGN_OR_RETURN(facts_, ScanFile(options_.file));
  summary_.bytes = facts_.bytes;
  Sha256 identity;
  identity.Update(facts_.sha256_hex);
  identity.Update(absl::StrCat("\nbatch_size=", options_.batch_size, "\nmapping="));
  identity.Update(reader_->mapping_bytes());
  summary_.batch_prefix =
      options_.batch_prefix.empty()
          ? DefaultBatchPrefix(options_.agency, options_.file, identity.HexDigest())
          : options_.batch_prefix;
  summary_.rejects_file =
      options_.rejects_file.empty() ? options_.file + ".rejects.csv" : options_.rejects_file;
  rejects_.emplace(summary_.rejects_file, reader_->encoding() == "gb18030");
  return rejects_->Open(reader_->header_as_read());
}

// Reads every row into batches; a row that cannot be read or mapped goes to the rejects file.
absl::Status ImportRun::ReadRows() {
  RecordFileRow row;
  while (true) {
    RETURN_IF_ERROR(CheckCancelled());
    ASSIGN_OR_RETURN(bool more, reader_->Next(&row));
    if (!more) return absl::OkStatus();
    ++summary_.rows;
    std::optional<RowProblem> problem = std::move(row.problem);
    if (!problem.has_value()) {
      problem = reader_->Parse(row, request_.add_records());
      if (problem.has_value()) request_.mutable_records()->RemoveLast();
    }
    if (problem.has_value()) {
      RejectLocally(row, *problem);
    } else {
      // The cells as read, moved: Next fills the row afresh.
      RETURN_IF_ERROR(AddToBatch(
          row.line, std::move(row.gb18030_cells.empty() ? row.cells : row.gb18030_cells)));
    }
    Draw(false);
  }
}

// Keeps the row of the record just added to the batch; sends the batch when it is full.
absl::Status ImportRun::AddToBatch(int64_t line, std::vector<std::string> cells) {
  pending_.push_back({line, std::move(cells)});
  if (request_.records_size() == options_.batch_size) return SendBatch();
  return absl::OkStatus();
}

void ImportRun::RejectLocally(const RecordFileRow& row, const RowProblem& problem) {
  ++summary_.rejected_locally;
  // A JSON parser's message may quote the line: it stays out of the summary.
  ++summary_.reasons[problem.reason == "NOT_A_RECORD"
                         ? "read ERROR line is not a lifeline.records.v1.Record in JSON"
                         : absl::StrCat("read ERROR ", problem.message)];
  rejects_->Write(row.line, "read", problem.column, problem.field, problem.reason, problem.message,
                  row.as_read());
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
    if (auto it = reader_->header_of_field().find(issue.field());
        it != reader_->header_of_field().end()) {
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
      auto it = reader_->header_of_field().find(issue->field());
      columns.push_back(it == reader_->header_of_field().end() ? "" : it->second);
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
  bar_.Update("import", force ? facts_.bytes : reader_->bytes_read(), facts_.bytes,
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
