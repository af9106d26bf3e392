#include "match-service/rpc/view_mapping.h"

#include <cmath>
#include <string>

namespace lifeline::match {
namespace {

void ToProto(const RelatedClueView& r, v1::RelatedClue* out) {
  out->set_clue_id(r.clue_id);
  out->set_person_id(r.person_id);
  out->set_person_name(r.person_name);
  out->set_person_id_masked(r.person_id_masked);
  out->set_category(static_cast<v1::Category>(static_cast<int>(r.category)));
  out->set_status(static_cast<v1::ClueStatus>(static_cast<int>(r.status)));
  out->set_score(r.score);
  for (const std::string& s : r.hardship_signals) out->add_hardship_signals(s);
}

}  // namespace

void ToProto(const ClueView& view, const EligibilityRules& rules, v1::Clue* out) {
  const Clue& clue = view.clue;
  const ClueCandidate& c = clue.candidate;
  out->set_clue_id(clue.clue_id);
  out->set_person_id(c.person_id);
  out->set_person_name(view.person_name);
  out->set_person_id_masked(view.person_id_masked);
  out->set_category(static_cast<v1::Category>(static_cast<int>(c.category)));
  out->set_case_number(c.case_number);
  out->set_score(c.score);
  out->set_tier(static_cast<v1::ClueTier>(static_cast<int>(rules.TierOf(c.score))));
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
  out->mutable_suggested_amount()->set_point_fen(c.suggested_amount.point_fen);
  for (const std::string& line : c.suggested_amount.rationale) {
    out->mutable_suggested_amount()->add_rationale(line);
  }
  out->set_region_code(c.region_code);
  for (const std::string& s : c.hardship_signals) out->add_hardship_signals(s);
  for (const std::string& s : c.possible_exclusions) out->add_possible_exclusions(s);
  if (clue.unsupported) out->add_possible_exclusions(kNoLongerSupported);
  for (const std::string& s : c.exclusions) out->add_exclusions(s);
  for (const Review& r : clue.reviews) {
    v1::Review* pr = out->add_reviews();
    pr->set_decision(static_cast<v1::Review::Decision>(static_cast<int>(r.decision)));
    pr->set_amount_fen(r.amount_fen);
    pr->set_reason(r.reason);
    pr->set_reviewer(r.reviewer);
    pr->set_reject_reason(static_cast<v1::RejectReason>(static_cast<int>(r.reject_reason)));
    pr->set_review_time(r.review_time);
  }
  for (const std::string& code : c.questions) {
    v1::ClueQuestion* q = out->add_questions();
    q->set_code(code);
    q->set_text(std::string(QuestionText(code)));
  }
  for (const RelatedClueView& r : view.related) ToProto(r, out->add_related());
  for (const FamilyMemberView& f : view.family) {
    v1::FamilyMember* pf = out->add_family();
    pf->set_person_id(f.member.person_id);
    pf->set_person_name(f.person_name);
    pf->set_person_id_masked(f.person_id_masked);
    for (const std::string& r : f.member.relations) pf->add_relations(r);
    pf->set_age_group(f.member.age_group);
    for (const std::string& s : f.member.hardship_signals) pf->add_hardship_signals(s);
    for (const RelatedClueView& r : f.clues) ToProto(r, pf->add_clues());
  }
  for (const ClueEvent& e : clue.history) {
    v1::ClueEvent* pe = out->add_history();
    pe->set_time(e.time);
    pe->set_actor(e.actor);
    pe->set_kind(e.kind);
    pe->set_detail(e.detail);
  }
  for (const ClueVerification& v : clue.verifications) *out->add_verifications() = ToProto(v);
  out->set_created_time(clue.created_time);
  out->set_updated_time(clue.updated_time);
  out->set_plan_id(clue.plan_id);
}

v1::ClueVerification ToProto(const ClueVerification& v) {
  v1::ClueVerification out;
  out.set_verification_id(v.verification_id);
  out.set_department(v.department);
  out.set_question(v.question);
  out.set_state(v.state);
  out.set_requested_by(v.requested_by);
  out.set_requested_time(v.requested_time);
  out.set_respond_by(v.respond_by);
  out.set_answer_note(v.answer_note);
  for (const std::string& a : v.attachments) out.add_attachments(a);
  out.set_answered_by(v.answered_by);
  out.set_answered_time(v.answered_time);
  out.set_escalated_time(v.escalated_time);
  return out;
}

ClueVerification FromProto(const v1::ClueVerification& v) {
  ClueVerification out;
  out.verification_id = v.verification_id();
  out.department = v.department();
  out.question = v.question();
  out.state = v.state();
  out.requested_by = v.requested_by();
  out.requested_time = v.requested_time();
  out.respond_by = v.respond_by();
  out.answer_note = v.answer_note();
  out.attachments.assign(v.attachments().begin(), v.attachments().end());
  out.answered_by = v.answered_by();
  out.answered_time = v.answered_time();
  out.escalated_time = v.escalated_time();
  return out;
}

namespace {

void ToProto(const PreviewCounts& counts, v1::PreviewCounts* out) {
  out->set_added(counts.added);
  out->set_dropped(counts.dropped);
  out->set_tier_up(counts.tier_up);
  out->set_tier_down(counts.tier_down);
  out->set_amount_changed(counts.amount_changed);
}

const char* ChangeName(PreviewChange::Kind kind) {
  switch (kind) {
    case PreviewChange::Kind::kAdded:
      return "added";
    case PreviewChange::Kind::kDropped:
      return "dropped";
    case PreviewChange::Kind::kTierUp:
      return "tier_up";
    case PreviewChange::Kind::kTierDown:
      return "tier_down";
    case PreviewChange::Kind::kAmount:
      return "amount";
  }
  return "";
}

}  // namespace

void ToProto(const RulesPreview& preview, v1::RulesPreview* out) {
  out->set_persons_scored(preview.persons_scored);
  ToProto(preview.total, out->mutable_total());
  for (const auto& [key, counts] : preview.groups) {
    v1::PreviewGroup* group = out->add_groups();
    group->set_category(static_cast<v1::Category>(static_cast<int>(key.first)));
    group->set_city(key.second);
    ToProto(counts, group->mutable_counts());
  }
  for (const PreviewChange& change : preview.examples) {
    v1::PreviewExample* example = out->add_examples();
    example->set_change(ChangeName(change.kind));
    example->set_clue_id(change.clue_id);
    example->set_case_number(change.case_number);
    example->set_category(static_cast<v1::Category>(static_cast<int>(change.category)));
    example->set_region_code(change.region_code);
    example->set_score_before(change.score_before);
    example->set_score_after(change.score_after);
    example->set_tier_before(static_cast<v1::ClueTier>(static_cast<int>(change.tier_before)));
    example->set_tier_after(static_cast<v1::ClueTier>(static_cast<int>(change.tier_after)));
    example->set_point_fen_before(change.point_fen_before);
    example->set_point_fen_after(change.point_fen_after);
  }
}

void AddComparison(const linkage::FsModel& model, uint32_t vector,
                   google::protobuf::RepeatedPtrField<v1::FieldComparison>* out) {
  const linkage::PersonFeatures none;
  for (const linkage::FieldWeight& fw : model.Explain(linkage::UnpackVector(vector), none, none)) {
    v1::FieldComparison* c = out->Add();
    c->set_field(linkage::FieldName(fw.field));
    c->set_level(linkage::LevelName(fw.field, fw.level));
    c->set_weight(fw.weight);
  }
}

void ToProto(const PossibleMatchView& view, const linkage::FsModel& model, double prior_log2_odds,
             double link_weight, double possible_weight, v1::PossibleMatch* out) {
  v1::PairExplanation* pair = out->mutable_pair();
  pair->set_record_a(view.record_a);
  pair->set_record_b(view.record_b);
  pair->set_person_a(view.person_a);
  pair->set_person_b(view.person_b);
  AddComparison(model, view.vector, pair->mutable_fields());
  pair->set_weight(view.weight);
  pair->set_probability(1 / (1 + std::exp2(-(view.weight + prior_log2_odds))));
  pair->set_link_weight(link_weight);
  pair->set_possible_weight(possible_weight);
  out->set_created_time(view.created_time);
}

void ToProto(const PairExplanationResult& result, const std::string& record_a,
             const std::string& record_b, v1::PairExplanation* out) {
  out->set_record_a(record_a);
  out->set_record_b(record_b);
  for (const linkage::FieldWeight& fw : result.fields) {
    v1::FieldComparison* c = out->add_fields();
    c->set_field(linkage::FieldName(fw.field));
    c->set_level(linkage::LevelName(fw.field, fw.level));
    c->set_weight(fw.weight);
  }
  out->set_weight(result.weight.total());
  out->set_identity_weight(result.weight.identity);
  out->set_context_weight(result.weight.context);
  out->set_probability(result.probability);
  out->set_link_weight(result.link_weight);
  out->set_possible_weight(result.possible_weight);
  out->set_person_a(result.person_a);
  out->set_person_b(result.person_b);
  out->set_review(result.review);
}

void ToProto(const PersonView& view, const linkage::FsModel* model, v1::Person* out) {
  out->set_person_id(view.person_id);
  out->set_display_name(view.person.name_original());
  out->set_id_masked(view.person.id_masked());
  out->set_sex(view.person.sex());
  out->set_birth_date(view.person.birth_date());
  out->set_region_code(view.person.region_code());
  for (const RecordLinkView& link : view.records) {
    v1::RecordRef* ref = out->add_records();
    ref->set_agency(link.agency);
    ref->set_source_record_id(link.source_record_id);
    ref->set_version(link.version);
    ref->set_kind(std::string(KindName(link.kind)));
    ref->set_link_reason(link.link_reason);
    if (!link.linked_to.empty()) {
      ref->set_linked_to(link.linked_to);
      ref->set_link_weight(link.link_weight);
      if (model != nullptr) AddComparison(*model, link.link_vector, ref->mutable_comparison());
    }
  }
}

}  // namespace lifeline::match
