#include "tools/lifeline/json_message_parser.h"

#include <fstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/datagen/file_output.h"
#include "tools/datagen/generator.h"

namespace lifeline::tools {
namespace {

using records::v1::Record;

// Parses `json` with the parser and with protobuf's own: same success, same message, same error.
// Returns whether the parser read it on its own.
bool ExpectSameAsProtobuf(const JsonMessageParser& parser, const std::string& json) {
  Record expected;
  const auto want = google::protobuf::util::JsonStringToMessage(json, &expected);
  Record got;
  got.set_source_record_id("left over from before");
  bool plain = false;
  const absl::Status have = parser.Parse(json, &got, &plain);
  EXPECT_EQ(have.ok(), want.ok()) << json << "\n" << have << "\n" << want.ToString();
  if (want.ok()) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, expected))
        << json << "\ngot:\n"
        << got.DebugString() << "want:\n"
        << expected.DebugString();
    EXPECT_EQ(got.SerializeAsString(), expected.SerializeAsString()) << json;
  } else {
    EXPECT_EQ(have.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(have.message(), want.ToString()) << json;
  }
  return plain;
}

TEST(JsonMessageParserTest, ReadsWhatProtobufReads) {
  const JsonMessageParser parser(Record::descriptor());
  // Read on its own.
  const std::vector<std::string> plain = {
      R"({"source_record_id":"a","version":"3","record_date":"2024-05-01"})",
      R"({"sourceRecordId":"a","version":3,"recordDate":"2024-05-01"})",
      " \t{ \"version\" : -3 , \"person\" : { } }\r\n",
      R"({})",
      R"({"person":{"name":"张三","sex":"SEX_MALE","id_type":"ID_TYPE_RESIDENT_ID"}})",
      R"({"retracted":true,"version":"0"})",
      R"({"retracted":false})",
      R"({"social_assistance":{}})",
      R"({"social_assistance":{"monthly_amount_fen":"30050","household_head":true}})",
      R"({"criminal_victim":{"disability_grade":2,"criminal_case":{"case_number":"X"}}})",
      R"({"criminal_victim":{"disability_grade":"2"}})",
      R"({"version":"9223372036854775807"})",
      R"({"person":{"name":"刘玉\u200b山 \u00E9\ud83d\ude00"}})",
      R"({"person":{"name":"a\"b\\c\/d\b\f\n\r\t"}})",
      R"({"\u0076ersion":1})",
  };
  for (const std::string& json : plain) {
    EXPECT_TRUE(ExpectSameAsProtobuf(parser, json)) << "read by protobuf's parser: " << json;
  }
  // Read on its own or handed to protobuf's parser: the same outcome either way.
  const std::vector<std::string> others = {
      R"({"person":{"name":"a\u0000b"}})",
      R"({"person":{"name":"\ud83d"}})",
      R"({"person":{"name":"\ude00\ud83d"}})",
      R"({"person":{"name":"\ud83dx"}})",
      R"({"person":{"name":"\u12"}})",
      R"({"person":{"name":"\x41"}})",
      "{\"person\":{\"name\":\"a\tb\"}}",
      "{\"person\":{\"name\":\"\xff\"}}",
      R"({"person":{"sex":1}})",
      R"({"person":{"sex":"MALE"}})",
      R"({"person":{"sex":"sex_male"}})",
      R"({"person":null})",
      R"({"version":null})",
      R"({"version":03})",
      R"({"version":"-0"})",
      R"({"version":3.0})",
      R"({"version":1e2})",
      R"({"version":"+3"})",
      R"({"version":" 3"})",
      R"({"version":"9223372036854775808"})",
      R"({"criminal_victim":{"disability_grade":3000000000}})",
      R"({"retracted":"true"})",
      R"({"retracted":1})",
      R"({"version":1,"version":2})",
      R"({"version":1,"version":"1"})",
      R"({"sourceRecordId":"a","source_record_id":"b"})",
      R"({"person":{"name":"a"},"person":{"sex":"SEX_FEMALE"}})",
      R"({"social_assistance":{},"disability_certificate":{"grade":2}})",
      R"({"nope":1})",
      R"({"version":1} x)",
      R"({"version":1}{})",
      R"({"version":1,})",
      R"({"version":1)",
      R"({"version")",
      R"([])",
      R"("x")",
      "",
      "{",
  };
  for (const std::string& json : others) ExpectSameAsProtobuf(parser, json);
}

// Every line of a generated county, with all of datagen's noise, parses as protobuf parses it.
TEST(JsonMessageParserTest, ReadsDatagenLinesAsProtobufDoes) {
  common::testing::TempDir dir;
  datagen::GeneratorOptions options;
  options.persons = 3000;
  options.seed = 11;
  auto out = datagen::FileOutput::Open(dir.path(), /*csv=*/false, /*jsonl=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  auto summary = datagen::Generate(options, dir.path() + "/truth", **out,
                                   [](const char*, int64_t, int64_t) {});
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_TRUE((*out)->Close().ok());
  const JsonMessageParser parser(Record::descriptor());
  int64_t lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/jsonl")) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line); ++lines) {
      EXPECT_TRUE(ExpectSameAsProtobuf(parser, line)) << "read by protobuf's parser: " << line;
    }
  }
  EXPECT_EQ(lines, summary->records_sent);
}

TEST(JsonMessageParserTest, AMessageOfAnotherTypeGoesToProtobuf) {
  const JsonMessageParser parser(Record::descriptor());
  records::v1::PersonIdentity person;
  ASSERT_TRUE(parser.Parse(R"({"name":"张三"})", &person).ok());
  EXPECT_EQ(person.name(), "张三");
}

}  // namespace
}  // namespace lifeline::tools
