// A CSV file written under a temporary name ("<path>.<pid>.tmp", so that two runs writing the
// same file do not write into each other) and renamed into place by Commit, so that a failed run
// never leaves a partial file where a complete one is expected. The temporary file is removed if
// Commit is never reached. Not thread-safe.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace lifeline::tools {

class StagedCsvFile {
 public:
  explicit StagedCsvFile(std::string path, std::string line_end = "\n");
  StagedCsvFile(const StagedCsvFile&) = delete;
  StagedCsvFile& operator=(const StagedCsvFile&) = delete;
  ~StagedCsvFile();

  // Creates the temporary file. Errors: FailedPrecondition when it cannot be created.
  absl::Status Open();
  // Appends one row (RFC 4180 quoting where needed).
  void WriteRow(const std::vector<std::string>& fields);
  // Closes the file and moves it to its final name. Errors: FailedPrecondition.
  absl::Status Commit();

 private:
  std::string path_;
  std::string tmp_;
  std::string line_end_;
  std::ofstream out_;
  std::string row_;
  bool committed_ = false;
};

}  // namespace lifeline::tools
