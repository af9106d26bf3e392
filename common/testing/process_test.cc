#include "common/testing/process.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

#include <signal.h>

namespace lifeline::common::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::milliseconds kExitTimeout{10000};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(ChildProcessTest, ReturnsExitCode) {
  TempDir dir;
  auto child = ChildProcess::Start("/bin/sh", {"-c", "exit 3"}, {}, dir.path() + "/log");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<int> code = child->Wait(kExitTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_FALSE(child->running());
  // Waiting again returns the same code.
  EXPECT_EQ(child->Wait(kExitTimeout).value_or(-1), 3);
}

TEST(ChildProcessTest, SignalledChildReports128PlusSignal) {
  TempDir dir;
  auto child = ChildProcess::Start("/bin/sleep", {"60"}, {}, dir.path() + "/log");
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->running());
  EXPECT_EQ(child->Wait(std::chrono::milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  absl::StatusOr<int> code = child->Wait(kExitTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_FALSE(child->Signal(SIGTERM).ok());
}

TEST(ChildProcessTest, PassesParentAndExtraEnvironmentAndLogsOutput) {
  TempDir dir;
  const std::string log = dir.path() + "/child.log";
  ::setenv("LIFELINE_PROCESS_TEST_PARENT", "from-parent", 1);
  auto child = ChildProcess::Start(
      "/bin/sh",
      {"-c",
       "echo \"extra=$LIFELINE_PROCESS_TEST_EXTRA parent=$LIFELINE_PROCESS_TEST_PARENT\"; "
       "echo to-stderr >&2"},
      {{"LIFELINE_PROCESS_TEST_EXTRA", "hello world"}}, log);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_EQ(child->Wait(kExitTimeout).value_or(-1), 0);
  const std::string output = ReadFile(log);
  EXPECT_THAT(output, HasSubstr("extra=hello world parent=from-parent\n"));
  EXPECT_THAT(output, HasSubstr("to-stderr\n"));
}

TEST(ChildProcessTest, ExecFailureExits127) {
  TempDir dir;
  auto child = ChildProcess::Start(dir.path() + "/no-such-binary", {}, {}, dir.path() + "/log");
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->Wait(kExitTimeout).value_or(-1), 127);
}

TEST(ChildProcessTest, UnwritableLogIsInternal) {
  auto child = ChildProcess::Start("/bin/true", {}, {}, "/nonexistent-dir/x/log");
  EXPECT_EQ(child.status().code(), absl::StatusCode::kInternal);
}

TEST(ChildProcessTest, DestructorKillsRunningChild) {
  TempDir dir;
  pid_t pid = -1;
  {
    auto child = ChildProcess::Start("/bin/sleep", {"60"}, {}, dir.path() + "/log");
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
    ASSERT_GT(pid, 0);
    // Moving keeps one owner; the moved-from object must not kill or reap.
    ChildProcess moved = std::move(*child);
    EXPECT_TRUE(moved.running());
  }
  // Reaped by the destructor: the pid no longer names a child of ours.
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(TempDirTest, CreatesAndRemovesRecursively) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(path));
    std::filesystem::create_directories(path + "/a/b");
    std::ofstream(path + "/a/b/file") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WaitForPortFileTest, ReadsPortAndTimesOut) {
  TempDir dir;
  const std::string path = dir.path() + "/port";
  EXPECT_EQ(WaitForPortFile(path, std::chrono::milliseconds(30)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  std::ofstream(path) << "not a port";
  EXPECT_EQ(WaitForPortFile(path, std::chrono::milliseconds(30)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  std::ofstream(path) << "43125\n";
  EXPECT_EQ(WaitForPortFile(path, kExitTimeout).value_or(-1), 43125);
}

TEST(EnvDirsTest, ReadsEnvironment) {
  ::setenv("LIFELINE_BIN_DIR", "/some/bin", 1);
  ::setenv("LIFELINE_SOURCE_DIR", "/some/src", 1);
  EXPECT_EQ(BinDir(), "/some/bin");
  EXPECT_EQ(SourceDir(), "/some/src");
}

}  // namespace
}  // namespace lifeline::common::testing
