#include "common/http/http_client.h"

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A one-connection HTTP server on 127.0.0.1:0. In echo mode it answers with what it received;
// in silent mode it reads the request and never answers until Release() is called.
class OneShotServer {
 public:
  enum class Mode { kEcho, kSilent };

  explicit OneShotServer(Mode mode) : acceptor_(ioc_, tcp::endpoint(tcp::v4(), 0)), mode_(mode) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    Release();
    thread_.join();
  }

  int port() const { return port_; }
  void Release() {
    if (!released_) {
      released_ = true;
      release_.set_value();
    }
  }

 private:
  void Serve() {
    beast::error_code ec;
    tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    if (mode_ == Mode::kSilent) {
      // Bounded so a broken client cannot hang the test forever.
      release_.get_future().wait_for(std::chrono::seconds(30));
      return;
    }
    http::response<http::string_body> response{
        request.method() == http::verb::post ? http::status::created : http::status::ok, 11};
    response.set("X-Echo-Method", std::string(request.method_string()));
    response.insert("X-Multi", "a");
    response.insert("X-Multi", "b");
    response.set(http::field::content_type, "text/plain");
    std::string body;
    body += "target=" + std::string(request.target()) + "\n";
    body += "host=" + std::string(request[http::field::host]) + "\n";
    body += "user-agent=" + std::string(request[http::field::user_agent]) + "\n";
    body += "content-type=" + std::string(request[http::field::content_type]) + "\n";
    body += "authorization=" + std::string(request[http::field::authorization]) + "\n";
    body += "body=" + request.body() + "\n";
    response.body() = body;
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  Mode mode_;
  int port_ = 0;
  std::promise<void> release_;
  bool released_ = false;
  std::thread thread_;
};

TEST(HttpClientTest, GetReturnsStatusBodyAndLowerCasedHeaders) {
  OneShotServer server(OneShotServer::Mode::kEcho);
  HttpRequestOptions options;
  options.port = server.port();
  options.target = "/metrics?x=1";
  absl::StatusOr<HttpResponse> response = SendHttpRequest(options);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.at("x-echo-method"), "GET");
  EXPECT_EQ(response->headers.at("x-multi"), "a, b");
  EXPECT_EQ(response->headers.at("content-type"), "text/plain");
  EXPECT_EQ(response->headers.count("X-Echo-Method"), 0u);
  EXPECT_THAT(response->body, HasSubstr("target=/metrics?x=1\n"));
  EXPECT_THAT(response->body, HasSubstr("host=127.0.0.1:" + std::to_string(server.port())));
  EXPECT_THAT(response->body, HasSubstr("user-agent=lifeline-http-client"));
  EXPECT_THAT(response->body, HasSubstr("authorization=\n"));
  EXPECT_THAT(response->body, HasSubstr("content-type=\n"));
}

TEST(HttpClientTest, PostSendsBodyContentTypeAndBearerToken) {
  OneShotServer server(OneShotServer::Mode::kEcho);
  HttpRequestOptions options;
  options.method = "POST";
  options.port = server.port();
  options.target = "/v1/batches";
  options.body = R"({"batchId":"b-1"})";
  options.bearer_token = "tok-123";
  absl::StatusOr<HttpResponse> response = SendHttpRequest(options);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->headers.at("x-echo-method"), "POST");
  EXPECT_THAT(response->body, HasSubstr("content-type=application/json\n"));
  EXPECT_THAT(response->body, HasSubstr("authorization=Bearer tok-123\n"));
  EXPECT_THAT(response->body, HasSubstr(R"(body={"batchId":"b-1"})"));
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    // Bind a port and release it, so nothing listens there.
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(tcp::v4(), 0));
    port = acceptor.local_endpoint().port();
  }
  HttpRequestOptions options;
  options.port = port;
  absl::StatusOr<HttpResponse> response = SendHttpRequest(options);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST(HttpClientTest, SilentServerIsDeadlineExceeded) {
  OneShotServer server(OneShotServer::Mode::kSilent);
  HttpRequestOptions options;
  options.port = server.port();
  options.timeout = std::chrono::milliseconds(300);
  absl::StatusOr<HttpResponse> response = SendHttpRequest(options);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  server.Release();
}

TEST(HttpClientTest, RejectsBadMethodAndHeaderInjection) {
  HttpRequestOptions options;
  options.method = "BREW";
  EXPECT_EQ(SendHttpRequest(options).status().code(), absl::StatusCode::kInvalidArgument);

  options.method = "GET";
  options.bearer_token = "x\r\nX-Evil: 1";
  EXPECT_EQ(SendHttpRequest(options).status().code(), absl::StatusCode::kInvalidArgument);

  options.bearer_token.clear();
  options.target = "no-slash";
  EXPECT_EQ(SendHttpRequest(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::common
