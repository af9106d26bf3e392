// The poller against an in-memory ListChanges: each REQUESTED referral is recorded once, the
// cursor only passes what is on disk, a restart resumes from it, errors back off, Stop is prompt.
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

// The idempotency keys in the received file, in order; a line cut short by a concurrent append is
// left out.
std::vector<std::string> RecordedKeys(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> keys;
  for (std::string line; std::getline(in, line);) {
    lifeline::partner::v1::DeliverReferralRequest request;
    if (google::protobuf::util::JsonStringToMessage(line, &request).ok()) {
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
