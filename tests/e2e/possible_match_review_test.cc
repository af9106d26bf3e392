// Possible-match review end to end, through the gateway: two agencies send a record each of
// people the linkage model cannot decide (same name, born the same year months apart, nothing
// else); a procurator finds the pair in the review queue, asks why, confirms it (one person), an
// admin re-resolves everything from scratch, the procurator separates it again (two persons),
// and the decision holds through another re-resolution. Other roles, no token and bad input are
// refused. The procurator's side goes through the lifeline CLI as well as raw HTTP.
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "common/http/http_client.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {
namespace {

using ::lifeline::common::HttpResponse;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr auto kToolTimeout = std::chrono::seconds(60);
constexpr auto kArrivalTimeout = std::chrono::seconds(30);

constexpr char kRecordA[] = "civil_affairs:MA-7";
constexpr char kRecordB[] = "court:J-7";
constexpr char kExplainTarget[] =
    "/v1/records:explain?record_a=civil_affairs%3AMA-7&record_b=court%3AJ-7";
constexpr char kResolveTarget[] = "/v1/possible-matches:resolve";

// A minimum-living-allowance record and a civil judgment of a woman with the same name, born in
// 1970 half a year apart, without ID numbers: the name agrees, the birth dates disagree, and only
// the name + birth year blocking key brings them together.
constexpr char kCivilAffairsBatch[] = R"({"batch_id": "review-1", "records": [
  {"source_record_id": "MA-7", "version": 1, "record_date": "2024-01-05",
   "person": {"name": "孙丽华", "birth_date": "1970-02-11"},
   "social_assistance": {"programme": "PROGRAMME_RURAL_MINIMUM_LIVING", "household_head": true,
                         "start_date": "2019-03-01", "monthly_amount_fen": "42000"}}]})";
constexpr char kCourtBatch[] = R"({"batch_id": "review-1", "records": [
  {"source_record_id": "J-7", "version": 1, "record_date": "2024-03-20",
   "person": {"name": "孙丽华", "birth_date": "1970-08-25"},
   "civil_judgment": {"case_number": "C-2024-7", "judgment_number": "J-2024-7",
                      "amount_awarded_fen": "1000000", "judgment_date": "2024-03-20"}}]})";

std::string ResolveBody(const std::string& a, const std::string& b, const std::string& decision) {
  std::string body = absl::StrCat(R"({"record_a": ")", a, R"(", "record_b": ")", b, R"(")");
  if (!decision.empty()) absl::StrAppend(&body, R"(, "decision": ")", decision, R"(")");
  return absl::StrCat(body, R"(, "reason": "checked with the village committee"})");
}

class PossibleMatchReviewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = suite->release();
    HttpResponse civil = Http("POST", "/v1/agencies/civil_affairs/batches",
                              AgencyToken("civil_affairs"), kCivilAffairsBatch);
    ASSERT_EQ(civil.status, 200) << civil.body;
    HttpResponse court =
        Http("POST", "/v1/agencies/court/batches", AgencyToken("court"), kCourtBatch);
    ASSERT_EQ(court.status, 200) << court.body;
    // Every test starts with both records in match-service (ingest hands them over on its own).
    ASSERT_EQ(WaitForPossibleMatch().possible_matches_size(), 1)
        << "the pair never reached the review queue";
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

  // Runs the lifeline CLI against the gateway as `token`; each run logs to its own file.
  static ToolRun Lifeline(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--gateway", suite_->gateway_address(), "--token", token});
    const std::string log = absl::StrCat(suite_->dir(), "/lifeline-", ++runs_, ".log");
    auto run = RunTool("lifeline", args, log, kToolTimeout);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : ToolRun{};
  }

  static match::v1::ListPossibleMatchesResponse PossibleMatches() {
    HttpResponse r = Http("GET", "/v1/possible-matches", kProcuratorToken);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson<match::v1::ListPossibleMatchesResponse>(r.body);
  }

  // Waits until ingest has handed both records to match-service and the pair is in the queue.
  static match::v1::ListPossibleMatchesResponse WaitForPossibleMatch() {
    const auto deadline = std::chrono::steady_clock::now() + kArrivalTimeout;
    match::v1::ListPossibleMatchesResponse listed = PossibleMatches();
    while (listed.possible_matches_size() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      listed = PossibleMatches();
    }
    return listed;
  }

  static match::v1::PairExplanation Explain() {
    HttpResponse r = Http("GET", kExplainTarget, kProcuratorToken);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson<match::v1::PairExplanation>(r.body);
  }

  static match::v1::Person GetPerson(const std::string& person_id) {
    HttpResponse r = Http("GET", "/v1/persons/" + person_id, kProcuratorToken);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson<match::v1::Person>(r.body);
  }

  // The "AGENCY:SOURCE_RECORD_ID" keys of the person's records.
  static std::set<std::string> RecordKeys(const match::v1::Person& person) {
    std::set<std::string> keys;
    for (const auto& r : person.records()) keys.insert(r.agency() + ":" + r.source_record_id());
    return keys;
  }

  static Suite* suite_;
  static int runs_;
};

Suite* PossibleMatchReviewTest::suite_ = nullptr;
int PossibleMatchReviewTest::runs_ = 0;

TEST_F(PossibleMatchReviewTest, ProcuratorConfirmsThenSeparatesAndRelinkKeepsTheDecision) {
  // The pair waits for review: two persons, its weight at least the possible-match weight. (On
  // an index of two records the prior is even odds, so the weight may pass the link weight; the
  // pair still does not link: a birth date that disagrees leaves too little identity weight.)
  match::v1::ListPossibleMatchesResponse listed = PossibleMatches();
  ASSERT_EQ(listed.possible_matches_size(), 1);
  const match::v1::PairExplanation& queued = listed.possible_matches(0).pair();
  EXPECT_EQ(std::set<std::string>({queued.record_a(), queued.record_b()}),
            std::set<std::string>({kRecordA, kRecordB}));
  EXPECT_NE(queued.person_a(), queued.person_b());
  EXPECT_GE(queued.weight(), queued.possible_weight());

  match::v1::PairExplanation why = Explain();
  EXPECT_GE(why.weight(), why.possible_weight());
  EXPECT_GE(why.probability(), 0.5);
  EXPECT_LT(why.identity_weight(), 5);
  EXPECT_NE(why.person_a(), why.person_b());
  EXPECT_EQ(why.review(), "");
  std::set<std::string> compared;
  for (const auto& f : why.fields()) {
    if (f.level() != "missing") compared.insert(f.field() + ":" + f.level());
  }
  EXPECT_THAT(compared, UnorderedElementsAre("name:exact", "birth_date:different"));

  ToolRun cli_why = Lifeline(kProcuratorToken, {"why", kRecordA, kRecordB});
  EXPECT_EQ(cli_why.exit_code, 0) << cli_why.output;
  EXPECT_THAT(cli_why.output, HasSubstr("by weight: "));
  EXPECT_THAT(cli_why.output, HasSubstr("(two persons)"));
  EXPECT_THAT(cli_why.output, HasSubstr("review: none"));
  ToolRun cli_queue = Lifeline(kProcuratorToken, {"possible-matches"});
  EXPECT_EQ(cli_queue.exit_code, 0) << cli_queue.output;
  EXPECT_THAT(cli_queue.output, HasSubstr("1 possible match(es)"));
  EXPECT_THAT(cli_queue.output, HasSubstr("name:exact birth:different"));

  // Confirmed through the CLI: one person holding both records, each linked by the decision.
  ToolRun confirm = Lifeline(kProcuratorToken, {"resolve-match", kRecordA, kRecordB, "--same",
                                                "--reason", "checked with the village committee"});
  ASSERT_EQ(confirm.exit_code, 0) << confirm.output;
  EXPECT_THAT(confirm.output, HasSubstr("confirmed as one person"));
  why = Explain();
  ASSERT_EQ(why.person_a(), why.person_b());
  EXPECT_EQ(why.review(), "confirmed");
  match::v1::Person person = GetPerson(why.person_a());
  EXPECT_THAT(RecordKeys(person), UnorderedElementsAre(kRecordA, kRecordB));
  for (const auto& r : person.records()) {
    EXPECT_EQ(r.link_reason(), "confirmed") << r.source_record_id();
    EXPECT_THAT(r.linked_to(), ::testing::AnyOf(kRecordA, kRecordB));
    EXPECT_GT(r.comparison_size(), 0);
  }
  EXPECT_EQ(PossibleMatches().possible_matches_size(), 0);
  ToolRun cli_person = Lifeline(kProcuratorToken, {"person", why.person_a()});
  EXPECT_EQ(cli_person.exit_code, 0) << cli_person.output;
  EXPECT_THAT(cli_person.output, HasSubstr("2 record(s)"));
  EXPECT_THAT(cli_person.output, HasSubstr("confirmed, joined to"));

  // Re-resolving from scratch is an admin's step; the confirmation survives it.
  EXPECT_EQ(Http("POST", "/v1/persons:relink", kProcuratorToken, "{}").status, 403);
  HttpResponse relinked = Http("POST", "/v1/persons:relink", kAdminToken, "{}");
  ASSERT_EQ(relinked.status, 200) << relinked.body;
  auto relink = ParseJson<match::v1::RelinkResponse>(relinked.body);
  EXPECT_EQ(relink.records(), 2);
  EXPECT_EQ(relink.persons(), 1);
  why = Explain();
  EXPECT_EQ(why.person_a(), why.person_b());
  EXPECT_EQ(why.review(), "confirmed");

  // Separated over HTTP: two persons of one record each, and the pair is not offered again.
  HttpResponse separated = Http("POST", kResolveTarget, kProcuratorToken,
                                ResolveBody(kRecordB, kRecordA, "MATCH_DECISION_SEPARATE"));
  ASSERT_EQ(separated.status, 200) << separated.body;
  auto persons = ParseJson<match::v1::ResolvePossibleMatchResponse>(separated.body);
  ASSERT_NE(persons.person_a(), persons.person_b());
  EXPECT_THAT(RecordKeys(GetPerson(persons.person_a())), UnorderedElementsAre(kRecordB));
  EXPECT_THAT(RecordKeys(GetPerson(persons.person_b())), UnorderedElementsAre(kRecordA));
  EXPECT_EQ(PossibleMatches().possible_matches_size(), 0);

  // The separation survives another re-resolution, run by an admin through the CLI.
  ToolRun denied = Lifeline(kProcuratorToken, {"relink"});
  EXPECT_EQ(denied.exit_code, 1) << denied.output;
  EXPECT_THAT(denied.output, HasSubstr("403"));
  ToolRun relink_cli = Lifeline(kAdminToken, {"relink"});
  ASSERT_EQ(relink_cli.exit_code, 0) << relink_cli.output;
  EXPECT_THAT(relink_cli.output, HasSubstr("relinked 2 records into 2 persons"));
  why = Explain();
  EXPECT_NE(why.person_a(), why.person_b());
  EXPECT_EQ(why.review(), "separated");
  EXPECT_EQ(PossibleMatches().possible_matches_size(), 0);

  ToolRun model = Lifeline(kProcuratorToken, {"link-model"});
  EXPECT_EQ(model.exit_code, 0) << model.output;
  EXPECT_THAT(model.output, HasSubstr("estimated from the data"));
  EXPECT_THAT(model.output, HasSubstr("live records 2"));
  EXPECT_THAT(model.output, HasSubstr("level name exact"));
}

TEST_F(PossibleMatchReviewTest, OnlyProcuratorsAndAdminsReview) {
  const std::string court = AgencyToken("court");
  const std::string confirm = ResolveBody(kRecordA, kRecordB, "MATCH_DECISION_CONFIRM");
  struct Route {
    std::string method, target, body;
  };
  const std::vector<Route> routes = {{"GET", "/v1/possible-matches", ""},
                                     {"POST", kResolveTarget, confirm},
                                     {"GET", kExplainTarget, ""},
                                     {"POST", "/v1/persons:relink", "{}"},
                                     {"GET", "/v1/link-model", ""}};
  for (const Route& r : routes) {
    HttpResponse as_court = Http(r.method, r.target, court, r.body);
    EXPECT_EQ(as_court.status, 403) << r.target << ": " << as_court.body;
    HttpResponse anonymous = Http(r.method, r.target, "", r.body);
    EXPECT_EQ(anonymous.status, 401) << r.target << ": " << anonymous.body;
  }
  HttpResponse relink = Http("POST", "/v1/persons:relink", kProcuratorToken, "{}");
  EXPECT_EQ(relink.status, 403) << relink.body;
  EXPECT_EQ(Http("GET", "/v1/link-model", kProcuratorToken).status, 200);
  EXPECT_EQ(Http("GET", "/v1/link-model", kAdminToken).status, 200);

  ToolRun cli = Lifeline(court, {"resolve-match", kRecordA, kRecordB, "--same"});
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_THAT(cli.output, HasSubstr("403"));
}

TEST_F(PossibleMatchReviewTest, BadInputIsRefused) {
  struct Case {
    std::string what, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"malformed record key", ResolveBody("MA-7", kRecordB, "MATCH_DECISION_CONFIRM"), 400},
      {"empty record id", ResolveBody(kRecordA, "court:", "MATCH_DECISION_CONFIRM"), 400},
      {"one record twice", ResolveBody(kRecordA, kRecordA, "MATCH_DECISION_CONFIRM"), 400},
      {"no decision", ResolveBody(kRecordA, kRecordB, ""), 400},
      {"unspecified decision", ResolveBody(kRecordA, kRecordB, "MATCH_DECISION_UNSPECIFIED"), 400},
      {"unknown decision", ResolveBody(kRecordA, kRecordB, "MATCH_DECISION_MAYBE"), 400},
      {"unknown record", ResolveBody(kRecordA, "court:J-404", "MATCH_DECISION_CONFIRM"), 404},
  };
  for (const Case& c : cases) {
    HttpResponse r = Http("POST", kResolveTarget, kProcuratorToken, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
  }
  EXPECT_EQ(Http("GET", "/v1/records:explain?record_a=MA-7&record_b=court%3AJ-7", kProcuratorToken)
                .status,
            400);
  EXPECT_EQ(Http("GET", "/v1/records:explain?record_a=civil_affairs%3AMA-7&record_b=court%3AJ-404",
                 kProcuratorToken)
                .status,
            404);
  EXPECT_EQ(Http("GET", "/v1/possible-matches?page_token=not-a-token", kProcuratorToken).status,
            400);

  // The CLI refuses malformed keys itself (exit 2, as for every usage error), and names an
  // unknown record as the gateway did (exit 1).
  ToolRun malformed = Lifeline(kProcuratorToken, {"why", "MA-7", kRecordB});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.output;
  EXPECT_THAT(malformed.output, HasSubstr("RECORD_A must be AGENCY:SOURCE_RECORD_ID"));
  ToolRun unknown = Lifeline(kProcuratorToken, {"why", kRecordA, "court:J-404"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_THAT(unknown.output, HasSubstr("404"));
}

}  // namespace
}  // namespace lifeline::e2e
