#include "common/webhook/webhook_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/testing/test_pki.h"
#include "common/webhook/signature.h"
#include <sys/socket.h>

namespace lifeline::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ::lifeline::common::testing::MakeTestCertificates;
using ::lifeline::common::testing::TestCertFiles;
using ::testing::HasSubstr;
using ::testing::Not;

using Headers = std::vector<std::pair<std::string, std::string>>;
using ServerRequest = http::request<http::string_body>;
using ServerResponse = http::response<http::string_body>;

// An HTTPS/1.1 server on an ephemeral port of a loopback address: a thread accepts connections
// and one thread per connection serves them, synchronously.
class TestHttpsServer {
 public:
  enum class Mode {
    // Answers every request on a connection until the client closes it.
    kKeepAlive,
    // Answers one request without announcing a close, then drops the connection (no TLS
    // close_notify), like a server whose keep-alive timeout has run out.
    kCloseAfterResponse,
    // Completes the handshake and reads a request, then never answers.
    kSilent,
  };
  // Called on the connection's thread, concurrently for concurrent connections.
  using Handler = std::function<ServerResponse(const ServerRequest&)>;

  // Returns a running server. Errors: those of loading the certificate or binding the address.
  static absl::StatusOr<std::unique_ptr<TestHttpsServer>> Start(
      const TestCertFiles& certs, Mode mode, Handler handler,
      const std::string& address = "127.0.0.1") {
    std::unique_ptr<TestHttpsServer> server(new TestHttpsServer(mode, std::move(handler)));
    beast::error_code ec;
    server->tls_.use_certificate_chain_file(certs.cert_file, ec);
    if (!ec) server->tls_.use_private_key_file(certs.key_file, ssl::context::pem, ec);
    const tcp::endpoint endpoint(asio::ip::make_address(address, ec), 0);
    if (!ec) server->acceptor_.open(endpoint.protocol(), ec);
    if (!ec) server->acceptor_.bind(endpoint, ec);
    if (!ec) server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("test server: ", ec.message()));
    server->endpoint_ = server->acceptor_.local_endpoint();
    server->accept_thread_ = std::thread([s = server.get()] { s->AcceptLoop(); });
    return server;
  }

  ~TestHttpsServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      // Wakes connection threads blocked in a read; their sockets stay open until they
      // unregister, so the descriptors are still theirs.
      for (int fd : open_sockets_) ::shutdown(fd, SHUT_RDWR);
    }
    stopped_.notify_all();
    // Wakes the accept loop, which then sees `stopping_`.
    asio::io_context io;
    tcp::socket waker(io);
    beast::error_code ec;
    waker.connect(endpoint_, ec);
    accept_thread_.join();
    for (std::thread& thread : connection_threads_) thread.join();
  }

  int port() const { return endpoint_.port(); }
  int connections() const { return connections_.load(); }
  // Requests the handler was called for.
  int requests() const { return requests_.load(); }

 private:
  TestHttpsServer(Mode mode, Handler handler)
      : mode_(mode), handler_(std::move(handler)), acceptor_(io_) {}

  void AcceptLoop() {
    while (true) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      if (ec) continue;
      ++connections_;
      open_sockets_.insert(socket.native_handle());
      connection_threads_.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(
                                                  socket))]() mutable { Serve(std::move(*s)); });
    }
  }

  void Serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    {
      ssl::stream<tcp::socket> stream(std::move(socket), tls_);
      ServeTls(stream);
      std::lock_guard<std::mutex> lock(mu_);
      open_sockets_.erase(fd);
    }
  }

  void ServeTls(ssl::stream<tcp::socket>& stream) {
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    while (true) {
      ServerRequest request;
      http::read(stream, buffer, request, ec);
      if (ec) return;
      if (mode_ == Mode::kSilent) {
        std::unique_lock<std::mutex> lock(mu_);
        stopped_.wait(lock, [this] { return stopping_; });
        return;
      }
      // Counted before the answer goes out, so a client that has its response sees the count.
      ++requests_;
      ServerResponse response = handler_(request);
      response.version(11);
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(stream, response, ec);
      if (ec) return;
      if (mode_ == Mode::kCloseAfterResponse || !request.keep_alive()) return;
    }
  }

  const Mode mode_;
  const Handler handler_;
  ssl::context tls_{ssl::context::tls_server};
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint endpoint_;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::condition_variable stopped_;
  bool stopping_ = false;                        // guarded by mu_
  std::set<int> open_sockets_;                   // guarded by mu_
  std::vector<std::thread> connection_threads_;  // guarded by mu_ until the accept loop ends
  std::thread accept_thread_;
};

ServerResponse Answer(http::status status, std::string body) {
  ServerResponse response{status, 11};
  response.set(http::field::content_type, "text/plain");
  response.body() = std::move(body);
  return response;
}

ServerResponse Ok(const ServerRequest&) { return Answer(http::status::ok, "ok"); }

// A port on which nothing listens: bound, then released.
int UnusedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

class WebhookClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "webhook_client_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    absl::StatusOr<TestCertFiles> certs = MakeTestCertificates(dir_, "partner");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TestHttpsServer> StartServer(TestHttpsServer::Mode mode,
                                               TestHttpsServer::Handler handler = Ok,
                                               const std::string& address = "127.0.0.1") {
    absl::StatusOr<std::unique_ptr<TestHttpsServer>> server =
        TestHttpsServer::Start(certs_, mode, std::move(handler), address);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  std::unique_ptr<WebhookClient> MakeClient(WebhookClientOptions options = {}) {
    if (options.ca_file.empty()) options.ca_file = certs_.ca_cert_file;
    absl::StatusOr<std::unique_ptr<WebhookClient>> client = WebhookClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static std::string Url(const TestHttpsServer& server, const std::string& path = "/hook",
                         const std::string& host = "127.0.0.1") {
    return absl::StrCat("https://", host, ":", server.port(), path);
  }

  std::string dir_;
  TestCertFiles certs_;
};

TEST_F(WebhookClientTest, PostDeliversBodyAndHeadersAndReturnsTheResponse) {
  std::mutex mu;
  ServerRequest received;
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive, [&](const ServerRequest& request) {
    std::lock_guard<std::mutex> lock(mu);
    received = request;
    return Answer(http::status::accepted, R"({"received":true})");
  });
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);

  const std::string body = R"({"referralId":"r-1","department":"police"})";
  absl::StatusOr<WebhookResponse> response = client->Post(
      Url(*server, "/hooks/referrals?v=1", "localhost"),
      {{"X-Lifeline-Idempotency-Key", "r-1/3"}, {"X-Extra", "a"}, {"X-Extra", "b"}}, body);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, R"({"received":true})");

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(received.method(), http::verb::post);
  EXPECT_EQ(received.target(), "/hooks/referrals?v=1");
  EXPECT_EQ(received[http::field::host], absl::StrCat("localhost:", server->port()));
  EXPECT_EQ(received[http::field::content_type], "application/json");
  EXPECT_EQ(received["X-Lifeline-Idempotency-Key"], "r-1/3");
  EXPECT_EQ(
      std::distance(received.equal_range("X-Extra").first, received.equal_range("X-Extra").second),
      2);
  EXPECT_EQ(received.body(), body);
}

TEST_F(WebhookClientTest, AnyHttpStatusIsAResponse) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive, [](const ServerRequest&) {
    return Answer(http::status::service_unavailable, "try later");
  });
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  absl::StatusOr<WebhookResponse> response = client->Post(Url(*server), {}, "{}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "try later");
}

TEST_F(WebhookClientTest, CallerMayReplaceContentType) {
  std::atomic<bool> charset{false};
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive, [&](const ServerRequest& request) {
    charset = request[http::field::content_type] == "application/json; charset=utf-8";
    return Answer(http::status::ok, "");
  });
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Post(Url(*server), {{"Content-Type", "application/json; charset=utf-8"}}, "{}").ok());
  EXPECT_TRUE(charset);
}

TEST_F(WebhookClientTest, ReusesOneConnectionForSequentialPosts) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive);
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<WebhookResponse> response =
        client->Post(Url(*server), {}, absl::StrCat(R"({"n":)", i, "}"));
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(server->connections(), 1);
  EXPECT_EQ(server->requests(), 20);
  EXPECT_EQ(client->idle_connections(), 1u);
}

TEST_F(WebhookClientTest, ClosesEachConnectionWithoutPooling) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive);
  ASSERT_NE(server, nullptr);
  WebhookClientOptions options;
  options.max_idle_connections_per_host = 0;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Post(Url(*server), {}, "{}").ok());
  EXPECT_EQ(server->connections(), 3);
  EXPECT_EQ(client->idle_connections(), 0u);
}

TEST_F(WebhookClientTest, RetriesWhenTheServerClosedTheIdleConnection) {
  auto server = StartServer(TestHttpsServer::Mode::kCloseAfterResponse);
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<WebhookResponse> response = client->Post(Url(*server), {}, "{}");
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->status, 200);
  }
  // Each post after the first found its pooled connection closed and used a new one; the server
  // answered each request exactly once.
  EXPECT_EQ(server->requests(), 5);
  EXPECT_EQ(server->connections(), 5);
}

TEST_F(WebhookClientTest, ConcurrentPostsFromFourThreadsSucceed) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive);
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<WebhookResponse> response =
            client->Post(Url(*server), {}, absl::StrCat(R"({"thread":)", t, "}"));
        if (response.ok() && response->status == 200) ++succeeded;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 40);
  EXPECT_EQ(server->requests(), 40);
  // A new connection is opened only while all others are in use.
  EXPECT_LE(server->connections(), 4);
  EXPECT_LE(client->idle_connections(), 4u);
}

TEST_F(WebhookClientTest, UntrustedCertificateIsUnavailable) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive);
  ASSERT_NE(server, nullptr);
  absl::StatusOr<TestCertFiles> other = MakeTestCertificates(dir_, "other");
  ASSERT_TRUE(other.ok()) << other.status();
  WebhookClientOptions options;
  options.ca_file = other->ca_cert_file;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);

  const std::string body = R"({"secretish":"do-not-log"})";
  absl::StatusOr<WebhookResponse> response = client->Post(Url(*server), {}, body);
  ASSERT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", server->port())));
  EXPECT_THAT(response.status().message(), HasSubstr("TLS handshake"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("do-not-log")));
  EXPECT_EQ(server->requests(), 0);
}

TEST_F(WebhookClientTest, CertificateForAnotherHostIsUnavailable) {
  // The certificate names localhost and 127.0.0.1; Linux routes all of 127/8 to loopback.
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive, Ok, "127.0.0.2");
  if (server == nullptr) GTEST_SKIP() << "cannot listen on 127.0.0.2";
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  absl::StatusOr<WebhookResponse> response =
      client->Post(Url(*server, "/hook", "127.0.0.2"), {}, "{}");
  ASSERT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr("IP address mismatch"));
  EXPECT_EQ(server->requests(), 0);
}

TEST_F(WebhookClientTest, RefusesUrlsOtherThanHttps) {
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive);
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  const std::string port = std::to_string(server->port());
  for (const std::string& url : std::vector<std::string>{
           "http://127.0.0.1:" + port + "/hook", "ftp://127.0.0.1:" + port + "/", "127.0.0.1/hook",
           std::string("https://"), "https://:" + port + "/", "https://user:pw@127.0.0.1:" + port,
           std::string("https://127.0.0.1:0/"), std::string("https://127.0.0.1:65536/"),
           "https://127.0.0.1:" + port + "x/", "https://127.0.0.1:/", "https://exa mple.org/",
           "https://127.0.0.1:" + port + "/a b", "https://127.0.0.1:" + port + "/a\r\nX: y",
           std::string("https://[::1/"), std::string("https://[nonsense]/")}) {
    absl::StatusOr<WebhookResponse> response = client->Post(url, {}, "{}");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
  // Nothing, in particular not the body, went out in clear text.
  EXPECT_EQ(server->connections(), 0);
}

TEST_F(WebhookClientTest, RefusesBadHeaders) {
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  for (const Headers& headers : std::vector<Headers>{{{"X-Bad", "a\r\nX-Injected: 1"}},
                                                     {{"X-Bad", std::string("a\0b", 3)}},
                                                     {{"Bad Name", "v"}},
                                                     {{"", "v"}},
                                                     {{"X:Colon", "v"}},
                                                     {{"Host", "elsewhere.example"}},
                                                     {{"content-length", "5"}},
                                                     {{"Transfer-Encoding", "chunked"}},
                                                     {{"Connection", "close"}}}) {
    absl::StatusOr<WebhookResponse> response = client->Post("https://127.0.0.1:1/", headers, "{}");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << headers.front().first;
    EXPECT_THAT(response.status().message(), Not(HasSubstr("Injected")));
  }
}

TEST_F(WebhookClientTest, ConnectionRefusedIsUnavailable) {
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);
  const int port = UnusedPort();
  absl::StatusOr<WebhookResponse> response =
      client->Post(absl::StrCat("https://127.0.0.1:", port, "/hook"), {}, "{}");
  ASSERT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", port)));
  EXPECT_THAT(response.status().message(), HasSubstr("connect"));
}

TEST_F(WebhookClientTest, UnresponsiveServerIsDeadlineExceeded) {
  auto server = StartServer(TestHttpsServer::Mode::kSilent);
  ASSERT_NE(server, nullptr);
  WebhookClientOptions options;
  options.timeout = std::chrono::milliseconds(500);
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<WebhookResponse> response = client->Post(Url(*server), {}, "{}");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  // The server would stay silent until destroyed; a generous bound shows the client gave up on
  // its own, near its timeout.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(WebhookClientTest, ServerThatNeverHandshakesIsDeadlineExceeded) {
  // The kernel completes TCP connections to a listening socket that nobody accepts from.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  WebhookClientOptions options;
  options.timeout = std::chrono::milliseconds(500);
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  absl::StatusOr<WebhookResponse> response = client->Post(
      absl::StrCat("https://127.0.0.1:", acceptor.local_endpoint().port(), "/hook"), {}, "{}");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
}

TEST_F(WebhookClientTest, CreateRefusesMissingCaFileAndBadOptions) {
  WebhookClientOptions options;
  options.ca_file = dir_ + "/absent.pem";
  EXPECT_EQ(WebhookClient::Create(options).status().code(), absl::StatusCode::kFailedPrecondition);
  options.ca_file = certs_.ca_cert_file;
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(WebhookClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.timeout = std::chrono::milliseconds(1000);
  options.max_idle_connections_per_host = -1;
  EXPECT_EQ(WebhookClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

// The whole scheme end to end: the sender signs, the client delivers, the receiver verifies the
// signature and refuses a replay.
TEST_F(WebhookClientTest, SignedBodyVerifiesOnTheServer) {
  constexpr char kSecret[] = "police-webhook-secret-0123456789abcdef";
  ReplayGuard guard;
  auto server = StartServer(TestHttpsServer::Mode::kKeepAlive, [&](const ServerRequest& request) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string timestamp(request[kWebhookTimestampHeader]);
    const std::string signature(request[kWebhookSignatureHeader]);
    if (!VerifyWebhook(kSecret, timestamp, signature, request.body(), now).ok()) {
      return Answer(http::status::unauthorized, "");
    }
    int64_t sent_at = 0;
    if (!absl::SimpleAtoi(timestamp, &sent_at) ||
        !guard.CheckAndRemember(signature, sent_at, now).ok()) {
      return Answer(http::status::conflict, "");
    }
    return Answer(http::status::no_content, "");
  });
  ASSERT_NE(server, nullptr);
  auto client = MakeClient();
  ASSERT_NE(client, nullptr);

  const std::string body = R"({"referralId":"r-7","department":"police"})";
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const Headers headers = {{std::string(kWebhookTimestampHeader), absl::StrCat(now)},
                           {std::string(kWebhookIdempotencyKeyHeader), "r-7/1"},
                           {std::string(kWebhookSignatureHeader), SignWebhook(kSecret, now, body)}};
  absl::StatusOr<WebhookResponse> response = client->Post(Url(*server), headers, body);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 204);

  // The same signed request again is a replay.
  response = client->Post(Url(*server), headers, body);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 409);

  // A body changed after signing, or signed with another secret, is refused.
  response = client->Post(Url(*server), headers, R"({"referralId":"r-8","department":"police"})");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
  const Headers forged = {{std::string(kWebhookTimestampHeader), absl::StrCat(now)},
                          {std::string(kWebhookSignatureHeader),
                           SignWebhook("not-the-police-secret-0123456789abcdef", now, body)}};
  response = client->Post(Url(*server), forged, body);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
}

}  // namespace
}  // namespace lifeline::common
