#include "gateway/proxy/audit_store.h"

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/storage/query_plan.h"
#include "common/testing/process.h"
#include "gateway/proxy/audit_log.h"

namespace lifeline::gateway {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1796000000);

AuditEntry Entry(int i) {
  AuditEntry entry;
  entry.time = kStart + absl::Minutes(i);
  entry.user = i % 2 == 0 ? "reviewer-a" : "reviewer-b";
  entry.role = "procurator";
  entry.http_method = i % 3 == 0 ? "POST" : "GET";
  entry.route = "/v1/clues/{clue_id}";
  entry.rpc = i % 3 == 0 ? "lifeline.match.v1.MatchService.ReviewClue"
                         : "lifeline.match.v1.MatchService.GetClue";
  entry.path_vars = {{"clue_id", absl::StrCat("clu_", i % 5)}};
  entry.subjects = {absl::StrCat("person_id:p_", i % 7)};
  if (i % 3 == 0) entry.decision = {{"decision", "DECISION_APPROVE"}, {"amount_fen", "100"}};
  entry.http_status = i % 10 == 9 ? 403 : 200;
  return entry;
}

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = AuditLog::Open(file_, nullptr);
    ASSERT_TRUE(log.ok());
    auto store = AuditStore::Open(index_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto indexed = AuditLog::Open(file_, store_.get());
    ASSERT_TRUE(indexed.ok()) << indexed.status();
    for (int i = 0; i < 100; ++i) (*indexed)->Write(Entry(i));
  }

  std::vector<std::string> List(AuditQuery query) {
    auto page = store_->List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->lines : std::vector<std::string>{};
  }

  common::testing::TempDir dir_;
  const std::string file_ = dir_.path() + "/audit.jsonl";
  const std::string index_ = dir_.path() + "/audit-index.db";
  std::unique_ptr<AuditStore> store_;
};

TEST_F(AuditStoreTest, FiltersNewestFirst) {
  AuditQuery all;
  all.page_size = 1000;
  std::vector<std::string> lines = List(all);
  ASSERT_EQ(lines.size(), 100u);
  EXPECT_THAT(lines.front(), HasSubstr(R"("person_id:p_1")"));  // entry 99
  EXPECT_THAT(lines.front(), HasSubstr("\"status\":403"));

  AuditQuery by_user = all;
  by_user.user = "reviewer-a";
  EXPECT_EQ(List(by_user).size(), 50u);
  AuditQuery by_subject = all;
  by_subject.subject = "clu_3";  // entries 3, 8, 13, ...
  EXPECT_EQ(List(by_subject).size(), 20u);
  by_subject.subject = "p_6";  // an answered person: 6, 13, 20, ...
  EXPECT_EQ(List(by_subject).size(), 14u);
  AuditQuery decisions = all;
  decisions.rpc = "lifeline.match.v1.MatchService.ReviewClue";
  std::vector<std::string> reviews = List(decisions);
  EXPECT_EQ(reviews.size(), 34u);
  EXPECT_THAT(reviews[0],
              HasSubstr(R"("decision":{"decision":"DECISION_APPROVE","amount_fen":"100"})"));
  AuditQuery denied = all;
  denied.status = 403;
  EXPECT_EQ(List(denied).size(), 10u);
  AuditQuery window = all;
  window.since = kStart + absl::Minutes(10);
  window.until = kStart + absl::Minutes(20);
  EXPECT_EQ(List(window).size(), 10u);
  window.user = "reviewer-b";
  window.subject = "clu_1";  // 11 (b), 16 (a)
  EXPECT_EQ(List(window).size(), 1u);
  AuditQuery empty = all;
  empty.since = kStart + absl::Hours(10);
  EXPECT_TRUE(List(empty).empty());
}

TEST_F(AuditStoreTest, PagesWithoutGapsOrRepeats) {
  AuditQuery query;
  query.page_size = 7;
  query.user = "reviewer-b";
  size_t total = 0;
  std::string previous;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = store_->List(query);
    ASSERT_TRUE(page.ok());
    total += page->lines.size();
    for (const std::string& line : page->lines) EXPECT_NE(line, previous);
    if (!page->lines.empty()) previous = page->lines.back();
    if (page->next_before_seq == 0) break;
    query.before_seq = page->next_before_seq;
  }
  EXPECT_EQ(total, 50u);
}

// An index that missed lines (the gateway died between writing the file and indexing) catches up
// on the next open; a line cut short by the crash is not an entry.
TEST_F(AuditStoreTest, CatchesUpWithLinesItMissed) {
  {
    std::ofstream out(file_, std::ios::app);
    for (int i = 100; i < 105; ++i) out << FormatAuditLine(Entry(i)) << "\n";
    out << R"({"time":"2026-12-04T1)";  // torn write
  }
  auto log = AuditLog::Open(file_, store_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  AuditQuery all;
  all.page_size = 1000;
  EXPECT_EQ(List(all).size(), 105u);
  // The torn line was ended: the next entry is a line of its own and is indexed.
  (*log)->Write(Entry(105));
  log->reset();
  EXPECT_EQ(List(all).size(), 106u);
  // Opening again indexes nothing twice.
  auto again = AuditLog::Open(file_, store_.get());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(List(all).size(), 106u);
}

TEST_F(AuditStoreTest, EveryStatementUsesAnIndex) {
  common::QueryPlanPolicy policy;
  auto scans =
      common::FindFullScans(store_->database(), AuditStore::StatementsForPlanCheck(), policy);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_TRUE(scans->empty()) << ::testing::PrintToString(*scans);
}

TEST(AuditLineTest, ParsesWhatItFormats) {
  AuditEntry entry = Entry(3);
  auto parsed = ParseAuditLine(FormatAuditLine(entry));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->time, entry.time);
  EXPECT_EQ(parsed->user, entry.user);
  EXPECT_EQ(parsed->rpc, entry.rpc);
  EXPECT_EQ(parsed->subjects, entry.subjects);
  EXPECT_EQ(parsed->http_status, entry.http_status);
  EXPECT_FALSE(ParseAuditLine("{not json").ok());
}

}  // namespace
}  // namespace lifeline::gateway
