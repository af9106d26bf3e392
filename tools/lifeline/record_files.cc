#include "tools/lifeline/record_files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include <openssl/rand.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/config/flags.h"
#include "common/records/agencies.h"
#include "common/status/status_macros.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/domain/sealed_record.h"
#include "ingest-service/domain/version_rule.h"
#include "ingest-service/rpc/record_mapping.h"
#include "tools/lifeline/record_file_reader.h"
#include "tools/lifeline/row_pipeline.h"
#include "tools/progress/progress_bar.h"

namespace lifeline::tools {
namespace {

namespace fs = std::filesystem;

// Rows handed to a worker at a time, and chunks in flight per worker: enough to keep the workers
// busy while the reading thread waits on the oldest, few enough that raw rows (with raw ID
// numbers) do not pile up.
constexpr size_t kChunkRows = 1024;
constexpr size_t kChunksPerThread = 4;

bool IsFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

bool IsDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

bool Exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(path, error);
}

// The entries of `dir` whose names end in `extension` (files) or, for an empty extension, the
// subdirectories, sorted by name.
std::vector<fs::path> ListSorted(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    if (extension.empty() ? IsDirectory(path)
                          : IsFile(path) && path.extension().string() == extension) {
      found.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

absl::Status CheckAgency(const std::string& agency, const std::string& input) {
  if (common::FindAgency(agency) != nullptr) return absl::OkStatus();
  std::vector<std::string> codes;
  for (const common::AgencyInfo& info : common::Agencies()) codes.emplace_back(info.code);
  return absl::InvalidArgumentError(absl::StrCat("unknown agency '", agency, "' for ", input,
                                                 " (agencies: ", absl::StrJoin(codes, ", "),
                                                 "); name it as AGENCY=FILE"));
}

// The agency and mapping of `csv` when it sits where lifeline-datagen writes CSV exports:
// <dir>/agencies/<agency>/<kind>.csv with <dir>/mappings/<agency>-<kind>.yaml.
absl::StatusOr<RecordSource> CsvInDatagenLayout(const fs::path& csv) {
  const fs::path agency_dir = csv.parent_path();
  const fs::path agencies = agency_dir.parent_path();
  if (agency_dir.empty() || agencies.filename() != "agencies") {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot tell the agency and mapping of ", csv.string(),
                     " (not in <dir>/agencies/<agency>/); give it as AGENCY:MAPPING=FILE"));
  }
  RecordSource source;
  source.agency = agency_dir.filename().string();
  source.file = csv.string();
  RETURN_IF_ERROR(CheckAgency(source.agency, source.file));
  const fs::path mapping = agencies.parent_path() / "mappings" /
                           absl::StrCat(source.agency, "-", csv.stem().string(), ".yaml");
  if (!IsFile(mapping)) {
    return absl::NotFoundError(absl::StrCat("no mapping for ", csv.string(), ": expected ",
                                            mapping.string(), "; give it as AGENCY:MAPPING=FILE"));
  }
  source.mapping_file = mapping.string();
  return source;
}

// Expands a lifeline-datagen output directory (or a directory of .jsonl files).
absl::Status ExpandDirectory(const fs::path& dir, std::vector<RecordSource>* sources) {
  std::map<std::string, std::vector<RecordSource>> by_agency;
  const fs::path jsonl_dir = IsDirectory(dir / "jsonl") ? dir / "jsonl" : dir;
  for (const fs::path& file : ListSorted(jsonl_dir, ".jsonl")) {
    RecordSource source;
    source.agency = file.stem().string();
    source.file = file.string();
    RETURN_IF_ERROR(CheckAgency(source.agency, source.file));
    by_agency[source.agency].push_back(std::move(source));
  }
  for (const fs::path& agency_dir : ListSorted(dir / "agencies", "")) {
    // An agency's JSON Lines carry every record its CSV files do: prefer them.
    if (by_agency.count(agency_dir.filename().string()) > 0) continue;
    for (const fs::path& csv : ListSorted(agency_dir, ".csv")) {
      ASSIGN_OR_RETURN(RecordSource source, CsvInDatagenLayout(csv));
      by_agency[source.agency].push_back(std::move(source));
    }
  }
  if (by_agency.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no record files in ", dir.string(),
                     " (expected jsonl/<agency>.jsonl, <agency>.jsonl or "
                     "agencies/<agency>/<kind>.csv with mappings/<agency>-<kind>.yaml)"));
  }
  for (auto& [agency, files] : by_agency) {
    for (RecordSource& source : files) sources->push_back(std::move(source));
  }
  return absl::OkStatus();
}

// Expands one existing file or directory.
absl::Status ExpandPath(const fs::path& path, std::vector<RecordSource>* sources) {
  if (IsDirectory(path)) return ExpandDirectory(path, sources);
  if (path.extension() == ".jsonl") {
    RecordSource& source = sources->emplace_back();
    source.agency = path.stem().string();
    source.file = path.string();
    return CheckAgency(source.agency, source.file);
  }
  if (path.extension() == ".csv") {
    ASSIGN_OR_RETURN(RecordSource source, CsvInDatagenLayout(path));
    sources->push_back(std::move(source));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path.string(), " is neither a .jsonl nor a .csv file"));
}

// Expands "AGENCY=FILE" or "AGENCY:MAPPING=FILE".
absl::Status ExpandNamed(const std::string& input, std::vector<RecordSource>* sources) {
  const size_t eq = input.find('=');
  const std::string spec = input.substr(0, eq);
  RecordSource source;
  source.file = input.substr(eq + 1);
  const size_t colon = spec.find(':');
  source.agency = spec.substr(0, colon);
  if (colon != std::string::npos) source.mapping_file = spec.substr(colon + 1);
  RETURN_IF_ERROR(CheckAgency(source.agency, input));
  if (!IsFile(source.file)) return absl::NotFoundError(absl::StrCat("no such file: ", source.file));
  const fs::path path(source.file);
  if (path.extension() == ".jsonl") {
    if (!source.mapping_file.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(input, ": a JSON Lines file takes no mapping (AGENCY=FILE)"));
    }
  } else if (path.extension() == ".csv") {
    if (source.mapping_file.empty()) {
      ASSIGN_OR_RETURN(RecordSource found, CsvInDatagenLayout(path));
      source.mapping_file = found.mapping_file;
    } else if (!IsFile(source.mapping_file)) {
      return absl::NotFoundError(absl::StrCat("no such mapping file: ", source.mapping_file));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source.file, " is neither a .jsonl nor a .csv file"));
  }
  sources->push_back(std::move(source));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<RecordSource>> ExpandSources(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("no record files or directories given");
  std::vector<RecordSource> sources;
  for (const std::string& input : inputs) {
    if (Exists(input)) {
      RETURN_IF_ERROR(ExpandPath(input, &sources));
    } else if (input.find('=') != std::string::npos) {
      RETURN_IF_ERROR(ExpandNamed(input, &sources));
    } else {
      return absl::NotFoundError(absl::StrCat("no such file or directory: ", input));
    }
  }
  std::set<std::string> seen;
  for (const RecordSource& source : sources) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(source.file, error);
    if (!seen.insert(error ? source.file : canonical.string()).second) {
      return absl::InvalidArgumentError(absl::StrCat(source.file, " is given twice"));
    }
  }
  return sources;
}

namespace {

// The current version of each (agency, source_record_id) read so far, by ingest's version rule,
// and the counts. Not thread-safe.
class OfflineCollector {
 public:
  explicit OfflineCollector(OfflineRecords* out) : out_(out) {}

  // Counts one row's outcome and applies the version rule to a record validation accepted
  // (moved out of `outcome`). Errors: Internal when a record cannot be serialized for
  // comparison.
  absl::Status Add(RowOutcome& outcome);

  // Moves the current records, retracted ones left out, into the output in the order their
  // (agency, source_record_id) first came.
  void Finish();

 private:
  // Decides what `incoming` does to `held` (nullptr: nothing held).
  static absl::StatusOr<ingest::VersionDecision> Decide(
      const records::v1::NormalizedRecord* held, const records::v1::NormalizedRecord& incoming);
  void Count(const std::string& agency, const char* severity, const char* where,
             const char* reason) {
    ++out_->reasons[absl::StrCat(agency, " ", severity, " ", where, " ", reason)];
  }

  OfflineRecords* out_;
  // Slot of each source_record_id, by agency.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, uint32_t>> slots_by_id_;
  // The record held for each key (a retraction's tombstone too), in order of first arrival.
  std::vector<records::v1::NormalizedRecord> slots_;
};

absl::StatusOr<ingest::VersionDecision> OfflineCollector::Decide(
    const records::v1::NormalizedRecord* held, const records::v1::NormalizedRecord& incoming) {
  std::optional<ingest::StoredVersion> stored;
  // The content only counts between equal versions: serialized just then (rare), its bytes
  // standing in for ingest's hash of them.
  std::string held_bytes, incoming_bytes;
  if (held != nullptr) {
    if (held->version() == incoming.version()) {
      ASSIGN_OR_RETURN(held_bytes, ingest::SerializeDeterministic(*held));
      ASSIGN_OR_RETURN(incoming_bytes, ingest::SerializeDeterministic(incoming));
    }
    stored = ingest::StoredVersion{held->version(), held_bytes};
  }
  return ingest::DecideVersion(
      stored, ingest::IncomingVersion{incoming.version(), incoming_bytes, incoming.retracted()});
}

absl::Status OfflineCollector::Add(RowOutcome& outcome) {
  ++out_->rows;
  for (std::string& reason : outcome.reasons) ++out_->reasons[std::move(reason)];
  if (outcome.rejected) {
    ++out_->rejected;
    return absl::OkStatus();
  }
  records::v1::NormalizedRecord& incoming = outcome.normalized;
  auto [slot, first] = slots_by_id_[incoming.agency()].try_emplace(
      incoming.source_record_id(), static_cast<uint32_t>(slots_.size()));
  const records::v1::NormalizedRecord* held = first ? nullptr : &slots_[slot->second];
  ASSIGN_OR_RETURN(const ingest::VersionDecision decision, Decide(held, incoming));
  const bool replaces_live = held != nullptr && !held->retracted();
  switch (decision) {
    case ingest::VersionDecision::kNew:
    case ingest::VersionDecision::kNewer:
      ++out_->accepted;
      if (outcome.has_warnings) ++out_->warnings;
      if (replaces_live) ++out_->superseded;
      break;
    case ingest::VersionDecision::kRetractionOfUnknown:
      Count(incoming.agency(), "WARNING", "source_record_id", "RETRACTION_UNKNOWN");
      [[fallthrough]];
    case ingest::VersionDecision::kRetraction:
      ++out_->retracted;
      if (replaces_live) ++out_->superseded;
      break;
    case ingest::VersionDecision::kUnchanged:
    case ingest::VersionDecision::kStale:
      ++out_->unchanged;
      break;
    case ingest::VersionDecision::kConflict:
      ++out_->rejected;
      Count(incoming.agency(), "ERROR", "version", "VERSION_CONFLICT");
      break;
  }
  if (!ingest::WritesRecord(decision)) return absl::OkStatus();
  if (first) {
    slots_.push_back(std::move(incoming));
  } else {
    slots_[slot->second] = std::move(incoming);
  }
  return absl::OkStatus();
}

void OfflineCollector::Finish() {
  slots_by_id_.clear();
  for (records::v1::NormalizedRecord& record : slots_) {
    if (!record.retracted()) out_->records.push_back(std::move(record));
  }
  slots_.clear();
  slots_.shrink_to_fit();
}

int64_t TotalBytes(const std::vector<RecordSource>& sources) {
  int64_t total = 0;
  for (const RecordSource& source : sources) {
    std::error_code error;
    const auto size = fs::file_size(source.file, error);
    if (!error) total += static_cast<int64_t>(size);
  }
  return total;
}

// Adds the file's name to an error that does not name it.
absl::Status WithFile(const absl::Status& status, const std::string& file) {
  if (absl::StrContains(status.message(), file)) return status;
  return absl::Status(status.code(), absl::StrCat(file, ": ", status.message()));
}

absl::StatusOr<std::unique_ptr<RecordFileReader>> OpenSource(const RecordSource& source) {
  RecordFileOptions file;
  file.agency = source.agency;
  file.file = source.file;
  file.mapping_file = source.mapping_file;
  absl::StatusOr<std::unique_ptr<RecordFileReader>> reader =
      RecordFileReader::Open(std::move(file));
  if (!reader.ok()) return WithFile(reader.status(), source.file);
  return reader;
}

// Reads the next kChunkRows rows of `reader` (fewer at the end of the file).
absl::StatusOr<std::unique_ptr<RowChunk>> ReadChunk(RecordFileReader* reader,
                                                    const RecordSource& source) {
  auto chunk = std::make_unique<RowChunk>();
  chunk->reader = reader;
  chunk->agency = source.agency;
  chunk->rows.resize(kChunkRows);
  size_t filled = 0;
  while (filled < kChunkRows) {
    absl::StatusOr<bool> next = reader->Next(&chunk->rows[filled]);
    if (!next.ok()) return WithFile(next.status(), source.file);
    if (!*next) break;
    ++filled;
  }
  chunk->rows.resize(filled);
  return chunk;
}

}  // namespace

absl::StatusOr<OfflineRecords> ReadRecords(const std::vector<RecordSource>& sources,
                                           const common::IdTokenizer& tokenizer,
                                           const ReadRecordsOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const ingest::RecordValidator validator(
      &tokenizer, options.clock != nullptr ? options.clock : common::Clock::Real());
  OfflineRecords out;
  OfflineCollector collector(&out);
  ProgressBar bar(options.progress != nullptr ? *options.progress : std::cerr,
                  options.progress != nullptr);
  const int64_t total_bytes = TotalBytes(sources);
  int64_t bytes_before = 0;  // of the files already read
  auto draw = [&](int64_t bytes) {
    bar.Update("read", bytes, total_bytes, absl::StrCat(ProgressBar::Thousands(out.rows), " rows"));
  };

  // Readers outlive the pipeline, whose workers parse their rows.
  std::vector<std::unique_ptr<RecordFileReader>> readers;
  const int threads = std::max(0, options.threads);
  RowPipeline pipeline(threads, &validator);
  const size_t max_in_flight = kChunksPerThread * static_cast<size_t>(std::max(1, threads));
  auto take_oldest = [&]() -> absl::Status {
    std::unique_ptr<RowChunk> chunk = pipeline.TakeOldest();
    for (RowOutcome& outcome : chunk->outcomes) RETURN_IF_ERROR(collector.Add(outcome));
    return absl::OkStatus();
  };
  for (const RecordSource& source : sources) {
    ASSIGN_OR_RETURN(readers.emplace_back(), OpenSource(source));
    RecordFileReader* reader = readers.back().get();
    for (bool more = true; more;) {
      ASSIGN_OR_RETURN(std::unique_ptr<RowChunk> chunk, ReadChunk(reader, source));
      more = chunk->rows.size() == kChunkRows;
      if (!chunk->rows.empty()) pipeline.Add(std::move(chunk));
      while (pipeline.in_flight() > max_in_flight) RETURN_IF_ERROR(take_oldest());
      draw(bytes_before + reader->bytes_read());
    }
    bytes_before += reader->bytes();
  }
  while (pipeline.in_flight() > 0) RETURN_IF_ERROR(take_oldest());
  draw(total_bytes);
  bar.Finish();
  collector.Finish();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

absl::StatusOr<common::IdTokenizer> OfflineTokenizer(const std::string& key_file) {
  if (!key_file.empty()) {
    ASSIGN_OR_RETURN(std::string secret, common::ReadSecretFile(key_file));
    return common::IdTokenizer::Create(std::move(secret));
  }
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    return absl::InternalError("no random bytes for a token key");
  }
  return common::IdTokenizer::Create(std::move(secret));
}

}  // namespace lifeline::tools
