// An HTTPS client that POSTs JSON webhooks to partner departments, keeping connections alive
// between posts. Signing is the caller's business (common/webhook/signature.h); this client
// guarantees that what it sends goes only over TLS to a server whose certificate is trusted and
// names the URL's host.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace lifeline::common {
namespace webhook_internal {
// One TLS connection and the io_context that runs it; defined in webhook_client.cc.
struct TlsConnection;
}  // namespace webhook_internal

struct WebhookClientOptions {
  // PEM bundle of the certificate authorities trusted to issue partners' server certificates;
  // empty for the system's default CA paths.
  std::string ca_file;
  // Bound on one Post as a whole: resolving, connecting, the TLS handshake, writing the request
  // and reading the response, including the one retry on a fresh connection.
  std::chrono::milliseconds timeout{10000};
  // Idle keep-alive connections kept per host and port; 0 closes each connection after its
  // response.
  int max_idle_connections_per_host = 4;
};

// What the server answered. Any HTTP status is a response; the caller decides what 4xx or 5xx
// mean for it.
struct WebhookResponse {
  int status = 0;
  std::string body;
};

// POSTs JSON bodies over HTTPS (TLS 1.2 or later, server certificate chain and host name
// verified) and keeps up to `max_idle_connections_per_host` connections per host and port open
// for later posts; a connection idle for more than 30 s is closed instead of reused. Thread-safe:
// concurrent posts each use their own connection, on the calling thread.
class WebhookClient {
 public:
  // Returns a client for `options`. Errors: InvalidArgument when the timeout is not positive or
  // max_idle_connections_per_host is negative; FailedPrecondition when the CA file (or the
  // system's CA paths) cannot be loaded.
  static absl::StatusOr<std::unique_ptr<WebhookClient>> Create(WebhookClientOptions options);

  ~WebhookClient();
  WebhookClient(const WebhookClient&) = delete;
  WebhookClient& operator=(const WebhookClient&) = delete;

  // POSTs `json_body` to `url` ("https://host[:port]/path[?query]"; the port defaults to 443)
  // with Content-Type application/json, a Host header and `headers` as given (a Content-Type
  // among them replaces the default), and returns the response. Reuses an idle connection to the
  // same host and port when there is one; when the server has closed it, which shows as a failure
  // before any byte of a response, the request is sent once more on a new connection (a server
  // that dropped the connection after processing the request sees it twice, which is why
  // webhooks carry an idempotency key).
  //
  // Errors: InvalidArgument when the URL is not https://, has credentials or is malformed (a
  // fragment is dropped), or when a header name is not an HTTP token, a value contains CR, LF or
  // NUL, or a header is one the client sets itself (Host, Content-Length, Transfer-Encoding,
  // Connection); Unavailable when resolving, connecting, the TLS handshake (an untrusted
  // certificate, a name mismatch) or the exchange fails, or when the response is malformed or its
  // body larger than 1 MiB; DeadlineExceeded when the whole post takes longer than the timeout;
  // Internal on an unexpected library failure. Messages name the host and port and the failing
  // step, never the body or header values.
  absl::StatusOr<WebhookResponse> Post(
      std::string_view url, const std::vector<std::pair<std::string, std::string>>& headers,
      std::string_view json_body);

  // Returns the number of idle connections kept, over all hosts.
  size_t idle_connections() const;

 private:
  using Connection = webhook_internal::TlsConnection;

  WebhookClient(WebhookClientOptions options, std::unique_ptr<boost::asio::ssl::context> tls);

  // Returns an idle connection to `pool_key` that has not been idle too long, or null.
  std::unique_ptr<Connection> TakeIdle(const std::string& pool_key);
  // Keeps `connection` for reuse, or closes it when the pool of `pool_key` is full.
  void ReturnIdle(const std::string& pool_key, std::unique_ptr<Connection> connection);

  const WebhookClientOptions options_;
  // Configured once in Create; OpenSSL allows concurrent use of a configured context.
  const std::unique_ptr<boost::asio::ssl::context> tls_;
  mutable std::mutex mu_;
  // Idle connections by "host:port", most recently used last. Guarded by mu_.
  absl::flat_hash_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace lifeline::common
