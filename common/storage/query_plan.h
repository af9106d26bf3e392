// Query-plan checks for store tests: every statement a store prepares must find its rows through
// an index, so that its cost grows with the work and not with the database.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "common/storage/sqlite.h"

namespace lifeline::common {

// What a store test allows besides index searches.
struct QueryPlanPolicy {
  // Tables that stay small whatever the data (configuration, counters): scanning them is fine.
  std::set<std::string> small_tables;
  // Statements (exact SQL text) that read a whole table by purpose (a full re-score, a metric
  // over every clue), each with the reason.
  std::map<std::string, std::string> whole_table_statements;
  // Partial indexes that hold only the rows waiting for work (referrals due a check, deliveries
  // parked), each with the reason: a range search through one reads work, not the table.
  std::map<std::string, std::string> work_indexes;
};

// Runs EXPLAIN QUERY PLAN on each of `sql` on `db` (which must hold the store's schema) and
// returns one line per statement step that may read a whole table the policy does not allow: a
// SCAN, with or without an index ("SCAN records: SELECT ..."), or a SEARCH bounded by ranges
// only, without an equality ("RANGE records: SELECT ...": `person_id IS NOT NULL` alone becomes
// person_id>? and walks the index), unless that range is on the integer primary key and bounded:
// keyset paging (with a LIMIT) or between two keys (`id BETWEEN ? AND ?`), or it goes through one
// of the policy's work indexes. Empty when every plan pins rows by equality, pages by key, reads
// between two keys or reads a work index.
// Errors: those of preparing a statement (for example SQL about tables `db` does not have).
absl::StatusOr<std::vector<std::string>> FindFullScans(Database* db,
                                                       const std::vector<std::string>& sql,
                                                       const QueryPlanPolicy& policy);

}  // namespace lifeline::common
