#include "match-service/domain/clue_scorer.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/records/agencies.h"
#include "match-service/testing/story_fixture.h"

namespace lifeline::match {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

const absl::CivilDay kToday(2024, 6, 1);

namespace rv1 = records::v1;
using common::IsHardshipAgency;

std::string PersonOf(const NormalizedRecord& r) {
  return r.person().id_token().empty() ? "single_" + r.source_record_id()
                                       : "p_" + r.person().id_token();
}

rv1::CriminalVictim* Victim(NormalizedRecord& r) {
  return r.mutable_record()->mutable_criminal_victim();
}

// Links by token and gathers the same context the store gathers.
ScoringInput InputFor(const std::string& person_id, const std::vector<NormalizedRecord>& world) {
  ScoringInput input;
  input.person_id = person_id;
  std::set<std::string> cases;
  std::set<std::string> victims;
  for (const NormalizedRecord& r : world) {
    if (PersonOf(r) != person_id) continue;
    input.own_records.push_back(r);
    input.person = r.person();
    if (!CaseNumberOf(r).empty()) cases.insert(CaseNumberOf(r));
    if (r.record().has_near_relative())
      victims.insert(r.record().near_relative().victim_record_id());
  }
  for (const NormalizedRecord& r : world) {
    if (cases.count(CaseNumberOf(r)) > 0 || victims.count(r.source_record_id()) > 0) {
      input.case_records.push_back(LinkedRecord{PersonOf(r), r});
    }
  }
  return input;
}

std::vector<ClueCandidate> ScoreFor(const NormalizedPerson& person,
                                    const std::vector<NormalizedRecord>& world) {
  ClueScorer scorer{EligibilityRules{}};
  return scorer.Score(InputFor("p_" + person.id_token(), world), kToday);
}

bool HasEvidence(const ClueCandidate& clue, const std::string& source_record_id,
                 const std::string& field, const std::string& value, const std::string& role) {
  return std::any_of(clue.evidence.begin(), clue.evidence.end(), [&](const Evidence& e) {
    return e.source_record_id == source_record_id && e.field == field && e.value == value &&
           e.role == role;
  });
}

TEST(ClueScorerTest, OpeningStoryGivesBothParentsADependantClue) {
  const auto world = testing::StoryRecords();

  auto father = ScoreFor(testing::Father(), world);
  ASSERT_THAT(father, SizeIs(1));
  const ClueCandidate& f = father[0];
  EXPECT_EQ(f.category, Category::kDependantOfDeceased);
  EXPECT_EQ(f.case_number, testing::kStoryCase);
  EXPECT_THAT(f.hardship_signals, ElementsAre("disability_grade_2", "rural_minimum_living"));
  EXPECT_DOUBLE_EQ(f.score, 60 + 20 + 15);
  EXPECT_EQ(f.suggested_amount.max_fen, 864000 * 36);
  EXPECT_EQ(f.suggested_amount.min_fen, 300000);
  // 4 months (dependant) + 1 (very hardship: 35) + 1 (disability) of Anhui's 2023 wage.
  EXPECT_EQ(f.region_code, "341523");
  EXPECT_EQ(f.suggested_amount.point_fen, 6 * 864000);
  EXPECT_THAT(f.suggested_amount.rationale,
              ::testing::Contains("monthly wage 8640.00 yuan (region 34, 2023)"));
  EXPECT_THAT(f.possible_exclusions, IsEmpty());
  EXPECT_TRUE(HasEvidence(f, "pv-1", "criminal_victim.harm", "HARM_DEATH", kRoleCategory));
  EXPECT_TRUE(HasEvidence(f, "pr-1", "near_relative.depended_on_victim", "true", kRoleCategory));
  EXPECT_TRUE(HasEvidence(f, "cj-1", "civil_judgment.amount_awarded_fen", "83000000",
                          kRoleUnpaidCompensation));
  EXPECT_TRUE(HasEvidence(f, "ce-1", "enforcement.status", "STATUS_TERMINATED_NO_PROPERTY",
                          kRoleUnpaidCompensation));
  EXPECT_TRUE(HasEvidence(f, "ca-1", "social_assistance.programme",
                          "PROGRAMME_RURAL_MINIMUM_LIVING", kRoleHardship));
  EXPECT_TRUE(HasEvidence(f, "dp-1", "disability_certificate.grade", "2 KIND_LIMB", kRoleHardship));
  EXPECT_FALSE(HasEvidence(f, "wf-1", "women_children_difficulty.kind", "KIND_FINANCIAL_DIFFICULTY",
                           kRoleHardship));
  EXPECT_THAT(f.needs, UnorderedElementsAre("bereavement", "disability", "lost_income",
                                            "rural_poverty_risk", "unpaid_compensation"));

  auto mother = ScoreFor(testing::Mother(), world);
  ASSERT_THAT(mother, SizeIs(1));
  const ClueCandidate& m = mother[0];
  EXPECT_EQ(m.category, Category::kDependantOfDeceased);
  EXPECT_THAT(m.hardship_signals,
              ElementsAre("rural_minimum_living", "women_financial_difficulty"));
  EXPECT_DOUBLE_EQ(m.score, 60 + 20 + 10);
  EXPECT_TRUE(HasEvidence(m, "pr-2", "near_relative.relation", "RELATION_PARENT", kRoleCategory));
  EXPECT_TRUE(HasEvidence(m, "wf-1", "women_children_difficulty.kind", "KIND_FINANCIAL_DIFFICULTY",
                          kRoleHardship));
  EXPECT_THAT(m.needs, UnorderedElementsAre("bereavement", "lost_income", "rural_poverty_risk",
                                            "unpaid_compensation", "women_difficulty"));
  EXPECT_EQ(m.suggested_amount.point_fen, 6 * 864000);  // 4 + very hardship (30) + women

  // The family: the son killed, and the other parent who depended on him.
  ASSERT_THAT(f.family, SizeIs(2));
  const FamilyMember& son =
      f.family[0].person_id == "p_" + testing::Son().id_token() ? f.family[0] : f.family[1];
  const FamilyMember& other_parent = &son == &f.family[0] ? f.family[1] : f.family[0];
  EXPECT_EQ(son.person_id, "p_" + testing::Son().id_token());
  EXPECT_THAT(son.relations, ElementsAre("victim (HARM_DEATH)"));
  EXPECT_EQ(other_parent.person_id, "p_" + testing::Mother().id_token());
  EXPECT_THAT(other_parent.relations,
              ElementsAre("near relative (RELATION_PARENT, depended on the victim)"));

  // The dead son himself gets no clue.
  EXPECT_THAT(ScoreFor(testing::Son(), world), IsEmpty());
}

TEST(ClueScorerTest, FullyPaidCompensationExcludesTheCandidate) {
  auto world = testing::StoryRecords();
  world[4] = testing::EnforcementRecord(83000000, rv1::Enforcement::STATUS_CONCLUDED);
  for (const NormalizedPerson& parent : {testing::Father(), testing::Mother()}) {
    auto clues = ScoreFor(parent, world);
    ASSERT_THAT(clues, SizeIs(1));
    EXPECT_THAT(clues[0].exclusions, ElementsAre(kExclusionPaid));
    EXPECT_EQ(clues[0].suggested_amount.max_fen, 0);
  }
}

TEST(ClueScorerTest, PartlyPaidCapsTheSuggestedAmountAtTheUnpaidRest) {
  auto world = testing::StoryRecords();
  world[4] = testing::EnforcementRecord(83000000 - 500000, rv1::Enforcement::STATUS_ONGOING);
  auto father = ScoreFor(testing::Father(), world);
  ASSERT_THAT(father, SizeIs(1));
  EXPECT_EQ(father[0].suggested_amount.max_fen, 500000);
  EXPECT_EQ(father[0].suggested_amount.min_fen, 300000);
  EXPECT_EQ(father[0].suggested_amount.point_fen, 500000);
  EXPECT_THAT(father[0].suggested_amount.rationale,
              ::testing::Contains("capped at 5000.00 yuan (the unpaid award)"));
}

TEST(ClueScorerTest, AssistanceAlreadyGrantedForTheCaseExcludesThatPartyOnly) {
  auto world = testing::StoryRecords();
  NormalizedRecord granted = testing::Base("procuratorate", "pa-1", testing::Father());
  granted.mutable_record()->mutable_assistance_granted()->set_case_number(testing::kStoryCase);
  granted.mutable_record()->mutable_assistance_granted()->set_amount_fen(2000000);
  world.push_back(granted);
  auto father = ScoreFor(testing::Father(), world);
  ASSERT_THAT(father, SizeIs(1));
  EXPECT_THAT(father[0].exclusions, ElementsAre(kExclusionAssisted));
  EXPECT_TRUE(HasEvidence(father[0], "pa-1", "assistance_granted.case_number", testing::kStoryCase,
                          kRoleExclusion));
  auto mother = ScoreFor(testing::Mother(), world);
  ASSERT_THAT(mother, SizeIs(1));
  EXPECT_THAT(mother[0].exclusions, IsEmpty());
}

TEST(ClueScorerTest, NoHardshipAnywhereGivesNoClue) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (!IsHardshipAgency(r.agency())) world.push_back(r);
  }
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  EXPECT_THAT(ScoreFor(testing::Mother(), world), IsEmpty());
}

TEST(ClueScorerTest, EndedAssistanceIsNotCurrentHardship) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (r.source_record_id() == "dp-1") continue;
    world.push_back(r);
  }
  for (NormalizedRecord& r : world) {
    if (r.source_record_id() == "ca-1") {
      r.mutable_record()->mutable_social_assistance()->set_end_date("2024-01-31");
    }
  }
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
}

// A one-off grant or a catastrophic medical expense that came after the case is hardship the case
// caused, even once it has ended; one that ended before the case, or came years later, is not.
TEST(ClueScorerTest, HardshipThatBeganAfterTheCaseCountsThoughEnded) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (r.source_record_id() == "dp-1" || r.source_record_id() == "ca-1") continue;
    world.push_back(r);
  }
  NormalizedRecord grant = testing::MinimumLiving("ta-1", testing::Father());
  auto* aid = grant.mutable_record()->mutable_social_assistance();
  aid->set_programme(rv1::SocialAssistance::PROGRAMME_TEMPORARY_ASSISTANCE);
  aid->set_start_date("2023-04-10");  // the case: 2023-03-01
  aid->set_end_date("2023-04-10");
  world.push_back(grant);
  auto clues = ScoreFor(testing::Father(), world);  // today: 2024-06-01
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].hardship_signals, ElementsAre("temporary_assistance"));
  EXPECT_TRUE(HasEvidence(clues[0], "ta-1", "social_assistance.programme",
                          "PROGRAMME_TEMPORARY_ASSISTANCE (began after the case)", kRoleHardship));
  EXPECT_THAT(clues[0].questions, ::testing::Not(::testing::Contains(kQuestionHardshipBeforeCase)));

  // Before the case, or case_hardship_years (2) or more after it, and ended by now: no.
  const absl::CivilDay later(2026, 12, 3);
  auto father_on = [&](const EligibilityRules& rules, absl::CivilDay day) {
    return ClueScorer(rules).Score(InputFor("p_" + std::string(testing::kFatherToken), world), day);
  };
  for (const char* date : {"2023-02-28", "2025-03-01"}) {
    world.back().mutable_record()->mutable_social_assistance()->set_start_date(date);
    world.back().mutable_record()->mutable_social_assistance()->set_end_date(date);
    EXPECT_THAT(father_on(EligibilityRules{}, later), IsEmpty()) << date;
  }
  world.back().mutable_record()->mutable_social_assistance()->set_start_date("2025-02-28");
  EXPECT_THAT(father_on(EligibilityRules{}, later), SizeIs(1));
  EligibilityRules none;
  none.case_hardship_years = 0;
  world.back().mutable_record()->mutable_social_assistance()->set_start_date("2023-04-10");
  EXPECT_THAT(father_on(none, later), IsEmpty());

  // A catastrophic medical expense of the case's year, two years before today.
  world.pop_back();
  NormalizedRecord medical = testing::MinimumLiving("me-1", testing::Father());
  medical.set_agency("medical_security");
  auto* m = medical.mutable_record()->mutable_medical_expense();
  m->set_year(2023);
  m->set_catastrophic(true);
  m->set_out_of_pocket_fen(9000000);
  world.push_back(medical);
  clues = ClueScorer(EligibilityRules{})
              .Score(InputFor("p_" + std::string(testing::kFatherToken), world), later);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].hardship_signals, ElementsAre("medical_catastrophic"));
  world.back().mutable_record()->mutable_medical_expense()->set_year(2022);  // before the case
  EXPECT_THAT(ClueScorer(EligibilityRules{})
                  .Score(InputFor("p_" + std::string(testing::kFatherToken), world), later),
              IsEmpty());
}

TEST(ClueScorerTest, RelativeWhoDidNotDependOnTheVictimGetsNoClue) {
  auto world = testing::StoryRecords();
  world[1] = testing::RelativeRecord("pr-1", testing::Father(), /*depended=*/false);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  EXPECT_THAT(ScoreFor(testing::Mother(), world), SizeIs(1));
}

TEST(ClueScorerTest, VictimMajorFaultExcludesTheCandidateAndLowersTheScore) {
  auto world = testing::StoryRecords();
  Victim(world[0])->set_victim_major_fault(true);
  auto father = ScoreFor(testing::Father(), world);
  ASSERT_THAT(father, SizeIs(1));
  EXPECT_THAT(father[0].exclusions, ElementsAre(kExclusionMajorFault));
  EXPECT_THAT(father[0].possible_exclusions, IsEmpty());
  EXPECT_DOUBLE_EQ(father[0].score, (60 + 20 + 15) * 0.3);
  EXPECT_TRUE(
      HasEvidence(father[0], "pv-1", "criminal_victim.victim_major_fault", "true", kRoleExclusion));
}

// A living victim with hardship and an unpaid judgment, for the victim categories.
std::vector<NormalizedRecord> InjuredVictimWorld(rv1::CriminalVictim::Harm harm) {
  auto world = testing::StoryRecords();
  *world[0].mutable_person() = testing::Father();
  Victim(world[0])->set_harm(harm);
  world.erase(world.begin() + 1, world.begin() + 3);  // no relatives
  return world;
}

TEST(ClueScorerTest, SeriouslyInjuredVictimGetsASeriousInjuryClue) {
  auto clues =
      ScoreFor(testing::Father(), InjuredVictimWorld(rv1::CriminalVictim::HARM_SERIOUS_INJURY));
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].category, Category::kSeriousInjury);
  EXPECT_TRUE(
      HasEvidence(clues[0], "pv-1", "criminal_victim.harm", "HARM_SERIOUS_INJURY", kRoleCategory));
}

// The household's assistance shows the victim's hardship; a member's own disability or a one-off
// grant to a member who is not the head is theirs: it weighs beside a hardship but founds none.
TEST(ClueScorerTest, OnlyTheHouseholdsOwnAssistanceIsTheVictimsHardship) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : InjuredVictimWorld(rv1::CriminalVictim::HARM_SERIOUS_INJURY)) {
    if (!IsHardshipAgency(r.agency())) world.push_back(r);
  }
  const ClueScorer scorer{EligibilityRules{}};
  const std::string son = "p_son";
  auto score_with = [&](std::vector<NormalizedRecord> household) {
    ScoringInput input = InputFor("p_" + testing::Father().id_token(), world);
    for (NormalizedRecord& r : household) input.household_records.push_back({son, std::move(r)});
    return scorer.Score(input, kToday);
  };
  NormalizedRecord disability = testing::FatherDisability();
  *disability.mutable_person() = testing::Son();
  NormalizedRecord grant = testing::MinimumLiving("ta-1", testing::Son());
  auto* s = grant.mutable_record()->mutable_social_assistance();
  s->set_programme(rv1::SocialAssistance::PROGRAMME_TEMPORARY_ASSISTANCE);
  s->set_start_date("2023-11-01");
  s->set_end_date("2023-11-01");
  EXPECT_THAT(score_with({disability}), IsEmpty());
  EXPECT_THAT(score_with({grant}), IsEmpty());
  s->set_household_head(true);  // the grant went to the household
  const auto to_household = score_with({grant, disability});
  ASSERT_THAT(to_household, SizeIs(1));
  EXPECT_THAT(to_household[0].hardship_signals,
              ElementsAre("household_disability_grade_2", "household_temporary_assistance"));
  NormalizedRecord monitoring = testing::Base("rural_revitalization", "rr-1", testing::Son());
  monitoring.mutable_record()->mutable_poverty_monitoring()->set_category(
      rv1::PovertyMonitoring::CATEGORY_UNSTABLE);
  monitoring.mutable_record()->mutable_poverty_monitoring()->set_start_date("2023-05-01");
  EXPECT_THAT(score_with({monitoring}), SizeIs(1));
}

TEST(ClueScorerTest, AHouseholdMembersHardshipIsTheVictimsToo) {
  // The father, seriously injured, on no list himself; the mother is on the minimum-living list
  // and has a disability certificate.
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : InjuredVictimWorld(rv1::CriminalVictim::HARM_SERIOUS_INJURY)) {
    if (!IsHardshipAgency(r.agency())) world.push_back(r);
  }
  ASSERT_THAT(ScoreFor(testing::Father(), world), IsEmpty());

  ScoringInput input = InputFor("p_" + testing::Father().id_token(), world);
  const std::string mother = "p_" + testing::Mother().id_token();
  input.household_records.push_back(
      LinkedRecord{mother, testing::MinimumLiving("ca-2", testing::Mother())});
  NormalizedRecord certificate = testing::FatherDisability();
  certificate.set_source_record_id("dp-2");
  *certificate.mutable_person() = testing::Mother();
  input.household_records.push_back(LinkedRecord{mother, certificate});
  const ClueScorer scorer{EligibilityRules{}};
  auto clues = scorer.Score(input, kToday);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].hardship_signals,
              ElementsAre("household_disability_grade_2", "household_rural_minimum_living"));
  EXPECT_TRUE(HasEvidence(clues[0], "ca-2", "social_assistance.programme",
                          "PROGRAMME_RURAL_MINIMUM_LIVING", kRoleHardship));
  // 60 for the category, 75 % of 20 and of 15 for the household's signals.
  EXPECT_DOUBLE_EQ(clues[0].score, 60 + 15 + 11.25);
  // The family's poverty is a need; the mother's disability is hers.
  EXPECT_THAT(clues[0].needs, ::testing::Contains("rural_poverty_risk"));
  EXPECT_THAT(clues[0].needs, ::testing::Not(::testing::Contains("disability")));
  // The family shows the mother as a household member with her own signals.
  ASSERT_THAT(clues[0].family, SizeIs(1));
  EXPECT_EQ(clues[0].family[0].person_id, mother);
  EXPECT_THAT(clues[0].family[0].relations, ElementsAre("household"));
  EXPECT_THAT(clues[0].family[0].hardship_signals,
              ElementsAre("disability_grade_2", "rural_minimum_living"));

  // A signal the victim has themselves is not counted again for the household.
  world.push_back(testing::MinimumLiving("ca-1", testing::Father()));
  input = InputFor("p_" + testing::Father().id_token(), world);
  input.household_records.push_back(
      LinkedRecord{mother, testing::MinimumLiving("ca-2", testing::Mother())});
  clues = scorer.Score(input, kToday);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].hardship_signals, ElementsAre("rural_minimum_living"));
  EXPECT_DOUBLE_EQ(clues[0].score, 60 + 20);
}

TEST(ClueScorerTest, MinorInjuryOnlyGivesNoClue) {
  EXPECT_THAT(
      ScoreFor(testing::Father(), InjuredVictimWorld(rv1::CriminalVictim::HARM_MINOR_INJURY)),
      IsEmpty());
}

TEST(ClueScorerTest, MinorInjuryNeedingUrgentTreatmentGivesAnUrgentTreatmentClue) {
  auto world = InjuredVictimWorld(rv1::CriminalVictim::HARM_MINOR_INJURY);
  Victim(world[0])->set_needs_urgent_treatment(true);
  auto clues = ScoreFor(testing::Father(), world);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].category, Category::kUrgentTreatment);
  EXPECT_THAT(clues[0].needs, ::testing::Contains("medical_costs"));
}

TEST(ClueScorerTest, PropertyLossBelowThresholdGivesNoClueAboveItDoes) {
  auto world = InjuredVictimWorld(rv1::CriminalVictim::HARM_PROPERTY_LOSS);
  Victim(world[0])->set_property_loss_fen(4999999);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  Victim(world[0])->set_property_loss_fen(5000000);
  auto clues = ScoreFor(testing::Father(), world);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].category, Category::kPropertyLoss);
}

TEST(ClueScorerTest, WithoutJudgmentOnlyAnUnknownDeceasedOrFugitiveOffenderCounts) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (r.agency() != "court") world.push_back(r);
  }
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());  // sentenced: litigation first

  Victim(world[0])->mutable_criminal_case()->set_offender_status(
      rv1::CriminalCase::OFFENDER_STATUS_DECEASED);
  auto clues = ScoreFor(testing::Father(), world);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].suggested_amount.max_fen, 864000 * 36);
  EXPECT_TRUE(HasEvidence(clues[0], "pv-1", "criminal_victim.criminal_case.offender_status",
                          "OFFENDER_STATUS_DECEASED", kRoleUnpaidCompensation));
  EXPECT_THAT(clues[0].needs, ::testing::Not(::testing::Contains("unpaid_compensation")));

  // The offender at large or never identified: nobody to sue either.
  for (auto status :
       {rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE, rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN}) {
    Victim(world[0])->mutable_criminal_case()->set_offender_status(status);
    EXPECT_THAT(ScoreFor(testing::Father(), world), SizeIs(1))
        << rv1::CriminalCase::OffenderStatus_Name(status);
  }
  // In custody: litigation comes first.
  Victim(world[0])->mutable_criminal_case()->set_offender_status(
      rv1::CriminalCase::OFFENDER_STATUS_IN_CUSTODY);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
}

TEST(ClueScorerTest, HardshipRecordFromTheCourtDoesNotCount) {
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (!IsHardshipAgency(r.agency())) world.push_back(r);
  }
  NormalizedRecord odd = testing::MinimumLiving("ca-9", testing::Father());
  odd.set_agency("court");
  world.push_back(odd);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
}

TEST(ClueScorerTest, MinorsAndViolentCrimeShowAsNeeds) {
  auto world = testing::StoryRecords();
  Victim(world[0])->mutable_criminal_case()->set_crime(rv1::CriminalCase::CRIME_HOMICIDE);
  NormalizedPerson child = testing::TestPerson("bbbb01", "测试孩", rv1::SEX_FEMALE, "2012-02-02");
  world.push_back(testing::RelativeRecord("pr-3", child));
  world.back().mutable_record()->mutable_near_relative()->set_relation(
      rv1::NearRelative::RELATION_CHILD);
  world.push_back(testing::MinimumLiving("ca-3", child));
  auto clues = ScoreFor(child, world);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].needs, ::testing::IsSupersetOf({"minor", "violent_crime", "bereavement"}));
}

TEST(ClueScorerTest, QuestionsAskWhatTheDataCannotShow) {
  const auto world = testing::StoryRecords();
  // The father's hardship (minimum living 2021, disability 2019) all predates the 2023 case; the
  // enforcement was terminated, so it cannot pay.
  auto father = ScoreFor(testing::Father(), world);
  ASSERT_THAT(father, SizeIs(1));
  EXPECT_THAT(father[0].questions, ElementsAre(kQuestionHardshipBeforeCase, kQuestionArticle8));
  // The mother's women's federation record began after the case.
  auto mother = ScoreFor(testing::Mother(), world);
  ASSERT_THAT(mother, SizeIs(1));
  EXPECT_THAT(mother[0].questions, ElementsAre(kQuestionArticle8));

  // Enforcement still under way with money unpaid: can it still pay?
  auto ongoing = world;
  ongoing[4] = testing::EnforcementRecord(83000000 - 500000, rv1::Enforcement::STATUS_ONGOING);
  EXPECT_THAT(ScoreFor(testing::Mother(), ongoing)[0].questions,
              ElementsAre(kQuestionEnforcementOngoing, kQuestionArticle8));

  // No judgment, offender unknown: was a civil claim made or given up?
  std::vector<NormalizedRecord> no_court;
  for (const NormalizedRecord& r : world) {
    if (r.agency() != "court") no_court.push_back(r);
  }
  Victim(no_court[0])
      ->mutable_criminal_case()
      ->set_offender_status(rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN);
  EXPECT_THAT(ScoreFor(testing::Mother(), no_court)[0].questions,
              ElementsAre(kQuestionNoCivilClaim, kQuestionArticle8));
  for (const char* code : {kQuestionHardshipBeforeCase, kQuestionEnforcementOngoing,
                           kQuestionNoCivilClaim, kQuestionArticle8}) {
    EXPECT_FALSE(QuestionText(code).empty()) << code;
  }
  EXPECT_TRUE(QuestionText("unknown").empty());
}

TEST(ClueScorerTest, ConfiguredCapAndFloorShapeTheRange) {
  EligibilityRules rules;
  rules.wages.clear();
  rules.monthly_wage_fen = 100000;
  rules.max_months = 2;
  rules.floor_fen = 500000;
  ClueScorer scorer(rules);
  auto clues = scorer.Score(
      InputFor("p_" + std::string(testing::kFatherToken), testing::StoryRecords()), kToday);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].suggested_amount.max_fen, 200000);
  EXPECT_EQ(clues[0].suggested_amount.min_fen, 200000);  // floor clamped to the cap
}

TEST(ClueScorerTest, FamilyShowsAgeGroupsFromBirthDates) {
  ScoringInput input = InputFor("p_" + testing::Father().id_token(),
                                InjuredVictimWorld(rv1::CriminalVictim::HARM_SERIOUS_INJURY));
  NormalizedRecord child = testing::MinimumLiving("ca-9", testing::Mother());
  child.mutable_person()->set_birth_date("2015-03-01");
  NormalizedRecord grandmother = testing::MinimumLiving("ca-8", testing::Mother());
  grandmother.mutable_person()->set_birth_date("1950-01-01");
  NormalizedRecord no_date = testing::MinimumLiving("ca-7", testing::Mother());
  no_date.mutable_person()->clear_birth_date();
  input.household_records = {LinkedRecord{"p_child", child}, LinkedRecord{"p_gran", grandmother},
                             LinkedRecord{"p_none", no_date}};
  const auto clues = ClueScorer{EligibilityRules{}}.Score(input, kToday);
  ASSERT_THAT(clues, SizeIs(1));
  std::map<std::string, std::string> ages;
  for (const FamilyMember& m : clues[0].family) ages[m.person_id] = m.age_group;
  EXPECT_EQ(ages["p_child"], "minor");
  EXPECT_EQ(ages["p_gran"], "elderly");
  EXPECT_EQ(ages["p_none"], "");
  // A minor and an elderly person in the household weigh as burdens, with evidence.
  EXPECT_THAT(clues[0].hardship_signals,
              ::testing::IsSupersetOf({"household_minor", "household_elderly"}));
  EXPECT_TRUE(HasEvidence(clues[0], "ca-9", "person.birth_date", "under 18", kRoleHardship));
  EXPECT_TRUE(HasEvidence(clues[0], "ca-8", "person.birth_date", "60 or over", kRoleHardship));
}

TEST(ClueScorerTest, BurdensWeighButAreNoHardshipAlone) {
  // The injured father with no hardship record anywhere: a child in the household and a wife who
  // depended on him make no clue by themselves.
  std::vector<NormalizedRecord> world;
  for (const NormalizedRecord& r : InjuredVictimWorld(rv1::CriminalVictim::HARM_SERIOUS_INJURY)) {
    if (!IsHardshipAgency(r.agency())) world.push_back(r);
  }
  NormalizedRecord wife = testing::RelativeRecord("pr-9", testing::Mother());
  wife.mutable_record()->mutable_near_relative()->set_relation(rv1::NearRelative::RELATION_SPOUSE);
  world.push_back(wife);
  NormalizedRecord child = testing::MinimumLiving("cx-1", testing::Mother());
  child.set_agency("court");  // a record, but no hardship agency's
  child.mutable_person()->set_birth_date("2016-05-05");
  ScoringInput input = InputFor("p_" + testing::Father().id_token(), world);
  input.household_records.push_back(LinkedRecord{"p_child", child});
  const ClueScorer scorer{EligibilityRules{}};
  EXPECT_THAT(scorer.Score(input, kToday), IsEmpty());

  // With the family on the minimum-living list they count: 60 + 20 + 5 (minor) + 10 (the wife
  // depended on him).
  world.push_back(testing::MinimumLiving("ca-1", testing::Father()));
  input = InputFor("p_" + testing::Father().id_token(), world);
  input.household_records.push_back(LinkedRecord{"p_child", child});
  const auto clues = scorer.Score(input, kToday);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].hardship_signals,
              ElementsAre("household_minor", "main_earner", "rural_minimum_living"));
  EXPECT_DOUBLE_EQ(clues[0].score, 60 + 20 + 5 + 10);
  EXPECT_TRUE(
      HasEvidence(clues[0], "pr-9", "near_relative.depended_on_victim", "true", kRoleHardship));
  // A relative who did not depend on him is no burden.
  world[world.size() - 2].mutable_record()->mutable_near_relative()->set_depended_on_victim(false);
  input = InputFor("p_" + testing::Father().id_token(), world);
  EXPECT_THAT(scorer.Score(input, kToday)[0].hardship_signals, ElementsAre("rural_minimum_living"));
}

// A road-traffic accident's civil case of the father's own: seriously injured, the driver
// without property (DOMAIN.md category 6); on the minimum-living list.
std::vector<NormalizedRecord> TrafficTortWorld(int64_t paid = 0) {
  NormalizedRecord judgment = testing::JudgmentRecord();
  auto* j = judgment.mutable_record()->mutable_civil_judgment();
  j->set_case_number("(2023)皖1523民初77号");
  j->set_amount_awarded_fen(26000000);
  j->set_claim(rv1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT);
  j->set_injury(rv1::CivilJudgment::INJURY_SERIOUS);
  j->set_incident_date("2022-10-03");
  j->set_region_code("341523");
  NormalizedRecord enforcement = testing::EnforcementRecord(paid);
  auto* e = enforcement.mutable_record()->mutable_enforcement();
  e->set_case_number("(2023)皖1523民初77号");
  e->set_amount_awarded_fen(26000000);
  return {judgment, enforcement, testing::MinimumLiving("ca-1", testing::Father())};
}

TEST(ClueScorerTest, AnUnenforceableTrafficAccidentJudgmentGivesACivilTortClue) {
  const auto clues = ScoreFor(testing::Father(), TrafficTortWorld());
  ASSERT_THAT(clues, SizeIs(1));
  const ClueCandidate& c = clues[0];
  EXPECT_EQ(c.category, Category::kCivilTort);
  EXPECT_EQ(c.case_number, "(2023)皖1523民初77号");
  EXPECT_EQ(c.region_code, "341523");
  EXPECT_DOUBLE_EQ(c.score, 55 + 20);
  EXPECT_TRUE(
      HasEvidence(c, "cj-1", "civil_judgment.claim", "CLAIM_TRAFFIC_ACCIDENT", kRoleCategory));
  EXPECT_TRUE(HasEvidence(c, "cj-1", "civil_judgment.injury", "INJURY_SERIOUS", kRoleCategory));
  EXPECT_TRUE(HasEvidence(c, "ce-1", "enforcement.status", "STATUS_TERMINATED_NO_PROPERTY",
                          kRoleUnpaidCompensation));
  EXPECT_THAT(c.needs, ::testing::Contains("lost_income"));
  // Capped at the unpaid award; 2 months (category) of the wage, within it.
  EXPECT_EQ(c.suggested_amount.max_fen, 26000000);
  EXPECT_EQ(c.suggested_amount.point_fen, 2 * 864000);
  // The minimum-living status began before the accident: the question is asked.
  EXPECT_THAT(c.questions, ::testing::Contains(kQuestionHardshipBeforeCase));
}

TEST(ClueScorerTest, ACivilTortNeedsASeriousHarmAndUnpaidCompensation) {
  auto world = TrafficTortWorld();
  auto* j = world[0].mutable_record()->mutable_civil_judgment();
  j->set_injury(rv1::CivilJudgment::INJURY_MINOR);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  // The court's injury appraisal runs from grade 1 (most severe) to 10; 1 to 4 are severe.
  j->set_disability_grade(5);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  j->set_disability_grade(4);
  EXPECT_THAT(ScoreFor(testing::Father(), world), SizeIs(1));
  // Another tort, fatal: the person claims as a near relative.
  j->set_disability_grade(0);
  j->set_claim(rv1::CivilJudgment::CLAIM_OTHER_TORT);
  j->set_injury(rv1::CivilJudgment::INJURY_DEATH);
  EXPECT_THAT(ScoreFor(testing::Father(), world), SizeIs(1));
  // The civil part of a criminal case founds no clue of its own.
  j->set_claim(rv1::CivilJudgment::CLAIM_CRIMINAL_INCIDENTAL);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  // Paid in full: excluded, with the reason.
  const auto paid = ScoreFor(testing::Father(), TrafficTortWorld(26000000));
  ASSERT_THAT(paid, SizeIs(1));
  EXPECT_THAT(paid[0].exclusions, ElementsAre(kExclusionPaid));
}

// A veteran's or entitled group's status marks a priority group, not need: no clue alone, but it
// weighs beside a real hardship; a veteran in difficulty is in hardship.
TEST(ClueScorerTest, AVeteransStatusIsNoHardshipAlone) {
  auto world = TrafficTortWorld();
  world.pop_back();  // the minimum-living record
  NormalizedRecord veteran = testing::Base("ex_servicemen_affairs", "va-1", testing::Father());
  veteran.mutable_record()->mutable_veteran_status()->set_kind(rv1::VeteranStatus::KIND_VETERAN);
  veteran.mutable_record()->mutable_veteran_status()->set_start_date("2019-03-31");
  world.push_back(veteran);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  world.back().mutable_record()->mutable_veteran_status()->set_kind(
      rv1::VeteranStatus::KIND_ENTITLED_GROUP);
  EXPECT_THAT(ScoreFor(testing::Father(), world), IsEmpty());
  world.back().mutable_record()->mutable_veteran_status()->set_kind(
      rv1::VeteranStatus::KIND_VETERAN_IN_DIFFICULTY);
  ASSERT_THAT(ScoreFor(testing::Father(), world), SizeIs(1));
  EXPECT_THAT(ScoreFor(testing::Father(), world)[0].hardship_signals,
              ElementsAre("veteran_in_difficulty"));
  world.back().mutable_record()->mutable_veteran_status()->set_kind(
      rv1::VeteranStatus::KIND_VETERAN);
  world.push_back(testing::MinimumLiving("ca-1", testing::Father()));
  const auto both = ScoreFor(testing::Father(), world);
  ASSERT_THAT(both, SizeIs(1));
  EXPECT_THAT(both[0].hardship_signals,
              ::testing::UnorderedElementsAre("rural_minimum_living", "veteran"));
  EXPECT_DOUBLE_EQ(both[0].score, 55 + 20 + EligibilityRules{}.HardshipWeight("veteran"));
}

}  // namespace
}  // namespace lifeline::match
