// Offline record files: turns agency files (JSON Lines of lifeline.records.v1.Record, or CSV
// exports through their column mappings) into the NormalizedRecords match-service would receive,
// in-process, with ingest-service's own validation and version rule. For `lifeline link` and
// benchmarks that run the linkage engine without the services.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "common/identity/id_token.h"
#include "common/time/dates.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::tools {

// One agency file to read.
struct RecordSource {
  // Agency code (common/records/agencies.h).
  std::string agency;
  std::string file;
  // AgencyMapping YAML of a CSV file; empty for JSON Lines (a file ending in ".jsonl").
  std::string mapping_file;
};

// Expands `--in` arguments into files, in the order given (a directory's files sorted by agency
// and kind):
//   FILE.jsonl              JSON Lines of the agency named by the file's stem
//   AGENCY=FILE.jsonl       JSON Lines of AGENCY
//   AGENCY:MAPPING=FILE.csv a CSV export read through the mapping file MAPPING
//   FILE.csv                a CSV export laid out as lifeline-datagen writes it
//                           (<dir>/agencies/<agency>/<kind>.csv): its agency and mapping
//                           (<dir>/mappings/<agency>-<kind>.yaml) follow from its place
//   DIR                     a lifeline-datagen output directory: <dir>/jsonl/<agency>.jsonl, or
//                           for an agency without one <dir>/agencies/<agency>/<kind>.csv with
//                           <dir>/mappings/<agency>-<kind>.yaml; or a directory of .jsonl files
// An argument that names an existing file or directory is taken as a path even when it holds
// '=' or ':'. Errors: InvalidArgument for no arguments, an unknown agency, a file that is neither
// .jsonl nor .csv, a CSV file whose mapping cannot be told, a mapping given for JSON Lines, a
// directory without record files, or a file given twice; NotFound for a file, directory or
// expected mapping that does not exist.
absl::StatusOr<std::vector<RecordSource>> ExpandSources(const std::vector<std::string>& inputs);

// The records of a set of files as ingest-service would have stored and forwarded them.
struct OfflineRecords {
  // The current version of each (agency, source_record_id), without retracted ones, in the
  // order each (agency, source_record_id) first came in the files (sources in the order given,
  // rows in file order). Each is built as ingest builds it (BuildNormalizedRecord): no raw ID
  // number, ID tokens from the caller's tokenizer, no batch id.
  std::vector<records::v1::NormalizedRecord> records;
  // Non-empty rows (CSV) or lines (JSON Lines) read. Each is exactly one of accepted, rejected,
  // unchanged or retracted.
  int64_t rows = 0;
  // Stored as new or as a newer version, with or without warnings.
  int64_t accepted = 0;
  // Accepted with at least one warning (also counted in `accepted`).
  int64_t warnings = 0;
  // Not readable as a Record (a JSON line that is not one, a cell not in the file's encoding, a
  // row the mapping refuses), rejected by validation, or a version conflict (the same version
  // again with different content).
  int64_t rejected = 0;
  // The version already held with the same content, or an older one.
  int64_t unchanged = 0;
  // Retractions kept (a later older version of the record is then unchanged).
  int64_t retracted = 0;
  // Accepted records that a newer version or a retraction replaced later on:
  // records.size() == accepted - superseded.
  int64_t superseded = 0;
  // "<agency> <ERROR|WARNING> <where> <reason>" -> count: every validation issue of every row
  // (ingest's reason codes and fields), the version rule's (VERSION_CONFLICT,
  // RETRACTION_UNKNOWN), and rows that could not be read (NOT_A_RECORD, ENCODING, ROW_SHAPE,
  // BAD_VALUE, where "row", the field and/or the column). Never a value.
  std::map<std::string, int64_t> reasons;
  double seconds = 0;
};

struct ReadRecordsOptions {
  // Decides "today" for validation's not-in-the-future rules; nullptr means the real clock.
  const common::Clock* clock = nullptr;
  // Where a progress bar (bytes and records read) goes, redrawn at most ten times a second, or
  // nullptr for none.
  std::ostream* progress = nullptr;
  // Threads that parse and validate rows while the calling thread reads files and applies the
  // version rule; 0 does everything on the calling thread. The result does not depend on it.
  int threads = 2;
};

// Reads every source in order, the rows of each in file order, and validates, normalizes and
// applies the version rule to them as ingest-service would on receiving the files in that order,
// with `tokenizer` for ID tokens. A row that cannot be read or is rejected is counted with its
// reasons; the others still count. Errors: as ExpandSources for a bad source; InvalidArgument for
// a mapping that does not load or fit its file's header, or a CSV syntax error (which ends that
// file: the rows after it cannot be told apart); NotFound for a file that cannot be read;
// Unavailable for a read error.
absl::StatusOr<OfflineRecords> ReadRecords(const std::vector<RecordSource>& sources,
                                           const common::IdTokenizer& tokenizer,
                                           const ReadRecordsOptions& options = {});

// Returns the tokenizer for ID tokens of an offline run: keyed with the secret in `key_file`
// (as ingest-service's --token_secret_file) so that tokens agree with another run or a
// deployment, or, when `key_file` is empty, with 32 random bytes: tokens then agree within this
// run only. Errors: as common::ReadSecretFile and common::IdTokenizer::Create; Internal when no
// random bytes can be had.
absl::StatusOr<common::IdTokenizer> OfflineTokenizer(const std::string& key_file);

}  // namespace lifeline::tools
