// Test-only: the opening story of DOMAIN.md as synthetic records (a man killed in a traffic crime,
// an unpaid 830,000-yuan judgment, both parents on rural minimum living security, the mother known
// to the women's federation, the father with a grade-2 limb disability). All names and tokens are
// invented.
#pragma once

#include <string>
#include <vector>

#include "match-service/domain/record_facts.h"

namespace lifeline::match::testing {

inline constexpr char kStoryCase[] = "TEST-PROC-2023-0001";
inline constexpr char kSonToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000001";
inline constexpr char kFatherToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000002";
inline constexpr char kMotherToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000003";

inline PersonKey TestPerson(std::string token, std::string name, Sex sex, std::string birth) {
  PersonKey p;
  p.id_token = std::move(token);
  p.id_masked = "3415**********000X";
  p.name_original = name;
  p.name_normalized = std::move(name);
  p.sex = sex;
  p.birth_date = std::move(birth);
  p.region_code = "341523";
  return p;
}

inline PersonKey Son() { return TestPerson(kSonToken, "测试子", Sex::kMale, "1995-04-02"); }
inline PersonKey Father() { return TestPerson(kFatherToken, "测试父", Sex::kMale, "1968-01-15"); }
inline PersonKey Mother() { return TestPerson(kMotherToken, "测试母", Sex::kFemale, "1970-09-09"); }

inline RecordFacts Base(std::string agency, std::string id, RecordKind kind, PersonKey person) {
  RecordFacts r;
  r.agency = std::move(agency);
  r.source_record_id = std::move(id);
  r.version = 1;
  r.record_date = "2023-09-01";
  r.kind = kind;
  r.person = std::move(person);
  return r;
}

inline RecordFacts VictimRecord() {
  RecordFacts r = Base(kAgencyProcuratorate, "pv-1", RecordKind::kCriminalVictim, Son());
  r.victim.case_number = kStoryCase;
  r.victim.crime = Crime::kTraffic;
  r.victim.case_date = "2023-03-01";
  r.victim.offender_status = OffenderStatus::kSentenced;
  r.victim.harm = Harm::kDeath;
  return r;
}

inline RecordFacts RelativeRecord(std::string id, PersonKey person, bool depended = true) {
  RecordFacts r =
      Base(kAgencyProcuratorate, std::move(id), RecordKind::kNearRelative, std::move(person));
  r.relative.case_number = kStoryCase;
  r.relative.victim_record_id = "pv-1";
  r.relative.relation = Relation::kParent;
  r.relative.depended_on_victim = depended;
  return r;
}

inline RecordFacts JudgmentRecord() {
  RecordFacts r = Base(kAgencyCourt, "cj-1", RecordKind::kCivilJudgment, Father());
  r.judgment.case_number = kStoryCase;
  r.judgment.judgment_number = "TEST-JUDG-0001";
  r.judgment.amount_awarded_fen = 83000000;
  r.judgment.judgment_date = "2023-08-01";
  return r;
}

inline RecordFacts EnforcementRecord(
    int64_t paid = 0, EnforcementStatus status = EnforcementStatus::kTerminatedNoProperty) {
  RecordFacts r = Base(kAgencyCourt, "ce-1", RecordKind::kEnforcement, Father());
  r.enforcement.case_number = kStoryCase;
  r.enforcement.judgment_number = "TEST-JUDG-0001";
  r.enforcement.enforcement_number = "TEST-ENF-0001";
  r.enforcement.amount_awarded_fen = 83000000;
  r.enforcement.amount_paid_fen = paid;
  r.enforcement.status = status;
  r.enforcement.status_date = "2024-01-10";
  return r;
}

inline RecordFacts MinimumLiving(std::string id, PersonKey person) {
  RecordFacts r =
      Base(kAgencyCivilAffairs, std::move(id), RecordKind::kSocialAssistance, std::move(person));
  r.social_assistance.programme = Programme::kRuralMinimumLiving;
  r.social_assistance.start_date = "2021-05-01";
  return r;
}

inline RecordFacts WomenDifficulty() {
  RecordFacts r =
      Base(kAgencyWomensFederation, "wf-1", RecordKind::kWomenChildrenDifficulty, Mother());
  r.women_children.kind = WomenChildrenKind::kFinancialDifficulty;
  r.women_children.start_date = "2023-10-01";
  return r;
}

inline RecordFacts FatherDisability() {
  RecordFacts r =
      Base(kAgencyDisabledPersonsFederation, "dp-1", RecordKind::kDisabilityCertificate, Father());
  r.disability.kind = DisabilityKind::kLimb;
  r.disability.grade = 2;
  r.disability.issue_date = "2019-06-01";
  return r;
}

// Every record of the story, in the order an ingest batch might carry them.
inline std::vector<RecordFacts> StoryRecords() {
  return {VictimRecord(),
          RelativeRecord("pr-1", Father()),
          RelativeRecord("pr-2", Mother()),
          JudgmentRecord(),
          EnforcementRecord(),
          MinimumLiving("ca-1", Father()),
          MinimumLiving("ca-2", Mother()),
          WomenDifficulty(),
          FatherDisability()};
}

}  // namespace lifeline::match::testing
