#include "ingest-service/store/sqlite_ingest_store.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/time/time.h"

#include "common/storage/query_plan.h"
#include "common/time/dates.h"
#include "ingest-service/domain/reason_codes.h"
#include "ingest-service/rpc/batch_answer.h"
#include "ingest-service/store/sqlite_ingest_store_testing.h"
#include <unistd.h>

namespace lifeline::ingest {
namespace {

const absl::Time kReceived = absl::FromUnixSeconds(1717243200);  // 2024-06-01T12:00:00Z

RecordSubmission Accepted(int index, const std::string& srid, int64_t version,
                          const std::string& name = "测试甲") {
  RecordSubmission record;
  record.record_index = index;
  record.source_record_id = srid;
  record.version = version;
  record.normalized.set_agency("civil_affairs");
  record.normalized.set_source_record_id(srid);
  record.normalized.set_version(version);
  record.normalized.mutable_person()->set_name_original(name);
  record.normalized.mutable_person()->set_name_normalized(name);
  record.normalized.mutable_person()->set_id_token(std::string(64, 'a'));
  record.normalized.mutable_record()->set_source_record_id(srid);
  record.normalized.mutable_record()->mutable_social_assistance()->set_start_date("2021-03-01");
  return record;
}

RecordSubmission WithWarning(RecordSubmission record) {
  v1::RecordIssue issue;
  issue.set_field("person.phone");
  issue.set_reason(reason::kPhoneInvalid);
  issue.set_message("person.phone is not a recognizable phone number; dropped");
  issue.set_severity(v1::SEVERITY_WARNING);
  record.issues.push_back(issue);
  return record;
}

RecordSubmission Rejected(int index, const std::string& srid) {
  RecordSubmission record;
  record.record_index = index;
  record.source_record_id = srid;
  record.rejected = true;
  v1::RecordIssue issue;
  issue.set_field("person.name");
  issue.set_reason(reason::kNameMissing);
  issue.set_message("person.name is required");
  issue.set_severity(v1::SEVERITY_ERROR);
  record.issues.push_back(issue);
  return record;
}

RecordSubmission Retraction(int index, const std::string& srid, int64_t version) {
  RecordSubmission record;
  record.record_index = index;
  record.source_record_id = srid;
  record.version = version;
  record.normalized.set_agency("civil_affairs");
  record.normalized.set_source_record_id(srid);
  record.normalized.set_version(version);
  record.normalized.set_retracted(true);
  return record;
}

// Seals `record` for `batch_id` as IngestServiceImpl does before the commit.
bool Seal(const std::string& batch_id, RecordSubmission* record) {
  absl::StatusOr<SealedRecord> sealed = SealRecord(record->normalized, batch_id);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  if (!sealed.ok()) return false;
  record->sealed = *std::move(sealed);
  return true;
}

BatchSubmission Batch(const std::string& batch_id, std::vector<RecordSubmission> records) {
  BatchSubmission batch;
  batch.agency = "civil_affairs";
  batch.batch_id = batch_id;
  batch.received_time = kReceived;
  batch.records = std::move(records);
  return batch;
}

std::vector<v1::RecordResult> Results(const v1::SubmitBatchResponse& response) {
  std::vector<v1::RecordResult> results;
  for (const auto& outcome : response.outcomes()) results.push_back(outcome.result());
  return results;
}

class SqliteIngestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ingest_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto store = SqliteIngestStore::OpenInDirectory(dir_.string(), &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  CommitResult Commit(const BatchSubmission& batch) {
    auto result = store_->CommitBatch(batch, AnswerBatch);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : CommitResult();
  }
  int64_t Pending() {
    auto pending = store_->OutboxPending();
    EXPECT_TRUE(pending.ok()) << pending.status();
    return pending.ok() ? *pending : -1;
  }
  std::vector<records::v1::NormalizedRecord> DrainOutbox() {
    std::vector<records::v1::NormalizedRecord> out;
    auto due = store_->outbox()->Due(kMatchTopic, 1000, absl::ToUnixMillis(absl::Now()) + 1000);
    EXPECT_TRUE(due.ok()) << due.status();
    std::vector<int64_t> ids;
    for (const common::OutboxMessage& message : *due) {
      records::v1::NormalizedRecord record;
      EXPECT_TRUE(record.ParseFromString(message.payload));
      out.push_back(record);
      ids.push_back(message.id);
    }
    EXPECT_TRUE(store_->outbox()->Delete(ids).ok());
    return out;
  }
  // Delivers the `n` first-queued records: deletes them from the outbox as the dispatcher does
  // when match-service acknowledges them.
  void Deliver(int n) {
    auto due = store_->outbox()->Due(kMatchTopic, n, absl::ToUnixMillis(absl::Now()) + 1000);
    ASSERT_TRUE(due.ok()) << due.status();
    ASSERT_EQ(static_cast<int>(due->size()), n);
    std::vector<int64_t> ids;
    for (const common::OutboxMessage& message : *due) ids.push_back(message.id);
    ASSERT_TRUE(store_->outbox()->Delete(ids).ok());
  }
  // GetBatch's match_queued_count, or -1 when it is absent or the batch cannot be read.
  int QueuedForMatch(const std::string& batch_id) {
    auto batch = store_->GetBatch("civil_affairs", batch_id);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok() || !batch->has_match_queued_count()) return -1;
    return batch->match_queued_count();
  }

  std::filesystem::path dir_;
  common::FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<SqliteIngestStore> store_;
};

TEST_F(SqliteIngestStoreTest, StoresMixedBatchAndQueuesOnlyAcceptedRecords) {
  CommitResult result = Commit(
      Batch("b1", {Accepted(0, "r0", 1), Rejected(1, "r1"), WithWarning(Accepted(2, "r2", 1))}));
  EXPECT_FALSE(result.replayed);
  EXPECT_EQ(result.enqueued, 2);
  EXPECT_EQ(Results(result.response),
            (std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED, v1::RECORD_RESULT_REJECTED,
                                           v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS}));
  const v1::Batch& batch = result.response.batch();
  EXPECT_EQ(batch.record_count(), 3);
  EXPECT_EQ(batch.accepted_count(), 2);
  EXPECT_EQ(batch.rejected_count(), 1);
  EXPECT_EQ(batch.warning_count(), 1);
  EXPECT_EQ(batch.received_time(), "2024-06-01T12:00:00Z");
  ASSERT_EQ(result.response.issues_size(), 2);
  EXPECT_EQ(result.response.issues(0).record_index(), 1);
  EXPECT_EQ(result.response.issues(0).source_record_id(), "r1");
  EXPECT_EQ(result.response.issues(0).reason(), reason::kNameMissing);
  EXPECT_EQ(result.response.issues(1).record_index(), 2);

  std::vector<records::v1::NormalizedRecord> sent = DrainOutbox();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].source_record_id(), "r0");
  EXPECT_EQ(sent[0].batch_id(), "b1");
  EXPECT_EQ(sent[1].source_record_id(), "r2");
  EXPECT_TRUE(ReadStoredRecord(*store_, "civil_affairs", "r0").ok());
  EXPECT_EQ(ReadStoredRecord(*store_, "civil_affairs", "r1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteIngestStoreTest, DuplicateBatchIdReturnsFirstResponseAndWritesNothing) {
  CommitResult first = Commit(Batch("b1", {Accepted(0, "r0", 1), Rejected(1, "r1")}));
  // Different content under the same batch id: the first answer stands.
  CommitResult second = Commit(Batch("b1", {Accepted(0, "r0", 2, "测试乙"), Accepted(1, "r9", 1)}));
  EXPECT_TRUE(second.replayed);
  EXPECT_EQ(second.enqueued, 0);
  EXPECT_EQ(second.response.SerializeAsString(), first.response.SerializeAsString());
  EXPECT_EQ(Pending(), 1);
  auto stored = ReadStoredRecord(*store_, "civil_affairs", "r0");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version(), 1);
  EXPECT_EQ(ReadStoredRecord(*store_, "civil_affairs", "r9").status().code(),
            absl::StatusCode::kNotFound);
  auto issues = store_->ListIssues("civil_affairs", "b1", 0, 100);
  ASSERT_TRUE(issues.ok());
  EXPECT_EQ(issues->issues.size(), 1u);
}

TEST_F(SqliteIngestStoreTest, SameBatchIdOfAnotherAgencyIsAnotherBatch) {
  Commit(Batch("b1", {Accepted(0, "r0", 1)}));
  BatchSubmission other = Batch("b1", {Accepted(0, "r0", 1)});
  other.agency = "court";
  other.records[0].normalized.set_agency("court");
  CommitResult result = Commit(other);
  EXPECT_FALSE(result.replayed);
  EXPECT_EQ(result.enqueued, 1);
}

TEST_F(SqliteIngestStoreTest, VersionsDecideUnchangedStaleAndReplace) {
  Commit(Batch("b1", {Accepted(0, "r0", 2)}));
  EXPECT_EQ(DrainOutbox().size(), 1u);

  CommitResult same = Commit(Batch("b2", {Accepted(0, "r0", 2)}));
  EXPECT_EQ(Results(same.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_UNCHANGED});
  EXPECT_EQ(same.response.batch().unchanged_count(), 1);
  EXPECT_EQ(same.enqueued, 0);

  CommitResult older = Commit(Batch("b3", {Accepted(0, "r0", 1, "测试乙")}));
  EXPECT_EQ(Results(older.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_STALE});
  EXPECT_EQ(older.enqueued, 0);

  CommitResult conflict = Commit(Batch("b4", {Accepted(0, "r0", 2, "测试乙")}));
  EXPECT_EQ(Results(conflict.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_REJECTED});
  ASSERT_EQ(conflict.response.issues_size(), 1);
  EXPECT_EQ(conflict.response.issues(0).reason(), reason::kVersionConflict);
  EXPECT_EQ(Pending(), 0);

  CommitResult newer = Commit(Batch("b5", {Accepted(0, "r0", 3, "测试乙")}));
  EXPECT_EQ(Results(newer.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED});
  auto stored = ReadStoredRecord(*store_, "civil_affairs", "r0");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version(), 3);
  EXPECT_EQ(stored->person().name_original(), "测试乙");
  EXPECT_EQ(stored->batch_id(), "b5");
  std::vector<records::v1::NormalizedRecord> sent = DrainOutbox();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].version(), 3);
}

TEST_F(SqliteIngestStoreTest, RepeatedRecordInsideOneBatchIsUnchangedTheSecondTime) {
  CommitResult result = Commit(Batch("b1", {Accepted(0, "r0", 1), Accepted(1, "r0", 1)}));
  EXPECT_EQ(Results(result.response), (std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED,
                                                                     v1::RECORD_RESULT_UNCHANGED}));
  EXPECT_EQ(result.enqueued, 1);
}

// A large batch inserts its new records many per statement and settles the others afterwards, in
// order; every outcome, stored version and forwarded record must be what committing the records
// one by one gives. The batch repeats ids across and inside statements, carries newer, older and
// equal versions of stored records, conflicts, retractions and rejected records.
TEST_F(SqliteIngestStoreTest, LargeBatchSettlesLikeRecordsCommittedOneByOne) {
  auto records_for = [](int round) {
    std::vector<RecordSubmission> records;
    for (int i = 0; i < 300; ++i) {
      // Ids repeat far apart (the sequence wraps at 180) and close by (every ninth record takes
      // the id of the record three before it, inside the same statement).
      const int at = i % 9 == 4 ? i - 3 : i;
      const int id = (at * 7 + round) % 180;
      const std::string srid = "r" + std::to_string(id);
      const int64_t version = 1 + (i / 40 + id) % 3;
      if (i % 29 == 5) {
        records.push_back(Rejected(i, srid));
      } else if (i % 31 == 7) {
        records.push_back(Retraction(i, srid, version + 1));
      } else {
        records.push_back(Accepted(i, srid, version, i % 5 == 0 ? "测试乙" : "测试甲"));
      }
      records.back().record_index = i;
    }
    return records;
  };
  const std::filesystem::path one_by_one_dir = dir_ / "one-by-one";
  auto one_by_one = SqliteIngestStore::OpenInDirectory(one_by_one_dir.string());
  ASSERT_TRUE(one_by_one.ok()) << one_by_one.status();
  for (int round = 0; round < 2; ++round) {
    std::vector<RecordSubmission> records = records_for(round);
    CommitResult together = Commit(Batch("together-" + std::to_string(round), records));
    std::vector<v1::RecordResult> expected;
    for (size_t i = 0; i < records.size(); ++i) {
      RecordSubmission alone = records[i];
      alone.record_index = 0;
      auto result =
          (*one_by_one)
              ->CommitBatch(
                  Batch("alone-" + std::to_string(round) + "-" + std::to_string(i), {alone}),
                  AnswerBatch);
      ASSERT_TRUE(result.ok()) << result.status();
      expected.push_back(result->response.outcomes(0).result());
    }
    EXPECT_EQ(Results(together.response), expected) << "round " << round;
  }
  for (int id = 0; id < 180; ++id) {
    const std::string srid = "r" + std::to_string(id);
    auto mine = ReadStoredRecord(*store_, "civil_affairs", srid);
    auto theirs = ReadStoredRecord(**one_by_one, "civil_affairs", srid);
    ASSERT_EQ(mine.ok(), theirs.ok()) << srid;
    if (!mine.ok()) continue;
    EXPECT_EQ(mine->version(), theirs->version()) << srid;
    EXPECT_EQ(mine->retracted(), theirs->retracted()) << srid;
    EXPECT_EQ(mine->person().name_original(), theirs->person().name_original()) << srid;
  }
  EXPECT_EQ(Pending(), (*one_by_one)->OutboxPending().value());
}

TEST_F(SqliteIngestStoreTest, SealedAndUnsealedRecordsAreStoredAlike) {
  RecordSubmission sealed = Accepted(0, "sa-1", 1);
  ASSERT_TRUE(Seal("b1", &sealed));
  EXPECT_EQ(sealed.sealed.content_hash.size(), 32u);
  CommitResult first = Commit(Batch("b1", {sealed, Accepted(1, "sa-2", 1)}));
  EXPECT_EQ(Results(first.response), (std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED,
                                                                    v1::RECORD_RESULT_ACCEPTED}));
  // The same content, sealed for another batch or not sealed at all, is recognized as unchanged.
  RecordSubmission resealed = Accepted(0, "sa-2", 1);
  ASSERT_TRUE(Seal("b2", &resealed));
  CommitResult second = Commit(Batch("b2", {Accepted(1, "sa-1", 1), resealed}));
  EXPECT_EQ(Results(second.response), (std::vector<v1::RecordResult>{v1::RECORD_RESULT_UNCHANGED,
                                                                     v1::RECORD_RESULT_UNCHANGED}));
  std::vector<records::v1::NormalizedRecord> forwarded = DrainOutbox();
  ASSERT_EQ(forwarded.size(), 2u);
  for (const records::v1::NormalizedRecord& record : forwarded) EXPECT_EQ(record.batch_id(), "b1");
  absl::StatusOr<records::v1::NormalizedRecord> stored =
      ReadStoredRecord(*store_, "civil_affairs", "sa-1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->batch_id(), "b1");
  EXPECT_EQ(stored->person().name_original(), "测试甲");
  // The stored bytes parse as the record with the batch id; a batch id the record already
  // carried neither changes its hash nor leaks into what is stored.
  records::v1::NormalizedRecord parsed;
  ASSERT_TRUE(parsed.ParseFromString(sealed.sealed.bytes));
  records::v1::NormalizedRecord expected = sealed.normalized;
  expected.set_batch_id("b1");
  EXPECT_EQ(parsed.SerializeAsString(), expected.SerializeAsString());
  RecordSubmission carried = Accepted(0, "sa-1", 1);
  carried.normalized.set_batch_id("old-batch");
  ASSERT_TRUE(Seal("b1", &carried));
  EXPECT_EQ(carried.sealed.content_hash, sealed.sealed.content_hash);
  ASSERT_TRUE(parsed.ParseFromString(carried.sealed.bytes));
  EXPECT_EQ(parsed.batch_id(), "b1");
  EXPECT_EQ(carried.normalized.batch_id(), "old-batch");
  // Sealing leaves the normalized record as it was.
  EXPECT_TRUE(sealed.normalized.batch_id().empty());
}

TEST_F(SqliteIngestStoreTest, RetractionReplacesTheRecordAndIsForwarded) {
  Commit(Batch("b1", {Accepted(0, "r0", 1)}));
  EXPECT_EQ(DrainOutbox().size(), 1u);

  CommitResult retracted = Commit(Batch("b2", {Retraction(0, "r0", 2)}));
  EXPECT_EQ(Results(retracted.response),
            std::vector<v1::RecordResult>{v1::RECORD_RESULT_RETRACTED});
  EXPECT_EQ(retracted.response.batch().retracted_count(), 1);
  EXPECT_EQ(retracted.response.batch().accepted_count(), 0);
  EXPECT_EQ(retracted.response.issues_size(), 0);
  auto stored = ReadStoredRecord(*store_, "civil_affairs", "r0");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->retracted());
  EXPECT_FALSE(stored->has_person());
  std::vector<records::v1::NormalizedRecord> sent = DrainOutbox();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].retracted());
  EXPECT_EQ(sent[0].version(), 2);

  // Sent again: nothing changes. The old version arriving late is stale.
  CommitResult again = Commit(Batch("b3", {Retraction(0, "r0", 2), Accepted(1, "r0", 1)}));
  EXPECT_EQ(Results(again.response),
            (std::vector<v1::RecordResult>{v1::RECORD_RESULT_UNCHANGED, v1::RECORD_RESULT_STALE}));
  EXPECT_EQ(Pending(), 0);
  auto batch = store_->GetBatch("civil_affairs", "b2");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->retracted_count(), 1);

  // A newer version brings the record back.
  CommitResult back = Commit(Batch("b4", {Accepted(0, "r0", 3)}));
  EXPECT_EQ(Results(back.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED});
  EXPECT_FALSE(ReadStoredRecord(*store_, "civil_affairs", "r0")->retracted());
}

TEST_F(SqliteIngestStoreTest, RetractionOfAnUnknownRecordIsKeptWithAWarning) {
  CommitResult result = Commit(Batch("b1", {Retraction(0, "never-sent", 5)}));
  EXPECT_EQ(Results(result.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_RETRACTED});
  ASSERT_EQ(result.response.issues_size(), 1);
  EXPECT_EQ(result.response.issues(0).reason(), reason::kRetractionUnknown);
  EXPECT_EQ(result.response.issues(0).severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(result.response.batch().warning_count(), 0);
  // The tombstone makes the older version stale when it arrives afterwards.
  CommitResult late = Commit(Batch("b2", {Accepted(0, "never-sent", 4)}));
  EXPECT_EQ(Results(late.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_STALE});
}

TEST_F(SqliteIngestStoreTest, ListIssuesPagesBySequence) {
  std::vector<RecordSubmission> records;
  for (int i = 0; i < 5; ++i) records.push_back(Rejected(i, "r" + std::to_string(i)));
  Commit(Batch("b1", std::move(records)));
  auto first = store_->ListIssues("civil_affairs", "b1", 0, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->issues.size(), 2u);
  EXPECT_EQ(first->issues[0].record_index(), 0);
  EXPECT_EQ(first->issues[1].record_index(), 1);
  EXPECT_EQ(first->next_after_seq, 2);
  auto second = store_->ListIssues("civil_affairs", "b1", first->next_after_seq, 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->issues[0].record_index(), 2);
  auto last = store_->ListIssues("civil_affairs", "b1", 4, 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->issues.size(), 1u);
  EXPECT_EQ(last->issues[0].record_index(), 4);
  EXPECT_EQ(last->issues[0].severity(), v1::SEVERITY_ERROR);
  EXPECT_EQ(last->next_after_seq, 0);
  EXPECT_EQ(store_->ListIssues("civil_affairs", "nope", 0, 2).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteIngestStoreTest, ResponseCarriesAtMostTheFirstPageOfIssues) {
  std::vector<RecordSubmission> records;
  for (int i = 0; i < kResponseIssueLimit + 5; ++i) {
    records.push_back(Rejected(i, "r" + std::to_string(i)));
  }
  CommitResult result = Commit(Batch("b1", std::move(records)));
  EXPECT_EQ(result.response.issues_size(), kResponseIssueLimit);
  EXPECT_EQ(result.response.batch().rejected_count(), kResponseIssueLimit + 5);
  auto all = store_->ListIssues("civil_affairs", "b1", 0, 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->issues.size(), static_cast<size_t>(kResponseIssueLimit + 5));
}

TEST_F(SqliteIngestStoreTest, StoresTheAnswerTheResponderBuildsFromItsDecisions) {
  Commit(Batch("b1", {Accepted(0, "r0", 2)}));
  VersionDecisions seen;
  const BatchResponder respond = [&seen](const BatchSubmission& batch,
                                         const VersionDecisions& decisions) {
    seen = decisions;
    BatchAnswer answer;
    answer.response.mutable_batch()->set_batch_id(batch.batch_id);
    answer.response.mutable_batch()->set_received_time("2024-06-01T12:00:00Z");
    answer.response.mutable_batch()->set_accepted_count(7);
    for (const char* reason : {"FIRST", "SECOND"}) {
      v1::RecordIssue& issue = answer.issues.emplace_back();
      issue.set_reason(reason);
      issue.set_record_index(1);
    }
    return answer;
  };
  auto result = store_->CommitBatch(Batch("b2", {Accepted(0, "r0", 1), Rejected(1, "r1"),
                                                 Accepted(2, "r2", 1), Retraction(3, "r3", 1)}),
                                    respond);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(seen, (VersionDecisions{VersionDecision::kStale, std::nullopt, VersionDecision::kNew,
                                    VersionDecision::kRetractionOfUnknown}));
  EXPECT_EQ(result->enqueued, 2);
  EXPECT_EQ(result->response.batch().accepted_count(), 7);
  auto batch = store_->GetBatch("civil_affairs", "b2");
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->accepted_count(), 7);
  auto stored = store_->FindResponse("civil_affairs", "b2");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->SerializeAsString(), result->response.SerializeAsString());
  auto issues = store_->ListIssues("civil_affairs", "b2", 0, 10);
  ASSERT_TRUE(issues.ok()) << issues.status();
  ASSERT_EQ(issues->issues.size(), 2u);
  EXPECT_EQ(issues->issues[0].reason(), "FIRST");
  EXPECT_EQ(issues->issues[1].reason(), "SECOND");
}

TEST_F(SqliteIngestStoreTest, ReopenKeepsEverything) {
  CommitResult first = Commit(Batch("b1", {Accepted(0, "r0", 1), Rejected(1, "r1")}));
  Reopen();
  auto batch = store_->GetBatch("civil_affairs", "b1");
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->match_queued_count(), 1);
  batch->clear_match_queued_count();
  EXPECT_EQ(batch->SerializeAsString(), first.response.batch().SerializeAsString());
  EXPECT_EQ(Pending(), 1);
  EXPECT_TRUE(ReadStoredRecord(*store_, "civil_affairs", "r0").ok());
  CommitResult again = Commit(Batch("b1", {}));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.response.SerializeAsString(), first.response.SerializeAsString());
  CommitResult resent = Commit(Batch("b2", {Accepted(0, "r0", 1)}));
  EXPECT_EQ(Results(resent.response), std::vector<v1::RecordResult>{v1::RECORD_RESULT_UNCHANGED});
  EXPECT_EQ(store_->GetBatch("civil_affairs", "nope").status().code(), absl::StatusCode::kNotFound);
}

// GetBatch says how many of a batch's forwarded records match-service has not yet acknowledged:
// only its own (not those of the batches queued around it), and 0 once all are delivered.
TEST_F(SqliteIngestStoreTest, GetBatchCountsItsRecordsStillQueuedForMatch) {
  CommitResult b1 = Commit(Batch("b1", {Accepted(0, "r0", 1), Rejected(1, "r1"),
                                        Accepted(2, "r2", 1), Retraction(3, "r3", 1)}));
  // SubmitBatch's answer is given before anything is delivered and replayed as it was: no count.
  EXPECT_FALSE(b1.response.batch().has_match_queued_count());
  Commit(Batch("b2", {Accepted(0, "r4", 1), Accepted(1, "r0", 1)}));  // r0: unchanged
  Commit(Batch("b3", {Accepted(0, "r2", 1)}));                        // nothing forwarded
  EXPECT_EQ(Pending(), 4);
  EXPECT_EQ(QueuedForMatch("b1"), 3);
  EXPECT_EQ(QueuedForMatch("b2"), 1);
  EXPECT_EQ(QueuedForMatch("b3"), 0);

  Deliver(2);
  EXPECT_EQ(QueuedForMatch("b1"), 1);
  EXPECT_EQ(QueuedForMatch("b2"), 1);
  Deliver(1);
  EXPECT_EQ(QueuedForMatch("b1"), 0);
  EXPECT_EQ(QueuedForMatch("b2"), 1);
  Commit(Batch("b4", {Accepted(0, "r5", 1)}));
  EXPECT_EQ(QueuedForMatch("b2"), 1);
  EXPECT_EQ(QueuedForMatch("b4"), 1);
  Deliver(2);
  EXPECT_EQ(QueuedForMatch("b2"), 0);
  EXPECT_EQ(QueuedForMatch("b4"), 0);
  EXPECT_EQ(Pending(), 0);
}

// A batch stored before ingest kept each batch's outbox ids counts every record queued at the
// upgrade: never fewer than its own, and 0 once those are delivered.
TEST_F(SqliteIngestStoreTest, BatchesFromBeforeTheUpgradeCountAnUpperBound) {
  Commit(Batch("old1", {Accepted(0, "r0", 1), Accepted(1, "r1", 1)}));
  Commit(Batch("old2", {Accepted(0, "r2", 1)}));
  Deliver(1);
  // The database as the previous version left it.
  store_.reset();
  {
    auto db = common::Database::Open((dir_ / "ingest.db").string());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Run([&] {
                      return (*db)->Exec(
                          "ALTER TABLE batches DROP COLUMN match_first_outbox_id;"
                          "ALTER TABLE batches DROP COLUMN match_last_outbox_id;"
                          "PRAGMA user_version = 5;");
                    })
                    .ok());
  }
  Reopen();
  Commit(Batch("new", {Accepted(0, "r3", 1)}));
  EXPECT_EQ(QueuedForMatch("old1"), 2);  // its own r1, and old2's r2
  EXPECT_EQ(QueuedForMatch("old2"), 2);
  EXPECT_EQ(QueuedForMatch("new"), 1);
  Deliver(1);
  EXPECT_EQ(QueuedForMatch("old1"), 1);
  Deliver(1);
  EXPECT_EQ(QueuedForMatch("old1"), 0);
  EXPECT_EQ(QueuedForMatch("old2"), 0);
  EXPECT_EQ(QueuedForMatch("new"), 1);
}

TEST_F(SqliteIngestStoreTest, MatchQueueStateHasTheFirstQueuedRecordsTime) {
  auto queue = store_->MatchQueueState();
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->records, 0);
  EXPECT_EQ(queue->oldest_stored, std::nullopt);

  const absl::Time first = clock_.Now();
  Commit(Batch("b1", {Accepted(0, "r0", 1), Accepted(1, "r1", 1)}));
  clock_.Advance(absl::Seconds(30));
  Commit(Batch("b2", {Accepted(0, "r2", 1)}));
  queue = store_->MatchQueueState();
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->records, 3);
  EXPECT_EQ(queue->oldest_stored, first);
  Deliver(2);
  queue = store_->MatchQueueState();
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->records, 1);
  EXPECT_EQ(queue->oldest_stored, first + absl::Seconds(30));
  Deliver(1);
  queue = store_->MatchQueueState();
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->records, 0);
  EXPECT_EQ(queue->oldest_stored, std::nullopt);
}

// Every statement the store prepares, on either connection, finds its rows through an index: the
// records, issues, batches and outbox tables grow with the data, so a full scan of one would make
// every batch slower than the last (GetBatch's count of queued records reads between the batch's
// first and last outbox ids).
TEST_F(SqliteIngestStoreTest, NoStatementScansATableThatGrows) {
  // Every path: new, rejected, warned, newer, stale, unchanged, conflicting, retracted and
  // retracted-unknown records; a replayed batch; every read, hit and miss; the dispatcher's
  // outbox calls.
  Commit(Batch("b1", {Accepted(0, "r0", 1), Rejected(1, "r1"), WithWarning(Accepted(2, "r2", 1)),
                      Accepted(3, "r3", 2)}));
  RecordSubmission conflicting = Accepted(3, "r3", 2, "测试乙");
  Commit(Batch("b2", {Accepted(0, "r0", 2), Accepted(1, "r3", 1), Accepted(2, "r2", 1), conflicting,
                      Retraction(4, "r0", 3), Retraction(5, "never-sent", 1)}));
  EXPECT_TRUE(Commit(Batch("b2", {})).replayed);
  ASSERT_TRUE(store_->FindResponse("civil_affairs", "b1").ok());
  ASSERT_TRUE(store_->FindResponse("civil_affairs", "nope").ok());
  ASSERT_TRUE(store_->GetBatch("civil_affairs", "b1").ok());
  EXPECT_FALSE(store_->GetBatch("civil_affairs", "nope").ok());
  ASSERT_TRUE(store_->MatchQueueState().ok());
  ASSERT_TRUE(store_->ListIssues("civil_affairs", "b1", 0, 1).ok());
  ASSERT_TRUE(store_->ListIssues("civil_affairs", "b2", 1, 100).ok());
  EXPECT_FALSE(store_->ListIssues("civil_affairs", "nope", 0, 1).ok());
  EXPECT_GT(Pending(), 0);
  auto due = store_->outbox()->Due(kMatchTopic, 2, absl::ToUnixMillis(absl::Now()) + 1000);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  ASSERT_TRUE(store_->outbox()->Reschedule({(*due)[0].id}, 0).ok());
  ASSERT_TRUE(store_->outbox()->Delete({(*due)[1].id}).ok());
  ASSERT_TRUE(ReadStoredRecord(*store_, "civil_affairs", "r0").ok());

  common::QueryPlanPolicy policy;
  // One row per outbox topic.
  policy.small_tables.insert("outbox_pending");
  const std::vector<common::Database*> connections = store_->ConnectionsForTesting();
  ASSERT_EQ(connections.size(), 2u);
  size_t statements = 0;
  for (common::Database* db : connections) {
    const std::vector<std::string> sql = db->CompiledSql();
    statements += sql.size();
    absl::StatusOr<std::vector<std::string>> scans = common::FindFullScans(db, sql, policy);
    ASSERT_TRUE(scans.ok()) << scans.status();
    EXPECT_TRUE(scans->empty()) << ::testing::PrintToString(*scans);
  }
  EXPECT_GE(statements, 14u);
}

}  // namespace
}  // namespace lifeline::ingest
