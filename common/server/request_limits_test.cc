#include "common/server/request_limits.h"

#include <string>

#include <gtest/gtest.h>

#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::common {
namespace {

TEST(RequestLimitsTest, NamesTheFirstTooLongFieldAnywhereNeverItsValue) {
  referral::v1::UpsertPartnerRequest request;
  request.mutable_partner()->set_department("legal_aid");
  request.mutable_partner()->set_display_name(std::string(4096, 'x'));
  EXPECT_TRUE(CheckRequestText(request).ok());
  request.mutable_partner()->set_display_name(std::string(4097, 'y'));
  absl::Status status = CheckRequestText(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "partner.display_name is 4097 bytes; at most 4096");

  referral::v1::TransitionReferralRequest transition;
  transition.set_note(std::string(9000, 'n'));
  EXPECT_EQ(CheckRequestText(transition).message(), "note is 9000 bytes; at most 4096");
  EXPECT_TRUE(CheckRequestText(transition, 10000).ok());
}

}  // namespace
}  // namespace lifeline::common
