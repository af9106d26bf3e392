#include "match-service/domain/record_codec.h"

#include <gtest/gtest.h>

#include "match-service/domain/story_fixture.h"

namespace lifeline::match {
namespace {

TEST(RecordCodecTest, RoundTripsEveryStoryRecord) {
  for (const RecordFacts& r : testing::StoryRecords()) {
    auto decoded = DecodeRecordFacts(EncodeRecordFacts(r));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(EncodeRecordFacts(*decoded), EncodeRecordFacts(r));
    EXPECT_EQ(decoded->kind, r.kind);
    EXPECT_EQ(decoded->person.name_original, r.person.name_original);
  }
  RecordFacts e = testing::EnforcementRecord(123, EnforcementStatus::kOngoing);
  auto decoded = DecodeRecordFacts(EncodeRecordFacts(e));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->enforcement.amount_paid_fen, 123);
  EXPECT_EQ(decoded->enforcement.status, EnforcementStatus::kOngoing);
}

TEST(RecordCodecTest, KeepsNewlinesBackslashesAndEqualsInValues) {
  RecordFacts r = testing::VictimRecord();
  r.person.name_original = "a=b\\c\nd\re";
  auto decoded = DecodeRecordFacts(EncodeRecordFacts(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->person.name_original, "a=b\\c\nd\re");
}

TEST(RecordCodecTest, RejectsUnknownFieldsAndBadValues) {
  EXPECT_EQ(DecodeRecordFacts("agency=court\nno_such_field=1\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeRecordFacts("version=abc\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeRecordFacts("retracted=2\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeRecordFacts("just text\n").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::match
