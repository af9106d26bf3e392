#include "tools/datagen/noise.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/identity/id_number.h"
#include "common/identity/normalize.h"
#include "tools/datagen/chars.h"

namespace lifeline::datagen {
namespace {

using common::IdNumberProblem;
using common::ParseIdNumber;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string WithCheck(std::string first17) {
  first17.push_back(common::IdCheckCharacter(first17));
  return first17;
}

// 34152319620520157 + check; a number whose check character is X.
const std::string kId = WithCheck("34152319620520157");
std::string IdEndingInX() {
  for (int seq = 100; seq < 1000; ++seq) {
    const std::string id = WithCheck("341523196205201" + std::to_string(seq).substr(1));
    if (id.back() == 'X') return id;
  }
  return "";
}

Person MakePerson() {
  Person person;
  person.id = 1;
  person.name = "刘德华";
  person.birth = {1962, 5, 20};
  person.id_number = kId;
  person.phone = "13900000457";
  person.address = "安徽省六安市霍邱县城关镇新华村";
  person.old_address = "安徽省六安市霍邱县城关镇东风村";
  return person;
}

AgencyRecord RecordOf(const Person& person) {
  AgencyRecord record;
  record.agency = "civil_affairs";
  record.person_id = person.id;
  auto* p = record.record.mutable_person();
  p->set_name(person.name);
  p->set_id_number(person.id_number);
  p->set_id_type(person.id_number.empty() ? lifeline::records::v1::ID_TYPE_NONE
                                          : lifeline::records::v1::ID_TYPE_RESIDENT_ID);
  p->set_birth_date(person.birth.ToString());
  p->set_phone(person.phone);
  p->set_address(person.address);
  return record;
}

NoiseConfig Only(NoiseKind kind, double rate = 1.0) {
  NoiseConfig config = NoiseConfig::ForLevel(NoiseLevel::kOff);
  config.set_rate(kind, rate);
  return config;
}

// Applies `config` to a fresh record of `person` with RNG seed `seed`.
AgencyRecord Noisy(const NoiseConfig& config, const Person& person, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  NoiseApplier applier(config, rng);
  AgencyRecord record = RecordOf(person);
  applier.Apply(person, &record);
  return record;
}

// Checks the truth contract of record.id_status against the real parser.
void ExpectIdContract(const std::string& truth, const AgencyRecord& record) {
  const std::string& raw = record.record.person().id_number();
  const common::ParsedIdNumber parsed = ParseIdNumber(raw);
  const std::string& status = record.id_status;
  SCOPED_TRACE("raw=\"" + raw + "\" status=" + status + " truth=" + truth);
  if (status == "none") {
    EXPECT_TRUE(truth.empty());
    EXPECT_TRUE(raw.empty());
  } else if (status == "missing") {
    EXPECT_FALSE(truth.empty());
    EXPECT_EQ(parsed.problem, IdNumberProblem::kEmpty);
  } else if (status == "ok") {
    EXPECT_EQ(raw, truth);
    EXPECT_EQ(parsed.problem, IdNumberProblem::kNone);
    EXPECT_FALSE(parsed.repaired);
  } else if (status == "repairable") {
    EXPECT_NE(raw, truth);
    EXPECT_EQ(parsed.problem, IdNumberProblem::kNone);
    EXPECT_EQ(parsed.canonical, truth);
    EXPECT_TRUE(parsed.repaired);
    EXPECT_FALSE(parsed.upgraded_from_15);
  } else if (status == "legacy15") {
    EXPECT_EQ(parsed.problem, IdNumberProblem::kNone);
    EXPECT_EQ(parsed.canonical, truth);
    EXPECT_TRUE(parsed.upgraded_from_15);
  } else if (status == "bad_check") {
    EXPECT_EQ(parsed.problem, IdNumberProblem::kBadCheckDigit);
    EXPECT_NE(parsed.canonical, truth);
    // Never a birth date later than the true one: ingest would reject a future one outright.
    EXPECT_LE(parsed.birth_date,
              truth.substr(6, 4) + "-" + truth.substr(10, 2) + "-" + truth.substr(12, 2))
        << parsed.canonical;
  } else if (status == "spreadsheet") {
    EXPECT_EQ(parsed.problem, IdNumberProblem::kSpreadsheetDamage);
    EXPECT_TRUE(parsed.canonical.empty());
  } else {
    ADD_FAILURE() << "unexpected id_status";
  }
}

TEST(NoiseKindTest, CodesRoundTrip) {
  std::set<std::string> codes;
  for (int i = 0; i < kNoiseKindCount; ++i) {
    const auto kind = static_cast<NoiseKind>(i);
    const std::string code = NoiseKindCode(kind);
    EXPECT_TRUE(codes.insert(code).second) << code;
    ASSERT_TRUE(ParseNoiseKind(code).ok()) << code;
    EXPECT_EQ(*ParseNoiseKind(code), kind);
  }
  EXPECT_STREQ(NoiseKindCode(NoiseKind::kIdWrongCheck), "id_wrong_check");
  EXPECT_STREQ(NoiseKindCode(NoiseKind::kNameHomophone), "name_homophone");
  EXPECT_EQ(ParseNoiseKind("id_wrong").status().code(), absl::StatusCode::kInvalidArgument);
  for (NoiseLevel level :
       {NoiseLevel::kOff, NoiseLevel::kLow, NoiseLevel::kDefault, NoiseLevel::kHigh}) {
    EXPECT_EQ(*ParseNoiseLevel(NoiseLevelName(level)), level);
  }
  EXPECT_EQ(ParseNoiseLevel("medium").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NoiseConfigTest, LevelsScaleTheBaseRates) {
  const NoiseConfig off = NoiseConfig::ForLevel(NoiseLevel::kOff);
  const NoiseConfig low = NoiseConfig::ForLevel(NoiseLevel::kLow);
  const NoiseConfig def = NoiseConfig::ForLevel(NoiseLevel::kDefault);
  const NoiseConfig high = NoiseConfig::ForLevel(NoiseLevel::kHigh);
  for (int i = 0; i < kNoiseKindCount; ++i) {
    const auto kind = static_cast<NoiseKind>(i);
    EXPECT_EQ(off.rate(kind), 0.0);
    EXPECT_DOUBLE_EQ(low.rate(kind), 0.3 * def.rate(kind));
    EXPECT_DOUBLE_EQ(high.rate(kind), std::min(1.0, 2.5 * def.rate(kind)));
    EXPECT_GT(def.rate(kind), 0.0);
    EXPECT_EQ(def.rate(kind), NoiseConfig::BaseRate(kind));
  }
  EXPECT_DOUBLE_EQ(def.rate(NoiseKind::kIdMissing), 0.05);
  EXPECT_DOUBLE_EQ(def.rate(NoiseKind::kPhoneFormat), 0.25);
  EXPECT_DOUBLE_EQ(high.rate(NoiseKind::kIdLowercaseX), 1.0);  // 2.5 x 0.6, capped
  EXPECT_DOUBLE_EQ(high.rate(NoiseKind::kIdMissing), 0.125);
}

TEST(NoiseConfigTest, ParsesLevelAndOverrides) {
  const absl::StatusOr<NoiseConfig> config =
      NoiseConfig::Parse("default,id_missing=high,name_traditional=off");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_DOUBLE_EQ(config->rate(NoiseKind::kIdMissing), 0.125);
  EXPECT_EQ(config->rate(NoiseKind::kNameTraditional), 0.0);
  EXPECT_DOUBLE_EQ(config->rate(NoiseKind::kNameHomophone), 0.03);

  const absl::StatusOr<NoiseConfig> high = NoiseConfig::Parse(" high , phone_format = 0.5 ");
  ASSERT_TRUE(high.ok()) << high.status();
  EXPECT_DOUBLE_EQ(high->rate(NoiseKind::kIdWrongCheck), 0.075);
  EXPECT_DOUBLE_EQ(high->rate(NoiseKind::kPhoneFormat), 0.5);

  const absl::StatusOr<NoiseConfig> only = NoiseConfig::Parse("id_spaces=low");
  ASSERT_TRUE(only.ok()) << only.status();
  EXPECT_DOUBLE_EQ(only->rate(NoiseKind::kIdSpaces), 0.009);
  EXPECT_DOUBLE_EQ(only->rate(NoiseKind::kIdMissing), 0.05);

  const absl::StatusOr<NoiseConfig> off = NoiseConfig::Parse("off");
  ASSERT_TRUE(off.ok());
  for (int i = 0; i < kNoiseKindCount; ++i) EXPECT_EQ(off->rate(static_cast<NoiseKind>(i)), 0.0);
}

TEST(NoiseConfigTest, RejectsUnknownKindsLevelsAndRates) {
  for (const char* spec :
       {"", "bogus", "default,bogus=high", "default,id_missing=extreme", "default,id_missing=1.5",
        "default,id_missing=-0.1", "default,id_missing=", "default,,id_missing=high",
        "default,high", "id_missing=high,default", "default,=high"}) {
    const absl::StatusOr<NoiseConfig> config = NoiseConfig::Parse(spec);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << "spec: " << spec;
  }
  EXPECT_THAT(std::string(NoiseConfig::Parse("default,bogus=high").status().message()),
              HasSubstr("bogus"));
  EXPECT_THAT(std::string(NoiseConfig::Parse("default,id_missing=extreme").status().message()),
              HasSubstr("extreme"));
}

TEST(NoiseConfigTest, ToStringListsEveryKindAndParsesBack) {
  const NoiseConfig config = *NoiseConfig::Parse("default,id_missing=high,name_traditional=off");
  const std::string text = config.ToString();
  EXPECT_THAT(text, HasSubstr("id_missing=0.125"));
  EXPECT_THAT(text, HasSubstr("name_traditional=0,"));
  EXPECT_THAT(text, HasSubstr("phone_format=0.25"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '='), kNoiseKindCount);
  const absl::StatusOr<NoiseConfig> back = NoiseConfig::Parse(text);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int i = 0; i < kNoiseKindCount; ++i) {
    const auto kind = static_cast<NoiseKind>(i);
    EXPECT_DOUBLE_EQ(back->rate(kind), config.rate(kind)) << NoiseKindCode(kind);
  }
}

TEST(NoiseApplierTest, OffLeavesTheRecordClean) {
  const Person person = MakePerson();
  const NoiseConfig off = NoiseConfig::ForLevel(NoiseLevel::kOff);
  const AgencyRecord record = Noisy(off, person);
  const auto& p = record.record.person();
  EXPECT_EQ(p.name(), person.name);
  EXPECT_EQ(p.id_number(), person.id_number);
  EXPECT_EQ(p.birth_date(), "1962-05-20");
  EXPECT_EQ(p.phone(), person.phone);
  EXPECT_EQ(p.address(), person.address);
  EXPECT_THAT(record.noise, IsEmpty());
  EXPECT_EQ(record.id_status, "ok");
}

TEST(NoiseApplierTest, AbsentFieldsAreNotDamaged) {
  const NoiseConfig everything = NoiseConfig::ForLevel(NoiseLevel::kHigh);
  NoiseConfig all = everything;
  for (int i = 0; i < kNoiseKindCount; ++i) all.set_rate(static_cast<NoiseKind>(i), 1.0);
  Person person = MakePerson();
  person.old_address.clear();
  std::mt19937_64 rng(3);
  NoiseApplier applier(all, rng);
  AgencyRecord record;
  applier.Apply(person, &record);  // the agency holds none of the person fields
  const auto& p = record.record.person();
  EXPECT_EQ(p.name(), "");
  EXPECT_EQ(p.id_number(), "");
  EXPECT_EQ(p.birth_date(), "");
  EXPECT_EQ(p.phone(), "");
  EXPECT_EQ(p.address(), "");
  EXPECT_THAT(record.noise, IsEmpty());
  EXPECT_EQ(record.id_status, "none");
}

TEST(NoiseApplierTest, HomophoneChangesOneCharacterToASoundAlike) {
  const Person person = MakePerson();
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kNameHomophone), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("name_homophone"));
    const std::vector<std::string> before = Utf8Chars(person.name);
    const std::vector<std::string> after = Utf8Chars(record.record.person().name());
    ASSERT_EQ(after.size(), before.size());
    int changed = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      if (before[i] == after[i]) continue;
      ++changed;
      bool in_group = false;
      for (const auto& group : HomophoneGroups()) {
        const bool has_before = std::find(group.begin(), group.end(), before[i]) != group.end();
        const bool has_after = std::find(group.begin(), group.end(), after[i]) != group.end();
        in_group = in_group || (has_before && has_after);
      }
      EXPECT_TRUE(in_group) << before[i] << " -> " << after[i];
    }
    EXPECT_EQ(changed, 1);
    EXPECT_EQ(record.record.person().id_number(), person.id_number);
    EXPECT_EQ(record.id_status, "ok");
  }
}

TEST(NoiseApplierTest, NameKindWithoutSubstituteIsNotRecorded) {
  Person person = MakePerson();
  person.name = "Ann";
  for (NoiseKind kind :
       {NoiseKind::kNameHomophone, NoiseKind::kNameLookalike, NoiseKind::kNameTraditional}) {
    const AgencyRecord record = Noisy(Only(kind), person);
    EXPECT_EQ(record.record.person().name(), "Ann");
    EXPECT_THAT(record.noise, IsEmpty()) << NoiseKindCode(kind);
  }
  person.name = "王芳";  // neither character has a traditional form
  const AgencyRecord record = Noisy(Only(NoiseKind::kNameTraditional), person);
  EXPECT_EQ(record.record.person().name(), "王芳");
  EXPECT_THAT(record.noise, IsEmpty());
}

TEST(NoiseApplierTest, LookalikeChangesOneCharacterToASimilarShape) {
  Person person = MakePerson();
  person.name = "王晴";
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kNameLookalike), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("name_lookalike"));
    const std::string& name = record.record.person().name();
    EXPECT_THAT(name, AnyOf(Eq("玉晴"), Eq("主晴"), Eq("王睛")));
    seen.insert(name);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST(NoiseApplierTest, TraditionalConvertsOneCharacter) {
  const Person person = MakePerson();  // 刘德华: 刘 and 华 have traditional forms, 德 none
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kNameTraditional), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("name_traditional"));
    const std::string& name = record.record.person().name();
    EXPECT_THAT(name, AnyOf(Eq("劉德华"), Eq("刘德華")));
    seen.insert(name);
    std::string back;
    for (const std::string& ch : Utf8Chars(name)) {
      const std::string simplified = SimplifiedOf(ch);
      back += simplified.empty() ? ch : simplified;
    }
    EXPECT_EQ(back, person.name);
  }
  EXPECT_EQ(seen.size(), 2u);
}

TEST(NoiseApplierTest, SpacingInsertsASeparatorThatNormalizationRemoves) {
  const Person person = MakePerson();
  std::set<std::string> separators;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kNameSpacing), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("name_spacing"));
    const std::vector<std::string> chars = Utf8Chars(record.record.person().name());
    ASSERT_EQ(chars.size(), 4u);
    EXPECT_EQ(chars.front(), "刘");
    EXPECT_EQ(chars.back(), "华");
    const std::string separator = chars[1] == "德" ? chars[2] : chars[1];
    EXPECT_THAT(separator, AnyOf(Eq(" "), Eq("\u3000"), Eq("\u00B7"), Eq("\u200B")));
    separators.insert(separator);
    EXPECT_EQ(common::NormalizeName(record.record.person().name()), person.name);
  }
  EXPECT_EQ(separators.size(), 4u);

  Person single = person;
  single.name = "王";
  const AgencyRecord record = Noisy(Only(NoiseKind::kNameSpacing), single);
  EXPECT_EQ(record.record.person().name(), "王");
  EXPECT_THAT(record.noise, IsEmpty());
}

TEST(NoiseApplierTest, FullWidthWidensIdAndPhone) {
  Person person = MakePerson();
  person.id_number = IdEndingInX();
  ASSERT_FALSE(person.id_number.empty());
  const AgencyRecord record = Noisy(Only(NoiseKind::kFullWidth), person);
  EXPECT_THAT(record.noise, ElementsAre("full_width"));
  EXPECT_EQ(record.id_status, "repairable");
  const std::string& id = record.record.person().id_number();
  EXPECT_EQ(id.size(), 18u * 3);
  EXPECT_EQ(id.substr(0, 3), "３");
  EXPECT_EQ(id.substr(id.size() - 3), "Ｘ");
  ExpectIdContract(person.id_number, record);
  EXPECT_EQ(record.record.person().phone(), "１３９０００００４５７");
  EXPECT_EQ(common::NormalizePhone(record.record.person().phone()), person.phone);

  Person no_id = MakePerson();
  no_id.id_number.clear();
  const AgencyRecord phone_only = Noisy(Only(NoiseKind::kFullWidth), no_id);
  EXPECT_EQ(phone_only.id_status, "none");
  EXPECT_EQ(phone_only.record.person().phone(), "１３９０００００４５７");
}

TEST(NoiseApplierTest, IdSpacesAreRepairable) {
  const Person person = MakePerson();
  std::set<std::string> forms;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kIdSpaces), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("id_spaces"));
    EXPECT_EQ(record.id_status, "repairable");
    std::string id = record.record.person().id_number();
    forms.insert(id);
    EXPECT_NE(id.find(' '), std::string::npos);
    id.erase(std::remove(id.begin(), id.end(), ' '), id.end());
    EXPECT_EQ(id, person.id_number);
    ExpectIdContract(person.id_number, record);
  }
  EXPECT_THAT(forms, ::testing::Contains("341523 19620520 157" + kId.substr(17)));
  EXPECT_EQ(forms.size(), 3u);
}

TEST(NoiseApplierTest, LowercaseXOnlyForNumbersEndingInX) {
  Person person = MakePerson();
  person.id_number = IdEndingInX();
  const AgencyRecord record = Noisy(Only(NoiseKind::kIdLowercaseX), person);
  EXPECT_THAT(record.noise, ElementsAre("id_lowercase_x"));
  EXPECT_EQ(record.id_status, "repairable");
  EXPECT_EQ(record.record.person().id_number(), person.id_number.substr(0, 17) + "x");
  ExpectIdContract(person.id_number, record);

  const AgencyRecord digit = Noisy(Only(NoiseKind::kIdLowercaseX), MakePerson());
  EXPECT_THAT(digit.noise, IsEmpty());
  EXPECT_EQ(digit.id_status, "ok");
}

TEST(NoiseApplierTest, Legacy15DropsCenturyAndCheck) {
  const Person person = MakePerson();
  const AgencyRecord record = Noisy(Only(NoiseKind::kIdLegacy15), person);
  EXPECT_THAT(record.noise, ElementsAre("id_legacy15"));
  EXPECT_EQ(record.id_status, "legacy15");
  EXPECT_EQ(record.record.person().id_number(), "341523620520157");
  ExpectIdContract(person.id_number, record);

  Person young = MakePerson();
  young.birth = {2005, 3, 14};
  young.id_number = WithCheck("34152320050314123");
  const AgencyRecord kept = Noisy(Only(NoiseKind::kIdLegacy15), young);
  EXPECT_THAT(kept.noise, IsEmpty());
  EXPECT_EQ(kept.id_status, "ok");
  EXPECT_EQ(kept.record.person().id_number(), young.id_number);
}

TEST(NoiseApplierTest, MissingEmptiesTheNumber) {
  const AgencyRecord record = Noisy(Only(NoiseKind::kIdMissing), MakePerson());
  EXPECT_THAT(record.noise, ElementsAre("id_missing"));
  EXPECT_EQ(record.id_status, "missing");
  EXPECT_EQ(record.record.person().id_number(), "");
  // No longer claims a resident ID it does not carry.
  EXPECT_EQ(record.record.person().id_type(), lifeline::records::v1::ID_TYPE_UNSPECIFIED);
}

TEST(NoiseApplierTest, WrongCheckMistypesOneLeadingDigit) {
  std::mt19937_64 ids(5);
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Person person = MakePerson();
    person.id_number = WithCheck("3415231962052" + std::to_string(1000 + ids() % 9000));
    const AgencyRecord record = Noisy(Only(NoiseKind::kIdWrongCheck), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("id_wrong_check"));
    EXPECT_EQ(record.id_status, "bad_check");
    const std::string& id = record.record.person().id_number();
    ASSERT_EQ(id.size(), 18u);
    int differing = 0;
    for (size_t i = 0; i < 17; ++i) differing += id[i] != person.id_number[i];
    EXPECT_EQ(differing, 1) << id;
    EXPECT_EQ(id[17], person.id_number[17]);
    EXPECT_NE(common::IdCheckCharacter(id), id[17]);
    ExpectIdContract(person.id_number, record);
  }
}

TEST(NoiseApplierTest, SpreadsheetDamageIsScientificOrZeros) {
  bool scientific = false;
  bool zeros = false;
  std::mt19937_64 ids(9);
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Person person = MakePerson();
    person.id_number = WithCheck("3415231962052" + std::to_string(1000 + ids() % 9000));
    const AgencyRecord record = Noisy(Only(NoiseKind::kIdSpreadsheet), person, seed);
    const std::string& id = record.record.person().id_number();
    if (person.id_number.back() == 'X') {  // text to a spreadsheet: survives
      EXPECT_THAT(record.noise, IsEmpty());
      EXPECT_EQ(id, person.id_number);
      continue;
    }
    EXPECT_THAT(record.noise, ElementsAre("id_spreadsheet"));
    EXPECT_EQ(record.id_status, "spreadsheet");
    if (id.find('E') != std::string::npos) {
      scientific = true;
      EXPECT_EQ(id, "3.41523E+17");  // 3415231... rounds to six significant digits
    } else {
      zeros = true;
      EXPECT_EQ(id, person.id_number.substr(0, 15) + "000");
    }
    ExpectIdContract(person.id_number, record);
  }
  EXPECT_TRUE(scientific);
  EXPECT_TRUE(zeros);
}

// The spreadsheet forms of a valid number starting with `first14` and ending in a digit.
std::set<std::string> SpreadsheetForms(const std::string& first14) {
  Person person = MakePerson();
  person.id_number.clear();
  for (int seq = 100; seq < 1000 && (person.id_number.empty() || person.id_number.back() == 'X');
       ++seq) {
    person.id_number = WithCheck(first14 + std::to_string(seq));
  }
  std::set<std::string> forms;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    forms.insert(Noisy(Only(NoiseKind::kIdSpreadsheet), person, seed).record.person().id_number());
  }
  return forms;
}

TEST(NoiseApplierTest, ScientificNotationRoundsLikeASpreadsheet) {
  // Six significant digits, rounded; zeros at the end of the mantissa dropped.
  EXPECT_TRUE(SpreadsheetForms("34152659620520").count("3.41527E+17"));
  EXPECT_TRUE(SpreadsheetForms("34099979620520").count("3.41E+17"));
  EXPECT_TRUE(SpreadsheetForms("34152319620520").count("3.41523E+17"));
}

TEST(NoiseApplierTest, BirthTransposedSwapsTwoAdjacentDigits) {
  const Person person = MakePerson();
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kBirthTransposed), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("birth_transposed"));
    const std::string& date = record.record.person().birth_date();
    seen.insert(date);
    ASSERT_EQ(date.size(), 10u);
    EXPECT_EQ(date[4], '-');
    EXPECT_EQ(date[7], '-');
    std::string before = "19620520";
    std::string after = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    std::vector<size_t> diff;
    for (size_t i = 0; i < 8; ++i) {
      if (before[i] != after[i]) diff.push_back(i);
    }
    ASSERT_EQ(diff.size(), 2u) << date;
    EXPECT_EQ(diff[1], diff[0] + 1);
    EXPECT_EQ(before[diff[0]], after[diff[1]]);
    EXPECT_EQ(before[diff[1]], after[diff[0]]);
  }
  // All seven adjacent pairs of 19620520 differ, each swap gives another text.
  EXPECT_THAT(
      seen, ::testing::UnorderedElementsAre("9162-05-20", "1692-05-20", "1926-05-20", "1960-25-20",
                                            "1962-50-20", "1962-02-50", "1962-05-02"));

  Person flat = MakePerson();
  flat.birth = {1111, 11, 11};
  const AgencyRecord record = Noisy(Only(NoiseKind::kBirthTransposed), flat);
  EXPECT_EQ(record.record.person().birth_date(), "1111-11-11");
  EXPECT_THAT(record.noise, IsEmpty());
}

TEST(NoiseApplierTest, PhoneFormatsNormalizeBack) {
  const Person person = MakePerson();
  std::set<std::string> forms;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const AgencyRecord record = Noisy(Only(NoiseKind::kPhoneFormat), person, seed);
    EXPECT_THAT(record.noise, ElementsAre("phone_format"));
    forms.insert(record.record.person().phone());
    EXPECT_EQ(common::NormalizePhone(record.record.person().phone()), person.phone);
  }
  EXPECT_THAT(forms, ::testing::UnorderedElementsAre("+86 139-0000-0457", "139 0000 0457",
                                                     "0086-13900000457", "139-0000-0457",
                                                     "+8613900000457"));
}

TEST(NoiseApplierTest, AddressStaleUsesTheOldAddressOrAnAbbreviation) {
  Person person = MakePerson();
  AgencyRecord record = Noisy(Only(NoiseKind::kAddressStale), person);
  EXPECT_THAT(record.noise, ElementsAre("address_stale"));
  EXPECT_EQ(record.record.person().address(), person.old_address);

  person.old_address.clear();
  record = Noisy(Only(NoiseKind::kAddressStale), person);
  EXPECT_THAT(record.noise, ElementsAre("address_stale"));
  EXPECT_EQ(record.record.person().address(), "霍邱县城关镇新华村");

  person.address = "六安市裕安区平桥乡";
  record = Noisy(Only(NoiseKind::kAddressStale), person);
  EXPECT_EQ(record.record.person().address(), "裕安区平桥乡");

  person.address = "城关镇新华村";  // nothing to drop, no old address
  record = Noisy(Only(NoiseKind::kAddressStale), person);
  EXPECT_EQ(record.record.person().address(), "城关镇新华村");
  EXPECT_THAT(record.noise, IsEmpty());
}

TEST(NoiseApplierTest, IdDamagesExcludeEachOther) {
  NoiseConfig config = NoiseConfig::ForLevel(NoiseLevel::kOff);
  for (NoiseKind kind : {NoiseKind::kIdMissing, NoiseKind::kIdLegacy15, NoiseKind::kIdWrongCheck,
                         NoiseKind::kIdSpreadsheet, NoiseKind::kIdSpaces, NoiseKind::kFullWidth}) {
    config.set_rate(kind, 1.0);
  }
  std::map<std::string, int> statuses;
  std::mt19937_64 rng(17);
  NoiseApplier applier(config, rng);
  const Person person = MakePerson();
  for (int i = 0; i < 4000; ++i) {
    AgencyRecord record = RecordOf(person);
    applier.Apply(person, &record);
    int damages = 0;
    for (const std::string& code : record.noise) {
      damages += code == "id_missing" || code == "id_legacy15" || code == "id_wrong_check" ||
                 code == "id_spreadsheet";
    }
    EXPECT_EQ(damages, 1);
    ++statuses[record.id_status];
    ExpectIdContract(person.id_number, record);
  }
  // Scaled to share the draw: about a quarter each.
  for (const char* status : {"missing", "legacy15", "bad_check", "spreadsheet"}) {
    EXPECT_NEAR(statuses[status] / 4000.0, 0.25, 0.04) << status;
  }
}

// A random valid number of someone born between 1900 and 2020.
std::string RandomId(std::mt19937_64& rng) {
  static const char* const kRegions[] = {"341523", "340104", "110101", "440305", "650102"};
  const int year = 1900 + static_cast<int>(rng() % 121);
  const int month = 1 + static_cast<int>(rng() % 12);
  const int day = 1 + static_cast<int>(rng() % 28);
  char first17[18];
  std::snprintf(first17, sizeof(first17), "%s%04d%02d%02d%03d", kRegions[rng() % 5], year, month,
                day, static_cast<int>(rng() % 1000));
  return WithCheck(first17);
}

TEST(NoiseApplierTest, IdStatusAgreesWithTheParser) {
  const NoiseConfig high = NoiseConfig::ForLevel(NoiseLevel::kHigh);
  std::mt19937_64 ids(2024);
  std::mt19937_64 rng(99);
  NoiseApplier applier(high, rng);
  std::map<std::string, int> statuses;
  for (int i = 0; i < 10000; ++i) {
    Person person = MakePerson();
    person.id_number = RandomId(ids);
    if (i % 50 == 0) person.id_number.clear();
    AgencyRecord record = RecordOf(person);
    applier.Apply(person, &record);
    ++statuses[record.id_status];
    ExpectIdContract(person.id_number, record);
    if (HasFailure()) break;
  }
  for (const char* status :
       {"none", "missing", "ok", "repairable", "legacy15", "bad_check", "spreadsheet"}) {
    EXPECT_GT(statuses[status], 0) << status;
  }
}

TEST(NoiseApplierTest, IsDeterministic) {
  const NoiseConfig high = NoiseConfig::ForLevel(NoiseLevel::kHigh);
  auto run = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    NoiseApplier applier(high, rng);
    std::vector<std::string> out;
    std::mt19937_64 ids(1);
    for (int i = 0; i < 2000; ++i) {
      Person person = MakePerson();
      person.id_number = RandomId(ids);
      AgencyRecord record = RecordOf(person);
      applier.Apply(person, &record);
      std::string line = record.record.SerializeAsString() + "|" + record.id_status;
      for (const std::string& code : record.noise) line += "|" + code;
      line += applier.WantDuplicate() ? "|dup" : "";
      line += applier.WantUpdate() ? "|upd" : "";
      out.push_back(line);
    }
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

// At default level over 100,000 records each kind's share of the records it can apply to is its
// configured rate.
TEST(NoiseApplierTest, DefaultRatesAreObserved) {
  const NoiseConfig config = NoiseConfig::ForLevel(NoiseLevel::kDefault);
  static const char* const kNames[] = {"刘德华", "王芳", "张伟", "李秀英", "陈静",
                                       "杨明",   "王",   "赵丽", "黄国强", "周杰"};
  std::mt19937_64 world(7);
  std::mt19937_64 rng(8);
  NoiseApplier applier(config, rng);
  std::map<std::string, int> applied;
  std::map<std::string, int> eligible;
  constexpr int kRecords = 100000;
  for (int i = 0; i < kRecords; ++i) {
    Person person = MakePerson();
    person.name = kNames[world() % std::size(kNames)];
    person.id_number = world() % 10 == 0 ? "" : RandomId(world);
    if (world() % 3 == 0) person.phone.clear();
    if (world() % 2 == 0) person.old_address.clear();
    AgencyRecord record = RecordOf(person);
    applier.Apply(person, &record);
    for (const std::string& code : record.noise) ++applied[code];
    if (applier.WantDuplicate()) ++applied["duplicate_record"];
    if (applier.WantUpdate()) ++applied["record_update"];

    const std::vector<std::string> chars = Utf8Chars(person.name);
    auto any = [&](bool (*has)(std::string_view)) {
      return std::any_of(chars.begin(), chars.end(), [&](const std::string& c) { return has(c); });
    };
    eligible["name_homophone"] += any(HasHomophone);
    eligible["name_lookalike"] += any(HasLookalike);
    eligible["name_traditional"] += any(HasTraditional);
    eligible["name_spacing"] += chars.size() >= 2;
    const std::string& id = person.id_number;
    const bool has_id = !id.empty();
    const bool id_kept =
        has_id && record.id_status != "missing" && record.id_status != "spreadsheet";
    eligible["full_width"] += id_kept || !person.phone.empty();
    eligible["id_spaces"] += id_kept;
    eligible["id_lowercase_x"] += id_kept && id.back() == 'X';
    eligible["id_legacy15"] += has_id && id.compare(6, 2, "19") == 0;
    eligible["id_missing"] += has_id;
    eligible["id_wrong_check"] += has_id;
    eligible["id_spreadsheet"] += has_id && id.back() != 'X';
    eligible["birth_transposed"] += 1;
    eligible["phone_format"] += !person.phone.empty();
    eligible["address_stale"] += 1;
    eligible["duplicate_record"] += 1;
    eligible["record_update"] += 1;
  }
  for (int k = 0; k < kNoiseKindCount; ++k) {
    const auto kind = static_cast<NoiseKind>(k);
    const std::string code = NoiseKindCode(kind);
    const double rate = config.rate(kind);
    const int n = eligible[code];
    ASSERT_GT(n, 1000) << code;
    const double observed = static_cast<double>(applied[code]) / n;
    const double sigma = std::sqrt(rate * (1 - rate) / n);
    EXPECT_NEAR(observed, rate, 5 * sigma + 0.001) << code << " over " << n << " records";
  }
}

}  // namespace
}  // namespace lifeline::datagen
