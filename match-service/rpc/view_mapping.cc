#include "match-service/rpc/record_mapping.h"

#include <string>

#include "absl/status/status.h"

namespace lifeline::match {
namespace {

namespace rv1 = ::lifeline::records::v1;

template <typename DomainEnum, typename ProtoEnum>
DomainEnum Enum(ProtoEnum value) {
  return static_cast<DomainEnum>(static_cast<int>(value));
}

}  // namespace

absl::StatusOr<RecordFacts> FactsFromProto(const rv1::NormalizedRecord& in) {
  if (in.agency().empty()) return absl::InvalidArgumentError("agency is required");
  if (in.source_record_id().empty()) {
    return absl::InvalidArgumentError("source_record_id is required");
  }
  RecordFacts f;
  f.agency = in.agency();
  f.source_record_id = in.source_record_id();
  f.version = in.version();
  f.record_date = in.record_date();
  f.retracted = in.retracted();
  const rv1::NormalizedPerson& p = in.person();
  f.person.id_token = p.id_token();
  f.person.id_masked = p.id_masked();
  f.person.name_original = p.name_original();
  f.person.name_normalized = p.name_normalized();
  f.person.sex = Enum<Sex>(p.sex());
  f.person.birth_date = p.birth_date();
  f.person.region_code = p.region_code();
  f.person.household_id = p.household_id();

  const rv1::Record& r = in.record();
  switch (r.payload_case()) {
    case rv1::Record::kCriminalVictim: {
      f.kind = RecordKind::kCriminalVictim;
      const auto& v = r.criminal_victim();
      f.victim.case_number = v.criminal_case().case_number();
      f.victim.crime = Enum<Crime>(v.criminal_case().crime());
      f.victim.case_date = v.criminal_case().case_date();
      f.victim.offender_status = Enum<OffenderStatus>(v.criminal_case().offender_status());
      f.victim.harm = Enum<Harm>(v.harm());
      f.victim.disability_grade = v.disability_grade();
      f.victim.property_loss_fen = v.property_loss_fen();
      f.victim.victim_major_fault = v.victim_major_fault();
      f.victim.needs_urgent_treatment = v.needs_urgent_treatment();
      break;
    }
    case rv1::Record::kNearRelative: {
      f.kind = RecordKind::kNearRelative;
      const auto& n = r.near_relative();
      f.relative.case_number = n.case_number();
      f.relative.victim_record_id = n.victim_record_id();
      f.relative.relation = Enum<Relation>(n.relation());
      f.relative.depended_on_victim = n.depended_on_victim();
      break;
    }
    case rv1::Record::kAssistanceGranted: {
      f.kind = RecordKind::kAssistanceGranted;
      const auto& a = r.assistance_granted();
      f.assistance.case_number = a.case_number();
      f.assistance.amount_fen = a.amount_fen();
      f.assistance.granted_date = a.granted_date();
      break;
    }
    case rv1::Record::kCivilJudgment: {
      f.kind = RecordKind::kCivilJudgment;
      const auto& j = r.civil_judgment();
      f.judgment.case_number = j.case_number();
      f.judgment.judgment_number = j.judgment_number();
      f.judgment.amount_awarded_fen = j.amount_awarded_fen();
      f.judgment.judgment_date = j.judgment_date();
      break;
    }
    case rv1::Record::kEnforcement: {
      f.kind = RecordKind::kEnforcement;
      const auto& e = r.enforcement();
      f.enforcement.case_number = e.case_number();
      f.enforcement.judgment_number = e.judgment_number();
      f.enforcement.enforcement_number = e.enforcement_number();
      f.enforcement.amount_awarded_fen = e.amount_awarded_fen();
      f.enforcement.amount_paid_fen = e.amount_paid_fen();
      f.enforcement.status = Enum<EnforcementStatus>(e.status());
      f.enforcement.status_date = e.status_date();
      break;
    }
    case rv1::Record::kSocialAssistance: {
      f.kind = RecordKind::kSocialAssistance;
      const auto& s = r.social_assistance();
      f.social_assistance.programme = Enum<Programme>(s.programme());
      f.social_assistance.household_head = s.household_head();
      f.social_assistance.start_date = s.start_date();
      f.social_assistance.end_date = s.end_date();
      break;
    }
    case rv1::Record::kDisabilityCertificate: {
      f.kind = RecordKind::kDisabilityCertificate;
      const auto& d = r.disability_certificate();
      f.disability.kind = Enum<DisabilityKind>(d.kind());
      f.disability.grade = d.grade();
      f.disability.issue_date = d.issue_date();
      break;
    }
    case rv1::Record::kPovertyMonitoring: {
      f.kind = RecordKind::kPovertyMonitoring;
      const auto& m = r.poverty_monitoring();
      f.poverty.category = Enum<PovertyCategory>(m.category());
      f.poverty.start_date = m.start_date();
      f.poverty.end_date = m.end_date();
      break;
    }
    case rv1::Record::kWomenChildrenDifficulty: {
      f.kind = RecordKind::kWomenChildrenDifficulty;
      f.women_children.kind = Enum<WomenChildrenKind>(r.women_children_difficulty().kind());
      f.women_children.start_date = r.women_children_difficulty().start_date();
      break;
    }
    case rv1::Record::kVeteranStatus: {
      f.kind = RecordKind::kVeteranStatus;
      f.veteran.kind = Enum<VeteranKind>(r.veteran_status().kind());
      f.veteran.start_date = r.veteran_status().start_date();
      break;
    }
    case rv1::Record::kMedicalExpense: {
      f.kind = RecordKind::kMedicalExpense;
      const auto& m = r.medical_expense();
      f.medical.year = m.year();
      f.medical.out_of_pocket_fen = m.out_of_pocket_fen();
      f.medical.catastrophic = m.catastrophic();
      break;
    }
    case rv1::Record::PAYLOAD_NOT_SET:
      if (!in.retracted()) return absl::InvalidArgumentError("record.payload is required");
      break;
  }
  return f;
}

void ToProto(const ClueView& view, v1::Clue* out) {
  const Clue& clue = view.clue;
  const ClueCandidate& c = clue.candidate;
  out->set_clue_id(clue.clue_id);
  out->set_person_id(c.person_id);
  out->set_person_name(view.person_name);
  out->set_person_id_masked(view.person_id_masked);
  out->set_category(static_cast<v1::Category>(static_cast<int>(c.category)));
  out->set_case_number(c.case_number);
  out->set_score(c.score);
  out->set_status(static_cast<v1::ClueStatus>(static_cast<int>(clue.status)));
  for (const Evidence& e : c.evidence) {
    v1::Evidence* pe = out->add_evidence();
    pe->set_agency(e.agency);
    pe->set_source_record_id(e.source_record_id);
    pe->set_field(e.field);
    pe->set_value(e.value);
    pe->set_date(e.date);
    pe->set_role(e.role);
  }
  out->mutable_suggested_amount()->set_min_fen(c.suggested_amount.min_fen);
  out->mutable_suggested_amount()->set_max_fen(c.suggested_amount.max_fen);
  for (const std::string& s : c.hardship_signals) out->add_hardship_signals(s);
  for (const std::string& s : c.possible_exclusions) out->add_possible_exclusions(s);
  for (const Review& r : clue.reviews) {
    v1::Review* pr = out->add_reviews();
    pr->set_decision(static_cast<v1::Review::Decision>(static_cast<int>(r.decision)));
    pr->set_amount_fen(r.amount_fen);
    pr->set_reason(r.reason);
    pr->set_reviewer(r.reviewer);
    pr->set_review_time(r.review_time);
  }
  out->set_created_time(clue.created_time);
  out->set_updated_time(clue.updated_time);
  out->set_plan_id(clue.plan_id);
}

void ToProto(const PersonView& view, v1::Person* out) {
  out->set_person_id(view.person_id);
  out->set_display_name(view.person.name_original);
  out->set_id_masked(view.person.id_masked);
  out->set_sex(static_cast<rv1::Sex>(static_cast<int>(view.person.sex)));
  out->set_birth_date(view.person.birth_date);
  out->set_region_code(view.person.region_code);
  for (const RecordLinkView& link : view.records) {
    v1::RecordRef* ref = out->add_records();
    ref->set_agency(link.agency);
    ref->set_source_record_id(link.source_record_id);
    ref->set_version(link.version);
    ref->set_kind(std::string(RecordKindName(link.kind)));
    ref->set_link_reason(link.link_reason);
  }
}

}  // namespace lifeline::match
