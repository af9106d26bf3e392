// `lifeline link` and `lifeline why`: match-service's linkage engine run in-process on agency
// record files (no services), for analysts who link exported files and for benchmarks.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace lifeline::tools {

struct LinkOptions {
  // --in arguments: files and lifeline-datagen directories (see ExpandSources).
  std::vector<std::string> inputs;
  // links.csv to write: agency,source_record_id,person_id.
  std::string out;
  // Possible matches for review: agency_a,source_record_id_a,agency_b,source_record_id_b,
  // weight,probability. Empty: not written.
  std::string possible_out;
  // The ID-token secret (as ingest's --token_secret_file); empty: a random key for this run.
  std::string token_key_file;
  // Model parameters to use as they are (no estimation); empty: estimate from the records.
  std::string params_in;
  // Where to save the parameters used; empty: not saved.
  std::string params_out;
  int threads = 2;
  // Progress bar on stderr.
  std::ostream* progress = nullptr;
};

// Reads, validates and resolves the records, writes the links (and possible matches), and
// prints a summary to `out`. Errors: as ExpandSources and ReadRecords; InvalidArgument for a
// parameters file that does not parse; FailedPrecondition when an output cannot be written.
absl::Status RunLink(const LinkOptions& options, std::ostream& out);

struct WhyOptions {
  std::vector<std::string> inputs;
  std::string token_key_file;
  std::string params_in;
  // "AGENCY:SOURCE_RECORD_ID" of the two records to compare.
  std::string first;
  std::string second;
};

// Prints how the engine weighs two records: each field's level and weight (with the name's
// term-frequency part), the total against the thresholds, and the decision. The model is
// estimated from the records unless params_in is given. Errors: as RunLink; NotFound for a
// record that is not among the inputs (or was rejected or retracted).
absl::Status RunWhy(const WhyOptions& options, std::ostream& out);

}  // namespace lifeline::tools
