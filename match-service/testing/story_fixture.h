// Test-only: the opening story of DOMAIN.md as synthetic normalized records (a man killed in a
// traffic crime, an unpaid 830,000-yuan judgment, both parents on rural minimum living security,
// the mother known to the women's federation, the father with a grade-2 limb disability). All
// names and tokens are invented.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::match::testing {

namespace rv1 = records::v1;

inline constexpr char kStoryCase[] = "TEST-PROC-2023-0001";
inline constexpr char kSonToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000001";
inline constexpr char kFatherToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000002";
inline constexpr char kMotherToken[] =
    "aaaa000000000000000000000000000000000000000000000000000000000003";

inline rv1::NormalizedPerson TestPerson(std::string token, std::string name, rv1::Sex sex,
                                        std::string birth) {
  rv1::NormalizedPerson p;
  p.set_id_token(std::move(token));
  p.set_id_masked("3415**********000X");
  p.set_name_original(name);
  p.set_name_normalized(std::move(name));
  p.set_sex(sex);
  p.set_birth_date(std::move(birth));
  p.set_region_code("341523");
  return p;
}

inline rv1::NormalizedPerson Son() {
  return TestPerson(kSonToken, "测试子", rv1::SEX_MALE, "1995-04-02");
}
inline rv1::NormalizedPerson Father() {
  return TestPerson(kFatherToken, "测试父", rv1::SEX_MALE, "1968-01-15");
}
inline rv1::NormalizedPerson Mother() {
  return TestPerson(kMotherToken, "测试母", rv1::SEX_FEMALE, "1970-09-09");
}

inline rv1::NormalizedRecord Base(std::string agency, std::string id,
                                  rv1::NormalizedPerson person) {
  rv1::NormalizedRecord r;
  r.set_agency(std::move(agency));
  r.set_source_record_id(std::move(id));
  r.set_version(1);
  r.set_record_date("2023-09-01");
  *r.mutable_person() = std::move(person);
  return r;
}

inline rv1::NormalizedRecord VictimRecord() {
  rv1::NormalizedRecord r = Base("procuratorate", "pv-1", Son());
  auto* v = r.mutable_record()->mutable_criminal_victim();
  auto* c = v->mutable_criminal_case();
  c->set_case_number(kStoryCase);
  c->set_crime(rv1::CriminalCase::CRIME_TRAFFIC);
  c->set_case_date("2023-03-01");
  c->set_region_code("341523");
  c->set_offender_status(rv1::CriminalCase::OFFENDER_STATUS_SENTENCED);
  v->set_harm(rv1::CriminalVictim::HARM_DEATH);
  return r;
}

inline rv1::NormalizedRecord RelativeRecord(std::string id, rv1::NormalizedPerson person,
                                            bool depended = true) {
  rv1::NormalizedRecord r = Base("procuratorate", std::move(id), std::move(person));
  auto* n = r.mutable_record()->mutable_near_relative();
  n->set_case_number(kStoryCase);
  n->set_victim_record_id("pv-1");
  n->set_relation(rv1::NearRelative::RELATION_PARENT);
  n->set_depended_on_victim(depended);
  return r;
}

inline rv1::NormalizedRecord JudgmentRecord() {
  rv1::NormalizedRecord r = Base("court", "cj-1", Father());
  auto* j = r.mutable_record()->mutable_civil_judgment();
  j->set_case_number(kStoryCase);
  j->set_judgment_number("TEST-JUDG-0001");
  j->set_amount_awarded_fen(83000000);
  j->set_judgment_date("2023-08-01");
  return r;
}

inline rv1::NormalizedRecord EnforcementRecord(
    int64_t paid = 0,
    rv1::Enforcement::Status status = rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY) {
  rv1::NormalizedRecord r = Base("court", "ce-1", Father());
  auto* e = r.mutable_record()->mutable_enforcement();
  e->set_case_number(kStoryCase);
  e->set_judgment_number("TEST-JUDG-0001");
  e->set_enforcement_number("TEST-ENF-0001");
  e->set_amount_awarded_fen(83000000);
  e->set_amount_paid_fen(paid);
  e->set_status(status);
  e->set_status_date("2024-01-10");
  return r;
}

inline rv1::NormalizedRecord MinimumLiving(std::string id, rv1::NormalizedPerson person) {
  rv1::NormalizedRecord r = Base("civil_affairs", std::move(id), std::move(person));
  auto* s = r.mutable_record()->mutable_social_assistance();
  s->set_programme(rv1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  s->set_start_date("2021-05-01");
  return r;
}

inline rv1::NormalizedRecord WomenDifficulty() {
  rv1::NormalizedRecord r = Base("womens_federation", "wf-1", Mother());
  auto* w = r.mutable_record()->mutable_women_children_difficulty();
  w->set_kind(rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY);
  w->set_start_date("2023-10-01");
  return r;
}

inline rv1::NormalizedRecord FatherDisability() {
  rv1::NormalizedRecord r = Base("disabled_persons_federation", "dp-1", Father());
  auto* d = r.mutable_record()->mutable_disability_certificate();
  d->set_kind(rv1::DisabilityCertificate::KIND_LIMB);
  d->set_grade(2);
  d->set_issue_date("2019-06-01");
  return r;
}

// Every record of the story, in the order an ingest batch might carry them.
inline std::vector<rv1::NormalizedRecord> StoryRecords() {
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
