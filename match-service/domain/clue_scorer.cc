#include "match-service/domain/clue_scorer.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "common/time/dates.h"

namespace lifeline::match {
namespace {

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

Evidence Fact(const RecordFacts& r, std::string field, std::string value, std::string date,
              const char* role) {
  return Evidence{r.agency,
                  r.source_record_id,
                  std::move(field),
                  std::move(value),
                  date.empty() ? r.record_date : std::move(date),
                  role};
}

// True when `end_date` is empty or not before `today`. An unreadable end date keeps the record
// current: data raises a clue, a person judges it.
bool Current(const std::string& end_date, absl::CivilDay today) {
  if (end_date.empty()) return true;
  auto end = common::ParseDate(end_date, "end_date");
  return !end.ok() || *end >= today;
}

std::optional<Signal> HardshipSignal(const RecordFacts& r, absl::CivilDay today,
                                     const EligibilityRules& rules) {
  if (!IsHardshipAgency(r.agency) || r.retracted) return std::nullopt;
  switch (r.kind) {
    case RecordKind::kSocialAssistance: {
      const auto& s = r.social_assistance;
      if (s.programme == Programme::kUnspecified || !Current(s.end_date, today)) break;
      return Signal{Suffix(ProgrammeName(s.programme), "PROGRAMME_"),
                    Fact(r, "social_assistance.programme", std::string(ProgrammeName(s.programme)),
                         s.start_date, kRoleHardship)};
    }
    case RecordKind::kDisabilityCertificate: {
      const auto& d = r.disability;
      if (d.grade < 1 || d.grade > 4) break;
      return Signal{absl::StrCat("disability_grade_", d.grade),
                    Fact(r, "disability_certificate.grade",
                         absl::StrCat(d.grade, " ", std::string(DisabilityKindName(d.kind))),
                         d.issue_date, kRoleHardship)};
    }
    case RecordKind::kPovertyMonitoring: {
      const auto& p = r.poverty;
      if (p.category == PovertyCategory::kUnspecified || !Current(p.end_date, today)) break;
      return Signal{
          absl::StrCat("poverty_monitoring_", Suffix(PovertyCategoryName(p.category), "CATEGORY_")),
          Fact(r, "poverty_monitoring.category", std::string(PovertyCategoryName(p.category)),
               p.start_date, kRoleHardship)};
    }
    case RecordKind::kWomenChildrenDifficulty: {
      const auto& w = r.women_children;
      std::string name;
      switch (w.kind) {
        case WomenChildrenKind::kSingleMother:
          name = "women_single_mother";
          break;
        case WomenChildrenKind::kDomesticViolenceVictim:
          name = "women_domestic_violence";
          break;
        case WomenChildrenKind::kLeftBehindWoman:
          name = "women_left_behind";
          break;
        case WomenChildrenKind::kLeftBehindChild:
          name = "child_left_behind";
          break;
        case WomenChildrenKind::kFinancialDifficulty:
          name = "women_financial_difficulty";
          break;
        case WomenChildrenKind::kOther:
          name = "women_children_other";
          break;
        case WomenChildrenKind::kUnspecified:
          return std::nullopt;
      }
      return Signal{name,
                    Fact(r, "women_children_difficulty.kind",
                         std::string(WomenChildrenKindName(w.kind)), w.start_date, kRoleHardship)};
    }
    case RecordKind::kVeteranStatus: {
      const auto& v = r.veteran;
      std::string name;
      switch (v.kind) {
        case VeteranKind::kVeteran:
          name = "veteran";
          break;
        case VeteranKind::kEntitledGroup:
          name = "veteran_entitled_group";
          break;
        case VeteranKind::kVeteranInDifficulty:
          name = "veteran_in_difficulty";
          break;
        case VeteranKind::kUnspecified:
          return std::nullopt;
      }
      return Signal{name, Fact(r, "veteran_status.kind", std::string(VeteranKindName(v.kind)),
                               v.start_date, kRoleHardship)};
    }
    case RecordKind::kMedicalExpense: {
      const auto& m = r.medical;
      if (!m.catastrophic || m.year < today.year() - rules.medical_years_current) break;
      return Signal{"medical_catastrophic", Fact(r, "medical_expense.catastrophic",
                                                 absl::StrCat("true (", m.year, ", out of pocket ",
                                                              m.out_of_pocket_fen, ")"),
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
    const RecordFacts& r = lr.facts;
    if (r.retracted) continue;
    if (r.kind == RecordKind::kCivilJudgment && r.judgment.case_number == case_number) {
      const auto& j = r.judgment;
      const std::string key = j.judgment_number.empty()
                                  ? absl::StrCat("record:", r.agency, "/", r.source_record_id)
                                  : j.judgment_number;
      Judgment& entry = judgments[key];
      entry.awarded = std::max(entry.awarded, j.amount_awarded_fen);
      out.evidence.push_back(Fact(r, "civil_judgment.amount_awarded_fen",
                                  absl::StrCat(j.amount_awarded_fen), j.judgment_date,
                                  kRoleUnpaidCompensation));
    } else if (r.kind == RecordKind::kEnforcement && r.enforcement.case_number == case_number) {
      const auto& e = r.enforcement;
      const std::string key = !e.judgment_number.empty() ? e.judgment_number
                              : !e.enforcement_number.empty()
                                  ? absl::StrCat("enforcement:", e.enforcement_number)
                                  : absl::StrCat("record:", r.agency, "/", r.source_record_id);
      Judgment& entry = judgments[key];
      entry.awarded = std::max(entry.awarded, e.amount_awarded_fen);
      entry.paid = std::max(entry.paid, e.amount_paid_fen);
      if (e.status == EnforcementStatus::kTerminatedNoProperty) entry.terminated = true;
      out.evidence.push_back(Fact(r, "enforcement.amount_paid_fen", absl::StrCat(e.amount_paid_fen),
                                  e.status_date, kRoleUnpaidCompensation));
      out.evidence.push_back(Fact(r, "enforcement.status",
                                  std::string(EnforcementStatusName(e.status)), e.status_date,
                                  kRoleUnpaidCompensation));
    }
  }
  for (const auto& [key, j] : judgments) {
    out.any_record = true;
    out.unpaid_fen += std::max<int64_t>(0, j.awarded - j.paid);
    // Terminated enforcement means the rest will not come, unless the books show it all paid.
    if (j.terminated && !(j.awarded > 0 && j.paid >= j.awarded)) out.terminated_no_property = true;
  }
  return out;
}

const RecordFacts* FindVictimRecord(const RecordFacts& relative_record,
                                    const std::vector<LinkedRecord>& case_records) {
  for (const LinkedRecord& lr : case_records) {
    const RecordFacts& r = lr.facts;
    if (r.kind == RecordKind::kCriminalVictim && !r.retracted &&
        r.agency == relative_record.agency &&
        r.source_record_id == relative_record.relative.victim_record_id) {
      return &r;
    }
  }
  return nullptr;
}

bool IsMinor(const std::string& birth_date, absl::CivilDay today) {
  if (birth_date.empty()) return false;
  auto birth = common::ParseDate(birth_date, "birth_date");
  if (!birth.ok()) return false;
  int age = static_cast<int>(today.year() - birth->year());
  if (today.month() < birth->month() ||
      (today.month() == birth->month() && today.day() < birth->day())) {
    --age;
  }
  return age >= 0 && age < 18;
}

// A category the person falls under for one case, before conditions (b)-(d).
struct Basis {
  Category category;
  std::string case_number;
  const RecordFacts* victim;  // the victim's record (the person's own one unless a dependant)
  std::vector<Evidence> evidence;
};

std::vector<Basis> Bases(const ScoringInput& input, const EligibilityRules& rules) {
  std::vector<Basis> out;
  for (const RecordFacts& r : input.own_records) {
    if (r.retracted) continue;
    if (r.kind == RecordKind::kCriminalVictim) {
      const VictimFacts& v = r.victim;
      const bool severe =
          v.harm == Harm::kSeriousInjury ||
          (v.disability_grade >= 1 && v.disability_grade <= rules.severe_disability_max_grade &&
           v.harm != Harm::kDeath);
      Basis basis{Category::kUnspecified, v.case_number, &r, {}};
      basis.evidence.push_back(Fact(r, "criminal_victim.harm", std::string(HarmName(v.harm)),
                                    v.case_date, kRoleCategory));
      if (severe) {
        basis.category = Category::kSeriousInjury;
        if (v.disability_grade > 0) {
          basis.evidence.push_back(Fact(r, "criminal_victim.disability_grade",
                                        absl::StrCat(v.disability_grade), "", kRoleCategory));
        }
      } else if (v.needs_urgent_treatment &&
                 (v.harm == Harm::kMinorInjury || v.harm == Harm::kUnspecified)) {
        basis.category = Category::kUrgentTreatment;
        basis.evidence.push_back(
            Fact(r, "criminal_victim.needs_urgent_treatment", "true", "", kRoleCategory));
      } else if (v.harm == Harm::kPropertyLoss &&
                 v.property_loss_fen >= rules.property_loss_threshold_fen) {
        basis.category = Category::kPropertyLoss;
        basis.evidence.push_back(Fact(r, "criminal_victim.property_loss_fen",
                                      absl::StrCat(v.property_loss_fen), "", kRoleCategory));
      }
      if (basis.category != Category::kUnspecified) out.push_back(std::move(basis));
    } else if (r.kind == RecordKind::kNearRelative && r.relative.depended_on_victim) {
      const RecordFacts* victim = FindVictimRecord(r, input.case_records);
      if (victim == nullptr || victim->victim.harm != Harm::kDeath) continue;
      Basis basis{
          Category::kDependantOfDeceased,
          r.relative.case_number.empty() ? victim->victim.case_number : r.relative.case_number,
          victim,
          {}};
      basis.evidence.push_back(Fact(r, "near_relative.relation",
                                    std::string(RelationName(r.relative.relation)), "",
                                    kRoleCategory));
      basis.evidence.push_back(
          Fact(r, "near_relative.depended_on_victim", "true", "", kRoleCategory));
      basis.evidence.push_back(Fact(*victim, "criminal_victim.harm",
                                    std::string(HarmName(victim->victim.harm)),
                                    victim->victim.case_date, kRoleCategory));
      out.push_back(std::move(basis));
    }
  }
  return out;
}

}  // namespace

std::vector<ClueCandidate> ClueScorer::Score(const ScoringInput& input,
                                             absl::CivilDay today) const {
  // (c) hardship, from the person's own records at the hardship agencies.
  std::vector<Signal> signals;
  std::set<std::string> signal_names;
  for (const RecordFacts& r : input.own_records) {
    if (auto signal = HardshipSignal(r, today, rules_); signal.has_value()) {
      signals.push_back(*signal);
      signal_names.insert(signal->name);
    }
  }
  if (signals.empty()) return {};

  std::vector<ClueCandidate> out;
  std::set<std::pair<std::string, Category>> seen;
  for (Basis& basis : Bases(input, rules_)) {
    if (basis.case_number.empty()) continue;
    if (!seen.emplace(basis.case_number, basis.category).second) continue;

    // (d) once per case per party.
    const bool assisted =
        std::any_of(input.own_records.begin(), input.own_records.end(), [&](const RecordFacts& r) {
          return !r.retracted && r.kind == RecordKind::kAssistanceGranted &&
                 r.assistance.case_number == basis.case_number;
        });
    if (assisted) continue;

    // (b) compensation that cannot be had.
    Compensation comp = CompensationFor(basis.case_number, input.case_records);
    std::optional<int64_t> unpaid_known;
    std::vector<Evidence> comp_evidence;
    bool unpaid_judgment = false;
    if (comp.any_record) {
      if (comp.unpaid_fen <= 0 && !comp.terminated_no_property) continue;  // fully paid
      if (comp.unpaid_fen > 0) unpaid_known = comp.unpaid_fen;
      comp_evidence = std::move(comp.evidence);
      unpaid_judgment = true;
    } else {
      const OffenderStatus status = basis.victim->victim.offender_status;
      if (status != OffenderStatus::kUnknown && status != OffenderStatus::kDeceased) continue;
      comp_evidence.push_back(Fact(*basis.victim, "criminal_victim.criminal_case.offender_status",
                                   std::string(OffenderStatusName(status)),
                                   basis.victim->victim.case_date, kRoleUnpaidCompensation));
    }

    ClueCandidate clue;
    clue.person_id = input.person_id;
    clue.case_number = basis.case_number;
    clue.category = basis.category;
    clue.evidence = std::move(basis.evidence);
    clue.evidence.insert(clue.evidence.end(), comp_evidence.begin(), comp_evidence.end());
    for (const Signal& s : signals) clue.evidence.push_back(s.evidence);
    clue.hardship_signals.assign(signal_names.begin(), signal_names.end());

    double score = 0;
    switch (basis.category) {
      case Category::kSeriousInjury:
        score = rules_.serious_injury_base;
        break;
      case Category::kUrgentTreatment:
        score = rules_.urgent_treatment_base;
        break;
      case Category::kDependantOfDeceased:
        score = rules_.dependant_of_deceased_base;
        break;
      case Category::kPropertyLoss:
        score = rules_.property_loss_base;
        break;
      case Category::kUnspecified:
        break;
    }
    for (const std::string& name : signal_names) {
      auto it = rules_.hardship_weights.find(name);
      score += it == rules_.hardship_weights.end() ? rules_.default_hardship_weight : it->second;
    }
    if (basis.victim->victim.victim_major_fault) {
      clue.possible_exclusions.push_back("victim_major_fault");
      clue.evidence.push_back(
          Fact(*basis.victim, "criminal_victim.victim_major_fault", "true", "", kRoleExclusion));
      score *= rules_.exclusion_factor;
    }
    clue.score = score;

    const int64_t cap = rules_.CapFen();
    clue.suggested_amount.max_fen = unpaid_known.has_value() ? std::min(*unpaid_known, cap) : cap;
    clue.suggested_amount.min_fen = std::min(rules_.floor_fen, clue.suggested_amount.max_fen);

    // Needs, for the referral plan.
    std::set<std::string> needs;
    if (unpaid_judgment) needs.insert("unpaid_compensation");
    if (basis.category == Category::kDependantOfDeceased) {
      needs.insert("bereavement");
      needs.insert("lost_income");
    }
    if (basis.category == Category::kSeriousInjury) needs.insert("lost_income");
    if (basis.category == Category::kUrgentTreatment) needs.insert("medical_costs");
    const Crime crime = basis.victim->victim.crime;
    if (crime == Crime::kHomicide || crime == Crime::kIntentionalInjury ||
        crime == Crime::kRobbery) {
      needs.insert("violent_crime");
    }
    if (IsMinor(input.person.birth_date, today)) needs.insert("minor");
    for (const std::string& name : signal_names) {
      if (name == "rural_minimum_living" || name.rfind("poverty_monitoring_", 0) == 0) {
        needs.insert("rural_poverty_risk");
      } else if (name.rfind("women_", 0) == 0 || name == "child_left_behind") {
        needs.insert("women_difficulty");
      } else if (name.rfind("disability_grade_", 0) == 0) {
        needs.insert("disability");
      } else if (name.rfind("veteran", 0) == 0) {
        needs.insert("veteran");
      } else if (name == "medical_catastrophic") {
        needs.insert("medical_costs");
      }
    }
    if (basis.category == Category::kSeriousInjury && basis.victim->victim.disability_grade > 0) {
      needs.insert("disability");
    }
    clue.needs.assign(needs.begin(), needs.end());
    out.push_back(std::move(clue));
  }
  std::stable_sort(out.begin(), out.end(), [](const ClueCandidate& a, const ClueCandidate& b) {
    return a.score > b.score;
  });
  return out;
}

}  // namespace lifeline::match
