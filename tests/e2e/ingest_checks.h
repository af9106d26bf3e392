// What the ingest e2e tests (crash safety, match down) share: generated records scaled up to a
// size that takes a while to import, the `lifeline import` summary, ingest's log of stored and
// replayed batches, and bounded waits on ingest's outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "lifeline/records/v1/records.pb.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {

// One generated record: its JSON line and the record it parses to.
struct RecordLine {
  std::string json;
  records::v1::Record record;
};

// Runs lifeline-datagen (JSON Lines, `persons`, `seed`) into `out_dir` and returns the records of
// the agency with the most, with that agency's code. Errors: from RunTool; Internal when datagen
// fails or writes a line that is not a Record.
absl::StatusOr<std::pair<std::string, std::vector<RecordLine>>> GenerateLargestAgency(
    const std::string& out_dir, int persons, int seed, const std::string& log_path);

// Writes copies `first_copy` .. `first_copy + copies - 1` of `records` to `path` as JSON Lines,
// copy 0 as generated. Copy k > 0 has "-c<k>" after every source_record_id, and each valid
// 18-digit ID number changed in two sequence digits (check character recomputed, sex kept), so
// that the file holds copies × records.size() lines of distinct records, with the same relations
// between versions, about other people: more records of the same people would make
// match-service's work per record grow with every copy. Deterministic. Errors: Internal.
absl::Status WriteCopies(const std::vector<RecordLine>& records, int copies,
                         const std::string& path, int first_copy = 0);

// The totals `lifeline import` printed.
struct ImportTotals {
  int64_t rows = 0;
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t warnings = 0;
  int64_t rejected_locally = 0;
  int64_t rejected_by_ingest = 0;
  int64_t unchanged = 0;
  int64_t retracted = 0;
  int64_t batches = 0;
  int64_t stored_before = 0;  // "already stored by an earlier run"
  // From the "linked: ..." line: 0 when all stored records were linked, the "still queued" count
  // otherwise; -1 when the import did not say (it did not wait, or the count is not known).
  int64_t not_linked = -1;
};

// Parses the summary of `lifeline import` out of its output; nullopt when it is not there.
std::optional<ImportTotals> ParseImportSummary(const std::string& output);

// The batches ingest's log answered: its "rpc=SubmitBatch|StreamRecords ... batch_id=...
// records=..." lines, one per answer (with replayed=true for a batch it had stored before).
struct IngestLogBatches {
  std::vector<std::string> stored;    // newly stored, in log order
  std::vector<std::string> replayed;  // answered from a stored batch, in log order
};

// Reads the batch lines of `log_text` from byte `from` on.
IngestLogBatches ParseIngestLog(const std::string& log_text, size_t from = 0);

// Returns the line numbers (1-based) of the rows the import's rejects file (`path`) holds.
// Errors: NotFound, InvalidArgument for a file that is not the import's rejects CSV.
absl::StatusOr<std::set<int64_t>> RejectedLines(const std::string& path);

// What `lifeline export links --match` wrote: rows, and distinct (agency, source_record_id).
struct LinkCounts {
  int64_t rows = 0;
  int64_t records = 0;
};

// Exports every link straight from the suite's match-service to `path` with the lifeline CLI
// (logging to `log_path`) and counts them. Errors: from RunTool; Internal when the export fails
// or writes something else than links.
absl::StatusOr<LinkCounts> ExportLinks(Suite& suite, const std::string& path,
                                       const std::string& log_path);

// Path of ingest-service's database in the suite.
std::string IngestDb(const Suite& suite);

// Waits (polling, at most `timeout`) until ingest's outbox table is empty and its
// lifeline_ingest_outbox_pending gauge says 0. Errors: DeadlineExceeded with the last values.
absl::Status WaitForIngestOutboxEmpty(Suite& suite, std::chrono::milliseconds timeout);

}  // namespace lifeline::e2e
