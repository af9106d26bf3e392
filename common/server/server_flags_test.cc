#include "common/server/server_flags.h"

#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/argv.h"

namespace lifeline::common {
namespace {

using testing::Argv;

TEST(CheckListenAddressTest, AcceptsHostPortRejectsTheRest) {
  for (const char* good :
       {"127.0.0.1:0", "127.0.0.1:65535", "localhost:50051", "[::1]:8080", "0.0.0.0:9090"}) {
    EXPECT_TRUE(CheckListenAddress("a", good).ok()) << good;
  }
  for (const char* bad : {"", "127.0.0.1", ":50051", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:-1", "127.0.0.1:http", "::1:80", "host:1:2"}) {
    absl::Status status = CheckListenAddress("listen_address", bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("listen_address"), std::string::npos) << status;
  }
}

TEST(ServerFlagsTest, DefaultsBindAndEveryProblemIsReported) {
  ServerFlags server;
  server.options.listen_address = "127.0.0.1:50052";
  FlagSet flags("servertest");
  DefineServerFlags(&flags, &server);
  Argv args({"--listen_address=nowhere", "--metrics_address=1.2.3.4:99999", "--log_level=loud"});
  absl::Status status = flags.Parse(args.argc(), args.argv());
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  for (const char* part : {"listen_address", "metrics_address", "log_level"}) {
    EXPECT_NE(status.message().find(part), std::string::npos) << part << ": " << status;
  }
}

TEST(ServerFlagsTest, GoodFlagsBecomeRunnerOptions) {
  ServerFlags server;
  FlagSet flags("servertest");
  DefineServerFlags(&flags, &server);
  Argv args({"--listen_address=127.0.0.1:7000", "--metrics_address=", "--port_file=/tmp/p",
             "--log_level=warn", "--insecure_loopback=true"});
  ASSERT_EQ(ParseFlags(&flags, "servertest", args.argc(), args.argv()), std::nullopt);
  const ServerOptions& options = server.options;
  EXPECT_EQ(options.listen_address, "127.0.0.1:7000");
  EXPECT_EQ(options.metrics_address, "");
  EXPECT_EQ(options.port_file, "/tmp/p");
  EXPECT_EQ(server.log_level, "warn");
}

// Security is on unless switched off explicitly, and it can only be switched off on loopback.
TEST(ServerFlagsTest, SecurityIsRequiredOutsideLoopback) {
  auto parse = [](std::initializer_list<std::string> argv) {
    ServerFlags server;
    FlagSet flags("servertest");
    DefineServerFlags(&flags, &server);
    Argv args(argv);
    return flags.Parse(args.argc(), args.argv());
  };
  absl::Status none = parse({"--listen_address=127.0.0.1:7000"});
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.message().find("set tls_cert_file, tls_key_file, tls_ca_file and caller_key_file"),
            std::string::npos)
      << none;
  absl::Status outside = parse({"--listen_address=0.0.0.0:7000", "--insecure_loopback=true"});
  EXPECT_NE(outside.message().find("insecure_loopback: listen_address \"0.0.0.0:7000\" is not a "
                                   "loopback address"),
            std::string::npos)
      << outside;
  absl::Status partial =
      parse({"--listen_address=0.0.0.0:7000", "--tls_cert_file=/c", "--caller_key_file=/k"});
  EXPECT_NE(partial.message().find("go together"), std::string::npos) << partial;
  EXPECT_TRUE(parse({"--listen_address=0.0.0.0:7000", "--tls_cert_file=/c", "--tls_key_file=/k",
                     "--tls_ca_file=/a", "--caller_key_file=/keys"})
                  .ok());
  EXPECT_TRUE(parse({"--listen_address=[::1]:7000", "--insecure_loopback=true"}).ok());
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackAddress("127-evil.example:1"));
  EXPECT_FALSE(IsLoopbackAddress("127.evil.example:1"));
}

TEST(ServerFlagsTest, ParseFlagsGivesTheExitCodes) {
  ServerFlags server;
  FlagSet flags("servertest");
  DefineServerFlags(&flags, &server);
  Argv help({"--help"});
  EXPECT_EQ(ParseFlags(&flags, "servertest", help.argc(), help.argv()), std::optional<int>(0));
  ServerFlags server2;
  FlagSet flags2("servertest");
  DefineServerFlags(&flags2, &server2);
  Argv bad({"--no_such_flag=1"});
  EXPECT_EQ(ParseFlags(&flags2, "servertest", bad.argc(), bad.argv()), std::optional<int>(2));
  EXPECT_EQ(StartupFailure("servertest", "cannot open store", absl::UnavailableError("x")), 2);
}

struct TestConfig {
  ServerFlags server;
  std::string outcome = "ok";
};

void BindTest(FlagSet* flags, TestConfig* config) {
  flags->String("outcome", &config->outcome, "ok or fail");
}

// What ServeTest saw; RunServer takes a plain function, so the test reads it from here.
std::vector<std::string> served;

absl::Status ServeTest(const TestConfig& config, ServerRunner* runner) {
  served.push_back(config.outcome);
  if (runner == nullptr || runner->registry() == nullptr) return absl::InternalError("no runner");
  if (config.outcome == "fail") return absl::UnavailableError("store: cannot open");
  return absl::OkStatus();
}

int RunTest(std::initializer_list<std::string> args) {
  Argv argv(args);
  return RunServer("servertest", "servertest", argv.argc(), argv.argv(), &BindTest, &ServeTest);
}

TEST(RunServerTest, ServesWithTheParsedConfigAndMapsTheOutcomeToTheExitCode) {
  served.clear();
  EXPECT_EQ(RunTest({"--outcome=ok", "--insecure_loopback=true"}), 0);
  EXPECT_EQ(RunTest({"--outcome=fail", "--insecure_loopback=true"}), 2);
  EXPECT_EQ(served, (std::vector<std::string>{"ok", "fail"}));
}

// A caller key file that cannot be read stops the start before anything is served.
TEST(RunServerTest, AnUnreadableCallerKeyFileIsAFailedStart) {
  served.clear();
  EXPECT_EQ(RunTest({"--insecure_loopback=true", "--caller_key_file=/nonexistent/caller.keys"}), 2);
  EXPECT_TRUE(served.empty());
}

TEST(RunServerTest, HelpAndBadFlagsExitBeforeServing) {
  served.clear();
  EXPECT_EQ(RunTest({"--help"}), 0);
  EXPECT_EQ(RunTest({"--log_level=loud"}), 2);
  EXPECT_EQ(RunTest({"--no_such_flag=1"}), 2);
  EXPECT_TRUE(served.empty());
}

}  // namespace
}  // namespace lifeline::common
