#include "referral-service/domain/delivery_policy.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace lifeline::referral {
namespace {

// An event that records something about `referral` without moving it.
ReferralEvent EventAbout(const Referral& referral, ReferralEventKind kind, absl::Time now) {
  ReferralEvent event;
  event.referral_id = referral.referral_id;
  event.kind = kind;
  event.from_state = referral.state;
  event.to_state = referral.state;
  event.time = now;
  return event;
}

}  // namespace

bool ShouldPark(int failed_attempts, int max_attempts) {
  return max_attempts > 0 && failed_attempts >= max_attempts;
}

ReferralEvent DeliveryParkedEvent(const Referral& referral, int failed_attempts,
                                  std::string_view error, absl::Time now) {
  ReferralEvent event = EventAbout(referral, ReferralEventKind::kDeliveryParked, now);
  event.actor = kSystemActor;
  event.note =
      absl::StrCat("delivery to ", referral.department, " parked after ", failed_attempts,
                   " failed attempts (last: ", std::string(error), "); an admin can retry it");
  return event;
}

ReferralEvent DeliveryRetriedEvent(const Referral& referral, std::string_view actor,
                                   absl::Time now) {
  ReferralEvent event = EventAbout(referral, ReferralEventKind::kDeliveryRetried, now);
  event.actor = std::string(actor);
  event.note = absl::StrCat("parked delivery to ", referral.department, " sent again");
  return event;
}

}  // namespace lifeline::referral
