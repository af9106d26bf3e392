// The transactional outbox: messages written in the same SQLite transaction as the state change
// that caused them, and a dispatcher that pushes them to the next service and deletes them only
// after that service acknowledged. A crash anywhere means a resend, never a loss.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/storage/sqlite.h"
#include "common/time/dates.h"

namespace lifeline::common {

// One queued message.
struct OutboxMessage {
  int64_t id = 0;
  std::string topic;
  std::string payload;
  int attempts = 0;
};

// The ids one EnqueueAll call gave its messages: first to last, consecutive, in payload order
// (AUTOINCREMENT never reuses an id, so the range holds no other message, ever). Empty when
// last < first.
struct OutboxIds {
  int64_t first = 0;
  int64_t last = -1;
};

// The outbox table inside a service's database. Thread-safe to the extent Database is.
class Outbox {
 public:
  // The schema step that creates the outbox table; add it to the service's migrations.
  static Migration SchemaMigration(int version);
  // The schema step, after SchemaMigration, that keeps a per-topic count of queued messages, so
  // Pending does not count a million rows on every batch: Enqueue and EnqueueAll add to it (once
  // per call) and a trigger subtracts what is deleted. It counts the messages already queued
  // when it runs.
  static Migration PendingCountMigration(int version);

  // The schema step, after SchemaMigration, that replaces the index on (topic, next_attempt_ms,
  // id) by one on (topic, id): Due then reads a topic's first messages in id order and stops at
  // its limit, where it sorted every due message (0.3 s a batch with a million queued), and
  // OldestCreatedMs reads one index entry.
  static Migration QueueOrderMigration(int version);

  // The schema steps a topic dispatched with per-message backoff needs (after
  // QueueOrderMigration): an index on (topic, next_attempt_ms, id), so DueByTime reads the
  // messages due now without stepping over the ones waiting out a backoff, and the table of
  // parked messages (Park, Unpark). Topics dispatched in order do not use the index, only pay
  // for its upkeep.
  static Migration DueTimeMigration(int version);
  static Migration ParkedMigration(int version);

  // `clock` stamps each message's creation time (OldestCreatedMs); delivery is scheduled on the
  // real clock, which the dispatcher reads. Not owned.
  explicit Outbox(Database* db, const Clock* clock = Clock::Real()) : db_(db), clock_(clock) {}

  // Queues a message. Call inside the transaction that made the change it reports.
  absl::Status Enqueue(std::string_view topic, std::string_view payload);
  // Queues messages in order, updating the pending count once (a per-row count cost as much as
  // the insert), and sets `*ids` (when given) to the ids they got. Call inside the transaction
  // that made the changes they report.
  absl::Status EnqueueAll(std::string_view topic, const std::vector<std::string_view>& payloads,
                          OutboxIds* ids = nullptr);

  // Returns up to `limit` messages of `topic` that are due at `now_ms` (Unix milliseconds), oldest
  // first, skipping ids up to `after_id`.
  absl::StatusOr<std::vector<OutboxMessage>> Due(std::string_view topic, int limit, int64_t now_ms,
                                                 int64_t after_id = 0);

  // Returns up to `limit` messages of `topic` due at `now_ms`, earliest due first (a message
  // never tried is due from when it was queued), through DueTimeMigration's index.
  absl::StatusOr<std::vector<OutboxMessage>> DueByTime(std::string_view topic, int limit,
                                                       int64_t now_ms);

  // Deletes messages that were delivered.
  absl::Status Delete(const std::vector<int64_t>& ids);

  // Records a failed attempt and makes the messages due again at `next_attempt_ms`.
  absl::Status Reschedule(const std::vector<int64_t>& ids, int64_t next_attempt_ms);

  // Records a failed attempt for each (id, next_attempt_ms) pair: each message gets its own time.
  absl::Status RescheduleEach(const std::vector<std::pair<int64_t, int64_t>>& next_attempts);

  // Moves message `id` to the parked table with `reason` (a status code name, no personal
  // data): it is no longer due nor pending and keeps its id, payload and attempts until Unpark.
  // Returns false when no such message is queued. Call inside the transaction that records why.
  absl::StatusOr<bool> Park(int64_t id, std::string_view reason);
  // Moves a parked message back to the queue, due now with its attempts reset, under its id.
  // Errors: NotFound when `id` is not parked. Call inside the transaction that records it.
  absl::Status Unpark(int64_t id);
  // Number of parked messages of `topic`.
  absl::StatusOr<int64_t> ParkedCount(std::string_view topic);

  // Number of messages of `topic` not yet delivered; reads the count PendingCountMigration keeps.
  absl::StatusOr<int64_t> Pending(std::string_view topic);

  // Returns the creation time (Unix milliseconds) of the first-queued message of `topic` not
  // yet delivered, or nullopt when none waits. Reads one index entry after QueueOrderMigration.
  absl::StatusOr<std::optional<int64_t>> OldestCreatedMs(std::string_view topic);

  // Returns how many of the messages `ids` names are not yet delivered. Reads only the range.
  absl::StatusOr<int64_t> CountQueued(const OutboxIds& ids);

 private:
  Database* db_;
  const Clock* clock_;
};

// Drains one topic of an Outbox on a background thread, in batches, with exponential backoff
// while the receiver fails. Messages are sent oldest first; after a failure nothing newer is sent
// until the failed batch is retried. While a backlog drains, the thread deletes a delivered batch
// while it sends the next one, so the receiver does not wait for the delete (it waits for the
// writers of the outbox's database). Thread-safe.
class OutboxDispatcher {
 public:
  // What a Sender made of a batch. A status alone is all or nothing: OK, the receiver has every
  // message durably and the batch is deleted; an error, the whole batch is retried after the
  // backoff. A sender that handles messages one by one (one receiver each) fails the batch and
  // lists in `settled` the ids it finished anyway (delivered, or never to be sent): those are
  // deleted, only the others are retried. Ids not in the batch are ignored.
  struct SendResult {
    SendResult(absl::Status s) : status(std::move(s)) {}  // NOLINT: all or nothing
    absl::Status status;
    std::vector<int64_t> settled;
  };
  // Delivers a batch.
  using Sender = std::function<SendResult(const std::vector<OutboxMessage>&)>;

  struct Options {
    std::string topic;
    int batch_size = 500;
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{30000};
    // How often to look for new messages when not woken.
    std::chrono::milliseconds idle_poll{500};
    // For senders with a receiver per message (the SendResult's `settled`): each message that
    // stays queued waits out its own backoff, min_backoff doubled per attempt it has had, up to
    // max_backoff, while the messages behind it are sent (no head-of-line blocking). Messages
    // are read earliest due first (Outbox::DueByTime: the topic needs DueTimeMigration) and
    // nothing is read ahead. Without it, a failure holds back the whole topic.
    bool per_message_backoff = false;
  };

  OutboxDispatcher(Outbox* outbox, Sender sender, Options options);
  ~OutboxDispatcher();  // Stops the thread.

  void Start();
  // Stops after the batch in flight; undelivered messages stay queued.
  void Stop();
  // Asks the dispatcher to look for messages now (call after a commit that enqueued some).
  void Wake();

  // Sends at most one batch synchronously (for tests, on a dispatcher whose thread was never
  // started: the thread keeps delivered messages and the next batch between rounds). Returns
  // messages delivered.
  // Errors: the sender's error (the batch, less what the sender settled, is rescheduled after the
  // current backoff) or the outbox's storage error.
  absl::StatusOr<int> DrainOnce();

  // Messages delivered (or settled) and failed attempts since start, for metrics.
  int64_t delivered() const { return delivered_.load(); }
  int64_t failures() const { return failures_.load(); }

 private:
  struct BatchResult {
    absl::Status status;
    int delivered = 0;
    // The batch had batch_size messages: more may be waiting.
    bool full = false;
    // After a failure that holds back the whole topic, how long to wait before the next
    // attempt; nullopt when the next batch may go at once (or, if not full, after idle_poll).
    std::optional<std::chrono::milliseconds> retry_after;
  };

  // Between two batches of a backlog: the messages the thread delivered, which it deletes while
  // it sends the next batch, and that batch when it was read during the last send.
  struct Delivered {
    std::vector<int64_t> ids;  // ascending
    std::optional<std::vector<OutboxMessage>> next;
  };

  void Loop();
  // Sends the next batch. With `delivered` (the thread), a full batch's messages are left in
  // it after a successful send, the ones it held are deleted and the next batch is read while
  // this batch is sent; without it (DrainOnce), or when the batch is not full or anything fails,
  // everything sent is settled before this returns and nothing is read ahead.
  BatchResult SendBatch(Delivered* delivered = nullptr);
  // Deletes the messages a successful send delivered. Errors: the outbox's (they stay queued and
  // are sent again: receivers apply them idempotently).
  absl::Status Settle(const std::vector<int64_t>& ids);

  Outbox* outbox_;
  Sender sender_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failures_{0};
  // The backoff of a message that has had `attempts` failed attempts (per_message_backoff).
  std::chrono::milliseconds MessageBackoff(int attempts) const;

  // Held while one batch is read, sent and settled; guards backoff_.
  std::mutex batch_mu_;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace lifeline::common
