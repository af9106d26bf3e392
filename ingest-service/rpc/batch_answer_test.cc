#include "ingest-service/rpc/batch_answer.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ingest-service/domain/reason_codes.h"

namespace lifeline::ingest {
namespace {

using D = VersionDecision;

v1::RecordIssue Issue(const char* reason, v1::Severity severity) {
  v1::RecordIssue issue;
  issue.set_field("person.name");
  issue.set_reason(reason);
  issue.set_severity(severity);
  return issue;
}

RecordSubmission Record(int index, std::vector<v1::RecordIssue> issues = {}) {
  RecordSubmission record;
  record.record_index = index;
  record.source_record_id = "r" + std::to_string(index);
  record.version = 1;
  record.issues = std::move(issues);
  record.rejected = false;
  for (const v1::RecordIssue& issue : record.issues) {
    if (issue.severity() == v1::SEVERITY_ERROR) record.rejected = true;
  }
  return record;
}

BatchSubmission Batch(std::vector<RecordSubmission> records) {
  BatchSubmission batch;
  batch.agency = "civil_affairs";
  batch.batch_id = "b-1";
  batch.received_time = absl::FromUnixSeconds(1700000000);
  batch.records = std::move(records);
  return batch;
}

struct Row {
  std::string name;
  std::optional<VersionDecision> decision;
  bool warning;
  v1::RecordResult want;
  // The reason of the issue the version rule adds, if any.
  const char* added_reason;
};

TEST(BatchAnswerTest, EveryDecisionGivesItsResultAndIssue) {
  const std::vector<Row> rows = {
      {"rejected_by_validation", std::nullopt, false, v1::RECORD_RESULT_REJECTED, nullptr},
      {"new", D::kNew, false, v1::RECORD_RESULT_ACCEPTED, nullptr},
      {"new_with_warning", D::kNew, true, v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS, nullptr},
      {"newer", D::kNewer, false, v1::RECORD_RESULT_ACCEPTED, nullptr},
      {"newer_with_warning", D::kNewer, true, v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS, nullptr},
      {"stale", D::kStale, false, v1::RECORD_RESULT_STALE, nullptr},
      {"unchanged", D::kUnchanged, false, v1::RECORD_RESULT_UNCHANGED, nullptr},
      {"conflict", D::kConflict, false, v1::RECORD_RESULT_REJECTED, reason::kVersionConflict},
      {"retraction", D::kRetraction, false, v1::RECORD_RESULT_RETRACTED, nullptr},
      {"retraction_of_unknown", D::kRetractionOfUnknown, false, v1::RECORD_RESULT_RETRACTED,
       reason::kRetractionUnknown},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<v1::RecordIssue> issues;
    if (row.warning) issues.push_back(Issue("NAME_TRIMMED", v1::SEVERITY_WARNING));
    if (!row.decision.has_value()) issues.push_back(Issue("NAME_MISSING", v1::SEVERITY_ERROR));
    const BatchAnswer answer = AnswerBatch(Batch({Record(0, issues)}), {row.decision});
    ASSERT_EQ(answer.response.outcomes_size(), 1);
    EXPECT_EQ(answer.response.outcomes(0).result(), row.want);
    EXPECT_EQ(answer.response.outcomes(0).source_record_id(), "r0");
    const size_t added = row.added_reason != nullptr ? 1 : 0;
    ASSERT_EQ(answer.issues.size(), issues.size() + added);
    if (added == 1) {
      EXPECT_EQ(answer.issues.back().reason(), row.added_reason);
    }
    EXPECT_EQ(answer.response.issues_size(), static_cast<int>(answer.issues.size()));
  }
}

TEST(BatchAnswerTest, CountsEachResultOnce) {
  const BatchAnswer answer = AnswerBatch(
      Batch({Record(0), Record(1, {Issue("NAME_TRIMMED", v1::SEVERITY_WARNING)}),
             Record(2, {Issue("NAME_MISSING", v1::SEVERITY_ERROR)}), Record(3), Record(4),
             Record(5), Record(6)}),
      {D::kNew, D::kNewer, std::nullopt, D::kStale, D::kUnchanged, D::kRetraction, D::kConflict});
  const v1::Batch& summary = answer.response.batch();
  EXPECT_EQ(summary.agency(), "civil_affairs");
  EXPECT_EQ(summary.batch_id(), "b-1");
  EXPECT_EQ(summary.received_time(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(summary.record_count(), 7);
  EXPECT_EQ(summary.accepted_count(), 2);
  EXPECT_EQ(summary.warning_count(), 1);
  EXPECT_EQ(summary.rejected_count(), 2);
  EXPECT_EQ(summary.unchanged_count(), 2);
  EXPECT_EQ(summary.retracted_count(), 1);
}

TEST(BatchAnswerTest, IssuesNameTheirRecordAndTheResponseKeepsTheFirstPage) {
  std::vector<RecordSubmission> records;
  VersionDecisions decisions;
  for (int i = 0; i < kResponseIssueLimit + 3; ++i) {
    records.push_back(Record(i, {Issue("NAME_MISSING", v1::SEVERITY_ERROR)}));
    decisions.push_back(std::nullopt);
  }
  const BatchAnswer answer = AnswerBatch(Batch(records), decisions);
  ASSERT_EQ(answer.issues.size(), static_cast<size_t>(kResponseIssueLimit + 3));
  EXPECT_EQ(answer.response.issues_size(), kResponseIssueLimit);
  for (int i = 0; i < kResponseIssueLimit + 3; ++i) {
    EXPECT_EQ(answer.issues[i].record_index(), i);
    EXPECT_EQ(answer.issues[i].source_record_id(), "r" + std::to_string(i));
  }
  EXPECT_EQ(answer.response.issues(kResponseIssueLimit - 1).record_index(),
            kResponseIssueLimit - 1);
}

}  // namespace
}  // namespace lifeline::ingest
