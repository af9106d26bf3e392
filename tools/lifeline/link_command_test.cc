#include "tools/lifeline/link_command.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "tools/datagen/file_output.h"
#include "tools/datagen/generator.h"
#include "tools/eval/link_metrics.h"
#include "tools/eval/truth.h"
#include "tools/lifeline/cli.h"

namespace lifeline::tools {
namespace {

class LinkCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    county_ = dir_.path() + "/county";
    datagen::GeneratorOptions generator;
    generator.persons = 3000;
    generator.seed = 5;
    auto files = datagen::FileOutput::Open(county_, /*csv=*/true, /*jsonl=*/true);
    ASSERT_TRUE(files.ok()) << files.status();
    ASSERT_TRUE(datagen::Generate(generator, county_ + "/truth", **files,
                                  [](const char*, int64_t, int64_t) {})
                    .ok());
    ASSERT_TRUE((*files)->Close().ok());
  }

  absl::Status Cli(std::vector<std::string> args, std::string* printed = nullptr) {
    std::ostringstream out;
    absl::Status status = RunCli(args, out);
    if (printed != nullptr) *printed = out.str();
    return status;
  }

  common::testing::TempDir dir_;
  std::string county_;
};

TEST_F(LinkCommandTest, LinksAGeneratedCountyOfflineBetterThanAnIdJoin) {
  const std::string links = dir_.path() + "/links.csv";
  const std::string params = dir_.path() + "/params.txt";
  std::string printed;
  ASSERT_TRUE(Cli({"link", "--in", county_, "--out", links, "--params-out", params,
                   "--possible-out", dir_.path() + "/possible.csv", "--progress", "off"},
                  &printed)
                  .ok())
      << printed;
  EXPECT_NE(printed.find("persons"), std::string::npos) << printed;
  auto truth = eval::LoadTruth(county_ + "/truth");
  ASSERT_TRUE(truth.ok()) << truth.status();
  auto loaded = eval::LoadLinks(links);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const eval::LinkReport report = eval::EvaluateLinks(*truth, *loaded);
  EXPECT_EQ(report.unlinked_records, 0);
  EXPECT_GE(report.pairs.overall.cross_agency.precision(), 0.99);
  EXPECT_GE(report.pairs.overall.cross_agency.recall(), 0.95);

  // The saved model links the same files the same way without estimating.
  const std::string again = dir_.path() + "/again.csv";
  ASSERT_TRUE(Cli({"link", "--in", county_ + "/jsonl", "--out", again, "--params", params,
                   "--progress", "off"},
                  &printed)
                  .ok())
      << printed;
  EXPECT_NE(printed.find("from " + params), std::string::npos) << printed;
}

TEST_F(LinkCommandTest, WhyExplainsTwoRecords) {
  const std::string links = dir_.path() + "/links.csv";
  ASSERT_TRUE(Cli({"link", "--in", county_, "--out", links, "--progress", "off"}).ok());
  // Two records of one found person.
  std::ifstream in(links);
  std::string header, line, first, second, person;
  std::getline(in, header);
  std::map<std::string, std::string> by_person;
  while (std::getline(in, line)) {
    const auto c1 = line.find(',');
    const auto c2 = line.rfind(',');
    const std::string key = line.substr(0, c1) + ":" + line.substr(c1 + 1, c2 - c1 - 1);
    const std::string p = line.substr(c2 + 1);
    if (by_person.count(p) > 0) {
      first = by_person[p];
      second = key;
      break;
    }
    by_person[p] = key;
  }
  ASSERT_FALSE(second.empty());
  std::string printed;
  ASSERT_TRUE(Cli({"why", "--in", county_, first, second}, &printed).ok()) << printed;
  EXPECT_NE(printed.find("name"), std::string::npos) << printed;
  EXPECT_NE(printed.find("the same person"), std::string::npos) << printed;
  EXPECT_EQ(Cli({"why", "--in", county_, first, "civil_affairs:no-such-record"}).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(LinkCommandTest, BadArgumentsAreRefused) {
  EXPECT_EQ(Cli({"link", "--out", dir_.path() + "/x.csv"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"link", "--in", county_}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"link", "--in", county_, "--out", "x.csv", "--threads", "0"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"link", "--in", county_, "--out", "x.csv", "--bogus", "1"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"link", "--in", dir_.path() + "/missing", "--out", "x.csv"}).code(),
            absl::StatusCode::kNotFound);
  const std::string bad_params = dir_.path() + "/bad-params.txt";
  std::ofstream(bad_params) << "not a model\n";
  EXPECT_EQ(Cli({"link", "--in", county_, "--out", dir_.path() + "/y.csv", "--params", bad_params,
                 "--progress", "off"})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"why", "--in", county_, "civil_affairs:A"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Cli({"why", "--in", county_, "civil_affairs", "court:B"}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::tools
