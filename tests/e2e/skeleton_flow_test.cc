// The walking skeleton end to end: the real binaries on loopback, driven through the gateway's
// HTTP/JSON API with the hand-written demo data set (tools/demo-data).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"

#include "common/http/http_client.h"
#include "common/testing/process.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/referral/v1/referral_service.pb.h"
#include "tests/e2e/suite.h"
#include <signal.h>

namespace lifeline::e2e {
namespace {

using ::lifeline::common::HttpRequestOptions;
using ::lifeline::common::HttpResponse;
using ::lifeline::common::SendHttpRequest;
using ::lifeline::common::testing::SourceDir;
using ::testing::Contains;

constexpr const char* kProcurator = kProcuratorToken;
constexpr const char* kAdmin = kAdminToken;
constexpr const char* kChiefProcurator = "demo-chief-procurator-token";
// A procurator of Hefei (3401): the demo case is Lu'an's (341523).
constexpr const char* kHefeiProcurator = "demo-procurator-hefei-token";

class SkeletonFlowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = suite->release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(suite_, nullptr) << "the suite did not start"; }

  static HttpResponse Http(const std::string& method, const std::string& target,
                           const std::string& token, const std::string& body = "") {
    return suite_->Http(method, target, token, body);
  }

  // Submits every demo batch in order; returns the responses by agency.
  static std::map<std::string, ingest::v1::SubmitBatchResponse> SubmitDemoData() {
    std::map<std::string, ingest::v1::SubmitBatchResponse> out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/tools/demo-data")) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string agency = f.stem().string().substr(3);
      HttpResponse r = Http("POST", "/v1/agencies/" + agency + "/batches", AgencyToken(agency),
                            ReadFile(f.string()));
      EXPECT_EQ(r.status, 200) << agency << ": " << r.body;
      out[agency] = ParseJson<ingest::v1::SubmitBatchResponse>(r.body);
    }
    return out;
  }

  static match::v1::ListCluesResponse WaitForClues(int at_least) {
    match::v1::ListCluesResponse clues;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = Http("GET", "/v1/clues?page_size=100", kProcurator);
      EXPECT_EQ(r.status, 200) << r.body;
      clues = ParseJson<match::v1::ListCluesResponse>(r.body);
      if (clues.clues_size() >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return clues;
  }

  static Suite* suite_;
};

Suite* SkeletonFlowTest::suite_ = nullptr;

TEST_F(SkeletonFlowTest, ClueFlowsFromAgencyRecordsToADeliveredReferral) {
  auto batches = SubmitDemoData();
  ASSERT_EQ(batches.size(), 6u);

  // Per-record answers: the civil-affairs batch keeps both a wrong check digit and a
  // spreadsheet-damaged number with a warning: a bad number never costs a record.
  const auto& civil = batches["civil_affairs"];
  EXPECT_EQ(civil.batch().record_count(), 8);
  EXPECT_EQ(civil.batch().rejected_count(), 0);
  EXPECT_EQ(civil.batch().accepted_count(), 8);
  std::set<std::string> reasons;
  for (const auto& issue : civil.issues()) reasons.insert(issue.reason());
  EXPECT_THAT(reasons, Contains("ID_CHECK_DIGIT"));
  EXPECT_THAT(reasons, Contains("ID_SPREADSHEET_DAMAGE"));
  for (const auto& issue : civil.issues()) {
    EXPECT_FALSE(absl::StrContains(issue.message(), "3415")) << "issue leaks an ID number";
  }

  // Exactly the three eligible people become clues: the story's two parents and the seriously
  // injured victim whose offender died. The near misses (paid, no hardship, minor injury,
  // already assisted, not a dependant) do not.
  auto clues = WaitForClues(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  clues = WaitForClues(3);
  ASSERT_EQ(clues.clues_size(), 3);
  std::map<std::string, match::v1::Clue> by_masked;
  for (const auto& c : clues.clues()) by_masked[c.person_id_masked()] = c;
  ASSERT_EQ(by_masked.count("3415**********1577"), 1u);  // father
  ASSERT_EQ(by_masked.count("3415**********1643"), 1u);  // mother
  ASSERT_EQ(by_masked.count("3415**********5281"), 1u);  // seriously injured victim
  EXPECT_EQ(by_masked["3415**********1577"].category(), match::v1::CATEGORY_DEPENDANT_OF_DECEASED);
  EXPECT_EQ(by_masked["3415**********1643"].category(), match::v1::CATEGORY_DEPENDANT_OF_DECEASED);
  EXPECT_EQ(by_masked["3415**********5281"].category(), match::v1::CATEGORY_SERIOUS_INJURY);

  // The father's clue cites the records of four agencies.
  const std::string father_clue = by_masked["3415**********1577"].clue_id();
  HttpResponse got = Http("GET", "/v1/clues/" + father_clue, kProcurator);
  ASSERT_EQ(got.status, 200) << got.body;
  auto clue = ParseJson<match::v1::Clue>(got.body);
  std::set<std::string> agencies;
  std::set<std::string> record_ids;
  for (const auto& e : clue.evidence()) {
    agencies.insert(e.agency());
    record_ids.insert(e.source_record_id());
  }
  EXPECT_THAT(agencies, Contains("procuratorate"));
  EXPECT_THAT(agencies, Contains("court"));
  EXPECT_THAT(agencies, Contains("civil_affairs"));
  EXPECT_THAT(agencies, Contains("disabled_persons_federation"));
  EXPECT_THAT(record_ids, Contains("R-2023-045-1"));    // near relative, depended on the victim
  EXPECT_THAT(record_ids, Contains("E-2024-045"));      // enforcement terminated, nothing paid
  EXPECT_THAT(record_ids, Contains("MA-341523-0457"));  // rural minimum living security
  EXPECT_GT(clue.suggested_amount().max_fen(), 0);
  EXPECT_LE(clue.suggested_amount().max_fen(), 83012300);
  // Its family: the mother who also depended on the son, with her hardship and her own clue.
  const std::string mother_clue = by_masked["3415**********1643"].clue_id();
  bool mother_in_family = false;
  for (const auto& member : clue.family()) {
    if (member.person_id_masked() != "3415**********1643") continue;
    mother_in_family = !member.hardship_signals().empty() && member.clues_size() == 1 &&
                       member.clues(0).clue_id() == mother_clue;
  }
  EXPECT_TRUE(mother_in_family) << got.body;

  EXPECT_EQ(clue.region_code(), "341523");
  EXPECT_GE(clue.suggested_amount().point_fen(), clue.suggested_amount().min_fen());
  EXPECT_LE(clue.suggested_amount().point_fen(), clue.suggested_amount().max_fen());
  EXPECT_GT(clue.suggested_amount().rationale_size(), 0);

  // Another region's procurator neither sees nor decides the clue.
  EXPECT_EQ(Http("GET", "/v1/clues/" + father_clue, kHefeiProcurator).status, 403);
  HttpResponse hefei_list = Http("GET", "/v1/clues?page_size=100", kHefeiProcurator);
  ASSERT_EQ(hefei_list.status, 200) << hefei_list.body;
  EXPECT_EQ(ParseJson<match::v1::ListCluesResponse>(hefei_list.body).clues_size(), 0);
  EXPECT_EQ(Http("POST", "/v1/clues/" + father_clue + ":review", kHefeiProcurator,
                 R"({"decision": "DECISION_REJECT", "reason": "not ours"})")
                .status,
            403);

  // 50,000 yuan is above the 10,000-yuan approval threshold: a note and a chief procurator.
  const std::string approve = R"({"decision": "DECISION_APPROVE", "amount_fen": "5000000")";
  EXPECT_EQ(Http("POST", "/v1/clues/" + father_clue + ":review", kProcurator, approve + "}").status,
            400);
  EXPECT_EQ(Http("POST", "/v1/clues/" + father_clue + ":review", kProcurator,
                 approve + R"(, "reason": "family of a killed victim"})")
                .status,
            403);
  // The chief procurator approves; referral-service opens the plan and delivers its referrals.
  HttpResponse review = Http("POST", "/v1/clues/" + father_clue + ":review", kChiefProcurator,
                             approve + R"(, "reason": "family of a killed victim"})");
  ASSERT_EQ(review.status, 200) << review.body;
  EXPECT_EQ(ParseJson<match::v1::Clue>(review.body).status(), match::v1::CLUE_STATUS_APPROVED);

  std::string plan_id;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (plan_id.empty() && std::chrono::steady_clock::now() < deadline) {
    auto c = ParseJson<match::v1::Clue>(Http("GET", "/v1/clues/" + father_clue, kProcurator).body);
    plan_id = c.plan_id();
    if (plan_id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(plan_id.empty()) << "no plan was opened for the approved clue";
  HttpResponse plan_http = Http("GET", "/v1/plans/" + plan_id, kProcurator);
  ASSERT_EQ(plan_http.status, 200) << plan_http.body;
  auto plan = ParseJson<referral::v1::Plan>(plan_http.body);
  EXPECT_EQ(plan.assistance_amount_fen(), 5000000);
  std::set<std::string> departments;
  for (const auto& r : plan.referrals()) departments.insert(r.department());
  EXPECT_THAT(departments, Contains("legal_aid"));
  EXPECT_THAT(departments, Contains("law_popularization"));
  EXPECT_THAT(departments, Contains("disabled_persons_federation"));
  EXPECT_THAT(departments, Contains("rural_revitalization"));

  // partner-sim receives every referral exactly once and accepts it.
  const std::string received_path = suite_->dir() + "/received.jsonl";
  size_t received = 0;
  bool all_accepted = false;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(received_path);
    received = std::count(text.begin(), text.end(), '\n');
    auto p = ParseJson<referral::v1::Plan>(Http("GET", "/v1/plans/" + plan_id, kProcurator).body);
    all_accepted = p.referrals_size() > 0;
    for (const auto& r : p.referrals()) {
      all_accepted &=
          r.state() == referral::v1::REFERRAL_STATE_ACCEPTED && r.delivery().delivered();
    }
    if (received >= static_cast<size_t>(plan.referrals_size()) && all_accepted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(received, static_cast<size_t>(plan.referrals_size()));
  EXPECT_TRUE(all_accepted) << "referrals were not all delivered and accepted";
  EXPECT_TRUE(absl::StrContains(ReadFile(received_path), plan_id));

  // The auditor sees who read the clue and who decided what on it: the approval with its amount,
  // the reads with the person they showed. Others may not read the audit log.
  {
    HttpResponse trail = Http("GET", "/v1/audit?subject=" + father_clue, "demo-auditor-token");
    ASSERT_EQ(trail.status, 200) << trail.body;
    EXPECT_TRUE(
        absl::StrContains(trail.body, R"("rpc":"lifeline.match.v1.MatchService.ReviewClue")"))
        << trail.body;
    EXPECT_TRUE(absl::StrContains(trail.body, R"("decision":"DECISION_APPROVE")")) << trail.body;
    EXPECT_TRUE(absl::StrContains(trail.body, R"("amount_fen":"5000000")")) << trail.body;
    EXPECT_TRUE(absl::StrContains(trail.body, R"("user":"demo-chief-procurator")")) << trail.body;
    EXPECT_TRUE(absl::StrContains(trail.body, "person_id:")) << trail.body;
    EXPECT_FALSE(absl::StrContains(trail.body, "family of a killed victim"))
        << "free text in the audit";
    HttpResponse reads = Http(
        "GET",
        "/v1/audit?user=demo-procurator&rpc=lifeline.match.v1.MatchService.GetClue&page_size=1",
        "demo-auditor-token");
    ASSERT_EQ(reads.status, 200) << reads.body;
    EXPECT_TRUE(absl::StrContains(reads.body, "nextPageToken")) << reads.body;
    EXPECT_EQ(Http("GET", "/v1/audit", kProcurator).status, 403);
    EXPECT_EQ(Http("GET", "/v1/audit?since=yesterday", "demo-auditor-token").status, 400);
    EXPECT_EQ(Http("GET", "/v1/clues", "demo-auditor-token").status, 403);
  }

  // A second approval of the same clue is refused.
  HttpResponse again = Http("POST", "/v1/clues/" + father_clue + ":review", kChiefProcurator,
                            approve + R"(, "reason": "again"})");
  EXPECT_EQ(again.status, 409) << again.body;

  // The mother's clue: information asked for and received puts it back to pending; a rejection
  // needs a coded reason.
  auto review_mother = [&](const std::string& body) {
    return Http("POST", "/v1/clues/" + mother_clue + ":review", kProcurator, body);
  };
  EXPECT_EQ(
      review_mother(R"({"decision": "DECISION_REQUEST_INFO", "reason": "town to confirm"})").status,
      200);
  HttpResponse back =
      review_mother(R"({"decision": "DECISION_INFO_RECEIVED", "reason": "town confirmed"})");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(ParseJson<match::v1::Clue>(back.body).status(), match::v1::CLUE_STATUS_PENDING_REVIEW);
  EXPECT_EQ(review_mother(R"({"decision": "DECISION_REJECT", "reason": "declined"})").status, 400);
  HttpResponse rejected =
      review_mother(R"({"decision": "DECISION_REJECT", "reject_reason": "REJECT_REASON_DECLINED", )"
                    R"("reason": "the family declined"})");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  const auto mother = ParseJson<match::v1::Clue>(rejected.body);
  EXPECT_EQ(mother.status(), match::v1::CLUE_STATUS_REJECTED);
  ASSERT_EQ(mother.reviews_size(), 3);
  EXPECT_EQ(mother.reviews(2).reject_reason(), match::v1::REJECT_REASON_DECLINED);
}

// Runs after the clue flow above, on its data.
TEST_F(SkeletonFlowTest, RetractedHardshipRecordWithdrawsThePendingClue) {
  auto has_injured_victim = [](const match::v1::ListCluesResponse& clues) {
    return std::any_of(clues.clues().begin(), clues.clues().end(), [](const match::v1::Clue& c) {
      return c.person_id_masked() == "3415**********5281";
    });
  };
  ASSERT_TRUE(has_injured_victim(WaitForClues(3)));

  // The rural revitalization bureau ends the victim's poverty monitoring, her only hardship.
  HttpResponse r =
      Http("POST", "/v1/agencies/rural_revitalization/batches", AgencyToken("rural_revitalization"),
           R"({"batch_id": "demo-rrb-retract-1", "records": [
                              {"source_record_id": "PM-341523-0915", "version": 2,
                               "record_date": "2024-03-01", "retracted": true}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto response = ParseJson<ingest::v1::SubmitBatchResponse>(r.body);
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).result(), ingest::v1::RECORD_RESULT_RETRACTED);
  EXPECT_EQ(response.batch().retracted_count(), 1);

  // match-service forgets the record and withdraws the clue nobody has reviewed yet.
  bool withdrawn = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!withdrawn && std::chrono::steady_clock::now() < deadline) {
    HttpResponse listed = Http("GET", "/v1/clues?page_size=100", kProcurator);
    ASSERT_EQ(listed.status, 200) << listed.body;
    withdrawn = !has_injured_victim(ParseJson<match::v1::ListCluesResponse>(listed.body));
    if (!withdrawn) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(withdrawn) << "the clue still stands on a retracted record";
  // The approved father's clue is untouched.
  HttpResponse listed = Http("GET", "/v1/clues?page_size=100", kProcurator);
  EXPECT_EQ(ParseJson<match::v1::ListCluesResponse>(listed.body).clues_size(), 2);
}

TEST_F(SkeletonFlowTest, DuplicateBatchReturnsTheFirstAnswerAndStoresNothingTwice) {
  const std::string body = ReadFile(SourceDir() + "/tools/demo-data/06-rural_revitalization.json");
  const std::string path = "/v1/agencies/rural_revitalization/batches";
  HttpResponse first = Http("POST", path, AgencyToken("rural_revitalization"), body);
  HttpResponse second = Http("POST", path, AgencyToken("rural_revitalization"), body);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  auto a = ParseJson<ingest::v1::SubmitBatchResponse>(first.body);
  auto b = ParseJson<ingest::v1::SubmitBatchResponse>(second.body);
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  HttpResponse got = Http("GET", path + "/demo-rrb-1", AgencyToken("rural_revitalization"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(ParseJson<ingest::v1::Batch>(got.body).record_count(), 1);
}

TEST_F(SkeletonFlowTest, BadRequestsGetClearErrors) {
  const std::string path = "/v1/agencies/civil_affairs/batches";
  const std::string token = AgencyToken("civil_affairs");
  EXPECT_EQ(Http("POST", path, token, "{not json").status, 400);
  EXPECT_EQ(Http("POST", path, token, R"({"batch_id": "x", "records": 7})").status, 400);
  EXPECT_EQ(Http("POST", path, token, R"({"batch_id": "x", "surprise": 1})").status, 400);
  EXPECT_EQ(Http("POST", path, token, R"({"batch_id": "empty", "records": []})").status, 400);
  EXPECT_EQ(Http("POST", "/v1/agencies/no_such_agency/batches", kAdmin,
                 R"({"batch_id": "x", "records": [{"source_record_id": "1"}]})")
                .status,
            400);
  EXPECT_EQ(Http("POST", path, "", R"({"batch_id": "x"})").status, 401);
  EXPECT_EQ(Http("POST", path, "not-a-real-token", R"({"batch_id": "x"})").status, 401);
  // An agency may only submit its own records; a submitter may not read clues.
  EXPECT_EQ(Http("POST", "/v1/agencies/court/batches", token, R"({"batch_id": "x"})").status, 403);
  EXPECT_EQ(Http("GET", "/v1/clues", token).status, 403);
  EXPECT_EQ(Http("GET", "/v1/clues/no-such-clue", kProcurator).status, 404);
  EXPECT_EQ(Http("GET", "/v1/no/such/route", kProcurator).status, 404);
}

TEST_F(SkeletonFlowTest, EveryServiceServesMetricsAndStopsCleanlyOnSigterm) {
  std::vector<Service>& services = suite_->services();
  // Every service has answered at least its health checks by now.
  for (const auto& s : services) {
    HttpRequestOptions options;
    options.port = s.metrics_port;
    options.target = "/metrics";
    auto r = SendHttpRequest(options);
    ASSERT_TRUE(r.ok()) << s.name << ": " << r.status();
    EXPECT_EQ(r->status, 200) << s.name;
    EXPECT_TRUE(absl::StrContains(r->body, "grpc_server_handled_total")) << s.name;
  }
  // Gateway first, partner-sim last: the order a rolling restart would take.
  for (auto it = services.rbegin(); it != services.rend(); ++it) {
    ASSERT_TRUE(it->process->Signal(SIGTERM).ok());
    auto code = it->process->Wait(std::chrono::seconds(20));
    ASSERT_TRUE(code.ok()) << it->name << " did not stop: " << code.status();
    EXPECT_EQ(*code, 0) << it->name << " exit code";
  }
}

}  // namespace
}  // namespace lifeline::e2e
