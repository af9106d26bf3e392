#include "tools/datagen/records.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/status/status_macros.h"
#include "tools/datagen/rng.h"

namespace lifeline::datagen {
namespace {

// Which identity fields an agency's export carries.
struct IdentityFields {
  bool sex = false;
  bool birth_date = false;
  bool phone = false;
  bool address = false;
  bool region = false;
  bool household = false;
};

IdentityFields FieldsOf(std::string_view agency) {
  if (agency == "procuratorate") return {true, false, true, true, true, false};
  if (agency == "court") return {true, false, false, true, false, false};
  if (agency == "civil_affairs") return {false, false, true, true, true, true};
  if (agency == "disabled_persons_federation") return {true, true, true, true, false, false};
  if (agency == "rural_revitalization") return {false, false, true, false, true, true};
  if (agency == "womens_federation") return {false, true, true, true, false, false};
  if (agency == "ex_servicemen_affairs") return {true, true, true, false, true, false};
  return {true, true, false, false, false, false};  // medical_security
}

// A record with its id and date set; the caller fills the payload.
AgencyRecord NewRecord(std::string source_record_id, std::string record_date) {
  AgencyRecord rec;
  rec.record.set_source_record_id(std::move(source_record_id));
  rec.record.set_record_date(std::move(record_date));
  return rec;
}

Date Earlier(const Date& d, int months) {
  Date r = d;
  const int total = d.year * 12 + (d.month - 1) - months;
  r.year = total / 12;
  r.month = total % 12 + 1;
  r.day = std::min(d.day, DaysInMonth(r.year, r.month));
  return r;
}

}  // namespace

absl::Status RecordEmitter::Send(RecordSink& sink, const char* agency, const Person& p,
                                 AgencyRecord rec) {
  rec.agency = agency;
  rec.person_id = p.id;
  rv1::PersonIdentity* id = rec.record.mutable_person();
  const IdentityFields f = FieldsOf(agency);
  id->set_name(p.name);
  id->set_id_number(p.id_number);
  id->set_id_type(p.id_number.empty() ? rv1::ID_TYPE_NONE : rv1::ID_TYPE_RESIDENT_ID);
  if (f.sex) id->set_sex(p.sex == Sex::kMale ? rv1::SEX_MALE : rv1::SEX_FEMALE);
  if (f.birth_date) id->set_birth_date(p.birth.ToString());
  if (f.phone) id->set_phone(p.phone);
  if (f.address) id->set_address(p.address);
  if (f.region) id->set_region_code(p.region_code);
  if (f.household) id->set_household_id(world_.population.household_of(p).code);
  if (rec.record.version() == 0) rec.record.set_version(1);
  noise_.Apply(p, &rec);
  if (noise_.WantUpdate()) {
    // The agency sent an earlier version first; this one replaces it.
    AgencyRecord older = rec;
    older.record.set_version(rec.record.version());
    Date date{0, 0, 0};
    if (std::sscanf(rec.record.record_date().c_str(), "%d-%d-%d", &date.year, &date.month,
                    &date.day) == 3) {
      older.record.set_record_date(Earlier(date, 3).ToString());
    }
    if (older.record.has_enforcement()) {
      older.record.mutable_enforcement()->set_status(rv1::Enforcement::STATUS_ONGOING);
    }
    if (older.record.has_social_assistance()) {
      auto* sa = older.record.mutable_social_assistance();
      sa->set_monthly_amount_fen(sa->monthly_amount_fen() * 9 / 10);
    }
    rec.record.set_version(rec.record.version() + 1);
    rec.noise.push_back(NoiseKindCode(NoiseKind::kRecordUpdate));
    RETURN_IF_ERROR(sink.Add(older, false));
  }
  if (noise_.WantDuplicate()) {
    rec.noise.push_back(NoiseKindCode(NoiseKind::kDuplicateRecord));
    RETURN_IF_ERROR(sink.Add(rec, false));
  }
  return sink.Add(rec, true);
}

absl::Status RecordEmitter::EmitCases(RecordSink& sink) {
  const Population& pop = world_.population;
  // The procuratorate's case system.
  for (const CaseFacts& c : world_.cases) {
    for (size_t i = 0; i < c.victims.size(); ++i) {
      const CaseVictim& v = c.victims[i];
      if (c.civil()) {
        // No criminal file; the procuratorate only knows the assistance it granted.
        if (v.assisted) RETURN_IF_ERROR(EmitAssistance(sink, c, v, i));
        continue;
      }
      const std::string victim_id = absl::StrCat("V-", c.number, "-", i + 1);
      AgencyRecord rec = NewRecord(victim_id, c.date.ToString());
      auto* cv = rec.record.mutable_criminal_victim();
      auto* cc = cv->mutable_criminal_case();
      cc->set_case_number(c.number);
      cc->set_crime(c.crime);
      cc->set_case_date(c.date.ToString());
      cc->set_handling_unit(c.handling_unit);
      cc->set_region_code(c.region_code);
      cc->set_offender_status(c.offender);
      cv->set_harm(v.harm);
      cv->set_disability_grade(v.disability_grade);
      cv->set_property_loss_fen(v.property_loss_fen);
      cv->set_victim_major_fault(v.major_fault);
      cv->set_needs_urgent_treatment(v.urgent);
      RETURN_IF_ERROR(Send(sink, "procuratorate", pop.person(v.person), std::move(rec)));
      for (size_t j = 0; j < v.relatives.size(); ++j) {
        const CaseRelative& r = v.relatives[j];
        AgencyRecord nr =
            NewRecord(absl::StrCat("N-", c.number, "-", i + 1, "-", j + 1), c.date.ToString());
        auto* n = nr.record.mutable_near_relative();
        n->set_case_number(c.number);
        n->set_victim_record_id(victim_id);
        n->set_relation(r.relation);
        n->set_depended_on_victim(r.depended);
        RETURN_IF_ERROR(Send(sink, "procuratorate", pop.person(r.person), std::move(nr)));
      }
      if (v.assisted) RETURN_IF_ERROR(EmitAssistance(sink, c, v, i));
    }
  }
  // The court: incidental civil judgments and their enforcement.
  for (const CaseFacts& c : world_.cases) {
    for (size_t i = 0; i < c.victims.size(); ++i) {
      const CaseVictim& v = c.victims[i];
      if (!v.judgment) continue;
      const std::string judgment_number =
          absl::StrFormat("%d-%s-M-%s-%d", v.judgment_date.year, c.region_code, c.number, i + 1);
      AgencyRecord j =
          NewRecord(absl::StrCat("J-", c.number, "-", i + 1), v.judgment_date.ToString());
      auto* cj = j.record.mutable_civil_judgment();
      cj->set_case_number(c.number);
      cj->set_judgment_number(judgment_number);
      cj->set_amount_awarded_fen(v.awarded_fen);
      cj->set_judgment_date(v.judgment_date.ToString());
      if (c.civil()) {
        cj->set_claim(c.claim);
        cj->set_injury(v.harm == rv1::CriminalVictim::HARM_DEATH ? rv1::CivilJudgment::INJURY_DEATH
                       : v.harm == rv1::CriminalVictim::HARM_SERIOUS_INJURY
                           ? rv1::CivilJudgment::INJURY_SERIOUS
                           : rv1::CivilJudgment::INJURY_MINOR);
        cj->set_disability_grade(v.appraisal_grade);
        cj->set_incident_date(c.date.ToString());
        cj->set_region_code(c.region_code);
      }
      RETURN_IF_ERROR(Send(sink, "court", pop.person(v.awardee), std::move(j)));
      AgencyRecord e =
          NewRecord(absl::StrCat("E-", c.number, "-", i + 1), v.enforcement_date.ToString());
      auto* en = e.record.mutable_enforcement();
      en->set_case_number(c.number);
      en->set_judgment_number(judgment_number);
      en->set_enforcement_number(absl::StrCat("Z-", judgment_number));
      en->set_amount_awarded_fen(v.awarded_fen);
      en->set_amount_paid_fen(v.paid_fen);
      en->set_status(v.enforcement);
      en->set_status_date(v.enforcement_date.ToString());
      RETURN_IF_ERROR(Send(sink, "court", pop.person(v.awardee), std::move(e)));
    }
  }
  return absl::OkStatus();
}

absl::Status RecordEmitter::EmitAssistance(RecordSink& sink, const CaseFacts& c,
                                           const CaseVictim& v, size_t index) {
  AgencyRecord ag =
      NewRecord(absl::StrCat("A-", c.number, "-", index + 1), v.assisted_date.ToString());
  auto* a = ag.record.mutable_assistance_granted();
  a->set_case_number(c.number);
  a->set_amount_fen(v.assisted_fen);
  a->set_granted_date(v.assisted_date.ToString());
  return Send(sink, "procuratorate", world_.population.person(v.assisted_person), std::move(ag));
}

absl::Status RecordEmitter::EmitHardship(RecordSink& sink, const Person& p, const Hardship& h) {
  const Household& hh = world_.population.household_of(p);
  if (h.social != rv1::SocialAssistance::PROGRAMME_UNSPECIFIED && h.social_listed) {
    AgencyRecord rec = NewRecord(absl::StrFormat("MA-%s-%07d", hh.region_code, ++counter_),
                                 h.social_start.ToString());
    auto* sa = rec.record.mutable_social_assistance();
    sa->set_programme(h.social);
    sa->set_household_head(h.social_head);
    sa->set_start_date(h.social_start.ToString());
    sa->set_monthly_amount_fen(h.social_monthly_fen);
    RETURN_IF_ERROR(Send(sink, "civil_affairs", p, std::move(rec)));
  }
  if (h.temporary_aid) {
    AgencyRecord rec = NewRecord(absl::StrFormat("TA-%s-%07d", hh.region_code, ++counter_),
                                 h.temporary_date.ToString());
    auto* sa = rec.record.mutable_social_assistance();
    sa->set_programme(rv1::SocialAssistance::PROGRAMME_TEMPORARY_ASSISTANCE);
    sa->set_household_head(hh.head == p.id);
    sa->set_start_date(h.temporary_date.ToString());
    sa->set_end_date(h.temporary_date.ToString());
    sa->set_monthly_amount_fen(Between(rng_, 5, 30) * 10000);
    RETURN_IF_ERROR(Send(sink, "civil_affairs", p, std::move(rec)));
  }
  if (h.disability_grade > 0) {
    AgencyRecord rec =
        NewRecord(absl::StrFormat("DP-%07d", ++counter_), h.disability_issued.ToString());
    auto* dc = rec.record.mutable_disability_certificate();
    // Second-generation certificate numbers: the ID number, a category digit, a grade digit.
    dc->set_certificate_number(
        p.id_number.empty()
            ? absl::StrFormat("DPF%09d", counter_)
            : absl::StrCat(p.id_number, static_cast<int>(h.disability), h.disability_grade));
    dc->set_kind(h.disability);
    dc->set_grade(h.disability_grade);
    dc->set_issue_date(h.disability_issued.ToString());
    RETURN_IF_ERROR(Send(sink, "disabled_persons_federation", p, std::move(rec)));
  }
  if (h.poverty != rv1::PovertyMonitoring::CATEGORY_UNSPECIFIED) {
    AgencyRecord rec = NewRecord(absl::StrFormat("RR-%s-%07d", hh.region_code, ++counter_),
                                 h.poverty_start.ToString());
    auto* pm = rec.record.mutable_poverty_monitoring();
    pm->set_category(h.poverty);
    pm->set_risk_cause(h.poverty_cause);
    pm->set_start_date(h.poverty_start.ToString());
    RETURN_IF_ERROR(Send(sink, "rural_revitalization", p, std::move(rec)));
  }
  if (h.women != rv1::WomenChildrenDifficulty::KIND_UNSPECIFIED) {
    AgencyRecord rec = NewRecord(absl::StrFormat("WF-%07d", ++counter_), h.women_start.ToString());
    auto* w = rec.record.mutable_women_children_difficulty();
    w->set_kind(h.women);
    w->set_start_date(h.women_start.ToString());
    RETURN_IF_ERROR(Send(sink, "womens_federation", p, std::move(rec)));
  }
  if (h.veteran != rv1::VeteranStatus::KIND_UNSPECIFIED) {
    AgencyRecord rec =
        NewRecord(absl::StrFormat("VA-%07d", ++counter_), h.veteran_start.ToString());
    auto* vs = rec.record.mutable_veteran_status();
    vs->set_kind(h.veteran);
    vs->set_start_date(h.veteran_start.ToString());
    RETURN_IF_ERROR(Send(sink, "ex_servicemen_affairs", p, std::move(rec)));
  }
  if (h.medical) {
    AgencyRecord rec = NewRecord(absl::StrFormat("MS-%d-%07d", h.medical_year, ++counter_),
                                 absl::StrFormat("%d-12-31", h.medical_year));
    auto* m = rec.record.mutable_medical_expense();
    m->set_year(h.medical_year);
    m->set_out_of_pocket_fen(h.medical_out_of_pocket_fen);
    m->set_assistance_fen(h.medical_assistance_fen);
    m->set_catastrophic(h.catastrophic);
    RETURN_IF_ERROR(Send(sink, "medical_security", p, std::move(rec)));
  }
  return absl::OkStatus();
}

absl::Status RecordEmitter::EmitAll(RecordSink& sink,
                                    const std::function<void(int64_t)>& progress) {
  RETURN_IF_ERROR(EmitCases(sink));
  int64_t done = 0;
  for (const Person& p : world_.population.persons) {
    ++done;
    if ((done & 0xffff) == 0) progress(done);
    // Lists drop people who died; their case records above remain.
    if (!p.alive) continue;
    const Hardship* h = world_.hardship_of(p.id);
    if (h != nullptr) RETURN_IF_ERROR(EmitHardship(sink, p, *h));
  }
  progress(done);
  return absl::OkStatus();
}

}  // namespace lifeline::datagen
