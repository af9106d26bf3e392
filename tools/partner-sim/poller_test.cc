// The poller against an in-memory ListChanges: each REQUESTED referral is recorded once, the
// cursor only passes what is on disk, a restart resumes from it, errors back off, Stop is prompt;
// and against an in-memory ListVerifications: each open verification is recorded and handed to
// the answerer once, and a failing ListVerifications holds up nothing else.
#include "tools/partner-sim/poller.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::partner_sim {
namespace {

namespace v1 = ::lifeline::referral::v1;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// The idempotency keys in the received file, in order (both kinds of line: the field is the same);
// a line cut short by a concurrent append is left out.
std::vector<std::string> RecordedKeys(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> keys;
  for (std::string line; std::getline(in, line);) {
    lifeline::partner::v1::DeliverReferralRequest request;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(line, &request, options).ok()) {
      keys.push_back(request.idempotency_key());
    }
  }
  return keys;
}

// The cursor stored at `path`, -1 when there is none.
int64_t StoredCursor(const std::string& path) {
  std::ifstream in(path);
  int64_t cursor = -1;
  if (!(in >> cursor)) return -1;
  return cursor;
}

bool Eventually(const std::function<bool()>& condition, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// ListChanges over an in-memory event list, answered the way referral-service does for a partner
// caller: only the department's events after the cursor, up to page_size, with the referrals
// they mention as they are now. Thread-safe.
class FakeFeed {
 public:
  struct Call {
    std::string department;
    int64_t after_sequence;
    int page_size;
    std::string request_department;
    std::chrono::steady_clock::time_point when;
  };

  // Records a change of `referral_id` (of `department`), which is now in `state`.
  void Add(int64_t sequence, const std::string& referral_id, const std::string& department,
           v1::ReferralState state) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({sequence, referral_id, department});
    v1::Referral& referral = referrals_[referral_id];
    referral.set_referral_id(referral_id);
    referral.set_plan_id("plan_" + referral_id);
    referral.set_department(department);
    referral.set_service("legal aid");
    referral.set_reason("unpaid wages");
    referral.set_respond_by("2026-12-03");
    referral.set_state(state);
  }

  void FailNext(int calls) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = calls;
  }

  // Runs before each answer, on the poller's thread (for checks of what is on disk).
  void OnCall(std::function<void(const std::string& department)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_call_ = std::move(hook);
  }

  absl::StatusOr<v1::ListChangesResponse> ListChanges(const std::string& department,
                                                      const v1::ListChangesRequest& request) {
    std::function<void(const std::string&)> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hook = on_call_;
    }
    if (hook) hook(department);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({department, request.after_sequence(), request.page_size(),
                      request.department(), std::chrono::steady_clock::now()});
    if (fail_next_ > 0) {
      --fail_next_;
      return absl::UnavailableError("referral-service is down");
    }
    v1::ListChangesResponse response;
    std::vector<std::string> mentioned;
    for (const Event& event : events_) {
      if (event.department != department || event.sequence <= request.after_sequence()) continue;
      if (response.events_size() >= request.page_size()) break;
      v1::ReferralEvent* added = response.add_events();
      added->set_sequence(event.sequence);
      added->set_referral_id(event.referral_id);
      if (std::find(mentioned.begin(), mentioned.end(), event.referral_id) == mentioned.end()) {
        mentioned.push_back(event.referral_id);
      }
    }
    for (const std::string& id : mentioned) *response.add_referrals() = referrals_.at(id);
    response.set_last_sequence(response.events().empty()
                                   ? request.after_sequence()
                                   : response.events(response.events_size() - 1).sequence());
    return response;
  }

  Poller::ListChangesFn Fn() {
    return [this](const std::string& department, const v1::ListChangesRequest& request) {
      return ListChanges(department, request);
    };
  }

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  struct Event {
    int64_t sequence;
    std::string referral_id;
    std::string department;
  };
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::map<std::string, v1::Referral> referrals_;
  std::vector<Call> calls_;
  int fail_next_ = 0;
  std::function<void(const std::string&)> on_call_;
};

// ListVerifications over an in-memory list, answered the way referral-service does for a partner
// caller: the department's verifications (open ones only with open_only), page_size at a time,
// the page token being the offset of the next page. Thread-safe.
class FakeVerifications {
 public:
  struct Call {
    std::string department;
    v1::ListVerificationsRequest request;
    std::chrono::steady_clock::time_point when;
  };

  void Add(const std::string& verification_id, const std::string& department) {
    std::lock_guard<std::mutex> lock(mu_);
    v1::Verification& verification = verifications_.emplace_back();
    verification.set_verification_id(verification_id);
    verification.set_clue_id("clue_" + verification_id);
    verification.set_department(department);
    verification.set_question("the family has no income");
    verification.mutable_person()->set_name("Zhang San");
    verification.mutable_person()->set_id_masked("110101********1234");
    verification.mutable_person()->set_region_code("110101");
    verification.set_respond_by("2026-12-10");
    verification.set_state(v1::VERIFICATION_STATE_REQUESTED);
  }

  // What AnswerVerification does on the server: the verification is no longer open.
  void Answer(const std::string& verification_id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (v1::Verification& verification : verifications_) {
      if (verification.verification_id() == verification_id) {
        verification.set_state(v1::VERIFICATION_STATE_CONFIRMED);
      }
    }
  }

  // Added to every answer whatever was asked, as a faulty server might.
  void AlsoReturn(v1::Verification verification) {
    std::lock_guard<std::mutex> lock(mu_);
    extra_.push_back(std::move(verification));
  }

  void FailWith(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(status);
  }

  absl::StatusOr<v1::ListVerificationsResponse> List(const std::string& department,
                                                     const v1::ListVerificationsRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({department, request, std::chrono::steady_clock::now()});
    if (!failure_.ok()) return failure_;
    std::vector<const v1::Verification*> matching;
    for (const v1::Verification& verification : verifications_) {
      if (verification.department() != request.department()) continue;
      if (request.open_only() && verification.state() != v1::VERIFICATION_STATE_REQUESTED) continue;
      matching.push_back(&verification);
    }
    size_t start = 0;
    if (!request.page_token().empty()) start = std::stoul(request.page_token());
    const size_t end = std::min(matching.size(), start + request.page_size());
    v1::ListVerificationsResponse response;
    for (size_t i = start; i < end; ++i) *response.add_verifications() = *matching[i];
    for (const v1::Verification& verification : extra_)
      *response.add_verifications() = verification;
    if (end < matching.size()) response.set_next_page_token(std::to_string(end));
    return response;
  }

  Poller::ListVerificationsFn Fn() {
    return [this](const std::string& department, const v1::ListVerificationsRequest& request) {
      return List(department, request);
    };
  }

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<v1::Verification> verifications_;
  std::vector<v1::Verification> extra_;
  std::vector<Call> calls_;
  absl::Status failure_;
};

class PollerTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenLog(); }

  void OpenLog() {
    log_.reset();
    auto log = ReceivedLog::Open(received_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  Poller::Options Options(std::vector<std::string> departments) const {
    Poller::Options options;
    options.departments = std::move(departments);
    options.cursor_prefix = received_ + ".cursor.";
    options.poll_interval = milliseconds(20);
    options.page_size = 2;
    options.initial_backoff = milliseconds(20);
    options.max_backoff = milliseconds(40);
    return options;
  }

  std::string CursorFile(const std::string& department) const {
    return received_ + ".cursor." + department;
  }

  common::testing::TempDir dir_;
  const std::string received_ = dir_.path() + "/received.jsonl";
  std::unique_ptr<ReceivedLog> log_;
  FakeFeed feed_;
  FakeVerifications verifications_;
};

TEST_F(PollerTest, RecordsRequestedReferralsOnceAndStoresTheCursorAfterThem) {
  feed_.Add(1, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  feed_.Add(2, "ref_2", "law_popularization", v1::REFERRAL_STATE_REQUESTED);
  feed_.Add(3, "ref_3", "legal_aid", v1::REFERRAL_STATE_ACCEPTED);   // nothing left to do
  feed_.Add(4, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);  // mentioned again
  feed_.Add(5, "ref_4", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  // Whenever the poller asks for a page, everything before its stored cursor is on disk already.
  std::mutex mu;
  std::vector<std::string> violations;
  feed_.OnCall([&](const std::string& department) {
    const int64_t stored = StoredCursor(CursorFile(department));
    const std::vector<std::string> keys = RecordedKeys(received_);
    const std::set<std::string> recorded(keys.begin(), keys.end());
    const std::map<std::string, std::vector<std::pair<int64_t, std::string>>> requested = {
        {"legal_aid", {{1, "ref_1"}, {5, "ref_4"}}}, {"law_popularization", {{2, "ref_2"}}}};
    for (const auto& [sequence, id] : requested.at(department)) {
      if (sequence <= stored && !recorded.contains(id)) {
        std::lock_guard<std::mutex> lock(mu);
        violations.push_back(department + " cursor " + std::to_string(stored) + " without " + id);
      }
    }
  });

  std::mutex accepted_mu;
  std::vector<std::string> accepted;
  AutoAcceptor acceptor(
      [&](const std::string& referral_id, const std::string& department) {
        std::lock_guard<std::mutex> lock(accepted_mu);
        accepted.push_back(referral_id + "@" + department);
        return absl::OkStatus();
      },
      AutoAcceptor::Options{});
  Poller poller(feed_.Fn(), log_.get(), &acceptor, Options({"legal_aid", "law_popularization"}));
  ASSERT_TRUE(poller.Start().ok());
  ASSERT_TRUE(Eventually(
      [&] { return poller.cursor("legal_aid") == 5 && poller.cursor("law_popularization") == 2; }));
  EXPECT_EQ(StoredCursor(CursorFile("legal_aid")), 5);
  EXPECT_EQ(StoredCursor(CursorFile("law_popularization")), 2);
  EXPECT_THAT(RecordedKeys(received_), UnorderedElementsAre("ref_1", "ref_2", "ref_4"));

  // A change that arrives later is picked up on a later poll; a known referral is not recorded
  // again.
  feed_.Add(6, "ref_5", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  feed_.Add(7, "ref_4", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 7; }));
  poller.Stop();
  EXPECT_EQ(StoredCursor(CursorFile("legal_aid")), 7);
  EXPECT_THAT(RecordedKeys(received_), UnorderedElementsAre("ref_1", "ref_2", "ref_4", "ref_5"));
  EXPECT_EQ(poller.recorded(), 4);
  EXPECT_EQ(poller.errors(), 0);

  acceptor.WaitIdle();
  {
    std::lock_guard<std::mutex> lock(accepted_mu);
    EXPECT_THAT(accepted, UnorderedElementsAre("ref_1@legal_aid", "ref_2@law_popularization",
                                               "ref_4@legal_aid", "ref_5@legal_aid"));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_THAT(violations, ElementsAre());
  }

  // Every call was made as its department, for its department, a page at a time.
  for (const FakeFeed::Call& call : feed_.calls()) {
    EXPECT_EQ(call.request_department, call.department);
    EXPECT_EQ(call.page_size, 2);
  }
  // The notice carries what the Referral has; the person is not part of it.
  std::ifstream in(received_);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  lifeline::partner::v1::DeliverReferralRequest first;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &first).ok());
  EXPECT_EQ(first.idempotency_key(), first.referral().referral_id());
  EXPECT_EQ(first.referral().plan_id(), "plan_" + first.referral().referral_id());
  EXPECT_EQ(first.referral().service(), "legal aid");
  EXPECT_EQ(first.referral().reason(), "unpaid wages");
  EXPECT_EQ(first.referral().respond_by(), "2026-12-03");
  EXPECT_TRUE(first.referral().person_name().empty());
}

TEST_F(PollerTest, ARestartResumesFromTheStoredCursor) {
  feed_.Add(1, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  feed_.Add(2, "ref_2", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  feed_.Add(3, "ref_3", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  {
    Poller poller(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 3; }));
  }
  ASSERT_EQ(RecordedKeys(received_).size(), 3u);

  // A new process: the log and the poller opened again on the same files.
  feed_.Add(4, "ref_4", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  OpenLog();
  const size_t calls_before = feed_.calls().size();
  {
    Poller poller(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
    ASSERT_TRUE(poller.Start().ok());
    EXPECT_EQ(poller.cursor("legal_aid"), 3);
    ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 4; }));
    EXPECT_EQ(poller.recorded(), 1);
  }
  const std::vector<FakeFeed::Call> calls = feed_.calls();
  ASSERT_GT(calls.size(), calls_before);
  EXPECT_EQ(calls[calls_before].after_sequence, 3);
  EXPECT_THAT(RecordedKeys(received_), ElementsAre("ref_1", "ref_2", "ref_3", "ref_4"));

  // A crash after the appends but before the cursor was stored reads those pages again: the log
  // drops the repeats.
  {
    std::ofstream out(CursorFile("legal_aid"), std::ios::trunc);
    out << "1\n";
  }
  OpenLog();
  {
    Poller poller(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 4; }));
    EXPECT_EQ(poller.recorded(), 0);
  }
  EXPECT_THAT(RecordedKeys(received_), ElementsAre("ref_1", "ref_2", "ref_3", "ref_4"));
}

TEST_F(PollerTest, BacksOffOnErrorsAndKeepsGoing) {
  feed_.Add(1, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  feed_.FailNext(4);
  Poller poller(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
  ASSERT_TRUE(poller.Start().ok());
  ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 1; }));
  poller.Stop();
  EXPECT_EQ(poller.errors(), 4);
  EXPECT_THAT(RecordedKeys(received_), ElementsAre("ref_1"));

  // The failed calls changed nothing and were retried after 20, 40, 40 and 40 ms (doubling,
  // capped at max_backoff).
  const std::vector<FakeFeed::Call> calls = feed_.calls();
  ASSERT_GE(calls.size(), 5u);
  const milliseconds expected[] = {milliseconds(20), milliseconds(40), milliseconds(40),
                                   milliseconds(40)};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(calls[i + 1].after_sequence, 0);
    EXPECT_GE(calls[i + 1].when - calls[i].when, expected[i]) << "retry " << i + 1;
  }
}

TEST_F(PollerTest, StopIsPromptInEveryWait) {
  // Waiting out a long poll interval.
  Poller::Options idle = Options({"legal_aid"});
  idle.poll_interval = milliseconds(60000);
  Poller idle_poller(feed_.Fn(), log_.get(), nullptr, idle);
  ASSERT_TRUE(idle_poller.Start().ok());
  ASSERT_TRUE(Eventually([&] { return !feed_.calls().empty(); }));
  auto start = std::chrono::steady_clock::now();
  idle_poller.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));

  // Waiting out a long backoff.
  feed_.FailNext(1000);
  Poller::Options failing = Options({"law_popularization"});
  failing.initial_backoff = milliseconds(30000);
  Poller failing_poller(feed_.Fn(), log_.get(), nullptr, failing);
  ASSERT_TRUE(failing_poller.Start().ok());
  ASSERT_TRUE(Eventually([&] { return failing_poller.errors() == 1; }));
  start = std::chrono::steady_clock::now();
  failing_poller.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(PollerTest, RecordsOpenVerificationsOnceAndHandsThemToTheAnswerer) {
  verifications_.Add("ver_1", "village_committee");
  verifications_.Add("ver_2", "village_committee");
  verifications_.Add("ver_3", "village_committee");  // on a second page (page_size 2)
  verifications_.Add("ver_4", "legal_aid");
  verifications_.Add("ver_9", "counselling");  // not polled for
  // A faulty server's extras: an answered one and another department's.
  v1::Verification answered;
  answered.set_verification_id("ver_answered");
  answered.set_department("village_committee");
  answered.set_state(v1::VERIFICATION_STATE_CONFIRMED);
  verifications_.AlsoReturn(answered);
  v1::Verification foreign;
  foreign.set_verification_id("ver_foreign");
  foreign.set_department("someone_else");
  foreign.set_state(v1::VERIFICATION_STATE_REQUESTED);
  verifications_.AlsoReturn(foreign);
  feed_.Add(1, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);

  std::mutex mu;
  std::vector<std::string> answers;
  std::vector<std::string> accepted;
  bool failed_once = false;
  AutoAcceptor acceptor(
      [&](const std::string& referral_id, const std::string& department) {
        std::lock_guard<std::mutex> lock(mu);
        accepted.push_back(referral_id + "@" + department);
        return absl::OkStatus();
      },
      [&](const std::string& department, const v1::AnswerVerificationRequest& request) {
        std::lock_guard<std::mutex> lock(mu);
        answers.push_back(request.verification_id() + "@" + department);
        // referral-service restarting: the first answer is retried.
        if (!failed_once) {
          failed_once = true;
          return absl::UnavailableError("restarting");
        }
        verifications_.Answer(request.verification_id());
        return absl::OkStatus();
      },
      AutoAcceptor::Options{0, milliseconds(1), milliseconds(1)});
  Poller poller(feed_.Fn(), verifications_.Fn(), log_.get(), &acceptor,
                Options({"village_committee", "legal_aid"}));
  ASSERT_TRUE(poller.Start().ok());
  ASSERT_TRUE(Eventually([&] { return poller.verifications_recorded() == 4; }));
  acceptor.WaitIdle();
  // A few more rounds: nothing is recorded or answered twice.
  const size_t calls_before = verifications_.calls().size();
  ASSERT_TRUE(Eventually([&] { return verifications_.calls().size() >= calls_before + 6; }));

  // One that is asked for later is picked up on a later round.
  verifications_.Add("ver_5", "village_committee");
  ASSERT_TRUE(Eventually([&] { return poller.verifications_recorded() == 5; }));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !answers.empty() && answers.back() == "ver_5@village_committee";
  }));
  poller.Stop();
  acceptor.WaitIdle();

  EXPECT_THAT(RecordedKeys(received_),
              UnorderedElementsAre("ver_1", "ver_2", "ver_3", "ver_4", "ver_5", "ref_1"));
  EXPECT_EQ(poller.recorded(), 1);
  EXPECT_EQ(poller.errors(), 0);
  EXPECT_EQ(acceptor.done(), 6);
  EXPECT_EQ(acceptor.given_up(), 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_THAT(accepted, ElementsAre("ref_1@legal_aid"));
    // Each once, the first of them twice: its failed attempt is retried before anything else.
    ASSERT_EQ(answers.size(), 6u);
    EXPECT_EQ(answers[0], answers[1]);
    std::vector<std::string> tail(answers.begin() + 1, answers.end());
    EXPECT_THAT(tail, UnorderedElementsAre("ver_1@village_committee", "ver_2@village_committee",
                                           "ver_3@village_committee", "ver_4@legal_aid",
                                           "ver_5@village_committee"));
  }

  // Every call was made as its department, for its department's open ones, a page at a time, and
  // the second page was asked for.
  bool followed_a_page = false;
  for (const FakeVerifications::Call& call : verifications_.calls()) {
    EXPECT_EQ(call.request.department(), call.department);
    EXPECT_TRUE(call.request.open_only());
    EXPECT_EQ(call.request.page_size(), 2);
    EXPECT_TRUE(call.request.clue_id().empty());
    if (call.request.page_token() == "2") followed_a_page = true;
  }
  EXPECT_TRUE(followed_a_page);

  // The notice carries what the Verification has, the person as it shows them.
  std::ifstream in(received_);
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    lifeline::partner::v1::DeliverVerificationRequest request;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &request, options).ok());
    if (request.verification().verification_id() != "ver_1") continue;
    found = true;
    EXPECT_EQ(request.idempotency_key(), "ver_1");
    EXPECT_EQ(request.verification().clue_id(), "clue_ver_1");
    EXPECT_EQ(request.verification().department(), "village_committee");
    EXPECT_EQ(request.verification().question(), "the family has no income");
    EXPECT_EQ(request.verification().person_name(), "Zhang San");
    EXPECT_EQ(request.verification().person_id_masked(), "110101********1234");
    EXPECT_EQ(request.verification().region_code(), "110101");
    EXPECT_EQ(request.verification().respond_by(), "2026-12-10");
  }
  EXPECT_TRUE(found);
}

TEST_F(PollerTest, UnansweredVerificationsAreRecordedOnceAcrossRoundsAndRestarts) {
  verifications_.Add("ver_1", "village_committee");
  {
    Poller poller(feed_.Fn(), verifications_.Fn(), log_.get(), nullptr,
                  Options({"village_committee"}));
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return verifications_.calls().size() >= 5; }));
    EXPECT_EQ(poller.verifications_recorded(), 1);
  }
  // Still open (nobody answers) after a restart: known from the file, not written again.
  OpenLog();
  const size_t calls_before = verifications_.calls().size();
  {
    Poller poller(feed_.Fn(), verifications_.Fn(), log_.get(), nullptr,
                  Options({"village_committee"}));
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return verifications_.calls().size() >= calls_before + 3; }));
    EXPECT_EQ(poller.verifications_recorded(), 0);
  }
  EXPECT_THAT(RecordedKeys(received_), ElementsAre("ver_1"));
}

TEST_F(PollerTest, AFailingListVerificationsBacksOffWithoutHoldingUpReferrals) {
  verifications_.FailWith(absl::UnimplementedError("no such method"));
  feed_.Add(1, "ref_1", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
  {
    // A backoff far longer than the test: had the failure held up the round, ref_2 would wait.
    Poller::Options options = Options({"legal_aid"});
    options.initial_backoff = milliseconds(30000);
    options.max_backoff = milliseconds(30000);
    Poller poller(feed_.Fn(), verifications_.Fn(), log_.get(), nullptr, options);
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 1; }));
    feed_.Add(2, "ref_2", "legal_aid", v1::REFERRAL_STATE_REQUESTED);
    ASSERT_TRUE(Eventually([&] { return poller.cursor("legal_aid") == 2; }, milliseconds(2000)));
    EXPECT_EQ(verifications_.calls().size(), 1u);  // waiting out its own backoff
    EXPECT_EQ(poller.errors(), 1);
  }
  EXPECT_THAT(RecordedKeys(received_), ElementsAre("ref_1", "ref_2"));

  // The failing calls are retried after 20, 40, 40 and 40 ms or more, doubling up to the cap.
  const size_t calls_before = verifications_.calls().size();
  {
    Poller poller(feed_.Fn(), verifications_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
    ASSERT_TRUE(poller.Start().ok());
    ASSERT_TRUE(Eventually([&] { return verifications_.calls().size() >= calls_before + 5; }));
  }
  const std::vector<FakeVerifications::Call> calls = verifications_.calls();
  const milliseconds expected[] = {milliseconds(20), milliseconds(40), milliseconds(40),
                                   milliseconds(40)};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_GE(calls[calls_before + i + 1].when - calls[calls_before + i].when, expected[i])
        << "retry " << i + 1;
  }
}

TEST_F(PollerTest, StartRefusesBadDepartmentsAndBadCursors) {
  Poller bad_code(feed_.Fn(), log_.get(), nullptr, Options({"Legal-Aid"}));
  EXPECT_EQ(bad_code.Start().code(), absl::StatusCode::kInvalidArgument);
  Poller repeated(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid", "legal_aid"}));
  EXPECT_EQ(repeated.Start().code(), absl::StatusCode::kInvalidArgument);

  {
    std::ofstream out(CursorFile("legal_aid"));
    out << "seven\n";
  }
  Poller corrupt(feed_.Fn(), log_.get(), nullptr, Options({"legal_aid"}));
  EXPECT_EQ(corrupt.Start().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(feed_.calls().empty());

  EXPECT_TRUE(IsDepartmentCode("legal_aid"));
  EXPECT_TRUE(IsDepartmentCode("unit2"));
  EXPECT_FALSE(IsDepartmentCode(""));
  EXPECT_FALSE(IsDepartmentCode("2unit"));
  EXPECT_FALSE(IsDepartmentCode("../etc"));
}

}  // namespace
}  // namespace lifeline::partner_sim
