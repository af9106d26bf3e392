// Signatures of outbound webhooks: Lifeline signs every JSON body it POSTs to a partner
// department with a secret shared with that department, and the partner checks the signature, the
// timestamp and that the request is not a replay.
//
// A signed request carries three headers:
//   X-Lifeline-Timestamp: 1767225600                      (Unix seconds, decimal)
//   X-Lifeline-Idempotency-Key: <opaque key>              (the same for every retry of one event)
//   X-Lifeline-Signature: v1=<64 lower-case hex digits>   (HMAC-SHA256 of "<timestamp>.<body>")
// During a secret rotation the signature header carries one `v1=` value per secret, separated by
// commas; a receiver accepts the request when any of them matches a secret it knows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {

// Names of the headers of a signed webhook request.
// (Character arrays, since Debian's Abseil has its own string_view type, distinct from std's.)
inline constexpr char kWebhookTimestampHeader[] = "X-Lifeline-Timestamp";
inline constexpr char kWebhookIdempotencyKeyHeader[] = "X-Lifeline-Idempotency-Key";
inline constexpr char kWebhookSignatureHeader[] = "X-Lifeline-Signature";

// How far a request's timestamp may be from the receiver's clock, in either direction.
inline constexpr int64_t kDefaultWebhookToleranceSeconds = 300;

// Returns HMAC-SHA256 of `message` under `key`, as 64 lower-case hex digits. Any key length is
// allowed (RFC 2104 hashes keys longer than the block size).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Returns the value of the X-Lifeline-Signature header for `body` sent at `timestamp` (Unix
// seconds): "v1=" followed by HmacSha256Hex(secret, "<timestamp>.<body>"). The body must be sent
// byte for byte as signed.
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);

// Checks a received webhook: `timestamp_header` and `signature_header` are the values of the
// X-Lifeline-Timestamp and X-Lifeline-Signature headers (empty when missing), `body` the raw
// request body and `now_unix_seconds` the receiver's clock. Succeeds when the timestamp is within
// `tolerance_seconds` of now (either direction) and one of the header's `v1=` values is the
// signature of `body` under `secret`; values of other versions are ignored. The comparison takes
// the same time wherever the values differ. Errors: Unauthenticated when the timestamp is
// missing, not a decimal number or outside the tolerance, when the signature header is missing,
// malformed or has no `v1=` value, or when no value matches; InvalidArgument when `secret` is
// empty (a missing secret must not turn into one anybody can sign with) or `tolerance_seconds` is
// negative. Messages never contain the secret or the body.
absl::Status VerifyWebhook(std::string_view secret, std::string_view timestamp_header,
                           std::string_view signature_header, std::string_view body,
                           int64_t now_unix_seconds,
                           int64_t tolerance_seconds = kDefaultWebhookToleranceSeconds);

// Refuses exact replays of webhook requests that VerifyWebhook accepted: a receiver calls
// CheckAndRemember after VerifyWebhook succeeds, with the same signature header and timestamp.
// Each `v1=` signature is remembered until its timestamp plus the tolerance has passed; by then
// VerifyWebhook refuses the request as stale, so nothing older needs remembering. A sender's
// legitimate retry of the same event carries a new timestamp and so new signatures; recognising it
// by its idempotency key is the receiver's business, not this class's. Thread-safe.
class ReplayGuard {
 public:
  static constexpr size_t kDefaultMaxEntries = 1'000'000;

  // `tolerance_seconds` must be the one given to VerifyWebhook (a negative one counts as 0);
  // `max_entries` caps the memory used (about 100 bytes a signature).
  explicit ReplayGuard(int64_t tolerance_seconds = kDefaultWebhookToleranceSeconds,
                       size_t max_entries = kDefaultMaxEntries);

  ReplayGuard(const ReplayGuard&) = delete;
  ReplayGuard& operator=(const ReplayGuard&) = delete;

  // Remembers the `v1=` signatures of `signature_header`, sent at `timestamp`, and forgets those
  // whose window ended before `now`. Every value of the header counts, so adding, dropping or
  // reordering values does not turn a replay into a new request. Errors: AlreadyExists when one of
  // the signatures was seen within its window (the request is a replay); Unauthenticated when
  // `timestamp` is outside the tolerance around `now` (VerifyWebhook refuses such requests, and a
  // stale one can no longer be told from a replay); InvalidArgument when the header has no
  // well-formed `v1=` value; ResourceExhausted when remembering the signatures would exceed
  // `max_entries`. A refused request is not remembered.
  absl::Status CheckAndRemember(std::string_view signature_header, int64_t timestamp, int64_t now);

  // Returns the number of signatures remembered.
  size_t size() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  // A signature and the last second at which it must still be refused.
  using Expiry = std::pair<int64_t, Digest>;

  // Forgets the signatures whose window ended before `now`; called with mu_ held.
  void ForgetExpired(int64_t now);

  const int64_t tolerance_seconds_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  absl::flat_hash_set<Digest> seen_;  // guarded by mu_
  // The entries of seen_, earliest expiry on top. Guarded by mu_.
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> expiries_;
};

// Reads the webhook secrets of the partner departments from `path` and returns them by
// department. The file is UTF-8 text with one `department secret` pair a line, separated by
// spaces or tabs; blank lines and lines whose first non-blank character is `#` are ignored (a `#`
// later in a line belongs to the secret). A department is lower_snake: a lower-case letter, then
// lower-case letters, digits and underscores. A secret is at least 32 printable ASCII characters
// without spaces. Errors: NotFound or PermissionDenied when the file cannot be opened;
// FailedPrecondition when it is not a regular file or any permission bit of the group or others
// is set (mode & 077; chmod 600 it); InvalidArgument naming the file and line of a malformed line,
// a bad department name, a short or non-printable secret or a department listed twice, or when the
// file is larger than 1 MiB. Messages never contain a secret.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> LoadWebhookSecrets(
    const std::string& path);

}  // namespace lifeline::common
