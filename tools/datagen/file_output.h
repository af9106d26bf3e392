// The agency files lifeline-datagen writes: per agency and record kind a CSV file with the
// agency's own Chinese headers and encoding plus its column-mapping YAML, and/or per agency a
// JSON Lines file of lifeline.records.v1.Record messages. Every line sent (duplicates and older
// versions too) goes to the files. Not thread-safe.
//
//   <dir>/agencies/<agency>/<kind>.csv     <dir>/mappings/<agency>-<kind>.yaml
//   <dir>/jsonl/<agency>.jsonl
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "tools/datagen/agency_files.h"
#include "tools/datagen/records.h"

namespace lifeline::datagen {

class FileOutput : public RecordSink {
 public:
  // Creates the directories and opens every file. Errors: Unavailable when one cannot be
  // created.
  static absl::StatusOr<std::unique_ptr<FileOutput>> Open(const std::string& dir, bool csv,
                                                          bool jsonl);
  absl::Status Add(const AgencyRecord& record, bool final_version) override;
  // Flushes and closes every file. Errors: Unavailable on a write failure.
  absl::Status Close();

 private:
  FileOutput() = default;
  std::map<std::string, std::unique_ptr<AgencyCsvWriter>> csv_;  // by "<agency>/<kind>"
  std::map<std::string, std::unique_ptr<JsonlWriter>> jsonl_;    // by agency
};

}  // namespace lifeline::datagen
