#include "match-service/domain/clue_scorer.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "common/records/agencies.h"
#include "common/time/dates.h"
#include "match-service/domain/suggested_amount.h"

namespace lifeline::match {
namespace {

namespace rv1 = records::v1;

// A hardship signal with the evidence that shows it.
struct Signal {
  std::string name;
  Evidence evidence;
};

std::string Lower(std::string_view text) { return absl::AsciiStrToLower(std::string(text)); }

// Strips an enum name's prefix: "CATEGORY_UNSTABLE" -> "unstable".
std::string Suffix(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  return Lower(name);
}

Evidence Fact(const NormalizedRecord& r, std::string field, std::string value, std::string date,
              const char* role) {
  return Evidence{r.agency(),
                  r.source_record_id(),
                  std::move(field),
                  std::move(value),
                  date.empty() ? r.record_date() : std::move(date),
                  role};
}

// True when `end_date` is empty or not before `today`. An unreadable end date keeps the record
// current: data raises a clue, a person judges it.
bool Current(const std::string& end_date, absl::CivilDay today) {
  if (end_date.empty()) return true;
  auto end = common::ParseDate(end_date, "end_date");
  return !end.ok() || *end >= today;
}

std::string WomenChildrenSignal(rv1::WomenChildrenDifficulty::Kind kind) {
  switch (kind) {
    case rv1::WomenChildrenDifficulty::KIND_SINGLE_MOTHER:
      return "women_single_mother";
    case rv1::WomenChildrenDifficulty::KIND_DOMESTIC_VIOLENCE_VICTIM:
      return "women_domestic_violence";
    case rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_WOMAN:
      return "women_left_behind";
    case rv1::WomenChildrenDifficulty::KIND_LEFT_BEHIND_CHILD:
      return "child_left_behind";
    case rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY:
      return "women_financial_difficulty";
    case rv1::WomenChildrenDifficulty::KIND_OTHER:
      return "women_children_other";
    default:
      return "";
  }
}

// Whether a person's own hardship signal shows hardship. A veteran's or entitled group's status
// marks a priority group (a green channel, joint awards), not a person in need: it adds to the
// score of a person in hardship but founds no clue alone, as the burdens do not.
bool ShowsHardship(std::string_view signal) {
  return signal != "veteran" && signal != "veteran_entitled_group";
}

// Whether another household member's hardship record shows the household's hardship, and so the
// person's: the household's minimum living, extreme-poverty or low-income assistance (granted to
// the household, whoever the list names), a temporary-assistance grant to its head, its
// poverty-risk monitoring. A member's own disability, women's or veteran's status or medical
// expense is theirs: it weighs for the family but shows no hardship of the person's.
bool ShowsHouseholdHardship(const NormalizedRecord& nr) {
  const Record& r = nr.record();
  if (r.has_poverty_monitoring()) return true;
  if (!r.has_social_assistance()) return false;
  const auto& s = r.social_assistance();
  return s.programme() != rv1::SocialAssistance::PROGRAMME_TEMPORARY_ASSISTANCE ||
         s.household_head();
}

std::string VeteranSignal(rv1::VeteranStatus::Kind kind) {
  switch (kind) {
    case rv1::VeteranStatus::KIND_VETERAN:
      return "veteran";
    case rv1::VeteranStatus::KIND_ENTITLED_GROUP:
      return "veteran_entitled_group";
    case rv1::VeteranStatus::KIND_VETERAN_IN_DIFFICULTY:
      return "veteran_in_difficulty";
    default:
      return "";
  }
}

// True when `start_date` is readable and within case_hardship_years after `case_day`.
bool BeganAfterCase(const std::string& start_date, std::optional<absl::CivilDay> case_day,
                    const EligibilityRules& rules) {
  if (!case_day.has_value() || start_date.empty()) return false;
  auto start = common::ParseDate(start_date, "start_date");
  return start.ok() && *start >= *case_day &&
         *start < absl::CivilDay(case_day->year() + rules.case_hardship_years, case_day->month(),
                                 case_day->day());
}

constexpr char kAfterCase[] = " (began after the case)";

// A hardship signal of one record: current on `today`, or (with `case_day`) one that began
// within case_hardship_years after the case even if it has ended since, such as a one-off
// temporary-assistance grant or a catastrophic medical expense the case caused; that evidence
// says so.
std::optional<Signal> HardshipSignal(const NormalizedRecord& nr, absl::CivilDay today,
                                     const EligibilityRules& rules,
                                     std::optional<absl::CivilDay> case_day = std::nullopt) {
  if (!common::IsHardshipAgency(nr.agency()) || nr.retracted()) return std::nullopt;
  const Record& r = nr.record();
  switch (r.payload_case()) {
    case Record::kSocialAssistance: {
      const auto& s = r.social_assistance();
      if (s.programme() == rv1::SocialAssistance::PROGRAMME_UNSPECIFIED) break;
      const bool current = Current(s.end_date(), today);
      if (!current && !BeganAfterCase(s.start_date(), case_day, rules)) break;
      const std::string& name = rv1::SocialAssistance::Programme_Name(s.programme());
      return Signal{
          Suffix(name, "PROGRAMME_"),
          Fact(nr, "social_assistance.programme", current ? name : absl::StrCat(name, kAfterCase),
               s.start_date(), kRoleHardship)};
    }
    case Record::kDisabilityCertificate: {
      const auto& d = r.disability_certificate();
      if (d.grade() < 1 || d.grade() > 4) break;
      return Signal{
          absl::StrCat("disability_grade_", d.grade()),
          Fact(nr, "disability_certificate.grade",
               absl::StrCat(d.grade(), " ", rv1::DisabilityCertificate::Kind_Name(d.kind())),
               d.issue_date(), kRoleHardship)};
    }
    case Record::kPovertyMonitoring: {
      const auto& p = r.poverty_monitoring();
      if (p.category() == rv1::PovertyMonitoring::CATEGORY_UNSPECIFIED) break;
      const bool current = Current(p.end_date(), today);
      if (!current && !BeganAfterCase(p.start_date(), case_day, rules)) break;
      const std::string& name = rv1::PovertyMonitoring::Category_Name(p.category());
      return Signal{
          absl::StrCat("poverty_monitoring_", Suffix(name, "CATEGORY_")),
          Fact(nr, "poverty_monitoring.category", current ? name : absl::StrCat(name, kAfterCase),
               p.start_date(), kRoleHardship)};
    }
    case Record::kWomenChildrenDifficulty: {
      const auto& w = r.women_children_difficulty();
      std::string name = WomenChildrenSignal(w.kind());
      if (name.empty()) break;
      return Signal{std::move(name), Fact(nr, "women_children_difficulty.kind",
                                          rv1::WomenChildrenDifficulty::Kind_Name(w.kind()),
                                          w.start_date(), kRoleHardship)};
    }
    case Record::kVeteranStatus: {
      const auto& v = r.veteran_status();
      std::string name = VeteranSignal(v.kind());
      if (name.empty()) break;
      return Signal{std::move(name),
                    Fact(nr, "veteran_status.kind", rv1::VeteranStatus::Kind_Name(v.kind()),
                         v.start_date(), kRoleHardship)};
    }
    case Record::kMedicalExpense: {
      const auto& m = r.medical_expense();
      if (!m.catastrophic()) break;
      const bool current = m.year() >= today.year() - rules.medical_years_current;
      const bool after_case = case_day.has_value() && m.year() >= case_day->year() &&
                              m.year() < case_day->year() + rules.case_hardship_years;
      if (!current && !after_case) break;
      return Signal{"medical_catastrophic",
                    Fact(nr, "medical_expense.catastrophic",
                         absl::StrCat("true (", m.year(), ", out of pocket ", m.out_of_pocket_fen(),
                                      ")", current ? "" : kAfterCase),
                         "", kRoleHardship)};
    }
    default:
      break;
  }
  return std::nullopt;
}

// What the court and enforcement records of one case say about compensation.
struct Compensation {
  bool any_record = false;
  bool terminated_no_property = false;
  // A judgment with money unpaid whose enforcement has not been terminated.
  bool enforcement_open = false;
  int64_t unpaid_fen = 0;
  std::vector<Evidence> evidence;
};

Compensation CompensationFor(const std::string& case_number,
                             const std::vector<LinkedRecord>& case_records) {
  struct Judgment {
    int64_t awarded = 0;
    int64_t paid = 0;
    bool terminated = false;
  };
  Compensation out;
  std::map<std::string, Judgment> judgments;
  for (const LinkedRecord& lr : case_records) {
    const NormalizedRecord& nr = lr.record;
    const Record& r = nr.record();
    if (nr.retracted()) continue;
    const std::string by_record = absl::StrCat("record:", nr.agency(), "/", nr.source_record_id());
    if (r.has_civil_judgment() && r.civil_judgment().case_number() == case_number) {
      const auto& j = r.civil_judgment();
      Judgment& entry = judgments[j.judgment_number().empty() ? by_record : j.judgment_number()];
      entry.awarded = std::max(entry.awarded, j.amount_awarded_fen());
      out.evidence.push_back(Fact(nr, "civil_judgment.amount_awarded_fen",
                                  absl::StrCat(j.amount_awarded_fen()), j.judgment_date(),
                                  kRoleUnpaidCompensation));
    } else if (r.has_enforcement() && r.enforcement().case_number() == case_number) {
      const auto& e = r.enforcement();
      const std::string key = !e.judgment_number().empty() ? e.judgment_number()
                              : !e.enforcement_number().empty()
                                  ? absl::StrCat("enforcement:", e.enforcement_number())
                                  : by_record;
      Judgment& entry = judgments[key];
      entry.awarded = std::max(entry.awarded, e.amount_awarded_fen());
      entry.paid = std::max(entry.paid, e.amount_paid_fen());
      if (e.status() == rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY) entry.terminated = true;
      out.evidence.push_back(Fact(nr, "enforcement.amount_paid_fen",
                                  absl::StrCat(e.amount_paid_fen()), e.status_date(),
                                  kRoleUnpaidCompensation));
      out.evidence.push_back(Fact(nr, "enforcement.status",
                                  rv1::Enforcement::Status_Name(e.status()), e.status_date(),
                                  kRoleUnpaidCompensation));
    }
  }
  for (const auto& [key, j] : judgments) {
    out.any_record = true;
    out.unpaid_fen += std::max<int64_t>(0, j.awarded - j.paid);
    // Terminated enforcement means the rest will not come, unless the books show it all paid.
    if (j.terminated && !(j.awarded > 0 && j.paid >= j.awarded)) out.terminated_no_property = true;
    if (!j.terminated && j.awarded > j.paid) out.enforcement_open = true;
  }
  return out;
}

const NormalizedRecord* FindVictimRecord(const NormalizedRecord& relative_record,
                                         const std::vector<LinkedRecord>& case_records) {
  for (const LinkedRecord& lr : case_records) {
    const NormalizedRecord& r = lr.record;
    if (r.record().has_criminal_victim() && !r.retracted() &&
        r.agency() == relative_record.agency() &&
        r.source_record_id() == relative_record.record().near_relative().victim_record_id()) {
      return &r;
    }
  }
  return nullptr;
}

// Age in whole years on `today`; nullopt without a readable birth date or for a future one.
std::optional<int> AgeOn(const std::string& birth_date, absl::CivilDay today) {
  if (birth_date.empty()) return std::nullopt;
  auto birth = common::ParseDate(birth_date, "birth_date");
  if (!birth.ok()) return std::nullopt;
  int age = static_cast<int>(today.year() - birth->year());
  if (today.month() < birth->month() ||
      (today.month() == birth->month() && today.day() < birth->day())) {
    --age;
  }
  if (age < 0) return std::nullopt;
  return age;
}

constexpr char kMinor[] = "minor";
constexpr char kElderly[] = "elderly";

// kMinor under 18, kElderly at 60 or over, else "" (no readable birth date either).
std::string AgeGroup(const std::string& birth_date, absl::CivilDay today) {
  const std::optional<int> age = AgeOn(birth_date, today);
  if (!age.has_value()) return "";
  if (*age < 18) return kMinor;
  if (*age >= 60) return kElderly;
  return "";
}

bool IsMinor(const std::string& birth_date, absl::CivilDay today) {
  return AgeGroup(birth_date, today) == kMinor;
}

// The other persons of case `case_number` (its victims and named near relatives) and of the
// person's household, each with their own hardship signals, ordered by person id.
std::vector<FamilyMember> FamilyOf(const ScoringInput& input, const std::string& case_number,
                                   std::optional<absl::CivilDay> case_day, absl::CivilDay today,
                                   const EligibilityRules& rules) {
  struct Builder {
    std::set<std::string> relations;
    std::set<std::string> signals;
    NormalizedPerson person;
  };
  std::map<std::string, Builder> members;
  for (const LinkedRecord& linked : input.case_records) {
    const NormalizedRecord& r = linked.record;
    if (linked.person_id.empty() || linked.person_id == input.person_id || r.retracted() ||
        CaseNumberOf(r) != case_number) {
      continue;
    }
    std::string relation;
    if (r.record().has_criminal_victim()) {
      relation = absl::StrCat(
          "victim (", rv1::CriminalVictim::Harm_Name(r.record().criminal_victim().harm()), ")");
    } else if (r.record().has_near_relative()) {
      const auto& n = r.record().near_relative();
      relation = absl::StrCat("near relative (", rv1::NearRelative::Relation_Name(n.relation()),
                              n.depended_on_victim() ? ", depended on the victim" : "", ")");
    } else {
      continue;  // judgments and enforcement belong to the victim's or relative's entry
    }
    Builder& member = members[linked.person_id];
    member.relations.insert(std::move(relation));
    MergePerson(r.person(), &member.person);
  }
  for (const LinkedRecord& linked : input.household_records) {
    if (linked.person_id.empty() || linked.person_id == input.person_id) continue;
    Builder& member = members[linked.person_id];
    MergePerson(linked.record.person(), &member.person);
    if (std::optional<Signal> signal = HardshipSignal(linked.record, today, rules, case_day)) {
      member.signals.insert(signal->name);
    }
  }
  std::vector<FamilyMember> out;
  for (auto& [person_id, member] : members) {
    FamilyMember m;
    m.person_id = person_id;
    // A co-dependant's records come with the household's; a case relation says more.
    if (member.relations.empty()) member.relations.insert("household");
    m.relations.assign(member.relations.begin(), member.relations.end());
    m.age_group = AgeGroup(member.person.birth_date(), today);
    m.hardship_signals.assign(member.signals.begin(), member.signals.end());
    out.push_back(std::move(m));
  }
  return out;
}

// True when every hardship signal is dated and began before the case (both dates readable).
bool HardshipBeforeCase(const std::vector<Signal>& signals,
                        std::optional<absl::CivilDay> case_day) {
  if (!case_day.has_value() || signals.empty()) return false;
  for (const Signal& s : signals) {
    auto start = common::ParseDate(s.evidence.date, "date");
    if (!start.ok() || *start >= *case_day) return false;
  }
  return true;
}

// A category the person falls under for one case, before conditions (b)-(d).
struct Basis {
  Category category;
  std::string case_number;
  // The victim's record (the person's own one unless a dependant).
  const NormalizedRecord* victim;
  std::vector<Evidence> evidence;

  // The criminal victim's facts; empty for a civil case of its own.
  const rv1::CriminalVictim& victim_facts() const { return victim->record().criminal_victim(); }
  bool civil() const { return victim->record().has_civil_judgment(); }
  // The date of the crime, accident or tort.
  const std::string& case_date() const {
    return civil() ? victim->record().civil_judgment().incident_date()
                   : victim_facts().criminal_case().case_date();
  }
  // The division code of the handling procuratorate or court.
  const std::string& region_code() const {
    return civil() ? victim->record().civil_judgment().region_code()
                   : victim_facts().criminal_case().region_code();
  }
};

// The category a victim's own record gives, if any.
std::optional<Basis> VictimBasis(const NormalizedRecord& r, const EligibilityRules& rules) {
  const rv1::CriminalVictim& v = r.record().criminal_victim();
  const bool severe =
      v.harm() == rv1::CriminalVictim::HARM_SERIOUS_INJURY ||
      (v.disability_grade() >= 1 && v.disability_grade() <= rules.severe_disability_max_grade &&
       v.harm() != rv1::CriminalVictim::HARM_DEATH);
  Basis basis{Category::kUnspecified, v.criminal_case().case_number(), &r, {}};
  basis.evidence.push_back(Fact(r, "criminal_victim.harm", rv1::CriminalVictim::Harm_Name(v.harm()),
                                v.criminal_case().case_date(), kRoleCategory));
  if (severe) {
    basis.category = Category::kSeriousInjury;
    if (v.disability_grade() > 0) {
      basis.evidence.push_back(Fact(r, "criminal_victim.disability_grade",
                                    absl::StrCat(v.disability_grade()), "", kRoleCategory));
    }
  } else if (v.needs_urgent_treatment() && (v.harm() == rv1::CriminalVictim::HARM_MINOR_INJURY ||
                                            v.harm() == rv1::CriminalVictim::HARM_UNSPECIFIED)) {
    basis.category = Category::kUrgentTreatment;
    basis.evidence.push_back(
        Fact(r, "criminal_victim.needs_urgent_treatment", "true", "", kRoleCategory));
  } else if (v.harm() == rv1::CriminalVictim::HARM_PROPERTY_LOSS &&
             v.property_loss_fen() >= rules.property_loss_threshold_fen) {
    basis.category = Category::kPropertyLoss;
    basis.evidence.push_back(Fact(r, "criminal_victim.property_loss_fen",
                                  absl::StrCat(v.property_loss_fen()), "", kRoleCategory));
  }
  if (basis.category == Category::kUnspecified) return std::nullopt;
  return basis;
}

// The dependant-of-deceased category a near relative's record gives, if any.
std::optional<Basis> DependantBasis(const NormalizedRecord& r,
                                    const std::vector<LinkedRecord>& case_records) {
  const rv1::NearRelative& relative = r.record().near_relative();
  if (!relative.depended_on_victim()) return std::nullopt;
  const NormalizedRecord* victim = FindVictimRecord(r, case_records);
  if (victim == nullptr) return std::nullopt;
  const rv1::CriminalVictim& v = victim->record().criminal_victim();
  if (v.harm() != rv1::CriminalVictim::HARM_DEATH) return std::nullopt;
  Basis basis{
      Category::kDependantOfDeceased,
      relative.case_number().empty() ? v.criminal_case().case_number() : relative.case_number(),
      victim,
      {}};
  basis.evidence.push_back(Fact(r, "near_relative.relation",
                                rv1::NearRelative::Relation_Name(relative.relation()), "",
                                kRoleCategory));
  basis.evidence.push_back(Fact(r, "near_relative.depended_on_victim", "true", "", kRoleCategory));
  basis.evidence.push_back(Fact(*victim, "criminal_victim.harm",
                                rv1::CriminalVictim::Harm_Name(v.harm()),
                                v.criminal_case().case_date(), kRoleCategory));
  return basis;
}

// The civil-tort category (DOMAIN.md 6) a civil case of the person's own gives, if any: a
// road-traffic accident or another tort that killed (the person claims as a near relative),
// seriously injured or severely disabled them. Whether the judgment can be enforced is decided
// like a criminal case's.
std::optional<Basis> CivilTortBasis(const NormalizedRecord& r, const EligibilityRules& rules) {
  const rv1::CivilJudgment& j = r.record().civil_judgment();
  if (j.claim() != rv1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT &&
      j.claim() != rv1::CivilJudgment::CLAIM_OTHER_TORT) {
    return std::nullopt;
  }
  const bool severe = j.injury() == rv1::CivilJudgment::INJURY_SERIOUS ||
                      j.injury() == rv1::CivilJudgment::INJURY_DEATH ||
                      (j.disability_grade() >= 1 &&
                       j.disability_grade() <= rules.injury_appraisal_severe_max_grade);
  if (!severe || j.case_number().empty()) return std::nullopt;
  Basis basis{Category::kCivilTort, j.case_number(), &r, {}};
  basis.evidence.push_back(Fact(r, "civil_judgment.claim",
                                rv1::CivilJudgment::Claim_Name(j.claim()), j.incident_date(),
                                kRoleCategory));
  basis.evidence.push_back(Fact(r, "civil_judgment.injury",
                                rv1::CivilJudgment::Injury_Name(j.injury()), "", kRoleCategory));
  if (j.disability_grade() > 0) {
    basis.evidence.push_back(Fact(r, "civil_judgment.disability_grade",
                                  absl::StrCat(j.disability_grade()), "", kRoleCategory));
  }
  return basis;
}

std::vector<Basis> Bases(const ScoringInput& input, const EligibilityRules& rules) {
  std::vector<Basis> out;
  for (const NormalizedRecord& r : input.own_records) {
    if (r.retracted()) continue;
    std::optional<Basis> basis;
    if (r.record().has_criminal_victim()) {
      basis = VictimBasis(r, rules);
    } else if (r.record().has_near_relative()) {
      basis = DependantBasis(r, input.case_records);
    } else if (r.record().has_civil_judgment()) {
      basis = CivilTortBasis(r, rules);
    }
    if (basis.has_value()) out.push_back(*std::move(basis));
  }
  return out;
}

// A burden signal (kSignalHouseholdMinor, kSignalHouseholdElderly, kSignalMainEarner).
using Burden = Signal;

std::vector<Burden> Burdens(const ScoringInput& input, const Basis& basis, absl::CivilDay today) {
  std::vector<Burden> out;
  std::optional<Burden> minor;
  std::optional<Burden> elderly;
  for (const LinkedRecord& linked : input.household_records) {
    const NormalizedRecord& r = linked.record;
    if (linked.person_id == input.person_id) continue;
    const std::string group = AgeGroup(r.person().birth_date(), today);
    if (group.empty()) continue;
    // The evidence is the first such record by (agency, record id), so that it stays put as
    // more records arrive.
    auto earlier = [&r](const std::optional<Burden>& burden) {
      return !burden.has_value() ||
             std::tie(r.agency(), r.source_record_id()) <
                 std::tie(burden->evidence.agency, burden->evidence.source_record_id);
    };
    if (group == kMinor && earlier(minor)) {
      minor = Burden{kSignalHouseholdMinor,
                     Fact(r, "person.birth_date", "under 18", "", kRoleHardship)};
    } else if (group == kElderly && earlier(elderly)) {
      elderly = Burden{kSignalHouseholdElderly,
                       Fact(r, "person.birth_date", "60 or over", "", kRoleHardship)};
    }
  }
  if (minor.has_value()) out.push_back(*std::move(minor));
  if (elderly.has_value()) out.push_back(*std::move(elderly));
  if (basis.category == Category::kSeriousInjury || basis.category == Category::kUrgentTreatment) {
    for (const LinkedRecord& linked : input.case_records) {
      const NormalizedRecord& r = linked.record;
      if (r.retracted() || !r.record().has_near_relative() ||
          !r.record().near_relative().depended_on_victim() ||
          r.agency() != basis.victim->agency() ||
          r.record().near_relative().victim_record_id() != basis.victim->source_record_id()) {
        continue;
      }
      out.push_back(Burden{kSignalMainEarner,
                           Fact(r, "near_relative.depended_on_victim", "true", "", kRoleHardship)});
      break;
    }
  }
  return out;
}

double BaseScore(Category category, const EligibilityRules& rules) {
  switch (category) {
    case Category::kSeriousInjury:
      return rules.serious_injury_base;
    case Category::kUrgentTreatment:
      return rules.urgent_treatment_base;
    case Category::kDependantOfDeceased:
      return rules.dependant_of_deceased_base;
    case Category::kPropertyLoss:
      return rules.property_loss_base;
    case Category::kCivilTort:
      return rules.civil_tort_base;
    case Category::kUnspecified:
      break;
  }
  return 0;
}

// Needs seen in the data, which choose the referral plan's "N".
std::vector<std::string> NeedsFor(const Basis& basis, bool unpaid_judgment,
                                  const std::set<std::string>& signal_names,
                                  const ScoringInput& input, absl::CivilDay today) {
  std::set<std::string> needs;
  if (unpaid_judgment) needs.insert("unpaid_compensation");
  if (basis.category == Category::kDependantOfDeceased) {
    needs.insert("bereavement");
    needs.insert("lost_income");
  }
  if (basis.category == Category::kSeriousInjury || basis.category == Category::kCivilTort) {
    needs.insert("lost_income");
  }
  if (basis.category == Category::kUrgentTreatment) needs.insert("medical_costs");
  const rv1::CriminalCase::Crime crime = basis.victim_facts().criminal_case().crime();
  if (crime == rv1::CriminalCase::CRIME_HOMICIDE ||
      crime == rv1::CriminalCase::CRIME_INTENTIONAL_INJURY ||
      crime == rv1::CriminalCase::CRIME_ROBBERY) {
    needs.insert("violent_crime");
  }
  if (IsMinor(input.person.birth_date(), today)) needs.insert("minor");
  for (const std::string& signal : signal_names) {
    // A household's poverty and medical costs are the family's; a member's disability, women's
    // or veteran's status is theirs, not the person's.
    const bool household = signal.starts_with(kHouseholdSignalPrefix);
    const std::string_view name =
        std::string_view(signal).substr(household ? sizeof(kHouseholdSignalPrefix) - 1 : 0);
    if (name == "rural_minimum_living" || name.starts_with("poverty_monitoring_")) {
      needs.insert("rural_poverty_risk");
    } else if (name == "medical_catastrophic") {
      needs.insert("medical_costs");
    } else if (household) {
      continue;
    } else if (name.starts_with("women_") || name == "child_left_behind") {
      needs.insert("women_difficulty");
    } else if (name.starts_with("disability_grade_")) {
      needs.insert("disability");
    } else if (name.starts_with("veteran")) {
      needs.insert("veteran");
    }
  }
  if ((basis.category == Category::kSeriousInjury && basis.victim_facts().disability_grade() > 0) ||
      (basis.civil() && basis.victim->record().civil_judgment().disability_grade() > 0)) {
    needs.insert("disability");
  }
  return std::vector<std::string>(needs.begin(), needs.end());
}

}  // namespace

Tier EligibilityRules::TierOf(double score) const {
  if (score >= tier_high_score) return Tier::kHigh;
  return score >= tier_medium_score ? Tier::kMedium : Tier::kLow;
}

std::pair<double, double> EligibilityRules::ScoreRange(Tier tier) const {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  switch (tier) {
    case Tier::kHigh:
      return {tier_high_score, kInfinity};
    case Tier::kMedium:
      return {tier_medium_score, tier_high_score};
    case Tier::kLow:
      return {-kInfinity, tier_medium_score};
    case Tier::kUnspecified:
      break;
  }
  return {-kInfinity, kInfinity};
}

double EligibilityRules::HardshipWeight(const std::string& signal) const {
  if (auto it = hardship_weights.find(signal); it != hardship_weights.end()) return it->second;
  const std::string_view prefix = kHouseholdSignalPrefix;
  if (signal.starts_with(prefix)) {
    return household_hardship_factor * HardshipWeight(signal.substr(prefix.size()));
  }
  return default_hardship_weight;
}

std::vector<ClueCandidate> ClueScorer::Score(const ScoringInput& input,
                                             absl::CivilDay today) const {
  std::vector<ClueCandidate> out;
  std::set<std::pair<std::string, Category>> seen;
  for (Basis& basis : Bases(input, rules_)) {
    if (basis.case_number.empty()) continue;
    if (!seen.emplace(basis.case_number, basis.category).second) continue;

    // (c) hardship, from the person's own records at the hardship agencies and from the other
    // household members' (a signal the person has themselves is not counted twice): current
    // ones, and those that began after this case.
    std::optional<absl::CivilDay> case_day;
    if (auto day = common::ParseDate(basis.case_date(), "case_date"); day.ok()) {
      case_day = *day;
    }
    std::vector<Signal> signals;
    std::set<std::string> signal_names;
    // Some signal must show hardship; the others only weigh (ShowsHardship,
    // ShowsHouseholdHardship).
    bool hardship = false;
    for (const NormalizedRecord& r : input.own_records) {
      std::optional<Signal> signal = HardshipSignal(r, today, rules_, case_day);
      if (!signal.has_value()) continue;
      hardship = hardship || ShowsHardship(signal->name);
      if (signal_names.insert(signal->name).second) signals.push_back(*std::move(signal));
    }
    std::set<std::string> household_names;
    for (const LinkedRecord& linked : input.household_records) {
      std::optional<Signal> signal = HardshipSignal(linked.record, today, rules_, case_day);
      if (!signal.has_value()) continue;
      hardship = hardship || ShowsHouseholdHardship(linked.record);
      if (signal_names.contains(signal->name)) continue;
      signal->name = absl::StrCat(kHouseholdSignalPrefix, signal->name);
      if (household_names.insert(signal->name).second) signals.push_back(*std::move(signal));
    }
    signal_names.insert(household_names.begin(), household_names.end());
    if (!hardship) continue;
    // Burdens on a family in hardship, no hardship alone: minors and elderly among the
    // household's other members, and, for an injured victim, near relatives who depended on them
    // (the victim was the household's main earner).
    std::vector<Evidence> burden_evidence;
    for (Burden& burden : Burdens(input, basis, today)) {
      if (signal_names.insert(burden.name).second) {
        burden_evidence.push_back(std::move(burden.evidence));
      }
    }

    // Exclusions the data show keep the candidate, as EXCLUDED, with the reason.
    std::vector<std::string> exclusions;
    // (d) once per case per party.
    const auto assistance = std::find_if(
        input.own_records.begin(), input.own_records.end(), [&](const NormalizedRecord& r) {
          return !r.retracted() && r.record().has_assistance_granted() &&
                 r.record().assistance_granted().case_number() == basis.case_number;
        });
    std::vector<Evidence> exclusion_evidence;
    if (assistance != input.own_records.end()) {
      exclusions.push_back(kExclusionAssisted);
      exclusion_evidence.push_back(Fact(*assistance, "assistance_granted.case_number",
                                        basis.case_number, "", kRoleExclusion));
    }

    // (b) compensation that cannot be had.
    Compensation comp = CompensationFor(basis.case_number, input.case_records);
    std::optional<int64_t> unpaid_known;
    std::vector<Evidence> comp_evidence;
    bool unpaid_judgment = false;
    const rv1::CriminalCase& criminal_case = basis.victim_facts().criminal_case();
    std::vector<std::string> questions;
    if (comp.any_record) {
      if (comp.enforcement_open) questions.push_back(kQuestionEnforcementOngoing);
      if (comp.unpaid_fen <= 0 && !comp.terminated_no_property) {
        exclusions.push_back(kExclusionPaid);  // compensated in full
        unpaid_known = 0;
      }
      if (comp.unpaid_fen > 0) unpaid_known = comp.unpaid_fen;
      comp_evidence = std::move(comp.evidence);
      unpaid_judgment = true;
    } else {
      // No judgment: compensation cannot be had from an offender who is unknown (the case
      // unsolved), dead or at large; one in custody or sentenced can still be sued first.
      const rv1::CriminalCase::OffenderStatus status = criminal_case.offender_status();
      if (status != rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN &&
          status != rv1::CriminalCase::OFFENDER_STATUS_DECEASED &&
          status != rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE) {
        continue;
      }
      questions.push_back(kQuestionNoCivilClaim);
      comp_evidence.push_back(Fact(*basis.victim, "criminal_victim.criminal_case.offender_status",
                                   rv1::CriminalCase::OffenderStatus_Name(status),
                                   criminal_case.case_date(), kRoleUnpaidCompensation));
    }

    ClueCandidate clue;
    clue.person_id = input.person_id;
    clue.case_number = basis.case_number;
    clue.category = basis.category;
    clue.evidence = std::move(basis.evidence);
    clue.evidence.insert(clue.evidence.end(), comp_evidence.begin(), comp_evidence.end());
    clue.evidence.insert(clue.evidence.end(), exclusion_evidence.begin(), exclusion_evidence.end());
    for (const Signal& s : signals) clue.evidence.push_back(s.evidence);
    clue.evidence.insert(clue.evidence.end(), burden_evidence.begin(), burden_evidence.end());
    clue.hardship_signals.assign(signal_names.begin(), signal_names.end());

    double hardship_weight = 0;
    for (const std::string& name : signal_names) hardship_weight += rules_.HardshipWeight(name);
    double score = BaseScore(basis.category, rules_) + hardship_weight;
    if (basis.victim_facts().victim_major_fault()) {
      exclusions.push_back(kExclusionMajorFault);
      clue.evidence.push_back(
          Fact(*basis.victim, "criminal_victim.victim_major_fault", "true", "", kRoleExclusion));
    }
    // An excluded candidate ranks below the clues.
    if (!exclusions.empty()) score *= rules_.exclusion_factor;
    clue.score = score;
    clue.exclusions = std::move(exclusions);

    clue.needs = NeedsFor(basis, unpaid_judgment, signal_names, input, today);
    clue.region_code = basis.region_code();
    if (HardshipBeforeCase(signals, case_day)) {
      questions.push_back(kQuestionHardshipBeforeCase);
    }
    questions.push_back(kQuestionArticle8);
    clue.questions = std::move(questions);

    AmountFacts amount;
    amount.category = basis.category;
    amount.region_code = clue.region_code;
    amount.hardship_weight = hardship_weight;
    for (const std::string& need : clue.needs) {
      if (need == "minor" || need == "disability" || need == "women_difficulty" ||
          need == "veteran") {
        amount.groups.push_back(need);
      }
    }
    amount.unpaid_fen = unpaid_known;
    if (basis.category == Category::kPropertyLoss) {
      amount.loss_fen = basis.victim_facts().property_loss_fen();
    }
    clue.suggested_amount = SuggestAmount(amount, rules_, today);
    clue.family = FamilyOf(input, basis.case_number, case_day, today, rules_);
    out.push_back(std::move(clue));
  }
  std::stable_sort(out.begin(), out.end(), [](const ClueCandidate& a, const ClueCandidate& b) {
    return a.score > b.score;
  });
  return out;
}

}  // namespace lifeline::match
