// The eligibility rules the scorer applies, as plain values. main loads them from
// config/eligibility.yaml (schema lifeline.match.v1.EligibilityConfig); the defaults here are
// the shipped ones (an Anhui-like wage series).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "match-service/domain/clue.h"

namespace lifeline::match {

// The prefix of a household member's hardship signal ("household_rural_minimum_living").
inline constexpr char kHouseholdSignalPrefix[] = "household_";

// Burdens on a family in hardship, weighed like hardship signals but no hardship alone (a clue
// still needs a hardship record): a minor or an elderly person (60 or over) among the household's
// other members, and near relatives who depended on an injured victim.
inline constexpr char kSignalHouseholdMinor[] = "household_minor";
inline constexpr char kSignalHouseholdElderly[] = "household_elderly";
inline constexpr char kSignalMainEarner[] = "main_earner";

// One row of the wage table.
struct WageRow {
  std::string region;  // division code prefix; "" matches every region
  int32_t year = 0;
  int64_t monthly_wage_fen = 0;
};

// The wage a clue's amount is computed from, and where it came from.
struct WageChoice {
  int64_t monthly_wage_fen = 0;
  // The row used; empty region and year 0 when no row matched (the default wage).
  std::string region;
  int32_t year = 0;
};

struct EligibilityRules {
  // Previous year's average monthly wage of employees, in fen, for a region without a row in
  // `wages`.
  int64_t monthly_wage_fen = 864000;
  // Wage rows by region and year (Anhui 2023: about 8,640 yuan a month).
  std::vector<WageRow> wages = {{"34", 2023, 864000}};
  // Cap on the suggested amount, in months of that wage.
  int32_t max_months = 36;
  // Lower end of the suggested range (local floor), in fen.
  int64_t floor_fen = 300000;
  // Smallest property loss that makes a property-loss clue, in fen.
  int64_t property_loss_threshold_fen = 5000000;
  // An injury disability grade at or below this (1 most severe) counts as severely disabled.
  int32_t severe_disability_max_grade = 2;
  // A court's injury appraisal in a civil case (grades 1 most severe to 10) at or below this
  // counts as severely disabled.
  int32_t injury_appraisal_severe_max_grade = 4;

  // Base score per category.
  double serious_injury_base = 60;
  double urgent_treatment_base = 55;
  double dependant_of_deceased_base = 60;
  double property_loss_base = 40;
  double civil_tort_base = 55;

  // Added per hardship signal seen (e.g. "rural_minimum_living"); signals not listed add
  // default_hardship_weight.
  std::map<std::string, double> hardship_weights = {{"rural_minimum_living", 20},
                                                    {"urban_minimum_living", 15},
                                                    {"extreme_poverty", 25},
                                                    {"low_income", 10},
                                                    {"temporary_assistance", 5},
                                                    {"disability_grade_1", 20},
                                                    {"disability_grade_2", 15},
                                                    {"disability_grade_3", 8},
                                                    {"disability_grade_4", 5},
                                                    {"poverty_monitoring_unstable", 15},
                                                    {"poverty_monitoring_marginal", 12},
                                                    {"poverty_monitoring_sudden_hardship", 15},
                                                    {"poverty_monitoring_formerly_poor", 5},
                                                    {"women_financial_difficulty", 10},
                                                    {"women_single_mother", 10},
                                                    {"women_domestic_violence", 10},
                                                    {"veteran_in_difficulty", 10},
                                                    {"medical_catastrophic", 12},
                                                    {"household_minor", 5},
                                                    {"household_elderly", 5},
                                                    {"main_earner", 10}};
  double default_hardship_weight = 5;
  // A household member's hardship signal ("household_" + its name) weighs this fraction of the
  // signal's own weight, unless hardship_weights names it.
  double household_hardship_factor = 0.75;

  // Scores at or above these are high / medium tier clues; below medium, low.
  double tier_high_score = 90;
  double tier_medium_score = 70;

  // The tier of a clue scoring `score`, and the scores [from, below) of a tier.
  Tier TierOf(double score) const;
  std::pair<double, double> ScoreRange(Tier tier) const;

  // The weight of a hardship signal.
  double HardshipWeight(const std::string& signal) const;

  // Score multiplier when the data raises a possible exclusion (e.g. victim major fault).
  double exclusion_factor = 0.3;

  // Medical expense records of this many past years (and the current one) count as current.
  int32_t medical_years_current = 1;
  // A hardship that began within this many years after the case counts even if it has ended
  // since (a one-off temporary-assistance grant, a catastrophic medical expense): the case
  // caused it.
  int32_t case_hardship_years = 2;

  // Months of wage per category for the suggested amount.
  double serious_injury_months = 3;
  double urgent_treatment_months = 2;
  double dependant_of_deceased_months = 4;
  double property_loss_months = 1;
  double civil_tort_months = 2;
  // Hardship levels: hardship weights summing to at least very_hardship_weight add
  // very_hardship_months; at least extreme_hardship_weight, extreme_hardship_months instead.
  double very_hardship_weight = 30;
  double very_hardship_months = 1;
  double extreme_hardship_weight = 50;
  double extreme_hardship_months = 2;
  // Extra months per special group the data shows (minor, disability, women_difficulty, veteran).
  std::map<std::string, double> uplift_months = {
      {"minor", 1}, {"disability", 1}, {"women_difficulty", 1}, {"veteran", 1}};
  // Approving more than this needs a note and a chief procurator (10,000 yuan).
  int64_t approval_threshold_fen = 1000000;

  // The wage for a clue of `region_code` decided in `decision_year`: the row of the longest
  // region prefix that has one for the previous year or before, the latest such year; else
  // monthly_wage_fen.
  WageChoice WageFor(std::string_view region_code, int32_t decision_year) const;
  // Months of wage per category.
  double MonthsFor(Category category) const;
};

}  // namespace lifeline::match
