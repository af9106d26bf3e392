#include "match-service/domain/plan_request.h"

#include <string>

namespace lifeline::match {

referral::v1::CreatePlanRequest ComposePlanRequest(const Clue& clue, const std::string& person_id,
                                                   const NormalizedPerson& person,
                                                   const Review& review) {
  referral::v1::CreatePlanRequest request;
  request.set_clue_id(clue.clue_id);
  auto* plan_person = request.mutable_person();
  plan_person->set_person_id(person_id);
  plan_person->set_name(person.name_original());
  plan_person->set_id_masked(person.id_masked());
  plan_person->set_sex(person.sex());
  plan_person->set_birth_date(person.birth_date());
  plan_person->set_region_code(person.region_code());
  request.set_category(std::string(CategoryName(clue.candidate.category)));
  request.set_case_number(clue.candidate.case_number);
  request.set_approved_amount_fen(review.amount_fen);
  for (const std::string& need : clue.candidate.needs) request.add_needs(need);
  request.set_approved_by(review.reviewer);
  return request;
}

}  // namespace lifeline::match
