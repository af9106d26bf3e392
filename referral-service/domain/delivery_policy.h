// When a delivery that keeps failing is given up (parked) and the history events of parking and
// of an admin's retry.
#pragma once

#include <string_view>

#include "absl/time/time.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// The actor of the events the service writes on its own (parking, escalations).
inline constexpr char kSystemActor[] = "referral-service";

// Whether a delivery that has failed `failed_attempts` times (this one included) is parked, with
// `max_attempts` the configured limit (0: never parked, retried until it goes through).
bool ShouldPark(int failed_attempts, int max_attempts);

// The event that records parking `referral` after `failed_attempts` failures, the last with
// `error` (a status code name).
ReferralEvent DeliveryParkedEvent(const Referral& referral, int failed_attempts,
                                  std::string_view error, absl::Time now);

// The event that records `actor` (a person; `actor_department` empty for the procuratorate)
// sending a parked delivery of `referral` again.
ReferralEvent DeliveryRetriedEvent(const Referral& referral, std::string_view actor,
                                   absl::Time now);

}  // namespace lifeline::referral
