#include "tools/lifeline/staged_csv_file.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/csv/csv_writer.h"
#include <unistd.h>

namespace lifeline::tools {

StagedCsvFile::StagedCsvFile(std::string path, std::string line_end)
    : path_(std::move(path)),
      tmp_(absl::StrCat(path_, ".", getpid(), ".tmp")),
      line_end_(std::move(line_end)) {}

StagedCsvFile::~StagedCsvFile() {
  if (!committed_) std::remove(tmp_.c_str());
}

absl::Status StagedCsvFile::Open() {
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) return absl::FailedPreconditionError(absl::StrCat("cannot write ", tmp_));
  return absl::OkStatus();
}

void StagedCsvFile::WriteRow(const std::vector<std::string>& fields) {
  row_.clear();
  common::AppendCsvRow(fields, &row_, line_end_);
  out_ << row_;
}

absl::Status StagedCsvFile::Commit() {
  out_.close();
  if (!out_) return absl::FailedPreconditionError(absl::StrCat("cannot write ", tmp_));
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot rename ", tmp_, " to ", path_));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace lifeline::tools
