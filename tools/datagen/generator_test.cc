#include "tools/datagen/generator.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"

#include "common/identity/id_number.h"
#include "common/testing/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/datagen/names.h"
#include "tools/datagen/population.h"
#include "tools/datagen/world.h"

namespace lifeline::datagen {
namespace {

using common::IdNumberProblem;
using common::ParseIdNumber;
using common::testing::TempDir;

// Keeps every record sent.
class VectorSink : public RecordSink {
 public:
  absl::Status Add(const AgencyRecord& record, bool final_version) override {
    all.push_back(record);
    if (final_version) finals.push_back(record);
    return absl::OkStatus();
  }
  std::vector<AgencyRecord> all;
  std::vector<AgencyRecord> finals;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  TempDir dir;
  VectorSink sink;
  GeneratorSummary summary;
};

std::unique_ptr<Run> Generate(int64_t persons, uint64_t seed, const std::string& noise) {
  auto run = std::make_unique<Run>();
  GeneratorOptions options;
  options.persons = persons;
  options.seed = seed;
  auto config = NoiseConfig::Parse(noise);
  EXPECT_TRUE(config.ok()) << config.status();
  options.noise = *config;
  auto summary = lifeline::datagen::Generate(options, run->dir.path() + "/truth", run->sink,
                                             [](const char*, int64_t, int64_t) {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  if (summary.ok()) run->summary = *summary;
  return run;
}

std::string Fingerprint(const Run& run) {
  std::string out;
  for (const AgencyRecord& r : run.sink.all) {
    out += r.agency;
    out += r.record.SerializeAsString();
  }
  for (const char* f :
       {"persons.csv", "records.csv", "relations.csv", "eligible.csv", "near_misses.csv"}) {
    out += ReadAll(run.dir.path() + "/truth/" + f);
  }
  return out;
}

TEST(GeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  auto a = Generate(3000, 7, "default");
  auto b = Generate(3000, 7, "default");
  auto c = Generate(3000, 8, "default");
  EXPECT_EQ(Fingerprint(*a), Fingerprint(*b));
  EXPECT_NE(Fingerprint(*a), Fingerprint(*c));
  EXPECT_GE(a->summary.persons, 3000);
  EXPECT_GT(a->summary.records_distinct, 300);
}

TEST(GeneratorTest, PopulationIdNumbersAreValidAndUnique) {
  const NameGenerator names;
  std::mt19937_64 rng(3);
  Population pop = PopulationBuilder(names).Build(20000, rng, [](int64_t) {});
  std::set<std::string> seen;
  int minors_without = 0;
  int minors = 0;
  for (const Person& p : pop.persons) {
    const int age = AgeOn(p.birth, kReferenceDate);
    if (age < 16) {
      ++minors;
      if (p.id_number.empty()) ++minors_without;
    }
    if (p.id_number.empty()) {
      EXPECT_LT(age, 16) << "person " << p.id;
      continue;
    }
    const auto parsed = ParseIdNumber(p.id_number);
    ASSERT_EQ(parsed.problem, IdNumberProblem::kNone) << "person " << p.id;
    EXPECT_EQ(parsed.canonical, p.id_number);
    EXPECT_EQ(parsed.birth_date, p.birth.ToString());
    EXPECT_EQ(parsed.sex, p.sex == Sex::kMale ? 1 : 2);
    EXPECT_TRUE(seen.insert(p.id_number).second) << "duplicate number for person " << p.id;
  }
  // A share of minors, not all, have no number on file.
  EXPECT_GT(minors_without, minors / 4);
  EXPECT_LT(minors_without, minors * 3 / 4);
}

TEST(GeneratorTest, PopulationHasAPlausiblePyramidAndFamilies) {
  const NameGenerator names;
  std::mt19937_64 rng(4);
  Population pop = PopulationBuilder(names).Build(20000, rng, [](int64_t) {});
  int children = 0;
  int elderly = 0;
  int with_parent = 0;
  for (const Person& p : pop.persons) {
    const int age = AgeOn(p.birth, kReferenceDate);
    if (age < 18) ++children;
    if (age >= 60) ++elderly;
    if (p.father != 0) {
      ++with_parent;
      EXPECT_GT(AgeOn(pop.person(p.father).birth, kReferenceDate), age + 15);
    }
    if (p.spouse != 0) {
      EXPECT_EQ(pop.person(p.spouse).spouse, p.id);
    }
  }
  const double n = static_cast<double>(pop.persons.size());
  EXPECT_GT(children / n, 0.10);
  EXPECT_LT(children / n, 0.35);
  EXPECT_GT(elderly / n, 0.12);
  EXPECT_LT(elderly / n, 0.40);
  EXPECT_GT(with_parent / n, 0.2);
}

// Every ID number the generator emits is valid or broken exactly as the truth says.
TEST(GeneratorTest, IdNumbersAreBrokenOnlyAsTheTruthSays) {
  auto run = Generate(20000, 11, "high");
  const NameGenerator names;
  std::map<std::string, int> by_status;
  std::map<int64_t, std::string> true_number;
  {
    std::ifstream in(run->dir.path() + "/truth/persons.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f = absl::StrSplit(line, ',');
      ASSERT_GE(f.size(), 6u);
      true_number[std::stoll(f[0])] = f[5];
    }
  }
  for (const AgencyRecord& r : run->sink.finals) {
    ++by_status[r.id_status];
    const std::string& truth = true_number.at(r.person_id);
    const auto parsed = ParseIdNumber(r.record.person().id_number());
    const std::string where = r.agency + "/" + r.record.source_record_id();
    if (r.id_status == "ok" || r.id_status == "repairable") {
      EXPECT_EQ(parsed.problem, IdNumberProblem::kNone) << where;
      EXPECT_EQ(parsed.canonical, truth) << where;
      EXPECT_EQ(parsed.repaired, r.id_status == "repairable") << where;
    } else if (r.id_status == "legacy15") {
      EXPECT_EQ(parsed.problem, IdNumberProblem::kNone) << where;
      EXPECT_TRUE(parsed.upgraded_from_15) << where;
      EXPECT_EQ(parsed.canonical, truth) << where;
    } else if (r.id_status == "bad_check") {
      EXPECT_EQ(parsed.problem, IdNumberProblem::kBadCheckDigit) << where;
      EXPECT_NE(parsed.canonical, truth) << where;
    } else if (r.id_status == "spreadsheet") {
      EXPECT_EQ(parsed.problem, IdNumberProblem::kSpreadsheetDamage) << where;
    } else if (r.id_status == "missing" || r.id_status == "none") {
      EXPECT_EQ(parsed.problem, IdNumberProblem::kEmpty) << where;
      EXPECT_EQ(truth.empty(), r.id_status == "none") << where;
    } else {
      ADD_FAILURE() << "unknown id_status " << r.id_status << " at " << where;
    }
  }
  for (const char* status :
       {"ok", "repairable", "legacy15", "bad_check", "spreadsheet", "missing", "none"}) {
    EXPECT_GT(by_status[status], 0) << status;
  }
}

TEST(GeneratorTest, NoiseOffSendsCleanRecords) {
  auto run = Generate(5000, 5, "off");
  for (const AgencyRecord& r : run->sink.finals) {
    EXPECT_TRUE(r.noise.empty()) << r.record.source_record_id();
    EXPECT_TRUE(r.id_status == "ok" || r.id_status == "none") << r.id_status;
  }
  EXPECT_EQ(run->sink.all.size(), run->sink.finals.size());
}

// Every eligible person really has the records that make them eligible, and every record's
// person exists.
TEST(GeneratorTest, TruthIsConsistentWithTheRecords) {
  auto run = Generate(30000, 13, "default");
  std::map<int64_t, std::set<std::string>> kinds_of;  // person -> "agency/kind/detail"
  for (const AgencyRecord& r : run->sink.finals) {
    ASSERT_GE(r.person_id, 1);
    ASSERT_LE(r.person_id, run->summary.persons);
    const auto& rec = r.record;
    std::string detail;
    if (rec.has_social_assistance()) {
      detail = lifeline::records::v1::SocialAssistance::Programme_Name(
          rec.social_assistance().programme());
    }
    if (rec.has_criminal_victim()) detail = rec.criminal_victim().criminal_case().case_number();
    if (rec.has_near_relative()) detail = rec.near_relative().case_number();
    if (rec.has_civil_judgment()) detail = rec.civil_judgment().case_number();
    if (rec.has_disability_certificate()) {
      detail = std::to_string(rec.disability_certificate().grade());
    }
    kinds_of[r.person_id].insert(r.agency + "/" + PayloadKind(rec) + "/" + detail);
  }
  std::ifstream in(run->dir.path() + "/truth/eligible.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "person_id,category,case_number,victim_person_id,signals");
  std::set<std::string> planted_cases;
  {
    std::ifstream cases(run->dir.path() + "/truth/cases.csv");
    std::string row;
    std::getline(cases, row);
    while (std::getline(cases, row)) {
      std::vector<std::string> f = absl::StrSplit(row, ',');
      ASSERT_EQ(f.size(), 5u) << row;
      if (f[3] == "1") planted_cases.insert(f[0]);
    }
  }
  std::map<std::string, int> categories;
  int planted = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, ',');
    ASSERT_EQ(f.size(), 5u) << line;
    const int64_t person = std::stoll(f[0]);
    const int64_t victim = std::stoll(f[3]);
    const std::string& category = f[1];
    const std::string& case_number = f[2];
    ++categories[category];
    planted += static_cast<int>(planted_cases.count(case_number));
    const auto& mine = kinds_of[person];
    if (category == "dependant_of_killed") {
      EXPECT_TRUE(mine.count("procuratorate/near_relative/" + case_number)) << line;
      EXPECT_TRUE(kinds_of[victim].count("procuratorate/criminal_victim/" + case_number)) << line;
    } else if (category == "civil_tort") {
      // The court's judgment of a civil case of their own (for a death, the claimant's), and no
      // criminal file.
      EXPECT_TRUE(mine.count("court/civil_judgment/" + case_number)) << line;
      EXPECT_FALSE(kinds_of[victim].count("procuratorate/criminal_victim/" + case_number)) << line;
    } else {
      EXPECT_EQ(person, victim) << line;
      EXPECT_TRUE(mine.count("procuratorate/criminal_victim/" + case_number)) << line;
    }
    // Each of the person's own signals is backed by a record of the right agency.
    ASSERT_FALSE(f[4].empty()) << line;
    for (absl::string_view signal : absl::StrSplit(f[4], ';')) {
      auto has_prefix = [&](const std::string& prefix) {
        for (const std::string& k : mine) {
          if (k.rfind(prefix, 0) == 0) return true;
        }
        return false;
      };
      if (signal == "rural_minimum_living") {
        EXPECT_TRUE(has_prefix("civil_affairs/social_assistance/PROGRAMME_RURAL_MINIMUM")) << line;
      } else if (signal == "urban_minimum_living") {
        EXPECT_TRUE(has_prefix("civil_affairs/social_assistance/PROGRAMME_URBAN_MINIMUM")) << line;
      } else if (signal == "temporary_assistance") {
        EXPECT_TRUE(has_prefix("civil_affairs/social_assistance/PROGRAMME_TEMPORARY")) << line;
      } else if (signal.substr(0, 17) == "disability_grade_") {
        EXPECT_TRUE(mine.count(
            absl::StrCat("disabled_persons_federation/disability_certificate/", signal.substr(17))))
            << line;
      } else if (signal == "poverty_monitoring") {
        EXPECT_TRUE(has_prefix("rural_revitalization/poverty_monitoring/")) << line;
      } else if (signal.substr(0, 6) == "women_") {
        EXPECT_TRUE(has_prefix("womens_federation/")) << line;
      } else if (signal == "catastrophic_medical") {
        EXPECT_TRUE(has_prefix("medical_security/")) << line;
      }
    }
  }
  // Every category is planted, and each near-miss reason appears.
  for (const char* c : {"serious_injury", "urgent_treatment", "dependant_of_killed",
                        "property_loss", "civil_tort"}) {
    EXPECT_GE(categories[c], 3) << c;
  }
  EXPECT_GE(planted, 15);
  for (const char* r : {"compensation_paid", "already_assisted", "victim_major_fault",
                        "no_hardship", "minor_injury_only"}) {
    EXPECT_GE(run->summary.near_misses_by_reason[r], 3) << r;
  }
}

TEST(GeneratorTest, RejectsBadOptions) {
  TempDir dir;
  VectorSink sink;
  GeneratorOptions options;
  options.persons = 0;
  auto summary = lifeline::datagen::Generate(options, dir.path() + "/truth", sink,
                                             [](const char*, int64_t, int64_t) {});
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::datagen
