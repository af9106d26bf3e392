#include "tools/datagen/truth_writer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/status/status_macros.h"

namespace lifeline::datagen {
namespace {

// One CSV file being written.
class CsvFile {
 public:
  absl::Status Open(const std::string& path, const std::vector<std::string>& header) {
    path_ = path;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) return absl::UnavailableError(absl::StrCat("cannot create ", path));
    csv_ = std::make_unique<common::CsvWriter>(&file_, "\n");
    return csv_->WriteRow(header);
  }
  absl::Status Row(const std::vector<std::string>& fields) { return csv_->WriteRow(fields); }
  absl::Status Close() {
    file_.close();
    if (file_.fail()) return absl::UnavailableError(absl::StrCat("cannot write ", path_));
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::ofstream file_;
  std::unique_ptr<common::CsvWriter> csv_;
};

const char* SexCode(Sex sex) { return sex == Sex::kMale ? "M" : "F"; }

}  // namespace

absl::StatusOr<std::unique_ptr<TruthRecordWriter>> TruthRecordWriter::Open(const std::string& dir) {
  std::unique_ptr<TruthRecordWriter> w(new TruthRecordWriter());
  const std::string path = dir + "/records.csv";
  w->file_.open(path, std::ios::binary | std::ios::trunc);
  if (!w->file_) return absl::UnavailableError(absl::StrCat("cannot create ", path));
  w->csv_ = std::make_unique<common::CsvWriter>(&w->file_, "\n");
  const std::vector<std::string> header = {
      "agency", "source_record_id", "person_id", "kind", "noise", "id_status",
      "name",   "id_number",        "birth_date"};
  RETURN_IF_ERROR(w->csv_->WriteRow(header));
  return w;
}

absl::Status TruthRecordWriter::Add(const AgencyRecord& record, bool final_version) {
  if (!final_version) return absl::OkStatus();
  const auto& person = record.record.person();
  const std::vector<std::string> row = {record.agency,
                                        record.record.source_record_id(),
                                        absl::StrCat(record.person_id),
                                        PayloadKind(record.record),
                                        absl::StrJoin(record.noise, ";"),
                                        record.id_status,
                                        person.name(),
                                        person.id_number(),
                                        person.birth_date()};
  return csv_->WriteRow(row);
}

absl::Status TruthRecordWriter::Close() {
  file_.close();
  if (file_.fail()) return absl::UnavailableError("cannot write truth records.csv");
  return absl::OkStatus();
}

absl::Status WriteWorldTruth(const World& world, const std::string& dir) {
  const Population& pop = world.population;
  {
    CsvFile f;
    RETURN_IF_ERROR(
        f.Open(dir + "/persons.csv", {"person_id", "household_id", "name", "sex", "birth_date",
                                      "id_number", "region_code", "rural", "alive"}));
    for (const Person& p : pop.persons) {
      RETURN_IF_ERROR(f.Row({absl::StrCat(p.id), pop.household_of(p).code, p.name, SexCode(p.sex),
                             p.birth.ToString(), p.id_number, p.region_code, p.rural ? "1" : "0",
                             p.alive ? "1" : "0"}));
    }
    RETURN_IF_ERROR(f.Close());
  }
  {
    CsvFile f;
    RETURN_IF_ERROR(f.Open(dir + "/relations.csv", {"person_id", "relative_id", "relation"}));
    for (const Relation& r : pop.relations) {
      RETURN_IF_ERROR(f.Row({absl::StrCat(r.person_id), absl::StrCat(r.relative_id), r.relation}));
    }
    RETURN_IF_ERROR(f.Close());
  }
  {
    CsvFile f;
    RETURN_IF_ERROR(f.Open(dir + "/eligible.csv", {"person_id", "category", "case_number",
                                                   "victim_person_id", "signals"}));
    for (const PlantedEligible& e : world.eligible) {
      RETURN_IF_ERROR(f.Row({absl::StrCat(e.person_id), CategoryCode(e.category), e.case_number,
                             absl::StrCat(e.victim_person_id), absl::StrJoin(e.signals, ";")}));
    }
    RETURN_IF_ERROR(f.Close());
  }
  {
    // Every criminal case, and whether it was planted (a shape the generator made on purpose)
    // or arose at random.
    CsvFile f;
    RETURN_IF_ERROR(f.Open(dir + "/cases.csv",
                           {"case_number", "crime", "case_date", "planted", "victim_person_ids"}));
    for (const CaseFacts& c : world.cases) {
      std::vector<std::string> victims;
      for (const CaseVictim& v : c.victims) victims.push_back(absl::StrCat(v.person));
      RETURN_IF_ERROR(
          f.Row({c.number,
                 c.civil() ? rv1::CivilJudgment::Claim_Name(c.claim)
                           : rv1::CriminalCase::Crime_Name(c.crime),
                 c.date.ToString(), c.planted ? "1" : "0", absl::StrJoin(victims, ";")}));
    }
    RETURN_IF_ERROR(f.Close());
  }
  {
    CsvFile f;
    RETURN_IF_ERROR(f.Open(dir + "/near_misses.csv", {"person_id", "reason", "case_number"}));
    for (const PlantedNearMiss& m : world.near_misses) {
      RETURN_IF_ERROR(f.Row({absl::StrCat(m.person_id), NearMissCode(m.reason), m.case_number}));
    }
    RETURN_IF_ERROR(f.Close());
  }
  return absl::OkStatus();
}

}  // namespace lifeline::datagen
