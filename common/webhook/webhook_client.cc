#include "common/webhook/webhook_client.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"

namespace lifeline::common {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace webhook_internal {

struct TlsConnection {
  explicit TlsConnection(ssl::context& tls) : stream(io, tls) {}

  // Runs this connection's operations on the thread of the Post that holds it. Declared before
  // `stream`, which uses it.
  asio::io_context io;
  beast::ssl_stream<beast::tcp_stream> stream;
  Clock::time_point idle_since;
};

}  // namespace webhook_internal

namespace {

using Connection = webhook_internal::TlsConnection;
using Request = http::request<http::string_body>;

constexpr char kUserAgent[] = "lifeline-webhook-client/0.1";
constexpr int kDefaultHttpsPort = 443;
// Partners answer with a short acknowledgement; the cap keeps a misbehaving one from exhausting
// memory.
constexpr std::uint64_t kMaxResponseBodyBytes = 1 << 20;
// Servers close keep-alive connections after they idle for a while (Apache after 5 s, nginx after
// 75 s by default); a connection idle longer than this is closed rather than tried.
constexpr Clock::duration kMaxIdleTime = std::chrono::seconds(30);

// Where a webhook URL points.
struct Target {
  std::string host;  // lower-case name or address, IPv6 without brackets
  int port = kDefaultHttpsPort;
  bool host_is_address = false;
  std::string target;       // path and query
  std::string host_header;  // host, bracketed if IPv6, with ":port" unless 443
  std::string pool_key;     // host and port, always with ":port"
};

// What one request on one connection gave.
struct Exchange {
  absl::Status status;
  // Whether any byte of a response arrived; if none did, the server never processed the request
  // on this connection, or closed it first.
  bool response_started = false;
  bool reusable = false;  // the connection may carry another request
  WebhookResponse response;
};

absl::Status BadUrl(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("url: ", why));
}

bool IsHostNameChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '.'; }

// Whether `text` can appear in a request line: no space, control or non-ASCII character.
bool IsVisibleAscii(absl::string_view text) {
  for (char c : text) {
    if (c <= ' ' || c >= '\x7f') return false;
  }
  return true;
}

// Splits the authority of an https URL ("host", "host:port", "[v6]" or "[v6]:port") into
// `target`'s host and port.
absl::Status ParseAuthority(absl::string_view authority, Target* target) {
  if (authority.find('@') != absl::string_view::npos) {
    return BadUrl("credentials in the URL are not supported");
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return BadUrl("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    absl::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return BadUrl("unexpected text after the IPv6 address");
      port = rest.substr(1);
      if (port.empty()) return BadUrl("empty port");
    }
    boost::system::error_code ec;
    asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return BadUrl("malformed IPv6 address");
    target->host_is_address = true;
  } else {
    const size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return BadUrl("empty port");
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostNameChar)) {
      return BadUrl("the host must be a DNS name or an address");
    }
    boost::system::error_code ec;
    asio::ip::make_address_v4(std::string(host), ec);
    target->host_is_address = !ec;
  }
  target->host = absl::AsciiStrToLower(host);
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(port, &target->port) || target->port < 1 || target->port > 65535) {
      return BadUrl("the port must be a number from 1 to 65535");
    }
  }
  return absl::OkStatus();
}

// Returns where `url` points. Errors: InvalidArgument unless it is https://host[:port][/path].
absl::StatusOr<Target> ParseHttpsUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "https://";
  if (url.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(url.substr(0, kScheme.size()), kScheme)) {
    // The body is signed and may hold personal data: it never goes out in clear text.
    return BadUrl("only https:// URLs are accepted");
  }
  absl::string_view rest = url.substr(kScheme.size());
  // A fragment is never sent to the server.
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  Target target;
  RETURN_IF_ERROR(ParseAuthority(rest.substr(0, path_start), &target));
  absl::string_view path =
      path_start == absl::string_view::npos ? absl::string_view() : rest.substr(path_start);
  if (!IsVisibleAscii(path)) {
    return BadUrl("the path must not contain spaces, control or non-ASCII characters");
  }
  target.target = absl::StartsWith(path, "/") ? std::string(path) : absl::StrCat("/", path);
  const std::string host = target.host.find(':') != std::string::npos
                               ? absl::StrCat("[", target.host, "]")
                               : target.host;
  target.host_header =
      target.port == kDefaultHttpsPort ? host : absl::StrCat(host, ":", target.port);
  target.pool_key = absl::StrCat(host, ":", target.port);
  return target;
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Checks the caller's headers. Errors: InvalidArgument naming the header (never its value).
absl::Status ValidateHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return absl::InvalidArgumentError("headers: a header name is not an HTTP token");
    }
    for (absl::string_view reserved :
         {"host", "content-length", "transfer-encoding", "connection"}) {
      if (absl::EqualsIgnoreCase(name, reserved)) {
        return absl::InvalidArgumentError(
            absl::StrCat("headers: ", name, " is set by the webhook client"));
      }
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("headers: the value of ", name, " contains CR, LF or NUL"));
    }
  }
  return absl::OkStatus();
}

Request BuildRequest(const Target& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::string_view json_body) {
  Request request{http::verb::post, target.target, 11};
  request.set(http::field::host, target.host_header);
  request.set(http::field::user_agent, kUserAgent);
  request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) {
    if (absl::EqualsIgnoreCase(name, "content-type")) {
      request.set(http::field::content_type, value);
    } else {
      request.insert(name, value);
    }
  }
  request.keep_alive(true);
  request.body() = std::string(json_body);
  request.prepare_payload();
  return request;
}

// Maps a transport error of `step` ("connect", "TLS handshake", ...) to a status.
absl::Status TransportError(absl::string_view step, const beast::error_code& ec,
                            const Target& target) {
  const std::string where = absl::StrCat("webhook POST to ", target.pool_key, ": ", step);
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(where, ": timed out"));
  }
  return absl::UnavailableError(
      absl::StrCat(where, ": ", ec.category().name(), ": ", ec.message()));
}

// Runs `connection`'s io_context until the operation just started has completed.
void RunUntilDone(asio::io_context& io) {
  io.restart();
  io.run();
}

// Resolves `target`'s host, bounded by `deadline`. The resolver runs on a throw-away io_context
// because Asio gives each io_context that resolves its own thread, which pooled connections
// should not keep alive.
absl::StatusOr<std::vector<tcp::endpoint>> Resolve(const Target& target,
                                                   Clock::time_point deadline) {
  if (target.host_is_address) {
    return std::vector<tcp::endpoint>{tcp::endpoint(asio::ip::make_address(target.host),
                                                    static_cast<unsigned short>(target.port))};
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  std::optional<beast::error_code> result;
  std::vector<tcp::endpoint> endpoints;
  resolver.async_resolve(target.host, std::to_string(target.port),
                         [&](const beast::error_code& ec, tcp::resolver::results_type found) {
                           result = ec;
                           for (const auto& entry : found) endpoints.push_back(entry.endpoint());
                         });
  io.run_until(deadline);
  if (!result.has_value()) {
    resolver.cancel();
    RunUntilDone(io);
    return TransportError("resolve", beast::error::timeout, target);
  }
  if (*result) return TransportError("resolve", *result, target);
  return endpoints;
}

// Explains a failed handshake with OpenSSL's verdict on the certificate, when there is one.
absl::Status HandshakeError(const beast::error_code& ec, Connection& connection,
                            const Target& target) {
  absl::Status status = TransportError("TLS handshake", ec, target);
  const long verify = SSL_get_verify_result(connection.stream.native_handle());
  if (status.code() != absl::StatusCode::kUnavailable || verify == X509_V_OK) return status;
  return absl::UnavailableError(absl::StrCat(
      status.message(), " (certificate: ", X509_verify_cert_error_string(verify), ")"));
}

// Opens a TCP connection to `target` and completes a TLS handshake that verifies the server's
// certificate chain and that the certificate names the host.
absl::StatusOr<std::unique_ptr<Connection>> Connect(ssl::context& tls, const Target& target,
                                                    Clock::time_point deadline) {
  ASSIGN_OR_RETURN(const std::vector<tcp::endpoint> endpoints, Resolve(target, deadline));
  auto connection = std::make_unique<Connection>(tls);
  beast::tcp_stream& tcp_stream = beast::get_lowest_layer(connection->stream);
  beast::error_code ec;

  // beast::tcp_stream timeouts apply to asynchronous operations only, so each step is an
  // asynchronous operation run to completion on this thread.
  tcp_stream.expires_at(deadline);
  tcp_stream.async_connect(endpoints,
                           [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  RunUntilDone(connection->io);
  if (ec) return TransportError("connect", ec, target);

  // Server Name Indication takes host names only (RFC 6066, section 3).
  if (!target.host_is_address &&
      SSL_set_tlsext_host_name(connection->stream.native_handle(), target.host.c_str()) != 1) {
    return absl::InternalError(
        absl::StrCat("webhook POST to ", target.pool_key, ": cannot set the TLS server name"));
  }
  // Asio's check that the certificate names the host; a mismatch is recorded as such, since
  // OpenSSL would otherwise report an unspecified verification error.
  auto verify = [check = ssl::host_name_verification(target.host),
                 is_address = target.host_is_address](bool preverified,
                                                      ssl::verify_context& context) {
    const bool verified = check(preverified, context);
    if (preverified && !verified) {
      X509_STORE_CTX_set_error(context.native_handle(), is_address ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                                   : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return verified;
  };
  connection->stream.set_verify_callback(verify, ec);
  if (ec) return TransportError("TLS setup", ec, target);

  tcp_stream.expires_at(deadline);
  connection->stream.async_handshake(ssl::stream_base::client,
                                     [&](const beast::error_code& e) { ec = e; });
  RunUntilDone(connection->io);
  if (ec) return HandshakeError(ec, *connection, target);
  return connection;
}

// Sends `request` on `connection` and reads the response, bounded by `deadline`.
Exchange SendRequest(Connection& connection, const Target& target, const Request& request,
                     Clock::time_point deadline) {
  beast::tcp_stream& tcp_stream = beast::get_lowest_layer(connection.stream);
  beast::error_code ec;
  Exchange exchange;

  tcp_stream.expires_at(deadline);
  http::async_write(connection.stream, request,
                    [&](const beast::error_code& e, std::size_t) { ec = e; });
  RunUntilDone(connection.io);
  if (ec) {
    exchange.status = TransportError("write", ec, target);
    return exchange;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBodyBytes);
  tcp_stream.expires_at(deadline);
  http::async_read(connection.stream, buffer, parser,
                   [&](const beast::error_code& e, std::size_t) { ec = e; });
  RunUntilDone(connection.io);
  exchange.response_started = parser.got_some() || buffer.size() > 0;
  if (ec) {
    exchange.status = TransportError("read", ec, target);
    return exchange;
  }
  tcp_stream.expires_never();

  http::response<http::string_body> message = parser.release();
  exchange.response.status = static_cast<int>(message.result_int());
  exchange.response.body = std::move(message.body());
  // Bytes beyond the response mean the connection is out of step with the server.
  exchange.reusable = message.keep_alive() && !parser.need_eof() && buffer.size() == 0;
  return exchange;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WebhookClient>> WebhookClient::Create(WebhookClientOptions options) {
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return absl::InvalidArgumentError("timeout: must be positive");
  }
  if (options.max_idle_connections_per_host < 0) {
    return absl::InvalidArgumentError("max_idle_connections_per_host: must not be negative");
  }
  try {
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::no_compression);
    if (SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION) != 1) {
      return absl::InternalError("webhook client: cannot require TLS 1.2");
    }
    beast::error_code ec;
    tls->set_verify_mode(ssl::verify_peer, ec);
    if (!ec) {
      if (options.ca_file.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->load_verify_file(options.ca_file, ec);
      }
    }
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("webhook client: cannot load the CA certificates of ",
                       options.ca_file.empty() ? "the system's default paths" : options.ca_file,
                       ": ", ec.message()));
    }
    return std::unique_ptr<WebhookClient>(new WebhookClient(std::move(options), std::move(tls)));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("webhook client: TLS setup failed: ", e.what()));
  }
}

WebhookClient::WebhookClient(WebhookClientOptions options, std::unique_ptr<ssl::context> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {}

WebhookClient::~WebhookClient() = default;

absl::StatusOr<WebhookResponse> WebhookClient::Post(
    std::string_view url, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view json_body) {
  ASSIGN_OR_RETURN(const Target target, ParseHttpsUrl(absl::string_view(url.data(), url.size())));
  RETURN_IF_ERROR(ValidateHeaders(headers));
  const Request request = BuildRequest(target, headers, json_body);
  const Clock::time_point deadline = Clock::now() + options_.timeout;

  // Keeps a connection that may carry another request, and returns the exchange's outcome.
  auto finish = [&](std::unique_ptr<Connection> connection,
                    Exchange exchange) -> absl::StatusOr<WebhookResponse> {
    if (!exchange.status.ok()) return exchange.status;
    if (exchange.reusable) ReturnIdle(target.pool_key, std::move(connection));
    return std::move(exchange.response);
  };
  // Asio and Beast report transport errors through the error codes above; what may still throw
  // is allocation or a library invariant, converted here.
  try {
    if (std::unique_ptr<Connection> idle = TakeIdle(target.pool_key)) {
      Exchange exchange = SendRequest(*idle, target, request, deadline);
      // A server may close an idle connection just as a request is sent on it. When no byte of a
      // response arrived, it did not answer this request; a timeout, though, may mean a server
      // still working on it, and the deadline has passed anyway.
      if (exchange.status.ok() || exchange.response_started ||
          exchange.status.code() == absl::StatusCode::kDeadlineExceeded) {
        return finish(std::move(idle), std::move(exchange));
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> fresh, Connect(*tls_, target, deadline));
    Exchange exchange = SendRequest(*fresh, target, request, deadline);
    return finish(std::move(fresh), std::move(exchange));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("webhook POST to ", target.pool_key, " failed: ", e.what()));
  }
}

size_t WebhookClient::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t count = 0;
  for (const auto& [key, connections] : idle_) count += connections.size();
  return count;
}

std::unique_ptr<WebhookClient::Connection> WebhookClient::TakeIdle(const std::string& pool_key) {
  std::vector<std::unique_ptr<Connection>> stale;  // closed after the lock is released
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(pool_key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  std::vector<std::unique_ptr<Connection>>& connections = it->second;
  std::unique_ptr<Connection> newest = std::move(connections.back());
  connections.pop_back();
  if (Clock::now() - newest->idle_since <= kMaxIdleTime) return newest;
  // The others have been idle even longer.
  stale = std::move(connections);
  stale.push_back(std::move(newest));
  idle_.erase(it);
  return nullptr;
}

void WebhookClient::ReturnIdle(const std::string& pool_key,
                               std::unique_ptr<Connection> connection) {
  if (options_.max_idle_connections_per_host == 0) return;
  connection->idle_since = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::unique_ptr<Connection>>& connections = idle_[pool_key];
  if (connections.size() < static_cast<size_t>(options_.max_idle_connections_per_host)) {
    connections.push_back(std::move(connection));
  }
  // Otherwise `connection` is closed when it goes out of scope, after the lock is released.
}

}  // namespace lifeline::common
