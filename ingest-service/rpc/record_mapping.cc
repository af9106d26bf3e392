#include "ingest-service/rpc/record_mapping.h"

#include <string>
#include <utility>

namespace lifeline::ingest {

records::v1::NormalizedRecord BuildNormalizedRecord(std::string_view agency,
                                                    records::v1::Record&& record,
                                                    ValidationResult&& result) {
  records::v1::NormalizedRecord normalized;
  normalized.set_agency(std::string(agency));
  normalized.set_source_record_id(record.source_record_id());
  normalized.set_version(record.version());
  normalized.set_record_date(record.record_date());
  if (record.retracted()) {
    // A retraction forwards the record's identity only: match-service forgets its facts.
    normalized.set_retracted(true);
    return normalized;
  }
  *normalized.mutable_person() = std::move(result.person);

  // The record travels as validated, moved rather than copied (copying it was a seventh of
  // validation time); its person, with the raw ID number, does not. A field added to Record that
  // carries personal data must be cleared here too (record_mapping_test lists the envelope).
  records::v1::Record* payload = normalized.mutable_record();
  *payload = std::move(record);
  payload->clear_person();
  MaskIdBearingFields(payload);
  return normalized;
}

v1::RecordIssue ToProtoIssue(const Issue& issue) {
  v1::RecordIssue out;
  out.set_field(issue.field);
  out.set_reason(issue.reason);
  out.set_message(issue.message);
  out.set_severity(issue.severity == Severity::kError ? v1::SEVERITY_ERROR : v1::SEVERITY_WARNING);
  return out;
}

}  // namespace lifeline::ingest
