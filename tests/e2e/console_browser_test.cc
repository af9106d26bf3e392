// The review console in a real browser: the suite runs secured (as in production), the
// hand-written demo data is loaded, and tests/browser/console.test.mjs drives Debian's chromium
// through playwright-core: a chief procurator finds, reads and approves a clue and sees its plan;
// the legal-aid department accepts, notes progress on and completes its referral; a Hefei reviewer
// cannot see the clue; the auditor finds the approval; an admin opens the undeliverable
// deliveries. Screenshots of each page are kept in
// build/<preset>/test-artifacts/console/. Needs chromium and tests/browser/node_modules
// (scripts/install-deps.sh installs both).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {
namespace {

using common::testing::BinDir;
using common::testing::ChildProcess;
using common::testing::SourceDir;

TEST(ConsoleBrowserTest, ProcuratorDepartmentOtherRegionAndAuditorInARealBrowser) {
  const char* chromium_env = std::getenv("CHROMIUM");
  const std::string chromium = chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  ASSERT_TRUE(std::filesystem::exists(chromium))
      << chromium << " is missing: run scripts/install-deps.sh (Debian package chromium)";
  const std::string script = SourceDir() + "/tests/browser/console.test.mjs";
  ASSERT_TRUE(std::filesystem::exists(SourceDir() + "/tests/browser/node_modules/playwright-core"))
      << "playwright-core is missing: run scripts/install-deps.sh (npm ci in tests/browser)";

  auto started = Suite::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<Suite> suite = std::move(*started);

  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SourceDir() + "/tools/demo-data")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const std::string agency = file.stem().string().substr(3);
    common::HttpResponse response = suite->Http("POST", "/v1/agencies/" + agency + "/batches",
                                                AgencyToken(agency), ReadFile(file.string()));
    ASSERT_EQ(response.status, 200) << agency << ": " << response.body;
  }
  // The father's clue (case handled in 341523, outside Hefei) is the one the browser approves.
  std::string clue_id;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (clue_id.empty() && std::chrono::steady_clock::now() < deadline) {
    auto clues = ParseJson<match::v1::ListCluesResponse>(
        suite->Http("GET", "/v1/clues?page_size=100", kProcuratorToken).body);
    for (const auto& clue : clues.clues()) {
      if (clue.person_id_masked() == "3415**********1577") clue_id = clue.clue_id();
    }
    if (clue_id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(clue_id.empty()) << "the demo clue did not appear";

  const std::string artifacts = BinDir() + "/../test-artifacts/console";
  std::filesystem::create_directories(artifacts);
  const std::string log = suite->dir() + "/console-test.log";
  auto node = ChildProcess::Start(
      "/usr/bin/env", {"node", script},
      {{"LIFELINE_URL", "http://127.0.0.1:" + std::to_string(suite->http_port())},
       {"LIFELINE_CLUE_ID", clue_id},
       {"LIFELINE_ARTIFACTS", artifacts},
       {"CHROMIUM", chromium}},
      log);
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<int> code = node->Wait(std::chrono::seconds(240));
  if (!code.ok()) (void)node->Signal(SIGKILL);
  const std::string output = ReadFile(log);
  std::cout << output;
  ASSERT_TRUE(code.ok()) << code.status() << "\n" << output;
  EXPECT_EQ(*code, 0) << output;
  for (const char* shot : {"01-clue-list", "02-clue-detail", "03-plan", "05-inbox-in-progress",
                           "06-inbox-completed", "07-other-region-denied", "08-audit"}) {
    EXPECT_TRUE(std::filesystem::exists(artifacts + "/" + shot + ".png")) << shot;
  }
}

}  // namespace
}  // namespace lifeline::e2e
