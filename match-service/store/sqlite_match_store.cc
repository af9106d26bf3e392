#include "match-service/store/sqlite_match_store.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "match-service/domain/record_codec.h"
#include "match-service/domain/review_policy.h"

namespace lifeline::match {
namespace {

std::vector<common::Migration> Migrations() {
  return {
      {1, R"sql(
CREATE TABLE persons (
  person_id TEXT PRIMARY KEY,
  id_token TEXT UNIQUE,
  created_time TEXT NOT NULL
);
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  agency TEXT NOT NULL,
  source_record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  retracted INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  person_id TEXT REFERENCES persons(person_id),
  link_reason TEXT NOT NULL,
  case_number TEXT NOT NULL,
  victim_record_id TEXT NOT NULL,
  id_token TEXT NOT NULL,
  name_normalized TEXT NOT NULL,
  record_date TEXT NOT NULL,
  facts TEXT NOT NULL,
  updated_time TEXT NOT NULL,
  UNIQUE (agency, source_record_id)
);
CREATE INDEX records_person ON records(person_id);
CREATE INDEX records_case ON records(case_number) WHERE case_number <> '';
CREATE INDEX records_name ON records(name_normalized);
CREATE VIEW relations AS
  SELECT r.person_id AS relative_person_id, v.person_id AS victim_person_id,
         r.case_number AS case_number, r.agency AS agency,
         r.source_record_id AS relative_record_id, v.source_record_id AS victim_record_id
  FROM records r JOIN records v
    ON v.agency = r.agency AND v.source_record_id = r.victim_record_id
  WHERE r.kind = 2 AND r.retracted = 0 AND v.retracted = 0;
CREATE TABLE clues (
  clue_id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL,
  case_number TEXT NOT NULL,
  category INTEGER NOT NULL,
  status INTEGER NOT NULL,
  score REAL NOT NULL,
  min_fen INTEGER NOT NULL,
  max_fen INTEGER NOT NULL,
  hardship_signals TEXT NOT NULL,
  possible_exclusions TEXT NOT NULL,
  needs TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_time TEXT NOT NULL,
  updated_time TEXT NOT NULL,
  plan_id TEXT NOT NULL DEFAULT '',
  UNIQUE (person_id, case_number, category)
);
CREATE INDEX clues_rank ON clues(score DESC);
CREATE TABLE evidence (
  clue_id TEXT NOT NULL REFERENCES clues(clue_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  agency TEXT NOT NULL,
  source_record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  date TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (clue_id, seq)
);
CREATE TABLE reviews (
  clue_id TEXT NOT NULL REFERENCES clues(clue_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  decision INTEGER NOT NULL,
  amount_fen INTEGER NOT NULL,
  reason TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  review_time TEXT NOT NULL,
  PRIMARY KEY (clue_id, seq)
);
)sql"},
      common::Outbox::SchemaMigration(2),
      common::Outbox::PendingCountMigration(3),
  };
}

// Raised on a MORE_INFO_REQUESTED clue whose data no longer supports it (pending ones are
// withdrawn instead).
constexpr char kNoLongerSupported[] = "data_no_longer_supports_clue";

std::string JoinList(const std::vector<std::string>& items) { return absl::StrJoin(items, ","); }

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

// A digest of everything a clue shows, to tell whether re-scoring changed it.
std::string Fingerprint(const ClueCandidate& c) {
  std::string out = absl::StrFormat("%.6f|%d|%d|", c.score, c.suggested_amount.min_fen,
                                    c.suggested_amount.max_fen);
  absl::StrAppend(&out, JoinList(c.hardship_signals), "|", JoinList(c.possible_exclusions), "|",
                  JoinList(c.needs));
  for (const Evidence& e : c.evidence) {
    absl::StrAppend(&out, "\x1e", e.agency, "\x1f", e.source_record_id, "\x1f", e.field, "\x1f",
                    e.value, "\x1f", e.date, "\x1f", e.role);
  }
  return out;
}

// Fills the empty fields of `best` from `from`.
void MergePersonKey(const PersonKey& from, PersonKey* best) {
  auto take = [](const std::string& value, std::string* field) {
    if (field->empty() && !value.empty()) *field = value;
  };
  take(from.id_token, &best->id_token);
  take(from.id_masked, &best->id_masked);
  take(from.name_original, &best->name_original);
  take(from.name_normalized, &best->name_normalized);
  take(from.birth_date, &best->birth_date);
  take(from.region_code, &best->region_code);
  take(from.household_id, &best->household_id);
  if (best->sex == Sex::kUnspecified) best->sex = from.sex;
}

}  // namespace

SqliteMatchStore::SqliteMatchStore(std::unique_ptr<common::Database> db, ClueScorer scorer,
                                   PlanRequestEncoder encoder)
    : db_(std::move(db)),
      outbox_(db_.get()),
      scorer_(std::move(scorer)),
      encoder_(std::move(encoder)) {}

absl::StatusOr<std::unique_ptr<SqliteMatchStore>> SqliteMatchStore::Open(
    const std::string& path, ClueScorer scorer, PlanRequestEncoder encoder) {
  ASSIGN_OR_RETURN(std::unique_ptr<common::Database> db, common::Database::Open(path));
  RETURN_IF_ERROR(db->Migrate(Migrations()));
  return std::unique_ptr<SqliteMatchStore>(
      new SqliteMatchStore(std::move(db), std::move(scorer), std::move(encoder)));
}

std::string SqliteMatchStore::NewId(const char* prefix) {
  return absl::StrFormat("%s%016x", prefix, absl::Uniform<uint64_t>(gen_));
}

absl::StatusOr<std::string> SqliteMatchStore::LinkPerson(const RecordFacts& record,
                                                         const std::string& existing_person_id,
                                                         const std::string& now_text,
                                                         std::string* link_reason) {
  const std::string& token = record.person.id_token;
  if (!token.empty()) {
    *link_reason = kLinkIdToken;
    ASSIGN_OR_RETURN(auto find, db_->Prepare("SELECT person_id FROM persons WHERE id_token = ?"));
    find.Bind(1, token);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) return find.ColumnText(0);
    std::string person_id = NewId("per_");
    ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO persons VALUES (?, ?, ?)"));
    insert.Bind(1, person_id).Bind(2, token).Bind(3, now_text);
    RETURN_IF_ERROR(insert.Run());
    return person_id;
  }
  *link_reason = kLinkSingleton;
  if (!existing_person_id.empty()) {
    // A new version of a token-less record stays with its own singleton person.
    ASSIGN_OR_RETURN(
        auto find, db_->Prepare("SELECT 1 FROM persons WHERE person_id = ? AND id_token IS NULL"));
    find.Bind(1, existing_person_id);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) return existing_person_id;
  }
  std::string person_id = NewId("per_");
  ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO persons VALUES (?, NULL, ?)"));
  insert.Bind(1, person_id).Bind(2, now_text);
  RETURN_IF_ERROR(insert.Run());
  return person_id;
}

absl::Status SqliteMatchStore::ApplyRecord(const RecordFacts& record, const std::string& now_text,
                                           bool* applied, std::set<std::string>* persons,
                                           std::set<std::string>* cases) {
  *applied = false;
  if (record.agency.empty() || record.source_record_id.empty()) {
    return absl::InvalidArgumentError("record needs agency and source_record_id");
  }
  ASSIGN_OR_RETURN(auto find, db_->Prepare("SELECT version, person_id, facts FROM records "
                                           "WHERE agency = ? AND source_record_id = ?"));
  find.Bind(1, record.agency).Bind(2, record.source_record_id);
  ASSIGN_OR_RETURN(bool exists, find.Step());
  std::string old_person_id;
  if (exists) {
    if (find.ColumnInt(0) >= record.version) return absl::OkStatus();
    if (!find.ColumnIsNull(1)) old_person_id = find.ColumnText(1);
    ASSIGN_OR_RETURN(RecordFacts old_facts, DecodeRecordFacts(find.ColumnText(2)));
    if (!old_facts.CaseNumber().empty()) cases->insert(old_facts.CaseNumber());
    if (!old_person_id.empty()) persons->insert(old_person_id);
  }
  *applied = true;

  RecordFacts stored = record;
  std::optional<std::string> person_id;
  std::string link_reason;
  if (record.retracted) {
    // Forget the facts; keep only the identity and version so older versions stay ignored.
    stored = RecordFacts{};
    stored.agency = record.agency;
    stored.source_record_id = record.source_record_id;
    stored.version = record.version;
    stored.record_date = record.record_date;
    stored.retracted = true;
    stored.kind = record.kind;
    link_reason = "retracted";
  } else {
    ASSIGN_OR_RETURN(person_id, LinkPerson(record, old_person_id, now_text, &link_reason));
    persons->insert(*person_id);
    if (!record.CaseNumber().empty()) cases->insert(record.CaseNumber());
  }

  ASSIGN_OR_RETURN(
      auto upsert,
      db_->Prepare(
          "INSERT INTO records (agency, source_record_id, version, retracted, kind, person_id, "
          "link_reason, case_number, victim_record_id, id_token, name_normalized, record_date, "
          "facts, updated_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (agency, source_record_id) DO UPDATE SET version = excluded.version, "
          "retracted = excluded.retracted, kind = excluded.kind, person_id = excluded.person_id, "
          "link_reason = excluded.link_reason, case_number = excluded.case_number, "
          "victim_record_id = excluded.victim_record_id, id_token = excluded.id_token, "
          "name_normalized = excluded.name_normalized, record_date = excluded.record_date, "
          "facts = excluded.facts, updated_time = excluded.updated_time"));
  upsert.Bind(1, stored.agency)
      .Bind(2, stored.source_record_id)
      .Bind(3, stored.version)
      .Bind(4, int64_t{stored.retracted ? 1 : 0})
      .Bind(5, static_cast<int64_t>(stored.kind));
  if (person_id.has_value()) {
    upsert.Bind(6, *person_id);
  } else {
    upsert.BindNull(6);
  }
  upsert.Bind(7, link_reason)
      .Bind(8, stored.CaseNumber())
      .Bind(9, stored.kind == RecordKind::kNearRelative ? stored.relative.victim_record_id
                                                        : std::string())
      .Bind(10, stored.person.id_token)
      .Bind(11, stored.person.name_normalized)
      .Bind(12, stored.record_date)
      .Bind(13, EncodeRecordFacts(stored))
      .Bind(14, now_text);
  return upsert.Run();
}

absl::StatusOr<ApplyResult> SqliteMatchStore::UpsertRecords(const std::vector<RecordFacts>& records,
                                                            absl::Time now) {
  ApplyResult result;
  const std::string now_text = common::FormatRfc3339(now);
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        result = ApplyResult{};
        std::set<std::string> persons;
        std::set<std::string> cases;
        for (const RecordFacts& record : records) {
          bool applied = false;
          RETURN_IF_ERROR(ApplyRecord(record, now_text, &applied, &persons, &cases));
          ++(applied ? result.applied : result.unchanged);
        }
        // Everyone in a touched case may gain or lose a clue (a judgment paid, a victim retracted).
        ASSIGN_OR_RETURN(auto by_case, db_->Prepare("SELECT DISTINCT person_id FROM records WHERE "
                                                    "case_number = ? AND person_id IS NOT NULL"));
        for (const std::string& case_number : cases) {
          by_case.Reset();
          by_case.Bind(1, case_number);
          while (true) {
            ASSIGN_OR_RETURN(bool row, by_case.Step());
            if (!row) break;
            persons.insert(by_case.ColumnText(0));
          }
        }
        return ScorePersons(persons, now, &result);
      });
      !done.ok())
    return done;
  return result;
}

absl::StatusOr<ApplyResult> SqliteMatchStore::Rescore(absl::Time now) {
  ApplyResult result;
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        result = ApplyResult{};
        std::set<std::string> persons;
        ASSIGN_OR_RETURN(auto all,
                         db_->Prepare("SELECT person_id FROM persons ORDER BY person_id"));
        while (true) {
          ASSIGN_OR_RETURN(bool row, all.Step());
          if (!row) break;
          persons.insert(all.ColumnText(0));
        }
        return ScorePersons(persons, now, &result);
      });
      !done.ok())
    return done;
  return result;
}

absl::Status SqliteMatchStore::ScorePersons(const std::set<std::string>& person_ids, absl::Time now,
                                            ApplyResult* result) {
  for (const std::string& person_id : person_ids) {
    RETURN_IF_ERROR(ScorePerson(person_id, now, result));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RecordFacts>> SqliteMatchStore::LiveRecordsOf(
    const std::string& person_id) {
  std::vector<RecordFacts> out;
  ASSIGN_OR_RETURN(auto select,
                   db_->Prepare("SELECT facts FROM records WHERE person_id = ? AND retracted = 0 "
                                "ORDER BY record_date DESC, id DESC"));
  select.Bind(1, person_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(RecordFacts facts, DecodeRecordFacts(select.ColumnText(0)));
    out.push_back(std::move(facts));
  }
  return out;
}

absl::Status SqliteMatchStore::ScorePerson(const std::string& person_id, absl::Time now,
                                           ApplyResult* result) {
  const std::string now_text = common::FormatRfc3339(now);
  ++result->persons_scored;
  ScoringInput input;
  input.person_id = person_id;
  ASSIGN_OR_RETURN(input.own_records, LiveRecordsOf(person_id));
  std::set<std::string> cases;
  std::set<std::pair<std::string, std::string>> victims;
  for (const RecordFacts& r : input.own_records) {
    MergePersonKey(r.person, &input.person);
    if (!r.CaseNumber().empty()) cases.insert(r.CaseNumber());
    if (r.kind == RecordKind::kNearRelative) {
      victims.emplace(r.agency, r.relative.victim_record_id);
    }
  }
  std::set<std::pair<std::string, std::string>> loaded;
  auto collect = [&](common::Statement& select) -> absl::Status {
    while (true) {
      ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return absl::OkStatus();
      ASSIGN_OR_RETURN(RecordFacts facts, DecodeRecordFacts(select.ColumnText(1)));
      if (!loaded.emplace(facts.agency, facts.source_record_id).second) continue;
      input.case_records.push_back(LinkedRecord{select.ColumnText(0), std::move(facts)});
    }
  };
  ASSIGN_OR_RETURN(auto by_case, db_->Prepare("SELECT person_id, facts FROM records "
                                              "WHERE case_number = ? AND retracted = 0"));
  for (const std::string& case_number : cases) {
    by_case.Reset();
    by_case.Bind(1, case_number);
    RETURN_IF_ERROR(collect(by_case));
  }
  ASSIGN_OR_RETURN(auto by_id,
                   db_->Prepare("SELECT person_id, facts FROM records WHERE agency = ? AND "
                                "source_record_id = ? AND retracted = 0"));
  for (const auto& [agency, record_id] : victims) {
    by_id.Reset();
    by_id.Bind(1, agency).Bind(2, record_id);
    RETURN_IF_ERROR(collect(by_id));
  }

  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  std::vector<ClueCandidate> candidates = scorer_.Score(input, today);

  struct Existing {
    std::string clue_id;
    ClueStatus status;
    std::string fingerprint;
    std::string exclusions;
  };
  std::map<std::pair<std::string, Category>, Existing> existing;
  ASSIGN_OR_RETURN(auto select,
                   db_->Prepare("SELECT clue_id, case_number, category, status, fingerprint, "
                                "possible_exclusions FROM clues WHERE person_id = ?"));
  select.Bind(1, person_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    existing[{select.ColumnText(1), static_cast<Category>(select.ColumnInt(2))}] =
        Existing{select.ColumnText(0), static_cast<ClueStatus>(select.ColumnInt(3)),
                 select.ColumnText(4), select.ColumnText(5)};
  }

  for (const ClueCandidate& candidate : candidates) {
    auto it = existing.find({candidate.case_number, candidate.category});
    if (it == existing.end()) {
      const std::string clue_id = NewId("clu_");
      ASSIGN_OR_RETURN(
          auto insert,
          db_->Prepare("INSERT INTO clues (clue_id, person_id, case_number, category, status, "
                       "score, min_fen, max_fen, hardship_signals, possible_exclusions, needs, "
                       "fingerprint, created_time, updated_time) "
                       "VALUES (?, ?, ?, ?, ?, 0, 0, 0, '', '', '', '', ?, ?)"));
      insert.Bind(1, clue_id)
          .Bind(2, person_id)
          .Bind(3, candidate.case_number)
          .Bind(4, static_cast<int64_t>(candidate.category))
          .Bind(5, static_cast<int64_t>(ClueStatus::kPendingReview))
          .Bind(6, now_text)
          .Bind(7, now_text);
      RETURN_IF_ERROR(insert.Run());
      RETURN_IF_ERROR(WriteClueContent(clue_id, candidate, now_text));
      ++result->clues_created;
      continue;
    }
    Existing found = it->second;
    existing.erase(it);
    // A decided clue is never changed by re-scoring.
    if (IsDecided(found.status)) continue;
    if (found.fingerprint == Fingerprint(candidate)) continue;
    RETURN_IF_ERROR(WriteClueContent(found.clue_id, candidate, now_text));
    ++result->clues_updated;
  }

  // Clues the data no longer supports.
  for (const auto& [key, found] : existing) {
    if (found.status == ClueStatus::kPendingReview) {
      ASSIGN_OR_RETURN(auto remove, db_->Prepare("DELETE FROM clues WHERE clue_id = ?"));
      remove.Bind(1, found.clue_id);
      RETURN_IF_ERROR(remove.Run());
      ++result->clues_withdrawn;
    } else if (found.status == ClueStatus::kMoreInfoRequested &&
               found.exclusions.find(kNoLongerSupported) == std::string::npos) {
      // A procurator is already working on it: keep it, but say the data changed.
      ASSIGN_OR_RETURN(auto flag,
                       db_->Prepare("UPDATE clues SET possible_exclusions = ?, score = 0, "
                                    "fingerprint = '', updated_time = ? "
                                    "WHERE clue_id = ?"));
      std::vector<std::string> exclusions = SplitList(found.exclusions);
      exclusions.push_back(kNoLongerSupported);
      flag.Bind(1, JoinList(exclusions)).Bind(2, now_text).Bind(3, found.clue_id);
      RETURN_IF_ERROR(flag.Run());
      ++result->clues_updated;
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteMatchStore::WriteClueContent(const std::string& clue_id, const ClueCandidate& c,
                                                const std::string& now_text) {
  ASSIGN_OR_RETURN(auto update,
                   db_->Prepare("UPDATE clues SET score = ?, min_fen = ?, max_fen = ?, "
                                "hardship_signals = ?, possible_exclusions = ?, needs = ?, "
                                "fingerprint = ?, updated_time = ? WHERE clue_id = ?"));
  // Statement binds integers and text only: the score is stored in millionths.
  update.Bind(1, static_cast<int64_t>(c.score * 1e6))
      .Bind(2, c.suggested_amount.min_fen)
      .Bind(3, c.suggested_amount.max_fen)
      .Bind(4, JoinList(c.hardship_signals))
      .Bind(5, JoinList(c.possible_exclusions))
      .Bind(6, JoinList(c.needs))
      .Bind(7, Fingerprint(c))
      .Bind(8, now_text)
      .Bind(9, clue_id);
  RETURN_IF_ERROR(update.Run());
  ASSIGN_OR_RETURN(auto clear, db_->Prepare("DELETE FROM evidence WHERE clue_id = ?"));
  clear.Bind(1, clue_id);
  RETURN_IF_ERROR(clear.Run());
  ASSIGN_OR_RETURN(auto insert,
                   db_->Prepare("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  int64_t seq = 0;
  for (const Evidence& e : c.evidence) {
    insert.Reset();
    insert.Bind(1, clue_id)
        .Bind(2, seq++)
        .Bind(3, e.agency)
        .Bind(4, e.source_record_id)
        .Bind(5, e.field)
        .Bind(6, e.value)
        .Bind(7, e.date)
        .Bind(8, e.role);
    RETURN_IF_ERROR(insert.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<PersonView> SqliteMatchStore::LoadPerson(const std::string& person_id) {
  ASSIGN_OR_RETURN(auto exists, db_->Prepare("SELECT 1 FROM persons WHERE person_id = ?"));
  exists.Bind(1, person_id);
  ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("person ", person_id, " not found"));
  PersonView view;
  view.person_id = person_id;
  ASSIGN_OR_RETURN(auto select,
                   db_->Prepare("SELECT id, agency, source_record_id, version, kind, link_reason, "
                                "facts FROM records WHERE person_id = ? AND retracted = 0 "
                                "ORDER BY record_date DESC, id DESC"));
  select.Bind(1, person_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(RecordFacts facts, DecodeRecordFacts(select.ColumnText(6)));
    MergePersonKey(facts.person, &view.person);
    view.records.push_back(RecordLinkView{select.ColumnText(1), select.ColumnText(2),
                                          select.ColumnInt(3),
                                          static_cast<RecordKind>(select.ColumnInt(4)),
                                          select.ColumnText(5), person_id, select.ColumnInt(0)});
  }
  return view;
}

absl::StatusOr<PersonView> SqliteMatchStore::GetPerson(const std::string& person_id) {
  PersonView view;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(view, LoadPerson(person_id));
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return view;
}

absl::StatusOr<std::vector<PersonView>> SqliteMatchStore::SearchPersons(const std::string& id_token,
                                                                        const std::string& name,
                                                                        int limit) {
  if (id_token.empty() && name.empty()) {
    return absl::InvalidArgumentError("id_token or name is required");
  }
  std::vector<PersonView> out;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(
            auto select,
            db_->Prepare("SELECT DISTINCT person_id FROM records WHERE retracted = 0 AND "
                         "person_id IS NOT NULL AND (? = '' OR id_token = ?) AND "
                         "(? = '' OR name_normalized = ?) ORDER BY person_id LIMIT ?"));
        select.Bind(1, id_token)
            .Bind(2, id_token)
            .Bind(3, name)
            .Bind(4, name)
            .Bind(5, int64_t{std::max(limit, 1)});
        std::vector<std::string> ids;
        while (true) {
          ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          ids.push_back(select.ColumnText(0));
        }
        for (const std::string& id : ids) {
          ASSIGN_OR_RETURN(PersonView view, LoadPerson(id));
          out.push_back(std::move(view));
        }
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return out;
}

absl::StatusOr<ClueView> SqliteMatchStore::LoadClue(const std::string& clue_id) {
  ASSIGN_OR_RETURN(
      auto select,
      db_->Prepare("SELECT person_id, case_number, category, status, score, min_fen, max_fen, "
                   "hardship_signals, possible_exclusions, needs, created_time, updated_time, "
                   "plan_id FROM clues WHERE clue_id = ?"));
  select.Bind(1, clue_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("clue ", clue_id, " not found"));
  ClueView view;
  Clue& clue = view.clue;
  clue.clue_id = clue_id;
  ClueCandidate& c = clue.candidate;
  c.person_id = select.ColumnText(0);
  c.case_number = select.ColumnText(1);
  c.category = static_cast<Category>(select.ColumnInt(2));
  clue.status = static_cast<ClueStatus>(select.ColumnInt(3));
  c.score = static_cast<double>(select.ColumnInt(4)) / 1e6;
  c.suggested_amount = AmountRange{select.ColumnInt(5), select.ColumnInt(6)};
  c.hardship_signals = SplitList(select.ColumnText(7));
  c.possible_exclusions = SplitList(select.ColumnText(8));
  c.needs = SplitList(select.ColumnText(9));
  clue.created_time = select.ColumnText(10);
  clue.updated_time = select.ColumnText(11);
  clue.plan_id = select.ColumnText(12);

  ASSIGN_OR_RETURN(auto evidence,
                   db_->Prepare("SELECT agency, source_record_id, field, value, date, role FROM "
                                "evidence WHERE clue_id = ? ORDER BY seq"));
  evidence.Bind(1, clue_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, evidence.Step());
    if (!row) break;
    c.evidence.push_back(Evidence{evidence.ColumnText(0), evidence.ColumnText(1),
                                  evidence.ColumnText(2), evidence.ColumnText(3),
                                  evidence.ColumnText(4), evidence.ColumnText(5)});
  }
  ASSIGN_OR_RETURN(auto reviews,
                   db_->Prepare("SELECT decision, amount_fen, reason, reviewer, review_time FROM "
                                "reviews WHERE clue_id = ? ORDER BY seq"));
  reviews.Bind(1, clue_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, reviews.Step());
    if (!row) break;
    clue.reviews.push_back(Review{static_cast<Decision>(reviews.ColumnInt(0)), reviews.ColumnInt(1),
                                  reviews.ColumnText(2), reviews.ColumnText(3),
                                  reviews.ColumnText(4)});
  }
  auto person = LoadPerson(c.person_id);
  if (person.ok()) {
    view.person_name = person->person.name_original;
    view.person_id_masked = person->person.id_masked;
  } else if (!absl::IsNotFound(person.status())) {
    return person.status();
  }
  return view;
}

absl::StatusOr<ClueView> SqliteMatchStore::GetClue(const std::string& clue_id) {
  ClueView view;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(view, LoadClue(clue_id));
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return view;
}

absl::StatusOr<CluePage> SqliteMatchStore::ListClues(const ClueQuery& query) {
  if (query.offset < 0) return absl::InvalidArgumentError("offset must be >= 0");
  if (query.limit < 1) return absl::InvalidArgumentError("limit must be >= 1");
  CluePage page;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(auto select,
                         db_->Prepare("SELECT clue_id FROM clues WHERE (? = 0 OR status = ?) "
                                      "ORDER BY score DESC, clue_id LIMIT ? OFFSET ?"));
        const int64_t status = query.status.has_value() ? static_cast<int64_t>(*query.status) : 0;
        select.Bind(1, status)
            .Bind(2, status)
            .Bind(3, int64_t{query.limit} + 1)
            .Bind(4, int64_t{query.offset});
        std::vector<std::string> ids;
        while (true) {
          ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          ids.push_back(select.ColumnText(0));
        }
        if (static_cast<int>(ids.size()) > query.limit) {
          ids.pop_back();
          page.next_offset = query.offset + query.limit;
        }
        for (const std::string& id : ids) {
          ASSIGN_OR_RETURN(ClueView view, LoadClue(id));
          page.clues.push_back(std::move(view));
        }
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return page;
}

absl::StatusOr<ClueView> SqliteMatchStore::ReviewClue(const std::string& clue_id,
                                                      const Review& review, absl::Time now) {
  ClueView view;
  const std::string now_text = common::FormatRfc3339(now);
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(ClueView current, LoadClue(clue_id));
        ASSIGN_OR_RETURN(ClueStatus next,
                         ApplyReview(current.clue.status, review,
                                     current.clue.candidate.suggested_amount.max_fen));
        ASSIGN_OR_RETURN(auto insert,
                         db_->Prepare("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?)"));
        insert.Bind(1, clue_id)
            .Bind(2, static_cast<int64_t>(current.clue.reviews.size()))
            .Bind(3, static_cast<int64_t>(review.decision))
            .Bind(4, review.decision == Decision::kApprove ? review.amount_fen : int64_t{0})
            .Bind(5, review.reason)
            .Bind(6, review.reviewer)
            .Bind(7, now_text);
        RETURN_IF_ERROR(insert.Run());
        ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE clues SET status = ?, updated_time = ? "
                                                   "WHERE clue_id = ?"));
        update.Bind(1, static_cast<int64_t>(next)).Bind(2, now_text).Bind(3, clue_id);
        RETURN_IF_ERROR(update.Run());
        if (next == ClueStatus::kApproved) {
          ASSIGN_OR_RETURN(PersonView person, LoadPerson(current.clue.candidate.person_id));
          PlanRequest plan;
          plan.clue_id = clue_id;
          plan.person =
              PlanPerson{person.person_id,  person.person.name_original, person.person.id_masked,
                         person.person.sex, person.person.birth_date,    person.person.region_code};
          plan.category = std::string(CategoryName(current.clue.candidate.category));
          plan.case_number = current.clue.candidate.case_number;
          plan.approved_amount_fen = review.amount_fen;
          plan.needs = current.clue.candidate.needs;
          plan.approved_by = review.reviewer;
          ASSIGN_OR_RETURN(std::string payload, encoder_(plan));
          RETURN_IF_ERROR(outbox_.Enqueue(kReferralTopic, payload));
        }
        ASSIGN_OR_RETURN(view, LoadClue(clue_id));
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return view;
}

absl::Status SqliteMatchStore::SetPlanId(const std::string& clue_id, const std::string& plan_id) {
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE clues SET plan_id = ? WHERE clue_id = ?"));
    update.Bind(1, plan_id).Bind(2, clue_id);
    RETURN_IF_ERROR(update.Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("clue ", clue_id, " not found"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RecordLinkView>> SqliteMatchStore::ListLinks(int64_t after_cursor,
                                                                        int limit) {
  std::vector<RecordLinkView> out;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(
            auto select,
            db_->Prepare("SELECT id, agency, source_record_id, version, kind, "
                         "link_reason, person_id FROM records WHERE id > ? AND "
                         "retracted = 0 AND person_id IS NOT NULL ORDER BY id LIMIT ?"));
        select.Bind(1, after_cursor).Bind(2, int64_t{std::max(limit, 1)});
        while (true) {
          ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          out.push_back(
              RecordLinkView{select.ColumnText(1), select.ColumnText(2), select.ColumnInt(3),
                             static_cast<RecordKind>(select.ColumnInt(4)), select.ColumnText(5),
                             select.ColumnText(6), select.ColumnInt(0)});
        }
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return out;
}

absl::StatusOr<std::map<ClueStatus, int64_t>> SqliteMatchStore::CountClues() {
  std::map<ClueStatus, int64_t> out;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(auto select,
                         db_->Prepare("SELECT status, COUNT(*) FROM clues GROUP BY status"));
        while (true) {
          ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          out[static_cast<ClueStatus>(select.ColumnInt(0))] = select.ColumnInt(1);
        }
        return absl::OkStatus();
      });
      !done.ok())
    return done;
  return out;
}

}  // namespace lifeline::match
