// Thin, status-returning access to SQLite: one connection per Database, WAL mode, schema
// migrations keyed on PRAGMA user_version, transactions as a callback.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lifeline::common {

class Database;

// One schema step. Versions start at 1 and increase by one; each runs once, in its own
// transaction, and PRAGMA user_version records the last one applied. A step that must rewrite
// stored values SQL cannot compute (a change of serialization) also has `code`, run after `sql`
// in the same transaction.
struct Migration {
  Migration(int version_in, std::string sql_in,
            std::function<absl::Status(Database&)> code_in = nullptr)
      : version(version_in), sql(std::move(sql_in)), code(std::move(code_in)) {}

  int version;
  std::string sql;
  std::function<absl::Status(Database&)> code;
};

// Bytes to bind as a BLOB (a string_view binds as TEXT), so that BindAll and Execute can take
// them: Execute("... VALUES (?1)", Blob{bytes}).
struct Blob {
  std::string_view bytes;
};

// A prepared statement. Bind positions are 1-based. Binding errors are remembered and returned by
// the next Step/Run. Not thread-safe: use it only inside the Database::Run or InTransaction
// callback that prepared it. When destroyed it goes back, reset, to its Database's statement
// cache.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  Statement& Bind(int index, Blob blob) { return BindBlob(index, blob.bytes); }
  Statement& Bind(int index, std::nullptr_t) { return BindNull(index); }
  // Binds the value, or NULL when there is none.
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value.has_value() ? Bind(index, *value) : BindNull(index);
  }
  // Binds `args` to positions 1, 2, ... in order.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int index = 0;
    (Bind(++index, args), ...);
    return *this;
  }

  // Advances to the next row. Returns true when a row is available, false when done.
  // Errors: AlreadyExists for a UNIQUE / PRIMARY KEY violation, FailedPrecondition for another
  // constraint (NOT NULL, CHECK, FOREIGN KEY), Unavailable for SQLITE_BUSY / SQLITE_LOCKED,
  // ResourceExhausted for SQLITE_FULL, Internal otherwise. Messages name the operation and
  // SQLite's reason, never a bound value.
  absl::StatusOr<bool> Step();
  // Steps until done, for statements without results.
  absl::Status Run();
  // Resets the statement and clears bindings so it can be run again.
  void Reset();

  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  Statement(Database* owner, sqlite3* db, sqlite3_stmt* stmt)
      : owner_(owner), db_(db), stmt_(stmt) {}
  // Hands the statement back to the owner's cache (or finalizes it).
  void Release();
  Database* owner_ = nullptr;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  absl::Status bind_status_;
};

// One SQLite connection. Thread-safe: Run and InTransaction serialize callers with a recursive
// mutex, so a callback may call Run or InTransaction again on the same thread (a nested
// InTransaction joins the outer transaction).
class Database {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for a private in-memory one),
  // enables WAL, synchronous=FULL, foreign keys, a page cache of up to 64 MiB and a 5 s busy
  // timeout; a new database gets `page_size`-byte pages (16 KiB: fewer WAL frames for a store
  // that appends; 4 KiB: less to rewrite for one whose batches touch pages all over its indexes).
  // Creates the parent directory if missing. A file
  // database is checkpointed (WAL pages copied into the database file) by a background thread on a
  // second connection once the WAL holds kBackgroundCheckpointPages, so the committing thread does
  // not do that work; only past kInlineCheckpointPages (the thread falling behind) does a commit
  // checkpoint itself. Errors: Unavailable if the file cannot be opened or configured.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        int page_size = 16384);
  // Opens a second connection to the file database at `path`, already opened (and migrated) with
  // Open, for reads only: in WAL mode its queries see the last commit and neither wait for nor
  // hold up the writing connection's transaction. Errors: Unavailable if it cannot be opened.
  static absl::StatusOr<std::unique_ptr<Database>> OpenReader(const std::string& path);
  // Whether Open treats `path` as an in-memory database ("", ":memory:" or a "file:" URI) rather
  // than a file that other connections can share.
  static bool InMemory(const std::string& path);
  ~Database();

  // Applies the migrations newer than the stored user_version, in order.
  // Errors: FailedPrecondition if the database is newer than the code; InvalidArgument if the
  // versions are not 1, 2, 3, ...; Internal on SQL errors.
  absl::Status Migrate(const std::vector<Migration>& migrations);

  // Runs `fn` while holding the connection, without a transaction.
  absl::Status Run(const std::function<absl::Status()>& fn);

  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back when `fn` returns an error (which is
  // then returned) or when the commit fails. Data is durable when this returns OK. A nested call
  // joins the outer transaction; if the nested `fn` fails, its error is returned and the outer
  // transaction is rolled back even if the outer callback ignores that error (then Aborted).
  // Errors: those of `fn`, or the codes listed at Statement::Step for BEGIN/COMMIT.
  absl::Status InTransaction(const std::function<absl::Status()>& fn);

  // Prepares a statement, or takes an idle one of the same SQL text from the connection's cache
  // (compiling SQL cost as much as running a small INSERT). Call only inside Run or
  // InTransaction. Errors: Internal on bad SQL.
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // Executes one or more statements without results. Call only inside Run or InTransaction.
  absl::Status Exec(std::string_view sql);

  // The row helpers below prepare `sql`, bind `args` to positions 1, 2, ... (Statement::BindAll)
  // and step through the result. Call them only inside Run or InTransaction. Errors: those of
  // Prepare and Statement::Step, or the callback's.

  // Runs a statement without results to completion.
  template <typename... Args>
  absl::Status Execute(std::string_view sql, const Args&... args);

  // Calls `fn(row)` for each result row; stops at and returns the first error `fn` returns.
  // `fn` returns absl::Status or void.
  template <typename Fn, typename... Args>
  absl::Status ForEachRow(std::string_view sql, Fn&& fn, const Args&... args);

  // Returns `read(row)` for each result row, in order. `read` returns a value or a StatusOr of
  // one (its first error is returned).
  template <typename Fn, typename... Args>
  auto Query(std::string_view sql, Fn&& read, const Args&... args);

  // Returns `read(row)` of the first result row, or nullopt when there is none.
  template <typename Fn, typename... Args>
  auto QueryOne(std::string_view sql, Fn&& read, const Args&... args);

  // Every SQL text this connection has compiled (Prepare) since its last Migrate, for tests that
  // check query plans.
  std::vector<std::string> CompiledSql() const;

  // Which commit the database's readers see, for caches of what was read: the number of write
  // transactions this (writing) connection has begun to commit, when none is committing now;
  // nullopt while one is. A value read from another connection's snapshot that began after one
  // StableCommit() and ended before a call returning the same value is the state of that commit,
  // and stays current for as long as StableCommit() returns that value. Always nullopt for an
  // in-memory database (no other connection reads it).
  std::optional<uint64_t> StableCommit() const;

  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int Changes() const;

  // WAL size (in pages) at which a commit wakes the background checkpointer (SQLite's own
  // automatic checkpoint, which runs inside the commit, starts at the same size).
  static constexpr int kBackgroundCheckpointPages = 1000;
  // WAL size at which a commit checkpoints itself, in case the background thread falls behind
  // (256 MiB with the 16 KiB pages of a new database).
  static constexpr int kInlineCheckpointPages = 16000;

 private:
  friend class Statement;
  class Checkpointer;
  // Idle statements kept per SQL text, and distinct texts kept; the rest are finalized.
  static constexpr size_t kCachedPerSql = 4;
  static constexpr size_t kCachedSqlTexts = 256;

  explicit Database(sqlite3* db);
  // Opens a connection with `flags` (SQLITE_OPEN_*), extended result codes and the busy timeout.
  // Errors: Unavailable.
  static absl::StatusOr<std::unique_ptr<Database>> Connect(const std::string& path, int flags);
  // Takes back a statement that is no longer used: reset and kept for reuse, or finalized.
  void Recycle(sqlite3_stmt* stmt);
  // SQLite's WAL hook, called after each commit with the WAL's size in pages.
  static int OnWalCommit(void* database, sqlite3* db, const char* schema, int pages);
  // SQLite's commit hook, called as a write transaction starts to commit.
  static int OnCommitBegin(void* database);

  sqlite3* db_;
  // Stopped and joined before db_ closes; null for in-memory databases.
  std::unique_ptr<Checkpointer> checkpointer_;
  mutable std::mutex cache_mu_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cache_;
  std::set<std::string> compiled_;  // guarded by cache_mu_
  std::recursive_mutex mu_;
  int transaction_depth_ = 0;
  // Write commits begun (the commit hook) and the count when the last one had ended (the WAL
  // hook, or the end of InTransaction): equal when no commit is under way. File databases only.
  std::atomic<uint64_t> commits_begun_{0};
  std::atomic<uint64_t> commits_ended_{0};
  bool tracks_commits_ = false;
  // Set when a nested InTransaction failed; the outermost one then rolls back.
  bool rollback_only_ = false;
};

// Connections for reads beside a file database's writer: a handful of OpenReader connections
// that Read lends out one at a time, so reads run side by side and never wait for the writer's
// transaction (a batch of records holds the writer for seconds). Each Read is one read
// transaction (BEGIN ... COMMIT): its statements see one commit, and the WAL's read lock is
// taken once, not once per statement. An in-memory database, which no other connection can
// share, reads on its writer. Thread-safe.
class ReadPool {
 public:
  // `connections` readers of the database at `path`, which `writer` (outliving the pool) has
  // opened and migrated; none for an in-memory `path` or `connections` < 1.
  // Errors: Unavailable if a connection cannot be opened.
  static absl::StatusOr<std::unique_ptr<ReadPool>> Open(Database* writer, const std::string& path,
                                                        int connections);

  // Runs `fn` with an idle connection inside one read transaction (the writer inside Run for an
  // in-memory database), waiting while every connection is lent. Errors: those of `fn`, or of
  // BEGIN/COMMIT.
  absl::Status Read(const std::function<absl::Status(Database&)>& fn);

  // Every SQL text the readers (or, in memory, the writer) compiled, for query-plan tests.
  std::vector<std::string> CompiledSql() const;
  // Reader connections (0: reads use the writer).
  int size() const { return static_cast<int>(readers_.size()); }

 private:
  explicit ReadPool(Database* writer) : writer_(writer) {}

  Database* writer_;
  std::vector<std::unique_ptr<Database>> readers_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<Database*> idle_;  // guarded by mu_
};

namespace internal {

template <typename T>
struct UnwrapStatusOr {
  using type = T;
};
template <typename T>
struct UnwrapStatusOr<absl::StatusOr<T>> {
  using type = T;
};

// Calls `fn(row)` and turns what it returns (void, Status, a value or a StatusOr) into a Status,
// storing a value in `*out` when there is one.
template <typename Fn, typename Out>
absl::Status CallRow(Fn& fn, const Statement& row, Out* out) {
  using R = std::invoke_result_t<Fn&, const Statement&>;
  if constexpr (std::is_void_v<R>) {
    fn(row);
    return absl::OkStatus();
  } else if constexpr (std::is_same_v<R, absl::Status>) {
    return fn(row);
  } else if constexpr (std::is_same_v<R, typename UnwrapStatusOr<R>::type>) {
    out->emplace_back(fn(row));
    return absl::OkStatus();
  } else {
    R value = fn(row);
    if (!value.ok()) return value.status();
    out->emplace_back(*std::move(value));
    return absl::OkStatus();
  }
}

}  // namespace internal

template <typename... Args>
absl::Status Database::Execute(std::string_view sql, const Args&... args) {
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->BindAll(args...);
  return stmt->Run();
}

template <typename Fn, typename... Args>
absl::Status Database::ForEachRow(std::string_view sql, Fn&& fn, const Args&... args) {
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->BindAll(args...);
  std::vector<std::nullptr_t> unused;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    absl::Status status = internal::CallRow(fn, *stmt, &unused);
    if (!status.ok()) return status;
  }
}

template <typename Fn, typename... Args>
auto Database::Query(std::string_view sql, Fn&& read, const Args&... args) {
  using T = typename internal::UnwrapStatusOr<std::invoke_result_t<Fn&, const Statement&>>::type;
  std::vector<T> out;
  absl::Status status = ForEachRow(
      sql, [&](const Statement& row) { return internal::CallRow(read, row, &out); }, args...);
  return status.ok() ? absl::StatusOr<std::vector<T>>(std::move(out))
                     : absl::StatusOr<std::vector<T>>(status);
}

template <typename Fn, typename... Args>
auto Database::QueryOne(std::string_view sql, Fn&& read, const Args&... args) {
  using T = typename internal::UnwrapStatusOr<std::invoke_result_t<Fn&, const Statement&>>::type;
  using Result = absl::StatusOr<std::optional<T>>;
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return Result(stmt.status());
  stmt->BindAll(args...);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return Result(row.status());
  if (!*row) return Result(std::optional<T>());
  std::vector<T> out;
  absl::Status status = internal::CallRow(read, *stmt, &out);
  if (!status.ok()) return Result(status);
  return Result(std::optional<T>(std::move(out.front())));
}

}  // namespace lifeline::common
