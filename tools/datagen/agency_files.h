// The files agencies really send: a CSV export with the agency's own Chinese headers (UTF-8, or
// GB18030 for the bureaus whose systems export it) plus the column-mapping YAML that
// `lifeline import` reads it with, or JSON Lines of lifeline.records.v1.Record as the ingest API
// takes them. The default mappings here are also shipped as config/mappings/*.yaml.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/csv/encoding.h"
#include "lifeline/ingest/v1/agency_mapping.pb.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/mapping/record_mapper.h"

namespace lifeline::datagen {

// An agency, one kind of record it sends (a Record payload field name) and the export file it
// comes in: the kind's name, except the court's civil cases of their own (traffic accidents and
// other torts), which its civil case system exports apart from the civil part of criminal cases,
// with more columns: file "civil_case", kind civil_judgment.
struct AgencyKindPair {
  std::string_view agency;
  std::string_view kind;
  std::string_view file;
};

// Returns every (agency, kind, file) that has a default mapping, in a fixed order: procuratorate
// criminal_victim, near_relative, assistance_granted; court civil_judgment, civil_case,
// enforcement; civil_affairs; disabled_persons_federation; rural_revitalization;
// womens_federation; ex_servicemen_affairs; medical_security.
const std::vector<AgencyKindPair>& MappedAgencyKinds();

// Returns the default column mapping of `agency`'s export `file`: the headers that agency's
// export uses, its wording for enum and yes/no values, amounts in yuan, and its encoding
// (GB18030 for civil_affairs and rural_revitalization, UTF-8 otherwise). Errors: NotFound for a
// pair not in MappedAgencyKinds().
absl::StatusOr<ingest::v1::AgencyMapping> DefaultMapping(std::string_view agency,
                                                         std::string_view file);

// Returns "<agency>-<file>.yaml", the file name of a mapping under config/mappings/.
std::string MappingFileName(std::string_view agency, std::string_view file);

// Returns the export file (AgencyKindPair::file) `record` travels in: "civil_case" for a civil
// judgment of a case of its own, else the record's kind; "" for a record without a payload.
std::string_view ExportFileOf(const records::v1::Record& record);

// Returns `mapping` as YAML (a comment line, then the fields; value maps in byte order) that
// common::LoadYamlProto reads back into an equal message.
std::string MappingYaml(const ingest::v1::AgencyMapping& mapping);

// Writes MappingYaml(mapping) to `path`, replacing it. Errors: Unavailable when the file cannot
// be written.
absl::Status WriteMappingYaml(const ingest::v1::AgencyMapping& mapping, const std::string& path);

// Streams Records of one (agency, kind) into a CSV file laid out by its mapping: the header row,
// then one row per Record, CRLF line ends; UTF-8 files start with a byte-order mark (as
// spreadsheet-friendly exports do), GB18030 files are converted in batches. Output is buffered;
// Close flushes it. Not thread-safe.
class AgencyCsvWriter {
 public:
  // Creates or truncates `path` and writes the header row. Errors: InvalidArgument for a mapping
  // RecordMapper rejects; Unavailable when the file cannot be created.
  static absl::StatusOr<std::unique_ptr<AgencyCsvWriter>> Open(
      const std::string& path, const ingest::v1::AgencyMapping& mapping);

  AgencyCsvWriter(const AgencyCsvWriter&) = delete;
  AgencyCsvWriter& operator=(const AgencyCsvWriter&) = delete;
  // Closes the file if Close was not called, ignoring errors.
  ~AgencyCsvWriter();

  // Appends the row for `record`. Errors: InvalidArgument when the record's payload is not the
  // mapping's kind or its text is not valid UTF-8 (nothing is written then); FailedPrecondition
  // after Close; Unavailable when writing fails (possibly for rows buffered earlier).
  absl::Status Write(const records::v1::Record& record);

  // Flushes and closes the file. Errors: Unavailable when writing fails; FailedPrecondition when
  // already closed.
  absl::Status Close();

  // Data rows written so far (the header row not counted).
  int64_t rows() const { return rows_; }

 private:
  AgencyCsvWriter(std::string path, mapping::RecordMapper mapper, std::FILE* file,
                  std::optional<common::EncodingConverter> converter);
  // Appends one row to the output (or, for GB18030 files, to the rows waiting for conversion).
  absl::Status AppendRow(const std::vector<std::string>& cells);
  // Checks the row appended from `start` (removing it unless it is valid UTF-8), then converts
  // and flushes when enough is waiting.
  absl::Status FinishRow(size_t start);
  // Converts the waiting rows to GB18030 into the output buffer.
  absl::Status Convert();
  // Writes the output buffer to the file.
  absl::Status Flush();

  std::string path_;
  mapping::RecordMapper mapper_;
  std::FILE* file_;
  // Set for GB18030 files.
  std::optional<common::EncodingConverter> converter_;
  // UTF-8 rows not yet converted (GB18030 files only), and bytes not yet written.
  std::string pending_;
  std::string buffer_;
  int64_t rows_ = 0;
};

// Streams Records into a JSON Lines file: one Record per line as the ingest API's JSON, with the
// proto field names ("source_record_id"); int64 values print as strings. Output is buffered;
// Close flushes it. Not thread-safe.
class JsonlWriter {
 public:
  // Creates or truncates `path`. Errors: Unavailable when the file cannot be created.
  static absl::StatusOr<std::unique_ptr<JsonlWriter>> Open(const std::string& path);

  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  // Closes the file if Close was not called, ignoring errors.
  ~JsonlWriter();

  // Appends `record` as one line. Text that is not valid UTF-8 loses its invalid bytes (protobuf's
  // printer drops them and logs an error). Errors: InvalidArgument when protobuf cannot print the
  // record; FailedPrecondition after Close; Unavailable when writing fails.
  absl::Status Write(const records::v1::Record& record);

  // Flushes and closes the file. Errors: Unavailable when writing fails; FailedPrecondition when
  // already closed.
  absl::Status Close();

  int64_t lines() const { return lines_; }

 private:
  JsonlWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  absl::Status Flush();

  std::string path_;
  std::FILE* file_;
  std::string line_;
  std::string buffer_;
  int64_t lines_ = 0;
};

}  // namespace lifeline::datagen
