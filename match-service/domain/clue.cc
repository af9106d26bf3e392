#include "match-service/domain/clue.h"

#include <cctype>

namespace lifeline::match {

std::string_view CategoryName(Category category) {
  return v1::Category_Name(static_cast<v1::Category>(category));
}

std::string_view ClueStatusName(ClueStatus status) {
  return v1::ClueStatus_Name(static_cast<v1::ClueStatus>(status));
}

std::string RejectReasonCode(RejectReason reason) {
  if (reason == RejectReason::kUnspecified || !v1::RejectReason_IsValid(static_cast<int>(reason))) {
    return "";
  }
  // "REJECT_REASON_NO_HARDSHIP" -> "no_hardship"
  std::string name(v1::RejectReason_Name(static_cast<v1::RejectReason>(reason)));
  name.erase(0, std::string_view("REJECT_REASON_").size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string_view QuestionText(std::string_view code) {
  if (code == kQuestionHardshipBeforeCase) {
    return "Every hardship record began before the case: did the case cause or deepen the "
           "hardship? (an earlier status is no exclusion by itself)";
  }
  if (code == kQuestionEnforcementOngoing) {
    return "Enforcement of the judgment is still under way: can it still yield compensation? "
           "Litigation and enforcement come first.";
  }
  if (code == kQuestionNoCivilClaim) {
    return "No civil judgment is on record: was a civil claim made, given up, or the offender's "
           "compensation refused?";
  }
  if (code == kQuestionArticle8) {
    return "Not in the data: did the applicant help establish the facts and tell the truth, and "
           "was no assistance for this case granted elsewhere (another procuratorate, court or "
           "public security)?";
  }
  return "";
}

bool IsDecided(ClueStatus status) {
  return status == ClueStatus::kApproved || status == ClueStatus::kRejected;
}

VerificationRecord DecideVerificationRecord(const std::optional<ClueVerification>& stored,
                                            const ClueVerification& incoming) {
  VerificationRecord record;
  const bool answered = incoming.state != "REQUESTED";
  const bool stored_answered = stored.has_value() && stored->state != "REQUESTED";
  if (stored_answered) return record;  // nothing replaces an answer
  // In the order they happened; each noted once, whatever order the copies arrive in.
  if (!stored.has_value()) {
    record.events.push_back(ClueEvent{incoming.requested_time, incoming.requested_by,
                                      kEventVerificationRequested,
                                      incoming.department + ": " + incoming.question});
  }
  if (!incoming.escalated_time.empty() && (!stored.has_value() || stored->escalated_time.empty())) {
    record.events.push_back(
        ClueEvent{incoming.escalated_time, "referral-service", kEventVerificationOverdue,
                  incoming.department + ": no answer by " + incoming.respond_by +
                      ", escalated to " + incoming.requested_by});
  }
  if (answered) {
    record.events.push_back(ClueEvent{
        incoming.answered_time, incoming.department + " · " + incoming.answered_by,
        kEventVerificationAnswered,
        incoming.state +
            (incoming.answer_note.empty() ? std::string() : " — " + incoming.answer_note)});
  }
  record.write = !record.events.empty();
  return record;
}

}  // namespace lifeline::match
