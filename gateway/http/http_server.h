// An HTTP/1.1 server on Boost.Beast/Asio: asynchronous accept, keep-alive sessions, a small
// thread pool, read/write timeouts, a body size limit and a graceful stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"

#include "gateway/http/http_handler.h"

namespace lifeline::gateway {

struct HttpServerOptions {
  // host:port; port 0 picks a free port.
  std::string address = "127.0.0.1:8080";
  int threads = 2;
  // Longest time to receive one request (headers and body) or send one response; an idle
  // keep-alive connection is closed after the same time.
  std::chrono::milliseconds request_timeout{30000};
  // Larger bodies get 413 and the connection is closed.
  uint64_t max_body_bytes = 8 * 1024 * 1024;
  // Larger request lines plus headers get 431 and the connection is closed.
  uint32_t max_header_bytes = 16 * 1024;
  // PEM certificate chain and key: when set the server speaks HTTPS only (TLS 1.2 or later).
  // The files are checked for changes (at most every tls_check_every, as connections arrive)
  // and loaded again, so a renewed certificate is served without a restart; a pair that does not
  // load keeps the last good one (logged as event=http_tls_reload_failed).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::milliseconds tls_check_every{1000};
  // How long Stop waits for requests in flight before closing everything.
  std::chrono::milliseconds drain_timeout{15000};
};

// Serves `handler` (not owned; must outlive the server). Errors the server answers itself:
// 400 for a malformed request, 413 for an oversized body, 431 for oversized headers. Start once,
// Stop once (also from the destructor). Stop is safe from any thread other than the server's own.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler* handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files (if any), binds, listens and starts the threads. Errors:
  // FailedPrecondition (TLS files that do not load), InvalidArgument (bad address), Unavailable
  // (cannot bind).
  absl::Status Start();

  // The bound port (after Start).
  int port() const;

  // Stops accepting, closes idle connections, lets requests in flight finish for up to
  // drain_timeout, then stops the threads.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::gateway
