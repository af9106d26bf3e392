#include "tools/eval/truth.h"

#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"

namespace lifeline::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRecordsHeader[] =
    "agency,source_record_id,person_id,kind,noise,id_status,name,id_number,birth_date\n";
constexpr char kEligible[] =
    "person_id,category,case_number,victim_person_id,signals\n"
    "1,serious_injury,C-1,1,rural_minimum_living;disability_grade_2\n";
constexpr char kNearMisses[] = "person_id,reason,case_number\n2,compensation_paid,C-2\n";

class TruthTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() + "/" + name, std::ios::binary) << text;
  }
  void WriteTruth(const std::string& records) {
    Write("records.csv", records);
    Write("eligible.csv", kEligible);
    Write("near_misses.csv", kNearMisses);
  }
  absl::Status LoadError() { return LoadTruth(dir_.path()).status(); }

  common::testing::TempDir dir_;
};

TEST_F(TruthTest, LoadsAllFilesWithColumnsInAnyOrder) {
  WriteTruth(
      "person_id,agency,source_record_id,kind,noise,id_status,name,id_number,birth_date\n"
      "1,court,J-1,criminal_victim,name_homophone;id_spaces,repairable,\"Zhang, Wei\","
      "110105 194912310021,1949-12-31\n"
      "2,civil_affairs,MZ-9,social_assistance,,none,李娜,,\n");
  auto truth = LoadTruth(dir_.path());
  ASSERT_TRUE(truth.ok()) << truth.status();
  ASSERT_EQ(truth->records.size(), 2u);
  const TruthRecord& r = truth->records[0];
  EXPECT_EQ(r.agency, "court");
  EXPECT_EQ(r.source_record_id, "J-1");
  EXPECT_EQ(r.person_id, "1");
  EXPECT_EQ(r.kind, "criminal_victim");
  EXPECT_THAT(r.noise, ElementsAre("name_homophone", "id_spaces"));
  EXPECT_EQ(r.id_status, "repairable");
  EXPECT_EQ(r.name, "Zhang, Wei");
  EXPECT_EQ(r.id_number, "110105 194912310021");
  EXPECT_EQ(r.birth_date, "1949-12-31");
  EXPECT_THAT(truth->records[1].noise, IsEmpty());
  ASSERT_EQ(truth->eligible.size(), 1u);
  EXPECT_EQ(truth->eligible[0].category, "serious_injury");
  EXPECT_THAT(truth->eligible[0].signals,
              ElementsAre("rural_minimum_living", "disability_grade_2"));
  ASSERT_EQ(truth->near_misses.size(), 1u);
  EXPECT_EQ(truth->near_misses[0].reason, "compensation_paid");
}

TEST_F(TruthTest, ReadsRfc4180QuotingBomAndCrlf) {
  WriteTruth(
      "\xEF\xBB\xBF"
      "agency,source_record_id,person_id,kind,noise,id_status,name,id_number,birth_date\r\n"
      "court,\"J-1,a\",1,k,,ok,\"two\nlines \"\"quoted\"\"\",,\r\n"
      "\r\n"
      "court,J-2,1,k,,ok,b,,\r\n");
  auto truth = LoadTruth(dir_.path());
  ASSERT_TRUE(truth.ok()) << truth.status();
  ASSERT_EQ(truth->records.size(), 2u);
  EXPECT_EQ(truth->records[0].source_record_id, "J-1,a");
  EXPECT_EQ(truth->records[0].name, "two\nlines \"quoted\"");
  EXPECT_EQ(truth->records[1].source_record_id, "J-2");

  WriteTruth(std::string(kRecordsHeader) + "court,J-1,1,k,,ok,a\"b,,\n");
  absl::Status st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("records.csv: CSV line 2: quote inside an unquoted field"));
}

TEST_F(TruthTest, MissingFileIsNotFoundNamingIt) {
  Write("records.csv", kRecordsHeader);
  Write("eligible.csv", kEligible);
  absl::Status st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("near_misses.csv"));
}

TEST_F(TruthTest, UnknownMissingOrRepeatedColumnIsInvalid) {
  WriteTruth(
      "agency,source_record_id,person_id,kind,noise,id_status,name,id_number,birth_date,"
      "phone\n");
  absl::Status st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("records.csv: line 1: unknown column 'phone'"));

  WriteTruth("agency,source_record_id,person_id,kind,noise,id_status,name,id_number\n");
  st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("records.csv: line 1: missing column 'birth_date'"));

  WriteTruth("agency,agency,source_record_id,person_id,kind,noise,id_status,name,id_number\n");
  st = LoadError();
  EXPECT_THAT(st.message(), HasSubstr("column 'agency' repeated"));
}

TEST_F(TruthTest, BadRowsNameFileAndLine) {
  WriteTruth(std::string(kRecordsHeader) + "court,J-1,1,k,,ok,a,,\ncourt,J-2,1,k,,ok\n");
  absl::Status st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("records.csv: line 3: expected 9 fields, found 6"));

  WriteTruth(std::string(kRecordsHeader) + "court,J-1,1,k,,ok,a,,\ncourt,J-1,2,k,,ok,b,,\n");
  EXPECT_THAT(LoadError().message(),
              HasSubstr("records.csv: line 3: record (agency, source_record_id)"));

  WriteTruth(std::string(kRecordsHeader) + "court,,1,k,,ok,a,,\n");
  EXPECT_THAT(LoadError().message(), HasSubstr("records.csv: line 2: empty source_record_id"));

  WriteTruth(std::string(kRecordsHeader) + "court,J-1,1,k,,ok,\"a,,\n");
  EXPECT_THAT(LoadError().message(),
              HasSubstr("records.csv: CSV line 2: unterminated quoted field"));

  Write("records.csv", kRecordsHeader);
  Write("eligible.csv",
        "person_id,category,case_number,victim_person_id,signals\n1,heartbreak,C,1,\n");
  st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("eligible.csv: line 2: unknown category 'heartbreak'"));

  Write("eligible.csv", kEligible);
  Write("near_misses.csv", "person_id,reason,case_number\n1,bad_luck,C\n");
  EXPECT_THAT(LoadError().message(),
              HasSubstr("near_misses.csv: line 2: unknown reason 'bad_luck'"));
}

TEST_F(TruthTest, EmptyFileHasNoHeader) {
  WriteTruth("");
  absl::Status st = LoadError();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("records.csv: no header row"));
}

TEST_F(TruthTest, LoadsLinksAndClues) {
  Write("links.csv",
        "agency,source_record_id,person_id\ncourt,J-1,p-1\ncourt,J-1,p-1\ncourt,J-2,p-1\n");
  auto links = LoadLinks(dir_.path() + "/links.csv");
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_EQ(links->size(), 2u);  // the repeated link counts once

  Write("links.csv", "agency,source_record_id,person_id\ncourt,J-1,p-1\ncourt,J-1,p-2\n");
  EXPECT_THAT(LoadLinks(dir_.path() + "/links.csv").status().message(),
              HasSubstr("links.csv: line 3: record linked to two different persons"));

  Write("clues.csv", "clue_id,person_id,category,score\nc1,p-1,serious_injury,7.5\nc2,p-2,,\n");
  auto clues = LoadClues(dir_.path() + "/clues.csv");
  ASSERT_TRUE(clues.ok()) << clues.status();
  ASSERT_EQ(clues->size(), 2u);
  EXPECT_EQ((*clues)[0].category, "serious_injury");
  EXPECT_DOUBLE_EQ((*clues)[0].score, 7.5);
  EXPECT_EQ((*clues)[1].category, "");

  Write("clues.csv", "clue_id,person_id,category,score\nc1,p-1,,high\n");
  auto bad = LoadClues(dir_.path() + "/clues.csv");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("clues.csv: line 2: score 'high' is not a number"));

  EXPECT_EQ(LoadClues(dir_.path() + "/none.csv").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::eval
