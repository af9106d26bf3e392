#include "gateway/http/http_server.h"

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/http/http_client.h"
#include "common/testing/process.h"
#include "common/testing/test_pki.h"

namespace lifeline::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ::testing::HasSubstr;

// Echoes the request; "/slow" answers from another thread after a while.
class EchoHandler : public HttpHandler {
 public:
  void Handle(HttpServerRequest request, Done done) override {
    ++calls;
    HttpServerResponse response;
    response.content_type = "text/plain";
    response.body = request.method + " " + request.target + " " + request.authorization + " " +
                    std::to_string(request.body.size());
    response.headers.emplace_back("X-Test", "yes");
    response.headers.emplace_back("X-Peer", request.peer);
    if (request.target == "/slow") {
      std::thread([done, response] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        done(response);
      }).detach();
      return;
    }
    if (request.target == "/teapot") response.status = 418;
    done(std::move(response));
  }
  std::atomic<int> calls{0};
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    options.max_body_bytes = 100;
    options.threads = 2;
    options.request_timeout = std::chrono::milliseconds(3000);
    server_ = std::make_unique<HttpServer>(options, &handler_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  absl::StatusOr<common::HttpResponse> Send(const std::string& method, const std::string& target,
                                            const std::string& body = "") {
    common::HttpRequestOptions request;
    request.method = method;
    request.port = server_->port();
    request.target = target;
    request.body = body;
    request.bearer_token = "tok";
    return common::SendHttpRequest(request);
  }

  EchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, PassesRequestAndAnswer) {
  auto response = Send("POST", "/v1/x?y=1", "hello");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /v1/x?y=1 Bearer tok 5");
  EXPECT_EQ(response->headers["x-test"], "yes");
  EXPECT_EQ(response->headers["content-type"], "text/plain");
  auto teapot = Send("GET", "/teapot");
  ASSERT_TRUE(teapot.ok());
  EXPECT_EQ(teapot->status, 418);
}

TEST_F(HttpServerTest, OversizedBodyIs413WithoutCallingTheHandler) {
  auto response = Send("POST", "/v1/x", std::string(101, 'a'));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_THAT(response->body, HasSubstr("PAYLOAD_TOO_LARGE"));
  EXPECT_EQ(handler_.calls.load(), 0);
  auto fits = Send("POST", "/v1/x", std::string(100, 'a'));
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 200);
}

TEST_F(HttpServerTest, OversizedHeadersAre431WithoutCallingTheHandler) {
  auto response = Send("GET", "/v1/" + std::string(17 * 1024, 'a'));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  EXPECT_THAT(response->body, HasSubstr("REQUEST_HEADER_FIELDS_TOO_LARGE"));
  EXPECT_EQ(handler_.calls.load(), 0);
  auto fits = Send("GET", "/v1/" + std::string(8 * 1024, 'a'));
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 200);
  EXPECT_EQ(fits->headers["x-peer"], "127.0.0.1");
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(server_->port())));
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> request(http::verb::get, "/n" + std::to_string(i), 11);
    request.set(http::field::host, "127.0.0.1");
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    EXPECT_EQ(response.result_int(), 200u);
    EXPECT_THAT(response.body(), HasSubstr("/n" + std::to_string(i)));
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_EQ(handler_.calls.load(), 3);
}

// HEAD is answered with GET's status and headers, its Content-Length included, and no body, so
// that the next response on a kept-alive connection is read whole.
TEST_F(HttpServerTest, HeadAnswersHeadersOnlyOnAKeptAliveConnection) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(server_->port())));
  http::request<http::string_body> head(http::verb::head, "/teapot", 11);
  head.set(http::field::host, "127.0.0.1");
  http::write(stream, head);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> head_parser;
  head_parser.skip(true);  // a HEAD answer: headers only
  http::read(stream, buffer, head_parser);
  const auto& head_answer = head_parser.get();
  EXPECT_EQ(head_answer.result_int(), 418u);
  // The echo the GET would carry: "HEAD /teapot  0" (no authorization), 15 bytes.
  EXPECT_EQ(head_answer[http::field::content_length], "15");
  EXPECT_EQ(head_answer["X-Test"], "yes");
  // Nothing of a body follows: the next answer on the connection is the GET's, whole.
  http::request<http::string_body> get(http::verb::get, "/n1", 11);
  get.set(http::field::host, "127.0.0.1");
  http::write(stream, get);
  http::response<http::string_body> answer;
  http::read(stream, buffer, answer);
  EXPECT_EQ(answer.result_int(), 200u);
  EXPECT_EQ(answer.body(), "GET /n1  0");
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(server_->port())));
  const std::string garbage = "THIS IS NOT HTTP\r\n\r\n";
  asio::write(socket, asio::buffer(garbage));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  http::read(socket, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, AsyncAnswersAndGracefulStop) {
  auto pending = std::async(std::launch::async, [this] { return Send("GET", "/slow"); });
  while (handler_.calls.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->Stop();
  auto response = pending.get();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("/slow"));
  EXPECT_FALSE(Send("GET", "/after-stop").ok());
}

// HTTPS: answers a client that trusts the server's CA, and nothing to one that speaks plain HTTP.
TEST(HttpServerTlsTest, ServesHttpsAndRefusesPlainHttp) {
  common::testing::TempDir dir;
  auto certs = common::testing::MakeTestCertificates(dir.path(), "https");
  ASSERT_TRUE(certs.ok()) << certs.status();
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.tls_cert_file = certs->cert_file;
  options.tls_key_file = certs->key_file;
  HttpServer server(options, &handler);
  ASSERT_TRUE(server.Start().ok());

  asio::io_context io;
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.load_verify_file(certs->ca_cert_file);
  client.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, client);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> request(http::verb::get, "/v1/tls", 11);
  request.set(http::field::host, "localhost");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_THAT(response.body(), HasSubstr("GET /v1/tls"));

  // Plain HTTP to the HTTPS port gets no answer (the handshake fails and the server closes).
  common::HttpRequestOptions plain;
  plain.port = server.port();
  plain.target = "/v1/plain";
  auto answer = common::SendHttpRequest(plain);
  EXPECT_FALSE(answer.ok() && answer->status == 200);
  EXPECT_EQ(handler.calls.load(), 1);

  // A client that does not trust the server's CA cannot complete the handshake.
  auto other = common::testing::MakeTestCertificates(dir.path(), "other");
  ASSERT_TRUE(other.ok());
  asio::ssl::context wary(asio::ssl::context::tls_client);
  wary.load_verify_file(other->ca_cert_file);
  wary.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> refused(io, wary);
  beast::get_lowest_layer(refused).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  beast::error_code ec;
  refused.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  server.Stop();
}

// Whether a client trusting `ca_file` completes a TLS handshake with the server on `port`.
bool HandshakeSucceeds(int port, const std::string& ca_file) {
  asio::io_context io;
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.load_verify_file(ca_file);
  client.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, client);
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  return !ec;
}

// A renewed certificate (here: of another CA) is served to new connections without a restart;
// files that do not load as a pair keep the last good certificate.
TEST(HttpServerTlsTest, ServesARenewedCertificateWithoutARestart) {
  common::testing::TempDir dir;
  auto first = common::testing::MakeTestCertificates(dir.path(), "first");
  auto second = common::testing::MakeTestCertificates(dir.path(), "second");
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string cert = dir.path() + "/served.pem";
  const std::string key = dir.path() + "/served.key";
  std::filesystem::copy_file(first->cert_file, cert);
  std::filesystem::copy_file(first->key_file, key);
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  options.tls_check_every = std::chrono::milliseconds(10);
  HttpServer server(options, &handler);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(HandshakeSucceeds(server.port(), first->ca_cert_file));
  EXPECT_FALSE(HandshakeSucceeds(server.port(), second->ca_cert_file));

  // Renewed: the files are replaced as a renewal tool would (write aside, then rename).
  auto replace = [&](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(from, to + ".new");
    std::filesystem::rename(to + ".new", to);
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  replace(second->cert_file, cert);
  replace(second->key_file, key);
  bool renewed = false;
  for (int i = 0; i < 200 && !renewed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    renewed = HandshakeSucceeds(server.port(), second->ca_cert_file);
  }
  EXPECT_TRUE(renewed);
  EXPECT_FALSE(HandshakeSucceeds(server.port(), first->ca_cert_file));

  // A certificate without its key (the first's with the second's key) does not load: the
  // second goes on being served.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  replace(first->cert_file, cert);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(HandshakeSucceeds(server.port(), second->ca_cert_file));
  }
  server.Stop();
}

TEST(HttpServerTlsTest, FilesThatDoNotLoadFailTheStart) {
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  HttpServer server(options, &handler);
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpServerStartTest, RejectsBadAddressAndBusyPort) {
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "no-port";
  EXPECT_EQ(HttpServer(options, &handler).Start().code(), absl::StatusCode::kInvalidArgument);

  options.address = "127.0.0.1:0";
  HttpServer first(options, &handler);
  ASSERT_TRUE(first.Start().ok());
  options.address = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(options, &handler);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::gateway
