#include "match-service/store/sqlite_match_store.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "match-service/domain/clue_reconciler.h"
#include "match-service/domain/linkage/features.h"
#include "match-service/domain/linkage/resolver.h"
#include "match-service/store/legacy_facts.h"

namespace lifeline::match {
namespace {

using common::Database;
using common::Statement;

constexpr char kSchemaV1[] = R"sql(
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
)sql";

// Version 4: a record's facts are its NormalizedRecord bytes (`record`), `kind` is the payload's
// Record::PayloadCase; a clue's score is integer millionths in `score_micros`, and a clue the data
// no longer supports says so in `unsupported` instead of among its possible exclusions. The
// `relations` view (unused) goes with the old kind numbers.
constexpr char kSchemaV4[] = R"sql(
DROP VIEW relations;
ALTER TABLE records ADD COLUMN record BLOB NOT NULL DEFAULT x'';
ALTER TABLE clues ADD COLUMN score_micros INTEGER NOT NULL DEFAULT 0;
UPDATE clues SET score_micros = CAST(score AS INTEGER);
DROP INDEX clues_rank;
ALTER TABLE clues DROP COLUMN score;
CREATE INDEX clues_rank ON clues(score_micros DESC, clue_id);
ALTER TABLE clues ADD COLUMN unsupported INTEGER NOT NULL DEFAULT 0;
UPDATE clues SET unsupported = 1,
  possible_exclusions = trim(replace(',' || possible_exclusions || ',',
                                     ',data_no_longer_supports_clue,', ','), ',')
  WHERE ',' || possible_exclusions || ',' LIKE '%,data_no_longer_supports_clue,%';
CREATE INDEX clues_person ON clues(person_id);
)sql";

// Version 5: identity resolution. Each live record's blocking keys (link_keys), the count of
// records per name sound (name_counts) and the live/named totals with the estimated model
// (link_state), each record's explaining link (partner record, comparison levels, weight),
// possible matches for review and reviewers' decisions. Persons no longer carry an ID token:
// a person is a cluster of records, which may hold several spellings of one number.
constexpr char kSchemaV5[] = R"sql(
CREATE TABLE link_keys (
  key INTEGER NOT NULL,
  record_id INTEGER NOT NULL,
  index_only INTEGER NOT NULL,
  PRIMARY KEY (key, record_id)
) WITHOUT ROWID;
CREATE INDEX link_keys_record ON link_keys(record_id);
CREATE TABLE name_counts (
  name_key INTEGER PRIMARY KEY,
  count INTEGER NOT NULL
);
CREATE TABLE link_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  live_records INTEGER NOT NULL,
  named_records INTEGER NOT NULL,
  model TEXT NOT NULL,
  matches_per_record_nanos INTEGER NOT NULL,
  estimated_time TEXT NOT NULL
);
INSERT INTO link_state VALUES (1, 0, 0, '', 300000000, '');
ALTER TABLE records ADD COLUMN name_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN link_partner INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN link_vector INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN link_weight_milli INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_id_token ON records(id_token) WHERE id_token <> '';
CREATE TABLE possible_matches (
  record_a INTEGER NOT NULL,
  record_b INTEGER NOT NULL,
  weight_milli INTEGER NOT NULL,
  vector INTEGER NOT NULL,
  created_time TEXT NOT NULL,
  PRIMARY KEY (record_a, record_b)
);
CREATE INDEX possible_matches_b ON possible_matches(record_b);
CREATE INDEX possible_matches_rank ON possible_matches(weight_milli DESC, record_a, record_b);
CREATE TABLE match_reviews (
  record_a INTEGER NOT NULL,
  record_b INTEGER NOT NULL,
  same INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  reason TEXT NOT NULL,
  decided_time TEXT NOT NULL,
  PRIMARY KEY (record_a, record_b)
);
CREATE INDEX match_reviews_b ON match_reviews(record_b);
)sql";

// Version 7: the linkage index (blocking keys, name counts, live and named totals) lives in the
// engine's memory, built from the records at start-up (LinkIndex); the tables that held it go.
constexpr char kSchemaV7[] = R"sql(
DROP TABLE link_keys;
DROP TABLE name_counts;
ALTER TABLE records DROP COLUMN name_key;
ALTER TABLE link_state DROP COLUMN live_records;
ALTER TABLE link_state DROP COLUMN named_records;
)sql";

// Version 8: persons are searched by ID token and name in the engine's link index
// (MatchEngine::FindPersons), so the record columns and indexes that served the search go: they
// were two random-order B-tree inserts for every new record, most of the import's disk writes.
constexpr char kSchemaV8[] = R"sql(
DROP INDEX records_name;
DROP INDEX records_id_token;
ALTER TABLE records DROP COLUMN id_token;
ALTER TABLE records DROP COLUMN name_normalized;
)sql";

// Version 9: a candidate the data exclude (victim's major fault, already assisted, paid in full)
// is kept with status EXCLUDED (5) and the exclusions it shows.
constexpr char kSchemaV9[] = R"sql(
ALTER TABLE clues ADD COLUMN exclusions TEXT NOT NULL DEFAULT '';
UPDATE clues SET status = 5, exclusions = 'victim_major_fault',
  possible_exclusions = trim(replace(',' || possible_exclusions || ',', ',victim_major_fault,', ','),
                             ',')
  WHERE status = 1 AND ',' || possible_exclusions || ',' LIKE '%,victim_major_fault,%';
)sql";

// Version 10: a clue's suggested point amount with its rationale (one line per step), and its
// region (the case's handling unit's division code), which region-bound reviewers are checked
// against; clues by age for ListClues; the persons a re-scoring visits (records_basis); and
// settings, which hold the fingerprint of the rules the clues were scored with. Old clues have
// no region until re-scored: with no fingerprint stored, the next start re-scores.
constexpr char kSchemaV10[] = R"sql(
ALTER TABLE clues ADD COLUMN point_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clues ADD COLUMN amount_rationale TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN region_code TEXT NOT NULL DEFAULT '';
CREATE INDEX clues_age ON clues(created_time, clue_id);
CREATE INDEX records_basis ON records(person_id) WHERE kind IN (10, 11) AND retracted = 0;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";
static_assert(Record::kCriminalVictim == 10 && Record::kNearRelative == 11,
              "records_basis and kScorablePersonsSql name these kinds");

// Version 11: a clue's history (clue_events: created, updated with what changed, excluded,
// withdrawn with why, restored, reviewed); a clue the data no longer support is kept as
// WITHDRAWN (6) instead of deleted, so its history and id survive and the same clue comes back.
// Existing clues get one "created" step at their creation time.
constexpr char kSchemaV11[] = R"sql(
CREATE TABLE clue_events (
  clue_id TEXT NOT NULL REFERENCES clues(clue_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (clue_id, seq)
);
INSERT INTO clue_events SELECT clue_id, 0, created_time, 'match-service', 'created',
  'before clue history was kept' FROM clues;
)sql";

// Version 12: a clue's questions for what the data cannot show, and clues by case (a clue shows
// the other clues of its case: the near relatives of one killed victim point at each other).
constexpr char kSchemaV12[] = R"sql(
ALTER TABLE clues ADD COLUMN questions TEXT NOT NULL DEFAULT '';
CREATE INDEX clues_case ON clues(case_number);
)sql";

// Version 13: a rejection's coded reason (RejectReason).
constexpr char kSchemaV13[] = R"sql(
ALTER TABLE reviews ADD COLUMN reject_reason INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 14: a clue's family (FamilyText: the case's and the household's other persons with
// their hardship signals).
constexpr char kSchemaV14[] = R"sql(
ALTER TABLE clues ADD COLUMN family TEXT NOT NULL DEFAULT '';
)sql";

// Version 15: a civil case of a person's own (a civil judgment, kind 13) can found a clue
// (category CIVIL_TORT), so re-scoring visits its persons too (CanFoundClue's kinds).
constexpr char kSchemaV15[] = R"sql(
DROP INDEX records_basis;
CREATE INDEX records_basis ON records(person_id) WHERE kind IN (10, 11, 13) AND retracted = 0;
)sql";

// Version 16: verification requests for clues and the offices' answers (RecordVerification).
constexpr char kSchemaV16[] = R"sql(
CREATE TABLE clue_verifications (
  verification_id TEXT PRIMARY KEY,
  clue_id TEXT NOT NULL REFERENCES clues(clue_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  department TEXT NOT NULL,
  question TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_time TEXT NOT NULL,
  respond_by TEXT NOT NULL,
  answer_note TEXT NOT NULL,
  attachments TEXT NOT NULL,
  answered_by TEXT NOT NULL,
  answered_time TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX clue_verifications_by_clue ON clue_verifications(clue_id, seq);
)sql";

// Version 17: when a verification was escalated as overdue.
constexpr char kSchemaV17[] = R"sql(
ALTER TABLE clue_verifications ADD COLUMN escalated_time TEXT NOT NULL DEFAULT '';
)sql";

constexpr char kVerificationColumns[] =
    "verification_id, department, question, state, requested_by, requested_time, respond_by, "
    "answer_note, attachments, answered_by, answered_time, escalated_time";

ClueVerification ReadClueVerification(const Statement& row) {
  ClueVerification v;
  v.verification_id = row.ColumnText(0);
  v.department = row.ColumnText(1);
  v.question = row.ColumnText(2);
  v.state = row.ColumnText(3);
  v.requested_by = row.ColumnText(4);
  v.requested_time = row.ColumnText(5);
  v.respond_by = row.ColumnText(6);
  v.answer_note = row.ColumnText(7);
  v.attachments = absl::StrSplit(row.ColumnText(8), '\n', absl::SkipEmpty());
  v.answered_by = row.ColumnText(9);
  v.answered_time = row.ColumnText(10);
  v.escalated_time = row.ColumnText(11);
  return v;
}

// Rewrites every record's legacy facts text into its NormalizedRecord bytes, then drops the text.
absl::Status MigrateFactsToRecords(Database& db) {
  std::vector<std::pair<int64_t, std::string>> rows;
  RETURN_IF_ERROR(db.ForEachRow("SELECT id, facts FROM records", [&](const Statement& row) {
    rows.emplace_back(row.ColumnInt(0), row.ColumnText(1));
  }));
  for (const auto& [id, facts] : rows) {
    ASSIGN_OR_RETURN(records::v1::NormalizedRecord record, LegacyFactsToRecord(facts));
    RETURN_IF_ERROR(db.Execute("UPDATE records SET record = ?, kind = ? WHERE id = ?",
                               record.SerializeAsString(),
                               static_cast<int64_t>(record.record().payload_case()), id));
  }
  return db.Exec("ALTER TABLE records DROP COLUMN facts");
}

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

absl::StatusOr<NormalizedRecord> ParseRecord(const std::string& bytes) {
  NormalizedRecord record;
  if (!record.ParseFromString(bytes)) {
    return absl::DataLossError("stored record does not parse as a NormalizedRecord");
  }
  return record;
}

constexpr char kLiveRecordsOfPerson[] =
    "SELECT record FROM records WHERE person_id = ? AND retracted = 0 "
    "ORDER BY record_date DESC, id DESC";

absl::StatusOr<std::vector<NormalizedRecord>> LiveRecordsOfPerson(Database& db,
                                                                  const std::string& person_id) {
  return db.Query(
      kLiveRecordsOfPerson, [](const Statement& row) { return ParseRecord(row.ColumnBlob(0)); },
      person_id);
}

// A person as a clue shows them: the display name and masked ID that LoadPerson's merge would
// give (the newest live record's that has one), read from as few of their records as it takes
// (usually one) rather than parsing them all. Empty for a person with no live records or none.
absl::StatusOr<std::pair<std::string, std::string>> PersonDisplay(Database& db,
                                                                  const std::string& person_id) {
  std::pair<std::string, std::string> shown;
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kLiveRecordsOfPerson));
  statement.BindAll(person_id);
  while (shown.first.empty() || shown.second.empty()) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(const NormalizedRecord record, ParseRecord(statement.ColumnBlob(0)));
    if (shown.first.empty()) shown.first = record.person().name_original();
    if (shown.second.empty()) shown.second = record.person().id_masked();
  }
  return shown;
}

// Reads a clue row, its evidence and its reviews. Errors: NotFound.
absl::StatusOr<Clue> LoadClueRow(Database& db, const std::string& clue_id) {
  ASSIGN_OR_RETURN(
      std::optional<Clue> found,
      db.QueryOne(
          "SELECT person_id, case_number, category, status, score_micros, min_fen, max_fen, "
          "hardship_signals, possible_exclusions, needs, created_time, updated_time, plan_id, "
          "unsupported, exclusions, point_fen, amount_rationale, region_code, questions, family "
          "FROM clues WHERE clue_id = ?",
          [&](const Statement& row) {
            Clue clue;
            clue.clue_id = clue_id;
            ClueCandidate& c = clue.candidate;
            c.person_id = row.ColumnText(0);
            c.case_number = row.ColumnText(1);
            c.category = static_cast<Category>(row.ColumnInt(2));
            clue.status = static_cast<ClueStatus>(row.ColumnInt(3));
            c.score = static_cast<double>(row.ColumnInt(4)) / 1e6;
            c.suggested_amount.min_fen = row.ColumnInt(5);
            c.suggested_amount.max_fen = row.ColumnInt(6);
            c.suggested_amount.point_fen = row.ColumnInt(15);
            c.suggested_amount.rationale =
                absl::StrSplit(row.ColumnText(16), '\n', absl::SkipEmpty());
            c.region_code = row.ColumnText(17);
            c.questions = SplitList(row.ColumnText(18));
            c.hardship_signals = SplitList(row.ColumnText(7));
            c.possible_exclusions = SplitList(row.ColumnText(8));
            c.needs = SplitList(row.ColumnText(9));
            clue.created_time = row.ColumnText(10);
            clue.updated_time = row.ColumnText(11);
            clue.plan_id = row.ColumnText(12);
            clue.unsupported = row.ColumnInt(13) != 0;
            c.exclusions = SplitList(row.ColumnText(14));
            c.family = ParseFamilyText(row.ColumnText(19));
            return clue;
          },
          clue_id));
  if (!found.has_value()) return absl::NotFoundError(absl::StrCat("clue ", clue_id, " not found"));
  Clue& clue = *found;
  ASSIGN_OR_RETURN(clue.verifications,
                   db.Query(absl::StrCat("SELECT ", kVerificationColumns,
                                         " FROM clue_verifications WHERE clue_id = ? ORDER BY seq"),
                            ReadClueVerification, clue_id));
  ASSIGN_OR_RETURN(clue.candidate.evidence,
                   db.Query(
                       "SELECT agency, source_record_id, field, value, date, role FROM "
                       "evidence WHERE clue_id = ? ORDER BY seq",
                       [](const Statement& row) {
                         return Evidence{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2),
                                         row.ColumnText(3), row.ColumnText(4), row.ColumnText(5)};
                       },
                       clue_id));
  ASSIGN_OR_RETURN(clue.history,
                   db.Query(
                       "SELECT time, actor, kind, detail FROM clue_events WHERE clue_id = ? "
                       "ORDER BY seq",
                       [](const Statement& row) {
                         return ClueEvent{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2),
                                          row.ColumnText(3)};
                       },
                       clue_id));
  ASSIGN_OR_RETURN(clue.reviews, db.Query(
                                     "SELECT decision, amount_fen, reason, reviewer, review_time, "
                                     "reject_reason FROM reviews WHERE clue_id = ? ORDER BY seq",
                                     [](const Statement& row) {
                                       return Review{static_cast<Decision>(row.ColumnInt(0)),
                                                     row.ColumnInt(1),
                                                     row.ColumnText(2),
                                                     row.ColumnText(3),
                                                     row.ColumnText(4),
                                                     static_cast<RejectReason>(row.ColumnInt(5))};
                                     },
                                     clue_id));
  return clue;
}

// Reads one live record with its person: columns person_id, record.
absl::StatusOr<LinkedRecord> ReadLinked(const Statement& row) {
  ASSIGN_OR_RETURN(NormalizedRecord record, ParseRecord(row.ColumnBlob(1)));
  return LinkedRecord{row.ColumnText(0), std::move(record)};
}

// A weight in thousandths of a bit, as stored.
int64_t Milli(double weight) { return static_cast<int64_t>(std::llround(weight * 1000)); }

// Reads one live record for the linker: columns id, agency, source_record_id, person_id, record,
// link_reason, link_partner, link_vector.
absl::StatusOr<IndexedRecord> ReadIndexed(const Statement& row) {
  IndexedRecord r;
  r.record_id = row.ColumnInt(0);
  r.agency = row.ColumnText(1);
  r.source_record_id = row.ColumnText(2);
  r.person_id = row.ColumnText(3);
  ASSIGN_OR_RETURN(NormalizedRecord record, ParseRecord(row.ColumnBlob(4)));
  r.person = std::move(*record.mutable_person());
  r.link_reason = row.ColumnText(5);
  r.link_partner = row.ColumnInt(6);
  r.link_vector = static_cast<uint32_t>(row.ColumnInt(7));
  return r;
}

}  // namespace

// MatchTransaction on the store's connection, inside Database::InTransaction.
class SqliteMatchStore::Transaction : public MatchTransaction {
 public:
  Transaction(Database* db, common::Outbox* outbox) : db_(*db), outbox_(outbox) {}

  absl::StatusOr<std::optional<StoredRecordState>> FindRecord(
      const std::string& agency, const std::string& source_record_id) override {
    return db_.QueryOne(
        "SELECT id, version, retracted, person_id, case_number FROM records "
        "WHERE agency = ? AND source_record_id = ?",
        [](const Statement& row) {
          StoredRecordState state;
          state.record_id = row.ColumnInt(0);
          state.version = row.ColumnInt(1);
          state.retracted = row.ColumnInt(2) != 0;
          state.person_id = row.ColumnText(3);
          state.case_number = row.ColumnText(4);
          return state;
        },
        agency, source_record_id);
  }

  absl::Status InsertPerson(const std::string& person_id, absl::Time now) override {
    return db_.Execute("INSERT INTO persons (person_id, created_time) VALUES (?, ?)", person_id,
                       Stamp(now));
  }

  absl::StatusOr<int64_t> NewRecordId() override {
    if (next_record_id_ == 0) {
      ASSIGN_OR_RETURN(std::optional<int64_t> max,
                       db_.QueryOne("SELECT COALESCE(MAX(id), 0) FROM records",
                                    [](const Statement& row) { return row.ColumnInt(0); }));
      next_record_id_ = max.value_or(0) + 1;
    }
    return next_record_id_++;
  }

  absl::Status PutRecord(const NormalizedRecord& in, const RecordLink& link,
                         absl::Time now) override {
    NormalizedRecord identity;
    const NormalizedRecord* record = &in;
    if (in.retracted()) {
      // Forget the facts; keep only the identity and version so older versions stay ignored.
      identity.set_agency(in.agency());
      identity.set_source_record_id(in.source_record_id());
      identity.set_version(in.version());
      identity.set_record_date(in.record_date());
      identity.set_retracted(true);
      record = &identity;
    }
    std::optional<std::string> person;
    if (!link.person_id.empty()) person = link.person_id;
    const Record& r = record->record();
    return db_.Execute(
        "INSERT INTO records (id, agency, source_record_id, version, retracted, kind, person_id, "
        "link_reason, case_number, victim_record_id, record_date, record, updated_time, "
        "link_partner, link_vector, link_weight_milli) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
        "retracted = excluded.retracted, kind = excluded.kind, person_id = excluded.person_id, "
        "link_reason = excluded.link_reason, case_number = excluded.case_number, "
        "victim_record_id = excluded.victim_record_id, record_date = excluded.record_date, "
        "record = excluded.record, updated_time = excluded.updated_time, "
        "link_partner = excluded.link_partner, link_vector = excluded.link_vector, "
        "link_weight_milli = excluded.link_weight_milli",
        link.record_id, record->agency(), record->source_record_id(), record->version(),
        record->retracted(), static_cast<int64_t>(in.record().payload_case()), person, link.reason,
        CaseNumberOf(*record), r.near_relative().victim_record_id(), record->record_date(),
        record->SerializeAsString(), Stamp(now), link.partner_record_id,
        static_cast<int64_t>(link.vector), Milli(link.weight));
  }

  absl::Status ForEachIndexedRecord(
      const std::function<absl::Status(IndexedRecord)>& each) override {
    return db_.ForEachRow(kAllLiveRecordsSql, [&](const Statement& row) -> absl::Status {
      ASSIGN_OR_RETURN(IndexedRecord r, ReadIndexed(row));
      return each(std::move(r));
    });
  }

  absl::Status SetRecordLink(const RecordLink& link) override {
    return db_.Execute(
        "UPDATE records SET person_id = ?, link_reason = ?, link_partner = ?, link_vector = ?, "
        "link_weight_milli = ? WHERE id = ?",
        link.person_id, link.reason, link.partner_record_id, static_cast<int64_t>(link.vector),
        Milli(link.weight), link.record_id);
  }

  absl::StatusOr<LinkState> LoadLinkState() override {
    ASSIGN_OR_RETURN(
        std::optional<LinkState> state,
        db_.QueryOne("SELECT model, matches_per_record_nanos FROM link_state WHERE id = 1",
                     [](const Statement& row) -> absl::StatusOr<LinkState> {
                       LinkState s;
                       const std::string text = row.ColumnText(0);
                       s.model.matches_per_record = static_cast<double>(row.ColumnInt(1)) / 1e9;
                       if (!text.empty()) {
                         ASSIGN_OR_RETURN(s.model.params, linkage::ParseParams(text));
                         s.model.estimated = true;
                       }
                       return s;
                     }));
    if (!state.has_value()) return absl::InternalError("link_state row missing");
    return *std::move(state);
  }

  absl::Status SaveLinkModel(const LinkModel& model, absl::Time now) override {
    return db_.Execute(
        "UPDATE link_state SET model = ?, matches_per_record_nanos = ?, estimated_time = ? "
        "WHERE id = 1",
        linkage::FormatParams(model.params),
        static_cast<int64_t>(std::llround(model.matches_per_record * 1e9)), Stamp(now));
  }

  absl::StatusOr<std::vector<MatchReview>> AllMatchReviews() override {
    return db_.Query(kAllMatchReviewsSql, [](const Statement& row) {
      MatchReview r;
      r.record_a = row.ColumnInt(0);
      r.record_b = row.ColumnInt(1);
      r.same = row.ColumnInt(2) != 0;
      r.reviewer = row.ColumnText(3);
      r.reason = row.ColumnText(4);
      r.decided_time = row.ColumnText(5);
      return r;
    });
  }

  absl::Status PutMatchReview(const MatchReview& review) override {
    return db_.Execute(
        "INSERT INTO match_reviews VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (record_a, record_b) "
        "DO UPDATE SET same = excluded.same, reviewer = excluded.reviewer, "
        "reason = excluded.reason, decided_time = excluded.decided_time",
        std::min(review.record_a, review.record_b), std::max(review.record_a, review.record_b),
        int64_t{review.same}, review.reviewer, review.reason, review.decided_time);
  }

  absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> AllPossibleMatchPairs() override {
    return db_.Query(kAllPossibleMatchPairsSql, [](const Statement& row) {
      return std::make_pair(row.ColumnInt(0), row.ColumnInt(1));
    });
  }

  absl::Status DeletePossibleMatches(
      const std::vector<std::pair<int64_t, int64_t>>* pairs) override {
    if (pairs == nullptr) return db_.Exec(kClearPossibleMatchesSql);
    for (const auto& [a, b] : *pairs) {
      RETURN_IF_ERROR(
          db_.Execute("DELETE FROM possible_matches WHERE record_a = ? AND record_b = ?", a, b));
    }
    return absl::OkStatus();
  }

  absl::Status AddPossibleMatches(const std::vector<PossibleMatchRow>& rows,
                                  absl::Time now) override {
    const std::string now_text = Stamp(now);
    for (const PossibleMatchRow& row : rows) {
      RETURN_IF_ERROR(db_.Execute(
          "INSERT INTO possible_matches VALUES (?, ?, ?, ?, ?) ON CONFLICT (record_a, record_b) "
          "DO UPDATE SET weight_milli = excluded.weight_milli, vector = excluded.vector",
          row.record_a, row.record_b, Milli(row.weight), static_cast<int64_t>(row.vector),
          now_text));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> PersonsInCase(const std::string& case_number) override {
    // `case_number <> ''` lets SQLite use the partial index records_case: a bound parameter
    // alone does not prove the index's condition, and the query would walk the whole table.
    return db_.Query(
        "SELECT DISTINCT person_id FROM records WHERE case_number = ? AND case_number <> '' "
        "AND person_id IS NOT NULL",
        [](const Statement& row) { return row.ColumnText(0); }, case_number);
  }

  absl::StatusOr<std::vector<std::string>> BasisCasesOf(const std::string& person_id) override {
    return db_.Query(
        "SELECT DISTINCT case_number FROM records WHERE person_id = ? AND kind IN (10, 11, 13) "
        "AND retracted = 0 AND case_number <> ''",
        [](const Statement& row) { return row.ColumnText(0); }, person_id);
  }

  absl::StatusOr<std::vector<std::string>> ScorablePersons() override {
    return db_.Query(kScorablePersonsSql, [](const Statement& row) { return row.ColumnText(0); });
  }

  absl::StatusOr<std::string> Setting(const std::string& key) override {
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     db_.QueryOne(
                         "SELECT value FROM settings WHERE key = ?",
                         [](const Statement& row) { return row.ColumnText(0); }, key));
    return value.value_or("");
  }

  absl::Status PutSetting(const std::string& key, const std::string& value) override {
    return db_.Execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key, value);
  }

  absl::StatusOr<std::vector<NormalizedRecord>> LiveRecordsOf(
      const std::string& person_id) override {
    return LiveRecordsOfPerson(db_, person_id);
  }

  absl::StatusOr<std::vector<LinkedRecord>> LiveRecordsInCase(
      const std::string& case_number) override {
    return db_.Query(
        "SELECT person_id, record FROM records WHERE case_number = ? AND case_number <> '' "
        "AND retracted = 0",
        ReadLinked, case_number);
  }

  absl::StatusOr<std::optional<LinkedRecord>> LiveRecord(
      const std::string& agency, const std::string& source_record_id) override {
    ASSIGN_OR_RETURN(std::vector<LinkedRecord> found,
                     db_.Query("SELECT person_id, record FROM records WHERE agency = ? AND "
                               "source_record_id = ? AND retracted = 0",
                               ReadLinked, agency, source_record_id));
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  }

  absl::StatusOr<std::vector<StoredClue>> CluesOf(const std::string& person_id) override {
    return db_.Query(
        "SELECT clue_id, case_number, category, status, fingerprint, unsupported, score_micros, "
        "point_fen, region_code FROM clues WHERE person_id = ?",
        [](const Statement& row) {
          return StoredClue{row.ColumnText(0),
                            row.ColumnText(1),
                            static_cast<Category>(row.ColumnInt(2)),
                            static_cast<ClueStatus>(row.ColumnInt(3)),
                            row.ColumnText(4),
                            row.ColumnInt(5) != 0,
                            static_cast<double>(row.ColumnInt(6)) / 1e6,
                            row.ColumnInt(7),
                            row.ColumnText(8)};
        },
        person_id);
  }

  absl::Status InsertClue(const std::string& clue_id, const ClueCandidate& c,
                          absl::Time now) override {
    const std::string now_text = Stamp(now);
    RETURN_IF_ERROR(db_.Execute(
        "INSERT INTO clues (clue_id, person_id, case_number, category, status, score_micros, "
        "min_fen, max_fen, hardship_signals, possible_exclusions, needs, fingerprint, "
        "created_time, updated_time) VALUES (?, ?, ?, ?, ?, 0, 0, 0, '', '', '', '', ?, ?)",
        clue_id, c.person_id, c.case_number, static_cast<int64_t>(c.category),
        static_cast<int64_t>(c.exclusions.empty() ? ClueStatus::kPendingReview
                                                  : ClueStatus::kExcluded),
        now_text, now_text));
    return UpdateClue(clue_id, c, now);
  }

  absl::Status UpdateClue(const std::string& clue_id, const ClueCandidate& c,
                          absl::Time now) override {
    RETURN_IF_ERROR(db_.Execute(
        "UPDATE clues SET score_micros = ?, min_fen = ?, max_fen = ?, point_fen = ?, "
        "amount_rationale = ?, region_code = ?, questions = ?, hardship_signals = ?, "
        "possible_exclusions = ?, needs = ?, exclusions = ?, family = ?, fingerprint = ?, "
        "unsupported = 0, "
        // A pending clue the data now exclude becomes EXCLUDED, and back when the exclusion
        // goes; a withdrawn one the data support again is restored; one a procurator asked
        // more about keeps its state and shows the exclusions.
        "status = CASE WHEN status IN (?, ?, ?) THEN ? ELSE status END, "
        "updated_time = ? WHERE clue_id = ?",
        static_cast<int64_t>(c.score * 1e6), c.suggested_amount.min_fen, c.suggested_amount.max_fen,
        c.suggested_amount.point_fen, absl::StrJoin(c.suggested_amount.rationale, "\n"),
        c.region_code, absl::StrJoin(c.questions, ","), absl::StrJoin(c.hardship_signals, ","),
        absl::StrJoin(c.possible_exclusions, ","), absl::StrJoin(c.needs, ","),
        absl::StrJoin(c.exclusions, ","), FamilyText(c.family), Fingerprint(c),
        static_cast<int64_t>(ClueStatus::kPendingReview),
        static_cast<int64_t>(ClueStatus::kExcluded), static_cast<int64_t>(ClueStatus::kWithdrawn),
        static_cast<int64_t>(c.exclusions.empty() ? ClueStatus::kPendingReview
                                                  : ClueStatus::kExcluded),
        Stamp(now), clue_id));
    RETURN_IF_ERROR(db_.Execute("DELETE FROM evidence WHERE clue_id = ?", clue_id));
    int64_t seq = 0;
    for (const Evidence& e : c.evidence) {
      RETURN_IF_ERROR(db_.Execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?)", clue_id,
                                  seq++, e.agency, e.source_record_id, e.field, e.value, e.date,
                                  e.role));
    }
    return absl::OkStatus();
  }

  absl::Status WithdrawClue(const std::string& clue_id, absl::Time now) override {
    return db_.Execute(
        "UPDATE clues SET status = ?, fingerprint = '', unsupported = 0, updated_time = ? "
        "WHERE clue_id = ?",
        static_cast<int64_t>(ClueStatus::kWithdrawn), Stamp(now), clue_id);
  }

  absl::Status AddClueEvent(const std::string& clue_id, const ClueEvent& event) override {
    return db_.Execute(
        "INSERT INTO clue_events SELECT ?1, COALESCE(MAX(seq) + 1, 0), ?2, ?3, ?4, ?5 "
        "FROM clue_events WHERE clue_id = ?1",
        clue_id, event.time, event.actor, event.kind, event.detail);
  }

  absl::Status MarkClueUnsupported(const std::string& clue_id, absl::Time now) override {
    return db_.Execute(
        "UPDATE clues SET unsupported = 1, score_micros = 0, fingerprint = '', updated_time = ? "
        "WHERE clue_id = ?",
        Stamp(now), clue_id);
  }

  absl::StatusOr<Clue> LoadClue(const std::string& clue_id) override {
    return LoadClueRow(db_, clue_id);
  }

  absl::Status AddReview(const std::string& clue_id, const Review& review, ClueStatus next,
                         absl::Time now) override {
    const std::string now_text = Stamp(now);
    RETURN_IF_ERROR(db_.Execute(
        "INSERT INTO reviews (clue_id, seq, decision, amount_fen, reason, reviewer, "
        "review_time, reject_reason) SELECT ?1, COUNT(*), ?2, ?3, ?4, ?5, ?6, ?7 "
        "FROM reviews WHERE clue_id = ?1",
        clue_id, static_cast<int64_t>(review.decision),
        review.decision == Decision::kApprove ? review.amount_fen : int64_t{0}, review.reason,
        review.reviewer, now_text,
        static_cast<int64_t>(review.decision == Decision::kReject ? review.reject_reason
                                                                  : RejectReason::kUnspecified)));
    return db_.Execute("UPDATE clues SET status = ?, updated_time = ? WHERE clue_id = ?",
                       static_cast<int64_t>(next), now_text, clue_id);
  }

  absl::Status EnqueuePlanRequest(const std::string& payload) override {
    return outbox_->Enqueue(kReferralTopic, payload);
  }

 private:
  // `now` as stored text; a batch's rows all share one `now`, and formatting it cost a
  // microsecond a row.
  const std::string& Stamp(absl::Time now) {
    if (now != stamped_ || stamp_.empty()) {
      stamped_ = now;
      stamp_ = common::FormatRfc3339(now);
    }
    return stamp_;
  }

  absl::Time stamped_;
  std::string stamp_;
  Database& db_;
  common::Outbox* outbox_;
  // The next id NewRecordId gives; 0 until the first call reads the largest stored.
  int64_t next_record_id_ = 0;
};

std::vector<common::Migration> SqliteMatchStore::Migrations() {
  return {
      {1, kSchemaV1, nullptr},
      common::Outbox::SchemaMigration(2),
      common::Outbox::PendingCountMigration(3),
      {4, kSchemaV4, MigrateFactsToRecords},
      {5, kSchemaV5, nullptr},
      common::Outbox::QueueOrderMigration(6),
      {7, kSchemaV7, nullptr},
      {8, kSchemaV8, nullptr},
      {9, kSchemaV9, nullptr},
      {10, kSchemaV10, nullptr},
      {11, kSchemaV11, nullptr},
      {12, kSchemaV12, nullptr},
      {13, kSchemaV13, nullptr},
      {14, kSchemaV14, nullptr},
      {15, kSchemaV15, nullptr},
      {16, kSchemaV16, nullptr},
      {17, kSchemaV17, nullptr},
  };
}

SqliteMatchStore::SqliteMatchStore(std::unique_ptr<Database> db,
                                   std::unique_ptr<common::ReadPool> reads)
    : db_(std::move(db)), reads_(std::move(reads)), outbox_(db_.get()) {}

absl::StatusOr<std::unique_ptr<SqliteMatchStore>> SqliteMatchStore::Open(const std::string& path,
                                                                         int read_connections) {
  // 4 KiB pages: a batch of new records touches a page of each index per record, and at a
  // million records 16 KiB pages made every commit rewrite four times the bytes (200,000
  // records through the engine: 3,469 records/s against 2,804).
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, 4096));
  RETURN_IF_ERROR(db->Migrate(Migrations()));
  ASSIGN_OR_RETURN(std::unique_ptr<common::ReadPool> reads,
                   common::ReadPool::Open(db.get(), path, read_connections));
  return std::unique_ptr<SqliteMatchStore>(new SqliteMatchStore(std::move(db), std::move(reads)));
}

absl::Status SqliteMatchStore::InTransaction(
    const std::function<absl::Status(MatchTransaction&)>& fn) {
  return db_->InTransaction([&]() -> absl::Status {
    Transaction tx(db_.get(), &outbox_);
    return fn(tx);
  });
}

absl::StatusOr<PersonView> SqliteMatchStore::LoadPerson(Database& db,
                                                        const std::string& person_id) {
  ASSIGN_OR_RETURN(std::optional<int64_t> exists,
                   db.QueryOne(
                       "SELECT 1 FROM persons WHERE person_id = ?",
                       [](const Statement& row) { return row.ColumnInt(0); }, person_id));
  if (!exists.has_value()) {
    return absl::NotFoundError(absl::StrCat("person ", person_id, " not found"));
  }
  PersonView view;
  view.person_id = person_id;
  RETURN_IF_ERROR(db.ForEachRow(
      "SELECT r.id, r.agency, r.source_record_id, r.version, r.kind, r.link_reason, r.record, "
      "coalesce(p.agency || ':' || p.source_record_id, ''), r.link_vector, r.link_weight_milli "
      "FROM records r LEFT JOIN records p ON p.id = r.link_partner "
      "WHERE r.person_id = ? AND r.retracted = 0 ORDER BY r.record_date DESC, r.id DESC",
      [&](const Statement& row) -> absl::Status {
        ASSIGN_OR_RETURN(NormalizedRecord record, ParseRecord(row.ColumnBlob(6)));
        MergePerson(record.person(), &view.person);
        RecordLinkView link{row.ColumnText(1),
                            row.ColumnText(2),
                            row.ColumnInt(3),
                            static_cast<Record::PayloadCase>(row.ColumnInt(4)),
                            row.ColumnText(5),
                            person_id,
                            row.ColumnInt(0),
                            "",
                            0,
                            0};
        link.linked_to = row.ColumnText(7);
        link.link_vector = static_cast<uint32_t>(row.ColumnInt(8));
        link.link_weight = static_cast<double>(row.ColumnInt(9)) / 1000;
        view.records.push_back(std::move(link));
        return absl::OkStatus();
      },
      person_id));
  return view;
}

absl::StatusOr<PersonView> SqliteMatchStore::GetPerson(const std::string& person_id) {
  PersonView view;
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(view, LoadPerson(db, person_id));
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<ClueView> SqliteMatchStore::LoadClueView(Database& db, const std::string& clue_id) {
  ClueView view;
  ASSIGN_OR_RETURN(view.clue, LoadClueRow(db, clue_id));
  ASSIGN_OR_RETURN(std::tie(view.person_name, view.person_id_masked),
                   PersonDisplay(db, view.clue.candidate.person_id));
  return view;
}

absl::StatusOr<ClueView> SqliteMatchStore::GetClue(const std::string& clue_id) {
  // Kept views are valid for the commit they were read at; one read in a snapshot that may not be
  // that commit's (a commit began or ended meanwhile) is not kept.
  const std::optional<uint64_t> before = db_->StableCommit();
  if (before.has_value()) {
    if (std::optional<ClueView> kept = kept_clues_.Find(clue_id, *before)) {
      clue_view_hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(*kept);
    }
  }
  ClueView view;
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(view, LoadClueView(db, clue_id));
    // Display names and masked IDs, each person read once.
    std::map<std::string, std::pair<std::string, std::string>> shown = {
        {view.clue.candidate.person_id, {view.person_name, view.person_id_masked}}};
    auto display =
        [&](const std::string& person_id) -> absl::StatusOr<std::pair<std::string, std::string>> {
      if (auto it = shown.find(person_id); it != shown.end()) return it->second;
      // Empty for a member merged away since: shown by id until the clue is re-scored.
      ASSIGN_OR_RETURN(auto names, PersonDisplay(db, person_id));
      shown.emplace(person_id, names);
      return names;
    };
    // Clue rows as another clue shows them: "case_number" or "person_id" = `key`.
    auto related = [&](const char* column,
                       const std::string& key) -> absl::StatusOr<std::vector<RelatedClueView>> {
      ASSIGN_OR_RETURN(
          std::vector<RelatedClueView> rows,
          db.Query(
              absl::StrCat("SELECT clue_id, person_id, category, status, score_micros, "
                           "hardship_signals, region_code FROM clues WHERE ",
                           column, " = ? ORDER BY clue_id"),
              [](const Statement& row) {
                RelatedClueView r;
                r.clue_id = row.ColumnText(0);
                r.person_id = row.ColumnText(1);
                r.category = static_cast<Category>(row.ColumnInt(2));
                r.status = static_cast<ClueStatus>(row.ColumnInt(3));
                r.score = static_cast<double>(row.ColumnInt(4)) / 1e6;
                r.hardship_signals = SplitList(row.ColumnText(5));
                r.region_code = row.ColumnText(6);
                return r;
              },
              key));
      for (RelatedClueView& r : rows) {
        ASSIGN_OR_RETURN(const auto names, display(r.person_id));
        r.person_name = names.first;
        r.person_id_masked = names.second;
      }
      return rows;
    };
    // The other clues of the case, excluded and withdrawn ones too: the family's picture.
    ASSIGN_OR_RETURN(view.related, related("case_number", view.clue.candidate.case_number));
    std::erase_if(view.related,
                  [&](const RelatedClueView& r) { return r.clue_id == view.clue.clue_id; });
    // The family as last scored, with each member's display identity and clues (any case).
    for (const FamilyMember& member : view.clue.candidate.family) {
      FamilyMemberView m{member, "", "", {}};
      ASSIGN_OR_RETURN(const auto names, display(member.person_id));
      m.person_name = names.first;
      m.person_id_masked = names.second;
      ASSIGN_OR_RETURN(m.clues, related("person_id", member.person_id));
      view.family.push_back(std::move(m));
    }
    return absl::OkStatus();
  }));
  if (before.has_value() && db_->StableCommit() == before) kept_clues_.Keep(clue_id, *before, view);
  return view;
}

std::optional<ClueView> SqliteMatchStore::KeptViews::Find(const std::string& clue_id,
                                                          uint64_t commit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(clue_id);
  if (it == views_.end() || it->second.first != commit) return std::nullopt;
  return it->second.second;
}

void SqliteMatchStore::KeptViews::Keep(const std::string& clue_id, uint64_t commit,
                                       const ClueView& view) {
  std::lock_guard<std::mutex> lock(mu_);
  if (views_.size() >= kCachedClueViews && !views_.contains(clue_id)) {
    std::erase_if(views_, [&](const auto& kept) { return kept.second.first != commit; });
    if (views_.size() >= kCachedClueViews) views_.clear();
  }
  views_.insert_or_assign(clue_id, std::make_pair(commit, view));
}

std::string SqliteMatchStore::ListCluesSql(const ClueQuery& query) {
  std::string sql =
      "SELECT clue_id FROM clues WHERE (?1 = 0 AND status NOT IN (5, 6) OR status = ?1) "
      "AND score_micros >= ?4 AND score_micros < ?5 AND (?6 = 0 OR category = ?6) ";
  if (!query.regions.empty()) {
    std::vector<std::string> ranges;
    for (size_t i = 0; i < query.regions.size(); ++i) {
      ranges.push_back(
          absl::StrCat("region_code >= ?", 7 + 2 * i, " AND region_code < ?", 8 + 2 * i));
    }
    absl::StrAppend(&sql, "AND (", absl::StrJoin(ranges, " OR "), ") ");
  }
  absl::StrAppend(&sql, query.order == ClueOrder::kAge ? "ORDER BY created_time, clue_id "
                                                       : "ORDER BY score_micros DESC, clue_id ");
  absl::StrAppend(&sql, "LIMIT ?2 OFFSET ?3");
  return sql;
}

absl::StatusOr<CluePage> SqliteMatchStore::ListClues(const ClueQuery& query) {
  if (query.offset < 0) return absl::InvalidArgumentError("offset must be >= 0");
  if (query.limit < 1) return absl::InvalidArgumentError("limit must be >= 1");
  CluePage page;
  // As GetClue's: rows kept at the commit this read's snapshot is known to be.
  const std::optional<uint64_t> before = db_->StableCommit();
  std::vector<size_t> loaded;  // the rows read from SQLite, not kept ones
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(ListCluesSql(query)));
    statement.BindAll(
        query.status.has_value() ? static_cast<int64_t>(*query.status) : int64_t{0},
        int64_t{query.limit} + 1, int64_t{query.offset}, query.min_score_micros,
        query.below_score_micros,
        query.category.has_value() ? static_cast<int64_t>(*query.category) : int64_t{0});
    // A prefix's codes are those from it (inclusive) to it with its last character raised.
    std::vector<std::string> bounds;
    for (const std::string& prefix : query.regions) {
      std::string below = prefix;
      if (below.empty()) {
        below.push_back('\x7f');
      } else {
        ++below.back();
      }
      bounds.push_back(prefix);
      bounds.push_back(std::move(below));
    }
    for (size_t i = 0; i < bounds.size(); ++i) {
      statement.Bind(static_cast<int>(7 + i), std::string_view(bounds[i]));
    }
    std::vector<std::string> ids;
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      ids.push_back(statement.ColumnText(0));
    }
    if (static_cast<int>(ids.size()) > query.limit) {
      ids.pop_back();
      page.next_offset = query.offset + query.limit;
    }
    page.clues.reserve(ids.size());
    for (const std::string& id : ids) {
      std::optional<ClueView> kept;
      if (before.has_value()) kept = kept_rows_.Find(id, *before);
      if (kept.has_value()) {
        clue_view_hits_.fetch_add(1, std::memory_order_relaxed);
        page.clues.push_back(std::move(*kept));
        continue;
      }
      ASSIGN_OR_RETURN(ClueView view, LoadClueView(db, id));
      loaded.push_back(page.clues.size());
      page.clues.push_back(std::move(view));
    }
    return absl::OkStatus();
  }));
  if (before.has_value() && db_->StableCommit() == before) {
    for (size_t i : loaded) kept_rows_.Keep(page.clues[i].clue.clue_id, *before, page.clues[i]);
  }
  return page;
}

absl::Status SqliteMatchStore::SetPlanId(const std::string& clue_id, const std::string& plan_id) {
  return db_->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(
        db_->Execute("UPDATE clues SET plan_id = ? WHERE clue_id = ?", plan_id, clue_id));
    if (db_->Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("clue ", clue_id, " not found"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SqliteMatchStore::RecordVerification(const std::string& clue_id,
                                                          const ClueVerification& verification) {
  bool written = false;
  RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<int64_t> clue,
                     db_->QueryOne(
                         "SELECT 1 FROM clues WHERE clue_id = ?",
                         [](const Statement& row) { return row.ColumnInt(0); }, clue_id));
    if (!clue.has_value()) return absl::NotFoundError(absl::StrCat("clue ", clue_id, " not found"));
    ASSIGN_OR_RETURN(std::optional<ClueVerification> stored,
                     db_->QueryOne(absl::StrCat("SELECT ", kVerificationColumns,
                                                " FROM clue_verifications WHERE verification_id "
                                                "= ? AND clue_id = ?"),
                                   ReadClueVerification, verification.verification_id, clue_id));
    const VerificationRecord record = DecideVerificationRecord(stored, verification);
    if (!record.write) return absl::OkStatus();
    const ClueVerification& v = verification;
    RETURN_IF_ERROR(db_->Execute(
        "INSERT INTO clue_verifications (verification_id, clue_id, seq, department, question, "
        "state, requested_by, requested_time, respond_by, answer_note, attachments, answered_by, "
        "answered_time, escalated_time) VALUES (?1, ?2, (SELECT COUNT(*) FROM clue_verifications "
        "WHERE clue_id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
        "ON CONFLICT(verification_id) DO UPDATE SET state = excluded.state, answer_note = "
        "excluded.answer_note, attachments = excluded.attachments, answered_by = "
        "excluded.answered_by, answered_time = excluded.answered_time, escalated_time = "
        "CASE WHEN excluded.escalated_time = '' THEN escalated_time ELSE excluded.escalated_time "
        "END",
        v.verification_id, clue_id, v.department, v.question, v.state, v.requested_by,
        v.requested_time, v.respond_by, v.answer_note, absl::StrJoin(v.attachments, "\n"),
        v.answered_by, v.answered_time, v.escalated_time));
    for (const ClueEvent& event : record.events) {
      RETURN_IF_ERROR(db_->Execute(
          "INSERT INTO clue_events SELECT ?1, COALESCE(MAX(seq) + 1, 0), ?2, ?3, ?4, ?5 "
          "FROM clue_events WHERE clue_id = ?1",
          clue_id, event.time, event.actor, event.kind, event.detail));
    }
    written = true;
    return absl::OkStatus();
  }));
  return written;
}

absl::StatusOr<std::vector<RecordLinkView>> SqliteMatchStore::ListLinks(int64_t after_cursor,
                                                                        int limit) {
  std::vector<RecordLinkView> out;
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        out, db.Query(
                 "SELECT id, agency, source_record_id, version, kind, link_reason, person_id "
                 "FROM records WHERE id > ? AND retracted = 0 AND person_id IS NOT NULL "
                 "ORDER BY id LIMIT ?",
                 [](const Statement& row) {
                   return RecordLinkView{row.ColumnText(1),
                                         row.ColumnText(2),
                                         row.ColumnInt(3),
                                         static_cast<Record::PayloadCase>(row.ColumnInt(4)),
                                         row.ColumnText(5),
                                         row.ColumnText(6),
                                         row.ColumnInt(0),
                                         "",
                                         0,
                                         0};
                 },
                 after_cursor, int64_t{std::max(limit, 1)}));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<PossibleMatchPage> SqliteMatchStore::ListPossibleMatches(int offset, int limit) {
  if (offset < 0) return absl::InvalidArgumentError("offset must be >= 0");
  if (limit < 1) return absl::InvalidArgumentError("limit must be >= 1");
  PossibleMatchPage page;
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(page.matches, db.Query(
                                       kRankedPossibleMatchesSql,
                                       [](const Statement& row) {
                                         PossibleMatchView v;
                                         v.record_a = row.ColumnText(0);
                                         v.record_b = row.ColumnText(1);
                                         v.person_a = row.ColumnText(2);
                                         v.person_b = row.ColumnText(3);
                                         v.weight = static_cast<double>(row.ColumnInt(4)) / 1000;
                                         v.vector = static_cast<uint32_t>(row.ColumnInt(5));
                                         v.created_time = row.ColumnText(6);
                                         return v;
                                       },
                                       int64_t{limit} + 1, int64_t{offset}));
    if (static_cast<int>(page.matches.size()) > limit) {
      page.matches.pop_back();
      page.next_offset = offset + limit;
    }
    return absl::OkStatus();
  }));
  return page;
}

std::vector<std::string> SqliteMatchStore::CompiledSql() const {
  std::vector<std::string> all = db_->CompiledSql();
  for (std::string& sql : reads_->CompiledSql()) all.push_back(std::move(sql));
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

absl::StatusOr<std::map<ClueStatus, int64_t>> SqliteMatchStore::CountClues() {
  std::map<ClueStatus, int64_t> out;
  RETURN_IF_ERROR(reads_->Read([&](Database& db) -> absl::Status {
    return db.ForEachRow(kCountCluesSql, [&](const Statement& row) {
      out[static_cast<ClueStatus>(row.ColumnInt(0))] = row.ColumnInt(1);
    });
  }));
  return out;
}

}  // namespace lifeline::match
