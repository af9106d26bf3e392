#include "common/storage/query_plan.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::unique_ptr<Database> SchemaDb() {
  auto db = Database::Open(":memory:");
  EXPECT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(
      (*db)
          ->Migrate({{1,
                      "CREATE TABLE records(id INTEGER PRIMARY KEY, person TEXT, kase TEXT);"
                      "CREATE INDEX records_person ON records(person);"
                      "CREATE INDEX records_case ON records(kase) WHERE kase <> '';"
                      "CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT);"}})
          .ok());
  return *std::move(db);
}

TEST(FindFullScansTest, IndexSearchesPass) {
  auto db = SchemaDb();
  auto found = FindFullScans(db.get(),
                             {"SELECT id FROM records WHERE person = ?",
                              "SELECT id FROM records WHERE person = ? AND id > ?",
                              "SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?",
                              "SELECT COUNT(*) FROM records WHERE id BETWEEN ? AND ?",
                              "SELECT id FROM records WHERE kase = ? AND kase <> ''",
                              "UPDATE records SET kase = ? WHERE id = ?", "PRAGMA user_version"},
                             QueryPlanPolicy{});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, IsEmpty());
}

TEST(FindFullScansTest, ReportsScansIncludingIndexScansAndAliases) {
  auto db = SchemaDb();
  auto found = FindFullScans(
      db.get(),
      {"SELECT id FROM records WHERE kase = ?",  // a parameter cannot prove kase <> ''
       "SELECT DISTINCT person FROM records WHERE kase = ? AND person IS NOT NULL",
       "SELECT person FROM records ORDER BY person",
       "SELECT person FROM records WHERE id > ?",  // no LIMIT: every row after the key
       "SELECT person FROM records WHERE person > ? AND person < ?",  // not the integer key
       "SELECT r.id FROM settings s JOIN records r ON r.kase = s.value WHERE s.name = ?"},
      QueryPlanPolicy{});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found,
              ElementsAre("SCAN records: SELECT id FROM records WHERE kase = ?",
                          "RANGE records: SELECT DISTINCT person FROM records WHERE kase = ? AND "
                          "person IS NOT NULL",
                          "SCAN records: SELECT person FROM records ORDER BY person",
                          "RANGE records: SELECT person FROM records WHERE id > ?",
                          "RANGE records: SELECT person FROM records WHERE person > ? AND "
                          "person < ?",
                          "SCAN records: SELECT r.id FROM settings s JOIN records r ON r.kase = "
                          "s.value WHERE s.name = ?"));
}

TEST(FindFullScansTest, PolicyAllowsSmallTablesAndNamedStatements) {
  auto db = SchemaDb();
  QueryPlanPolicy policy;
  policy.small_tables = {"settings"};
  policy.whole_table_statements = {{"SELECT COUNT(*) FROM records", "a metric over all rows"}};
  auto found = FindFullScans(
      db.get(), {"SELECT value FROM settings", "SELECT COUNT(*) FROM records"}, policy);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, IsEmpty());
}

// A range through a partial index of the rows waiting for work reads the work, not the table;
// the same range through any other index is still reported.
TEST(FindFullScansTest, PolicyAllowsRangesThroughWorkIndexes) {
  auto db = SchemaDb();
  ASSERT_TRUE(db->Run([&] {
                  return db->Execute(
                      "CREATE INDEX records_due ON records(person) WHERE kase = 'due'");
                }).ok());
  const std::string due =
      "SELECT id FROM records WHERE kase = 'due' AND person <= ? ORDER BY person LIMIT ?";
  auto found = FindFullScans(db.get(), {due}, QueryPlanPolicy{});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre("RANGE records: " + due));
  QueryPlanPolicy policy;
  policy.work_indexes = {{"records_due", "only records due"}};
  found = FindFullScans(db.get(), {due, "SELECT person FROM records WHERE person > ?"}, policy);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre("RANGE records: SELECT person FROM records WHERE person > ?"));
}

TEST(FindFullScansTest, UnknownTableIsAnError) {
  auto db = SchemaDb();
  auto found = FindFullScans(db.get(), {"SELECT * FROM nowhere"}, QueryPlanPolicy{});
  EXPECT_FALSE(found.ok());
}

}  // namespace
}  // namespace lifeline::common
