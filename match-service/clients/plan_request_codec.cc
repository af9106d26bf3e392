#include "match-service/clients/plan_request_codec.h"

#include <string>

#include "absl/status/status.h"

namespace lifeline::match {

referral::v1::CreatePlanRequest ToProto(const PlanRequest& request) {
  referral::v1::CreatePlanRequest proto;
  proto.set_clue_id(request.clue_id);
  auto* person = proto.mutable_person();
  person->set_person_id(request.person.person_id);
  person->set_name(request.person.name);
  person->set_id_masked(request.person.id_masked);
  person->set_sex(static_cast<records::v1::Sex>(request.person.sex));
  person->set_birth_date(request.person.birth_date);
  person->set_region_code(request.person.region_code);
  proto.set_category(request.category);
  proto.set_case_number(request.case_number);
  proto.set_approved_amount_fen(request.approved_amount_fen);
  for (const std::string& need : request.needs) proto.add_needs(need);
  proto.set_referring_unit(request.referring_unit);
  proto.set_approved_by(request.approved_by);
  return proto;
}

PlanRequest FromProto(const referral::v1::CreatePlanRequest& proto) {
  PlanRequest request;
  request.clue_id = proto.clue_id();
  request.person.person_id = proto.person().person_id();
  request.person.name = proto.person().name();
  request.person.id_masked = proto.person().id_masked();
  switch (proto.person().sex()) {
    case records::v1::SEX_MALE:
      request.person.sex = Sex::kMale;
      break;
    case records::v1::SEX_FEMALE:
      request.person.sex = Sex::kFemale;
      break;
    default:
      request.person.sex = Sex::kUnspecified;
      break;
  }
  request.person.birth_date = proto.person().birth_date();
  request.person.region_code = proto.person().region_code();
  request.category = proto.category();
  request.case_number = proto.case_number();
  request.approved_amount_fen = proto.approved_amount_fen();
  request.needs.assign(proto.needs().begin(), proto.needs().end());
  request.referring_unit = proto.referring_unit();
  request.approved_by = proto.approved_by();
  return request;
}

absl::StatusOr<std::string> EncodePlanRequest(const PlanRequest& request) {
  std::string out;
  if (!ToProto(request).SerializeToString(&out)) {
    return absl::InternalError("CreatePlanRequest serialization failed");
  }
  return out;
}

absl::StatusOr<PlanRequest> DecodePlanRequest(std::string_view payload) {
  referral::v1::CreatePlanRequest proto;
  if (!proto.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError("outbox payload is not a CreatePlanRequest");
  }
  return FromProto(proto);
}

}  // namespace lifeline::match
