// The life facts behind the agency records: who is poor, disabled, monitored, a veteran, in
// difficulty; which criminal cases happened to whom, what the court awarded and what was paid;
// and, from those clean facts, the truth about who is eligible for judicial assistance and who
// is a near miss. Records are emitted from these facts later (RecordEmitter), with noise.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "lifeline/records/v1/records.pb.h"
#include "tools/datagen/model.h"
#include "tools/datagen/population.h"

namespace lifeline::datagen {

namespace rv1 = lifeline::records::v1;

// What the hardship agencies know about one person. Absent fields mean "not on that list".
struct Hardship {
  rv1::SocialAssistance::Programme social = rv1::SocialAssistance::PROGRAMME_UNSPECIFIED;
  bool social_head = false;    // the household head of the assisted household
  bool social_listed = false;  // named on the list (lists often name only the head)
  Date social_start;
  int64_t social_monthly_fen = 0;
  bool temporary_aid = false;
  Date temporary_date;
  rv1::DisabilityCertificate::Kind disability = rv1::DisabilityCertificate::KIND_UNSPECIFIED;
  int disability_grade = 0;
  Date disability_issued;
  rv1::PovertyMonitoring::Category poverty = rv1::PovertyMonitoring::CATEGORY_UNSPECIFIED;
  rv1::PovertyMonitoring::RiskCause poverty_cause = rv1::PovertyMonitoring::RISK_CAUSE_UNSPECIFIED;
  Date poverty_start;
  rv1::WomenChildrenDifficulty::Kind women = rv1::WomenChildrenDifficulty::KIND_UNSPECIFIED;
  Date women_start;
  rv1::VeteranStatus::Kind veteran = rv1::VeteranStatus::KIND_UNSPECIFIED;
  Date veteran_start;
  bool medical = false;
  int medical_year = 0;
  int64_t medical_out_of_pocket_fen = 0;
  int64_t medical_assistance_fen = 0;
  bool catastrophic = false;
};

struct CaseRelative {
  int64_t person = 0;
  rv1::NearRelative::Relation relation = rv1::NearRelative::RELATION_UNSPECIFIED;
  bool depended = false;
};

struct CaseVictim {
  int64_t person = 0;
  std::string record_id;  // the procuratorate's victim record id
  rv1::CriminalVictim::Harm harm = rv1::CriminalVictim::HARM_UNSPECIFIED;
  int disability_grade = 0;  // criminal cases: the procuratorate's (1 most severe to 4)
  // Civil cases: the court's injury appraisal (人体损伤致残程度分级, 1 most severe to 10; 0 none).
  int appraisal_grade = 0;
  int64_t property_loss_fen = 0;
  bool major_fault = false;
  bool urgent = false;
  std::vector<CaseRelative> relatives;
  // Incidental civil judgment and its enforcement (judgment == false: none).
  bool judgment = false;
  int64_t awardee = 0;  // person the court awarded compensation to
  int64_t awarded_fen = 0;
  int64_t paid_fen = 0;
  Date judgment_date;
  rv1::Enforcement::Status enforcement = rv1::Enforcement::STATUS_UNSPECIFIED;
  Date enforcement_date;
  // Judicial assistance already granted for this case (to `assisted_person`).
  bool assisted = false;
  int64_t assisted_person = 0;
  int64_t assisted_fen = 0;
  Date assisted_date;
};

// A criminal case, or (claim set) a civil case of its own over a traffic accident or another tort:
// no procuratorate file then, only the court's judgment and enforcement, in which the victim of a
// death is represented by the relative the court awards to.
struct CaseFacts {
  std::string number;  // e.g. "(2023)皖1523刑初45号"-like, ASCII-safe: "2023-341523-X-0045"
  rv1::CriminalCase::Crime crime = rv1::CriminalCase::CRIME_UNSPECIFIED;
  rv1::CivilJudgment::Claim claim = rv1::CivilJudgment::CLAIM_UNSPECIFIED;
  Date date;
  std::string region_code;
  std::string handling_unit;
  rv1::CriminalCase::OffenderStatus offender = rv1::CriminalCase::OFFENDER_STATUS_UNSPECIFIED;
  std::vector<CaseVictim> victims;
  bool planted = false;
  bool civil() const { return claim != rv1::CivilJudgment::CLAIM_UNSPECIFIED; }
};

// The whole synthetic world.
struct World {
  Population population;
  std::unordered_map<int64_t, Hardship> hardship;  // by person id; only people on some list
  std::vector<CaseFacts> cases;
  std::vector<PlantedEligible> eligible;     // every eligible person (planted and emergent)
  std::vector<PlantedNearMiss> near_misses;  // one failing condition only
  std::vector<bool> eligible_planted;        // parallel to `eligible`

  const Hardship* hardship_of(int64_t person) const {
    auto it = hardship.find(person);
    return it == hardship.end() ? nullptr : &it->second;
  }
};

// Returns the hardship signals the records show for `person` (own lists, plus the household's
// minimum-living or monitoring status when only the head is named): "rural_minimum_living",
// "household_rural_minimum_living", "disability_grade_2", "poverty_monitoring",
// "women_financial_difficulty", "veteran_in_difficulty", "catastrophic_medical", ...
std::vector<std::string> HardshipSignals(const World& world, int64_t person);

struct WorldOptions {
  int64_t persons = 50000;
  // Planted cases per eligible category and per near-miss reason; <= 0: persons / 10,000, at
  // least 3.
  int planted_per_kind = 0;
  // Random criminal cases per person.
  double case_rate = 0.003;
  // Random civil cases of their own (traffic accidents, other torts) per person.
  double civil_case_rate = 0.001;
};

// Builds the world on top of a population: hardship lists, random criminal cases, planted
// cases of every category and near-miss reason, then derives the eligibility truth.
class WorldBuilder {
 public:
  explicit WorldBuilder(const WorldOptions& options) : options_(options) {}
  void Build(World& world, std::mt19937_64& rng) const;

 private:
  WorldOptions options_;
};

}  // namespace lifeline::datagen
