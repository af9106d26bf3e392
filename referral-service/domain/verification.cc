#include "referral-service/domain/verification.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "common/time/dates.h"
#include "referral-service/domain/deadlines.h"

namespace lifeline::referral {
namespace {

bool Blank(const std::string& text) { return absl::StripAsciiWhitespace(text).empty(); }

bool HasControl(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsLowerHex(const std::string& text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

absl::Status CheckAttachment(const Attachment& a, size_t index) {
  const std::string field = absl::StrCat("attachments[", index, "]");
  if (a.name.empty() || a.name.size() > 255 || HasControl(a.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".name: 1..255 characters without control characters"));
  }
  if (a.content_type.empty() || a.content_type.size() > 127 || HasControl(a.content_type)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".content_type: 1..127 characters"));
  }
  if (a.size_bytes < 0 || a.size_bytes > kMaxAttachmentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".size_bytes: ", a.size_bytes, " is outside 0..", kMaxAttachmentBytes));
  }
  if (a.sha256.size() != 64 || !IsLowerHex(a.sha256)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".sha256: 64 lower-case hexadecimal digits required"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Verification> NewVerification(const VerificationRequest& request,
                                             const Partner& office, absl::Time now,
                                             const WorkingCalendar& calendar, IdGenerator* ids) {
  if (Blank(request.clue_id)) return absl::InvalidArgumentError("clue_id: required");
  if (Blank(request.question)) return absl::InvalidArgumentError("question: required");
  if (request.question.size() > kMaxQuestionChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("question: at most ", kMaxQuestionChars, " characters"));
  }
  if (Blank(request.person.name) && Blank(request.person.id_masked)) {
    return absl::InvalidArgumentError("person: a name or masked ID number is required");
  }
  if (!office.enabled) {
    return absl::FailedPreconditionError(
        absl::StrCat("department: ", office.department, " is disabled in the directory"));
  }
  Verification verification;
  verification.verification_id = ids->NewId("ver");
  verification.clue_id = request.clue_id;
  verification.department = office.department;
  verification.question = request.question;
  verification.person = request.person;
  verification.requested_by = request.requested_by;
  verification.state = VerificationState::kRequested;
  verification.respond_by = calendar.AddWorkingDays(LocalDay(now), AgreementOf(office).accept_days);
  verification.created_time = now;
  return verification;
}

absl::StatusOr<Verification> DecideAnswer(const Verification& current,
                                          const VerificationAnswer& answer, absl::Time now) {
  if (!answer.actor_department.empty() && answer.actor_department != current.department) {
    return absl::PermissionDeniedError(
        "verification_id: the verification was sent to another department");
  }
  if (current.state != VerificationState::kRequested) {
    return absl::FailedPreconditionError(
        absl::StrCat("verification_id: answered already (",
                     std::string(VerificationStateName(current.state)), ")"));
  }
  if (answer.result != VerificationState::kConfirmed &&
      answer.result != VerificationState::kNotConfirmed) {
    return absl::InvalidArgumentError("result: CONFIRMED or NOT_CONFIRMED");
  }
  if (answer.result == VerificationState::kNotConfirmed && Blank(answer.note)) {
    return absl::InvalidArgumentError("note: required when the fact is not confirmed");
  }
  if (answer.note.size() > kMaxAnswerNoteChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: at most ", kMaxAnswerNoteChars, " characters"));
  }
  if (answer.attachments.size() > kMaxAttachments) {
    return absl::InvalidArgumentError(absl::StrCat("attachments: at most ", kMaxAttachments));
  }
  for (size_t i = 0; i < answer.attachments.size(); ++i) {
    if (absl::Status ok = CheckAttachment(answer.attachments[i], i); !ok.ok()) return ok;
  }
  Verification answered = current;
  answered.state = answer.result;
  answered.answer_note = answer.note;
  answered.attachments = answer.attachments;
  answered.answered_by = answer.actor;
  answered.answered_time = now;
  return answered;
}

bool IsVerificationOverdue(const Verification& verification, absl::CivilDay today) {
  return verification.state == VerificationState::kRequested && today > verification.respond_by;
}

std::optional<Verification> DecideVerificationEscalation(const Verification& verification,
                                                         absl::CivilDay today, absl::Time now) {
  if (!IsVerificationOverdue(verification, today)) return std::nullopt;
  if (verification.escalated_time != absl::InfinitePast()) return std::nullopt;
  Verification escalated = verification;
  escalated.escalated_time = now;
  return escalated;
}

lifeline::partner::v1::DeliverVerificationRequest BuildVerificationDelivery(
    const Verification& verification) {
  lifeline::partner::v1::DeliverVerificationRequest request;
  request.set_idempotency_key(verification.verification_id);
  lifeline::partner::v1::VerificationNotice* notice = request.mutable_verification();
  notice->set_verification_id(verification.verification_id);
  notice->set_clue_id(verification.clue_id);
  notice->set_department(verification.department);
  notice->set_question(verification.question);
  notice->set_person_name(verification.person.name);
  notice->set_person_id_masked(verification.person.id_masked);
  notice->set_region_code(verification.person.region_code);
  notice->set_respond_by(common::FormatDate(verification.respond_by));
  return request;
}

lifeline::match::v1::RecordVerificationRequest BuildClueVerification(
    const Verification& verification) {
  lifeline::match::v1::RecordVerificationRequest request;
  request.set_clue_id(verification.clue_id);
  lifeline::match::v1::ClueVerification* v = request.mutable_verification();
  v->set_verification_id(verification.verification_id);
  v->set_department(verification.department);
  v->set_question(verification.question);
  v->set_state(std::string(VerificationStateName(verification.state)));
  v->set_requested_by(verification.requested_by);
  v->set_requested_time(common::FormatRfc3339(verification.created_time));
  v->set_respond_by(common::FormatDate(verification.respond_by));
  if (verification.escalated_time != absl::InfinitePast()) {
    v->set_escalated_time(common::FormatRfc3339(verification.escalated_time));
  }
  if (verification.state != VerificationState::kRequested) {
    v->set_answer_note(verification.answer_note);
    for (const Attachment& a : verification.attachments) {
      v->add_attachments(absl::StrCat(a.name, " (", a.content_type, ", ", a.size_bytes,
                                      " bytes, sha256 ", a.sha256, ")"));
    }
    v->set_answered_by(verification.answered_by);
    v->set_answered_time(common::FormatRfc3339(verification.answered_time));
  }
  return request;
}

std::string_view VerificationStateName(VerificationState state) {
  switch (state) {
    case VerificationState::kRequested:
      return "REQUESTED";
    case VerificationState::kConfirmed:
      return "CONFIRMED";
    case VerificationState::kNotConfirmed:
      return "NOT_CONFIRMED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace lifeline::referral
