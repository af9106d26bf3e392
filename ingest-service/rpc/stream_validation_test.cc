#include "ingest-service/rpc/stream_validation.h"

#include <string>

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "common/identity/id_token.h"
#include "common/time/dates.h"

namespace lifeline::ingest {
namespace {

constexpr char kSecret[] = "test-secret-for-id-tokens-0123456789";

// A social assistance record without an ID number; without a name it is rejected.
records::v1::Record Assistance(int n, bool named) {
  records::v1::Record record;
  record.set_source_record_id("sa-" + std::to_string(n));
  record.set_version(1);
  if (named) record.mutable_person()->set_name("测试" + std::to_string(n));
  record.mutable_person()->set_id_type(records::v1::ID_TYPE_NONE);
  auto* payload = record.mutable_social_assistance();
  payload->set_programme(records::v1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  payload->set_start_date("2021-03-01");
  return record;
}

class StreamValidationTest : public ::testing::Test {
 protected:
  StreamValidationTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 12, 0, 0), absl::UTCTimeZone())),
        tokenizer_(*common::IdTokenizer::Create(kSecret)),
        validator_(&tokenizer_, &clock_) {}

  common::FakeClock clock_;
  common::IdTokenizer tokenizer_;
  RecordValidator validator_;
};

// Messages are validated on the worker in the order they were added: record indexes follow the
// stream, every record is there once, rejected ones are marked and accepted ones are sealed.
TEST_F(StreamValidationTest, ValidatesEveryMessageInOrder) {
  BatchSubmission batch;
  batch.agency = "civil_affairs";
  batch.batch_id = "b1";
  constexpr int kMessages = 25;
  constexpr int kPerMessage = 40;
  {
    StreamValidation validation(&validator_, "civil_affairs", &batch);
    for (int m = 0; m < kMessages; ++m) {
      v1::StreamRecordsRequest message;
      for (int i = 0; i < kPerMessage; ++i) {
        const int n = m * kPerMessage + i;
        *message.add_records() = Assistance(n, n % 7 != 3);
      }
      ASSERT_TRUE(validation.Add(std::move(message)).ok());
    }
    ASSERT_TRUE(validation.Finish().ok());
  }
  ASSERT_EQ(batch.records.size(), static_cast<size_t>(kMessages * kPerMessage));
  for (size_t n = 0; n < batch.records.size(); ++n) {
    const RecordSubmission& record = batch.records[n];
    EXPECT_EQ(record.record_index, static_cast<int32_t>(n));
    EXPECT_EQ(record.source_record_id, "sa-" + std::to_string(n));
    EXPECT_EQ(record.rejected, n % 7 == 3) << n;
    if (!record.rejected) {
      EXPECT_FALSE(record.sealed.bytes.empty()) << n;
      EXPECT_EQ(record.sealed.content_hash.size(), 32u) << n;
      EXPECT_EQ(record.normalized.source_record_id(), record.source_record_id);
    }
  }
}

// A failing call drops its stream without Finish: the worker stops and the batch is not touched
// after the destructor returns.
TEST_F(StreamValidationTest, DestroyedWithoutFinishStopsTheWorker) {
  BatchSubmission batch;
  {
    StreamValidation validation(&validator_, "civil_affairs", &batch);
    for (int m = 0; m < 3; ++m) {
      v1::StreamRecordsRequest message;
      for (int i = 0; i < 500; ++i) *message.add_records() = Assistance(m * 500 + i, true);
      ASSERT_TRUE(validation.Add(std::move(message)).ok());
    }
  }
  const size_t after = batch.records.size();
  EXPECT_LE(after, 1500u);
  EXPECT_EQ(after % 500, 0u) << "a message is validated whole or not at all";
}

// Finish with nothing added returns at once.
TEST_F(StreamValidationTest, FinishWithoutMessages) {
  BatchSubmission batch;
  StreamValidation validation(&validator_, "civil_affairs", &batch);
  EXPECT_TRUE(validation.Finish().ok());
  EXPECT_TRUE(batch.records.empty());
}

}  // namespace
}  // namespace lifeline::ingest
