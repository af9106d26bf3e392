// Holds the difficulty floors of issue #3: at default noise the naive joins that published
// models use must miss a real share of the true cross-agency links, and the name + birth-date
// join must also make real mistakes (namesakes). If the generated data quietly became easy,
// matching figures measured on it would mean nothing; this test fails first.
#include <iostream>
#include <map>
#include <string>

#include "common/testing/process.h"
#include "gtest/gtest.h"
#include "tools/datagen/generator.h"
#include "tools/eval/baselines.h"
#include "tools/eval/truth.h"

namespace lifeline::datagen {
namespace {

class NullSink : public RecordSink {
 public:
  absl::Status Add(const AgencyRecord&, bool) override { return absl::OkStatus(); }
};

eval::BaselineReport Baselines(int64_t persons, const std::string& noise, uint64_t seed) {
  common::testing::TempDir dir;
  GeneratorOptions options;
  options.persons = persons;
  options.seed = seed;
  options.noise = *NoiseConfig::Parse(noise);
  NullSink sink;
  auto summary =
      Generate(options, dir.path() + "/truth", sink, [](const char*, int64_t, int64_t) {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  auto truth = eval::LoadTruth(dir.path() + "/truth");
  EXPECT_TRUE(truth.ok()) << truth.status();
  return eval::EvaluateBaselines(*truth);
}

// Namesake errors grow with the population (every new person can collide with everyone else,
// while true links grow only with the records): a county of 200,000 people gives the
// name + birth-date join about 0.3 % wrong pairs, a city of 1,000,000 about 2 %. The floor is
// held at city scale, where Lifeline's matching is used.
TEST(DifficultyTest, DefaultNoiseIsAsHardAsRealData) {
  const eval::BaselineReport report = Baselines(1000000, "default", 1);
  const eval::PairCounts& id = report.id_number.overall.cross_agency;
  const eval::PairCounts& nb = report.name_birth.overall.cross_agency;
  std::cerr << "cross-agency true pairs " << id.true_pairs << "; id join recall " << id.recall()
            << " precision " << id.precision() << "; name+birth join recall " << nb.recall()
            << " precision " << nb.precision() << " (" << nb.false_positives() << " wrong pairs)\n";
  ASSERT_GT(id.true_pairs, 1000);
  // The ID join misses at least 15 % of the true cross-agency links.
  EXPECT_LE(id.recall(), 0.85) << "id join recall " << id.recall();
  // The name + birth-date join misses at least 10 % ...
  EXPECT_LE(nb.recall(), 0.90) << "name+birth recall " << nb.recall();
  // ... and at least 1 % of the pairs it joins are wrong.
  EXPECT_LE(nb.precision(), 0.99) << "name+birth precision " << nb.precision();
  // The floors come from noise and namesakes, not from broken data: the joins still work.
  EXPECT_GE(id.recall(), 0.5);
  EXPECT_GE(nb.recall(), 0.5);
  EXPECT_GE(id.precision(), 0.999);
}

TEST(DifficultyTest, WithoutNoiseTheIdJoinFindsEveryNumberedLink) {
  const eval::BaselineReport report = Baselines(20000, "off", 2);
  const eval::PairCounts& id = report.id_number.overall.cross_agency;
  ASSERT_GT(id.true_pairs, 100);
  // Only minors without a number on file stay unjoined.
  EXPECT_GE(id.recall(), 0.97);
  EXPECT_EQ(id.false_positives(), 0);
}

}  // namespace
}  // namespace lifeline::datagen
