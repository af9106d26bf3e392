// The inputs of an evaluation: the truth directory lifeline-datagen writes (what each agency
// record really is about, who is eligible, who is a near miss) and the files Lifeline exports
// (record-to-person links and clues). Every loader checks the header row: the columns must be
// exactly the documented ones, in any order.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lifeline::eval {

// One agency record (truth/records.csv). `name`, `id_number` and `birth_date` are the values as
// the agency sent them, noise included.
struct TruthRecord {
  std::string agency;
  std::string source_record_id;
  std::string person_id;  // the true person
  std::string kind;
  std::vector<std::string> noise;  // noise kinds applied; empty for a clean record
  std::string id_status;
  std::string name;
  std::string id_number;
  std::string birth_date;
};

// A person planted as eligible (truth/eligible.csv).
struct EligibleEntry {
  std::string person_id;
  // serious_injury | urgent_treatment | dependant_of_killed | property_loss | civil_tort
  std::string category;
  std::string case_number;
  std::string victim_person_id;
  std::vector<std::string> signals;
};

// A person planted to look eligible who is not (truth/near_misses.csv).
struct NearMiss {
  std::string person_id;
  // compensation_paid | already_assisted | victim_major_fault | no_hardship | minor_injury_only
  std::string reason;
  std::string case_number;
};

// What the evaluation needs from a truth directory.
struct Truth {
  std::vector<TruthRecord> records;
  std::vector<EligibleEntry> eligible;
  std::vector<NearMiss> near_misses;
};

// One row of Lifeline's links.csv.
struct Link {
  std::string agency;
  std::string source_record_id;
  std::string person_id;  // Lifeline's person id
};

// One row of Lifeline's clues.csv.
struct ClueRow {
  std::string clue_id;
  std::string person_id;  // Lifeline's person id
  std::string category;   // may be empty
  double score = 0;
};

// The categories and near-miss reasons the truth files may name.
const std::vector<std::string>& EligibleCategories();
const std::vector<std::string>& NearMissReasons();

// Reads records.csv, eligible.csv and near_misses.csv from `dir`. Errors: NotFound naming a
// missing file; InvalidArgument naming the file and line for malformed CSV, a missing, unknown or
// repeated column, a wrong number of fields, an empty key field, a record (agency +
// source_record_id) listed twice, or an unknown category or reason.
absl::StatusOr<Truth> LoadTruth(const std::string& dir);

// Reads Lifeline's links.csv (agency,source_record_id,person_id). A record linked twice to the
// same person counts once. Errors: NotFound; InvalidArgument as for LoadTruth, and for a record
// linked to two different persons.
absl::StatusOr<std::vector<Link>> LoadLinks(const std::string& path);

// Reads Lifeline's clues.csv (clue_id,person_id,category,score). Errors: NotFound;
// InvalidArgument as for LoadTruth, and for a score that is not a number.
absl::StatusOr<std::vector<ClueRow>> LoadClues(const std::string& path);

}  // namespace lifeline::eval
