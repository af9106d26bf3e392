#include "match-service/domain/linkage/model.h"

#include <cmath>
#include <random>
#include <unordered_map>

#include "gtest/gtest.h"
#include "match-service/domain/linkage/features.h"
#include "match-service/testing/linkage_people.h"

namespace lifeline::match::linkage {
namespace {

using testing::TestPerson;

// Draws a level from the distribution p (levels 1..levels-1).
uint8_t Draw(const std::array<double, kMaxLevels>& p, int levels, std::mt19937_64& rng) {
  double x = std::uniform_real_distribution<double>(0, 1)(rng);
  for (int l = 1; l < levels; ++l) {
    if ((x -= p[l]) <= 0) return static_cast<uint8_t>(l);
  }
  return static_cast<uint8_t>(levels - 1);
}

TEST(EstimateMTest, RecoversPlantedParameters) {
  // Plant m, u and a match share; draw pairs field by field independently, as the model assumes.
  ModelParams truth = PriorParams();
  truth.fields[kName].m = {0, 0.80, 0.02, 0.10, 0.04, 0.03, 0.01};
  truth.fields[kName].u = {0, 0.01, 0.001, 0.02, 0.02, 0.15, 0.799};
  truth.fields[kBirth].m = {0, 0.90, 0.05, 0.01, 0.02, 0.02};
  truth.fields[kBirth].u = {0, 0.02, 0.03, 0.01, 0.04, 0.90};
  truth.fields[kSex].m = {0, 0.98, 0.02};
  truth.fields[kSex].u = {0, 0.5, 0.5};
  truth.fields[kRegion].m = {0, 0.7, 0.2, 0.05, 0.05};
  truth.fields[kRegion].u = {0, 0.1, 0.2, 0.3, 0.4};
  truth.lambda = 0.3;
  std::mt19937_64 rng(7);
  std::unordered_map<uint32_t, int64_t> patterns;
  constexpr int kPairs = 200000;
  for (int i = 0; i < kPairs; ++i) {
    const bool match = std::uniform_real_distribution<double>(0, 1)(rng) < truth.lambda;
    ComparisonVector v{};
    for (Field f : {kName, kBirth, kSex, kRegion}) {
      const FieldParams& p = truth.fields[f];
      v[f] = Draw(match ? p.m : p.u, LevelCount(f), rng);
    }
    ++patterns[PackVector(v)];
  }
  ModelParams estimated = PriorParams();
  EstimateM(patterns, 200, &estimated);
  EXPECT_EQ(estimated.em_pairs, kPairs);
  EXPECT_NEAR(estimated.lambda, truth.lambda, 0.02);
  for (Field f : {kName, kBirth, kSex, kRegion}) {
    for (int l = 1; l < LevelCount(f); ++l) {
      EXPECT_NEAR(estimated.fields[f].m[l], truth.fields[f].m[l], 0.02)
          << FieldName(f) << " " << LevelName(f, l);
    }
  }
  // u stays the random-pair u it was given.
  EXPECT_EQ(estimated.fields[kName].u, PriorParams().fields[kName].u);
}

TEST(EstimateUTest, CountsRandomPairs) {
  std::vector<PersonFeatures> people;
  for (int i = 0; i < 200; ++i) {
    people.push_back(ExtractFeatures(TestPerson(i % 2 == 0 ? "张伟" : "李娜").Birth("1990-01-01")));
  }
  std::vector<const PersonFeatures*> refs;
  for (const PersonFeatures& p : people) refs.push_back(&p);
  ModelParams params = PriorParams();
  EstimateU(refs, 20000, 1, &params);
  EXPECT_EQ(params.u_pairs, 20000);
  // Every pair has the same birth date; about half share the name.
  EXPECT_GT(params.fields[kBirth].u[kBirthExact], 0.99);
  EXPECT_NEAR(params.fields[kName].u[kNameExact], 0.5, 0.03);
  EXPECT_NEAR(params.fields[kName].u[kNameDifferent], 0.5, 0.03);

  // The same pairs whatever the threads; another seed draws others.
  ModelParams threaded = PriorParams();
  EstimateU(refs, 20000, 1, &threaded, 3);
  EXPECT_EQ(threaded.fields[kName].u, params.fields[kName].u);
  ModelParams reseeded = PriorParams();
  EstimateU(refs, 20000, 2, &reseeded, 3);
  EXPECT_NE(reseeded.fields[kName].u, params.fields[kName].u);
}

TEST(FsModelTest, RareNameAgreementWeighsMoreThanCommonOne) {
  NameFrequencies frequencies;
  for (int i = 0; i < 3000; ++i) frequencies.Add(ExtractFeatures(TestPerson("王伟")));
  for (int i = 0; i < 7000; ++i) {
    frequencies.Add(ExtractFeatures(TestPerson(i % 2 ? "赵一" : "钱二")));
  }
  frequencies.Add(ExtractFeatures(TestPerson("欧阳蕴藻")));
  const FsModel model(PriorParams(), &frequencies);
  const PersonFeatures common = ExtractFeatures(TestPerson("王伟"));
  const PersonFeatures rare = ExtractFeatures(TestPerson("欧阳蕴藻"));
  const double w_common = model.Weight(Compare(common, common), common, common);
  const double w_rare = model.Weight(Compare(rare, rare), rare, rare);
  EXPECT_GT(w_rare, w_common + 8);
  // Without frequencies the two weigh the same.
  const FsModel plain(PriorParams());
  EXPECT_DOUBLE_EQ(plain.Weight(Compare(common, common), common, common),
                   plain.Weight(Compare(rare, rare), rare, rare));
  // The explanation shows the adjustment and sums to the weight.
  double sum = 0;
  for (const FieldWeight& fw : model.Explain(Compare(common, common), common, common)) {
    sum += fw.weight;
    if (fw.field == kName) {
      EXPECT_LT(fw.tf_adjustment, 0);
    }
  }
  EXPECT_NEAR(sum, w_common, 1e-9);
}

TEST(FsModelTest, ContextAgreementsCountOnceDisagreementsAll) {
  const PersonFeatures a = ExtractFeatures(TestPerson("张伟")
                                               .Household("H1")
                                               .Phone("13900000001")
                                               .Region("341523")
                                               .Address("梅河路12号"));
  const PersonFeatures b = ExtractFeatures(TestPerson("张伟")
                                               .Household("H1")
                                               .Phone("13900000002")
                                               .Region("341523")
                                               .Address("梅河路12号"));
  const FsModel model(PriorParams());
  const PairWeight same = model.Weigh(Compare(a, a), a, a);
  EXPECT_DOUBLE_EQ(same.context, model.LevelWeight(kHousehold, kEqualSame));
  const PairWeight other_phone = model.Weigh(Compare(a, b), a, b);
  EXPECT_DOUBLE_EQ(other_phone.context, model.LevelWeight(kHousehold, kEqualSame) +
                                            model.LevelWeight(kPhone, kEqualDifferent));
  EXPECT_DOUBLE_EQ(same.total(), same.identity + same.context);
  double sum = 0;
  for (const FieldWeight& fw : model.Explain(Compare(a, b), a, b)) sum += fw.weight;
  EXPECT_NEAR(sum, other_phone.total(), 1e-9);
}

TEST(ParamsTest, FormatParseRoundTrip) {
  ModelParams params = PriorParams();
  params.lambda = 0.0123;
  params.u_pairs = 5;
  params.em_iterations = 9;
  params.em_converged = true;
  absl::StatusOr<ModelParams> parsed = ParseParams(FormatParams(params));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_NEAR(parsed->lambda, 0.0123, 1e-12);
  EXPECT_EQ(parsed->u_pairs, 5);
  EXPECT_EQ(parsed->em_iterations, 9);
  EXPECT_TRUE(parsed->em_converged);
  for (int f = 0; f < kFieldCount; ++f) {
    for (int l = 1; l < LevelCount(static_cast<Field>(f)); ++l) {
      EXPECT_NEAR(parsed->fields[f].m[l], params.fields[f].m[l], 1e-9);
      EXPECT_NEAR(parsed->fields[f].u[l], params.fields[f].u[l], 1e-9);
    }
  }
}

TEST(ParamsTest, ParseRejectsBadFiles) {
  EXPECT_FALSE(ParseParams("").ok());
  EXPECT_FALSE(ParseParams("something else\n").ok());
  const std::string good = FormatParams(PriorParams());
  EXPECT_FALSE(ParseParams(good + "level name exact 2 0.1\n").ok());      // m > 1
  EXPECT_FALSE(ParseParams(good + "level nose exact 0.5 0.1\n").ok());    // unknown field
  EXPECT_FALSE(ParseParams(good + "level name exactly 0.5 0.1\n").ok());  // unknown level
  EXPECT_FALSE(ParseParams(good + "lambda 1.5\n").ok());
  // A missing level line.
  const std::string missing = good.substr(0, good.rfind("level "));
  EXPECT_FALSE(ParseParams(missing).ok());
}

}  // namespace
}  // namespace lifeline::match::linkage
