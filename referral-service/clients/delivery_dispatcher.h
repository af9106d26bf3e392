// Drains the "delivery" outbox: sends each queued referral to its department's PartnerInbox and
// records the outcome on the referral.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/outbox/outbox.h"
#include "referral-service/clients/partner_inbox_client.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// Outcome labels reported to the observer (and used as the metric's `result` label).
inline constexpr char kDeliveryDelivered[] = "delivered";
inline constexpr char kDeliveryFailed[] = "failed";
inline constexpr char kDeliveryNoPartner[] = "no_partner";
inline constexpr char kDeliveryDisabled[] = "disabled";
inline constexpr char kDeliverySkipped[] = "skipped";

// Thread-safe. Messages stay queued until their inbox acknowledged them; the database lock is
// never held during an RPC (the outbox hands out a batch, then each result is recorded in its
// own short transaction).
class DeliveryDispatcher {
 public:
  struct Options {
    // Messages per batch, clamped to 1..50.
    int batch_size = 20;
    // When set, every partner's inbox is this target instead of its directory entry.
    std::string inbox_override;
    std::chrono::milliseconds min_backoff{200};
    std::chrono::milliseconds max_backoff{30000};
    std::chrono::milliseconds idle_poll{500};
  };
  // Called once per message handled, with the department and one of the labels above.
  using Observer = std::function<void(const std::string& department, std::string_view result)>;

  DeliveryDispatcher(common::Outbox* outbox, ReferralStore* store, PartnerInboxClient* client,
                     Options options, Observer observer = nullptr);
  ~DeliveryDispatcher();

  void Start();
  void Stop();
  // Looks for new messages now (call after a plan was stored).
  void Wake();
  // Sends at most one batch synchronously. Returns the messages of the batch when all of them
  // were handled. Errors: Unavailable when some delivery failed (they stay queued and are
  // retried with backoff), or a store error.
  absl::StatusOr<int> DrainOnce();

  // Handles one batch: the OutboxDispatcher's sender. Delivered and skipped messages are
  // removed from the outbox here; an error leaves the others queued for a retry.
  absl::Status SendBatch(const std::vector<common::OutboxMessage>& batch);

 private:
  // Returns true when the message was handled (delivered or dropped), false when it must stay
  // queued; errors are store failures.
  absl::StatusOr<bool> SendOne(const common::OutboxMessage& message);
  void Report(const std::string& department, std::string_view result);

  ReferralStore* store_;
  PartnerInboxClient* client_;
  Options options_;
  Observer observer_;
  std::unique_ptr<common::OutboxDispatcher> dispatcher_;
};

}  // namespace lifeline::referral
