#include "tools/eval/truth.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "common/csv/csv_reader.h"
#include "common/status/status_macros.h"

namespace lifeline::eval {
namespace {

// A CSV file whose header must name exactly `columns` (in any order); fields are read by the
// index of their column in `columns`. Errors name the file and the line.
class Table {
 public:
  static absl::StatusOr<Table> Open(const std::string& path, std::vector<std::string> columns) {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
    Table table(path, std::move(in), std::move(columns));
    RETURN_IF_ERROR(table.ReadHeader());
    return table;
  }

  // Reads the next row. Returns false at the end. Errors: InvalidArgument.
  absl::StatusOr<bool> Next() {
    ASSIGN_OR_RETURN(bool more, ReadRow());
    if (!more) return false;
    if (fields_.size() != columns_.size()) {
      return Error(absl::StrCat("expected ", columns_.size(), " fields, found ", fields_.size()));
    }
    return true;
  }

  // Returns the field of `columns[index]` in the current row.
  const std::string& Get(size_t index) const { return fields_[position_[index]]; }

  // Returns the field, or InvalidArgument when it is empty.
  absl::StatusOr<std::string> Required(size_t index) const {
    const std::string& value = Get(index);
    if (value.empty()) return Error(absl::StrCat("empty ", columns_[index]));
    return value;
  }

  // Returns InvalidArgument "PATH: line N: message" for the current row.
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": line ", reader_->row_line(), ": ", message));
  }

 private:
  Table(std::string path, std::unique_ptr<std::ifstream> in, std::vector<std::string> columns)
      : path_(std::move(path)),
        in_(std::move(in)),
        reader_(std::make_unique<common::CsvReader>(in_.get(), ReaderOptions())),
        columns_(std::move(columns)) {}

  static common::CsvReaderOptions ReaderOptions() {
    common::CsvReaderOptions options;
    options.skip_empty_lines = true;
    return options;
  }

  // Reads a row into fields_, naming the file in errors.
  absl::StatusOr<bool> ReadRow() {
    absl::StatusOr<bool> more = reader_->ReadRow(&fields_);
    if (!more.ok()) {
      return absl::Status(more.status().code(), absl::StrCat(path_, ": ", more.status().message()));
    }
    return *more;
  }

  absl::Status ReadHeader() {
    ASSIGN_OR_RETURN(bool any, ReadRow());
    if (!any) return absl::InvalidArgumentError(absl::StrCat(path_, ": no header row"));
    position_.assign(columns_.size(), -1);
    for (size_t i = 0; i < fields_.size(); ++i) {
      auto it = std::find(columns_.begin(), columns_.end(), fields_[i]);
      if (it == columns_.end()) {
        return Error(absl::StrCat("unknown column '", fields_[i], "' (expected ",
                                  absl::StrJoin(columns_, ","), ")"));
      }
      int& slot = position_[it - columns_.begin()];
      if (slot >= 0) return Error(absl::StrCat("column '", fields_[i], "' repeated"));
      slot = static_cast<int>(i);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (position_[i] < 0) return Error(absl::StrCat("missing column '", columns_[i], "'"));
    }
    return absl::OkStatus();
  }

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  std::unique_ptr<common::CsvReader> reader_;
  std::vector<std::string> columns_;
  std::vector<int> position_;  // header position of each of columns_
  std::vector<std::string> fields_;
};

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(value, ';', absl::SkipWhitespace())) {
    out.emplace_back(part);
  }
  return out;
}

std::string RecordKey(const std::string& agency, const std::string& source_record_id) {
  return absl::StrCat(agency, "\x1f", source_record_id);
}

absl::Status LoadRecords(const std::string& path, Truth* truth) {
  enum { kAgency, kSource, kPerson, kKind, kNoise, kIdStatus, kName, kIdNumber, kBirthDate };
  ASSIGN_OR_RETURN(Table table,
                   Table::Open(path, {"agency", "source_record_id", "person_id", "kind", "noise",
                                      "id_status", "name", "id_number", "birth_date"}));
  absl::flat_hash_set<std::string> seen;
  while (true) {
    ASSIGN_OR_RETURN(bool more, table.Next());
    if (!more) break;
    TruthRecord r;
    ASSIGN_OR_RETURN(r.agency, table.Required(kAgency));
    ASSIGN_OR_RETURN(r.source_record_id, table.Required(kSource));
    ASSIGN_OR_RETURN(r.person_id, table.Required(kPerson));
    r.kind = table.Get(kKind);
    r.noise = SplitList(table.Get(kNoise));
    r.id_status = table.Get(kIdStatus);
    r.name = table.Get(kName);
    r.id_number = table.Get(kIdNumber);
    r.birth_date = table.Get(kBirthDate);
    if (!seen.insert(RecordKey(r.agency, r.source_record_id)).second) {
      return table.Error("record (agency, source_record_id) listed twice");
    }
    truth->records.push_back(std::move(r));
  }
  return absl::OkStatus();
}

absl::Status CheckOneOf(const Table& table, const std::string& value, const char* what,
                        const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return absl::OkStatus();
  return table.Error(absl::StrCat("unknown ", what, " '", value, "' (expected one of ",
                                  absl::StrJoin(allowed, ", "), ")"));
}

absl::Status LoadEligible(const std::string& path, Truth* truth) {
  enum { kPerson, kCategory, kCase, kVictim, kSignals };
  ASSIGN_OR_RETURN(Table table, Table::Open(path, {"person_id", "category", "case_number",
                                                   "victim_person_id", "signals"}));
  while (true) {
    ASSIGN_OR_RETURN(bool more, table.Next());
    if (!more) break;
    EligibleEntry e;
    ASSIGN_OR_RETURN(e.person_id, table.Required(kPerson));
    e.category = table.Get(kCategory);
    RETURN_IF_ERROR(CheckOneOf(table, e.category, "category", EligibleCategories()));
    e.case_number = table.Get(kCase);
    e.victim_person_id = table.Get(kVictim);
    e.signals = SplitList(table.Get(kSignals));
    truth->eligible.push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status LoadNearMisses(const std::string& path, Truth* truth) {
  enum { kPerson, kReason, kCase };
  ASSIGN_OR_RETURN(Table table, Table::Open(path, {"person_id", "reason", "case_number"}));
  while (true) {
    ASSIGN_OR_RETURN(bool more, table.Next());
    if (!more) break;
    NearMiss n;
    ASSIGN_OR_RETURN(n.person_id, table.Required(kPerson));
    n.reason = table.Get(kReason);
    RETURN_IF_ERROR(CheckOneOf(table, n.reason, "reason", NearMissReasons()));
    n.case_number = table.Get(kCase);
    truth->near_misses.push_back(std::move(n));
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& EligibleCategories() {
  static const auto* kCategories = new std::vector<std::string>{
      "serious_injury", "urgent_treatment", "dependant_of_killed", "property_loss", "civil_tort"};
  return *kCategories;
}

const std::vector<std::string>& NearMissReasons() {
  static const auto* kReasons =
      new std::vector<std::string>{"compensation_paid", "already_assisted", "victim_major_fault",
                                   "no_hardship", "minor_injury_only"};
  return *kReasons;
}

absl::StatusOr<Truth> LoadTruth(const std::string& dir) {
  Truth truth;
  std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  RETURN_IF_ERROR(LoadRecords(base + "records.csv", &truth));
  RETURN_IF_ERROR(LoadEligible(base + "eligible.csv", &truth));
  RETURN_IF_ERROR(LoadNearMisses(base + "near_misses.csv", &truth));
  return truth;
}

absl::StatusOr<std::vector<Link>> LoadLinks(const std::string& path) {
  enum { kAgency, kSource, kPerson };
  ASSIGN_OR_RETURN(Table table, Table::Open(path, {"agency", "source_record_id", "person_id"}));
  std::vector<Link> links;
  absl::flat_hash_map<std::string, std::string> person_of;
  while (true) {
    ASSIGN_OR_RETURN(bool more, table.Next());
    if (!more) break;
    Link l;
    ASSIGN_OR_RETURN(l.agency, table.Required(kAgency));
    ASSIGN_OR_RETURN(l.source_record_id, table.Required(kSource));
    ASSIGN_OR_RETURN(l.person_id, table.Required(kPerson));
    auto [it, inserted] = person_of.emplace(RecordKey(l.agency, l.source_record_id), l.person_id);
    if (!inserted) {
      if (it->second != l.person_id) return table.Error("record linked to two different persons");
      continue;
    }
    links.push_back(std::move(l));
  }
  return links;
}

absl::StatusOr<std::vector<ClueRow>> LoadClues(const std::string& path) {
  enum { kClue, kPerson, kCategory, kScore };
  ASSIGN_OR_RETURN(Table table, Table::Open(path, {"clue_id", "person_id", "category", "score"}));
  std::vector<ClueRow> clues;
  while (true) {
    ASSIGN_OR_RETURN(bool more, table.Next());
    if (!more) break;
    ClueRow c;
    ASSIGN_OR_RETURN(c.clue_id, table.Required(kClue));
    ASSIGN_OR_RETURN(c.person_id, table.Required(kPerson));
    c.category = table.Get(kCategory);
    const std::string& score = table.Get(kScore);
    if (!score.empty() && !absl::SimpleAtod(score, &c.score)) {
      return table.Error(absl::StrCat("score '", score, "' is not a number"));
    }
    clues.push_back(std::move(c));
  }
  return clues;
}

}  // namespace lifeline::eval
