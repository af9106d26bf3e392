#include "tests/e2e/ingest_checks.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

#include "common/csv/csv_reader.h"
#include "common/status/status_macros.h"

namespace lifeline::e2e {
namespace {

constexpr auto kToolTimeout = std::chrono::seconds(120);
constexpr auto kPollInterval = std::chrono::milliseconds(100);

// Returns the value after "<key>=" in `line` up to the next space ("" when absent).
std::string FieldOf(absl::string_view line, absl::string_view key) {
  const std::string needle = absl::StrCat(" ", key, "=");
  const size_t at = line.find(needle);
  if (at == absl::string_view::npos) return "";
  const size_t start = at + needle.size();
  const size_t end = line.find(' ', start);
  return std::string(line.substr(start, end == absl::string_view::npos ? line.npos : end - start));
}

// GB 11643: the check character of the first 17 digits.
char CheckCharacter(absl::string_view digits17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (digits17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

// Returns `id` with its sequence digits 15–16 moved by `copy`, for a valid 18-digit number;
// anything else (missing, legacy or damaged numbers) unchanged.
std::string OtherPersonsId(const std::string& id, int copy) {
  if (id.size() != 18) return id;
  for (size_t i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) return id;
  }
  if (CheckCharacter(id) != id[17]) return id;
  const int sequence = (id[14] - '0') * 10 + (id[15] - '0');
  const int moved = (sequence + 37 * copy) % 100;
  std::string other = id;
  other[14] = static_cast<char>('0' + moved / 10);
  other[15] = static_cast<char>('0' + moved % 10);
  other[17] = CheckCharacter(other);
  return other;
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::vector<RecordLine>>> GenerateLargestAgency(
    const std::string& out_dir, int persons, int seed, const std::string& log_path) {
  ASSIGN_OR_RETURN(ToolRun run,
                   RunTool("lifeline-datagen",
                           {"--out", out_dir, "--persons", absl::StrCat(persons), "--seed",
                            absl::StrCat(seed), "--format", "jsonl", "--progress", "off"},
                           log_path, kToolTimeout));
  if (run.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("lifeline-datagen exited ", run.exit_code, "\n", run.output));
  }
  std::string best_agency;
  std::vector<RecordLine> best;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir + "/jsonl")) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::vector<RecordLine> lines;
    for (absl::string_view line : absl::StrSplit(ReadFile(file.string()), '\n')) {
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      RecordLine& parsed = lines.emplace_back();
      parsed.json = std::string(line);
      auto st = google::protobuf::util::JsonStringToMessage(parsed.json, &parsed.record);
      if (!st.ok()) {
        return absl::InternalError(absl::StrCat(file.string(), ": not a Record: ", st.ToString()));
      }
    }
    if (lines.size() > best.size()) {
      best = std::move(lines);
      best_agency = file.stem().string();
    }
  }
  if (best.empty()) return absl::InternalError("lifeline-datagen wrote no records");
  return std::make_pair(best_agency, std::move(best));
}

absl::Status WriteCopies(const std::vector<RecordLine>& records, int copies,
                         const std::string& path, int first_copy) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  for (int copy = first_copy; copy < first_copy + copies; ++copy) {
    for (const RecordLine& line : records) {
      if (copy == 0) {
        out << line.json << "\n";
        continue;
      }
      records::v1::Record record = line.record;
      record.set_source_record_id(absl::StrCat(record.source_record_id(), "-c", copy));
      if (record.has_person()) {
        record.mutable_person()->set_id_number(OtherPersonsId(record.person().id_number(), copy));
      }
      std::string json;
      auto st = google::protobuf::util::MessageToJsonString(record, &json, options);
      if (!st.ok()) return absl::InternalError(st.ToString());
      out << json << "\n";
    }
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::optional<ImportTotals> ParseImportSummary(const std::string& output) {
  ImportTotals totals;
  bool rows = false;
  bool batches = false;
  for (absl::string_view raw : absl::StrSplit(output, '\n')) {
    const std::string line = absl::StrReplaceAll(raw, {{",", ""}});
    long long r = 0, s = 0, a = 0, w = 0, l = 0, i = 0, u = 0;
    if (std::sscanf(line.c_str(),
                    "rows %lld: sent %lld accepted %lld (%lld with warnings) rejected %lld locally "
                    "and %lld by ingest %lld unchanged",
                    &r, &s, &a, &w, &l, &i, &u) == 7) {
      totals.rows = r;
      totals.sent = s;
      totals.accepted = a;
      totals.warnings = w;
      totals.rejected_locally = l;
      totals.rejected_by_ingest = i;
      totals.unchanged = u;
      long long t = 0;
      const size_t retracted = line.find(" unchanged ");
      if (retracted != std::string::npos &&
          std::sscanf(line.c_str() + retracted, " unchanged %lld retracted", &t) == 1) {
        totals.retracted = t;
      }
      rows = true;
      continue;
    }
    if (absl::StartsWith(line, "linked: all ")) {
      totals.not_linked = 0;
      continue;
    }
    if (const size_t queued = line.find("still queued: ");
        absl::StartsWith(line, "linked: ") && queued != std::string::npos) {
      long long k = 0;
      if (std::sscanf(line.c_str() + queued, "still queued: %lld", &k) == 1) totals.not_linked = k;
      continue;
    }
    long long b = 0, before = 0;
    char word[16] = {};
    // "<N> batch[es][ (<K> already stored by an earlier run: ...)], <T> s, <R> rows/s"
    if (std::sscanf(line.c_str(), "%lld %15s", &b, word) == 2 && absl::StartsWith(word, "batch")) {
      totals.batches = b;
      const size_t paren = line.find('(');
      if (paren != std::string::npos &&
          std::sscanf(line.c_str() + paren, "(%lld already stored", &before) == 1) {
        totals.stored_before = before;
      }
      batches = true;
    }
  }
  if (!rows || !batches) return std::nullopt;
  return totals;
}

IngestLogBatches ParseIngestLog(const std::string& log_text, size_t from) {
  IngestLogBatches batches;
  if (from >= log_text.size()) return batches;
  for (absl::string_view line : absl::StrSplit(absl::string_view(log_text).substr(from), '\n')) {
    if (!absl::StrContains(line, " rpc=SubmitBatch ") &&
        !absl::StrContains(line, " rpc=StreamRecords ")) {
      continue;
    }
    // A batch's answer has its record count; StreamRecords' progress lines have none.
    const std::string batch_id = FieldOf(line, "batch_id");
    if (batch_id.empty() || FieldOf(line, "records").empty()) continue;
    if (FieldOf(line, "replayed") == "true") {
      batches.replayed.push_back(batch_id);
    } else {
      batches.stored.push_back(batch_id);
    }
  }
  return batches;
}

absl::StatusOr<std::set<int64_t>> RejectedLines(const std::string& path) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError(absl::StrCat("no ", path));
  ASSIGN_OR_RETURN(auto rows, common::ParseCsv(ReadFile(path)));
  if (rows.empty() || rows[0].empty() || rows[0][0] != "import_line") {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an import rejects file"));
  }
  std::set<int64_t> lines;
  for (size_t i = 1; i < rows.size(); ++i) {
    int64_t line = 0;
    if (rows[i].empty() || !absl::SimpleAtoi(rows[i][0], &line)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": row ", i + 1, " has no line"));
    }
    lines.insert(line);
  }
  return lines;
}

absl::StatusOr<LinkCounts> ExportLinks(Suite& suite, const std::string& path,
                                       const std::string& log_path) {
  ASSIGN_OR_RETURN(ToolRun run, RunTool("lifeline",
                                        {"export", "links", "--match",
                                         suite.Target("match-service"), "--out", path},
                                        log_path, kToolTimeout));
  if (run.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("export links exited ", run.exit_code, "\n", run.output));
  }
  ASSIGN_OR_RETURN(auto rows, common::ParseCsv(ReadFile(path)));
  if (rows.empty() ||
      rows[0] != std::vector<std::string>{"agency", "source_record_id", "person_id"}) {
    return absl::InternalError(absl::StrCat(path, " is not a links export"));
  }
  LinkCounts counts;
  std::set<std::pair<std::string, std::string>> records;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() != 3) return absl::InternalError(absl::StrCat(path, ": bad row ", i + 1));
    ++counts.rows;
    records.emplace(rows[i][0], rows[i][1]);
  }
  counts.records = static_cast<int64_t>(records.size());
  return counts;
}

std::string IngestDb(const Suite& suite) { return suite.dir() + "/ingest/ingest.db"; }

absl::Status WaitForIngestOutboxEmpty(Suite& suite, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  absl::StatusOr<int64_t> rows = absl::UnknownError("not read yet");
  double gauge = -1;
  while (true) {
    rows = QueryInt(IngestDb(suite), "SELECT COUNT(*) FROM outbox");
    const std::string metrics = suite.Metrics("ingest-service");
    gauge = metrics.empty() ? -1 : MetricSum(metrics, "lifeline_ingest_outbox_pending");
    if (rows.ok() && *rows == 0 && gauge == 0) return absl::OkStatus();
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "ingest's outbox did not empty within ", timeout.count(),
      " ms: ", rows.ok() ? absl::StrCat(*rows, " rows") : std::string(rows.status().message()),
      " in the outbox table, lifeline_ingest_outbox_pending ", gauge));
}

}  // namespace lifeline::e2e
