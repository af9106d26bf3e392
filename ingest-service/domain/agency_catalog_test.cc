#include "ingest-service/domain/agency_catalog.h"

#include <gtest/gtest.h>

namespace lifeline::ingest {
namespace {

TEST(AgencyCatalogTest, KnowsEveryAgencyAndItsKinds) {
  const AgencyCatalog& catalog = AgencyCatalog::Default();
  EXPECT_EQ(catalog.agencies().size(), 8u);
  EXPECT_TRUE(catalog.Allows("procuratorate", "criminal_victim"));
  EXPECT_TRUE(catalog.Allows("procuratorate", "near_relative"));
  EXPECT_TRUE(catalog.Allows("procuratorate", "assistance_granted"));
  EXPECT_TRUE(catalog.Allows("court", "civil_judgment"));
  EXPECT_TRUE(catalog.Allows("court", "enforcement"));
  EXPECT_TRUE(catalog.Allows("court", "assistance_granted"));
  EXPECT_TRUE(catalog.Allows("civil_affairs", "social_assistance"));
  EXPECT_TRUE(catalog.Allows("disabled_persons_federation", "disability_certificate"));
  EXPECT_TRUE(catalog.Allows("rural_revitalization", "poverty_monitoring"));
  EXPECT_TRUE(catalog.Allows("womens_federation", "women_children_difficulty"));
  EXPECT_TRUE(catalog.Allows("ex_servicemen_affairs", "veteran_status"));
  EXPECT_TRUE(catalog.Allows("medical_security", "medical_expense"));
}

TEST(AgencyCatalogTest, RefusesOtherKindsAndUnknownAgencies) {
  const AgencyCatalog& catalog = AgencyCatalog::Default();
  EXPECT_FALSE(catalog.Allows("court", "criminal_victim"));
  EXPECT_FALSE(catalog.Allows("civil_affairs", "disability_certificate"));
  EXPECT_FALSE(catalog.Allows("police", "criminal_victim"));
  EXPECT_EQ(catalog.Find("police"), nullptr);
  ASSERT_NE(catalog.Find("court"), nullptr);
  EXPECT_EQ(catalog.Find("court")->code, "court");
}

}  // namespace
}  // namespace lifeline::ingest
