#include "tools/eval/pair_metrics.h"

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::eval {
namespace {

TruthRecord Rec(std::string person, std::string agency, std::vector<std::string> noise = {}) {
  TruthRecord r;
  r.person_id = std::move(person);
  r.agency = std::move(agency);
  r.source_record_id = "r";
  r.noise = std::move(noise);
  return r;
}

void ExpectCounts(const PairCounts& c, int64_t true_pairs, int64_t predicted, int64_t tp) {
  EXPECT_EQ(c.true_pairs, true_pairs);
  EXPECT_EQ(c.predicted_pairs, predicted);
  EXPECT_EQ(c.true_positives, tp);
}

// Person A has a1 (court), a2 (civil_affairs), a3 (court); person B has b1 (court), b2
// (civil_affairs). Lifeline put a1, a2 and b1 together, a3 alone and left b2 unlinked.
class PairMetricsTest : public ::testing::Test {
 protected:
  std::vector<TruthRecord> records_ = {
      Rec("A", "court"),         Rec("A", "civil_affairs", {"name_homophone"}),
      Rec("A", "court"),         Rec("B", "court", {"name_homophone", "id_spaces"}),
      Rec("B", "civil_affairs"),
  };
  std::vector<std::string> clusters_ = {"L1", "L1", "L2", "L1", ""};
};

TEST_F(PairMetricsTest, CountsAllAndCrossAgencyPairs) {
  PairMetrics m = ComputePairMetrics(records_, clusters_);
  // True: a1a2 a1a3 a2a3 b1b2. Predicted: a1a2 a1b1 a2b1. Both: a1a2.
  ExpectCounts(m.overall.all, 4, 3, 1);
  EXPECT_EQ(m.overall.all.false_positives(), 2);
  EXPECT_EQ(m.overall.all.false_negatives(), 3);
  EXPECT_DOUBLE_EQ(m.overall.all.precision(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.overall.all.recall(), 1.0 / 4);
  EXPECT_DOUBLE_EQ(m.overall.all.f1(), 2.0 / 7);
  // Cross-agency: true a1a2 a2a3 b1b2; predicted a1a2 a2b1.
  ExpectCounts(m.overall.cross_agency, 3, 2, 1);
  EXPECT_EQ(m.records, 5);
  EXPECT_EQ(m.clustered_records, 4);
  EXPECT_EQ(m.clusters, 2);
  EXPECT_EQ(m.largest_cluster, 3);
}

TEST_F(PairMetricsTest, BreaksDownByNoiseKind) {
  PairMetrics m = ComputePairMetrics(records_, clusters_);
  ASSERT_EQ(m.by_noise.size(), 2u);
  // Pairs touching a2 or b1: true a1a2 a2a3 b1b2; predicted a1a2 a1b1 a2b1.
  ExpectCounts(m.by_noise.at("name_homophone").all, 3, 3, 1);
  ExpectCounts(m.by_noise.at("name_homophone").cross_agency, 3, 2, 1);
  // Pairs touching b1: true b1b2; predicted a1b1 a2b1.
  ExpectCounts(m.by_noise.at("id_spaces").all, 1, 2, 0);
  // Clean records a1, a3, b2: true a1a3, nothing predicted.
  ExpectCounts(m.clean.all, 1, 0, 0);
  ExpectCounts(m.clean.cross_agency, 0, 0, 0);
  EXPECT_EQ(m.clean.all.precision(), 0.0);  // undefined: reported as 0
}

TEST(PairMetricsScaleTest, OneHugeWrongClusterIsCountedExactly) {
  std::vector<TruthRecord> records;
  std::vector<std::string> clusters;
  for (int i = 0; i < 20000; ++i) {
    records.push_back(Rec(std::to_string(i / 2), i % 2 ? "court" : "civil_affairs"));
    clusters.push_back("everyone");
  }
  PairMetrics m = ComputePairMetrics(records, clusters);
  ExpectCounts(m.overall.all, 10000, int64_t{20000} * 19999 / 2, 10000);
  ExpectCounts(m.overall.cross_agency, 10000, int64_t{10000} * 10000, 10000);
  EXPECT_EQ(m.largest_cluster, 20000);
}

// Counts by enumerating every pair, to check the contingency arithmetic.
PairScope BruteForce(const std::vector<TruthRecord>& r, const std::vector<std::string>& c,
                     const std::function<bool(size_t, size_t)>& in_slice) {
  PairScope s;
  for (size_t i = 0; i < r.size(); ++i) {
    for (size_t j = i + 1; j < r.size(); ++j) {
      if (!in_slice(i, j)) continue;
      bool t = r[i].person_id == r[j].person_id;
      bool p = !c[i].empty() && c[i] == c[j];
      for (PairCounts* counts : {&s.all, &s.cross_agency}) {
        if (counts == &s.cross_agency && r[i].agency == r[j].agency) continue;
        counts->true_pairs += t;
        counts->predicted_pairs += p;
        counts->true_positives += t && p;
      }
    }
  }
  return s;
}

void ExpectSame(const PairScope& got, const PairScope& want) {
  ExpectCounts(got.all, want.all.true_pairs, want.all.predicted_pairs, want.all.true_positives);
  ExpectCounts(got.cross_agency, want.cross_agency.true_pairs, want.cross_agency.predicted_pairs,
               want.cross_agency.true_positives);
}

TEST(PairMetricsRandomTest, AgreesWithPairEnumeration) {
  std::mt19937 rng(7);
  const std::vector<std::string> kinds = {"name_typo", "id_missing", "birth_swap"};
  for (int round = 0; round < 20; ++round) {
    std::vector<TruthRecord> records;
    std::vector<std::string> clusters;
    for (int i = 0; i < 60; ++i) {
      std::vector<std::string> noise;
      for (const std::string& k : kinds) {
        if (rng() % 4 == 0) noise.push_back(k);
      }
      records.push_back(Rec(std::to_string(rng() % 15), std::to_string(rng() % 3), noise));
      clusters.push_back(rng() % 5 == 0 ? "" : std::to_string(rng() % 12));
    }
    PairMetrics m = ComputePairMetrics(records, clusters);
    auto has = [&](size_t i, const std::string& k) {
      return std::find(records[i].noise.begin(), records[i].noise.end(), k) !=
             records[i].noise.end();
    };
    ExpectSame(m.overall, BruteForce(records, clusters, [](size_t, size_t) { return true; }));
    ExpectSame(m.clean, BruteForce(records, clusters, [&](size_t i, size_t j) {
                 return records[i].noise.empty() && records[j].noise.empty();
               }));
    for (const std::string& k : kinds) {
      if (!m.by_noise.count(k)) continue;
      ExpectSame(m.by_noise.at(k), BruteForce(records, clusters, [&](size_t i, size_t j) {
                   return has(i, k) || has(j, k);
                 }));
    }
  }
}

}  // namespace
}  // namespace lifeline::eval
