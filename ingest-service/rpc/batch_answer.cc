#include "ingest-service/rpc/batch_answer.h"

#include <algorithm>
#include <utility>

#include "common/time/dates.h"
#include "ingest-service/domain/reason_codes.h"

namespace lifeline::ingest {
namespace {

v1::RecordIssue ErrorOrWarning(const char* field, const char* reason, const char* message,
                               v1::Severity severity) {
  v1::RecordIssue issue;
  issue.set_field(field);
  issue.set_reason(reason);
  issue.set_message(message);
  issue.set_severity(severity);
  return issue;
}

// The issue the version rule adds to a record, if any.
std::optional<v1::RecordIssue> VersionIssue(VersionDecision decision) {
  switch (decision) {
    case VersionDecision::kConflict:
      return ErrorOrWarning("version", reason::kVersionConflict,
                            "a record with this source_record_id and version is already stored "
                            "with different content; send a higher version",
                            v1::SEVERITY_ERROR);
    case VersionDecision::kRetractionOfUnknown:
      return ErrorOrWarning("source_record_id", reason::kRetractionUnknown,
                            "no record with this source_record_id is stored; the retraction is "
                            "kept so that an older version sent later is ignored",
                            v1::SEVERITY_WARNING);
    default:
      return std::nullopt;
  }
}

// The result an accepted record gets from the version rule's decision.
v1::RecordResult ResultOf(VersionDecision decision, bool has_warnings) {
  switch (decision) {
    case VersionDecision::kNew:
    case VersionDecision::kNewer:
      return has_warnings ? v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS : v1::RECORD_RESULT_ACCEPTED;
    case VersionDecision::kRetraction:
    case VersionDecision::kRetractionOfUnknown:
      return v1::RECORD_RESULT_RETRACTED;
    case VersionDecision::kUnchanged:
      return v1::RECORD_RESULT_UNCHANGED;
    case VersionDecision::kStale:
      return v1::RECORD_RESULT_STALE;
    case VersionDecision::kConflict:
      break;
  }
  return v1::RECORD_RESULT_REJECTED;
}

// Adds one record's result to the batch's counts.
void Count(v1::RecordResult result, v1::Batch& summary) {
  switch (result) {
    case v1::RECORD_RESULT_ACCEPTED:
      summary.set_accepted_count(summary.accepted_count() + 1);
      break;
    case v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS:
      summary.set_accepted_count(summary.accepted_count() + 1);
      summary.set_warning_count(summary.warning_count() + 1);
      break;
    case v1::RECORD_RESULT_RETRACTED:
      summary.set_retracted_count(summary.retracted_count() + 1);
      break;
    case v1::RECORD_RESULT_UNCHANGED:
    case v1::RECORD_RESULT_STALE:
      summary.set_unchanged_count(summary.unchanged_count() + 1);
      break;
    default:
      summary.set_rejected_count(summary.rejected_count() + 1);
      break;
  }
}

bool HasWarnings(const std::vector<v1::RecordIssue>& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const v1::RecordIssue& issue) {
    return issue.severity() == v1::SEVERITY_WARNING;
  });
}

}  // namespace

BatchAnswer AnswerBatch(const BatchSubmission& batch, const VersionDecisions& decisions) {
  BatchAnswer answer;
  v1::SubmitBatchResponse& response = answer.response;
  v1::Batch& summary = *response.mutable_batch();
  summary.set_agency(batch.agency);
  summary.set_batch_id(batch.batch_id);
  summary.set_received_time(common::FormatRfc3339(batch.received_time));
  summary.set_record_count(static_cast<int32_t>(batch.records.size()));
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const RecordSubmission& record = batch.records[i];
    std::vector<v1::RecordIssue> issues = record.issues;
    v1::RecordResult result = v1::RECORD_RESULT_REJECTED;
    if (i < decisions.size() && decisions[i].has_value()) {
      if (std::optional<v1::RecordIssue> issue = VersionIssue(*decisions[i])) {
        issues.push_back(*std::move(issue));
      }
      result = ResultOf(*decisions[i], HasWarnings(issues));
    }
    Count(result, summary);
    v1::RecordOutcome* outcome = response.add_outcomes();
    outcome->set_record_index(record.record_index);
    outcome->set_source_record_id(record.source_record_id);
    outcome->set_result(result);
    for (v1::RecordIssue& issue : issues) {
      issue.set_record_index(record.record_index);
      issue.set_source_record_id(record.source_record_id);
      if (response.issues_size() < kResponseIssueLimit) *response.add_issues() = issue;
      answer.issues.push_back(std::move(issue));
    }
  }
  return answer;
}

}  // namespace lifeline::ingest
