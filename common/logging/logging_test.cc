#include "common/logging/logging.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/testing/process.h"
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

namespace lifeline::common {
namespace {

// Redirects file descriptor 2 into a temporary file while alive.
class StderrCapture {
 public:
  StderrCapture() {
    path_ = dir_.path() + "/stderr.txt";
    std::fflush(stderr);
    saved_ = dup(2);
    std::FILE* file = std::fopen(path_.c_str(), "w");
    dup2(fileno(file), 2);
    std::fclose(file);
  }
  ~StderrCapture() { Restore(); }
  // Stops capturing and returns the captured lines.
  std::vector<std::string> Lines() {
    Restore();
    std::ifstream in(path_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    spdlog::default_logger()->flush();
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  testing::TempDir dir_;
  std::string path_;
  int saved_ = -1;
};

TEST(LoggingTest, LineFormatIsUtcKeyValueWithService) {
  // A non-UTC local zone must not leak into the timestamps.
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  StderrCapture capture;
  InitLogging("ingest-service", "info");
  const absl::Time before = absl::Now();
  spdlog::info("event=batch_accepted records={}", 3);
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 1u);
  const std::regex shape(
      R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d{3}Z info service=ingest-service )"
      R"(event=batch_accepted records=3$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(lines[0], match, shape)) << lines[0];
  absl::Time logged;
  std::string error;
  ASSERT_TRUE(
      absl::ParseTime("%Y-%m-%dT%H:%M:%S", match[1].str(), absl::UTCTimeZone(), &logged, &error))
      << error;
  EXPECT_LT(absl::AbsDuration(logged - before), absl::Minutes(5)) << lines[0];
}

TEST(LoggingTest, LevelFiltersLowerSeverities) {
  StderrCapture capture;
  InitLogging("match-service", "warn");
  spdlog::debug("event=d");
  spdlog::info("event=i");
  spdlog::warn("event=w");
  spdlog::error("event=e");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" service=match-service event=w"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" error service=match-service event=e"), std::string::npos) << lines[1];
}

TEST(LoggingTest, DebugLevelShowsDebug) {
  StderrCapture capture;
  InitLogging("referral-service", "DEBUG");
  spdlog::debug("event=d");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" debug service=referral-service event=d"), std::string::npos)
      << lines[0];
}

TEST(LoggingTest, UnknownLevelFallsBackToInfoWithAWarning) {
  StderrCapture capture;
  InitLogging("gateway", "verbose");
  spdlog::debug("event=d");
  spdlog::info("event=i");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("unknown_log_level level=\"verbose\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("event=i"), std::string::npos) << lines[1];
}

TEST(LoggingTest, PercentInServiceNameIsLiteral) {
  StderrCapture capture;
  InitLogging("odd%vname", "info");
  spdlog::info("event=x");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" service=odd%vname event=x"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace lifeline::common
