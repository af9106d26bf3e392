#include "match-service/domain/linkage/resolver.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "match-service/testing/linkage_people.h"

namespace lifeline::match::linkage {
namespace {

using testing::TestPerson;
using testing::ValidId;

// Deployment-like decisions on a handful of records: the prior odds of a province-sized index
// (a million records), the documented prior parameters, no estimation from so few pairs.
LinkageOptions TableOptions() {
  LinkageOptions options;
  options.estimate = false;
  options.prior_log2_odds = -20;
  options.threads = 1;
  return options;
}

ResolveResult ResolvePeople(const std::vector<records::v1::NormalizedPerson>& people,
                            const LinkageOptions& options = TableOptions()) {
  std::vector<LinkRecord> records;
  for (size_t i = 0; i < people.size(); ++i) {
    records.push_back(LinkRecord{"r" + std::to_string(i), ExtractFeatures(people[i])});
  }
  return Resolve(records, options);
}

bool Linked(const records::v1::NormalizedPerson& a, const records::v1::NormalizedPerson& b) {
  const ResolveResult result = ResolvePeople({a, b});
  return result.cluster_of[0] == result.cluster_of[1];
}

const std::string kId = ValidId("34152319620520157");
const std::string kOtherId = ValidId("34152319620520175");

struct HardCase {
  const char* what;
  TestPerson a;
  TestPerson b;
  bool same;
};

std::string Typo(std::string id, size_t at) {
  id[at] = id[at] == '9' ? '8' : '9';
  return id;
}

std::vector<HardCase> HardCases() {
  auto p = [](const char* name) { return TestPerson(name); };
  return {
      {"same number, traditional characters", p("劉德華").Id(kId), p("刘德华").Id(kId), true},
      {"15-digit legacy number", p("李秀英").Id(kId), p("李秀英").Id("341523620520157"), true},
      {"full-width number with lower-case x", p("李秀英").Id(ValidId("11010119900307002")),
       p("李秀英").Id("１１０１０１１９９００３０７００２" +
                      ValidId("11010119900307002").substr(17)),
       true},
      {"homophone, no number on one side",
       p("张伟").Birth("1962-05-20").Male().Region("341523").Id(kId),
       p("张玮").Birth("1962-05-20").Male().Region("341523").Phone("13900000001"), true},
      {"mistyped digit", p("周建国").Birth("1962-05-20").Id(kId),
       p("周建国").Birth("1962-05-20").Id(Typo(kId, 12)), true},
      {"doubled digit (19 characters)", p("周建国").Birth("1962-05-20").Id(kId),
       p("周建国").Birth("1962-05-20").Id(kId.substr(0, 8) + kId.substr(7)), true},
      {"spreadsheet zeroed the last digits", p("周建国").Birth("1962-05-20").Id(kId),
       p("周建国").Birth("1962-05-20").Id(kId.substr(0, 15) + "000"), true},
      {"transposed birth date, same number", p("吴桂英").Birth("1962-05-20").Id(kId),
       p("吴桂英").Birth("1962-02-50").Id(kId), true},
      {"middle dot in a minority name",
       p("阿依古丽·买买提").Birth("1985-03-02").Female().Region("650102"),
       p("阿依古丽买买提").Birth("1985-03-02").Female().Region("650102"), true},
      {"minor without a number, same household", p("王子涵").Birth("2016-09-01").Household("H7"),
       p("王子涵").Birth("2016-09-01").Household("H7").Address("城关镇梅河路12号"), true},
      {"passport holder, name in two orders",
       p("SMITH John").Birth("1980-02-29").Document(records::v1::ID_TYPE_PASSPORT, "E1234567"),
       p("John Smith").Birth("1980-02-29").Document(records::v1::ID_TYPE_PASSPORT, "E1234567"),
       true},
      {"foreign name in two orders, same birth and phone",
       p("Maria GARCIA").Birth("1975-11-11").Phone("13900000002"),
       p("Garcia Maria").Birth("1975-11-11").Phone("13900000002"), true},
      {"romanized name on a passport against the Han name",
       p("ZHANG Wei").Birth("1962-05-20").Male().Phone("13900000003"),
       p("张伟").Birth("1962-05-20").Male().Phone("13900000003"), true},

      {"look-alike character, mistyped number", p("王小明").Birth("1962-05-20").Id(kId),
       p("玉小明").Birth("1962-05-20").Id(Typo(kId, 14)), true},
      {"Hong Kong permit holder in Cantonese romanization against the Han name",
       p("CHAN Tai Man")
           .Birth("1970-07-01")
           .Male()
           .Phone("13900000005")
           .Document(records::v1::ID_TYPE_HK_MACAO_PERMIT, "H1234567"),
       p("陈大文").Birth("1970-07-01").Male().Phone("13900000005"), true},
      {"twins: same birth and household, different given names",
       p("张文华").Birth("2012-04-01").Male().Household("H9").Address("城关镇梅河路12号"),
       p("张文明").Birth("2012-04-01").Male().Household("H9").Address("城关镇梅河路12号"), false},
      {"twins with two-character names", p("李强").Birth("2012-04-01").Household("H9"),
       p("李刚").Birth("2012-04-01").Household("H9"), false},
      {"father and son of the same name, both numbered",
       p("王建国").Birth("1960-01-01").Id(kId).Household("H3"),
       p("王建国").Birth("1988-06-01").Id(ValidId("34152319880601003")).Household("H3"), false},
      {"father and son of the same name, no numbers",
       p("王建国").Birth("1960-01-01").Household("H3").Phone("13900000004"),
       p("王建国").Birth("1988-06-01").Household("H3").Phone("13900000004"), false},
      {"namesakes born the same day in another province",
       p("王伟").Birth("1990-01-01").Male().Region("341523"),
       p("王伟").Birth("1990-01-01").Male().Region("110101"), false},
      {"different valid numbers, everything else equal", p("赵敏").Birth("1962-05-20").Id(kId),
       p("赵敏").Birth("1962-05-20").Id(kOtherId), false},
  };
}

TEST(ResolverHardCasesTest, EachExpectedLinkAndNonLink) {
  for (const HardCase& c : HardCases()) {
    EXPECT_EQ(Linked(c.a, c.b), c.same) << c.what;
  }
}

TEST(ResolverTest, WeakLinkNeverJoinsTwoValidNumbers) {
  // B (no number) is close to both A and C, which hold different valid numbers.
  const auto a = TestPerson("张伟").Birth("1990-01-01").Male().Region("341523").Id(kId);
  const auto b =
      TestPerson("张伟").Birth("1990-01-01").Male().Region("341523").Phone("13900000009");
  const auto c = TestPerson("张伟")
                     .Birth("1990-01-01")
                     .Male()
                     .Region("341523")
                     .Phone("13900000009")
                     .Id(kOtherId);
  const ResolveResult result = ResolvePeople({a, b, c});
  EXPECT_NE(result.cluster_of[0], result.cluster_of[2]);
  EXPECT_EQ(result.cluster_of[1], result.cluster_of[2]);  // the stronger pair wins
  EXPECT_EQ(result.stats.refused_id_conflict, 1);
  // A stays apart but is offered for review against the others.
  ASSERT_FALSE(result.possible.empty());
}

TEST(ResolverTest, ResultDoesNotDependOnInputOrder) {
  std::vector<records::v1::NormalizedPerson> people;
  for (const HardCase& c : HardCases()) {
    people.push_back(c.a);
    people.push_back(c.b);
  }
  std::vector<LinkRecord> records;
  for (size_t i = 0; i < people.size(); ++i) {
    records.push_back(LinkRecord{"r" + std::to_string(i), ExtractFeatures(people[i])});
  }
  auto groups = [](const std::vector<LinkRecord>& input, const ResolveResult& result) {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < input.size(); ++i) {
      out.emplace_back(input[i].key, input[result.cluster_of[i]].key);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto expected = groups(records, Resolve(records, TableOptions()));
  std::mt19937_64 rng(3);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(records.begin(), records.end(), rng);
    EXPECT_EQ(groups(records, Resolve(records, TableOptions())), expected) << round;
  }
}

TEST(ResolverTest, OversizedBlocksAreSkippedAndReported) {
  std::vector<records::v1::NormalizedPerson> people;
  for (int i = 0; i < 12; ++i) people.push_back(TestPerson("王伟").Birth("1990-01-01"));
  LinkageOptions options = TableOptions();
  options.max_block_size = 10;
  const ResolveResult result = ResolvePeople(people, options);
  EXPECT_EQ(result.stats.blocking.at("name_birth").oversized_blocks, 1);
  EXPECT_EQ(result.stats.blocking.at("name_birth").oversized_records, 12);
  EXPECT_EQ(result.stats.candidate_pairs, 0);
}

}  // namespace
}  // namespace lifeline::match::linkage

namespace lifeline::match::linkage {
namespace {

TEST(ResolverTest, ReviewersDecisionsWinOverTheModel) {
  const auto a = TestPerson("赵敏").Birth("1962-05-20").Id(kId);
  const auto b = TestPerson("赵敏").Birth("1962-05-20").Id(kId);
  const auto c = TestPerson("钱多多").Birth("1999-09-09").Id(kOtherId);
  LinkageOptions options = TableOptions();
  options.cannot_link = {{0, 1}};
  options.must_link = {{1, 2}};
  const ResolveResult result = ResolvePeople({a, b, c}, options);
  EXPECT_NE(result.cluster_of[0], result.cluster_of[1]);
  EXPECT_EQ(result.cluster_of[1], result.cluster_of[2]);
  EXPECT_EQ(result.stats.refused_by_reviewer, 1);
  EXPECT_EQ(result.stats.confirmed_by_reviewer, 1);
  // A separated pair is not offered for review again.
  for (const ScoredPair& p : result.possible) {
    EXPECT_FALSE((p.a == 0 && p.b == 1) || (p.a == 1 && p.b == 0));
  }
}

}  // namespace
}  // namespace lifeline::match::linkage
