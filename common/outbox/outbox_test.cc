#include "common/outbox/outbox.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/status/status_macros.h"
#include "common/storage/query_plan.h"
#include "common/storage/sqlite.h"
#include "common/testing/process.h"
#include "common/time/dates.h"

namespace lifeline::common {
namespace {

using std::chrono::milliseconds;

constexpr auto kDeadline = std::chrono::seconds(20);

using testing::TempDir;

std::unique_ptr<Database> OpenWithOutbox(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  EXPECT_TRUE((*db)
                  ->Migrate({Outbox::SchemaMigration(1), Outbox::PendingCountMigration(2),
                             Outbox::QueueOrderMigration(3), Outbox::DueTimeMigration(4),
                             Outbox::ParkedMigration(5)})
                  .ok());
  return std::move(db).value();
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// Records what a receiver got; optionally fails the first `fail_first` batches.
class RecordingReceiver {
 public:
  explicit RecordingReceiver(int fail_first = 0) : fail_left_(fail_first) {}

  OutboxDispatcher::Sender AsSender() {
    return [this](const std::vector<OutboxMessage>& batch) -> absl::Status {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      if (fail_left_ > 0) {
        --fail_left_;
        return absl::UnavailableError("receiver down");
      }
      for (const OutboxMessage& m : batch) payloads_.push_back(m.payload);
      for (const OutboxMessage& m : batch) max_attempts_ = std::max(max_attempts_, m.attempts);
      cv_.notify_all();
      return absl::OkStatus();
    };
  }

  // Waits until `n` payloads arrived; false on timeout.
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return payloads_.size() >= n; });
  }

  std::vector<std::string> payloads() {
    std::lock_guard<std::mutex> lock(mu_);
    return payloads_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int max_attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_attempts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int fail_left_;
  int calls_ = 0;
  int max_attempts_ = 0;
  std::vector<std::string> payloads_;
};

std::vector<std::string> Numbered(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(absl::StrCat("m", i));
  return out;
}

TEST(OutboxTest, EnqueueDueDeleteAndPending) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.Enqueue("match", "a").ok());
  ASSERT_TRUE(outbox.Enqueue("match", std::string("b\0c", 3)).ok());
  ASSERT_TRUE(outbox.Enqueue("referral", "x").ok());
  EXPECT_EQ(outbox.Pending("match").value(), 2);
  EXPECT_EQ(outbox.Pending("referral").value(), 1);
  EXPECT_EQ(outbox.Pending("other").value(), 0);

  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("match", 10, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].payload, "a");
  EXPECT_EQ((*due)[1].payload, std::string("b\0c", 3));
  EXPECT_EQ((*due)[0].topic, "match");
  EXPECT_LT((*due)[0].id, (*due)[1].id);
  EXPECT_EQ(outbox.Due("match", 1, NowMs())->size(), 1u);
  // Nothing is due before it was enqueued.
  EXPECT_TRUE(outbox.Due("match", 10, NowMs() - 60000)->empty());

  ASSERT_TRUE(outbox.Delete({(*due)[0].id}).ok());
  EXPECT_EQ(outbox.Pending("match").value(), 1);
}

TEST(OutboxTest, RescheduleCountsAttemptsAndDelays) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.Enqueue("t", "p").ok());
  const int64_t id = outbox.Due("t", 1, NowMs())->at(0).id;
  const int64_t later = NowMs() + 60000;
  ASSERT_TRUE(outbox.Reschedule({id}, later).ok());
  EXPECT_TRUE(outbox.Due("t", 1, NowMs())->empty());
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 1, later);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 1);
}

TEST(OutboxTest, EnqueueJoinsTheCallersTransaction) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  absl::Status status = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(outbox.Enqueue("t", "lost with the change"));
    return absl::InvalidArgumentError("the change failed");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

TEST(OutboxTest, EnqueueAllQueuesInOrderAndCountsOnce) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.EnqueueAll("t", {}).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 0);
  ASSERT_TRUE(outbox.Enqueue("t", "first").ok());
  ASSERT_TRUE(outbox.EnqueueAll("t", {"a", std::string_view("b\0c", 3), "d"}).ok());
  ASSERT_TRUE(outbox.EnqueueAll("u", {"x", "y"}).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 4);
  EXPECT_EQ(outbox.Pending("u").value(), 2);
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 10, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  std::vector<std::string> payloads;
  for (const OutboxMessage& message : *due) payloads.push_back(message.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"first", "a", std::string("b\0c", 3), "d"}));
  // A failed transaction takes its messages and their count with it.
  absl::Status failed = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(outbox.EnqueueAll("t", {"lost", "lost too"}));
    return absl::InvalidArgumentError("the change failed");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(outbox.Pending("t").value(), 4);
  ASSERT_TRUE(outbox.Delete({(*due)[0].id, (*due)[3].id}).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 2);
  EXPECT_EQ(outbox.Pending("u").value(), 2);
}

// EnqueueAll writes full statements of many messages and the rest one by one: around those sizes
// every message is queued once, in order, with increasing ids, and counted.
TEST(OutboxTest, EnqueueAllKeepsOrderAcrossStatementSizes) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  std::vector<std::string> expected;
  for (size_t size : {1, 127, 128, 129, 300, 512}) {
    std::vector<std::string> payloads;
    for (size_t i = 0; i < size; ++i) payloads.push_back(absl::StrCat(size, "-", i));
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    ASSERT_TRUE(outbox.EnqueueAll("t", views).ok()) << size;
    expected.insert(expected.end(), payloads.begin(), payloads.end());
  }
  EXPECT_EQ(outbox.Pending("t").value(), static_cast<int64_t>(expected.size()));
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 10000, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*due)[i].payload, expected[i]) << i;
    if (i > 0) {
      EXPECT_GT((*due)[i].id, (*due)[i - 1].id) << i;
    }
  }
}

TEST(OutboxTest, PendingCountMigrationCountsWhatIsAlreadyQueued) {
  // A database from before the count existed, with messages waiting.
  absl::StatusOr<std::unique_ptr<Database>> opened = Database::Open(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Database> db = std::move(opened).value();
  ASSERT_TRUE(db->Migrate({Outbox::SchemaMigration(1)}).ok());
  // Rows as the code of that time wrote them.
  ASSERT_TRUE(db->Run([&] {
                  return db->Exec(
                      "INSERT INTO outbox(topic, payload, next_attempt_ms, created_ms) VALUES "
                      "('t', 'm0', 0, 0), ('t', 'm1', 0, 0), ('t', 'm2', 0, 0), ('u', 'x', 0, 0)");
                }).ok());
  Outbox outbox(db.get());

  ASSERT_TRUE(db->Migrate({Outbox::SchemaMigration(1), Outbox::PendingCountMigration(2)}).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 3);
  EXPECT_EQ(outbox.Pending("u").value(), 1);
  ASSERT_TRUE(outbox.Enqueue("t", "later").ok());
  EXPECT_EQ(outbox.Pending("t").value(), 4);
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 2, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_TRUE(outbox.Delete({(*due)[0].id, (*due)[1].id}).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 2);
  EXPECT_EQ(outbox.Pending("u").value(), 1);
  // Rescheduling is not delivering.
  ASSERT_TRUE(outbox.Reschedule({outbox.Due("t", 1, NowMs())->at(0).id}, NowMs() + 60000).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 2);
}

TEST(OutboxTest, EnqueueAllReportsItsIdsAndCountQueuedFollowsDeliveries) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  OutboxIds none{7, 9};
  ASSERT_TRUE(outbox.EnqueueAll("t", {}, &none).ok());
  EXPECT_LT(none.last, none.first);
  EXPECT_EQ(outbox.CountQueued(none).value(), 0);
  ASSERT_TRUE(outbox.Enqueue("t", "before").ok());
  // 130: a full statement of 128 and two more one by one.
  std::vector<std::string> payloads = Numbered(130);
  OutboxIds ids;
  ASSERT_TRUE(outbox.EnqueueAll("t", {payloads.begin(), payloads.end()}, &ids).ok());
  ASSERT_TRUE(outbox.Enqueue("u", "after").ok());
  EXPECT_EQ(ids.last - ids.first + 1, 130);
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 1000, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 131u);
  EXPECT_EQ((*due)[1].id, ids.first);
  EXPECT_EQ((*due)[1].payload, "m0");
  EXPECT_EQ((*due)[130].id, ids.last);
  EXPECT_EQ((*due)[130].payload, "m129");
  EXPECT_EQ(outbox.CountQueued(ids).value(), 130);
  // The message before the range and the one after it are not counted.
  ASSERT_TRUE(outbox.Delete({(*due)[0].id, (*due)[1].id, (*due)[2].id}).ok());
  EXPECT_EQ(outbox.CountQueued(ids).value(), 128);
  std::vector<int64_t> rest;
  for (size_t i = 3; i < due->size(); ++i) rest.push_back((*due)[i].id);
  ASSERT_TRUE(outbox.Delete(rest).ok());
  EXPECT_EQ(outbox.CountQueued(ids).value(), 0);
  EXPECT_EQ(outbox.Pending("u").value(), 1);
}

TEST(OutboxTest, OldestCreatedMsIsTheFirstQueuedMessages) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  FakeClock clock(absl::FromUnixSeconds(1800000000));
  Outbox outbox(db.get(), &clock);
  EXPECT_EQ(outbox.OldestCreatedMs("t").value(), std::nullopt);
  const int64_t first = absl::ToUnixMillis(clock.Now());
  ASSERT_TRUE(outbox.EnqueueAll("t", {"a", "b"}).ok());
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(outbox.Enqueue("t", "c").ok());
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(outbox.Enqueue("u", "other topic").ok());
  EXPECT_EQ(outbox.OldestCreatedMs("t").value(), first);
  EXPECT_EQ(outbox.OldestCreatedMs("u").value(), first + 10000);
  // Delivery is scheduled on the real clock whatever the injected one says.
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 10, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 3u);
  // A failed first message is still the oldest; delivered ones are not.
  ASSERT_TRUE(outbox.Reschedule({(*due)[0].id}, NowMs() + 60000).ok());
  EXPECT_EQ(outbox.OldestCreatedMs("t").value(), first);
  ASSERT_TRUE(outbox.Delete({(*due)[0].id, (*due)[1].id}).ok());
  EXPECT_EQ(outbox.OldestCreatedMs("t").value(), first + 5000);
  ASSERT_TRUE(outbox.Delete({(*due)[2].id}).ok());
  EXPECT_EQ(outbox.OldestCreatedMs("t").value(), std::nullopt);
}

// After QueueOrderMigration, Due walks a topic in id order and stops at its limit, where the old
// index made it sort every due message first; the other reads touch only what they return.
TEST(OutboxTest, QueueOrderReadsStopAtTheirLimit) {
  absl::StatusOr<std::unique_ptr<Database>> opened = Database::Open(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Database> db = std::move(opened).value();
  ASSERT_TRUE(db->Migrate({Outbox::SchemaMigration(1), Outbox::PendingCountMigration(2)}).ok());
  Outbox outbox(db.get());
  std::vector<std::string> payloads = Numbered(6);
  ASSERT_TRUE(outbox.EnqueueAll("t", {payloads.begin(), payloads.end()}).ok());
  auto due_plan = [&]() {
    std::string plan;
    EXPECT_TRUE(db->Run([&] {
                    return db->ForEachRow(
                        "EXPLAIN QUERY PLAN SELECT id, topic, payload, attempts FROM outbox "
                        "WHERE topic = ? AND next_attempt_ms <= ? ORDER BY id LIMIT ?",
                        [&](const Statement& row) { plan += row.ColumnText(3) + "\n"; });
                  }).ok());
    return plan;
  };
  ASSERT_THAT(due_plan(), ::testing::HasSubstr("TEMP B-TREE"));  // what the migration fixes

  // Messages queued before the migration stay queued, in order.
  ASSERT_TRUE(db->Migrate({Outbox::SchemaMigration(1), Outbox::PendingCountMigration(2),
                           Outbox::QueueOrderMigration(3)})
                  .ok());
  EXPECT_THAT(due_plan(), ::testing::Not(::testing::HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(due_plan(), ::testing::HasSubstr("outbox_queue"));
  ASSERT_TRUE(outbox.Enqueue("u", "other topic").ok());
  absl::StatusOr<std::vector<OutboxMessage>> due = outbox.Due("t", 3, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].payload, "m0");
  // A rescheduled message is passed over until it is due again.
  ASSERT_TRUE(outbox.Reschedule({(*due)[0].id, (*due)[1].id}, NowMs() + 60000).ok());
  due = outbox.Due("t", 2, NowMs());
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].payload, "m2");
  EXPECT_EQ((*due)[1].payload, "m3");
  EXPECT_EQ(outbox.Due("t", 10, NowMs() + 60000)->front().payload, "m0");
  ASSERT_TRUE(outbox.OldestCreatedMs("t").ok());
  ASSERT_TRUE(outbox.CountQueued(OutboxIds{2, 4}).ok());

  QueryPlanPolicy policy;
  policy.small_tables = {"outbox_pending"};  // one row per topic
  absl::StatusOr<std::vector<std::string>> scans =
      FindFullScans(db.get(), db->CompiledSql(), policy);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_THAT(*scans, ::testing::IsEmpty());
}

// DueByTime reads the earliest due first through its index; parking takes a message out of the
// queue and the pending count, and unparking puts it back under its id, due now, attempts reset.
TEST(OutboxTest, DueByTimeParkAndUnpark) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(4)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  ASSERT_TRUE(outbox.Enqueue("u", "other topic").ok());
  std::vector<OutboxMessage> all = outbox.DueByTime("t", 10, NowMs()).value();
  ASSERT_EQ(all.size(), 4u);
  // m0 waits a minute, m1 a second: both fall behind m2 and m3, m1 before m0.
  ASSERT_TRUE(
      outbox.RescheduleEach({{all[0].id, NowMs() + 60000}, {all[1].id, NowMs() + 1000}}).ok());
  std::vector<OutboxMessage> due = outbox.DueByTime("t", 10, NowMs()).value();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].payload, "m2");
  due = outbox.DueByTime("t", 10, NowMs() + 120000).value();
  ASSERT_EQ(due.size(), 4u);
  EXPECT_EQ(due[2].payload, "m1");
  EXPECT_EQ(due[2].attempts, 1);
  EXPECT_EQ(due[3].payload, "m0");
  EXPECT_EQ(outbox.DueByTime("t", 1, NowMs()).value().size(), 1u);

  EXPECT_TRUE(outbox.Park(all[0].id, "UNAVAILABLE").value());
  EXPECT_FALSE(outbox.Park(all[0].id, "UNAVAILABLE").value());  // not queued any more
  EXPECT_EQ(outbox.Pending("t").value(), 3);
  EXPECT_EQ(outbox.ParkedCount("t").value(), 1);
  EXPECT_EQ(outbox.ParkedCount("u").value(), 0);
  EXPECT_EQ(outbox.DueByTime("t", 10, NowMs() + 120000).value().size(), 3u);
  EXPECT_EQ(outbox.Unpark(all[1].id).code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(outbox.Unpark(all[0].id).ok());
  EXPECT_EQ(outbox.Pending("t").value(), 4);
  EXPECT_EQ(outbox.ParkedCount("t").value(), 0);
  due = outbox.DueByTime("t", 10, NowMs()).value();
  ASSERT_EQ(due.size(), 3u);  // m0 is due again at once, m1 still waits
  auto m0 = std::find_if(due.begin(), due.end(),
                         [&](const OutboxMessage& m) { return m.id == all[0].id; });
  ASSERT_NE(m0, due.end());
  EXPECT_EQ(m0->payload, "m0");
  EXPECT_EQ(m0->attempts, 0);

  QueryPlanPolicy policy;
  policy.small_tables = {"outbox_pending"};
  absl::StatusOr<std::vector<std::string>> scans =
      FindFullScans(db.get(), db->CompiledSql(), policy);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_THAT(*scans, ::testing::IsEmpty());
}

// With per-message backoff a receiver that is down holds back only its own messages: the others
// are delivered in the same round, and the failed one waits out its own, growing backoff.
TEST(OutboxDispatcherTest, PerMessageBackoffHasNoHeadOfLineBlocking) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(5)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  std::vector<std::string> sent;
  bool m0_down = true;
  OutboxDispatcher::Sender sender =
      [&](const std::vector<OutboxMessage>& batch) -> OutboxDispatcher::SendResult {
    OutboxDispatcher::SendResult result = absl::OkStatus();
    for (const OutboxMessage& m : batch) {
      sent.push_back(m.payload);
      if (m.payload == "m0" && m0_down) {
        result.status = absl::UnavailableError("receiver down");
      } else {
        result.settled.push_back(m.id);
      }
    }
    return result;
  };
  OutboxDispatcher dispatcher(&outbox, sender,
                              {.topic = "t",
                               .batch_size = 2,
                               .min_backoff = milliseconds(60000),
                               .max_backoff = milliseconds(600000),
                               .per_message_backoff = true});
  // m0 fails, m1 is delivered; the next rounds carry on behind m0.
  EXPECT_EQ(dispatcher.DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 2);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 1);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 0);
  EXPECT_EQ(sent, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  EXPECT_EQ(dispatcher.delivered(), 4);
  EXPECT_EQ(dispatcher.failures(), 1);
  // m0 waits min_backoff (a minute) after its first failure, then twice that.
  std::vector<OutboxMessage> left = outbox.DueByTime("t", 10, NowMs() + 61000).value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].attempts, 1);
  EXPECT_TRUE(outbox.DueByTime("t", 10, NowMs() + 59000).value().empty());
  // Made due now (which counts as an attempt too): after its third failure it waits 4 minutes.
  ASSERT_TRUE(outbox.RescheduleEach({{left[0].id, NowMs()}}).ok());
  EXPECT_EQ(dispatcher.DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(outbox.DueByTime("t", 10, NowMs() + 239000).value().empty());
  EXPECT_EQ(outbox.DueByTime("t", 10, NowMs() + 241000).value().size(), 1u);
  m0_down = false;
  ASSERT_TRUE(outbox.RescheduleEach({{left[0].id, NowMs()}}).ok());
  EXPECT_EQ(dispatcher.DrainOnce().value(), 1);
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

// The thread keeps delivering the other messages while one receiver stays down.
TEST(OutboxDispatcherTest, PerMessageBackoffThreadDeliversAroundADownReceiver) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.Enqueue("t", "down").ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> delivered;
  int down_attempts = 0;
  OutboxDispatcher::Sender sender =
      [&](const std::vector<OutboxMessage>& batch) -> OutboxDispatcher::SendResult {
    std::lock_guard<std::mutex> lock(mu);
    OutboxDispatcher::SendResult result = absl::OkStatus();
    for (const OutboxMessage& m : batch) {
      if (m.payload == "down") {
        ++down_attempts;
        result.status = absl::UnavailableError("receiver down");
      } else {
        delivered.push_back(m.payload);
        result.settled.push_back(m.id);
      }
    }
    cv.notify_all();
    return result;
  };
  OutboxDispatcher dispatcher(&outbox, sender,
                              {.topic = "t",
                               .batch_size = 3,
                               .min_backoff = milliseconds(1),
                               .max_backoff = milliseconds(20),
                               .idle_poll = milliseconds(5),
                               .per_message_backoff = true});
  dispatcher.Start();
  for (const std::string& p : Numbered(20)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  dispatcher.Wake();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(
        cv.wait_for(lock, kDeadline, [&] { return delivered.size() == 20 && down_attempts >= 3; }));
  }
  dispatcher.Stop();
  EXPECT_EQ(delivered, Numbered(20));  // in order among themselves, each once
  EXPECT_EQ(outbox.Pending("t").value(), 1);
}

TEST(OutboxDispatcherTest, DrainOnceDeliversInOrderInBatches) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(5)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  RecordingReceiver receiver;
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(), {.topic = "t", .batch_size = 2});
  EXPECT_EQ(dispatcher.DrainOnce().value(), 2);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 2);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 1);
  EXPECT_EQ(dispatcher.DrainOnce().value(), 0);
  EXPECT_EQ(receiver.payloads(), Numbered(5));
  EXPECT_EQ(dispatcher.delivered(), 5);
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

TEST(OutboxDispatcherTest, DrainOnceFailureKeepsMessagesAndBacksOff) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.Enqueue("t", "p").ok());
  RecordingReceiver receiver(/*fail_first=*/1);
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(),
                              {.topic = "t", .min_backoff = milliseconds(60000)});
  absl::StatusOr<int> first = dispatcher.DrainOnce();
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(dispatcher.failures(), 1);
  EXPECT_EQ(outbox.Pending("t").value(), 1);
  // Rescheduled a minute ahead: not due now.
  EXPECT_EQ(dispatcher.DrainOnce().value(), 0);
  EXPECT_EQ(outbox.Due("t", 1, NowMs() + 61000)->at(0).attempts, 1);
}

TEST(OutboxDispatcherTest, FailingReceiverThenRecoveryDeliversEverythingExactlyOnce) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  const std::vector<std::string> payloads = Numbered(25);
  for (const std::string& p : payloads) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  RecordingReceiver receiver(/*fail_first=*/3);
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(),
                              {.topic = "t",
                               .batch_size = 10,
                               .min_backoff = milliseconds(1),
                               .max_backoff = milliseconds(4),
                               .idle_poll = milliseconds(3600000)});
  dispatcher.Start();
  ASSERT_TRUE(receiver.WaitFor(payloads.size()));
  dispatcher.Stop();
  EXPECT_EQ(receiver.payloads(), payloads);  // in order, each once
  EXPECT_EQ(dispatcher.failures(), 3);
  EXPECT_EQ(dispatcher.delivered(), 25);
  EXPECT_GE(receiver.max_attempts(), 3);
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

// A sender with one receiver per message (referral-service's partners) fails a batch in part:
// what it settled is deleted and never sent again, only the rest is retried.
TEST(OutboxDispatcherTest, PartialFailureDeletesWhatTheSenderSettledAndRetriesTheRest) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(5)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  ASSERT_TRUE(outbox.Enqueue("other", "not in the batch").ok());
  const int64_t other_id = outbox.Due("other", 1, NowMs())->at(0).id;
  // Receivers of m1 and m3 are down once; a settled id outside the batch is ignored.
  std::set<std::string> down = {"m1", "m3"};
  std::vector<std::string> sent;
  OutboxDispatcher::Sender sender =
      [&](const std::vector<OutboxMessage>& batch) -> OutboxDispatcher::SendResult {
    OutboxDispatcher::SendResult result = absl::OkStatus();
    for (const OutboxMessage& m : batch) {
      sent.push_back(m.payload);
      if (down.erase(m.payload) > 0) {
        result.status = absl::UnavailableError("receiver down");
      } else {
        result.settled.push_back(m.id);
      }
    }
    result.settled.push_back(other_id);
    return result;
  };
  OutboxDispatcher::Options options;
  options.topic = "t";
  options.min_backoff = milliseconds(0);
  options.max_backoff = milliseconds(0);
  OutboxDispatcher dispatcher(&outbox, sender, options);

  EXPECT_EQ(dispatcher.DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(dispatcher.delivered(), 3);
  EXPECT_EQ(dispatcher.failures(), 1);
  EXPECT_EQ(outbox.Pending("t").value(), 2);
  EXPECT_EQ(outbox.Pending("other").value(), 1);
  absl::StatusOr<std::vector<OutboxMessage>> left = outbox.Due("t", 10, NowMs());
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].payload, "m1");
  EXPECT_EQ((*left)[0].attempts, 1);
  EXPECT_EQ((*left)[1].payload, "m3");

  EXPECT_EQ(dispatcher.DrainOnce().value(), 2);
  EXPECT_EQ(sent, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m1", "m3"}));
  EXPECT_EQ(dispatcher.delivered(), 5);
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

TEST(OutboxDispatcherTest, FullBatchesLoopWithoutWaiting) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(7)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  RecordingReceiver receiver;
  // With an hour-long idle poll, only the "full batch: go again" rule can deliver all seven.
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(),
                              {.topic = "t", .batch_size = 2, .idle_poll = milliseconds(3600000)});
  dispatcher.Start();
  ASSERT_TRUE(receiver.WaitFor(7));
  EXPECT_EQ(receiver.payloads(), Numbered(7));
  EXPECT_EQ(receiver.calls(), 4);
}

TEST(OutboxTest, DueSkipsIdsUpToAfterId) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(4)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  absl::StatusOr<std::vector<OutboxMessage>> all = outbox.Due("t", 10, NowMs());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 4u);
  absl::StatusOr<std::vector<OutboxMessage>> rest = outbox.Due("t", 10, NowMs(), (*all)[1].id);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].payload, "m2");
  EXPECT_EQ((*rest)[1].payload, "m3");
}

// The thread deletes a delivered batch while it sends the next one: a backlog still goes out in
// order, each message once, through a failure in the middle, and the outbox ends empty.
TEST(OutboxDispatcherTest, BacklogDrainsInOrderOnceWhileDeletesOverlapSends) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  const std::vector<std::string> payloads = Numbered(23);
  for (const std::string& p : payloads) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::vector<std::string> received;
  OutboxDispatcher::Sender sender =
      [&](const std::vector<OutboxMessage>& batch) -> OutboxDispatcher::SendResult {
    std::lock_guard<std::mutex> lock(mu);
    // The third batch fails once, after two were delivered and one of them is being deleted.
    if (++calls == 3) return absl::UnavailableError("receiver down");
    for (const OutboxMessage& m : batch) received.push_back(m.payload);
    cv.notify_all();
    return absl::OkStatus();
  };
  OutboxDispatcher dispatcher(&outbox, sender,
                              {.topic = "t",
                               .batch_size = 5,
                               .min_backoff = milliseconds(1),
                               .max_backoff = milliseconds(1),
                               .idle_poll = milliseconds(3600000)});
  dispatcher.Start();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return received.size() >= payloads.size(); }));
  }
  dispatcher.Stop();
  EXPECT_EQ(received, payloads);
  EXPECT_EQ(calls, 6);  // five batches and the failed one
  EXPECT_EQ(dispatcher.failures(), 1);
  EXPECT_EQ(dispatcher.delivered(), 23);
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

// A batch delivered just before Stop is deleted on the way out, not sent again after a restart.
TEST(OutboxDispatcherTest, StopDeletesTheLastDeliveredBatch) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  for (const std::string& p : Numbered(6)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  OutboxDispatcher* running = nullptr;
  OutboxDispatcher::Sender sender =
      [&](const std::vector<OutboxMessage>&) -> OutboxDispatcher::SendResult {
    std::lock_guard<std::mutex> lock(mu);
    // Stop comes while the second batch is in flight (from the thread itself: it does not wait).
    if (++calls == 2) running->Stop();
    cv.notify_all();
    return absl::OkStatus();
  };
  OutboxDispatcher dispatcher(&outbox, sender,
                              {.topic = "t", .batch_size = 2, .idle_poll = milliseconds(3600000)});
  running = &dispatcher;
  dispatcher.Start();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return calls == 2; }));
  }
  dispatcher.Stop();  // waits for the thread
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(dispatcher.delivered(), 4);
  EXPECT_EQ(outbox.Pending("t").value(), 2);

  RecordingReceiver receiver;
  OutboxDispatcher restarted(&outbox, receiver.AsSender(), {.topic = "t"});
  EXPECT_EQ(restarted.DrainOnce().value(), 2);
  EXPECT_EQ(receiver.payloads(), (std::vector<std::string>{"m4", "m5"}));
}

TEST(OutboxDispatcherTest, WakeDeliversWithoutWaitingForThePoll) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  RecordingReceiver receiver;
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(),
                              {.topic = "t", .idle_poll = milliseconds(3600000)});
  dispatcher.Start();
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(outbox.Enqueue("t", absl::StrCat("m", round)).ok());
    dispatcher.Wake();
    ASSERT_TRUE(receiver.WaitFor(static_cast<size_t>(round) + 1)) << round;
  }
  EXPECT_EQ(receiver.payloads(), Numbered(3));
}

TEST(OutboxDispatcherTest, OtherTopicsAreLeftAlone) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  ASSERT_TRUE(outbox.Enqueue("mine", "a").ok());
  ASSERT_TRUE(outbox.Enqueue("theirs", "b").ok());
  RecordingReceiver receiver;
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(), {.topic = "mine"});
  EXPECT_EQ(dispatcher.DrainOnce().value(), 1);
  EXPECT_EQ(receiver.payloads(), std::vector<std::string>{"a"});
  EXPECT_EQ(outbox.Pending("theirs").value(), 1);
}

TEST(OutboxDispatcherTest, StopIsPromptWhileIdleAndWhileBackingOff) {
  std::unique_ptr<Database> db = OpenWithOutbox(":memory:");
  Outbox outbox(db.get());
  {
    RecordingReceiver receiver;
    OutboxDispatcher idle(&outbox, receiver.AsSender(),
                          {.topic = "t", .idle_poll = milliseconds(3600000)});
    idle.Start();
    const auto start = std::chrono::steady_clock::now();
    idle.Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, kDeadline);
  }
  ASSERT_TRUE(outbox.Enqueue("t", "p").ok());
  RecordingReceiver failing(/*fail_first=*/1000000);
  OutboxDispatcher backing_off(
      &outbox, failing.AsSender(),
      {.topic = "t", .min_backoff = milliseconds(3600000), .max_backoff = milliseconds(3600000)});
  backing_off.Start();
  // Wait for the first failed attempt, then stop during the hour-long backoff.
  const auto wait_until = std::chrono::steady_clock::now() + kDeadline;
  while (backing_off.failures() == 0 && std::chrono::steady_clock::now() < wait_until) {
    std::this_thread::yield();
  }
  ASSERT_EQ(backing_off.failures(), 1);
  const auto start = std::chrono::steady_clock::now();
  backing_off.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kDeadline);
  EXPECT_EQ(failing.calls(), 1);
  EXPECT_EQ(outbox.Pending("t").value(), 1);
}

TEST(OutboxDispatcherTest, MessagesSurviveReopeningBeforeDelivery) {
  TempDir dir;
  const std::string path = dir.path() + "/ingest.db";
  {
    std::unique_ptr<Database> db = OpenWithOutbox(path);
    Outbox outbox(db.get());
    for (const std::string& p : Numbered(3)) ASSERT_TRUE(outbox.Enqueue("t", p).ok());
    // "Crash": the process goes away with nothing delivered.
  }
  std::unique_ptr<Database> db = OpenWithOutbox(path);
  Outbox outbox(db.get());
  EXPECT_EQ(outbox.Pending("t").value(), 3);
  RecordingReceiver receiver;
  OutboxDispatcher dispatcher(&outbox, receiver.AsSender(), {.topic = "t"});
  EXPECT_EQ(dispatcher.DrainOnce().value(), 3);
  EXPECT_EQ(receiver.payloads(), Numbered(3));
  EXPECT_EQ(outbox.Pending("t").value(), 0);
}

}  // namespace
}  // namespace lifeline::common
