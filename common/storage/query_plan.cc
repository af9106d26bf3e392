#include "common/storage/query_plan.h"

#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"

namespace lifeline::common {
namespace {

// The table a plan's name stands for: the name itself, or the table it aliases in `sql`
// ("FROM records r", "JOIN records AS v").
std::string TableOf(const std::string& name, const std::string& sql) {
  const std::regex alias("(?:FROM|JOIN)\\s+(\\w+)\\s+(?:AS\\s+)?" + name + "\\b",
                         std::regex::icase);
  std::smatch match;
  if (std::regex_search(sql, match, alias)) return match[1].str();
  return name;
}

// Whether `sql` is a statement EXPLAIN can plan (PRAGMAs and transaction control are not).
bool Plannable(const std::string& sql) {
  for (const char* prefix : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE"}) {
    if (absl::StartsWithIgnoreCase(sql, prefix)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FindFullScans(Database* db,
                                                       const std::vector<std::string>& sql,
                                                       const QueryPlanPolicy& policy) {
  std::vector<std::string> found;
  RETURN_IF_ERROR(db->Run([&]() -> absl::Status {
    for (const std::string& text : sql) {
      if (!Plannable(text) || policy.whole_table_statements.contains(text)) continue;
      RETURN_IF_ERROR(
          db->ForEachRow(absl::StrCat("EXPLAIN QUERY PLAN ", text), [&](const Statement& row) {
            const std::string detail = row.ColumnText(3);
            if (!detail.starts_with("SCAN ")) return;
            const std::string name = detail.substr(5, detail.find(' ', 5) - 5);
            const std::string table = TableOf(name, text);
            if (policy.small_tables.contains(table)) return;
            found.push_back(absl::StrCat("SCAN ", table, ": ", text));
          }));
    }
    return absl::OkStatus();
  }));
  return found;
}

}  // namespace lifeline::common
