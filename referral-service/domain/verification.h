// Verification requests: before deciding on assistance a procurator asks a town or village office
// to confirm a fact about the person of a pending clue (in the seed case the town government and
// the village committee confirmed the family's hardship). The office answers CONFIRMED or
// NOT_CONFIRMED with a note and the metadata of its attachments; the answer is evidence for the
// clue. Delivered over the office's channel and due on its accept deadline, like a referral.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

// Values match lifeline.referral.v1.VerificationState.
enum class VerificationState {
  kUnspecified = 0,
  kRequested = 1,
  kConfirmed = 2,
  kNotConfirmed = 3,
};

// What a file attached to an answer is; the file itself stays with the office.
struct Attachment {
  std::string name;
  std::string content_type;
  int64_t size_bytes = 0;
  std::string sha256;  // lower-case hex
};

struct Verification {
  std::string verification_id;
  std::string clue_id;
  std::string department;
  std::string question;
  PlanPerson person;
  std::string requested_by;
  VerificationState state = VerificationState::kRequested;
  absl::CivilDay respond_by;
  Delivery delivery;
  std::string answer_note;
  std::vector<Attachment> attachments;
  std::string answered_by;
  absl::Time created_time;
  absl::Time answered_time = absl::InfinitePast();
  // When the escalation scan found it overdue and told the requesting procurator (through the
  // clue's history); InfinitePast while not escalated.
  absl::Time escalated_time = absl::InfinitePast();
};

// What a procurator asks.
struct VerificationRequest {
  std::string clue_id;
  std::string department;
  std::string question;
  PlanPerson person;
  std::string requested_by;
};

// Limits of a request and an answer.
inline constexpr size_t kMaxQuestionChars = 2000;
inline constexpr size_t kMaxAnswerNoteChars = 4000;
inline constexpr size_t kMaxAttachments = 20;
inline constexpr int64_t kMaxAttachmentBytes = int64_t{100} * 1024 * 1024;

// A new REQUESTED verification of `request` to `office` (its directory entry), made at `now`, due
// on the office's accept deadline counted on `calendar`. Errors: InvalidArgument (no clue_id, a
// blank or too long question, a person without name nor masked ID), FailedPrecondition (the
// office is disabled).
absl::StatusOr<Verification> NewVerification(const VerificationRequest& request,
                                             const Partner& office, absl::Time now,
                                             const WorkingCalendar& calendar, IdGenerator* ids);

// An office's answer.
struct VerificationAnswer {
  VerificationState result = VerificationState::kUnspecified;
  std::string note;
  std::vector<Attachment> attachments;
  std::string actor;             // the person answering
  std::string actor_department;  // the department they act for; empty for the system
};

// `current` answered with `answer` at `now`. Errors: PermissionDenied (the answer's department
// is not the verification's), FailedPrecondition (answered already), InvalidArgument (a result
// other than CONFIRMED or NOT_CONFIRMED, NOT_CONFIRMED without a note, a note or attachment out
// of limits: name 1..255 characters without control characters, content type 1..127, size
// 0..100 MiB, SHA-256 as 64 lower-case hex digits, at most 20).
absl::StatusOr<Verification> DecideAnswer(const Verification& current,
                                          const VerificationAnswer& answer, absl::Time now);

// Still REQUESTED after its respond_by day.
bool IsVerificationOverdue(const Verification& verification, absl::CivilDay today);

// What the escalation scan does with `verification` on `today` at `now`: an overdue one not yet
// escalated is returned escalated at `now` (the procurator who asked is told through the clue's
// history, verification_overdue); anything else (answered, on time, escalated already) nullopt.
// An office that answers late still answers: escalation does not close the request.
std::optional<Verification> DecideVerificationEscalation(const Verification& verification,
                                                         absl::CivilDay today, absl::Time now);

// What the office is told: the request under its id as idempotency key.
lifeline::partner::v1::DeliverVerificationRequest BuildVerificationDelivery(
    const Verification& verification);

// What match-service keeps on the clue: the request, when it was escalated, and its answer (the
// attachments as "name (type, N bytes, sha256 HEX)").
lifeline::match::v1::RecordVerificationRequest BuildClueVerification(
    const Verification& verification);

// Upper-case name without prefix ("REQUESTED", "CONFIRMED", "NOT_CONFIRMED").
std::string_view VerificationStateName(VerificationState state);

}  // namespace lifeline::referral
