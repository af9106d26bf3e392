// Scores one person against the judicial-assistance rules (DOMAIN.md) and returns the clues the
// data supports, each with the evidence behind it. Deterministic, no I/O. Thread-safe (const).
#pragma once

#include <string>
#include <vector>

#include "absl/time/civil_time.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/eligibility_rules.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// A live record together with the person it is linked to.
struct LinkedRecord {
  std::string person_id;
  NormalizedRecord record;
};

// Everything the scorer needs about one person.
struct ScoringInput {
  std::string person_id;
  // The person's best-known identity (birth date decides "minor").
  NormalizedPerson person;
  // The person's own live records.
  std::vector<NormalizedRecord> own_records;
  // Live records of every case the person appears in (victims, relatives, judgments,
  // enforcement, assistance, whoever they are linked to), plus victim records named by the
  // person's near-relative records.
  std::vector<LinkedRecord> case_records;
  // Live records of the other persons of the person's household (those with a record carrying a
  // household id that one of the person's records carries) and of the other dependants of a
  // victim the person depended on: a household member on the minimum-living list or with a
  // disability certificate is the family's hardship too.
  std::vector<LinkedRecord> household_records;
};

class ClueScorer {
 public:
  explicit ClueScorer(EligibilityRules rules) : rules_(std::move(rules)) {}

  // Returns one candidate per (case, category) the person qualifies for on `today`. A clue needs
  // (a) a category (seriously injured or urgently needing treatment victim, dependant of a killed
  // victim, major property loss), (b) compensation that cannot be had (unpaid judgment or
  // enforcement, enforcement terminated for lack of property, or, without any judgment, an
  // unknown, deceased or fugitive offender), (c) current hardship on record at an agency other than
  // the procuratorate and the court, the person's own or a household member's ("household_"
  // signals). Exclusions the data show (assistance already granted for the case, compensation
  // paid in full, the victim's major fault) keep the candidate with them in `exclusions` (stored
  // as EXCLUDED, not a clue) and multiply its score by exclusion_factor.
  std::vector<ClueCandidate> Score(const ScoringInput& input, absl::CivilDay today) const;

  const EligibilityRules& rules() const { return rules_; }

 private:
  EligibilityRules rules_;
};

}  // namespace lifeline::match
