#include "referral-service/store/sqlite_referral_store.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/store/delivery_request.h"

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

constexpr char kReferralColumns[] =
    "seq, referral_id, plan_id, department, service, reason, state, respond_by, delivered, "
    "delivery_attempts, last_error, delivered_ms, partner_reference, created_ms, updated_ms";

constexpr char kPlanColumns[] =
    "plan_id, clue_id, person_id, person_name, person_id_masked, person_sex, person_birth_date, "
    "person_region_code, category, case_number, assistance_amount_fen, referring_unit, "
    "approved_by, state, created_ms, closed_ms";

constexpr char kPartnerColumns[] =
    "department, display_name, inbox_target, respond_within_days, enabled";

int64_t Millis(absl::Time t) { return absl::ToUnixMillis(t); }
absl::Time FromMillis(int64_t ms) { return absl::FromUnixMillis(ms); }

Partner ReadPartner(const Statement& s) {
  Partner p;
  p.department = s.ColumnText(0);
  p.display_name = s.ColumnText(1);
  p.inbox_target = s.ColumnText(2);
  p.respond_within_days = static_cast<int>(s.ColumnInt(3));
  p.enabled = s.ColumnInt(4) != 0;
  return p;
}

// Reads a row selected with kReferralColumns; returns its seq.
absl::StatusOr<int64_t> ReadReferral(const Statement& s, Referral* r) {
  r->referral_id = s.ColumnText(1);
  r->plan_id = s.ColumnText(2);
  r->department = s.ColumnText(3);
  r->service = s.ColumnText(4);
  r->reason = s.ColumnText(5);
  r->state = static_cast<ReferralState>(s.ColumnInt(6));
  ASSIGN_OR_RETURN(r->respond_by, common::ParseDate(s.ColumnText(7), "respond_by"));
  r->delivery.delivered = s.ColumnInt(8) != 0;
  r->delivery.attempts = static_cast<int>(s.ColumnInt(9));
  r->delivery.last_error = s.ColumnText(10);
  r->delivery.delivered_time =
      s.ColumnIsNull(11) ? absl::InfinitePast() : FromMillis(s.ColumnInt(11));
  r->delivery.partner_reference = s.ColumnText(12);
  r->created_time = FromMillis(s.ColumnInt(13));
  r->updated_time = FromMillis(s.ColumnInt(14));
  return s.ColumnInt(0);
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
  return e;
}

constexpr char kEventColumns[] =
    "sequence, referral_id, from_state, to_state, note, actor, time_ms";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteReferralStore>> SqliteReferralStore::Open(
    const std::string& path, const common::Clock* clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<common::Database> db, common::Database::Open(path));
  RETURN_IF_ERROR(db->Migrate({
      {1, kSchema},
      common::Outbox::SchemaMigration(2),
      common::Outbox::PendingCountMigration(3),
  }));
  return std::unique_ptr<SqliteReferralStore>(new SqliteReferralStore(std::move(db), clock));
}

absl::StatusOr<Partner> SqliteReferralStore::UpsertPartner(const Partner& partner) {
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare(absl::StrCat(
                             "INSERT INTO partners (", kPartnerColumns,
                             ") VALUES (?, ?, ?, ?, ?) ON CONFLICT(department) DO UPDATE SET "
                             "display_name = excluded.display_name, "
                             "inbox_target = excluded.inbox_target, "
                             "respond_within_days = excluded.respond_within_days, "
                             "enabled = excluded.enabled")));
        s.Bind(1, partner.department)
            .Bind(2, partner.display_name)
            .Bind(3, partner.inbox_target)
            .Bind(4, int64_t{partner.respond_within_days})
            .Bind(5, int64_t{partner.enabled ? 1 : 0});
        return s.Run();
      });
      !done.ok()) {
    return done;
  }
  return partner;
}

absl::StatusOr<bool> SqliteReferralStore::InsertPartnerIfAbsent(const Partner& partner) {
  bool inserted = false;
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare(absl::StrCat("INSERT OR IGNORE INTO partners (",
                                                   kPartnerColumns, ") VALUES (?, ?, ?, ?, ?)")));
        s.Bind(1, partner.department)
            .Bind(2, partner.display_name)
            .Bind(3, partner.inbox_target)
            .Bind(4, int64_t{partner.respond_within_days})
            .Bind(5, int64_t{partner.enabled ? 1 : 0});
        RETURN_IF_ERROR(s.Run());
        inserted = db_->Changes() > 0;
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return inserted;
}

absl::StatusOr<Partner> SqliteReferralStore::GetPartner(std::string_view department) {
  Partner partner;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare(absl::StrCat("SELECT ", kPartnerColumns,
                                                   " FROM partners WHERE department = ?")));
        s.Bind(1, department);
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) {
          return absl::NotFoundError(
              absl::StrCat("department: '", std::string(department), "' not found"));
        }
        partner = ReadPartner(s);
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return partner;
}

absl::StatusOr<std::vector<Partner>> SqliteReferralStore::ListPartners() {
  std::vector<Partner> partners;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare(absl::StrCat("SELECT ", kPartnerColumns,
                                                   " FROM partners ORDER BY department")));
        while (true) {
          ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) break;
          partners.push_back(ReadPartner(s));
        }
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return partners;
}

absl::Status SqliteReferralStore::DeletePartner(std::string_view department) {
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement open,
                     db_->Prepare("SELECT COUNT(*) FROM referrals WHERE department = ? AND "
                                  "state IN (?, ?, ?, ?)"));
    open.Bind(1, department)
        .Bind(2, int64_t{static_cast<int>(ReferralState::kRequested)})
        .Bind(3, int64_t{static_cast<int>(ReferralState::kAccepted)})
        .Bind(4, int64_t{static_cast<int>(ReferralState::kInProgress)})
        .Bind(5, int64_t{static_cast<int>(ReferralState::kOnHold)});
    ASSIGN_OR_RETURN(bool row, open.Step());
    int64_t open_count = row ? open.ColumnInt(0) : 0;
    ASSIGN_OR_RETURN(Statement exists, db_->Prepare("SELECT 1 FROM partners WHERE department = ?"));
    exists.Bind(1, department);
    ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("department: '", std::string(department), "' not found"));
    }
    if (open_count > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "department: '", std::string(department), "' still has ", open_count, " open referrals"));
    }
    ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE FROM partners WHERE department = ?"));
    del.Bind(1, department);
    return del.Run();
  });
}

absl::StatusOr<CreatePlanResult> SqliteReferralStore::CreatePlan(const Plan& plan) {
  CreatePlanResult result;
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement existing,
                         db_->Prepare("SELECT plan_id FROM plans WHERE clue_id = ?"));
        existing.Bind(1, plan.clue_id);
        ASSIGN_OR_RETURN(bool found, existing.Step());
        if (found) {
          ASSIGN_OR_RETURN(result.plan, LoadPlan(existing.ColumnText(0)));
          result.created = false;
          return absl::OkStatus();
        }
        std::vector<ReferralState> states;
        for (const Referral& r : plan.referrals) states.push_back(r.state);
        bool closed = IsPlanClosed(states);

        ASSIGN_OR_RETURN(
            Statement insert_plan,
            db_->Prepare(absl::StrCat("INSERT INTO plans (", kPlanColumns,
                                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                      "?, ?, ?)")));
        insert_plan.Bind(1, plan.plan_id)
            .Bind(2, plan.clue_id)
            .Bind(3, plan.person.person_id)
            .Bind(4, plan.person.name)
            .Bind(5, plan.person.id_masked)
            .Bind(6, int64_t{plan.person.sex})
            .Bind(7, plan.person.birth_date)
            .Bind(8, plan.person.region_code)
            .Bind(9, plan.category)
            .Bind(10, plan.case_number)
            .Bind(11, plan.assistance_amount_fen)
            .Bind(12, plan.referring_unit)
            .Bind(13, plan.approved_by)
            .Bind(14, int64_t{static_cast<int>(closed ? PlanState::kClosed : PlanState::kOpen)})
            .Bind(15, Millis(plan.created_time));
        if (closed) {
          insert_plan.Bind(16, Millis(plan.created_time));
        } else {
          insert_plan.BindNull(16);
        }
        RETURN_IF_ERROR(insert_plan.Run());

        ASSIGN_OR_RETURN(Statement insert_referral,
                         db_->Prepare("INSERT INTO referrals (referral_id, plan_id, department, "
                                      "service, reason, state, respond_by, created_ms, updated_ms) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        ASSIGN_OR_RETURN(
            Statement insert_event,
            db_->Prepare("INSERT INTO events (referral_id, from_state, to_state, note, "
                         "actor, time_ms) VALUES (?, ?, ?, '', ?, ?)"));
        std::string actor = plan.approved_by.empty() ? "referral-service" : plan.approved_by;
        for (const Referral& r : plan.referrals) {
          insert_referral.Reset();
          insert_referral.Bind(1, r.referral_id)
              .Bind(2, plan.plan_id)
              .Bind(3, r.department)
              .Bind(4, r.service)
              .Bind(5, r.reason)
              .Bind(6, int64_t{static_cast<int>(r.state)})
              .Bind(7, common::FormatDate(r.respond_by))
              .Bind(8, Millis(r.created_time))
              .Bind(9, Millis(r.updated_time));
          RETURN_IF_ERROR(insert_referral.Run());
          insert_event.Reset();
          insert_event.Bind(1, r.referral_id)
              .Bind(2, int64_t{static_cast<int>(ReferralState::kUnspecified)})
              .Bind(3, int64_t{static_cast<int>(r.state)})
              .Bind(4, actor)
              .Bind(5, Millis(r.created_time));
          RETURN_IF_ERROR(insert_event.Run());
          std::string payload;
          if (!BuildDeliveryRequest(plan, r).SerializeToString(&payload)) {
            return absl::InternalError("delivery request: serialization failed");
          }
          RETURN_IF_ERROR(outbox_.Enqueue(kDeliveryTopic, payload));
        }
        ASSIGN_OR_RETURN(result.plan, LoadPlan(plan.plan_id));
        result.created = true;
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return result;
}

absl::StatusOr<Plan> SqliteReferralStore::LoadPlan(std::string_view plan_id) {
  ASSIGN_OR_RETURN(Statement s, db_->Prepare(absl::StrCat("SELECT ", kPlanColumns,
                                                          " FROM plans WHERE plan_id = ?")));
  s.Bind(1, plan_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return absl::NotFoundError(absl::StrCat("plan_id: '", std::string(plan_id), "' not found"));
  Plan plan;
  plan.plan_id = s.ColumnText(0);
  plan.clue_id = s.ColumnText(1);
  plan.person.person_id = s.ColumnText(2);
  plan.person.name = s.ColumnText(3);
  plan.person.id_masked = s.ColumnText(4);
  plan.person.sex = static_cast<int>(s.ColumnInt(5));
  plan.person.birth_date = s.ColumnText(6);
  plan.person.region_code = s.ColumnText(7);
  plan.category = s.ColumnText(8);
  plan.case_number = s.ColumnText(9);
  plan.assistance_amount_fen = s.ColumnInt(10);
  plan.referring_unit = s.ColumnText(11);
  plan.approved_by = s.ColumnText(12);
  plan.state = static_cast<PlanState>(s.ColumnInt(13));
  plan.created_time = FromMillis(s.ColumnInt(14));
  plan.closed_time = s.ColumnIsNull(15) ? absl::InfinitePast() : FromMillis(s.ColumnInt(15));

  ASSIGN_OR_RETURN(Statement refs,
                   db_->Prepare(absl::StrCat("SELECT ", kReferralColumns,
                                             " FROM referrals WHERE plan_id = ? ORDER BY seq")));
  refs.Bind(1, plan_id);
  while (true) {
    ASSIGN_OR_RETURN(bool more, refs.Step());
    if (!more) break;
    Referral r;
    ASSIGN_OR_RETURN(int64_t seq, ReadReferral(refs, &r));
    (void)seq;
    plan.referrals.push_back(std::move(r));
  }
  for (Referral& r : plan.referrals) RETURN_IF_ERROR(LoadHistory(&r));
  return plan;
}

absl::StatusOr<Referral> SqliteReferralStore::LoadReferral(std::string_view referral_id) {
  ASSIGN_OR_RETURN(Statement s,
                   db_->Prepare(absl::StrCat("SELECT ", kReferralColumns,
                                             " FROM referrals WHERE referral_id = ?")));
  s.Bind(1, referral_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat("referral_id: '", std::string(referral_id), "' not found"));
  }
  Referral r;
  ASSIGN_OR_RETURN(int64_t seq, ReadReferral(s, &r));
  (void)seq;
  RETURN_IF_ERROR(LoadHistory(&r));
  return r;
}

absl::Status SqliteReferralStore::LoadHistory(Referral* referral) {
  ASSIGN_OR_RETURN(Statement s, db_->Prepare(absl::StrCat(
                                    "SELECT ", kEventColumns,
                                    " FROM events WHERE referral_id = ? ORDER BY sequence")));
  s.Bind(1, referral->referral_id);
  referral->history.clear();
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    referral->history.push_back(ReadEvent(s));
  }
  return absl::OkStatus();
}

absl::StatusOr<Plan> SqliteReferralStore::GetPlan(std::string_view plan_id) {
  Plan plan;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(plan, LoadPlan(plan_id));
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return plan;
}

absl::StatusOr<Referral> SqliteReferralStore::GetReferral(std::string_view referral_id) {
  Referral referral;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(referral, LoadReferral(referral_id));
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return referral;
}

absl::StatusOr<ReferralPage> SqliteReferralStore::ListReferrals(const ReferralFilter& filter,
                                                                int page_size,
                                                                int64_t before_cursor) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  std::string sql = absl::StrCat("SELECT ", kReferralColumns, " FROM referrals WHERE 1 = 1");
  if (!filter.department.empty()) absl::StrAppend(&sql, " AND department = ?");
  if (!filter.plan_id.empty()) absl::StrAppend(&sql, " AND plan_id = ?");
  if (filter.state.has_value()) absl::StrAppend(&sql, " AND state = ?");
  if (before_cursor > 0) absl::StrAppend(&sql, " AND seq < ?");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?");
  ReferralPage page;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s, db_->Prepare(sql));
        int index = 1;
        if (!filter.department.empty()) s.Bind(index++, filter.department);
        if (!filter.plan_id.empty()) s.Bind(index++, filter.plan_id);
        if (filter.state.has_value()) s.Bind(index++, int64_t{static_cast<int>(*filter.state)});
        if (before_cursor > 0) s.Bind(index++, before_cursor);
        s.Bind(index++, int64_t{page_size} + 1);
        int64_t last_seq = 0;
        while (true) {
          ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) break;
          if (static_cast<int>(page.referrals.size()) == page_size) {
            page.next_cursor = last_seq;
            break;
          }
          Referral r;
          ASSIGN_OR_RETURN(last_seq, ReadReferral(s, &r));
          page.referrals.push_back(std::move(r));
        }
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return page;
}

absl::StatusOr<Referral> SqliteReferralStore::TransitionReferral(std::string_view referral_id,
                                                                 ReferralState to,
                                                                 std::string_view note,
                                                                 std::string_view actor) {
  Referral referral;
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Referral current, LoadReferral(referral_id));
        RETURN_IF_ERROR(ValidateTransition(current.state, to, note));
        int64_t now = Millis(clock_->Now());
        ASSIGN_OR_RETURN(Statement update,
                         db_->Prepare("UPDATE referrals SET state = ?, updated_ms = ? "
                                      "WHERE referral_id = ?"));
        update.Bind(1, int64_t{static_cast<int>(to)}).Bind(2, now).Bind(3, referral_id);
        RETURN_IF_ERROR(update.Run());
        ASSIGN_OR_RETURN(
            Statement event,
            db_->Prepare("INSERT INTO events (referral_id, from_state, to_state, note, "
                         "actor, time_ms) VALUES (?, ?, ?, ?, ?, ?)"));
        event.Bind(1, referral_id)
            .Bind(2, int64_t{static_cast<int>(current.state)})
            .Bind(3, int64_t{static_cast<int>(to)})
            .Bind(4, note)
            .Bind(5, actor)
            .Bind(6, now);
        RETURN_IF_ERROR(event.Run());

        ASSIGN_OR_RETURN(Statement states,
                         db_->Prepare("SELECT state FROM referrals WHERE plan_id = ?"));
        states.Bind(1, current.plan_id);
        std::vector<ReferralState> plan_states;
        while (true) {
          ASSIGN_OR_RETURN(bool row, states.Step());
          if (!row) break;
          plan_states.push_back(static_cast<ReferralState>(states.ColumnInt(0)));
        }
        if (IsPlanClosed(plan_states)) {
          ASSIGN_OR_RETURN(Statement close,
                           db_->Prepare("UPDATE plans SET state = ?, closed_ms = ? "
                                        "WHERE plan_id = ? AND state != ?"));
          close.Bind(1, int64_t{static_cast<int>(PlanState::kClosed)})
              .Bind(2, now)
              .Bind(3, current.plan_id)
              .Bind(4, int64_t{static_cast<int>(PlanState::kClosed)});
          RETURN_IF_ERROR(close.Run());
        }
        ASSIGN_OR_RETURN(referral, LoadReferral(referral_id));
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return referral;
}

absl::StatusOr<ChangePage> SqliteReferralStore::ListChanges(int64_t after_sequence, int page_size) {
  if (page_size <= 0) return absl::InvalidArgumentError("page_size: must be positive");
  ChangePage page;
  page.last_sequence = after_sequence;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare(absl::StrCat(
                             "SELECT ", kEventColumns,
                             " FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?")));
        s.Bind(1, after_sequence).Bind(2, int64_t{page_size});
        while (true) {
          ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) break;
          page.events.push_back(ReadEvent(s));
          page.last_sequence = page.events.back().sequence;
        }
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return page;
}

absl::Status SqliteReferralStore::RecordDeliverySuccess(std::string_view referral_id,
                                                        std::string_view partner_reference,
                                                        int64_t message_id) {
  return db_->InTransaction([&]() -> absl::Status {
    int64_t now = Millis(clock_->Now());
    ASSIGN_OR_RETURN(Statement s,
                     db_->Prepare("UPDATE referrals SET delivered = 1, "
                                  "delivery_attempts = delivery_attempts + 1, last_error = '', "
                                  "delivered_ms = ?, partner_reference = ?, updated_ms = ? "
                                  "WHERE referral_id = ?"));
    s.Bind(1, now).Bind(2, partner_reference).Bind(3, now).Bind(4, referral_id);
    RETURN_IF_ERROR(s.Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(
          absl::StrCat("referral_id: '", std::string(referral_id), "' not found"));
    }
    return outbox_.Delete({message_id});
  });
}

absl::Status SqliteReferralStore::RecordDeliveryFailure(std::string_view referral_id,
                                                        std::string_view error) {
  return db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement s,
                     db_->Prepare("UPDATE referrals SET delivery_attempts = delivery_attempts + 1, "
                                  "last_error = ?, updated_ms = ? WHERE referral_id = ?"));
    s.Bind(1, error).Bind(2, Millis(clock_->Now())).Bind(3, referral_id);
    RETURN_IF_ERROR(s.Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(
          absl::StrCat("referral_id: '", std::string(referral_id), "' not found"));
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteReferralStore::DiscardDelivery(int64_t message_id) {
  return outbox_.Delete({message_id});
}

absl::StatusOr<int64_t> SqliteReferralStore::PendingDeliveries() {
  return outbox_.Pending(kDeliveryTopic);
}

absl::StatusOr<std::vector<ReferralCount>> SqliteReferralStore::CountReferrals() {
  std::vector<ReferralCount> counts;
  if (absl::Status done = db_->Run([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement s,
                         db_->Prepare("SELECT department, state, COUNT(*) FROM referrals "
                                      "GROUP BY department, state ORDER BY department, state"));
        while (true) {
          ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) break;
          counts.push_back(
              {s.ColumnText(0), static_cast<ReferralState>(s.ColumnInt(1)), s.ColumnInt(2)});
        }
        return absl::OkStatus();
      });
      !done.ok()) {
    return done;
  }
  return counts;
}

absl::StatusOr<std::vector<std::string>> SqliteReferralStore::MarkOverdue(absl::CivilDay today) {
  std::vector<std::string> departments;
  // respond_by is "YYYY-MM-DD", so text order is date order.
  std::string today_text = common::FormatDate(today);
  if (absl::Status done = db_->InTransaction([&]() -> absl::Status {
        ASSIGN_OR_RETURN(Statement select,
                         db_->Prepare("SELECT department FROM referrals WHERE state = ? AND "
                                      "respond_by < ? AND overdue_marked = 0"));
        select.Bind(1, int64_t{static_cast<int>(ReferralState::kRequested)}).Bind(2, today_text);
        while (true) {
          ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          departments.push_back(select.ColumnText(0));
        }
        ASSIGN_OR_RETURN(Statement mark,
                         db_->Prepare("UPDATE referrals SET overdue_marked = 1 WHERE state = ? AND "
                                      "respond_by < ? AND overdue_marked = 0"));
        mark.Bind(1, int64_t{static_cast<int>(ReferralState::kRequested)}).Bind(2, today_text);
        return mark.Run();
      });
      !done.ok()) {
    return done;
  }
  return departments;
}

}  // namespace lifeline::referral
