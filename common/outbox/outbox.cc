#include "common/outbox/outbox.h"

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/status/status_macros.h"

namespace lifeline::common {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// Messages one multi-row INSERT queues. A statement per message cost three times as much: the
// outbox's AUTOINCREMENT rewrites sqlite_sequence once per statement, and each statement has its
// own start-up.
constexpr size_t kMessagesPerInsert = 128;
// The parameter of the first payload in InsertSql.
constexpr int kFirstPayload = 4;

// INSERT of `rows` messages: ?1 is the topic, ?2 the time they are due, ?3 their creation time,
// ?4 ... the payloads in order (rows of one statement get increasing ids in VALUES order).
std::string InsertSql(size_t rows) {
  std::string sql = "INSERT INTO outbox(topic, payload, next_attempt_ms, created_ms) VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ", ", "(?1, ?", i + kFirstPayload, ", ?2, ?3)");
  }
  return sql;
}

// Reads a row of (id, topic, payload, attempts).
OutboxMessage ReadMessage(const Statement& row) {
  OutboxMessage message;
  message.id = row.ColumnInt(0);
  message.topic = row.ColumnText(1);
  message.payload = row.ColumnBlob(2);
  message.attempts = static_cast<int>(row.ColumnInt(3));
  return message;
}

}  // namespace

Migration Outbox::SchemaMigration(int version) {
  return Migration{version,
                   "CREATE TABLE outbox("
                   "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                   "  topic TEXT NOT NULL,"
                   "  payload BLOB NOT NULL,"
                   "  attempts INTEGER NOT NULL DEFAULT 0,"
                   "  next_attempt_ms INTEGER NOT NULL,"
                   "  created_ms INTEGER NOT NULL);"
                   "CREATE INDEX outbox_due ON outbox(topic, next_attempt_ms, id);"};
}

Migration Outbox::PendingCountMigration(int version) {
  return Migration{version,
                   "CREATE TABLE outbox_pending("
                   "  topic TEXT PRIMARY KEY,"
                   "  count INTEGER NOT NULL) WITHOUT ROWID;"
                   "INSERT INTO outbox_pending(topic, count)"
                   "  SELECT topic, COUNT(*) FROM outbox GROUP BY topic;"
                   "CREATE TRIGGER outbox_pending_delete AFTER DELETE ON outbox BEGIN"
                   "  UPDATE outbox_pending SET count = count - 1 WHERE topic = OLD.topic;"
                   "END;"};
}

Migration Outbox::QueueOrderMigration(int version) {
  // SQLite ends every index entry with the rowid, which id is: the index is ordered by topic,
  // then id.
  return Migration{version,
                   "DROP INDEX outbox_due;"
                   "CREATE INDEX outbox_queue ON outbox(topic);"};
}

Migration Outbox::DueTimeMigration(int version) {
  return Migration{version, "CREATE INDEX outbox_due_time ON outbox(topic, next_attempt_ms, id);"};
}

Migration Outbox::ParkedMigration(int version) {
  return Migration{version,
                   "CREATE TABLE outbox_parked("
                   "  id INTEGER PRIMARY KEY,"
                   "  topic TEXT NOT NULL,"
                   "  payload BLOB NOT NULL,"
                   "  attempts INTEGER NOT NULL,"
                   "  created_ms INTEGER NOT NULL,"
                   "  parked_ms INTEGER NOT NULL,"
                   "  reason TEXT NOT NULL);"
                   "CREATE INDEX outbox_parked_topic ON outbox_parked(topic);"};
}

absl::Status Outbox::Enqueue(std::string_view topic, std::string_view payload) {
  return EnqueueAll(topic, {payload});
}

absl::Status Outbox::EnqueueAll(std::string_view topic,
                                const std::vector<std::string_view>& payloads, OutboxIds* ids) {
  if (ids != nullptr) *ids = OutboxIds();
  if (payloads.empty()) return absl::OkStatus();
  // Joins the caller's transaction when there is one.
  return db_->InTransaction([&]() -> absl::Status {
    static const std::string* const kInsertMany = new std::string(InsertSql(kMessagesPerInsert));
    static const std::string* const kInsertOne = new std::string(InsertSql(1));
    // Due at once on the dispatcher's (real) clock; created on the injected one.
    const int64_t due = NowMs();
    const int64_t created = absl::ToUnixMillis(clock_->Now());
    size_t next = 0;
    // Full statements of kMessagesPerInsert, then the rest one by one (a statement per remainder
    // size would fill the statement cache with texts used once).
    if (payloads.size() >= kMessagesPerInsert) {
      ASSIGN_OR_RETURN(Statement insert, db_->Prepare(*kInsertMany));
      for (; next + kMessagesPerInsert <= payloads.size(); next += kMessagesPerInsert) {
        insert.Reset();
        insert.Bind(1, topic).Bind(2, due).Bind(3, created);
        for (size_t i = 0; i < kMessagesPerInsert; ++i) {
          insert.BindBlob(static_cast<int>(i) + kFirstPayload, payloads[next + i]);
        }
        RETURN_IF_ERROR(insert.Run());
      }
    }
    if (next < payloads.size()) {
      ASSIGN_OR_RETURN(Statement insert, db_->Prepare(*kInsertOne));
      for (; next < payloads.size(); ++next) {
        insert.Reset();
        RETURN_IF_ERROR(insert.Bind(1, topic)
                            .Bind(2, due)
                            .Bind(3, created)
                            .BindBlob(kFirstPayload, payloads[next])
                            .Run());
      }
    }
    if (ids != nullptr) {
      // Nothing else writes on this connection inside the transaction, and each row took the
      // next id, so the ids end at the last one inserted.
      ids->last = db_->LastInsertRowId();
      ids->first = ids->last - static_cast<int64_t>(payloads.size()) + 1;
    }
    ASSIGN_OR_RETURN(
        Statement count,
        db_->Prepare("INSERT INTO outbox_pending(topic, count) VALUES (?, ?) "
                     "ON CONFLICT(topic) DO UPDATE SET count = count + excluded.count"));
    return count.Bind(1, topic).Bind(2, static_cast<int64_t>(payloads.size())).Run();
  });
}

absl::StatusOr<std::vector<OutboxMessage>> Outbox::Due(std::string_view topic, int limit,
                                                       int64_t now_ms, int64_t after_id) {
  absl::StatusOr<std::vector<OutboxMessage>> messages;
  RETURN_IF_ERROR(db_->Run([&] {
    messages = db_->Query(
        "SELECT id, topic, payload, attempts FROM outbox "
        "WHERE topic = ?1 AND id > ?2 AND next_attempt_ms <= ?3 ORDER BY id LIMIT ?4",
        ReadMessage, topic, after_id, now_ms, int64_t{limit});
    return messages.status();
  }));
  return messages;
}

absl::StatusOr<std::vector<OutboxMessage>> Outbox::DueByTime(std::string_view topic, int limit,
                                                             int64_t now_ms) {
  absl::StatusOr<std::vector<OutboxMessage>> messages;
  RETURN_IF_ERROR(db_->Run([&] {
    messages = db_->Query(
        "SELECT id, topic, payload, attempts FROM outbox "
        "WHERE topic = ?1 AND next_attempt_ms <= ?2 ORDER BY next_attempt_ms, id LIMIT ?3",
        ReadMessage, topic, now_ms, int64_t{limit});
    return messages.status();
  }));
  return messages;
}

absl::Status Outbox::Delete(const std::vector<int64_t>& ids) {
  if (ids.empty()) return absl::OkStatus();
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE FROM outbox WHERE id = ?"));
    for (int64_t id : ids) {
      del.Reset();
      RETURN_IF_ERROR(del.Bind(1, id).Run());
    }
    return absl::OkStatus();
  });
}

absl::Status Outbox::Reschedule(const std::vector<int64_t>& ids, int64_t next_attempt_ms) {
  if (ids.empty()) return absl::OkStatus();
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement update,
                     db_->Prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ? "
                                  "WHERE id = ?"));
    for (int64_t id : ids) {
      update.Reset();
      RETURN_IF_ERROR(update.Bind(1, next_attempt_ms).Bind(2, id).Run());
    }
    return absl::OkStatus();
  });
}

absl::Status Outbox::RescheduleEach(const std::vector<std::pair<int64_t, int64_t>>& next_attempts) {
  if (next_attempts.empty()) return absl::OkStatus();
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement update,
                     db_->Prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ? "
                                  "WHERE id = ?"));
    for (const auto& [id, next_attempt_ms] : next_attempts) {
      update.Reset();
      RETURN_IF_ERROR(update.Bind(1, next_attempt_ms).Bind(2, id).Run());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> Outbox::Park(int64_t id, std::string_view reason) {
  bool parked = false;
  RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(db_->Execute(
        "INSERT INTO outbox_parked(id, topic, payload, attempts, created_ms, parked_ms, reason) "
        "SELECT id, topic, payload, attempts, created_ms, ?2, ?3 FROM outbox WHERE id = ?1",
        id, absl::ToUnixMillis(clock_->Now()), reason));
    parked = db_->Changes() > 0;
    // The delete trigger takes the message off the pending count.
    return parked ? db_->Execute("DELETE FROM outbox WHERE id = ?", id) : absl::OkStatus();
  }));
  return parked;
}

absl::Status Outbox::Unpark(int64_t id) {
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> topic,
                     db_->QueryOne(
                         "SELECT topic FROM outbox_parked WHERE id = ?",
                         [](const Statement& row) { return row.ColumnText(0); }, id));
    if (!topic.has_value()) {
      return absl::NotFoundError(absl::StrCat("outbox message ", id, " is not parked"));
    }
    RETURN_IF_ERROR(db_->Execute(
        "INSERT INTO outbox(id, topic, payload, attempts, next_attempt_ms, created_ms) "
        "SELECT id, topic, payload, 0, ?2, created_ms FROM outbox_parked WHERE id = ?1",
        id, NowMs()));
    RETURN_IF_ERROR(db_->Execute("DELETE FROM outbox_parked WHERE id = ?", id));
    return db_->Execute(
        "INSERT INTO outbox_pending(topic, count) VALUES (?, 1) "
        "ON CONFLICT(topic) DO UPDATE SET count = count + 1",
        *topic);
  });
}

absl::StatusOr<int64_t> Outbox::ParkedCount(std::string_view topic) {
  int64_t count = 0;
  RETURN_IF_ERROR(db_->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<int64_t> found,
                     db_->QueryOne(
                         "SELECT COUNT(*) FROM outbox_parked WHERE topic = ?",
                         [](const Statement& row) { return row.ColumnInt(0); }, topic));
    count = found.value_or(0);
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<int64_t> Outbox::Pending(std::string_view topic) {
  int64_t count = 0;
  RETURN_IF_ERROR(db_->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT count FROM outbox_pending WHERE topic = ?"));
    ASSIGN_OR_RETURN(bool has_row, select.Bind(1, topic).Step());
    // No row: nothing of this topic was ever queued.
    count = has_row ? select.ColumnInt(0) : 0;
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<std::optional<int64_t>> Outbox::OldestCreatedMs(std::string_view topic) {
  std::optional<int64_t> created;
  RETURN_IF_ERROR(db_->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(created, db_->QueryOne(
                                  "SELECT created_ms FROM outbox WHERE topic = ?1 "
                                  "ORDER BY id LIMIT 1",
                                  [](const Statement& row) { return row.ColumnInt(0); }, topic));
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<int64_t> Outbox::CountQueued(const OutboxIds& ids) {
  if (ids.last < ids.first) return 0;
  int64_t count = 0;
  RETURN_IF_ERROR(db_->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        std::optional<int64_t> found,
        db_->QueryOne(
            "SELECT COUNT(*) FROM outbox WHERE id BETWEEN ?1 AND ?2",
            [](const Statement& row) { return row.ColumnInt(0); }, ids.first, ids.last));
    count = found.value_or(0);
    return absl::OkStatus();
  }));
  return count;
}

OutboxDispatcher::OutboxDispatcher(Outbox* outbox, Sender sender, Options options)
    : outbox_(outbox),
      sender_(std::move(sender)),
      options_(std::move(options)),
      backoff_(options_.min_backoff) {}

OutboxDispatcher::~OutboxDispatcher() { Stop(); }

void OutboxDispatcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread(&OutboxDispatcher::Loop, this);
}

void OutboxDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void OutboxDispatcher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

absl::StatusOr<int> OutboxDispatcher::DrainOnce() {
  BatchResult result = SendBatch();
  if (!result.status.ok()) return result.status;
  return result.delivered;
}

absl::Status OutboxDispatcher::Settle(const std::vector<int64_t>& ids) {
  RETURN_IF_ERROR(outbox_->Delete(ids));
  delivered_.fetch_add(static_cast<int64_t>(ids.size()));
  return absl::OkStatus();
}

OutboxDispatcher::BatchResult OutboxDispatcher::SendBatch(Delivered* delivered) {
  // One batch at a time, whether from the thread or DrainOnce, so nothing is sent twice at once.
  std::lock_guard<std::mutex> batch_lock(batch_mu_);
  BatchResult result;
  const int64_t now = NowMs();
  // The messages delivered but not yet deleted are the oldest queued: nothing older is due (a
  // failure settles everything, and anything older was sent or is waiting out a backoff) and,
  // since one of them is still in the table, every message queued since has a larger id.
  std::vector<int64_t> earlier;
  std::optional<std::vector<OutboxMessage>> prefetched;
  if (delivered != nullptr) {
    earlier = std::move(delivered->ids);
    prefetched = std::move(delivered->next);
    delivered->ids.clear();
    delivered->next.reset();
  }
  const int64_t after = earlier.empty() ? 0 : earlier.back();
  absl::StatusOr<std::vector<OutboxMessage>> due =
      prefetched.has_value() ? std::move(*prefetched)
      : options_.per_message_backoff
          ? outbox_->DueByTime(options_.topic, options_.batch_size, now)
          : outbox_->Due(options_.topic, options_.batch_size, now, after);
  if (due.ok() && due->empty()) {
    // Idle: the earlier batch is deleted now.
    if (absl::Status settled = Settle(earlier); !settled.ok()) due = settled;
    earlier.clear();
  }
  if (!due.ok()) {
    // The earlier batch, if any, stays queued and is sent again after the backoff.
    result.status = due.status();
    result.retry_after = backoff_;
    failures_.fetch_add(1);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    return result;
  }
  if (due->empty()) return result;
  std::vector<int64_t> ids;
  ids.reserve(due->size());
  for (const OutboxMessage& message : *due) ids.push_back(message.id);
  result.full = static_cast<int>(due->size()) >= options_.batch_size;

  // While this batch is sent, the earlier one is deleted and, behind a full batch, the next one
  // read (on their own thread: Database is thread-safe, and both may wait for the outbox's
  // writers). The next batch starts after this one's last id: this one is still in the table.
  const bool pipelined = delivered != nullptr && result.full && !options_.per_message_backoff;
  absl::Status earlier_settled;
  std::optional<absl::StatusOr<std::vector<OutboxMessage>>> next;
  std::thread side;
  if (!earlier.empty() || pipelined) {
    side = std::thread([&] {
      earlier_settled = Settle(earlier);
      if (pipelined) next = outbox_->Due(options_.topic, options_.batch_size, NowMs(), ids.back());
    });
  }
  SendResult sent = sender_(*due);
  if (side.joinable()) side.join();
  if (!earlier_settled.ok() && sent.status.ok()) {
    // The earlier batch is sent again after the backoff, after this one: receivers apply by
    // version, so the older copy changes nothing.
    sent.status = earlier_settled;
    sent.settled = ids;
  }
  if (sent.status.ok() && pipelined) {
    delivered->ids = std::move(ids);
    // A failed read is simply made again next round.
    if (next.has_value() && next->ok()) delivered->next = std::move(next->value());
    backoff_ = options_.min_backoff;
    result.delivered = static_cast<int>(earlier.size());
    return result;
  }
  // Deleted: the whole batch, or after a failure what the sender settled; the rest is retried. If
  // the delete fails all of it is sent again later; the receiver applies it idempotently.
  std::vector<int64_t> done;
  std::vector<int64_t> retry;
  if (sent.status.ok()) {
    done = std::move(ids);
  } else {
    std::sort(sent.settled.begin(), sent.settled.end());
    for (int64_t id : ids) {
      const bool settled = std::binary_search(sent.settled.begin(), sent.settled.end(), id);
      (settled ? done : retry).push_back(id);
    }
  }
  if (absl::Status deleted = Settle(done); !deleted.ok()) {
    sent.status = deleted;
    retry.insert(retry.end(), done.begin(), done.end());
    done.clear();
  }
  if (sent.status.ok()) {
    backoff_ = options_.min_backoff;
    result.delivered = static_cast<int>(done.size() + earlier.size());
    return result;
  }
  result.status = sent.status;
  if (options_.per_message_backoff) {
    // Only the messages left queued wait, each for its own time; the rest of the topic goes on.
    failures_.fetch_add(static_cast<int64_t>(retry.size()));
    result.delivered = static_cast<int>(done.size());
    std::unordered_map<int64_t, int> attempts;
    for (const OutboxMessage& message : *due) attempts[message.id] = message.attempts;
    std::vector<std::pair<int64_t, int64_t>> next_attempts;
    next_attempts.reserve(retry.size());
    for (int64_t id : retry) {
      next_attempts.emplace_back(id, now + MessageBackoff(attempts[id]).count());
    }
    if (absl::Status rescheduled = outbox_->RescheduleEach(next_attempts); !rescheduled.ok()) {
      // They stay due now: the whole topic waits, or they would be retried without pause.
      result.status = rescheduled;
      result.full = false;
      result.retry_after = backoff_;
      backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    }
    return result;
  }
  failures_.fetch_add(1);
  result.full = false;
  result.retry_after = backoff_;
  // A failed reschedule leaves the messages due now; the in-memory backoff still spaces retries.
  absl::Status rescheduled = outbox_->Reschedule(retry, now + backoff_.count());
  if (!rescheduled.ok()) result.status = rescheduled;
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  return result;
}

std::chrono::milliseconds OutboxDispatcher::MessageBackoff(int attempts) const {
  std::chrono::milliseconds backoff = options_.min_backoff;
  for (int i = 0; i < attempts && backoff < options_.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, options_.max_backoff);
}

void OutboxDispatcher::Loop() {
  Delivered delivered;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      // A Wake() that arrives while the batch is in flight is kept and runs the next round.
      woken_ = false;
    }
    const BatchResult result = SendBatch(&delivered);
    std::unique_lock<std::mutex> lock(mu_);
    if (result.retry_after.has_value()) {
      // Wake() does not cut a backoff short: new messages would overtake the failed ones.
      cv_.wait_for(lock, *result.retry_after, [this] { return stop_; });
    } else if (!result.full) {
      cv_.wait_for(lock, options_.idle_poll, [this] { return stop_ || woken_; });
    }
  }
  // What was delivered last is not sent again after a restart (if this fails, it is: receivers
  // apply it idempotently).
  std::lock_guard<std::mutex> batch_lock(batch_mu_);
  if (absl::Status settled = Settle(delivered.ids); !settled.ok()) failures_.fetch_add(1);
}

}  // namespace lifeline::common
