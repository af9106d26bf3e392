#include "gateway/http/http_server.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/auth/key_file.h"
#include "gateway/domain/http_error.h"

namespace lifeline::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// What the server knows of a connection: it can be asked to close.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is waiting for a request; a busy one closes after its answer.
  virtual void Shutdown() = 0;
};

// What sessions share with the server; outlives the server while sessions are still around.
struct SharedState {
  HttpHandler* handler = nullptr;
  HttpServerOptions options;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;  // guarded by mu
  // Set when the server speaks TLS (HTTPS): every connection starts with a handshake, with the
  // context current when it was accepted (CurrentTls). Guarded by tls_mu.
  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls;
  std::optional<common::FileChangeWatch> cert_watch;  // guarded by tls_mu
  std::optional<common::FileChangeWatch> key_watch;   // guarded by tls_mu
  uint64_t next_session_id = 0;                       // guarded by mu
  int in_flight = 0;                                  // guarded by mu
  // False once the io_context is gone: late completions must not post to it. Guarded by mu.
  bool io_alive = true;
};

// A TLS server context with the certificate chain and key of `options`. Errors:
// FailedPrecondition when they do not load.
absl::StatusOr<std::shared_ptr<asio::ssl::context>> LoadTls(const HttpServerOptions& options) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code ec;
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  tls->use_certificate_chain_file(options.tls_cert_file, ec);
  if (!ec) tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat("http TLS: cannot load ",
                                                      options.tls_cert_file, " and ",
                                                      options.tls_key_file, ": ", ec.message()));
  }
  return tls;
}

// The TLS context for a new connection: the current one, loaded again first when the certificate
// or key file changed (a pair that does not load keeps the current one).
std::shared_ptr<asio::ssl::context> CurrentTls(SharedState& state) {
  std::lock_guard<std::mutex> lock(state.tls_mu);
  if (state.cert_watch.has_value() && state.key_watch.has_value()) {
    const absl::Time now = absl::Now();
    const bool cert_changed = state.cert_watch->Changed(now);
    const bool key_changed = state.key_watch->Changed(now);
    if (cert_changed || key_changed) {
      absl::StatusOr<std::shared_ptr<asio::ssl::context>> loaded = LoadTls(state.options);
      if (loaded.ok()) {
        state.tls = *std::move(loaded);
        spdlog::info("event=http_tls_reloaded cert_file={}", state.options.tls_cert_file);
      } else {
        spdlog::warn("event=http_tls_reload_failed cert_file={} error=\"{}\"",
                     state.options.tls_cert_file, std::string(loaded.status().message()));
      }
    }
  }
  return state.tls;
}

HttpServerResponse ErrorResponse(int http_status, std::string status, std::string message) {
  HttpServerResponse response;
  response.status = http_status;
  response.body = ErrorBodyJson(HttpError{http_status, std::move(status), std::move(message)});
  return response;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A session's entry in the server's list, removed when the session is destroyed. A session is
// first in its members, so it is destroyed last: when the server sees the list empty (Stop), the
// session's stream is gone too, and the server may destroy the io_context it was registered with
// (a handler's completion can drop the last reference to a session on another thread).
struct SessionRegistration {
  std::shared_ptr<SharedState> state;
  std::optional<uint64_t> id;  // set once listed

  ~SessionRegistration() {
    if (!id.has_value()) return;
    std::lock_guard<std::mutex> lock(state->mu);
    state->sessions.erase(*id);
    state->cv.notify_all();
  }
};

// One connection: (for TLS, a handshake, then) read a request, hand it to the handler, write the
// answer, repeat while the client keeps the connection alive. All its work runs on its own
// strand. `Stream` is beast::tcp_stream (plain HTTP) or TlsStream (HTTPS).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // `tls`: the server's context for a TLS stream (kept alive with the session), null otherwise.
  Session(tcp::socket socket, std::shared_ptr<SharedState> state,
          std::shared_ptr<asio::ssl::context> tls)
      : registration_{state, std::nullopt},
        tls_(std::move(tls)),
        stream_(MakeStream(std::move(socket), tls_.get())),
        state_(std::move(state)) {}

  void Start() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      const uint64_t id = state_->next_session_id++;
      state_->sessions[id] = std::weak_ptr<SessionBase>(this->shared_from_this());
      registration_.id = id;
    }
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        self->reading_ = true;
        beast::get_lowest_layer(self->stream_).expires_after(self->state_->options.request_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](beast::error_code ec) {
          self->reading_ = false;
          if (ec) return self->DoClose();  // not TLS, or not a certificate it trusts
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

  void Shutdown() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->reading_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  static Stream MakeStream(tcp::socket socket, asio::ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void DoRead() {
    if (state_->stopping) return DoClose();
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(state_->options.max_header_bytes);
    reading_ = true;
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return DoClose();
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      BeginRequest();
      return Write(ErrorResponse(
          413, "PAYLOAD_TOO_LARGE",
          absl::StrCat("request body is larger than ", state_->options.max_body_bytes, " bytes")));
    }
    if (ec == http::error::header_limit) {
      keep_alive_ = false;
      BeginRequest();
      return Write(ErrorResponse(431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
                                 absl::StrCat("request headers are larger than ",
                                              state_->options.max_header_bytes, " bytes")));
    }
    if (ec) {
      keep_alive_ = false;
      BeginRequest();
      return Write(ErrorResponse(400, "INVALID_ARGUMENT", "malformed HTTP request"));
    }

    http::request<http::string_body> request = parser_->release();
    keep_alive_ = request.keep_alive();
    head_ = request.method() == http::verb::head;
    beast::get_lowest_layer(stream_).expires_never();

    HttpServerRequest forwarded;
    forwarded.method = std::string(request.method_string());
    forwarded.target = std::string(request.target());
    forwarded.authorization = std::string(request[http::field::authorization]);
    forwarded.content_type = std::string(request[http::field::content_type]);
    for (const auto& field : request) {
      forwarded.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                                     std::string(field.value()));
    }
    forwarded.body = std::move(request.body());
    beast::error_code peer_error;
    const tcp::endpoint peer =
        beast::get_lowest_layer(stream_).socket().remote_endpoint(peer_error);
    if (!peer_error) forwarded.peer = peer.address().to_string();

    BeginRequest();
    std::shared_ptr<SharedState> state = state_;
    state_->handler->Handle(std::move(forwarded), [self = this->shared_from_this(),
                                                   state](HttpServerResponse response) {
      std::lock_guard<std::mutex> lock(state->mu);
      if (!state->io_alive) return;
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  void BeginRequest() {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->in_flight;
  }

  void EndRequest() {
    std::lock_guard<std::mutex> lock(state_->mu);
    --state_->in_flight;
    state_->cv.notify_all();
  }

  // A response message with `response`'s status and headers, and no body yet.
  template <class Body>
  std::shared_ptr<http::response<Body>> Headed(const HttpServerResponse& response) const {
    auto message = std::make_shared<http::response<Body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive_ && !state_->stopping);
    return message;
  }

  void Write(HttpServerResponse response) {
    if (head_) {
      // HEAD is GET without a body: the same status and headers, Content-Length included, and not
      // a byte more, or a kept-alive connection would read the body as the next response.
      head_ = false;
      auto message = Headed<http::empty_body>(response);
      message->content_length(response.body.size());
      return Send(message);
    }
    auto message = Headed<http::string_body>(response);
    message->body() = std::move(response.body);
    message->prepare_payload();
    Send(message);
  }

  template <class Message>
  void Send(std::shared_ptr<Message> message) {
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    http::async_write(
        stream_, *message,
        [self = this->shared_from_this(), message](beast::error_code ec, std::size_t) {
          self->OnWrite(ec, message->keep_alive());
        });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    EndRequest();
    if (ec || !keep_alive) return DoClose();
    DoRead();
  }

  void DoClose() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  SessionRegistration registration_;         // first: destroyed last
  std::shared_ptr<asio::ssl::context> tls_;  // declared before stream_, which uses it
  Stream stream_;
  std::shared_ptr<SharedState> state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool reading_ = false;
  bool keep_alive_ = true;
  bool head_ = false;  // the request being answered is a HEAD
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler* handler)
      : state_(std::make_shared<SharedState>()), acceptor_(asio::make_strand(io_)) {
    state_->handler = handler;
    state_->options = std::move(options);
  }

  ~Impl() {
    Stop();
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->io_alive = false;
  }

  absl::Status Start() {
    if (!state_->options.tls_cert_file.empty()) {
      const absl::Duration every = absl::FromChrono(state_->options.tls_check_every);
      // Watched from before the load, so a change while it loads is seen.
      state_->cert_watch.emplace(state_->options.tls_cert_file, every);
      state_->key_watch.emplace(state_->options.tls_key_file, every);
      absl::StatusOr<std::shared_ptr<asio::ssl::context>> tls = LoadTls(state_->options);
      if (!tls.ok()) return tls.status();
      state_->tls = *std::move(tls);
    }
    const std::string& address = state_->options.address;
    const size_t colon = address.rfind(':');
    int port = 0;
    if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
        port < 0 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("http_address \"", address, "\" must be host:port"));
    }
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) host = "0.0.0.0";
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::numeric_service | tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("http_address \"", address, "\": cannot resolve host"));
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    // Requests waiting on the handler have no pending I/O; the guard keeps the threads running
    // for their answers.
    work_guard_.emplace(io_.get_executor());
    DoAccept();
    const int threads = state_->options.threads > 0 ? state_->options.threads : 1;
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    started_ = true;
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    state_->stopping = true;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    std::vector<std::shared_ptr<SessionBase>> sessions;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      for (auto& [id, weak] : state_->sessions) {
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
      }
    }
    for (auto& session : sessions) session->Shutdown();
    sessions.clear();
    {
      std::unique_lock<std::mutex> lock(state_->mu);
      const bool drained = state_->cv.wait_for(lock, state_->options.drain_timeout, [this] {
        return state_->in_flight == 0 && state_->sessions.empty();
      });
      if (!drained) {
        spdlog::warn("event=http_drain_timeout in_flight={} connections={}", state_->in_flight,
                     state_->sessions.size());
      }
    }
    work_guard_.reset();
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
      }
      if (!ec && !state_->stopping) {
        if (!state_->options.tls_cert_file.empty()) {
          std::make_shared<Session<TlsStream>>(std::move(socket), state_, CurrentTls(*state_))
              ->Start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), state_, nullptr)->Start();
        }
      }
      if (!state_->stopping) DoAccept();
    });
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
  std::shared_ptr<SharedState> state_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler* handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

absl::Status HttpServer::Start() { return impl_->Start(); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace lifeline::gateway
