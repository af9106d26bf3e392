#include "ingest-service/domain/version_rule.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lifeline::ingest {
namespace {

using D = VersionDecision;

struct Row {
  std::string name;
  std::optional<StoredVersion> stored;
  IncomingVersion incoming;
  VersionDecision want;
  bool writes;
};

TEST(VersionRuleTest, DecidesEveryRow) {
  const StoredVersion v3{3, "hash-a"};
  const std::vector<Row> rows = {
      {"new", std::nullopt, {1, "hash-a", false}, D::kNew, true},
      {"new_at_version_0", std::nullopt, {0, "hash-a", false}, D::kNew, true},
      {"retraction_of_unknown", std::nullopt, {5, "hash-t", true}, D::kRetractionOfUnknown, true},
      {"newer", v3, {4, "hash-b", false}, D::kNewer, true},
      {"newer_with_the_same_content", v3, {4, "hash-a", false}, D::kNewer, true},
      {"stale", v3, {2, "hash-b", false}, D::kStale, false},
      {"stale_with_the_same_content", v3, {2, "hash-a", false}, D::kStale, false},
      {"unchanged", v3, {3, "hash-a", false}, D::kUnchanged, false},
      {"conflict", v3, {3, "hash-b", false}, D::kConflict, false},
      {"retraction", v3, {4, "hash-t", true}, D::kRetraction, true},
      {"stale_retraction", v3, {2, "hash-t", true}, D::kStale, false},
      {"retraction_sent_again", {{4, "hash-t"}}, {4, "hash-t", true}, D::kUnchanged, false},
      {"retraction_conflict", v3, {3, "hash-t", true}, D::kConflict, false},
      // A tombstone is stored like any record: a newer version revives it, an older one is stale.
      {"newer_than_a_tombstone", {{4, "hash-t"}}, {5, "hash-c", false}, D::kNewer, true},
      {"older_than_a_tombstone", {{4, "hash-t"}}, {3, "hash-a", false}, D::kStale, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const VersionDecision got = DecideVersion(row.stored, row.incoming);
    EXPECT_EQ(got, row.want);
    EXPECT_EQ(WritesRecord(got), row.writes);
  }
}

}  // namespace
}  // namespace lifeline::ingest
