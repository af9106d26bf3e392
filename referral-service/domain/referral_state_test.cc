#include "referral-service/domain/referral_state.h"

#include <map>
#include <set>
#include <utility>

#include <gtest/gtest.h>

namespace lifeline::referral {
namespace {

using S = ReferralState;

const std::set<std::pair<S, S>>& Allowed() {
  static const std::set<std::pair<S, S>> kAllowed = {
      {S::kRequested, S::kAccepted},  {S::kRequested, S::kRejected},
      {S::kRequested, S::kCancelled}, {S::kAccepted, S::kInProgress},
      {S::kAccepted, S::kOnHold},     {S::kAccepted, S::kCompleted},
      {S::kAccepted, S::kFailed},     {S::kAccepted, S::kCancelled},
      {S::kInProgress, S::kOnHold},   {S::kInProgress, S::kCompleted},
      {S::kInProgress, S::kFailed},   {S::kInProgress, S::kCancelled},
      {S::kOnHold, S::kInProgress},   {S::kOnHold, S::kFailed},
      {S::kOnHold, S::kCancelled},
  };
  return kAllowed;
}

// Every state x every target x every kind of actor: the move exists (the table above) and the
// actor may make it (the department works a referral, the procuratorate only cancels, the system
// relays either), by an explicit table.
TEST(ReferralStateTest, EveryStateTargetAndActorKindMatchesTheTables) {
  const std::map<ActorKind, std::set<S>> may = {
      {ActorKind::kDepartment,
       {S::kAccepted, S::kRejected, S::kInProgress, S::kOnHold, S::kCompleted, S::kFailed}},
      {ActorKind::kProcuratorate, {S::kCancelled}},
      {ActorKind::kSystem,
       {S::kRequested, S::kAccepted, S::kRejected, S::kInProgress, S::kOnHold, S::kCompleted,
        S::kFailed, S::kCancelled}},
  };
  std::map<ActorKind, int> moves;
  for (const auto& [kind, targets] : may) {
    for (S from : AllStates()) {
      for (S to : AllStates()) {
        const bool expected = Allowed().contains({from, to}) && targets.contains(to);
        EXPECT_EQ(CanTransition(from, to) && ActorMay(kind, to), expected)
            << static_cast<int>(kind) << ": " << StateName(from) << " -> " << StateName(to);
        moves[kind] += expected ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(moves[ActorKind::kProcuratorate], 4);  // cancel from each open state
  EXPECT_EQ(moves[ActorKind::kDepartment], 11);    // the rest of the 15
  EXPECT_EQ(moves[ActorKind::kSystem], 15);
}

TEST(ReferralStateTest, EveryPairMatchesTheTable) {
  int allowed = 0;
  for (S from : AllStates()) {
    for (S to : AllStates()) {
      bool expected = Allowed().contains({from, to});
      EXPECT_EQ(CanTransition(from, to), expected) << StateName(from) << " -> " << StateName(to);
      absl::Status status = ValidateTransition(from, to, "a note");
      EXPECT_EQ(status.ok(), expected) << StateName(from) << " -> " << StateName(to);
      if (!expected) {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
      }
      allowed += expected ? 1 : 0;
    }
  }
  EXPECT_EQ(allowed, 15);
}

TEST(ReferralStateTest, ForbiddenTransitions) {
  EXPECT_EQ(ValidateTransition(S::kRequested, S::kCompleted, "done").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateTransition(S::kRequested, S::kInProgress, "").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateTransition(S::kOnHold, S::kCompleted, "").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateTransition(S::kCompleted, S::kInProgress, "").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateTransition(S::kRejected, S::kAccepted, "").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateTransition(S::kAccepted, S::kAccepted, "").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReferralStateTest, NoteRequiredForRejectFailCancel) {
  EXPECT_EQ(ValidateTransition(S::kRequested, S::kRejected, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTransition(S::kRequested, S::kRejected, "   ").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTransition(S::kAccepted, S::kFailed, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTransition(S::kOnHold, S::kCancelled, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateTransition(S::kRequested, S::kRejected, "outside our area").ok());
  EXPECT_TRUE(ValidateTransition(S::kRequested, S::kAccepted, "").ok());
  EXPECT_TRUE(ValidateTransition(S::kInProgress, S::kCompleted, "").ok());
}

TEST(ReferralStateTest, UnspecifiedTargetIsInvalidArgument) {
  EXPECT_EQ(ValidateTransition(S::kRequested, S::kUnspecified, "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTransition(S::kRequested, static_cast<S>(42), "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReferralStateTest, FinalStates) {
  std::set<S> finals;
  for (S state : AllStates()) {
    if (IsFinal(state)) finals.insert(state);
  }
  EXPECT_EQ(finals, (std::set<S>{S::kRejected, S::kCompleted, S::kFailed, S::kCancelled}));
}

TEST(ReferralStateTest, PlanClosesWhenEveryReferralIsFinal) {
  EXPECT_FALSE(IsPlanClosed({S::kCompleted, S::kRequested}));
  EXPECT_FALSE(IsPlanClosed({S::kCompleted, S::kOnHold, S::kRejected}));
  EXPECT_TRUE(IsPlanClosed({S::kCompleted, S::kRejected, S::kFailed, S::kCancelled}));
  EXPECT_TRUE(IsPlanClosed({}));
}

TEST(ReferralStateTest, NamesRoundTrip) {
  for (S state : AllStates()) {
    EXPECT_EQ(StateFromName(StateName(state)), state);
  }
  EXPECT_EQ(StateFromName("DONE"), std::nullopt);
}

TEST(ReferralStateTest, DecideTransitionWritesTheEventAndClosesThePlanWithTheLastFinal) {
  Referral current;
  current.referral_id = "ref-1";
  current.department = "legal_aid";
  current.state = S::kAccepted;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  // A department's people move only their own department's referrals.
  EXPECT_EQ(
      DecideTransition(current, {}, S::kInProgress, "", "c-1", now, "counselling").status().code(),
      absl::StatusCode::kPermissionDenied);
  auto moved = DecideTransition(current, {S::kInProgress}, S::kCompleted, "", "legal_aid", now,
                                "legal_aid", ReferralOutcome::kProvided);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->event.referral_id, "ref-1");
  EXPECT_EQ(moved->event.from_state, S::kAccepted);
  EXPECT_EQ(moved->event.to_state, S::kCompleted);
  EXPECT_EQ(moved->event.actor, "legal_aid");
  EXPECT_EQ(moved->event.outcome, ReferralOutcome::kProvided);
  EXPECT_EQ(moved->event.time, now);
  EXPECT_FALSE(moved->closes_plan);  // the sibling is still in progress

  auto last = DecideTransition(current, {S::kRejected, S::kCancelled}, S::kFailed, "no contact",
                               "legal_aid", now);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->closes_plan);
  EXPECT_EQ(last->event.note, "no contact");
  auto alone =
      DecideTransition(current, {}, S::kCompleted, "", "x", now, "", ReferralOutcome::kDeclined);
  ASSERT_TRUE(alone.ok());
  EXPECT_TRUE(alone->closes_plan);

  // A completion says what it achieved; no other change carries an outcome.
  EXPECT_EQ(DecideTransition(current, {}, S::kCompleted, "done", "x", now).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      DecideTransition(current, {}, S::kInProgress, "", "x", now, "", ReferralOutcome::kProvided)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(DecideTransition(current, {}, S::kRequested, "", "x", now).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(DecideTransition(current, {}, S::kFailed, " ", "x", now).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::referral
