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

// Whether a SEARCH step's constraint, e.g. "(person_id=? AND version>?)", pins a column with an
// equality. One with ranges only ("(person_id>?)", which is how SQLite serves IS NOT NULL) walks
// the index from a bound, often the whole table.
bool HasEquality(const std::string& detail) {
  static const std::regex kEquality("[A-Za-z0-9_]=\\?");
  const size_t open = detail.rfind('(');
  if (open == std::string::npos) return true;  // e.g. "SEARCH t USING COVERING INDEX i"
  return std::regex_search(detail.substr(open), kEquality);
}

// Whether a range search on the integer primary key is bounded by its statement: keyset paging
// (a LIMIT reads one page from where the last one ended), or a range between two keys
// ("(rowid>? AND rowid<?)", BETWEEN), which reads only the rows the caller's two ids enclose.
bool BoundedKeyRange(const std::string& detail, const std::string& sql) {
  static const std::regex kLimit("\\bLIMIT\\b", std::regex::icase);
  if (detail.find("USING INTEGER PRIMARY KEY") == std::string::npos) return false;
  const bool both_ends =
      detail.find("rowid>") != std::string::npos && detail.find("rowid<") != std::string::npos;
  return both_ends || std::regex_search(sql, kLimit);
}

// Whether a SEARCH step goes through one of the policy's work indexes ("USING INDEX name (..."
// or "USING COVERING INDEX name (...").
bool UsesWorkIndex(const std::string& detail, const QueryPlanPolicy& policy) {
  static const std::regex kIndex("USING (?:COVERING )?INDEX (\\S+)");
  std::smatch match;
  return std::regex_search(detail, match, kIndex) && policy.work_indexes.contains(match[1].str());
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
            const bool scan = detail.starts_with("SCAN ");
            if (!scan && !(detail.starts_with("SEARCH ") && !HasEquality(detail) &&
                           !BoundedKeyRange(detail, text) && !UsesWorkIndex(detail, policy))) {
              return;
            }
            const size_t start = scan ? 5 : 7;
            const std::string name = detail.substr(start, detail.find(' ', start) - start);
            const std::string table = TableOf(name, text);
            if (policy.small_tables.contains(table)) return;
            found.push_back(absl::StrCat(scan ? "SCAN " : "RANGE ", table, ": ", text));
          }));
    }
    return absl::OkStatus();
  }));
  return found;
}

}  // namespace lifeline::common
