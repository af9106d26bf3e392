#include "tools/eval/report.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/identity/id_number.h"
#include "common/testing/process.h"

namespace lifeline::eval {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string id =
        std::string("11010519491231002") + common::IdCheckCharacter("11010519491231002");
    Write("records.csv",
          "agency,source_record_id,person_id,kind,noise,id_status,name,id_number,birth_date\n"
          "court,J-1,1,criminal_victim,,ok,张伟," +
              id +
              ",1949-12-31\n"
              "civil_affairs,MZ-1,1,social_assistance,name_homophone,ok,张玮," +
              id +
              ",\n"
              "civil_affairs,MZ-2,2,social_assistance,,none,李娜,,1980-01-01\n");
    Write("eligible.csv",
          "person_id,category,case_number,victim_person_id,signals\n"
          "1,serious_injury,C-1,1,rural_minimum_living\n");
    Write("near_misses.csv", "person_id,reason,case_number\n2,no_hardship,C-2\n");
    Write("links.csv",
          "agency,source_record_id,person_id\n"
          "court,J-1,p-1\ncivil_affairs,MZ-1,p-1\ncivil_affairs,MZ-2,p-2\n");
    Write("clues.csv", "clue_id,person_id,category,score\nc1,p-1,serious_injury,9\nc2,p-2,,3\n");
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() + "/" + name, std::ios::binary) << text;
  }
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }

  common::testing::TempDir dir_;
};

TEST_F(ReportTest, EvaluatesEverythingGiven) {
  auto report = Evaluate({dir_.path(), Path("links.csv"), Path("clues.csv")});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->truth.records, 3);
  EXPECT_EQ(report->truth.agencies, 2);
  EXPECT_EQ(report->truth.persons, 2);
  EXPECT_EQ(report->baselines.id_number.overall.cross_agency.true_positives, 1);
  EXPECT_EQ(report->baselines.name_birth.overall.all.true_positives, 0);
  ASSERT_TRUE(report->links.has_value());
  EXPECT_DOUBLE_EQ(report->links->pairs.overall.all.f1(), 1.0);
  ASSERT_TRUE(report->clues.has_value());
  EXPECT_EQ(report->clues->true_positives, 1);
  EXPECT_EQ(report->clues->near_miss_false_positives.at("no_hardship"), 1);

  std::ostringstream out;
  PrintReport(*report, out);
  std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("Truth: 3 records from 2 agencies about 2 persons"));
  EXPECT_THAT(text, HasSubstr("Lifeline"));
  EXPECT_THAT(text, HasSubstr("ID-number join"));
  EXPECT_THAT(text, HasSubstr("name+birth join"));
  EXPECT_THAT(text, HasSubstr("noise name_homophone"));
  EXPECT_THAT(text, HasSubstr("no_hardship"));
  // No personal data in the report.
  EXPECT_THAT(text, Not(HasSubstr("张伟")));
}

TEST_F(ReportTest, BaselinesAloneWithoutExports) {
  auto report = Evaluate({dir_.path(), "", ""});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->links.has_value());
  EXPECT_FALSE(report->clues.has_value());
  std::ostringstream out;
  PrintReport(*report, out);
  EXPECT_THAT(out.str(), Not(HasSubstr("Lifeline")));
  EXPECT_THAT(out.str(), HasSubstr("ID-number join"));
  EXPECT_THAT(out.str(), Not(HasSubstr("Clues:")));
}

TEST_F(ReportTest, InputErrors) {
  EXPECT_EQ(Evaluate({dir_.path(), "", Path("clues.csv")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto missing = Evaluate({dir_.path() + "/nowhere", "", ""});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("records.csv"));
  EXPECT_EQ(Evaluate({dir_.path(), Path("absent.csv"), ""}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::eval
