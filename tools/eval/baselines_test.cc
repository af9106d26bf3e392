#include "tools/eval/baselines.h"

#include <string>

#include <gtest/gtest.h>

#include "common/identity/id_number.h"

namespace lifeline::eval {
namespace {

// A valid 18-character ID number from its first 17 digits.
std::string Id18(const std::string& first17) { return first17 + common::IdCheckCharacter(first17); }

// The same number with a wrong check character.
std::string BadCheck(const std::string& first17) {
  char good = common::IdCheckCharacter(first17);
  return first17 + (good == '0' ? '1' : '0');
}

TruthRecord Rec(std::string agency, std::string person, std::string name, std::string id_number,
                std::string birth_date, std::vector<std::string> noise = {}) {
  TruthRecord r;
  r.agency = std::move(agency);
  r.source_record_id = "r";
  r.person_id = std::move(person);
  r.name = std::move(name);
  r.id_number = std::move(id_number);
  r.birth_date = std::move(birth_date);
  r.noise = std::move(noise);
  return r;
}

constexpr char kZhang17[] = "11010519491231002";  // born 1949-12-31
constexpr char kZhang15[] = "110105491231002";    // the same number before the 18-digit upgrade

TEST(IdNumberJoinKeyTest, JoinsRepairedAndLegacyNumbersButNotBadOnes) {
  std::string canonical = Id18(kZhang17);
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", canonical, "")), canonical);
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", kZhang15, "")), canonical);
  std::string spaced =
      canonical.substr(0, 6) + " " + canonical.substr(6, 8) + " " + canonical.substr(14);
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", spaced, "")), canonical);
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", BadCheck(kZhang17), "")), "");
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", "1.10105E+17", "")), "");
  EXPECT_EQ(IdNumberJoinKey(Rec("court", "1", "", "", "")), "");
}

TEST(NameBirthJoinKeyTest, NormalizesNameAndFindsTheBirthDate) {
  std::string key = NameBirthJoinKey(Rec("court", "1", "张伟", "", "1949-12-31"));
  ASSERT_FALSE(key.empty());
  // Spacing and full-width forms are folded.
  EXPECT_EQ(NameBirthJoinKey(Rec("court", "1", "张　伟 ", "", "1949-12-31")), key);
  // No usable birth_date: taken from a valid ID number.
  EXPECT_EQ(NameBirthJoinKey(Rec("court", "1", "张伟", Id18(kZhang17), "")), key);
  EXPECT_EQ(NameBirthJoinKey(Rec("court", "1", "张伟", Id18(kZhang17), "1949-02-30")), key);
  // ... but not from an invalid one.
  EXPECT_EQ(NameBirthJoinKey(Rec("court", "1", "张伟", BadCheck(kZhang17), "")), "");
  EXPECT_EQ(NameBirthJoinKey(Rec("court", "1", "", "", "1949-12-31")), "");
  // The naive join does not turn traditional characters into simplified ones (Lifeline does).
  EXPECT_NE(NameBirthJoinKey(Rec("court", "1", "劉德華", "", "1961-09-27")),
            NameBirthJoinKey(Rec("court", "1", "刘德华", "", "1961-09-27")));
}

TEST(EvaluateBaselinesTest, ScoresBothJoins) {
  std::string zhang = Id18(kZhang17);
  std::string li = Id18("11010519800101004");
  std::string wang = Id18("11010519800101005");
  Truth truth;
  truth.records = {
      // Person 1 in three agencies: clean, legacy 15-digit, bad check digit.
      Rec("court", "1", "张伟", zhang, "1949-12-31"),
      Rec("civil_affairs", "1", "张伟", kZhang15, "", {"id_legacy15"}),
      Rec("disabled_persons_federation", "1", "張偉", BadCheck(kZhang17), "1949-12-31",
          {"id_wrong_check", "name_traditional"}),
      // Two namesakes born the same day.
      Rec("court", "2", "李娜", li, "1980-01-01"),
      Rec("civil_affairs", "3", "李娜", wang, "1980-01-01"),
  };
  BaselineReport b = EvaluateBaselines(truth);

  // ID join: court/civil_affairs pair of person 1 only.
  EXPECT_EQ(b.id_number.overall.all.true_pairs, 3);
  EXPECT_EQ(b.id_number.overall.all.predicted_pairs, 1);
  EXPECT_EQ(b.id_number.overall.all.true_positives, 1);
  EXPECT_EQ(b.id_number.overall.cross_agency.true_positives, 1);
  EXPECT_DOUBLE_EQ(b.id_number.overall.cross_agency.precision(), 1.0);
  EXPECT_DOUBLE_EQ(b.id_number.overall.cross_agency.recall(), 1.0 / 3);
  EXPECT_EQ(b.id_number.clustered_records, 4);
  EXPECT_EQ(b.id_number.by_noise.at("id_legacy15").all.true_positives, 1);
  EXPECT_EQ(b.id_number.by_noise.at("id_wrong_check").all.true_positives, 0);
  EXPECT_EQ(b.id_number.by_noise.at("id_wrong_check").all.true_pairs, 2);

  // Name + birth join: person 1's court and civil_affairs records (the birth date of the
  // legacy one comes from its number), not the traditional spelling; the namesakes make a
  // false pair.
  EXPECT_EQ(b.name_birth.overall.all.predicted_pairs, 2);
  EXPECT_EQ(b.name_birth.overall.all.true_positives, 1);
  EXPECT_EQ(b.name_birth.overall.all.false_positives(), 1);
  EXPECT_DOUBLE_EQ(b.name_birth.overall.cross_agency.precision(), 0.5);
  EXPECT_EQ(b.name_birth.by_noise.at("name_traditional").all.true_positives, 0);
  EXPECT_EQ(b.name_birth.clean.all.false_positives(), 1);
}

}  // namespace
}  // namespace lifeline::eval
