// Delivery of referrals to departments that receive them on an HTTPS webhook: the
// DeliverReferralRequest as JSON, signed with the department's secret (common/webhook).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "common/webhook/webhook_client.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::referral {

// Thread-safe if the poster and clock are.
class WebhookDelivery {
 public:
  // Sends one POST: common::WebhookClient::Post in production, a fake in tests.
  using Poster = std::function<absl::StatusOr<common::WebhookResponse>(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body)>;

  // `secrets` maps department codes to their webhook secrets (LoadWebhookSecrets); `clock`
  // (which dates the signatures) outlives this.
  WebhookDelivery(Poster post, absl::flat_hash_map<std::string, std::string> secrets,
                  const common::Clock* clock)
      : post_(std::move(post)), secrets_(std::move(secrets)), clock_(clock) {}

  // A poster over `client`, which must outlive it.
  static Poster PostWith(common::WebhookClient* client);

  // POSTs `request` to `url` as JSON with proto field names, headers X-Lifeline-Timestamp (now),
  // X-Lifeline-Idempotency-Key (its idempotency key) and X-Lifeline-Signature (SignWebhook over
  // the timestamp and body with the department's secret; signed anew on every attempt, so a
  // retry is never a replay). Returns the department's reference ("partner_reference" of a JSON
  // answer, else empty) on a 2xx answer. Errors: FailedPrecondition when the department has no
  // secret or the receiver refused the delivery (another 4xx: a bad signature, a bad body);
  // Unavailable for 408, 429 and 5xx answers; the client's errors (Unavailable,
  // DeadlineExceeded, InvalidArgument for a bad URL). Messages carry the HTTP status, never the
  // body or the secret.
  absl::StatusOr<std::string> Deliver(const std::string& url,
                                      const lifeline::partner::v1::DeliverReferralRequest& request);
  // The same for a verification request (its DeliverVerificationRequest as the body).
  absl::StatusOr<std::string> DeliverVerification(
      const std::string& url, const lifeline::partner::v1::DeliverVerificationRequest& request);

 private:
  // Signs and POSTs `body` for `department` under `idempotency_key`.
  absl::StatusOr<std::string> Post(const std::string& url, const google::protobuf::Message& body,
                                   const std::string& department,
                                   const std::string& idempotency_key);

  Poster post_;
  absl::flat_hash_map<std::string, std::string> secrets_;
  const common::Clock* clock_;
};

}  // namespace lifeline::referral
