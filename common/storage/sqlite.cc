#include "common/storage/sqlite.h"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include <sqlite3.h>

namespace lifeline::common {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Maps an SQLite result code to the most specific canonical code. `extended` is the extended
// result code when available (it tells a UNIQUE violation from a NOT NULL one).
absl::StatusCode CodeFor(int extended) {
  switch (extended & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CONSTRAINT:
      switch (extended) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_ROWID:
          return absl::StatusCode::kAlreadyExists;
        default:
          return absl::StatusCode::kFailedPrecondition;
      }
    default:
      return absl::StatusCode::kInternal;
  }
}

// Builds the error for a failed operation on `db`. SQLite's own message names tables, columns
// and constraints, never bound values, so it is safe to pass on.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view operation) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  // The connection's last error may belong to another call when `rc` came from elsewhere.
  const int code = (extended & 0xff) == (rc & 0xff) ? extended : rc;
  const char* reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return absl::Status(CodeFor(code), absl::StrCat("sqlite ", operation, ": ", reason));
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (owner_ != nullptr) {
    owner_->Recycle(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
}

Statement& Statement::Bind(int index, int64_t value) {
  if (bind_status_.ok()) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) bind_status_ = SqliteError(db_, rc, absl::StrCat("bind ", index));
  }
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (bind_status_.ok()) {
    const int rc =
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) bind_status_ = SqliteError(db_, rc, absl::StrCat("bind ", index));
  }
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (bind_status_.ok()) {
    // A null pointer would bind NULL; an empty blob must stay an empty blob.
    static const char kEmpty = 0;
    const char* data = bytes.empty() ? &kEmpty : bytes.data();
    const int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) bind_status_ = SqliteError(db_, rc, absl::StrCat("bind ", index));
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (bind_status_.ok()) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) bind_status_ = SqliteError(db_, rc, absl::StrCat("bind ", index));
  }
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  if (stmt_ == nullptr) return absl::FailedPreconditionError("sqlite step: statement moved from");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

absl::Status Statement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// Copies committed WAL pages into the database file on its own connection and thread, so that
// the connection that commits spends no time on it (it was a fifth of a large batch's commit).
// A PASSIVE checkpoint waits for no reader or writer: writes go on while it runs, and the WAL
// starts over from its beginning at the first write after a checkpoint that caught up.
class Database::Checkpointer {
 public:
  // Returns nullptr when the second connection cannot be opened; commits then checkpoint inline.
  static std::unique_ptr<Checkpointer> Start(const std::string& path) {
    absl::StatusOr<std::unique_ptr<Database>> db =
        Connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX);
    // synchronous=FULL: the checkpoint syncs the WAL before copying and the database after.
    if (!db.ok() || !(*db)->Exec("PRAGMA synchronous=FULL").ok()) return nullptr;
    return std::unique_ptr<Checkpointer>(new Checkpointer(*std::move(db)));
  }

  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_cv_.notify_one();
    thread_.join();
  }

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      wake_ = true;
    }
    wake_cv_.notify_one();
  }

 private:
  explicit Checkpointer(std::unique_ptr<Database> db)
      : db_(std::move(db)), thread_([this] { Loop(); }) {}

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      wake_cv_.wait(lock, [this] { return wake_ || stop_; });
      if (stop_) return;
      wake_ = false;
      lock.unlock();
      // SQLITE_BUSY (another checkpoint is running) and I/O errors leave the pages in the WAL,
      // where they are as durable; the next commit wakes this again.
      sqlite3_wal_checkpoint_v2(db_->db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  // Its own connection, without a checkpointer of its own; closed after the thread stops.
  const std::unique_ptr<Database> db_;
  std::mutex mu_;
  std::condition_variable wake_cv_;
  bool wake_ = false;  // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

Database::Database(sqlite3* db) : db_(db) {}

int Database::OnCommitBegin(void* database) {
  static_cast<Database*>(database)->commits_begun_.fetch_add(1);
  return 0;  // go on with the commit
}

std::optional<uint64_t> Database::StableCommit() const {
  if (!tracks_commits_) return std::nullopt;
  const uint64_t ended = commits_ended_.load();
  const uint64_t begun = commits_begun_.load();
  if (begun != ended) return std::nullopt;
  return begun;
}

int Database::OnWalCommit(void* database, sqlite3* db, const char* schema, int pages) {
  auto* self = static_cast<Database*>(database);
  // The commit is done and its pages visible to new read transactions.
  self->commits_ended_.store(self->commits_begun_.load());
  if (pages >= kInlineCheckpointPages) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= kBackgroundCheckpointPages) {
    self->checkpointer_->Wake();
  }
  return SQLITE_OK;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status error = absl::UnavailableError(absl::StrCat(
        "sqlite open ", path, ": ", raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_close_v2(raw);
    return error;
  }
  std::unique_ptr<Database> db(new Database(raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

bool Database::InMemory(const std::string& path) {
  return path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, int page_size) {
  const bool in_memory = InMemory(path);
  if (!in_memory) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return absl::UnavailableError(absl::StrCat("sqlite open: cannot create directory ",
                                                   parent.string(), ": ", ec.message()));
      }
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                   Connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                     SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI));
  sqlite3* raw = db->db_;
  if (!in_memory) {
    // Personal data: the database is its owner's alone, and so are the -wal and -shm files,
    // which SQLite creates with the database file's permissions. (A file of an older version,
    // created 0644, is narrowed too.)
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      const std::string file = path + suffix;
      if (!std::filesystem::exists(file, ec)) continue;
      std::filesystem::permissions(
          file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
          std::filesystem::perm_options::replace, ec);
      if (ec) {
        return absl::UnavailableError(
            absl::StrCat("sqlite open: cannot make ", file, " owner-only: ", ec.message()));
      }
    }
  }
  // page_size (16384 unless the store says otherwise; SQLite's default is 4096) for a new
  // database; it must come before WAL mode and cannot change afterwards. For ingest's appending
  // store, 16 KiB pages write a quarter of the WAL frames and split fewer B-tree pages (about a
  // tenth more records per second); match's batches update pages all over its indexes, and
  // there every dirty 16 KiB page costs four times a 4 KiB one.
  // synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss, and an
  // acknowledged batch must survive. A page cache of up to 64 MiB (default 2 MiB) holds a large
  // batch's pages, so a transaction does not spill and rewrite them, and keeps more index pages
  // of a million-row table in memory.
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("sqlite open: bad page size ", page_size));
  }
  absl::Status configured = db->Exec(
      absl::StrCat("PRAGMA page_size=", page_size,
                   "; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                   "PRAGMA cache_size=-65536;"));
  if (!configured.ok()) {
    return absl::UnavailableError(
        absl::StrCat("sqlite open ", path, ": configure: ", configured.message()));
  }
  if (!in_memory) {
    sqlite3_commit_hook(raw, &Database::OnCommitBegin, db.get());
    db->tracks_commits_ = true;
    db->checkpointer_ = Checkpointer::Start(path);
    // Replaces SQLite's automatic checkpoint, which would run inside each large commit.
    if (db->checkpointer_ != nullptr) sqlite3_wal_hook(raw, &Database::OnWalCommit, db.get());
  }
  return db;
}

absl::StatusOr<std::unique_ptr<Database>> Database::OpenReader(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                   Connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX));
  // query_only: a statement that would write fails instead.
  absl::Status configured = db->Exec("PRAGMA query_only=ON; PRAGMA cache_size=-16384;");
  if (!configured.ok()) {
    return absl::UnavailableError(
        absl::StrCat("sqlite open ", path, ": configure: ", configured.message()));
  }
  return db;
}

absl::StatusOr<std::unique_ptr<ReadPool>> ReadPool::Open(Database* writer, const std::string& path,
                                                         int connections) {
  std::unique_ptr<ReadPool> pool(new ReadPool(writer));
  if (Database::InMemory(path)) return pool;
  for (int i = 0; i < connections; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Database> reader, Database::OpenReader(path));
    pool->idle_.push_back(reader.get());
    pool->readers_.push_back(std::move(reader));
  }
  return pool;
}

absl::Status ReadPool::Read(const std::function<absl::Status(Database&)>& fn) {
  if (readers_.empty()) return writer_->Run([&] { return fn(*writer_); });
  Database* db = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty(); });
    db = idle_.back();
    idle_.pop_back();
  }
  absl::Status status = db->Run([&]() -> absl::Status {
    RETURN_IF_ERROR(db->Exec("BEGIN"));
    absl::Status read = fn(*db);
    // Ends the snapshot whatever `fn` returned; a COMMIT of reads writes nothing.
    absl::Status ended = db->Exec(read.ok() ? "COMMIT" : "ROLLBACK");
    // A connection lent again must not still be inside this transaction.
    if (!ended.ok()) db->Exec("ROLLBACK").IgnoreError();
    return read.ok() ? ended : read;
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(db);
  }
  returned_.notify_one();
  return status;
}

std::vector<std::string> ReadPool::CompiledSql() const {
  if (readers_.empty()) return writer_->CompiledSql();
  std::set<std::string> all;
  for (const auto& reader : readers_) {
    for (std::string& sql : reader->CompiledSql()) all.insert(std::move(sql));
  }
  return std::vector<std::string>(all.begin(), all.end());
}

Database::~Database() {
  checkpointer_.reset();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (auto& [sql, statements] : cache_) {
      for (sqlite3_stmt* stmt : statements) sqlite3_finalize(stmt);
    }
    cache_.clear();
  }
  sqlite3_close_v2(db_);
}

void Database::Recycle(sqlite3_stmt* stmt) {
  // Reset ends a read the statement may still hold open; bindings go so no value lingers.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  const char* sql = sqlite3_sql(stmt);
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (sql != nullptr) {
      auto it = cache_.find(sql);
      if (it == cache_.end() && cache_.size() < kCachedSqlTexts) {
        it = cache_.emplace(sql, std::vector<sqlite3_stmt*>()).first;
      }
      if (it != cache_.end() && it->second.size() < kCachedPerSql) {
        it->second.push_back(stmt);
        return;
      }
    }
  }
  sqlite3_finalize(stmt);
}

absl::Status Database::Migrate(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(absl::StrCat("sqlite migrate: migration #", i + 1,
                                                     " has version ", migrations[i].version,
                                                     "; versions must be 1, 2, 3, ... in order"));
    }
  }
  const int latest = static_cast<int>(migrations.size());
  auto read_version = [this]() -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return absl::InternalError("sqlite migrate: user_version returned no row");
    return static_cast<int>(stmt.ColumnInt(0));
  };
  for (const Migration& migration : migrations) {
    // Each step re-reads the version inside its own write transaction, so two processes
    // migrating the same file never apply a step twice.
    bool too_new = false;
    int found = 0;
    RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
      ASSIGN_OR_RETURN(found, read_version());
      if (found > latest) {
        too_new = true;
        return absl::OkStatus();
      }
      if (found >= migration.version) return absl::OkStatus();
      absl::Status applied = Exec(migration.sql);
      if (applied.ok() && migration.code) applied = migration.code(*this);
      if (!applied.ok()) {
        return absl::Status(
            applied.code(),
            absl::StrCat("sqlite migrate to version ", migration.version, ": ", applied.message()));
      }
      return Exec(absl::StrCat("PRAGMA user_version = ", migration.version));
    }));
    if (too_new) {
      return absl::FailedPreconditionError(
          absl::StrCat("sqlite migrate: database schema version ", found,
                       " is newer than this binary's latest version ", latest));
    }
  }
  {
    // Migration statements belong to schemas that are gone; CompiledSql lists what runs now.
    std::lock_guard<std::mutex> lock(cache_mu_);
    compiled_.clear();
  }
  if (migrations.empty()) {
    absl::Status checked = Run([&]() -> absl::Status {
      ASSIGN_OR_RETURN(int found, read_version());
      if (found > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "sqlite migrate: database schema version ", found, " is newer than this binary's 0"));
      }
      return absl::OkStatus();
    });
    RETURN_IF_ERROR(checked);
  }
  return absl::OkStatus();
}

absl::Status Database::Run(const std::function<absl::Status()>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return fn();
}

absl::Status Database::InTransaction(const std::function<absl::Status()>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (transaction_depth_ > 0) {
    ++transaction_depth_;
    absl::Status status = fn();
    --transaction_depth_;
    if (!status.ok()) rollback_only_ = true;
    return status;
  }
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  transaction_depth_ = 1;
  rollback_only_ = false;
  absl::Status status = fn();
  transaction_depth_ = 0;
  if (status.ok() && rollback_only_) {
    status = absl::AbortedError("sqlite transaction: a nested transaction failed; rolled back");
  }
  if (status.ok()) {
    status = Exec("COMMIT");
    // Whatever the commit did, it is over (one without changes writes no WAL frame, so the WAL
    // hook would not say so).
    commits_ended_.store(commits_begun_.load());
    if (status.ok()) return status;
  }
  rollback_only_ = false;
  // Some errors (SQLITE_FULL, I/O errors) already rolled the transaction back.
  if (sqlite3_get_autocommit(db_) == 0) {
    // A failed ROLLBACK leaves nothing better to report than the original error.
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  commits_ended_.store(commits_begun_.load());
  return status;
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  {
    std::lock_guard<std::mutex> cache_lock(cache_mu_);
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end() && !it->second.empty()) {
      sqlite3_stmt* cached = it->second.back();
      it->second.pop_back();
      return Statement(this, db_, cached);
    }
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db_, rc, "prepare");
  }
  if (stmt == nullptr) return absl::InvalidArgumentError("sqlite prepare: empty statement");
  {
    std::lock_guard<std::mutex> cache_lock(cache_mu_);
    compiled_.emplace(sql);
  }
  return Statement(this, db_, stmt);
}

std::vector<std::string> Database::CompiledSql() const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  return std::vector<std::string>(compiled_.begin(), compiled_.end());
}

absl::Status Database::Exec(std::string_view sql) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
  return absl::OkStatus();
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::Changes() const { return sqlite3_changes(db_); }

}  // namespace lifeline::common
