#include "match-service/store/legacy_facts.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "common/status/status_macros.h"

namespace lifeline::match {
namespace {

namespace rv1 = records::v1;

// The old text's fields by name, unescaped.
class LegacyFields {
 public:
  static absl::StatusOr<LegacyFields> Parse(std::string_view text) {
    LegacyFields out;
    const absl::string_view all(text.data(), text.size());
    for (absl::string_view piece : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
      const std::string_view line(piece.data(), piece.size());
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        return absl::InvalidArgumentError("legacy record facts: line without '='");
      }
      std::string value;
      if (!Unescape(line.substr(eq + 1), &value)) {
        return absl::InvalidArgumentError("legacy record facts: bad escape");
      }
      out.fields_[std::string(line.substr(0, eq))] = std::move(value);
    }
    return out;
  }

  const std::string& Text(const std::string& name) const {
    static const std::string* const kEmpty = new std::string();
    auto it = fields_.find(name);
    return it == fields_.end() ? *kEmpty : it->second;
  }
  int64_t Int(const std::string& name) const {
    int64_t value = 0;
    if (!Text(name).empty() && !absl::SimpleAtoi(Text(name), &value)) bad_ = name;
    return value;
  }
  bool Bool(const std::string& name) const { return Int(name) != 0; }
  // The name of the first field whose number did not parse, or "".
  const std::string& bad() const { return bad_; }

 private:
  static bool Unescape(std::string_view in, std::string* out) {
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != '\\') {
        *out += in[i];
        continue;
      }
      if (++i == in.size()) return false;
      if (in[i] == '\\') {
        *out += '\\';
      } else if (in[i] == 'n') {
        *out += '\n';
      } else if (in[i] == 'r') {
        *out += '\r';
      } else {
        return false;
      }
    }
    return true;
  }

  std::map<std::string, std::string> fields_;
  mutable std::string bad_;
};

void FillPerson(const LegacyFields& f, rv1::NormalizedPerson* p) {
  p->set_id_token(f.Text("person.id_token"));
  p->set_id_masked(f.Text("person.id_masked"));
  p->set_name_original(f.Text("person.name_original"));
  p->set_name_normalized(f.Text("person.name_normalized"));
  p->set_sex(static_cast<rv1::Sex>(f.Int("person.sex")));
  p->set_birth_date(f.Text("person.birth_date"));
  p->set_region_code(f.Text("person.region_code"));
  p->set_household_id(f.Text("person.household_id"));
}

// The old kind numbers were the payload's position in Record's oneof (1 = criminal_victim, field
// 10), 0 for none.
void FillPayload(const LegacyFields& f, rv1::Record* r) {
  switch (f.Int("kind")) {
    case 1: {
      auto* v = r->mutable_criminal_victim();
      auto* c = v->mutable_criminal_case();
      c->set_case_number(f.Text("victim.case_number"));
      c->set_crime(static_cast<rv1::CriminalCase::Crime>(f.Int("victim.crime")));
      c->set_case_date(f.Text("victim.case_date"));
      c->set_offender_status(
          static_cast<rv1::CriminalCase::OffenderStatus>(f.Int("victim.offender_status")));
      v->set_harm(static_cast<rv1::CriminalVictim::Harm>(f.Int("victim.harm")));
      v->set_disability_grade(static_cast<int32_t>(f.Int("victim.disability_grade")));
      v->set_property_loss_fen(f.Int("victim.property_loss_fen"));
      v->set_victim_major_fault(f.Bool("victim.victim_major_fault"));
      v->set_needs_urgent_treatment(f.Bool("victim.needs_urgent_treatment"));
      break;
    }
    case 2: {
      auto* n = r->mutable_near_relative();
      n->set_case_number(f.Text("relative.case_number"));
      n->set_victim_record_id(f.Text("relative.victim_record_id"));
      n->set_relation(static_cast<rv1::NearRelative::Relation>(f.Int("relative.relation")));
      n->set_depended_on_victim(f.Bool("relative.depended_on_victim"));
      break;
    }
    case 3: {
      auto* a = r->mutable_assistance_granted();
      a->set_case_number(f.Text("assistance.case_number"));
      a->set_amount_fen(f.Int("assistance.amount_fen"));
      a->set_granted_date(f.Text("assistance.granted_date"));
      break;
    }
    case 4: {
      auto* j = r->mutable_civil_judgment();
      j->set_case_number(f.Text("judgment.case_number"));
      j->set_judgment_number(f.Text("judgment.judgment_number"));
      j->set_amount_awarded_fen(f.Int("judgment.amount_awarded_fen"));
      j->set_judgment_date(f.Text("judgment.judgment_date"));
      break;
    }
    case 5: {
      auto* e = r->mutable_enforcement();
      e->set_case_number(f.Text("enforcement.case_number"));
      e->set_judgment_number(f.Text("enforcement.judgment_number"));
      e->set_enforcement_number(f.Text("enforcement.enforcement_number"));
      e->set_amount_awarded_fen(f.Int("enforcement.amount_awarded_fen"));
      e->set_amount_paid_fen(f.Int("enforcement.amount_paid_fen"));
      e->set_status(static_cast<rv1::Enforcement::Status>(f.Int("enforcement.status")));
      e->set_status_date(f.Text("enforcement.status_date"));
      break;
    }
    case 6: {
      auto* s = r->mutable_social_assistance();
      s->set_programme(
          static_cast<rv1::SocialAssistance::Programme>(f.Int("social_assistance.programme")));
      s->set_household_head(f.Bool("social_assistance.household_head"));
      s->set_start_date(f.Text("social_assistance.start_date"));
      s->set_end_date(f.Text("social_assistance.end_date"));
      break;
    }
    case 7: {
      auto* d = r->mutable_disability_certificate();
      d->set_kind(static_cast<rv1::DisabilityCertificate::Kind>(f.Int("disability.kind")));
      d->set_grade(static_cast<int32_t>(f.Int("disability.grade")));
      d->set_issue_date(f.Text("disability.issue_date"));
      break;
    }
    case 8: {
      auto* p = r->mutable_poverty_monitoring();
      p->set_category(static_cast<rv1::PovertyMonitoring::Category>(f.Int("poverty.category")));
      p->set_start_date(f.Text("poverty.start_date"));
      p->set_end_date(f.Text("poverty.end_date"));
      break;
    }
    case 9: {
      auto* w = r->mutable_women_children_difficulty();
      w->set_kind(static_cast<rv1::WomenChildrenDifficulty::Kind>(f.Int("women_children.kind")));
      w->set_start_date(f.Text("women_children.start_date"));
      break;
    }
    case 10: {
      auto* v = r->mutable_veteran_status();
      v->set_kind(static_cast<rv1::VeteranStatus::Kind>(f.Int("veteran.kind")));
      v->set_start_date(f.Text("veteran.start_date"));
      break;
    }
    case 11: {
      auto* m = r->mutable_medical_expense();
      m->set_year(static_cast<int32_t>(f.Int("medical.year")));
      m->set_out_of_pocket_fen(f.Int("medical.out_of_pocket_fen"));
      m->set_catastrophic(f.Bool("medical.catastrophic"));
      break;
    }
    default:
      break;
  }
}

}  // namespace

absl::StatusOr<rv1::NormalizedRecord> LegacyFactsToRecord(std::string_view text) {
  ASSIGN_OR_RETURN(LegacyFields fields, LegacyFields::Parse(text));
  rv1::NormalizedRecord out;
  out.set_agency(fields.Text("agency"));
  out.set_source_record_id(fields.Text("source_record_id"));
  out.set_version(fields.Int("version"));
  out.set_record_date(fields.Text("record_date"));
  out.set_retracted(fields.Bool("retracted"));
  if (!out.retracted()) {
    FillPerson(fields, out.mutable_person());
    FillPayload(fields, out.mutable_record());
  }
  if (!fields.bad().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("legacy record facts: bad number for ", fields.bad()));
  }
  return out;
}

}  // namespace lifeline::match
