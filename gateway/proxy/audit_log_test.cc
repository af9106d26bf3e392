#include "gateway/proxy/audit_log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

namespace lifeline::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

AuditEntry Entry() {
  AuditEntry entry;
  entry.time = absl::FromUnixMillis(1764381006123);
  entry.user = "proc-zhao";
  entry.role = "procurator";
  entry.http_method = "POST";
  entry.route = "/v1/clues/{clue_id}:review";
  entry.rpc = "lifeline.match.v1.MatchService.ReviewClue";
  entry.path_vars = {{"clue_id", "c-\"1"}, {"free_text", "not-an-id"}};
  entry.http_status = 200;
  return entry;
}

TEST(AuditLogTest, FormatsOneJsonLineWithOnlyIdVariables) {
  EXPECT_EQ(FormatAuditLine(Entry()),
            R"({"time":"2025-11-29T01:50:06.123Z","user":"proc-zhao","role":"procurator",)"
            R"("method":"POST","route":"/v1/clues/{clue_id}:review",)"
            R"("rpc":"lifeline.match.v1.MatchService.ReviewClue","ids":{"clue_id":"c-\"1"},)"
            R"("status":200})");
  EXPECT_TRUE(IsAuditedVariable("partner.department"));
  EXPECT_FALSE(IsAuditedVariable("name"));
}

TEST(AuditLogTest, AppendsLinesAndCreatesTheDirectory) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("audit_log_test_" + std::to_string(::getpid())) / "nested";
  std::filesystem::remove_all(dir.parent_path());
  const std::string path = (dir / "audit.jsonl").string();
  {
    auto log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->Write(Entry());
    AuditEntry denied = Entry();
    denied.user.clear();
    denied.role.clear();
    denied.http_status = 401;
    (*log)->Write(denied);
    EXPECT_EQ((*log)->write_failures(), 0);
  }
  {
    auto reopened = AuditLog::Open(path);
    ASSERT_TRUE(reopened.ok());
    (*reopened)->Write(Entry());
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  EXPECT_EQ(std::count(contents.begin(), contents.end(), '\n'), 3);
  EXPECT_THAT(contents, HasSubstr(R"("user":"","role":"")"));
  EXPECT_THAT(contents, HasSubstr(R"("status":401)"));
  EXPECT_THAT(contents, Not(HasSubstr("not-an-id")));
  // Who read whose data is personal too: the log is its owner's alone.
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir.parent_path());
}

TEST(AuditLogTest, OpenFailsOnUnwritablePath) {
  EXPECT_EQ(AuditLog::Open("/proc/definitely/not/here/audit.jsonl").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::gateway
