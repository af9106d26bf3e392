// Writes the truth directory: persons.csv, records.csv, relations.csv, eligible.csv,
// near_misses.csv (formats in tools/datagen/README.md). `lifeline eval` reads them.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/csv/csv_writer.h"
#include "tools/datagen/records.h"
#include "tools/datagen/world.h"

namespace lifeline::datagen {

// A RecordSink writing one truth row per final record to <dir>/records.csv. Not thread-safe.
class TruthRecordWriter : public RecordSink {
 public:
  // Creates <dir>/records.csv. Errors: Unavailable when the file cannot be created.
  static absl::StatusOr<std::unique_ptr<TruthRecordWriter>> Open(const std::string& dir);
  absl::Status Add(const AgencyRecord& record, bool final_version) override;
  // Flushes and closes. Errors: Unavailable on a write failure.
  absl::Status Close();

 private:
  TruthRecordWriter() = default;
  std::ofstream file_;
  std::unique_ptr<common::CsvWriter> csv_;
};

// Writes persons.csv, relations.csv, eligible.csv and near_misses.csv for `world` into `dir`
// (which must exist). Errors: Unavailable when a file cannot be written.
absl::Status WriteWorldTruth(const World& world, const std::string& dir);

}  // namespace lifeline::datagen
