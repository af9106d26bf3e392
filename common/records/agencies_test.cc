#include "common/records/agencies.h"

#include <set>

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

using records::v1::Record;

TEST(AgenciesTest, EveryPayloadKindHasASender) {
  std::set<int> sent;
  for (const AgencyInfo& agency : Agencies()) {
    for (Record::PayloadCase payload : agency.payloads) sent.insert(payload);
  }
  const auto* oneof = Record::descriptor()->FindOneofByName("payload");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    EXPECT_TRUE(sent.contains(oneof->field(i)->number())) << oneof->field(i)->name();
  }
}

TEST(AgenciesTest, FindsKnownCodesOnly) {
  ASSERT_NE(FindAgency("court"), nullptr);
  EXPECT_EQ(FindAgency("court")->code, "court");
  EXPECT_EQ(FindAgency("Court"), nullptr);
  EXPECT_EQ(FindAgency(""), nullptr);
  EXPECT_EQ(FindAgency("tax_bureau"), nullptr);
}

TEST(AgenciesTest, HardshipComesFromEveryAgencyButProcuratorateAndCourt) {
  EXPECT_FALSE(IsHardshipAgency("procuratorate"));
  EXPECT_FALSE(IsHardshipAgency("court"));
  EXPECT_FALSE(IsHardshipAgency("unknown"));
  for (const char* code : {"civil_affairs", "disabled_persons_federation", "rural_revitalization",
                           "womens_federation", "ex_servicemen_affairs", "medical_security"}) {
    EXPECT_TRUE(IsHardshipAgency(code)) << code;
  }
}

}  // namespace
}  // namespace lifeline::common
