#include "match-service/domain/person_linker.h"

#include <string>

#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

NormalizedPerson WithToken(const std::string& token) {
  NormalizedPerson person;
  person.set_id_token(token);
  return person;
}

TEST(PersonLinkerTest, DecidesByTokenThenKeepsSingletonsAcrossVersions) {
  struct Row {
    const char* name;
    std::string token;
    LinkContext context;
    LinkDecision want;
  };
  const Row rows[] = {
      {"token already held links to its person", "t1", {"", false, "per_a"}, {"per_a", "id_token"}},
      {"new token makes a new person", "t1", {"", false, ""}, {"", "id_token"}},
      {"token wins over the previous version's singleton",
       "t1",
       {"per_s", true, ""},
       {"", "id_token"}},
      {"token moves a record to the token's person",
       "t1",
       {"per_b", false, "per_a"},
       {"per_a", "id_token"}},
      {"tokenless new record is its own person", "", {"", false, ""}, {"", "singleton"}},
      {"tokenless new version stays with its singleton",
       "",
       {"per_s", true, ""},
       {"per_s", "singleton"}},
      {"tokenless version of a token person's record gets its own person",
       "",
       {"per_a", false, ""},
       {"", "singleton"}},
  };
  PersonLinker linker;
  for (const Row& row : rows) {
    LinkDecision got = linker.Link(WithToken(row.token), row.context);
    EXPECT_EQ(got.person_id, row.want.person_id) << row.name;
    EXPECT_EQ(got.reason, row.want.reason) << row.name;
  }
}

}  // namespace
}  // namespace lifeline::match
