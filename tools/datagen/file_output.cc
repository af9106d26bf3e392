#include "tools/datagen/file_output.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"

namespace lifeline::datagen {
namespace {

absl::Status MakeDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileOutput>> FileOutput::Open(const std::string& dir, bool csv,
                                                             bool jsonl) {
  std::unique_ptr<FileOutput> out(new FileOutput());
  if (csv) {
    RETURN_IF_ERROR(MakeDir(dir + "/mappings"));
    for (const AgencyKindPair& pair : MappedAgencyKinds()) {
      const std::string agency(pair.agency);
      const std::string file(pair.file);
      RETURN_IF_ERROR(MakeDir(absl::StrCat(dir, "/agencies/", agency)));
      ASSIGN_OR_RETURN(ingest::v1::AgencyMapping mapping, DefaultMapping(agency, file));
      RETURN_IF_ERROR(WriteMappingYaml(
          mapping, absl::StrCat(dir, "/mappings/", MappingFileName(agency, file))));
      ASSIGN_OR_RETURN(std::unique_ptr<AgencyCsvWriter> writer,
                       AgencyCsvWriter::Open(
                           absl::StrCat(dir, "/agencies/", agency, "/", file, ".csv"), mapping));
      out->csv_[absl::StrCat(agency, "/", file)] = std::move(writer);
    }
  }
  if (jsonl) {
    RETURN_IF_ERROR(MakeDir(dir + "/jsonl"));
    for (const AgencyKindPair& pair : MappedAgencyKinds()) {
      const std::string agency(pair.agency);
      if (out->jsonl_.count(agency) > 0) continue;
      ASSIGN_OR_RETURN(std::unique_ptr<JsonlWriter> writer,
                       JsonlWriter::Open(absl::StrCat(dir, "/jsonl/", agency, ".jsonl")));
      out->jsonl_[agency] = std::move(writer);
    }
  }
  return out;
}

absl::Status FileOutput::Add(const AgencyRecord& record, bool /*final_version*/) {
  if (!csv_.empty()) {
    const std::string file(ExportFileOf(record.record));
    auto it = csv_.find(absl::StrCat(record.agency, "/", file));
    if (it == csv_.end()) {
      return absl::InternalError(absl::StrCat("no CSV file for ", record.agency, "/", file));
    }
    RETURN_IF_ERROR(it->second->Write(record.record));
  }
  if (!jsonl_.empty()) {
    auto it = jsonl_.find(record.agency);
    if (it == jsonl_.end()) {
      return absl::InternalError(absl::StrCat("no JSON Lines file for ", record.agency));
    }
    RETURN_IF_ERROR(it->second->Write(record.record));
  }
  return absl::OkStatus();
}

absl::Status FileOutput::Close() {
  for (auto& [name, writer] : csv_) RETURN_IF_ERROR(writer->Close());
  for (auto& [name, writer] : jsonl_) RETURN_IF_ERROR(writer->Close());
  return absl::OkStatus();
}

}  // namespace lifeline::datagen
