#include "common/time/dates.h"

#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lifeline::common {
namespace {

TEST(ParseDateTest, AcceptsRealDates) {
  struct Case {
    const char* text;
    absl::CivilDay want;
  };
  const Case cases[] = {
      {"2024-02-29", absl::CivilDay(2024, 2, 29)},  // leap year
      {"2000-02-29", absl::CivilDay(2000, 2, 29)},  // divisible by 400
      {"1880-01-01", absl::CivilDay(1880, 1, 1)},  {"1949-12-31", absl::CivilDay(1949, 12, 31)},
      {"2023-04-30", absl::CivilDay(2023, 4, 30)},
  };
  for (const Case& c : cases) {
    absl::StatusOr<absl::CivilDay> got = ParseDate(c.text, "birth_date");
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseDateTest, RejectsMalformedAndImpossibleDates) {
  const char* const cases[] = {
      "2023-02-29",   // not a leap year
      "1900-02-29",   // century, not a leap year
      "2023-13-01",   // month 13
      "2023-00-10",   // month 0
      "2023-04-31",   // April has 30 days
      "2023-01-00",   // day 0
      "2023-1-1",     // not zero-padded
      "2023-01-01x",  // trailing junk
      " 2023-01-01",  // leading space
      "2023/01/01",   // wrong separator
      "20230101",     // no separators
      "0000-01-01",   // no year zero
      "",
      "２０２３-01-01",  // full-width digits must be normalized first
  };
  for (const char* text : cases) {
    absl::StatusOr<absl::CivilDay> got = ParseDate(text, "birth_date");
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(got.status().message().find("birth_date"), std::string::npos) << text;
  }
}

TEST(ParseDateTest, ErrorDoesNotEchoTheValue) {
  absl::StatusOr<absl::CivilDay> got = ParseDate("1987-02-30", "birth_date");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("1987"), std::string::npos);
}

TEST(FormatDateTest, ZeroPads) {
  EXPECT_EQ(FormatDate(absl::CivilDay(2024, 3, 5)), "2024-03-05");
  EXPECT_EQ(FormatDate(absl::CivilDay(1880, 12, 31)), "1880-12-31");
  EXPECT_EQ(FormatDate(absl::CivilDay(219, 7, 9)), "0219-07-09");
}

TEST(FormatDateTest, RoundTripsWithParse) {
  absl::StatusOr<absl::CivilDay> day = ParseDate("2016-02-29", "d");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(FormatDate(*day), "2016-02-29");
}

TEST(FormatRfc3339Test, FormatsInUtcWithZ) {
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 11, 29, 9, 50, 6),
                                       absl::FixedTimeZone(8 * 3600));  // 09:50:06 +08:00
  EXPECT_EQ(FormatRfc3339(t), "2026-11-29T01:50:06Z");
  EXPECT_EQ(FormatRfc3339(absl::UnixEpoch()), "1970-01-01T00:00:00Z");
}

TEST(ClockTest, RealClockIsSingletonAndCurrent) {
  Clock* clock = Clock::Real();
  EXPECT_EQ(clock, Clock::Real());
  const absl::Time before = absl::Now();
  const absl::Time now = clock->Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
}

TEST(FakeClockTest, MovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(90));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(90));
  clock.Set(absl::UnixEpoch());
  EXPECT_EQ(clock.Now(), absl::UnixEpoch());
}

TEST(FakeClockTest, AdvanceFromManyThreadsIsNotLost) {
  FakeClock clock(absl::UnixEpoch());
  constexpr int kThreads = 4;
  constexpr int kSteps = 2000;
  std::atomic<bool> reading{true};
  std::thread reader([&] {
    absl::Time last = absl::UnixEpoch();
    while (reading.load()) {
      const absl::Time now = clock.Now();
      EXPECT_GE(now, last);
      last = now;
    }
  });
  std::thread writers[kThreads];
  for (std::thread& w : writers) {
    w = std::thread([&] {
      for (int i = 0; i < kSteps; ++i) clock.Advance(absl::Milliseconds(1));
    });
  }
  for (std::thread& w : writers) w.join();
  reading.store(false);
  reader.join();
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Milliseconds(kThreads * kSteps));
}

}  // namespace
}  // namespace lifeline::common
