// lifeline-datagen's engine: population, world, agency records with noise, truth files.
// Seeded and deterministic: the same options give the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"

#include "tools/datagen/noise.h"
#include "tools/datagen/records.h"

namespace lifeline::datagen {

struct GeneratorOptions {
  int64_t persons = 50000;
  uint64_t seed = 1;
  NoiseConfig noise = NoiseConfig::ForLevel(NoiseLevel::kDefault);
  int planted_per_kind = 0;  // <= 0: persons / 10,000, at least 3
};

// What was generated, for the summary line and for tests.
struct GeneratorSummary {
  int64_t persons = 0;
  int64_t households = 0;
  int64_t cases = 0;
  int64_t records_sent = 0;      // lines in the agency files, duplicates and old versions included
  int64_t records_distinct = 0;  // distinct (agency, source_record_id)
  std::map<std::string, int64_t> records_by_agency;  // distinct records
  std::map<std::string, int64_t> noise_by_kind;      // records carrying each noise kind
  std::map<std::string, int64_t> eligible_by_category;
  int64_t eligible_planted = 0;
  std::map<std::string, int64_t> near_misses_by_reason;
};

// Called with a stage ("persons", "records"), progress so far and the stage's total.
using ProgressFn = std::function<void(const char* stage, int64_t done, int64_t total)>;

// Generates the world for `options`, sends every agency record to `output` (and the final
// versions' truth rows to <truth_dir>/records.csv), and writes the other truth files into
// `truth_dir` (created if missing). Errors: InvalidArgument for bad options, Unavailable when a
// file cannot be written, or whatever `output` returns.
absl::StatusOr<GeneratorSummary> Generate(const GeneratorOptions& options,
                                          const std::string& truth_dir, RecordSink& output,
                                          const ProgressFn& progress);

}  // namespace lifeline::datagen
