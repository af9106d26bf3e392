#include "referral-service/domain/verification.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace lifeline::referral {
namespace {

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone());

Partner Office() {
  Partner office{"village_committee", "Village committee", "127.0.0.1:1", 3, true};
  return office;
}

VerificationRequest Asked() {
  VerificationRequest request;
  request.clue_id = "clu_1";
  request.department = "village_committee";
  request.question = "The family has had no income since the father's death.";
  request.person.name = "Test Person";
  request.person.id_masked = "3415**********123X";
  request.requested_by = "pro-1";
  return request;
}

Attachment Visit() {
  return {"household-visit.pdf", "application/pdf", 2048, std::string(64, 'a')};
}

TEST(VerificationTest, ANewRequestIsDueOnTheOfficesAcceptDeadline) {
  SequentialIdGenerator ids;
  absl::StatusOr<Verification> made =
      NewVerification(Asked(), Office(), kNow, WorkingCalendar(), &ids);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->state, VerificationState::kRequested);
  EXPECT_EQ(made->department, "village_committee");
  EXPECT_EQ(made->requested_by, "pro-1");
  // Thursday 26 November + 3 working days: Tuesday 1 December.
  EXPECT_EQ(made->respond_by, absl::CivilDay(2026, 12, 1));
  EXPECT_FALSE(IsVerificationOverdue(*made, absl::CivilDay(2026, 12, 1)));
  EXPECT_TRUE(IsVerificationOverdue(*made, absl::CivilDay(2026, 12, 2)));
  const auto delivery = BuildVerificationDelivery(*made);
  EXPECT_EQ(delivery.idempotency_key(), made->verification_id);
  EXPECT_EQ(delivery.verification().question(), Asked().question);
  EXPECT_EQ(delivery.verification().respond_by(), "2026-12-01");
  EXPECT_EQ(delivery.verification().person_id_masked(), "3415**********123X");
}

TEST(VerificationTest, BadRequestsAreRefused) {
  SequentialIdGenerator ids;
  auto code = [&](VerificationRequest request, Partner office = Office()) {
    return NewVerification(request, office, kNow, WorkingCalendar(), &ids).status().code();
  };
  VerificationRequest no_clue = Asked();
  no_clue.clue_id = " ";
  EXPECT_EQ(code(no_clue), absl::StatusCode::kInvalidArgument);
  VerificationRequest no_question = Asked();
  no_question.question = "";
  EXPECT_EQ(code(no_question), absl::StatusCode::kInvalidArgument);
  VerificationRequest long_question = Asked();
  long_question.question = std::string(kMaxQuestionChars + 1, 'x');
  EXPECT_EQ(code(long_question), absl::StatusCode::kInvalidArgument);
  VerificationRequest nobody = Asked();
  nobody.person = PlanPerson();
  EXPECT_EQ(code(nobody), absl::StatusCode::kInvalidArgument);
  Partner disabled = Office();
  disabled.enabled = false;
  EXPECT_EQ(code(Asked(), disabled), absl::StatusCode::kFailedPrecondition);
}

TEST(VerificationTest, TheOfficeAnswersOnceWithValidAttachments) {
  SequentialIdGenerator ids;
  const Verification open = *NewVerification(Asked(), Office(), kNow, WorkingCalendar(), &ids);
  VerificationAnswer answer{VerificationState::kConfirmed,
                            "visited on 30 November",
                            {Visit()},
                            "desk-1",
                            "village_committee"};
  absl::StatusOr<Verification> answered = DecideAnswer(open, answer, kNow + absl::Hours(1));
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->state, VerificationState::kConfirmed);
  EXPECT_EQ(answered->answered_by, "desk-1");
  EXPECT_EQ(answered->answered_time, kNow + absl::Hours(1));
  ASSERT_EQ(answered->attachments.size(), 1u);
  EXPECT_FALSE(IsVerificationOverdue(*answered, absl::CivilDay(2027, 1, 1)));
  // Once.
  EXPECT_EQ(DecideAnswer(*answered, answer, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Only by the office asked.
  VerificationAnswer elsewhere = answer;
  elsewhere.actor_department = "town_government";
  EXPECT_EQ(DecideAnswer(open, elsewhere, kNow).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// Overdue and open: escalated once, at the scan's time; the office may still answer, and the
// answer keeps the escalation for the clue's copy.
TEST(VerificationTest, AnOverdueRequestIsEscalatedOnce) {
  SequentialIdGenerator ids;
  const Verification open = *NewVerification(Asked(), Office(), kNow, WorkingCalendar(), &ids);
  const absl::Time scan = kNow + absl::Hours(24 * 6);
  EXPECT_FALSE(DecideVerificationEscalation(open, absl::CivilDay(2026, 12, 1), scan).has_value());
  std::optional<Verification> escalated =
      DecideVerificationEscalation(open, absl::CivilDay(2026, 12, 2), scan);
  ASSERT_TRUE(escalated.has_value());
  EXPECT_EQ(escalated->escalated_time, scan);
  EXPECT_EQ(escalated->state, VerificationState::kRequested);
  EXPECT_FALSE(
      DecideVerificationEscalation(*escalated, absl::CivilDay(2026, 12, 9), scan).has_value());
  EXPECT_EQ(BuildClueVerification(open).verification().escalated_time(), "");
  EXPECT_EQ(BuildClueVerification(*escalated).verification().escalated_time(),
            "2026-12-02T02:00:00Z");

  absl::StatusOr<Verification> answered = DecideAnswer(
      *escalated, {VerificationState::kConfirmed, "", {}, "desk-1", "village_committee"}, scan);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->escalated_time, scan);
  EXPECT_EQ(BuildClueVerification(*answered).verification().escalated_time(),
            "2026-12-02T02:00:00Z");
  EXPECT_FALSE(
      DecideVerificationEscalation(*answered, absl::CivilDay(2027, 1, 4), scan).has_value());
}

TEST(VerificationTest, BadAnswersAreRefused) {
  SequentialIdGenerator ids;
  const Verification open = *NewVerification(Asked(), Office(), kNow, WorkingCalendar(), &ids);
  auto code = [&](VerificationAnswer answer) {
    return DecideAnswer(open, answer, kNow).status().code();
  };
  const VerificationAnswer good{VerificationState::kNotConfirmed,
                                "no one by that name lives here",
                                {Visit()},
                                "desk-1",
                                "village_committee"};
  EXPECT_EQ(code(good), absl::StatusCode::kOk);
  VerificationAnswer no_result = good;
  no_result.result = VerificationState::kRequested;
  EXPECT_EQ(code(no_result), absl::StatusCode::kInvalidArgument);
  VerificationAnswer unexplained = good;
  unexplained.note = "  ";
  EXPECT_EQ(code(unexplained), absl::StatusCode::kInvalidArgument);
  VerificationAnswer long_note = good;
  long_note.note = std::string(kMaxAnswerNoteChars + 1, 'x');
  EXPECT_EQ(code(long_note), absl::StatusCode::kInvalidArgument);
  VerificationAnswer too_many = good;
  too_many.attachments.assign(kMaxAttachments + 1, Visit());
  EXPECT_EQ(code(too_many), absl::StatusCode::kInvalidArgument);
  for (Attachment bad :
       {Attachment{"", "application/pdf", 1, std::string(64, 'a')},
        Attachment{"a\nb.pdf", "application/pdf", 1, std::string(64, 'a')},
        Attachment{"a.pdf", "", 1, std::string(64, 'a')},
        Attachment{"a.pdf", "application/pdf", -1, std::string(64, 'a')},
        Attachment{"a.pdf", "application/pdf", kMaxAttachmentBytes + 1, std::string(64, 'a')},
        Attachment{"a.pdf", "application/pdf", 1, std::string(63, 'a')},
        Attachment{"a.pdf", "application/pdf", 1, std::string(64, 'A')},
        Attachment{"a.pdf", "application/pdf", 1, std::string(64, 'g')}}) {
    VerificationAnswer answer = good;
    answer.attachments = {bad};
    EXPECT_EQ(code(answer), absl::StatusCode::kInvalidArgument) << bad.name << " " << bad.sha256;
  }
}

}  // namespace
}  // namespace lifeline::referral
