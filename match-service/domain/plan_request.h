// What match-service asks referral-service for when a clue is approved: the person, the
// category and case, the approved amount and the needs the data shows (which choose the "N").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "match-service/domain/record_facts.h"

namespace lifeline::match {

struct PlanPerson {
  std::string person_id;
  std::string name;
  std::string id_masked;
  Sex sex = Sex::kUnspecified;
  std::string birth_date;
  std::string region_code;
  bool operator==(const PlanPerson&) const = default;
};

struct PlanRequest {
  std::string clue_id;
  PlanPerson person;
  // Category name, e.g. "CATEGORY_DEPENDANT_OF_DECEASED".
  std::string category;
  std::string case_number;
  int64_t approved_amount_fen = 0;
  std::vector<std::string> needs;
  std::string referring_unit;
  std::string approved_by;
  bool operator==(const PlanRequest&) const = default;
};

}  // namespace lifeline::match
