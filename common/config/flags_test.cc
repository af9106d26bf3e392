#include "common/config/flags.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"

#include "common/testing/argv.h"
#include "common/testing/process.h"
#include <stdlib.h>

namespace lifeline::common {
namespace {

using testing::Argv;

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_.c_str()); }

 private:
  std::string name_;
};

struct TestConfig {
  std::string listen_address = "127.0.0.1:0";
  std::string token_secret;
  int64_t max_batch_records = 1000;
  bool verbose = false;
};

void Register(FlagSet& flags, TestConfig& config) {
  flags.String("listen_address", &config.listen_address, "host:port for gRPC");
  flags.Secret("token_secret", &config.token_secret, "HMAC secret for ID tokens");
  flags.Int("max_batch_records", &config.max_batch_records, "largest accepted batch");
  flags.Bool("verbose", &config.verbose, "log more");
}

TEST(FlagSetTest, DefaultsStayWithoutFlagsOrEnvironment) {
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv args{};
  ASSERT_TRUE(flags.Parse(args.argc(), args.argv()).ok());
  EXPECT_EQ(config.listen_address, "127.0.0.1:0");
  EXPECT_EQ(config.max_batch_records, 1000);
  EXPECT_FALSE(config.verbose);
}

TEST(FlagSetTest, ParsesBothFlagFormsAndBools) {
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv args{"--listen_address=0.0.0.0:50051", "--max_batch_records", "250", "--verbose",
            "--token_secret=abc"};
  absl::Status status = flags.Parse(args.argc(), args.argv());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.listen_address, "0.0.0.0:50051");
  EXPECT_EQ(config.max_batch_records, 250);
  EXPECT_TRUE(config.verbose);
  EXPECT_EQ(config.token_secret, "abc");
}

TEST(FlagSetTest, BoolAcceptsExplicitValues) {
  TestConfig config;
  config.verbose = true;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv off{"--verbose=false"};
  ASSERT_TRUE(flags.Parse(off.argc(), off.argv()).ok());
  EXPECT_FALSE(config.verbose);
  Argv on{"--verbose=true"};
  ASSERT_TRUE(flags.Parse(on.argc(), on.argv()).ok());
  EXPECT_TRUE(config.verbose);
}

TEST(FlagSetTest, EnvironmentIsReadAndFlagsWin) {
  ScopedEnv address("LIFELINE_INGEST_LISTEN_ADDRESS", "10.0.0.1:7000");
  ScopedEnv batch("LIFELINE_INGEST_MAX_BATCH_RECORDS", "42");
  ScopedEnv verbose("LIFELINE_INGEST_VERBOSE", "true");
  ScopedEnv other_service("LIFELINE_MATCH_MAX_BATCH_RECORDS", "7");
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv args{"--max_batch_records=9"};
  ASSERT_TRUE(flags.Parse(args.argc(), args.argv()).ok());
  EXPECT_EQ(config.listen_address, "10.0.0.1:7000");
  EXPECT_EQ(config.max_batch_records, 9);
  EXPECT_TRUE(config.verbose);
}

TEST(FlagSetTest, ServiceNameWithDashMapsToUnderscore) {
  ScopedEnv address("LIFELINE_MATCH_SERVICE_LISTEN_ADDRESS", "x:1");
  TestConfig config;
  FlagSet flags("match-service");
  Register(flags, config);
  Argv args{};
  ASSERT_TRUE(flags.Parse(args.argc(), args.argv()).ok());
  EXPECT_EQ(config.listen_address, "x:1");
}

TEST(FlagSetTest, ReportsEveryProblemAtOnce) {
  ScopedEnv bad_env("LIFELINE_INGEST_VERBOSE", "maybe");
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  flags.Check([&]() -> absl::Status {
    if (config.listen_address.empty()) {
      return absl::InvalidArgumentError("listen_address: must not be empty");
    }
    return absl::OkStatus();
  });
  Argv args{"--max_batch_records=lots", "--nope=1", "--listen_address=", "stray", "--token_secret"};
  absl::Status status = flags.Parse(args.argc(), args.argv());
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_NE(message.find("LIFELINE_INGEST_VERBOSE: expected true or false"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--max_batch_records: expected an integer, got \"lots\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("unknown flag --nope"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected argument \"stray\""), std::string::npos) << message;
  EXPECT_NE(message.find("--token_secret: missing value"), std::string::npos) << message;
  EXPECT_NE(message.find("listen_address: must not be empty"), std::string::npos) << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 5) << message;
}

TEST(FlagSetTest, RangesAndRequiredStringsAreChecked) {
  int64_t threads = 2;
  std::string tokens;
  FlagSet flags("rangetest");
  flags.Int("threads", &threads, "worker threads", 1, 64);
  flags.RequiredString("tokens_file", &tokens, "tokens");
  Argv bad({"--threads=0"});
  absl::Status status = flags.Parse(bad.argc(), bad.argv());
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("threads: 0 is outside [1, 64]"), std::string::npos) << status;
  EXPECT_NE(status.message().find("tokens_file is required"), std::string::npos) << status;

  int64_t threads2 = 2;
  std::string tokens2;
  FlagSet ok_flags("rangetest");
  ok_flags.Int("threads", &threads2, "worker threads", 1, 64);
  ok_flags.RequiredString("tokens_file", &tokens2, "tokens");
  Argv good({"--threads=64", "--tokens_file=/x"});
  EXPECT_TRUE(ok_flags.Parse(good.argc(), good.argv()).ok());
  EXPECT_EQ(threads2, 64);
}

TEST(FlagSetTest, NumbersAreParsedAndRangeChecked) {
  double p = 0.5;
  FlagSet flags("numbertest");
  flags.Double("probability", &p, "a probability", 0.01, 0.999);
  Argv good({"--probability=0.99"});
  ASSERT_TRUE(flags.Parse(good.argc(), good.argv()).ok());
  EXPECT_DOUBLE_EQ(p, 0.99);
  EXPECT_NE(flags.Describe().find("probability=0.99"), std::string::npos);

  for (const char* bad : {"--probability=1.5", "--probability=abc", "--probability=nan"}) {
    double q = 0.5;
    FlagSet again("numbertest");
    again.Double("probability", &q, "a probability", 0.01, 0.999);
    Argv args({bad});
    EXPECT_EQ(again.Parse(args.argc(), args.argv()).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(FlagSetTest, HelpYieldsCancelledWithUsage) {
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv args{"--nope", "--help"};
  absl::Status status = flags.Parse(args.argc(), args.argv());
  ASSERT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(std::string(status.message()), flags.Usage());
  EXPECT_NE(flags.Usage().find("--max_batch_records"), std::string::npos);
  EXPECT_NE(flags.Usage().find("LIFELINE_INGEST_MAX_BATCH_RECORDS"), std::string::npos);
  EXPECT_NE(flags.Usage().find("largest accepted batch"), std::string::npos);
}

TEST(FlagSetTest, DescribeRedactsSecrets) {
  TestConfig config;
  FlagSet flags("ingest");
  Register(flags, config);
  Argv args{"--token_secret=super-secret-value", "--listen_address=a b"};
  ASSERT_TRUE(flags.Parse(args.argc(), args.argv()).ok());
  const std::string described = flags.Describe();
  EXPECT_EQ(described,
            "listen_address=\"a b\" token_secret=<redacted> max_batch_records=1000 verbose=false");
  EXPECT_EQ(described.find("super-secret"), std::string::npos);
  EXPECT_EQ(flags.Usage().find("super-secret"), std::string::npos);
}

class FileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(FileTest, ReadFileReturnsContentOrNotFound) {
  const std::string path = Write("a.txt", std::string("line1\nline2\0", 12));
  EXPECT_EQ(ReadFile(path).value(), std::string("line1\nline2\0", 12));
  EXPECT_EQ(ReadFile(dir_.path() + "/missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadFile(dir_.path()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadFile(Write("empty", "")).value(), "");
}

TEST_F(FileTest, ReadSecretFileTrimsTrailingWhitespace) {
  EXPECT_EQ(ReadSecretFile(Write("s", "  s3cret value \n\n")).value(), "  s3cret value");
  absl::StatusOr<std::string> empty = ReadSecretFile(Write("e", " \n"));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadSecretFile(dir_.path() + "/missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::common
