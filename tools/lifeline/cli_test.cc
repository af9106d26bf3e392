#include "tools/lifeline/cli.h"

#include <sstream>

#include <gtest/gtest.h>

namespace lifeline::tools {
namespace {

TEST(FormatYuanTest, GroupsThousandsAndKeepsFen) {
  EXPECT_EQ(FormatYuan(83012300), "830,123.00");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(100), "1.00");
  EXPECT_EQ(FormatYuan(123456789), "1,234,567.89");
  EXPECT_EQ(FormatYuan(-250), "-2.50");
}

TEST(ParseHostPortTest, AcceptsHostAndPort) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:8080", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
}

TEST(ParseHostPortTest, RejectsMalformed) {
  std::string host;
  int port = 0;
  EXPECT_FALSE(ParseHostPort("localhost", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort(":80", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:0", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:70000", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:abc", &host, &port).ok());
}

TEST(RunCliTest, UsageErrorsAreInvalidArgument) {
  std::ostringstream out;
  EXPECT_EQ(RunCli({}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"frobnicate"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"submit", "--agency", "court"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"review", "c1", "--approve"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"clues", "--status", "maybe"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"--gateway", "nohostport", "clues"}, out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunCliTest, UnreachableGatewayIsUnavailable) {
  std::ostringstream out;
  // Port 1 on loopback is not listening in the test environment.
  absl::Status st = RunCli({"--gateway", "127.0.0.1:1", "clues"}, out);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
}

}  // namespace
}  // namespace lifeline::tools
