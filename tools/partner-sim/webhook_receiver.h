// The partner simulator's webhook channel: referral-service POSTs each referral and each
// verification request as signed JSON over HTTPS, and this handler checks and records it like the
// gRPC PartnerInbox does.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"

#include "common/webhook/signature.h"
#include "gateway/http/http_handler.h"
#include "tools/partner-sim/auto_acceptor.h"
#include "tools/partner-sim/received_log.h"

namespace lifeline::partner_sim {

// Answers `POST <any path>` whose body is, in JSON (proto field names), either a
// lifeline.partner.v1.DeliverReferralRequest (top-level "referral") or a DeliverVerificationRequest
// (top-level "verification"), signed as common/webhook/signature.h describes with the secret of
// that object's `department`:
//   200 {"partner_reference":"sim-<referral_id or verification_id>"}  recorded (or already
//        recorded: a sender's retry with a new signature is not written again);
//   400  malformed JSON, both or neither of "referral" and "verification", a missing
//        idempotency_key, id or department, or an X-Lifeline-Idempotency-Key header that is
//        missing or differs from the body's key;
//   401  a department without a secret, or a missing, malformed, wrong or stale signature;
//   405  any method but POST;
//   409  an exact replay of a request already accepted (same signature);
//   503  the received file cannot be written (the sender retries later).
// Only accepted deliveries reach the ReceivedLog; new ones are then queued on the AutoAcceptor
// (to be accepted or answered). Thread-safe: the HTTP server calls Handle from several threads.
class WebhookReceiver final : public gateway::HttpHandler {
 public:
  struct Options {
    // How far a request's timestamp may be from this clock; also the replay window.
    int64_t tolerance_seconds = common::kDefaultWebhookToleranceSeconds;
    // Unix seconds now; the system clock when empty (tests may pin it).
    std::function<int64_t()> now;
  };

  // `secrets` maps department codes to their webhook secrets (see common::LoadWebhookSecrets).
  // `acceptor` may be null (no auto-accept or auto-answer). Neither `log` nor `acceptor` is owned.
  WebhookReceiver(absl::flat_hash_map<std::string, std::string> secrets, ReceivedLog* log,
                  AutoAcceptor* acceptor, Options options);

  void Handle(gateway::HttpServerRequest request, Done done) override;

  // Requests answered 200 (new and repeated deliveries).
  int accepted() const { return accepted_.load(); }
  // Requests answered with anything else.
  int refused() const { return refused_.load(); }

 private:
  // What a request's log line says besides its status. The department and the id come from an
  // unverified body: they are logged only through LogToken.
  struct LogFields {
    std::string department;
    // The field the id is logged as: referral_id, or verification_id for a verification.
    const char* id_name = "referral_id";
    std::string id;
    std::string result;
  };

  // The answer to `request`; fills `fields` as far as it got.
  gateway::HttpServerResponse Answer(const gateway::HttpServerRequest& request, LogFields* fields);
  int64_t Now() const;

  const absl::flat_hash_map<std::string, std::string> secrets_;
  ReceivedLog* const log_;
  AutoAcceptor* const acceptor_;
  const Options options_;
  common::ReplayGuard replay_guard_;
  std::atomic<int> accepted_{0};
  std::atomic<int> refused_{0};
};

}  // namespace lifeline::partner_sim
