#include "tools/datagen/world.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "tools/datagen/rng.h"

namespace lifeline::datagen {
namespace {

using Programme = rv1::SocialAssistance::Programme;
using Harm = rv1::CriminalVictim::Harm;
using Crime = rv1::CriminalCase::Crime;
using Offender = rv1::CriminalCase::OffenderStatus;

constexpr int64_t kYuan = 100;
// "Major" property loss for category 4.
constexpr int64_t kMajorPropertyLossFen = 50000 * kYuan;

Date RandomDate(std::mt19937_64& rng, int from_year, int to_year) {
  Date d;
  d.year = Between(rng, from_year, to_year);
  d.month = Between(rng, 1, 12);
  d.day = Between(rng, 1, DaysInMonth(d.year, d.month));
  if (d.year == kReferenceDate.year && d.month > kReferenceDate.month)
    d.month = kReferenceDate.month;
  return d;
}

bool Before(const Date& a, const Date& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

// `d` plus about `months` months, never after the reference date.
Date AddMonths(const Date& d, int months) {
  Date r = d;
  const int total = d.year * 12 + (d.month - 1) + months;
  r.year = total / 12;
  r.month = total % 12 + 1;
  r.day = std::min(d.day, DaysInMonth(r.year, r.month));
  if (Before(kReferenceDate, r)) r = kReferenceDate;
  return r;
}

// `d`, or `birth` when `d` is earlier: nobody is on a list before they are born.
Date NotBefore(const Date& d, const Date& birth) { return Before(d, birth) ? birth : d; }

int64_t Money(std::mt19937_64& rng, int64_t lo_yuan, int64_t hi_yuan) {
  return (lo_yuan +
          static_cast<int64_t>(Below(rng, static_cast<uint64_t>(hi_yuan - lo_yuan + 1)))) *
         kYuan;
}

const char* ProgrammeSignal(Programme p) {
  switch (p) {
    case rv1::SocialAssistance::PROGRAMME_URBAN_MINIMUM_LIVING:
      return "urban_minimum_living";
    case rv1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING:
      return "rural_minimum_living";
    case rv1::SocialAssistance::PROGRAMME_EXTREME_POVERTY:
      return "extreme_poverty";
    case rv1::SocialAssistance::PROGRAMME_LOW_INCOME:
      return "low_income";
    case rv1::SocialAssistance::PROGRAMME_TEMPORARY_ASSISTANCE:
      return "temporary_assistance";
    default:
      return "social_assistance";
  }
}

const char* WomenSignal(rv1::WomenChildrenDifficulty::Kind k) {
  switch (k) {
    case rv1::WomenChildrenDifficulty::KIND_SINGLE_MOTHER:
      return "women_single_mother";
    case rv1::WomenChildrenDifficulty::KIND_DOMESTIC_VIOLENCE_VICTIM:
      return "women_domestic_violence";
    case rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_WOMAN:
      return "women_left_behind";
    case rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_CHILD:
      return "left_behind_child";
    case rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY:
      return "women_financial_difficulty";
    default:
      return "women_other";
  }
}

class Builder {
 public:
  Builder(const WorldOptions& options, World& world, std::mt19937_64& rng)
      : options_(options), world_(world), pop_(world.population), rng_(rng) {}

  void Run() {
    AssignHardship();
    const int64_t random_cases = std::max<int64_t>(
        10, static_cast<int64_t>(static_cast<double>(pop_.persons.size()) * options_.case_rate));
    for (int64_t i = 0; i < random_cases; ++i) RandomCase();
    const auto civil_cases =
        static_cast<int64_t>(static_cast<double>(pop_.persons.size()) * options_.civil_case_rate);
    for (int64_t i = 0; i < civil_cases; ++i) RandomCivilCase();
    const int per_kind = options_.planted_per_kind > 0
                             ? options_.planted_per_kind
                             : static_cast<int>(std::max<int64_t>(
                                   3, static_cast<int64_t>(pop_.persons.size()) / 10000));
    for (int i = 0; i < per_kind; ++i) {
      PlantSeedStory();
      PlantSeriousInjury(Flip::kNone);
      PlantUrgentTreatment();
      PlantPropertyLoss();
      PlantSeriousInjury(Flip::kPaid);
      PlantSeriousInjury(Flip::kAssisted);
      PlantSeriousInjury(Flip::kFault);
      PlantSeriousInjury(Flip::kNoHardship);
      PlantSeriousInjury(Flip::kMinorInjury);
      PlantCivilTort(Flip::kNone);
      PlantCivilTort(Flip::kPaid);
      PlantCivilTort(Flip::kAssisted);
      PlantCivilTort(Flip::kNoHardship);
      PlantCivilTort(Flip::kMinorInjury);
    }
    DeriveTruth();
  }

 private:
  enum class Flip { kNone, kPaid, kAssisted, kFault, kNoHardship, kMinorInjury };

  // ---- hardship lists -------------------------------------------------------------------

  void AssignHardship() {
    for (const Household& hh : pop_.households) {
      const bool poor = Chance(rng_, hh.rural ? 0.10 : 0.035);
      if (poor) MakePoor(hh, RandomDate(rng_, 2015, 2024));
      if (hh.rural && (poor ? Chance(rng_, 0.6) : Chance(rng_, 0.04))) {
        Monitor(hh, poor ? RandomDate(rng_, 2021, 2024) : RandomDate(rng_, 2021, 2024), poor);
      }
      for (int64_t id : hh.members) PersonHardship(pop_.person(id), hh, poor);
    }
  }

  void MakePoor(const Household& hh, const Date& start) {
    const bool single_elder =
        hh.members.size() == 1 && AgeOn(pop_.person(hh.head).birth, kReferenceDate) >= 60;
    Programme programme;
    if (single_elder && Chance(rng_, 0.6)) {
      programme = rv1::SocialAssistance::PROGRAMME_EXTREME_POVERTY;
    } else if (Chance(rng_, 0.8)) {
      programme = hh.rural ? rv1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING
                           : rv1::SocialAssistance::PROGRAMME_URBAN_MINIMUM_LIVING;
    } else {
      programme = rv1::SocialAssistance::PROGRAMME_LOW_INCOME;
    }
    // Many lists name only the household head.
    const bool head_only = Chance(rng_, 0.4);
    const int64_t monthly = hh.rural ? Money(rng_, 400, 700) : Money(rng_, 700, 900);
    for (int64_t id : hh.members) {
      if (!pop_.person(id).alive) continue;
      Hardship& h = world_.hardship[id];
      h.social = programme;
      h.social_head = id == hh.head;
      h.social_listed = h.social_head || !head_only;
      h.social_start = NotBefore(start, pop_.person(id).birth);
      h.social_monthly_fen = monthly;
    }
  }

  void Monitor(const Household& hh, const Date& start, bool poor) {
    Hardship& h = world_.hardship[hh.head];
    h.poverty = poor ? (Chance(rng_, 0.5) ? rv1::PovertyMonitoring::CATEGORY_UNSTABLE
                                          : rv1::PovertyMonitoring::CATEGORY_SUDDEN_HARDSHIP)
                     : (Chance(rng_, 0.5) ? rv1::PovertyMonitoring::CATEGORY_MARGINAL
                                          : rv1::PovertyMonitoring::CATEGORY_FORMERLY_POOR);
    static constexpr rv1::PovertyMonitoring::RiskCause kCauses[] = {
        rv1::PovertyMonitoring::RISK_CAUSE_ILLNESS,
        rv1::PovertyMonitoring::RISK_CAUSE_ILLNESS,
        rv1::PovertyMonitoring::RISK_CAUSE_DISABILITY,
        rv1::PovertyMonitoring::RISK_CAUSE_ACCIDENT,
        rv1::PovertyMonitoring::RISK_CAUSE_EDUCATION,
        rv1::PovertyMonitoring::RISK_CAUSE_LABOUR_SHORTAGE,
        rv1::PovertyMonitoring::RISK_CAUSE_OTHER};
    h.poverty_cause = kCauses[Below(rng_, std::size(kCauses))];
    h.poverty_start = start;
  }

  void PersonHardship(const Person& p, const Household& hh, bool poor) {
    const int age = AgeOn(p.birth, kReferenceDate);
    // Disability: rises with age, more common in poor households.
    const double base = age < 18 ? 0.01 : (age < 60 ? 0.04 : 0.12);
    if (Chance(rng_, poor ? base * 2.5 : base)) {
      static constexpr rv1::DisabilityCertificate::Kind kKinds[] = {
          rv1::DisabilityCertificate::KIND_LIMB,    rv1::DisabilityCertificate::KIND_LIMB,
          rv1::DisabilityCertificate::KIND_LIMB,    rv1::DisabilityCertificate::KIND_LIMB,
          rv1::DisabilityCertificate::KIND_VISUAL,  rv1::DisabilityCertificate::KIND_HEARING,
          rv1::DisabilityCertificate::KIND_HEARING, rv1::DisabilityCertificate::KIND_INTELLECTUAL,
          rv1::DisabilityCertificate::KIND_MENTAL,  rv1::DisabilityCertificate::KIND_MULTIPLE,
          rv1::DisabilityCertificate::KIND_SPEECH};
      GiveDisability(p.id, kKinds[Below(rng_, std::size(kKinds))], DrawGrade());
    }
    if (p.sex == Sex::kFemale && age >= 18) {
      rv1::WomenChildrenDifficulty::Kind kind = rv1::WomenChildrenDifficulty::KIND_UNSPECIFIED;
      if (poor && Chance(rng_, 0.15)) {
        kind = p.spouse == 0 && hh.members.size() > 1
                   ? rv1::WomenChildrenDifficulty::KIND_SINGLE_MOTHER
                   : rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY;
      } else if (Chance(rng_, 0.003)) {
        kind = rv1::WomenChildrenDifficulty::KIND_DOMESTIC_VIOLENCE_VICTIM;
      } else if (hh.rural && age < 60 && Chance(rng_, 0.02)) {
        kind = rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_WOMAN;
      }
      if (kind != rv1::WomenChildrenDifficulty::KIND_UNSPECIFIED) {
        Hardship& h = world_.hardship[p.id];
        h.women = kind;
        h.women_start = NotBefore(RandomDate(rng_, 2018, 2024), p.birth);
      }
    } else if (age >= 3 && age < 16 && hh.rural && Chance(rng_, 0.03)) {
      Hardship& h = world_.hardship[p.id];
      h.women = rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_CHILD;
      h.women_start = NotBefore(RandomDate(rng_, 2020, 2024), p.birth);
    }
    if (p.sex == Sex::kMale && p.birth.year >= 1945 && p.birth.year <= 1998 &&
        Chance(rng_, 0.025)) {
      Hardship& h = world_.hardship[p.id];
      h.veteran = poor && Chance(rng_, 0.6) ? rv1::VeteranStatus::KIND_VETERAN_IN_DIFFICULTY
                                            : rv1::VeteranStatus::KIND_VETERAN;
      h.veteran_start = RandomDate(rng_, 2018, 2023);
    } else if (Chance(rng_, 0.002)) {
      Hardship& h = world_.hardship[p.id];
      h.veteran = rv1::VeteranStatus::KIND_ENTITLED_GROUP;
      h.veteran_start = RandomDate(rng_, 2018, 2023);
    }
    const auto it = world_.hardship.find(p.id);
    const bool disabled = it != world_.hardship.end() && it->second.disability_grade > 0;
    if (Chance(rng_, (poor && (disabled || age >= 60)) ? 0.2 : 0.015)) {
      GiveMedical(p.id, Chance(rng_, 0.3));
    }
    if (Chance(rng_, poor ? 0.03 : 0.004)) {
      GiveTemporaryAid(p.id, NotBefore(RandomDate(rng_, 2020, 2024), p.birth));
    }
  }

  int DrawGrade() {
    const double u = Unit(rng_);
    return u < 0.1 ? 1 : (u < 0.3 ? 2 : (u < 0.6 ? 3 : 4));
  }

  void GiveDisability(int64_t id, rv1::DisabilityCertificate::Kind kind, int grade) {
    Hardship& h = world_.hardship[id];
    h.disability = kind;
    h.disability_grade = grade;
    h.disability_issued = NotBefore(RandomDate(rng_, 2010, 2024), pop_.person(id).birth);
  }

  // A medical expense record: of `year`, the year of the treatment a case made urgent, or of a
  // recent year (2021 to 2024).
  void GiveMedical(int64_t id, bool catastrophic, int year = 0) {
    Hardship& h = world_.hardship[id];
    h.medical = true;
    h.medical_year =
        std::max(year > 0 ? year : Between(rng_, 2021, 2024), pop_.person(id).birth.year);
    h.catastrophic = catastrophic;
    h.medical_out_of_pocket_fen =
        catastrophic ? Money(rng_, 60000, 400000) : Money(rng_, 2000, 40000);
    h.medical_assistance_fen = Money(rng_, 0, 20000);
  }

  void GiveTemporaryAid(int64_t id, const Date& when) {
    Hardship& h = world_.hardship[id];
    h.temporary_aid = true;
    h.temporary_date = when;
  }

  // ---- criminal cases -------------------------------------------------------------------

  // A case of 2019 to 2024 handled by `unit` of `region`, numbered with `kind` ("X" criminal, "MC"
  // civil).
  CaseFacts NewCaseOf(const char* unit, const char* kind, const std::string& region, bool planted) {
    CaseFacts c;
    c.date = RandomDate(rng_, 2019, 2024);
    c.region_code = region;
    c.handling_unit = absl::StrCat(unit, region);
    c.number = absl::StrFormat("%d-%s-%s-%05d", c.date.year, region, kind, world_.cases.size() + 1);
    c.planted = planted;
    return c;
  }

  CaseFacts NewCase(Crime crime, const std::string& region, bool planted) {
    CaseFacts c = NewCaseOf("检察院-", "X", region, planted);
    c.crime = crime;
    return c;
  }

  // A civil case of its own, filed with the court of `region`: over a traffic accident (with
  // probability `traffic`) or another tort.
  CaseFacts NewCivilCase(double traffic, const std::string& region, bool planted) {
    const auto claim = Chance(rng_, traffic) ? rv1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT
                                             : rv1::CivilJudgment::CLAIM_OTHER_TORT;
    CaseFacts c = NewCaseOf("法院-", "MC", region, planted);
    c.claim = claim;
    return c;
  }

  // The disabled persons' certificate (grades 1 to 4) an injury appraised at `v.appraisal_grade`
  // (1 to 10) would earn; 0 for none (grades 9 and 10 rarely reach a certificate).
  static int CertificateGrade(const CaseVictim& v) {
    return v.appraisal_grade >= 1 && v.appraisal_grade <= 8 ? (v.appraisal_grade + 1) / 2 : 0;
  }

  // The relative a civil death claim is brought by: a living spouse, else a living parent.
  int64_t Claimant(const Person& victim) {
    for (int64_t id : {victim.spouse, victim.father, victim.mother}) {
      if (id != 0 && pop_.person(id).alive && victims_.count(id) == 0) return id;
    }
    return 0;
  }

  // `victim` killed by the tort of `v`'s case: the claim is their Claimant's.
  void KillInTort(const Person& victim, bool depended, CaseVictim* v) {
    v->harm = rv1::CriminalVictim::HARM_DEATH;
    const int64_t claimant = Claimant(victim);
    v->relatives.push_back({claimant,
                            claimant == victim.spouse ? rv1::NearRelative::RELATION_SPOUSE
                                                      : rv1::NearRelative::RELATION_PARENT,
                            depended});
    Kill(victim.id);
  }

  // A person alive and between `min_age` and `max_age` who is not yet a victim.
  int64_t PickPerson(int min_age, int max_age, const std::function<bool(const Person&)>& extra) {
    for (int attempt = 0; attempt < 100000; ++attempt) {
      const Person& p = pop_.persons[Below(rng_, pop_.persons.size())];
      const int age = AgeOn(p.birth, kReferenceDate);
      if (!p.alive || age < min_age || age > max_age || victims_.count(p.id) > 0) continue;
      if (extra && !extra(p)) continue;
      return p.id;
    }
    return 0;
  }

  void Kill(int64_t id) { pop_.person(id).alive = false; }

  // Near relatives named in a death case file, with whether they depended on the victim.
  std::vector<CaseRelative> RelativesOf(int64_t victim) {
    std::vector<CaseRelative> out;
    const Person& v = pop_.person(victim);
    for (int64_t parent : {v.father, v.mother}) {
      if (parent == 0 || !pop_.person(parent).alive) continue;
      const int age = AgeOn(pop_.person(parent).birth, kReferenceDate);
      out.push_back({parent, rv1::NearRelative::RELATION_PARENT, age >= 60 && Chance(rng_, 0.8)});
    }
    if (v.spouse != 0 && pop_.person(v.spouse).alive) {
      out.push_back({v.spouse, rv1::NearRelative::RELATION_SPOUSE, Chance(rng_, 0.5)});
    }
    const Household& hh = pop_.household_of(v);
    for (int64_t id : hh.members) {
      const Person& m = pop_.person(id);
      if ((m.father == victim || m.mother == victim) && m.alive) {
        const int age = AgeOn(m.birth, kReferenceDate);
        out.push_back({id, rv1::NearRelative::RELATION_CHILD, age < 18 || Chance(rng_, 0.1)});
      }
    }
    return out;
  }

  void Judge(CaseFacts& c, CaseVictim& v, int64_t lo_yuan, int64_t hi_yuan) {
    v.judgment = true;
    v.awardee = v.person;
    if (v.harm == rv1::CriminalVictim::HARM_DEATH) {
      v.awardee = v.relatives.empty() ? 0 : v.relatives.front().person;
      if (v.awardee == 0) {
        v.judgment = false;
        return;
      }
    }
    v.awarded_fen = Money(rng_, lo_yuan, hi_yuan);
    v.judgment_date = AddMonths(c.date, Between(rng_, 3, 12));
    v.enforcement_date = AddMonths(v.judgment_date, Between(rng_, 2, 12));
    const double u = Unit(rng_);
    if (u < 0.3) {
      v.enforcement = rv1::Enforcement::STATUS_CONCLUDED;
      v.paid_fen = v.awarded_fen;
    } else if (u < 0.8) {
      v.enforcement = rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY;
      v.paid_fen = v.awarded_fen * static_cast<int64_t>(Below(rng_, 30)) / 100;
    } else {
      v.enforcement = rv1::Enforcement::STATUS_ONGOING;
      v.paid_fen = v.awarded_fen * static_cast<int64_t>(Below(rng_, 60)) / 100;
    }
  }

  void Assist(CaseVictim& v, const CaseFacts& c) {
    v.assisted = true;
    v.assisted_person = v.harm == rv1::CriminalVictim::HARM_DEATH && !v.relatives.empty()
                            ? v.relatives.front().person
                            : v.person;
    v.assisted_fen = Money(rng_, 3000, 60000);
    v.assisted_date = AddMonths(c.date, Between(rng_, 6, 18));
  }

  void RandomCase() {
    static constexpr Crime kCrimes[] = {rv1::CriminalCase::CRIME_TRAFFIC,
                                        rv1::CriminalCase::CRIME_TRAFFIC,
                                        rv1::CriminalCase::CRIME_TRAFFIC,
                                        rv1::CriminalCase::CRIME_INTENTIONAL_INJURY,
                                        rv1::CriminalCase::CRIME_INTENTIONAL_INJURY,
                                        rv1::CriminalCase::CRIME_ROBBERY,
                                        rv1::CriminalCase::CRIME_FRAUD,
                                        rv1::CriminalCase::CRIME_FRAUD,
                                        rv1::CriminalCase::CRIME_HOMICIDE,
                                        rv1::CriminalCase::CRIME_SEXUAL_OFFENCE,
                                        rv1::CriminalCase::CRIME_DOMESTIC_VIOLENCE,
                                        rv1::CriminalCase::CRIME_OTHER};
    const Crime crime = kCrimes[Below(rng_, std::size(kCrimes))];
    const int64_t victim = PickPerson(8, 90, nullptr);
    if (victim == 0) return;
    CaseFacts c = NewCase(crime, pop_.person(victim).region_code, false);
    CaseVictim v;
    v.person = victim;
    const double u = Unit(rng_);
    switch (crime) {
      case rv1::CriminalCase::CRIME_FRAUD:
      case rv1::CriminalCase::CRIME_ROBBERY:
        v.harm = crime == rv1::CriminalCase::CRIME_ROBBERY && u < 0.3
                     ? rv1::CriminalVictim::HARM_MINOR_INJURY
                     : rv1::CriminalVictim::HARM_PROPERTY_LOSS;
        break;
      case rv1::CriminalCase::CRIME_HOMICIDE:
        v.harm =
            u < 0.7 ? rv1::CriminalVictim::HARM_DEATH : rv1::CriminalVictim::HARM_SERIOUS_INJURY;
        break;
      case rv1::CriminalCase::CRIME_TRAFFIC:
        v.harm = u < 0.25 ? rv1::CriminalVictim::HARM_DEATH
                          : (u < 0.6 ? rv1::CriminalVictim::HARM_SERIOUS_INJURY
                                     : rv1::CriminalVictim::HARM_MINOR_INJURY);
        break;
      default:
        v.harm = u < 0.05 ? rv1::CriminalVictim::HARM_DEATH
                          : (u < 0.35 ? rv1::CriminalVictim::HARM_SERIOUS_INJURY
                                      : rv1::CriminalVictim::HARM_MINOR_INJURY);
    }
    c.offender = DrawOffender();
    v.major_fault = Chance(rng_, crime == rv1::CriminalCase::CRIME_TRAFFIC ? 0.1 : 0.03);
    switch (v.harm) {
      case rv1::CriminalVictim::HARM_DEATH:
        Kill(victim);
        v.relatives = RelativesOf(victim);
        break;
      case rv1::CriminalVictim::HARM_SERIOUS_INJURY:
        v.disability_grade = Chance(rng_, 0.7) ? DrawGrade() : 0;
        v.urgent = Chance(rng_, 0.3);
        if (v.disability_grade > 0) {
          GiveDisability(victim, rv1::DisabilityCertificate::KIND_LIMB, v.disability_grade);
        }
        break;
      case rv1::CriminalVictim::HARM_MINOR_INJURY:
        v.urgent = Chance(rng_, 0.05);
        if (v.urgent) GiveMedical(victim, true, c.date.year);
        break;
      case rv1::CriminalVictim::HARM_PROPERTY_LOSS:
        v.property_loss_fen =
            Chance(rng_, 0.35) ? Money(rng_, 50000, 500000) : Money(rng_, 2000, 49000);
        break;
      default:
        break;
    }
    const bool caught = c.offender != rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN &&
                        c.offender != rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE;
    if (caught && Chance(rng_, 0.85)) {
      switch (v.harm) {
        case rv1::CriminalVictim::HARM_DEATH:
          Judge(c, v, 300000, 1200000);
          break;
        case rv1::CriminalVictim::HARM_SERIOUS_INJURY:
          Judge(c, v, 80000, 600000);
          break;
        case rv1::CriminalVictim::HARM_MINOR_INJURY:
          Judge(c, v, 5000, 40000);
          break;
        default:
          Judge(c, v, v.property_loss_fen / kYuan, v.property_loss_fen / kYuan);
      }
    }
    // A death or serious injury pushes some families into hardship.
    if ((v.harm == rv1::CriminalVictim::HARM_DEATH ||
         v.harm == rv1::CriminalVictim::HARM_SERIOUS_INJURY) &&
        Chance(rng_, 0.4)) {
      MakePoor(pop_.household_of(pop_.person(victim)), AddMonths(c.date, Between(rng_, 2, 10)));
    }
    if (Chance(rng_, 0.05)) Assist(v, c);
    File(std::move(c), std::move(v));
  }

  // Adds a one-victim case to the world.
  void File(CaseFacts c, CaseVictim v) {
    victims_.insert(v.person);
    c.victims.push_back(std::move(v));
    world_.cases.push_back(std::move(c));
  }

  Offender DrawOffender() {
    const double u = Unit(rng_);
    if (u < 0.10) return rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE;
    if (u < 0.15) return rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN;
    if (u < 0.20) return rv1::CriminalCase::OFFENDER_STATUS_DECEASED;
    if (u < 0.35) return rv1::CriminalCase::OFFENDER_STATUS_IN_CUSTODY;
    return rv1::CriminalCase::OFFENDER_STATUS_SENTENCED;
  }

  // The opening story of DOMAIN.md: a son killed in a traffic crime, the driver ordered to pay
  // and never paying, the parents on rural minimum living security, the mother known to the
  // women's federation, the father disabled (limb, grade 2) with heavy medical costs.
  void PlantSeedStory() {
    const int64_t victim = PickPerson(20, 50, [&](const Person& p) {
      if (p.father == 0 || p.mother == 0 || !p.rural) return false;
      const Person& f = pop_.person(p.father);
      const Person& m = pop_.person(p.mother);
      return f.alive && m.alive && AgeOn(f.birth, kReferenceDate) >= 55 &&
             victims_.count(f.id) == 0 && victims_.count(m.id) == 0;
    });
    if (victim == 0) return;
    const Person& son = pop_.person(victim);
    CaseFacts c = NewCase(rv1::CriminalCase::CRIME_TRAFFIC, son.region_code, true);
    c.offender = rv1::CriminalCase::OFFENDER_STATUS_SENTENCED;
    CaseVictim v;
    v.person = victim;
    v.harm = rv1::CriminalVictim::HARM_DEATH;
    Kill(victim);
    v.relatives.push_back({son.father, rv1::NearRelative::RELATION_PARENT, true});
    v.relatives.push_back({son.mother, rv1::NearRelative::RELATION_PARENT, true});
    Judge(c, v, 600000, 900000);
    v.enforcement = rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY;
    v.paid_fen = 0;
    const Household& hh = pop_.household_of(pop_.person(son.father));
    MakePoor(hh, AddMonths(c.date, 4));
    for (int64_t id : hh.members) {
      Hardship& h = world_.hardship[id];
      h.social = rv1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING;
      h.social_listed = true;
    }
    Hardship& mother = world_.hardship[son.mother];
    mother.women = rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY;
    mother.women_start = AddMonths(c.date, 6);
    GiveDisability(son.father, rv1::DisabilityCertificate::KIND_LIMB, 2);
    GiveMedical(son.father, true);
    File(std::move(c), std::move(v));
  }

  // A seriously injured victim whose offender was never caught, living in hardship: eligible
  // under category 1, or, with one condition flipped, a near miss.
  void PlantSeriousInjury(Flip flip) {
    const int64_t victim = PickPerson(18, 70, [&](const Person& p) {
      return world_.hardship.count(p.id) == 0 ||
             world_.hardship.at(p.id).social == rv1::SocialAssistance::PROGRAMME_UNSPECIFIED;
    });
    if (victim == 0) return;
    const Person& p = pop_.person(victim);
    CaseFacts c = NewCase(rv1::CriminalCase::CRIME_INTENTIONAL_INJURY, p.region_code, true);
    CaseVictim v;
    v.person = victim;
    v.harm = flip == Flip::kMinorInjury ? rv1::CriminalVictim::HARM_MINOR_INJURY
                                        : rv1::CriminalVictim::HARM_SERIOUS_INJURY;
    if (v.harm == rv1::CriminalVictim::HARM_SERIOUS_INJURY) {
      v.disability_grade = Between(rng_, 1, 2);
      GiveDisability(victim, rv1::DisabilityCertificate::KIND_LIMB, v.disability_grade);
    }
    v.major_fault = flip == Flip::kFault;
    if (flip == Flip::kPaid) {
      c.offender = rv1::CriminalCase::OFFENDER_STATUS_SENTENCED;
      Judge(c, v, 100000, 400000);
      v.enforcement = rv1::Enforcement::STATUS_CONCLUDED;
      v.paid_fen = v.awarded_fen;
    } else {
      c.offender = Chance(rng_, 0.5) ? rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE
                                     : rv1::CriminalCase::OFFENDER_STATUS_SENTENCED;
      if (c.offender == rv1::CriminalCase::OFFENDER_STATUS_SENTENCED) {
        Judge(c, v, 100000, 400000);
        v.enforcement = rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY;
        v.paid_fen = 0;
      }
    }
    if (flip == Flip::kAssisted) Assist(v, c);
    if (flip == Flip::kNoHardship) {
      // No list anywhere: not poor, and the injury left no certificate.
      world_.hardship.erase(victim);
      v.disability_grade = 0;
      for (int64_t id : pop_.household_of(p).members) world_.hardship.erase(id);
    } else {
      MakePoor(pop_.household_of(p), AddMonths(c.date, 3));
      world_.hardship[victim].social_listed = true;
    }
    File(std::move(c), std::move(v));
  }

  // A traffic accident or other tort that left the victim seriously injured (or, one time in four,
  // killed, the claim then brought by a relative), a court judgment for damages the liable party
  // never paid, and a family in hardship: eligible under category 6, or, with one condition
  // flipped, a near miss.
  void PlantCivilTort(Flip flip) {
    const bool death = flip == Flip::kNone && Chance(rng_, 0.25);
    const int64_t victim = PickPerson(18, 70, [&](const Person& p) {
      if (death && Claimant(p) == 0) return false;
      return world_.hardship.count(p.id) == 0 ||
             world_.hardship.at(p.id).social == rv1::SocialAssistance::PROGRAMME_UNSPECIFIED;
    });
    if (victim == 0) return;
    const Person& p = pop_.person(victim);
    CaseFacts c = NewCivilCase(0.7, p.region_code, true);
    CaseVictim v;
    v.person = victim;
    if (death) {
      KillInTort(p, /*depended=*/true, &v);
    } else if (flip == Flip::kMinorInjury) {
      v.harm = rv1::CriminalVictim::HARM_MINOR_INJURY;
    } else {
      v.harm = rv1::CriminalVictim::HARM_SERIOUS_INJURY;
      v.appraisal_grade = Between(rng_, 1, 4);
      GiveDisability(victim, rv1::DisabilityCertificate::KIND_LIMB, CertificateGrade(v));
    }
    Judge(c, v, 150000, 800000);
    if (flip == Flip::kPaid) {
      v.enforcement = rv1::Enforcement::STATUS_CONCLUDED;
      v.paid_fen = v.awarded_fen;
    } else {
      v.enforcement = rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY;
      v.paid_fen = v.awarded_fen * static_cast<int64_t>(Below(rng_, 20)) / 100;
    }
    if (flip == Flip::kAssisted) Assist(v, c);
    const Person& claimant = pop_.person(v.awardee);
    if (flip == Flip::kNoHardship) {
      world_.hardship.erase(claimant.id);
      v.appraisal_grade = 0;
      for (int64_t id : pop_.household_of(claimant).members) world_.hardship.erase(id);
    } else {
      MakePoor(pop_.household_of(claimant), AddMonths(c.date, 3));
      world_.hardship[claimant.id].social_listed = true;
    }
    File(std::move(c), std::move(v));
  }

  // A civil case of its own as courts see many: mostly traffic accidents, the injured or (for a
  // death) a relative awarded damages that the liable party's insurer usually pays.
  void RandomCivilCase() {
    const int64_t victim = PickPerson(3, 85, nullptr);
    if (victim == 0) return;
    const Person& p = pop_.person(victim);
    CaseFacts c = NewCivilCase(0.75, p.region_code, false);
    CaseVictim v;
    v.person = victim;
    const double u = Unit(rng_);
    if (u < 0.1 && Claimant(p) != 0) {
      KillInTort(p, /*depended=*/Chance(rng_, 0.6), &v);
      Judge(c, v, 400000, 1200000);
    } else if (u < 0.45) {
      v.harm = rv1::CriminalVictim::HARM_SERIOUS_INJURY;
      v.appraisal_grade = Chance(rng_, 0.7) ? Between(rng_, 1, 10) : 0;
      if (CertificateGrade(v) > 0) {
        GiveDisability(victim, rv1::DisabilityCertificate::KIND_LIMB, CertificateGrade(v));
      }
      Judge(c, v, 80000, 600000);
    } else {
      v.harm = rv1::CriminalVictim::HARM_MINOR_INJURY;
      Judge(c, v, 3000, 40000);
    }
    if (v.judgment && Chance(rng_, 0.5)) {  // the insurer paid
      v.enforcement = rv1::Enforcement::STATUS_CONCLUDED;
      v.paid_fen = v.awarded_fen;
    }
    if (v.harm != rv1::CriminalVictim::HARM_MINOR_INJURY && Chance(rng_, 0.3)) {
      MakePoor(pop_.household_of(pop_.person(v.awardee)), AddMonths(c.date, Between(rng_, 2, 10)));
    }
    if (Chance(rng_, 0.03)) Assist(v, c);
    File(std::move(c), std::move(v));
  }

  void PlantUrgentTreatment() {
    const int64_t victim = PickPerson(18, 75, nullptr);
    if (victim == 0) return;
    const Person& p = pop_.person(victim);
    CaseFacts c = NewCase(rv1::CriminalCase::CRIME_ROBBERY, p.region_code, true);
    c.offender = rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN;
    CaseVictim v;
    v.person = victim;
    v.harm = rv1::CriminalVictim::HARM_MINOR_INJURY;
    v.urgent = true;
    GiveMedical(victim, true, c.date.year);
    GiveTemporaryAid(victim, AddMonths(c.date, 1));
    File(std::move(c), std::move(v));
  }

  void PlantPropertyLoss() {
    const int64_t victim = PickPerson(60, 90, nullptr);
    if (victim == 0) return;
    const Person& p = pop_.person(victim);
    CaseFacts c = NewCase(rv1::CriminalCase::CRIME_FRAUD, p.region_code, true);
    c.offender = rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE;
    CaseVictim v;
    v.person = victim;
    v.harm = rv1::CriminalVictim::HARM_PROPERTY_LOSS;
    v.property_loss_fen = Money(rng_, 80000, 300000);
    Hardship& h = world_.hardship[victim];
    h.social = rv1::SocialAssistance::PROGRAMME_LOW_INCOME;
    h.social_head = true;
    h.social_listed = true;
    h.social_start = AddMonths(c.date, 5);
    h.social_monthly_fen = Money(rng_, 300, 500);
    File(std::move(c), std::move(v));
  }

  // ---- the truth ------------------------------------------------------------------------

  static bool HasHardship(const std::vector<std::string>& signals) { return !signals.empty(); }

  void DeriveTruth() {
    for (const CaseFacts& c : world_.cases) {
      for (const CaseVictim& v : c.victims) {
        const bool caught = c.offender != rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN &&
                            c.offender != rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE &&
                            c.offender != rv1::CriminalCase::OFFENDER_STATUS_DECEASED;
        // Compensation cannot be had through the courts: unpaid judgment, or no offender who
        // can be sued. A caught offender without a judgment yet means litigation comes first.
        const bool paid = v.judgment && v.paid_fen >= v.awarded_fen;
        const bool unpaid = v.judgment ? v.paid_fen < v.awarded_fen : !caught;
        if (c.civil()) {
          // The court's judgment is the basis: the injured person's, or for a death the
          // claimant's (DOMAIN.md category 6). A minor injury that left no severe disability
          // is not enough.
          if (!v.judgment) continue;
          const bool minor = v.harm == rv1::CriminalVictim::HARM_MINOR_INJURY &&
                             (v.appraisal_grade == 0 || v.appraisal_grade > 4);
          Judge(c, v.awardee, EligibleCategory::kCivilTort, v, paid, unpaid, minor);
          continue;
        }
        if (v.harm == rv1::CriminalVictim::HARM_DEATH) {
          for (const CaseRelative& r : v.relatives) {
            if (!r.depended) continue;
            Judge(c, r.person, EligibleCategory::kDependantOfKilled, v, paid, unpaid,
                  /*minor=*/false);
          }
          continue;
        }
        bool minor = false;
        EligibleCategory category = EligibleCategory::kSeriousInjury;
        switch (v.harm) {
          case rv1::CriminalVictim::HARM_SERIOUS_INJURY:
            category = EligibleCategory::kSeriousInjury;
            break;
          case rv1::CriminalVictim::HARM_MINOR_INJURY:
            if (v.urgent) {
              category = EligibleCategory::kUrgentTreatment;
            } else {
              minor = true;
            }
            break;
          case rv1::CriminalVictim::HARM_PROPERTY_LOSS:
            if (v.property_loss_fen < kMajorPropertyLossFen) continue;
            category = EligibleCategory::kPropertyLoss;
            break;
          default:
            continue;
        }
        Judge(c, v.person, category, v, paid, unpaid, minor);
      }
    }
  }

  // Decides one person of one case: eligible, a near miss (exactly one condition fails), or
  // neither.
  void Judge(const CaseFacts& c, int64_t person, EligibleCategory category, const CaseVictim& v,
             bool paid, bool unpaid, bool minor) {
    std::vector<std::string> signals = HardshipSignals(world_, person);
    std::vector<NearMissReason> failing;
    if (minor) failing.push_back(NearMissReason::kMinorInjuryOnly);
    if (paid) {
      failing.push_back(NearMissReason::kCompensationPaid);
    } else if (!unpaid) {
      return;  // litigation still pending: neither a clue nor a near miss
    }
    if (v.assisted) failing.push_back(NearMissReason::kAlreadyAssisted);
    if (v.major_fault) failing.push_back(NearMissReason::kVictimMajorFault);
    if (!HasHardship(signals)) failing.push_back(NearMissReason::kNoHardship);
    if (failing.empty()) {
      PlantedEligible e;
      e.person_id = person;
      e.category = category;
      e.case_number = c.number;
      e.victim_person_id = v.person;
      e.signals = std::move(signals);
      world_.eligible.push_back(std::move(e));
      world_.eligible_planted.push_back(c.planted);
    } else if (failing.size() == 1) {
      world_.near_misses.push_back({person, failing.front(), c.number});
    }
  }

  const WorldOptions& options_;
  World& world_;
  Population& pop_;
  std::mt19937_64& rng_;
  std::unordered_set<int64_t> victims_;
};

}  // namespace

std::vector<std::string> HardshipSignals(const World& world, int64_t person) {
  std::vector<std::string> out;
  const Person& p = world.population.person(person);
  const Hardship* h = world.hardship_of(person);
  if (h != nullptr) {
    if (h->social != rv1::SocialAssistance::PROGRAMME_UNSPECIFIED) {
      out.push_back(h->social_listed ? ProgrammeSignal(h->social)
                                     : absl::StrCat("household_", ProgrammeSignal(h->social)));
    }
    if (h->temporary_aid) out.push_back("temporary_assistance");
    if (h->disability_grade > 0)
      out.push_back(absl::StrCat("disability_grade_", h->disability_grade));
    if (h->poverty != rv1::PovertyMonitoring::CATEGORY_UNSPECIFIED)
      out.push_back("poverty_monitoring");
    if (h->women == rv1::WomenChildrenDifficulty::KIND_SINGLE_MOTHER ||
        h->women == rv1::WomenChildrenDifficulty::KIND_DOMESTIC_VIOLENCE_VICTIM ||
        h->women == rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY) {
      out.push_back(WomenSignal(h->women));
    }
    if (h->veteran == rv1::VeteranStatus::KIND_VETERAN_IN_DIFFICULTY) {
      out.push_back("veteran_in_difficulty");
    }
    if (h->catastrophic) out.push_back("catastrophic_medical");
  }
  // The household's monitoring record names only the head.
  const Household& hh = world.population.household_of(p);
  if (hh.head != person) {
    const Hardship* head = world.hardship_of(hh.head);
    if (head != nullptr && head->poverty != rv1::PovertyMonitoring::CATEGORY_UNSPECIFIED) {
      out.push_back("household_poverty_monitoring");
    }
  }
  return out;
}

void WorldBuilder::Build(World& world, std::mt19937_64& rng) const {
  Builder(options_, world, rng).Run();
}

}  // namespace lifeline::datagen
