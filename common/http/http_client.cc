#include "common/http/http_client.h"

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lifeline::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = asio::steady_timer::clock_type;

constexpr char kUserAgent[] = "lifeline-http-client/0.1";
// Largest response body accepted (the /metrics page and exports stay far below this).
constexpr std::uint64_t kMaxResponseBodyBytes = 256ull * 1024 * 1024;

bool HasLineBreak(std::string_view value) {
  return value.find_first_of("\r\n") != std::string_view::npos;
}

absl::StatusOr<http::verb> ParseMethod(const std::string& method) {
  const std::string upper = absl::AsciiStrToUpper(method);
  if (upper == "GET") return http::verb::get;
  if (upper == "POST") return http::verb::post;
  if (upper == "PUT") return http::verb::put;
  if (upper == "DELETE") return http::verb::delete_;
  if (upper == "PATCH") return http::verb::patch;
  if (upper == "HEAD") return http::verb::head;
  return absl::InvalidArgumentError(absl::StrCat("method: unsupported HTTP method '", method, "'"));
}

absl::Status ValidateOptions(const HttpRequestOptions& options) {
  if (options.host.empty() || HasLineBreak(options.host)) {
    return absl::InvalidArgumentError("host: must be a non-empty host name or address");
  }
  if (options.port <= 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("port: out of range: ", options.port));
  }
  if (options.target.empty() || options.target.front() != '/' || HasLineBreak(options.target) ||
      options.target.find(' ') != std::string::npos) {
    return absl::InvalidArgumentError("target: must be a path starting with '/' without spaces");
  }
  if (HasLineBreak(options.content_type)) {
    return absl::InvalidArgumentError("content_type: must not contain line breaks");
  }
  if (HasLineBreak(options.bearer_token)) {
    return absl::InvalidArgumentError("bearer_token: must not contain line breaks");
  }
  return absl::OkStatus();
}

// Maps a transport error from step `what` ("connect", "write", ...) to a status.
absl::Status TransportError(const char* what, const beast::error_code& ec,
                            const HttpRequestOptions& options) {
  const std::string where = absl::StrCat(what, " ", options.host, ":", options.port);
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(where, ": timed out after ", options.timeout.count(), " ms"));
  }
  return absl::UnavailableError(absl::StrCat(where, ": ", ec.message()));
}

// Runs the io_context until the pending operation's handler has run.
void RunUntilDone(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

absl::StatusOr<HttpResponse> SendHttpRequestOrThrow(const HttpRequestOptions& options,
                                                    http::verb verb) {
  const Clock::time_point deadline = Clock::now() + options.timeout;
  asio::io_context ioc;

  // Resolve, bounded by the deadline (the resolver runs getaddrinfo on its own thread).
  tcp::resolver resolver(ioc);
  std::optional<beast::error_code> resolve_ec;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(options.host, std::to_string(options.port),
                         [&](const beast::error_code& ec, tcp::resolver::results_type results) {
                           resolve_ec = ec;
                           endpoints = std::move(results);
                         });
  ioc.run_until(deadline);
  if (!resolve_ec.has_value()) {
    resolver.cancel();
    RunUntilDone(ioc);
    return TransportError("resolve", beast::error::timeout, options);
  }
  if (*resolve_ec) return TransportError("resolve", *resolve_ec, options);

  // beast::tcp_stream timeouts apply to asynchronous operations only, so each step below is an
  // async operation run to completion on this thread.
  beast::tcp_stream stream(ioc);
  beast::error_code ec;

  stream.expires_at(deadline);
  stream.async_connect(endpoints,
                       [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  RunUntilDone(ioc);
  if (ec) return TransportError("connect", ec, options);

  http::request<http::string_body> request{verb, options.target, 11};
  if (options.port == 80) {
    request.set(http::field::host, options.host);
  } else {
    request.set(http::field::host, absl::StrCat(options.host, ":", options.port));
  }
  request.set(http::field::user_agent, kUserAgent);
  request.set(http::field::accept, "*/*");
  if (!options.body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::patch) {
    if (!options.content_type.empty()) {
      request.set(http::field::content_type, options.content_type);
    }
    request.body() = options.body;
  }
  if (!options.bearer_token.empty()) {
    request.set(http::field::authorization, absl::StrCat("Bearer ", options.bearer_token));
  }
  request.keep_alive(false);
  request.prepare_payload();

  stream.expires_at(deadline);
  http::async_write(stream, request, [&](const beast::error_code& e, std::size_t) { ec = e; });
  RunUntilDone(ioc);
  if (ec) return TransportError("write", ec, options);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBodyBytes);
  if (verb == http::verb::head) parser.skip(true);
  stream.expires_at(deadline);
  http::async_read(stream, buffer, parser,
                   [&](const beast::error_code& e, std::size_t) { ec = e; });
  RunUntilDone(ioc);
  if (ec) return TransportError("read", ec, options);

  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  http::response<http::string_body> message = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.body = std::move(message.body());
  for (const auto& field : message) {
    std::string name =
        absl::AsciiStrToLower(std::string(field.name_string().data(), field.name_string().size()));
    std::string value(field.value().data(), field.value().size());
    auto [it, inserted] = response.headers.emplace(name, value);
    if (!inserted) absl::StrAppend(&it->second, ", ", value);
  }
  return response;
}

}  // namespace

absl::StatusOr<HttpResponse> SendHttpRequest(const HttpRequestOptions& options) {
  absl::StatusOr<http::verb> verb = ParseMethod(options.method);
  if (!verb.ok()) return verb.status();
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return absl::InvalidArgumentError("timeout: must be positive");
  }
  // Asio and Beast report transport errors through error codes above; what may still throw is
  // allocation or a library invariant, converted here.
  try {
    return SendHttpRequestOrThrow(options, *verb);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("http request to ", options.host, ":", options.port, " failed: ", e.what()));
  }
}

}  // namespace lifeline::common
