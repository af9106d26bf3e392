#include "referral-service/store/sqlite_referral_store.h"

#include <limits>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/delivery_policy.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/domain/verification.h"

namespace lifeline::referral {
namespace {

using common::Statement;

constexpr char kSchema[] = R"sql(
CREATE TABLE partners (
  department TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  inbox_target TEXT NOT NULL,
  respond_within_days INTEGER NOT NULL,
  enabled INTEGER NOT NULL
);
CREATE TABLE plans (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id TEXT NOT NULL UNIQUE,
  clue_id TEXT NOT NULL UNIQUE,
  person_id TEXT NOT NULL,
  person_name TEXT NOT NULL,
  person_id_masked TEXT NOT NULL,
  person_sex INTEGER NOT NULL,
  person_birth_date TEXT NOT NULL,
  person_region_code TEXT NOT NULL,
  category TEXT NOT NULL,
  case_number TEXT NOT NULL,
  assistance_amount_fen INTEGER NOT NULL,
  referring_unit TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  state INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  closed_ms INTEGER
);
CREATE TABLE referrals (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL UNIQUE,
  plan_id TEXT NOT NULL REFERENCES plans(plan_id),
  department TEXT NOT NULL,
  service TEXT NOT NULL,
  reason TEXT NOT NULL,
  state INTEGER NOT NULL,
  respond_by TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0,
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_ms INTEGER,
  partner_reference TEXT NOT NULL DEFAULT '',
  overdue_marked INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX referrals_by_plan ON referrals(plan_id);
CREATE INDEX referrals_by_department ON referrals(department, seq);
CREATE INDEX referrals_by_state_due ON referrals(state, respond_by);
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
  from_state INTEGER NOT NULL,
  to_state INTEGER NOT NULL,
  note TEXT NOT NULL,
  actor TEXT NOT NULL,
  time_ms INTEGER NOT NULL
);
CREATE INDEX events_by_referral ON events(referral_id, sequence);
)sql";

// The overdue scan reads only referrals not yet marked, so its cost follows the open backlog and
// not every referral that was ever overdue.
constexpr char kOverdueIndex[] = R"sql(
CREATE INDEX referrals_overdue_candidates ON referrals(state, respond_by) WHERE overdue_marked = 0;
)sql";

// The department a person acted for (events before this version have none).
constexpr char kActorDepartment[] = R"sql(
ALTER TABLE events ADD COLUMN actor_department TEXT NOT NULL DEFAULT '';
)sql";

// What a completed referral achieved (ReferralOutcome; 0 before completion and for referrals
// completed before this version).
constexpr char kOutcome[] = R"sql(
ALTER TABLE referrals ADD COLUMN outcome INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN outcome INTEGER NOT NULL DEFAULT 0;
)sql";

// The rejected or failed referral a referral re-routes (AddReferral).
constexpr char kReroutedFrom[] = R"sql(
ALTER TABLE referrals ADD COLUMN rerouted_from TEXT NOT NULL DEFAULT '';
)sql";

// What an event records besides moves (ReferralEventKind, DeadlineStage; 0 is a transition), and
// deliveries parked as undeliverable: the parked outbox message and when, found through a
// partial index that holds only them.
constexpr char kEventKinds[] = R"sql(
ALTER TABLE events ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN parked_message_id INTEGER;
ALTER TABLE referrals ADD COLUMN parked_ms INTEGER;
CREATE INDEX referrals_undeliverable ON referrals(seq) WHERE parked_message_id IS NOT NULL;
)sql";

// Stage deadlines from each department's agreement and their escalation (domain/deadlines.h).
// Referrals made before this version get deadlines estimated from their accept deadline (two and
// six weeks later, about 10 and 30 working days) and resume where the overdue mark left them;
// the scan finds the ones it must look at through next_check, the escalated ones through
// their own partial index.
constexpr char kDeadlines[] = R"sql(
ALTER TABLE partners ADD COLUMN progress_within_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN complete_within_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN reroute_after_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN due_progress TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN due_complete TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN escalation_stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN next_check TEXT;
UPDATE referrals SET
  due_progress = date(respond_by, '+14 days'),
  due_complete = date(respond_by, '+42 days'),
  escalation_stage = CASE WHEN state = 1 THEN 1 WHEN state = 2 THEN 2
                          WHEN state IN (4, 5) THEN 3 ELSE 0 END,
  escalation_level = CASE WHEN state = 1 AND overdue_marked = 1 THEN 1 ELSE 0 END;
UPDATE referrals SET next_check = CASE
  WHEN state = 1 AND escalation_level = 1 THEN date(respond_by, '+8 days')
  WHEN state = 1 THEN date(respond_by, '+1 day')
  WHEN state = 2 THEN date(due_progress, '+1 day')
  WHEN state IN (4, 5) THEN date(due_complete, '+1 day')
  ELSE NULL END;
DROP INDEX referrals_overdue_candidates;
DROP INDEX referrals_by_state_due;
CREATE INDEX referrals_next_check ON referrals(next_check) WHERE next_check IS NOT NULL;
CREATE INDEX referrals_escalated ON referrals(seq) WHERE escalation_level > 0;
)sql";

// Delivery channels of the directory, and each event's department (filled in for the events
// before this version), so a department's change feed reads its own events through an index.
constexpr char kChannels[] = R"sql(
ALTER TABLE partners ADD COLUMN channel INTEGER NOT NULL DEFAULT 1;
ALTER TABLE partners ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN department TEXT NOT NULL DEFAULT '';
UPDATE events SET department =
  (SELECT r.department FROM referrals r WHERE r.referral_id = events.referral_id);
CREATE INDEX events_by_department ON events(department, sequence);
)sql";

// The directory's history: who changed which entry, when, and what (DescribeChange), each entry
// with its version.
constexpr char kPartnerChanges[] = R"sql(
ALTER TABLE partners ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE partner_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  department TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  changes TEXT NOT NULL,
  time_ms INTEGER NOT NULL
);
CREATE INDEX partner_changes_by_department ON partner_changes(department, sequence);
)sql";

// Verification requests to town and village offices (domain/verification.h), their answers'
// attachment metadata, and the indexes their lists read: by clue, by department, open ones.
constexpr char kVerifications[] = R"sql(
CREATE TABLE verifications (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  verification_id TEXT NOT NULL UNIQUE,
  clue_id TEXT NOT NULL,
  department TEXT NOT NULL,
  question TEXT NOT NULL,
  person_id TEXT NOT NULL,
  person_name TEXT NOT NULL,
  person_id_masked TEXT NOT NULL,
  person_region_code TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  state INTEGER NOT NULL,
  respond_by TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0,
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_ms INTEGER,
  partner_reference TEXT NOT NULL DEFAULT '',
  parked_message_id INTEGER,
  parked_ms INTEGER,
  answer_note TEXT NOT NULL DEFAULT '',
  answered_by TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  answered_ms INTEGER
);
CREATE INDEX verifications_by_clue ON verifications(clue_id, seq);
CREATE INDEX verifications_by_department ON verifications(department, seq);
CREATE INDEX verifications_open ON verifications(seq) WHERE state = 1;
CREATE TABLE verification_attachments (
  verification_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (verification_id, position)
) WITHOUT ROWID;
)sql";

// When an overdue verification was escalated; the escalation scan reads the open ones not yet
// escalated by respond-by day, so its cost follows the overdue backlog.
constexpr char kVerificationEscalation[] = R"sql(
ALTER TABLE verifications ADD COLUMN escalated_ms INTEGER;
CREATE INDEX verifications_to_escalate ON verifications(respond_by)
  WHERE state = 1 AND escalated_ms IS NULL;
)sql";

// The verifications whose delivery is parked, for the admins' list.
constexpr char kVerificationsUndeliverable[] = R"sql(
CREATE INDEX verifications_undeliverable ON verifications(seq)
  WHERE parked_message_id IS NOT NULL;
)sql";

constexpr char kVerificationColumns[] =
    "seq, verification_id, clue_id, department, question, person_id, person_name, "
    "person_id_masked, person_region_code, requested_by, state, respond_by, delivered, "
    "delivery_attempts, last_error, delivered_ms, partner_reference, parked_message_id, parked_ms, "
    "answer_note, answered_by, created_ms, answered_ms, escalated_ms";

constexpr char kReferralColumns[] =
    "seq, referral_id, plan_id, department, service, reason, state, respond_by, delivered, "
    "delivery_attempts, last_error, delivered_ms, partner_reference, created_ms, updated_ms, "
    "outcome, rerouted_from, parked_message_id, parked_ms, due_progress, due_complete, "
    "escalation_stage, escalation_level, next_check";

constexpr char kPlanColumns[] =
    "plan_id, clue_id, person_id, person_name, person_id_masked, person_sex, person_birth_date, "
    "person_region_code, category, case_number, assistance_amount_fen, referring_unit, "
    "approved_by, state, created_ms, closed_ms";

constexpr char kPartnerColumns[] =
    "department, display_name, inbox_target, respond_within_days, enabled, progress_within_days, "
    "complete_within_days, reroute_after_days, channel, webhook_url, version";

constexpr char kEventColumns[] =
    "sequence, referral_id, from_state, to_state, note, actor, time_ms, actor_department, outcome, "
    "kind, stage";

int64_t Millis(absl::Time t) { return absl::ToUnixMillis(t); }
absl::Time FromMillis(int64_t ms) { return absl::FromUnixMillis(ms); }
// NULL for InfinitePast ("never").
std::optional<int64_t> OptionalMillis(absl::Time t) {
  if (t == absl::InfinitePast()) return std::nullopt;
  return Millis(t);
}
absl::Time TimeOrNever(const Statement& s, int column) {
  return s.ColumnIsNull(column) ? absl::InfinitePast() : FromMillis(s.ColumnInt(column));
}
int64_t Code(ReferralState state) { return static_cast<int64_t>(state); }

absl::Status NotFound(std::string_view field, std::string_view value) {
  return absl::NotFoundError(
      absl::StrCat(std::string(field), ": '", std::string(value), "' not found"));
}

Partner ReadPartner(const Statement& s) {
  Partner p;
  p.department = s.ColumnText(0);
  p.display_name = s.ColumnText(1);
  p.inbox_target = s.ColumnText(2);
  p.respond_within_days = static_cast<int>(s.ColumnInt(3));
  p.enabled = s.ColumnInt(4) != 0;
  p.progress_within_days = static_cast<int>(s.ColumnInt(5));
  p.complete_within_days = static_cast<int>(s.ColumnInt(6));
  p.reroute_after_days = static_cast<int>(s.ColumnInt(7));
  p.channel = static_cast<DeliveryChannel>(s.ColumnInt(8));
  p.webhook_url = s.ColumnText(9);
  p.version = s.ColumnInt(10);
  return p;
}

// Writes `partner` with `verb` ("INSERT", "INSERT OR IGNORE") and `tail` (an ON CONFLICT clause).
absl::Status WritePartner(common::Database* db, std::string_view verb, std::string_view tail,
                          const Partner& partner) {
  return db->Execute(absl::StrCat(std::string(verb), " INTO partners (", kPartnerColumns,
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", std::string(tail)),
                     partner.department, partner.display_name, partner.inbox_target,
                     int64_t{partner.respond_within_days}, partner.enabled,
                     int64_t{partner.progress_within_days}, int64_t{partner.complete_within_days},
                     int64_t{partner.reroute_after_days}, static_cast<int64_t>(partner.channel),
                     partner.webhook_url, partner.version);
}

// A referral row with its seq (the ListReferrals cursor).
struct ReferralRow {
  int64_t seq = 0;
  Referral referral;
};

// A verification row with its seq (the list cursor); attachments are read apart.
struct VerificationRow {
  int64_t seq = 0;
  Verification verification;
};

absl::StatusOr<VerificationRow> ReadVerification(const Statement& s) {
  VerificationRow row;
  row.seq = s.ColumnInt(0);
  Verification& v = row.verification;
  v.verification_id = s.ColumnText(1);
  v.clue_id = s.ColumnText(2);
  v.department = s.ColumnText(3);
  v.question = s.ColumnText(4);
  v.person.person_id = s.ColumnText(5);
  v.person.name = s.ColumnText(6);
  v.person.id_masked = s.ColumnText(7);
  v.person.region_code = s.ColumnText(8);
  v.requested_by = s.ColumnText(9);
  v.state = static_cast<VerificationState>(s.ColumnInt(10));
  ASSIGN_OR_RETURN(v.respond_by, common::ParseDate(s.ColumnText(11), "respond_by"));
  v.delivery.delivered = s.ColumnInt(12) != 0;
  v.delivery.attempts = static_cast<int>(s.ColumnInt(13));
  v.delivery.last_error = s.ColumnText(14);
  v.delivery.delivered_time = TimeOrNever(s, 15);
  v.delivery.partner_reference = s.ColumnText(16);
  v.delivery.undeliverable = !s.ColumnIsNull(17);
  v.delivery.parked_time = TimeOrNever(s, 18);
  v.answer_note = s.ColumnText(19);
  v.answered_by = s.ColumnText(20);
  v.created_time = FromMillis(s.ColumnInt(21));
  v.answered_time = TimeOrNever(s, 22);
  v.escalated_time = TimeOrNever(s, 23);
  return row;
}

// The page of up to `page_size` referrals of `rows`, read with a LIMIT of page_size + 1: a row
// beyond the page means there is a next one, which starts before the page's last seq.
ReferralPage PageOf(std::vector<ReferralRow> rows, int page_size) {
  ReferralPage page;
  if (static_cast<int>(rows.size()) > page_size) {
    rows.resize(page_size);
    page.next_cursor = rows.back().seq;
  }
  for (ReferralRow& row : rows) page.referrals.push_back(std::move(row.referral));
  return page;
}

// Reads a row selected with kReferralColumns.
absl::StatusOr<ReferralRow> ReadReferral(const Statement& s) {
  ReferralRow row;
  row.seq = s.ColumnInt(0);
  Referral& r = row.referral;
  r.referral_id = s.ColumnText(1);
  r.plan_id = s.ColumnText(2);
  r.department = s.ColumnText(3);
  r.service = s.ColumnText(4);
  r.reason = s.ColumnText(5);
  r.state = static_cast<ReferralState>(s.ColumnInt(6));
  ASSIGN_OR_RETURN(r.respond_by, common::ParseDate(s.ColumnText(7), "respond_by"));
  r.delivery.delivered = s.ColumnInt(8) != 0;
  r.delivery.attempts = static_cast<int>(s.ColumnInt(9));
  r.delivery.last_error = s.ColumnText(10);
  r.delivery.delivered_time = TimeOrNever(s, 11);
  r.delivery.partner_reference = s.ColumnText(12);
  r.created_time = FromMillis(s.ColumnInt(13));
  r.updated_time = FromMillis(s.ColumnInt(14));
  r.outcome = static_cast<ReferralOutcome>(s.ColumnInt(15));
  r.rerouted_from = s.ColumnText(16);
  r.delivery.undeliverable = !s.ColumnIsNull(17);
  r.delivery.parked_time = TimeOrNever(s, 18);
  r.deadlines.accept = r.respond_by;
  ASSIGN_OR_RETURN(r.deadlines.progress, common::ParseDate(s.ColumnText(19), "due_progress"));
  ASSIGN_OR_RETURN(r.deadlines.complete, common::ParseDate(s.ColumnText(20), "due_complete"));
  r.escalation.stage = static_cast<DeadlineStage>(s.ColumnInt(21));
  r.escalation.level = static_cast<int>(s.ColumnInt(22));
  if (!s.ColumnIsNull(23)) {
    ASSIGN_OR_RETURN(r.next_check, common::ParseDate(s.ColumnText(23), "next_check"));
  }
  return row;
}

absl::StatusOr<Referral> ReadReferralOnly(const Statement& s) {
  ASSIGN_OR_RETURN(ReferralRow row, ReadReferral(s));
  return std::move(row.referral);
}

Plan ReadPlan(const Statement& s) {
  Plan plan;
  plan.plan_id = s.ColumnText(0);
  plan.clue_id = s.ColumnText(1);
  plan.person.person_id = s.ColumnText(2);
  plan.person.name = s.ColumnText(3);
  plan.person.id_masked = s.ColumnText(4);
  plan.person.sex = static_cast<lifeline::records::v1::Sex>(s.ColumnInt(5));
  plan.person.birth_date = s.ColumnText(6);
  plan.person.region_code = s.ColumnText(7);
  plan.category = s.ColumnText(8);
  plan.case_number = s.ColumnText(9);
  plan.assistance_amount_fen = s.ColumnInt(10);
  plan.referring_unit = s.ColumnText(11);
  plan.approved_by = s.ColumnText(12);
  plan.state = static_cast<PlanState>(s.ColumnInt(13));
  plan.created_time = FromMillis(s.ColumnInt(14));
  plan.closed_time = TimeOrNever(s, 15);
  return plan;
}

ReferralEvent ReadEvent(const Statement& s) {
  ReferralEvent e;
  e.sequence = s.ColumnInt(0);
  e.referral_id = s.ColumnText(1);
  e.from_state = static_cast<ReferralState>(s.ColumnInt(2));
  e.to_state = static_cast<ReferralState>(s.ColumnInt(3));
  e.note = s.ColumnText(4);
  e.actor = s.ColumnText(5);
  e.time = FromMillis(s.ColumnInt(6));
  e.actor_department = s.ColumnText(7);
  e.outcome = static_cast<ReferralOutcome>(s.ColumnInt(8));
  e.kind = static_cast<ReferralEventKind>(s.ColumnInt(9));
  e.stage = static_cast<DeadlineStage>(s.ColumnInt(10));
  return e;
}

// NULL for no day.
std::optional<std::string> OptionalDate(const std::optional<absl::CivilDay>& day) {
  if (!day.has_value()) return std::nullopt;
  return common::FormatDate(*day);
}

ReferralCount ReadCount(const Statement& s) {
  return {s.ColumnText(0), static_cast<ReferralState>(s.ColumnInt(1)), s.ColumnInt(2)};
}

// Runs `fn`, which returns a StatusOr, while holding the connection (Read) or inside a transaction
// that commits only when it succeeds (Write), and returns what it returned.
template <typename Fn>
std::invoke_result_t<Fn&> Read(common::Database* db, Fn fn) {
  std::invoke_result_t<Fn&> result = absl::InternalError("not run");
  RETURN_IF_ERROR(db->Run([&] {
    result = fn();
    return result.status();
  }));
  return result;
}
template <typename Fn>
std::invoke_result_t<Fn&> Write(common::Database* db, Fn fn) {
  std::invoke_result_t<Fn&> result = absl::InternalError("not run");
  RETURN_IF_ERROR(db->InTransaction([&] {
    result = fn();
    return result.status();
  }));
  return result;
}

}  // namespace

const char SqliteReferralStore::kCountReferralsSql[] =
    "SELECT department, state, COUNT(*) FROM referrals GROUP BY department, state "
    "ORDER BY department, state";

std::vector<common::Migration> SqliteReferralStore::Migrations() {
  return {
      {1, kSchema},
      common::Outbox::SchemaMigration(2),
      common::Outbox::PendingCountMigration(3),
      {4, kOverdueIndex},
      common::Outbox::QueueOrderMigration(5),
      {6, kActorDepartment},
      {7, kOutcome},
      {8, kReroutedFrom},
      common::Outbox::DueTimeMigration(9),
      common::Outbox::ParkedMigration(10),
      {11, kEventKinds},
      {12, kDeadlines},
      {13, kChannels},
      {14, kPartnerChanges},
      {15, kVerifications},
      {16, kVerificationEscalation},
      {17, kVerificationsUndeliverable},
  };
}

absl::StatusOr<std::unique_ptr<SqliteReferralStore>> SqliteReferralStore::Open(
    const std::string& path, const common::Clock* clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<common::Database> db, common::Database::Open(path));
  RETURN_IF_ERROR(db->Migrate(Migrations()));
  return std::unique_ptr<SqliteReferralStore>(new SqliteReferralStore(std::move(db), clock));
}

absl::StatusOr<std::optional<Partner>> SqliteReferralStore::LoadPartner(
    std::string_view department) {
  return db_->QueryOne(
      absl::StrCat("SELECT ", kPartnerColumns, " FROM partners WHERE department = ?"), ReadPartner,
      department);
}

absl::Status SqliteReferralStore::InsertPartnerChange(const Partner& partner,
                                                      std::string_view action,
                                                      std::string_view actor,
                                                      std::string_view changes) {
  return db_->Execute(
      "INSERT INTO partner_changes (department, version, action, actor, changes, time_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      partner.department, partner.version, action, actor, changes, Millis(clock_->Now()));
}

absl::StatusOr<Partner> SqliteReferralStore::UpsertPartner(const Partner& partner,
                                                           std::string_view actor) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Partner> {
    ASSIGN_OR_RETURN(std::optional<Partner> before, LoadPartner(partner.department));
    Partner after = partner;
    after.version = before.has_value() ? before->version : 0;
    const std::string changes = DescribeChange(before, after);
    // Writing the same entry again changes nothing and is not a new version.
    if (changes.empty()) return after;
    ++after.version;
    RETURN_IF_ERROR(WritePartner(db_.get(), "INSERT",
                                 " ON CONFLICT(department) DO UPDATE SET "
                                 "display_name = excluded.display_name, "
                                 "inbox_target = excluded.inbox_target, "
                                 "respond_within_days = excluded.respond_within_days, "
                                 "enabled = excluded.enabled, "
                                 "progress_within_days = excluded.progress_within_days, "
                                 "complete_within_days = excluded.complete_within_days, "
                                 "reroute_after_days = excluded.reroute_after_days, "
                                 "channel = excluded.channel, webhook_url = excluded.webhook_url, "
                                 "version = excluded.version",
                                 after));
    RETURN_IF_ERROR(
        InsertPartnerChange(after, before.has_value() ? "updated" : "created", actor, changes));
    return after;
  });
}

absl::StatusOr<int> SqliteReferralStore::InsertPartnersIfAbsent(
    const std::vector<Partner>& partners) {
  return Write(db_.get(), [&]() -> absl::StatusOr<int> {
    int inserted = 0;
    for (Partner partner : partners) {
      partner.version = 1;
      RETURN_IF_ERROR(WritePartner(db_.get(), "INSERT OR IGNORE", "", partner));
      if (db_->Changes() == 0) continue;
      ++inserted;
      RETURN_IF_ERROR(InsertPartnerChange(partner, "created", kPartnersFileActor,
                                          DescribeChange(std::nullopt, partner)));
    }
    return inserted;
  });
}

absl::StatusOr<PartnerChangePage> SqliteReferralStore::ListPartnerChanges(
    std::string_view department, int page_size, int64_t before_cursor) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  const int64_t cursor = before_cursor > 0 ? before_cursor : std::numeric_limits<int64_t>::max();
  auto read = [](const Statement& s) {
    PartnerChange change;
    change.sequence = s.ColumnInt(0);
    change.department = s.ColumnText(1);
    change.version = s.ColumnInt(2);
    change.action = s.ColumnText(3);
    change.actor = s.ColumnText(4);
    change.changes = s.ColumnText(5);
    change.time = FromMillis(s.ColumnInt(6));
    return change;
  };
  constexpr char kColumns[] = "sequence, department, version, action, actor, changes, time_ms";
  ASSIGN_OR_RETURN(std::vector<PartnerChange> changes, Read(db_.get(), [&] {
                     return department.empty()
                                ? db_->Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM partner_changes WHERE sequence < "
                                                          "? ORDER BY sequence DESC LIMIT ?"),
                                             read, cursor, int64_t{page_size} + 1)
                                : db_->Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM partner_changes WHERE department "
                                                          "= ? AND sequence < ? ORDER BY sequence "
                                                          "DESC LIMIT ?"),
                                             read, department, cursor, int64_t{page_size} + 1);
                   }));
  PartnerChangePage page;
  if (static_cast<int>(changes.size()) > page_size) {
    changes.resize(page_size);
    page.next_cursor = changes.back().sequence;
  }
  page.changes = std::move(changes);
  return page;
}

absl::StatusOr<Partner> SqliteReferralStore::GetPartner(std::string_view department) {
  return Read(db_.get(), [&]() -> absl::StatusOr<Partner> {
    ASSIGN_OR_RETURN(std::optional<Partner> partner, LoadPartner(department));
    if (!partner.has_value()) return NotFound("department", department);
    return *std::move(partner);
  });
}

absl::StatusOr<std::vector<Partner>> SqliteReferralStore::ListPartners() {
  return Read(db_.get(), [&] {
    return db_->Query(
        absl::StrCat("SELECT ", kPartnerColumns, " FROM partners ORDER BY department"),
        ReadPartner);
  });
}

absl::Status SqliteReferralStore::DeletePartner(std::string_view department,
                                                std::string_view actor) {
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Partner> found, LoadPartner(department));
    if (!found.has_value()) return NotFound("department", department);
    ASSIGN_OR_RETURN(std::vector<ReferralCount> counts,
                     db_->Query("SELECT department, state, COUNT(*) FROM referrals "
                                "WHERE department = ? GROUP BY state",
                                ReadCount, department));
    RETURN_IF_ERROR(CheckPartnerRemovable(department, counts));
    RETURN_IF_ERROR(db_->Execute("DELETE FROM partners WHERE department = ?", department));
    ++found->version;
    return InsertPartnerChange(*found, "deleted", actor, DescribeChange(found, std::nullopt));
  });
}

absl::Status SqliteReferralStore::InsertEvent(const ReferralEvent& event) {
  return db_->Execute(
      "INSERT INTO events (referral_id, from_state, to_state, note, actor, time_ms, "
      "actor_department, outcome, kind, stage, department) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "?8, ?9, ?10, (SELECT department FROM referrals WHERE referral_id = ?1))",
      event.referral_id, Code(event.from_state), Code(event.to_state), event.note, event.actor,
      Millis(event.time), event.actor_department, static_cast<int64_t>(event.outcome),
      static_cast<int64_t>(event.kind), static_cast<int64_t>(event.stage));
}

absl::Status SqliteReferralStore::InsertReferral(std::string_view plan_id, const Referral& r) {
  RETURN_IF_ERROR(db_->Execute(
      "INSERT INTO referrals (referral_id, plan_id, department, service, reason, state, "
      "respond_by, created_ms, updated_ms, rerouted_from, due_progress, due_complete, "
      "escalation_stage, escalation_level, next_check) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      r.referral_id, plan_id, r.department, r.service, r.reason, Code(r.state),
      common::FormatDate(r.deadlines.accept), Millis(r.created_time), Millis(r.updated_time),
      r.rerouted_from, common::FormatDate(r.deadlines.progress),
      common::FormatDate(r.deadlines.complete), static_cast<int64_t>(r.escalation.stage),
      int64_t{r.escalation.level}, OptionalDate(r.next_check)));
  for (const ReferralEvent& event : r.history) RETURN_IF_ERROR(InsertEvent(event));
  return absl::OkStatus();
}

absl::StatusOr<CreatePlanResult> SqliteReferralStore::CreatePlan(
    const Plan& plan,
    const std::vector<lifeline::partner::v1::DeliverReferralRequest>& deliveries) {
  return Write(db_.get(), [&]() -> absl::StatusOr<CreatePlanResult> {
    ASSIGN_OR_RETURN(std::optional<std::string> existing,
                     db_->QueryOne(
                         "SELECT plan_id FROM plans WHERE clue_id = ?",
                         [](const Statement& s) { return s.ColumnText(0); }, plan.clue_id));
    if (existing.has_value()) {
      ASSIGN_OR_RETURN(Plan stored, LoadPlan(*existing));
      return CreatePlanResult{std::move(stored), false};
    }
    RETURN_IF_ERROR(db_->Execute(
        absl::StrCat("INSERT INTO plans (", kPlanColumns,
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        plan.plan_id, plan.clue_id, plan.person.person_id, plan.person.name, plan.person.id_masked,
        static_cast<int64_t>(plan.person.sex), plan.person.birth_date, plan.person.region_code,
        plan.category, plan.case_number, plan.assistance_amount_fen, plan.referring_unit,
        plan.approved_by, int64_t{static_cast<int>(plan.state)}, Millis(plan.created_time),
        OptionalMillis(plan.closed_time)));
    for (const Referral& r : plan.referrals) RETURN_IF_ERROR(InsertReferral(plan.plan_id, r));
    std::vector<std::string> payloads(deliveries.size());
    for (size_t i = 0; i < deliveries.size(); ++i) {
      if (!deliveries[i].SerializeToString(&payloads[i])) {
        return absl::InternalError("delivery request: serialization failed");
      }
    }
    RETURN_IF_ERROR(outbox_.EnqueueAll(kDeliveryTopic, {payloads.begin(), payloads.end()}));
    ASSIGN_OR_RETURN(Plan stored, LoadPlan(plan.plan_id));
    return CreatePlanResult{std::move(stored), true};
  });
}

absl::StatusOr<Referral> SqliteReferralStore::AddReferral(
    std::string_view plan_id,
    const std::function<absl::StatusOr<Referral>(const Plan& plan)>& decide) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Referral> {
    ASSIGN_OR_RETURN(Plan plan, LoadPlan(plan_id));
    ASSIGN_OR_RETURN(Referral r, decide(plan));
    RETURN_IF_ERROR(InsertReferral(plan.plan_id, r));
    std::string payload;
    if (!BuildDeliveryRequest(plan, r).SerializeToString(&payload)) {
      return absl::InternalError("delivery request: serialization failed");
    }
    RETURN_IF_ERROR(outbox_.Enqueue(kDeliveryTopic, payload));
    if (plan.state == PlanState::kClosed) {
      RETURN_IF_ERROR(db_->Execute("UPDATE plans SET state = ?, closed_ms = NULL WHERE plan_id = ?",
                                   int64_t{static_cast<int>(PlanState::kOpen)}, plan.plan_id));
    }
    return LoadReferral(r.referral_id);
  });
}

absl::StatusOr<Plan> SqliteReferralStore::LoadPlan(std::string_view plan_id) {
  ASSIGN_OR_RETURN(
      std::optional<Plan> plan,
      db_->QueryOne(absl::StrCat("SELECT ", kPlanColumns, " FROM plans WHERE plan_id = ?"),
                    ReadPlan, plan_id));
  if (!plan.has_value()) return NotFound("plan_id", plan_id);
  ASSIGN_OR_RETURN(plan->referrals,
                   db_->Query(absl::StrCat("SELECT ", kReferralColumns,
                                           " FROM referrals WHERE plan_id = ? ORDER BY seq"),
                              ReadReferralOnly, plan_id));
  for (Referral& r : plan->referrals) RETURN_IF_ERROR(LoadHistory(&r));
  return *std::move(plan);
}

absl::StatusOr<Referral> SqliteReferralStore::LoadReferral(std::string_view referral_id) {
  ASSIGN_OR_RETURN(std::optional<Referral> referral,
                   db_->QueryOne(absl::StrCat("SELECT ", kReferralColumns,
                                              " FROM referrals WHERE referral_id = ?"),
                                 ReadReferralOnly, referral_id));
  if (!referral.has_value()) return NotFound("referral_id", referral_id);
  RETURN_IF_ERROR(LoadHistory(&*referral));
  return *std::move(referral);
}

absl::Status SqliteReferralStore::LoadHistory(Referral* referral) {
  ASSIGN_OR_RETURN(referral->history,
                   db_->Query(absl::StrCat("SELECT ", kEventColumns,
                                           " FROM events WHERE referral_id = ? ORDER BY sequence"),
                              ReadEvent, referral->referral_id));
  return absl::OkStatus();
}

absl::StatusOr<Plan> SqliteReferralStore::GetPlan(std::string_view plan_id) {
  return Read(db_.get(), [&] { return LoadPlan(plan_id); });
}

absl::StatusOr<Referral> SqliteReferralStore::GetReferral(std::string_view referral_id) {
  return Read(db_.get(), [&] { return LoadReferral(referral_id); });
}

absl::StatusOr<ReferralPage> SqliteReferralStore::ListReferrals(const ReferralFilter& filter,
                                                                int page_size,
                                                                int64_t before_cursor) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  // Every argument is bound by number; LIMIT ?5 makes all five exist even when a filter is off.
  // The cursor is always bound, so even the unfiltered first page searches the primary key.
  std::string sql = absl::StrCat("SELECT ", kReferralColumns, " FROM referrals WHERE seq < ?1");
  if (!filter.department.empty()) absl::StrAppend(&sql, " AND department = ?2");
  if (!filter.plan_id.empty()) absl::StrAppend(&sql, " AND plan_id = ?3");
  if (filter.state.has_value()) absl::StrAppend(&sql, " AND state = ?4");
  if (filter.escalated) absl::StrAppend(&sql, " AND escalation_level > 0");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?5");
  int64_t cursor = before_cursor > 0 ? before_cursor : std::numeric_limits<int64_t>::max();
  int64_t state = filter.state.has_value() ? Code(*filter.state) : 0;
  ASSIGN_OR_RETURN(std::vector<ReferralRow> rows, Read(db_.get(), [&] {
                     return db_->Query(sql, ReadReferral, cursor, filter.department, filter.plan_id,
                                       state, int64_t{page_size} + 1);
                   }));
  return PageOf(std::move(rows), page_size);
}

absl::StatusOr<Referral> SqliteReferralStore::ApplyTransition(const PendingTransition& move) {
  ASSIGN_OR_RETURN(Referral current, LoadReferral(move.referral_id));
  ASSIGN_OR_RETURN(
      std::vector<ReferralState> siblings,
      db_->Query(
          "SELECT state FROM referrals WHERE plan_id = ? AND referral_id <> ?",
          [](const Statement& s) { return static_cast<ReferralState>(s.ColumnInt(0)); },
          current.plan_id, move.referral_id));
  ASSIGN_OR_RETURN(ReferralTransition transition,
                   DecideTransition(current, siblings, move.to, move.note, move.actor,
                                    clock_->Now(), move.actor_department, move.outcome));
  const ReferralEvent& event = transition.event;
  RETURN_IF_ERROR(db_->Execute(
      "UPDATE referrals SET state = ?, updated_ms = ?, outcome = ?, escalation_stage = ?, "
      "escalation_level = ?, next_check = ? WHERE referral_id = ?",
      Code(event.to_state), Millis(event.time), static_cast<int64_t>(event.outcome),
      static_cast<int64_t>(transition.escalation.stage), int64_t{transition.escalation.level},
      OptionalDate(transition.next_check), move.referral_id));
  RETURN_IF_ERROR(InsertEvent(event));
  if (transition.closes_plan) {
    RETURN_IF_ERROR(db_->Execute("UPDATE plans SET state = ?, closed_ms = ? WHERE plan_id = ?",
                                 int64_t{static_cast<int>(PlanState::kClosed)}, Millis(event.time),
                                 current.plan_id));
  }
  return LoadReferral(move.referral_id);
}

void SqliteReferralStore::CommitTransitions(const std::vector<PendingTransition*>& batch) {
  absl::Status committed = db_->InTransaction([&]() -> absl::Status {
    for (PendingTransition* move : batch) {
      // Each move in its own savepoint: one that is refused leaves no trace and does not undo
      // the others.
      RETURN_IF_ERROR(db_->Exec("SAVEPOINT move"));
      move->result = ApplyTransition(*move);
      RETURN_IF_ERROR(
          db_->Exec(move->result.ok() ? "RELEASE move" : "ROLLBACK TO move; RELEASE move"));
    }
    return absl::OkStatus();
  });
  transition_commits_.fetch_add(1);
  transition_moves_.fetch_add(static_cast<int64_t>(batch.size()));
  if (!committed.ok()) {
    // Nothing of the batch is stored: every caller gets the failure.
    for (PendingTransition* move : batch) move->result = committed;
  }
}

absl::StatusOr<Referral> SqliteReferralStore::TransitionReferral(
    std::string_view referral_id, ReferralState to, std::string_view note, std::string_view actor,
    std::string_view actor_department, ReferralOutcome outcome) {
  PendingTransition move{std::string(referral_id),
                         to,
                         std::string(note),
                         std::string(actor),
                         std::string(actor_department),
                         outcome,
                         absl::InternalError("not run")};
  // Group commit: the first caller to find no batch running commits, in one transaction (one
  // sync), every move queued meanwhile; the others wait for it. Under load a transaction carries
  // many moves; alone, a move commits at once.
  std::unique_lock<std::mutex> lock(group_mu_);
  group_queue_.push_back(&move);
  while (!move.done) {
    if (group_leader_) {
      group_cv_.wait(lock);
      continue;
    }
    group_leader_ = true;
    if (last_batch_size_ > 1) {
      // Under concurrent load, wait a moment for the callers on their way: one sync for more
      // moves (PostgreSQL's commit_delay). Alone, a move commits at once.
      lock.unlock();
      std::this_thread::sleep_for(kGroupCommitDelay);
      lock.lock();
    }
    std::vector<PendingTransition*> batch;
    batch.swap(group_queue_);
    last_batch_size_ = batch.size();
    lock.unlock();
    CommitTransitions(batch);
    lock.lock();
    for (PendingTransition* done : batch) done->done = true;
    group_leader_ = false;
    group_cv_.notify_all();
  }
  return std::move(move.result);
}

absl::StatusOr<ChangePage> SqliteReferralStore::ListChanges(int64_t after_sequence, int page_size,
                                                            std::string_view department) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  return Read(db_.get(), [&]() -> absl::StatusOr<ChangePage> {
    ChangePage page;
    if (department.empty()) {
      ASSIGN_OR_RETURN(page.events, db_->Query(absl::StrCat("SELECT ", kEventColumns,
                                                            " FROM events WHERE sequence > ? "
                                                            "ORDER BY sequence LIMIT ?"),
                                               ReadEvent, after_sequence, int64_t{page_size}));
    } else {
      ASSIGN_OR_RETURN(page.events,
                       db_->Query(absl::StrCat("SELECT ", kEventColumns,
                                               " FROM events WHERE department = ? AND "
                                               "sequence > ? ORDER BY sequence LIMIT ?"),
                                  ReadEvent, department, after_sequence, int64_t{page_size}));
    }
    page.last_sequence = page.events.empty() ? after_sequence : page.events.back().sequence;
    std::set<std::string> seen;
    for (const ReferralEvent& event : page.events) {
      if (!seen.insert(event.referral_id).second) continue;
      ASSIGN_OR_RETURN(std::optional<Referral> referral,
                       db_->QueryOne(absl::StrCat("SELECT ", kReferralColumns,
                                                  " FROM referrals WHERE referral_id = ?"),
                                     ReadReferralOnly, event.referral_id));
      if (referral.has_value()) page.referrals.push_back(*std::move(referral));
    }
    return page;
  });
}

absl::StatusOr<int> SqliteReferralStore::RecordPickup(
    const std::vector<std::string>& referral_ids) {
  return MarkPolled(
      "UPDATE referrals SET delivered = 1, delivered_ms = ?1, partner_reference = ?2, "
      "updated_ms = ?1 WHERE referral_id = ?3 AND delivered = 0",
      referral_ids);
}

absl::StatusOr<int> SqliteReferralStore::MarkPolled(std::string_view update,
                                                    const std::vector<std::string>& ids) {
  if (ids.empty()) return 0;
  return Write(db_.get(), [&]() -> absl::StatusOr<int> {
    const int64_t now = Millis(clock_->Now());
    int picked = 0;
    for (const std::string& id : ids) {
      RETURN_IF_ERROR(db_->Execute(update, now, kPolledReference, id));
      picked += db_->Changes() > 0 ? 1 : 0;
    }
    return picked;
  });
}

absl::Status SqliteReferralStore::RecordDeliverySuccess(std::string_view referral_id,
                                                        std::string_view partner_reference) {
  return db_->InTransaction([&]() -> absl::Status {
    int64_t now = Millis(clock_->Now());
    RETURN_IF_ERROR(db_->Execute(
        "UPDATE referrals SET delivered = 1, delivery_attempts = delivery_attempts + 1, "
        "last_error = '', delivered_ms = ?1, partner_reference = ?2, updated_ms = ?1 "
        "WHERE referral_id = ?3",
        now, partner_reference, referral_id));
    if (db_->Changes() > 0) return absl::OkStatus();
    RETURN_IF_ERROR(db_->Execute(
        "UPDATE verifications SET delivered = 1, delivery_attempts = delivery_attempts + 1, "
        "last_error = '', delivered_ms = ?1, partner_reference = ?2 WHERE verification_id = ?3",
        now, partner_reference, referral_id));
    if (db_->Changes() == 0) return NotFound("referral_id", referral_id);
    return absl::OkStatus();
  });
}

absl::Status SqliteReferralStore::RecordDeliveryFailure(std::string_view referral_id,
                                                        std::string_view error) {
  return db_->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(
        db_->Execute("UPDATE referrals SET delivery_attempts = delivery_attempts + 1, "
                     "last_error = ?, updated_ms = ? WHERE referral_id = ?",
                     error, Millis(clock_->Now()), referral_id));
    if (db_->Changes() > 0) return absl::OkStatus();
    RETURN_IF_ERROR(
        db_->Execute("UPDATE verifications SET delivery_attempts = delivery_attempts + 1, "
                     "last_error = ? WHERE verification_id = ?",
                     error, referral_id));
    if (db_->Changes() == 0) return NotFound("referral_id", referral_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SqliteReferralStore::ParkDelivery(std::string_view referral_id,
                                                       int64_t message_id, std::string_view error) {
  return Write(db_.get(), [&]() -> absl::StatusOr<bool> {
    absl::StatusOr<Referral> found = LoadReferral(referral_id);
    if (absl::IsNotFound(found.status())) {
      // A verification's delivery: parked on the verification, which shows it.
      ASSIGN_OR_RETURN(Verification verification, LoadVerification(referral_id));
      ASSIGN_OR_RETURN(bool parked, outbox_.Park(message_id, error));
      if (!parked) return false;
      RETURN_IF_ERROR(db_->Execute(
          "UPDATE verifications SET delivery_attempts = delivery_attempts + 1, last_error = ?1, "
          "parked_message_id = ?2, parked_ms = ?3 WHERE verification_id = ?4",
          error, message_id, Millis(clock_->Now()), verification.verification_id));
      return true;
    }
    ASSIGN_OR_RETURN(Referral referral, std::move(found));
    ASSIGN_OR_RETURN(bool parked, outbox_.Park(message_id, error));
    // Delivered or parked already (a second dispatcher, a retry in flight): nothing to record.
    if (!parked) return false;
    const absl::Time now = clock_->Now();
    RETURN_IF_ERROR(db_->Execute(
        "UPDATE referrals SET delivery_attempts = delivery_attempts + 1, last_error = ?1, "
        "parked_message_id = ?2, parked_ms = ?3, updated_ms = ?3 WHERE referral_id = ?4",
        error, message_id, Millis(now), referral_id));
    RETURN_IF_ERROR(
        InsertEvent(DeliveryParkedEvent(referral, referral.delivery.attempts + 1, error, now)));
    return true;
  });
}

absl::Status SqliteReferralStore::UnparkDelivery(const char* parked_sql, std::string_view field,
                                                 std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<int64_t> message_id,
                   db_->QueryOne(
                       parked_sql, [](const Statement& s) { return s.ColumnInt(0); }, id));
  if (!message_id.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(std::string(field), ": '", std::string(id),
                                                      "' has no parked delivery to retry"));
  }
  return outbox_.Unpark(*message_id);
}

absl::StatusOr<Referral> SqliteReferralStore::RetryDelivery(std::string_view referral_id,
                                                            std::string_view actor) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Referral> {
    ASSIGN_OR_RETURN(Referral referral, LoadReferral(referral_id));
    RETURN_IF_ERROR(UnparkDelivery(
        "SELECT parked_message_id FROM referrals WHERE referral_id = ? AND parked_message_id IS "
        "NOT NULL",
        "referral_id", referral_id));
    const absl::Time now = clock_->Now();
    RETURN_IF_ERROR(db_->Execute(
        "UPDATE referrals SET parked_message_id = NULL, parked_ms = NULL, updated_ms = ? "
        "WHERE referral_id = ?",
        Millis(now), referral_id));
    RETURN_IF_ERROR(InsertEvent(DeliveryRetriedEvent(referral, actor, now)));
    return LoadReferral(referral_id);
  });
}

absl::StatusOr<ReferralPage> SqliteReferralStore::ListUndeliverable(int page_size,
                                                                    int64_t before_cursor) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  int64_t cursor = before_cursor > 0 ? before_cursor : std::numeric_limits<int64_t>::max();
  ASSIGN_OR_RETURN(std::vector<ReferralRow> rows, Read(db_.get(), [&] {
                     return db_->Query(absl::StrCat("SELECT ", kReferralColumns,
                                                    " FROM referrals WHERE parked_message_id IS "
                                                    "NOT NULL AND seq < ? ORDER BY seq DESC "
                                                    "LIMIT ?"),
                                       ReadReferral, cursor, int64_t{page_size} + 1);
                   }));
  return PageOf(std::move(rows), page_size);
}

absl::StatusOr<int64_t> SqliteReferralStore::UndeliverableCount() {
  ASSIGN_OR_RETURN(int64_t referrals, outbox_.ParkedCount(kDeliveryTopic));
  ASSIGN_OR_RETURN(int64_t verifications, outbox_.ParkedCount(kVerificationTopic));
  return referrals + verifications;
}

absl::StatusOr<Verification> SqliteReferralStore::LoadVerification(
    std::string_view verification_id) {
  ASSIGN_OR_RETURN(std::optional<VerificationRow> row,
                   db_->QueryOne(absl::StrCat("SELECT ", kVerificationColumns,
                                              " FROM verifications WHERE verification_id = ?"),
                                 ReadVerification, verification_id));
  if (!row.has_value()) return NotFound("verification_id", verification_id);
  RETURN_IF_ERROR(LoadAttachments(&row->verification));
  return std::move(row->verification);
}

absl::Status SqliteReferralStore::LoadAttachments(Verification* verification) {
  ASSIGN_OR_RETURN(
      verification->attachments,
      db_->Query(
          "SELECT name, content_type, size_bytes, sha256 FROM "
          "verification_attachments WHERE verification_id = ? ORDER BY position",
          [](const Statement& s) {
            return Attachment{s.ColumnText(0), s.ColumnText(1), s.ColumnInt(2), s.ColumnText(3)};
          },
          verification->verification_id));
  return absl::OkStatus();
}

absl::StatusOr<Verification> SqliteReferralStore::CreateVerification(
    const Verification& verification) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Verification> {
    const Verification& v = verification;
    RETURN_IF_ERROR(db_->Execute(
        "INSERT INTO verifications (verification_id, clue_id, department, question, person_id, "
        "person_name, person_id_masked, person_region_code, requested_by, state, respond_by, "
        "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v.verification_id, v.clue_id, v.department, v.question, v.person.person_id, v.person.name,
        v.person.id_masked, v.person.region_code, v.requested_by, static_cast<int64_t>(v.state),
        common::FormatDate(v.respond_by), Millis(v.created_time)));
    std::string payload;
    if (!BuildVerificationDelivery(v).SerializeToString(&payload)) {
      return absl::InternalError("verification delivery: serialization failed");
    }
    RETURN_IF_ERROR(outbox_.Enqueue(kVerificationTopic, payload));
    RETURN_IF_ERROR(EnqueueClueCopy(v));
    return LoadVerification(v.verification_id);
  });
}

absl::Status SqliteReferralStore::EnqueueClueCopy(const Verification& verification) {
  std::string payload;
  if (!BuildClueVerification(verification).SerializeToString(&payload)) {
    return absl::InternalError("clue verification: serialization failed");
  }
  return outbox_.Enqueue(kClueVerificationTopic, payload);
}

absl::StatusOr<Verification> SqliteReferralStore::GetVerification(
    std::string_view verification_id) {
  return Read(db_.get(), [&] { return LoadVerification(verification_id); });
}

absl::StatusOr<Verification> SqliteReferralStore::AnswerVerification(
    std::string_view verification_id,
    const std::function<absl::StatusOr<Verification>(const Verification&)>& decide) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Verification> {
    ASSIGN_OR_RETURN(Verification current, LoadVerification(verification_id));
    ASSIGN_OR_RETURN(Verification answered, decide(current));
    RETURN_IF_ERROR(db_->Execute(
        "UPDATE verifications SET state = ?, answer_note = ?, answered_by = ?, answered_ms = ? "
        "WHERE verification_id = ? AND state = ?",
        static_cast<int64_t>(answered.state), answered.answer_note, answered.answered_by,
        Millis(answered.answered_time), current.verification_id,
        static_cast<int64_t>(current.state)));
    for (size_t i = 0; i < answered.attachments.size(); ++i) {
      const Attachment& a = answered.attachments[i];
      RETURN_IF_ERROR(db_->Execute(
          "INSERT INTO verification_attachments (verification_id, position, name, content_type, "
          "size_bytes, sha256) VALUES (?, ?, ?, ?, ?, ?)",
          current.verification_id, static_cast<int64_t>(i), a.name, a.content_type, a.size_bytes,
          a.sha256));
    }
    RETURN_IF_ERROR(EnqueueClueCopy(answered));
    return LoadVerification(current.verification_id);
  });
}

absl::StatusOr<VerificationPage> SqliteReferralStore::ListVerifications(
    const VerificationFilter& filter, int page_size, int64_t before_cursor) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  // Each filter picks its index: the clue's, the department's, the open or the parked ones'.
  std::string sql =
      absl::StrCat("SELECT ", kVerificationColumns, " FROM verifications WHERE seq < ?1");
  if (!filter.clue_id.empty()) absl::StrAppend(&sql, " AND clue_id = ?2");
  if (!filter.department.empty()) absl::StrAppend(&sql, " AND department = ?3");
  if (filter.open_only) absl::StrAppend(&sql, " AND state = 1");
  if (filter.undeliverable_only) absl::StrAppend(&sql, " AND parked_message_id IS NOT NULL");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?4");
  const int64_t cursor = before_cursor > 0 ? before_cursor : std::numeric_limits<int64_t>::max();
  return Read(db_.get(), [&]() -> absl::StatusOr<VerificationPage> {
    ASSIGN_OR_RETURN(std::vector<VerificationRow> rows,
                     db_->Query(sql, ReadVerification, cursor, filter.clue_id, filter.department,
                                int64_t{page_size} + 1));
    VerificationPage page;
    if (static_cast<int>(rows.size()) > page_size) {
      rows.resize(page_size);
      page.next_cursor = rows.back().seq;
    }
    for (VerificationRow& row : rows) {
      RETURN_IF_ERROR(LoadAttachments(&row.verification));
      page.verifications.push_back(std::move(row.verification));
    }
    return page;
  });
}

absl::StatusOr<Verification> SqliteReferralStore::RetryVerificationDelivery(
    std::string_view verification_id) {
  return Write(db_.get(), [&]() -> absl::StatusOr<Verification> {
    ASSIGN_OR_RETURN(Verification verification, LoadVerification(verification_id));
    RETURN_IF_ERROR(
        UnparkDelivery("SELECT parked_message_id FROM verifications WHERE verification_id = ? AND "
                       "parked_message_id IS NOT NULL",
                       "verification_id", verification_id));
    RETURN_IF_ERROR(
        db_->Execute("UPDATE verifications SET parked_message_id = NULL, parked_ms = NULL WHERE "
                     "verification_id = ?",
                     verification_id));
    return LoadVerification(verification_id);
  });
}

absl::StatusOr<int> SqliteReferralStore::RecordVerificationPickup(
    const std::vector<std::string>& verification_ids) {
  return MarkPolled(
      "UPDATE verifications SET delivered = 1, delivered_ms = ?1, partner_reference = ?2 "
      "WHERE verification_id = ?3 AND delivered = 0",
      verification_ids);
}

absl::StatusOr<int64_t> SqliteReferralStore::PendingDeliveries() {
  return outbox_.Pending(kDeliveryTopic);
}

absl::StatusOr<std::optional<int64_t>> SqliteReferralStore::OldestPendingDeliveryMs() {
  return outbox_.OldestCreatedMs(kDeliveryTopic);
}

absl::StatusOr<std::vector<ReferralCount>> SqliteReferralStore::CountReferrals() {
  return Read(db_.get(), [&] { return db_->Query(kCountReferralsSql, ReadCount); });
}

absl::StatusOr<std::vector<EscalationSubject>> SqliteReferralStore::ListDueChecks(
    absl::CivilDay today, int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  // Days are "YYYY-MM-DD", so text order is date order.
  return Read(db_.get(), [&] {
    return db_->Query(
        "SELECT r.referral_id, r.department, r.state, r.respond_by, r.due_progress, "
        "r.due_complete, r.escalation_stage, r.escalation_level, p.approved_by, "
        "pa.reroute_after_days FROM referrals r JOIN plans p ON p.plan_id = r.plan_id "
        "LEFT JOIN partners pa ON pa.department = r.department "
        "WHERE r.next_check <= ? ORDER BY r.next_check LIMIT ?",
        [](const Statement& s) -> absl::StatusOr<EscalationSubject> {
          EscalationSubject subject;
          subject.referral_id = s.ColumnText(0);
          subject.department = s.ColumnText(1);
          subject.state = static_cast<ReferralState>(s.ColumnInt(2));
          ASSIGN_OR_RETURN(subject.deadlines.accept,
                           common::ParseDate(s.ColumnText(3), "respond_by"));
          ASSIGN_OR_RETURN(subject.deadlines.progress,
                           common::ParseDate(s.ColumnText(4), "due_progress"));
          ASSIGN_OR_RETURN(subject.deadlines.complete,
                           common::ParseDate(s.ColumnText(5), "due_complete"));
          subject.escalation.stage = static_cast<DeadlineStage>(s.ColumnInt(6));
          subject.escalation.level = static_cast<int>(s.ColumnInt(7));
          subject.reviewer = s.ColumnText(8);
          // A department no longer in the directory keeps the default grace.
          Partner agreement;
          agreement.reroute_after_days = s.ColumnIsNull(9) ? 0 : static_cast<int>(s.ColumnInt(9));
          subject.reroute_after_days = AgreementOf(agreement).reroute_after_days;
          return subject;
        },
        common::FormatDate(today), int64_t{limit});
  });
}

absl::StatusOr<std::vector<AppliedEscalation>> SqliteReferralStore::ApplyEscalations(
    const std::vector<std::pair<EscalationSubject, EscalationDecision>>& decisions) {
  return Write(db_.get(), [&]() -> absl::StatusOr<std::vector<AppliedEscalation>> {
    std::vector<AppliedEscalation> applied;
    for (const auto& [subject, decision] : decisions) {
      // Only if nothing moved it since it was read; a moved referral is decided again.
      RETURN_IF_ERROR(db_->Execute(
          "UPDATE referrals SET escalation_stage = ?, escalation_level = ?, next_check = ? "
          "WHERE referral_id = ? AND state = ? AND escalation_stage = ? AND escalation_level = ?",
          static_cast<int64_t>(decision.escalation.stage), int64_t{decision.escalation.level},
          OptionalDate(decision.next_check), subject.referral_id, Code(subject.state),
          static_cast<int64_t>(subject.escalation.stage), int64_t{subject.escalation.level}));
      if (db_->Changes() == 0) continue;
      for (const ReferralEvent& event : decision.events) {
        RETURN_IF_ERROR(InsertEvent(event));
        applied.push_back(AppliedEscalation{subject.department, event.kind, event.stage});
      }
    }
    return applied;
  });
}

absl::StatusOr<std::vector<Verification>> SqliteReferralStore::ListVerificationsToEscalate(
    absl::CivilDay today, int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  return Read(db_.get(), [&]() -> absl::StatusOr<std::vector<Verification>> {
    ASSIGN_OR_RETURN(std::vector<VerificationRow> rows,
                     db_->Query(absl::StrCat("SELECT ", kVerificationColumns,
                                             " FROM verifications WHERE state = 1 AND "
                                             "escalated_ms IS NULL AND respond_by < ? "
                                             "ORDER BY respond_by LIMIT ?"),
                                ReadVerification, common::FormatDate(today), int64_t{limit}));
    std::vector<Verification> out;
    out.reserve(rows.size());
    for (VerificationRow& row : rows) out.push_back(std::move(row.verification));
    return out;
  });
}

absl::StatusOr<std::vector<Verification>> SqliteReferralStore::EscalateVerifications(
    const std::vector<Verification>& escalated) {
  return Write(db_.get(), [&]() -> absl::StatusOr<std::vector<Verification>> {
    std::vector<Verification> stored;
    for (const Verification& v : escalated) {
      RETURN_IF_ERROR(db_->Execute(
          "UPDATE verifications SET escalated_ms = ? WHERE verification_id = ? AND state = 1 AND "
          "escalated_ms IS NULL",
          absl::ToUnixMillis(v.escalated_time), v.verification_id));
      if (db_->Changes() == 0) continue;  // answered or escalated meanwhile
      ASSIGN_OR_RETURN(Verification now_stored, LoadVerification(v.verification_id));
      RETURN_IF_ERROR(EnqueueClueCopy(now_stored));
      stored.push_back(std::move(now_stored));
    }
    return stored;
  });
}

}  // namespace lifeline::referral
