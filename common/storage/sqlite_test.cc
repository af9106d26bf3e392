#include "common/storage/sqlite.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "common/testing/process.h"
#include <sqlite3.h>

namespace lifeline::common {
namespace {

using testing::TempDir;

const std::vector<Migration>& Schema() {
  static const std::vector<Migration>* const schema = new std::vector<Migration>{
      {1, "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)"},
      {2, "ALTER TABLE items ADD COLUMN data BLOB; CREATE INDEX items_n ON items(n)"},
      {3, "CREATE TABLE tags(item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL)"},
  };
  return *schema;
}

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  return std::move(db).value();
}

absl::StatusOr<int64_t> QueryInt(Database& db, const std::string& sql) {
  int64_t value = 0;
  RETURN_IF_ERROR(db.Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return absl::NotFoundError("no row");
    value = stmt.ColumnInt(0);
    return absl::OkStatus();
  }));
  return value;
}

absl::StatusOr<std::string> QueryText(Database& db, const std::string& sql) {
  std::string value;
  RETURN_IF_ERROR(db.Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return absl::NotFoundError("no row");
    value = stmt.ColumnText(0);
    return absl::OkStatus();
  }));
  return value;
}

absl::Status InsertItem(Database& db, const std::string& name, int64_t n) {
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare("INSERT INTO items(name, n) VALUES (?, ?)"));
  return stmt.Bind(1, name).Bind(2, n).Run();
}

int64_t CountItems(Database& db) {
  absl::StatusOr<int64_t> count = QueryInt(db, "SELECT COUNT(*) FROM items");
  EXPECT_TRUE(count.ok()) << count.status();
  return count.ok() ? *count : -1;
}

TEST(DatabaseTest, OpenCreatesParentDirectoryAndSetsPragmas) {
  TempDir dir;
  const std::string path = dir.path() + "/a/b/c/service.db";
  std::unique_ptr<Database> db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(QueryText(*db, "PRAGMA journal_mode").value_or(""), "wal");
  EXPECT_EQ(QueryInt(*db, "PRAGMA synchronous").value_or(-1), 2);  // FULL
  EXPECT_EQ(QueryInt(*db, "PRAGMA foreign_keys").value_or(-1), 1);
  EXPECT_EQ(QueryInt(*db, "PRAGMA busy_timeout").value_or(-1), 5000);
  EXPECT_EQ(QueryInt(*db, "PRAGMA cache_size").value_or(0), -65536);  // KiB, so 64 MiB
  EXPECT_EQ(QueryInt(*db, "PRAGMA page_size").value_or(0), 16384);
}

// Personal data: the database and its -wal and -shm files are their owner's alone, and a file
// an older version left readable is narrowed when it is opened.
TEST(DatabaseTest, DataFilesAreOwnerOnly) {
  TempDir dir;
  const std::string path = dir.path() + "/owned.db";
  namespace fs = std::filesystem;
  const fs::perms owner_only = fs::perms::owner_read | fs::perms::owner_write;
  {
    std::unique_ptr<Database> db = OpenOrDie(path);
    ASSERT_TRUE(db->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);").ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ASSERT_TRUE(fs::exists(path + suffix)) << suffix;
      EXPECT_EQ(fs::status(path + suffix).permissions() & fs::perms::all, owner_only) << suffix;
    }
  }
  fs::permissions(path, owner_only | fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::replace);
  std::unique_ptr<Database> reopened = OpenOrDie(path);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, owner_only);
}

TEST(DatabaseTest, ANewDatabaseTakesTheStoresPageSizeAndABadOneIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/small_pages.db";
  {
    auto db = Database::Open(path, 4096);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(QueryInt(**db, "PRAGMA page_size").value_or(0), 4096);
  }
  // An existing file keeps the page size it was made with.
  auto reopened = Database::Open(path, 16384);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(QueryInt(**reopened, "PRAGMA page_size").value_or(0), 4096);
  EXPECT_EQ(Database::Open(dir.path() + "/bad.db", 5000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DatabaseTest, OpenFailsWithUnavailableWhenPathIsUnusable) {
  TempDir dir;
  const std::string blocker = dir.path() + "/file";
  { std::unique_ptr<Database> db = OpenOrDie(blocker); }
  // The parent "directory" is a regular file.
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(blocker + "/inner.db");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable);
}

TEST(DatabaseTest, MigrationsAreIdempotentAcrossReopen) {
  TempDir dir;
  const std::string path = dir.path() + "/m.db";
  {
    std::unique_ptr<Database> db = OpenOrDie(path);
    std::vector<Migration> first_two(Schema().begin(), Schema().begin() + 2);
    ASSERT_TRUE(db->Migrate(first_two).ok());
    EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 2);
    ASSERT_TRUE(db->Run([&] { return InsertItem(*db, "kept", 1); }).ok());
    // Running the same migrations again changes nothing (a second CREATE TABLE would fail).
    ASSERT_TRUE(db->Migrate(first_two).ok());
  }
  {
    std::unique_ptr<Database> db = OpenOrDie(path);
    ASSERT_TRUE(db->Migrate(Schema()).ok());
    EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 3);
    EXPECT_EQ(CountItems(*db), 1);
    ASSERT_TRUE(db->Migrate(Schema()).ok());
    EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'tags'").value(), 1);
  }
}

TEST(DatabaseTest, MigrateRejectsDatabaseNewerThanCode) {
  TempDir dir;
  const std::string path = dir.path() + "/m.db";
  std::unique_ptr<Database> db = OpenOrDie(path);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  std::vector<Migration> older(Schema().begin(), Schema().begin() + 1);
  absl::Status status = db->Migrate(older);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(db->Migrate({}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DatabaseTest, FailedMigrationStepLeavesVersionAndSchemaUntouched) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  std::vector<Migration> broken = {
      Schema()[0],
      {2, "CREATE TABLE half(x INTEGER); THIS IS NOT SQL"},
  };
  absl::Status status = db->Migrate(broken);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_NE(status.message().find("version 2"), std::string::npos) << status;
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 1);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").value(), 0);
}

TEST(DatabaseTest, MigrationCodeRewritesRowsInTheStepsTransaction) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate({Schema()[0]}).ok());
  ASSERT_TRUE(
      db->Run([&] { return db->Execute("INSERT INTO items(name, n) VALUES ('a', 2)"); }).ok());
  auto doubling = [](Database& d) {
    return d.Execute("UPDATE items SET n = n * 2 WHERE n = ?", 2);
  };
  ASSERT_TRUE(
      db->Migrate({Schema()[0], {2, "ALTER TABLE items ADD COLUMN data BLOB", doubling}}).ok());
  EXPECT_EQ(QueryInt(*db, "SELECT n FROM items").value_or(-1), 4);
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 2);

  // A failing step leaves neither its SQL nor the code's writes behind.
  auto failing = [](Database& d) -> absl::Status {
    if (absl::Status s = d.Execute("UPDATE items SET n = 100"); !s.ok()) return s;
    return absl::DataLossError("cannot read an old row");
  };
  absl::Status status = db->Migrate({Schema()[0],
                                     {2, "ALTER TABLE items ADD COLUMN data BLOB", doubling},
                                     {3, "CREATE TABLE later(x INTEGER)", failing}});
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_EQ(QueryInt(*db, "SELECT n FROM items").value_or(-1), 4);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'later'").value(), 0);
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 2);
}

TEST(DatabaseTest, MigrateRejectsGapsInVersions) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  std::vector<Migration> gap = {Schema()[0], {3, Schema()[2].sql}};
  EXPECT_EQ(db->Migrate(gap).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version").value_or(-1), 0);
}

TEST(DatabaseTest, TransactionRollsBackOnError) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  absl::Status status = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(InsertItem(*db, "a", 1));
    RETURN_IF_ERROR(InsertItem(*db, "b", 2));
    return absl::InvalidArgumentError("record 2 is bad");
  });
  EXPECT_EQ(status, absl::InvalidArgumentError("record 2 is bad"));
  EXPECT_EQ(CountItems(*db), 0);
  // The connection is usable again afterwards.
  ASSERT_TRUE(db->InTransaction([&] { return InsertItem(*db, "a", 1); }).ok());
  EXPECT_EQ(CountItems(*db), 1);
}

TEST(DatabaseTest, CommittedTransactionIsVisibleAfterReopen) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  {
    std::unique_ptr<Database> db = OpenOrDie(path);
    ASSERT_TRUE(db->Migrate(Schema()).ok());
    ASSERT_TRUE(db->InTransaction([&]() -> absl::Status {
                    RETURN_IF_ERROR(InsertItem(*db, "x", 1));
                    return InsertItem(*db, "y", 2);
                  }).ok());
  }
  std::unique_ptr<Database> db = OpenOrDie(path);
  EXPECT_EQ(CountItems(*db), 2);
}

// Writes at least `pages` WAL pages' worth of rows (1000 bytes of data each) into items in one
// transaction.
absl::Status FillPages(Database& db, int pages, int* next) {
  ASSIGN_OR_RETURN(int64_t page_size, QueryInt(db, "PRAGMA page_size"));
  return db.InTransaction([&]() -> absl::Status {
    for (int64_t i = 0; i < pages * page_size / 1000; ++i) {
      ASSIGN_OR_RETURN(Statement stmt,
                       db.Prepare("INSERT INTO items(name, n, data) VALUES (?, ?, ?)"));
      const int n = (*next)++;
      RETURN_IF_ERROR(stmt.Bind(1, absl::StrCat("item-", n))
                          .Bind(2, n)
                          .BindBlob(3, std::string(1000, 'd'))
                          .Run());
    }
    return absl::OkStatus();
  });
}

// The commit that takes the WAL past kBackgroundCheckpointPages only wakes the checkpointer
// thread; the committed pages must then reach the database file with no further commit (SQLite's
// own automatic checkpoint is switched off, so nothing else would copy them).
TEST(DatabaseTest, BackgroundCheckpointCopiesCommittedPagesIntoTheFile) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  std::unique_ptr<Database> db = OpenOrDie(path);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  const auto small = std::filesystem::file_size(path);
  int next = 0;
  ASSERT_TRUE(FillPages(*db, Database::kBackgroundCheckpointPages + 200, &next).ok());
  const auto page_size = static_cast<uintmax_t>(QueryInt(*db, "PRAGMA page_size").value_or(0));
  const auto want = small + Database::kBackgroundCheckpointPages * page_size;
  for (int i = 0; i < 200 && std::filesystem::file_size(path) < want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(std::filesystem::file_size(path), want);
  EXPECT_EQ(CountItems(*db), next);
  db.reset();
  EXPECT_EQ(CountItems(*OpenOrDie(path)), next);
}

// A database closed while its checkpointer works (or was just woken) closes cleanly and keeps
// every commit.
TEST(DatabaseTest, ClosingWhileCheckpointingKeepsEveryCommit) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  int next = 0;
  for (int round = 0; round < 5; ++round) {
    std::unique_ptr<Database> db = OpenOrDie(path);
    ASSERT_TRUE(db->Migrate(Schema()).ok());
    ASSERT_TRUE(FillPages(*db, Database::kBackgroundCheckpointPages + 10, &next).ok());
  }
  EXPECT_EQ(CountItems(*OpenOrDie(path)), next);
}

// A reader connection sees what the writer committed, answers while the writer's transaction is
// open (without seeing it), and refuses to write.
TEST(DatabaseTest, ReaderDoesNotWaitForTheWritersTransaction) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  std::unique_ptr<Database> writer = OpenOrDie(path);
  ASSERT_TRUE(writer->Migrate(Schema()).ok());
  ASSERT_TRUE(writer->InTransaction([&] { return InsertItem(*writer, "committed", 1); }).ok());
  absl::StatusOr<std::unique_ptr<Database>> reader = Database::OpenReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(CountItems(**reader), 1);

  std::atomic<bool> inserted{false};
  std::atomic<bool> release{false};
  std::thread writing([&] {
    EXPECT_TRUE(writer
                    ->InTransaction([&]() -> absl::Status {
                      RETURN_IF_ERROR(InsertItem(*writer, "open", 2));
                      inserted = true;
                      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                      return absl::OkStatus();
                    })
                    .ok());
  });
  while (!inserted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The writer holds its connection (and its mutex) inside the transaction; the reader answers.
  EXPECT_EQ(CountItems(**reader), 1);
  release = true;
  writing.join();
  EXPECT_EQ(CountItems(**reader), 2);

  absl::Status write = (*reader)->Run([&] { return InsertItem(**reader, "refused", 3); });
  EXPECT_FALSE(write.ok());
  EXPECT_EQ(CountItems(*writer), 2);
  EXPECT_TRUE(Database::InMemory(":memory:"));
  EXPECT_FALSE(Database::InMemory(path));
}

// A read pool lends its connections side by side, each Read sees one commit from its first
// statement to its last, and the pool's readers refuse to write.
TEST(ReadPoolTest, ReadsRunSideBySideOnOneSnapshotEach) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  std::unique_ptr<Database> writer = OpenOrDie(path);
  ASSERT_TRUE(writer->Migrate(Schema()).ok());
  ASSERT_TRUE(writer->InTransaction([&] { return InsertItem(*writer, "first", 1); }).ok());
  absl::StatusOr<std::unique_ptr<ReadPool>> pool = ReadPool::Open(writer.get(), path, 2);
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->size(), 2);

  // Two reads hold a connection each at the same time (one connection would deadlock here, so
  // the wait is bounded and the test fails instead).
  std::atomic<int> inside{0};
  auto meet = [&](Database&) -> absl::Status {
    ++inside;
    for (int i = 0; i < 5000 && inside < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return inside >= 2 ? absl::OkStatus() : absl::DeadlineExceededError("read alone");
  };
  absl::Status other;
  std::thread second([&] { other = (*pool)->Read(meet); });
  EXPECT_TRUE((*pool)->Read(meet).ok());
  second.join();
  EXPECT_TRUE(other.ok()) << other;

  // A commit between a read's two statements is not seen by the second.
  int64_t before = -1;
  int64_t after = -1;
  ASSERT_TRUE((*pool)
                  ->Read([&](Database& db) -> absl::Status {
                    before = CountItems(db);
                    RETURN_IF_ERROR(
                        writer->InTransaction([&] { return InsertItem(*writer, "second", 2); }));
                    after = CountItems(db);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 1);
  // The next read sees it; a read that fails ends its transaction and leaves the connection fit.
  EXPECT_EQ((*pool)->Read([](Database&) { return absl::NotFoundError("no"); }).code(),
            absl::StatusCode::kNotFound);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*pool)
                    ->Read([&](Database& db) -> absl::Status {
                      EXPECT_EQ(CountItems(db), 2);
                      return absl::OkStatus();
                    })
                    .ok());
  }
  EXPECT_FALSE((*pool)->Read([](Database& db) { return InsertItem(db, "refused", 3); }).ok());
  EXPECT_EQ(CountItems(*writer), 2);
  const std::vector<std::string> compiled = (*pool)->CompiledSql();
  EXPECT_NE(std::find(compiled.begin(), compiled.end(), "SELECT COUNT(*) FROM items"),
            compiled.end());
}

// StableCommit names the commit readers see: it moves on with each write commit (in a
// transaction, empty or not, and autocommit), not with reads or a transaction still open.
TEST(DatabaseTest, StableCommitMovesWithEachWriteCommit) {
  TempDir dir;
  const std::string path = dir.path() + "/d.db";
  std::unique_ptr<Database> writer = OpenOrDie(path);
  ASSERT_TRUE(writer->Migrate(Schema()).ok());
  const std::optional<uint64_t> start = writer->StableCommit();
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(CountItems(*writer), 0);
  EXPECT_EQ(writer->StableCommit(), start);
  ASSERT_TRUE(writer
                  ->InTransaction([&]() -> absl::Status {
                    RETURN_IF_ERROR(InsertItem(*writer, "one", 1));
                    // Not committed: readers still see the last commit.
                    EXPECT_EQ(writer->StableCommit(), start);
                    return absl::OkStatus();
                  })
                  .ok());
  const std::optional<uint64_t> after_insert = writer->StableCommit();
  ASSERT_TRUE(after_insert.has_value());
  EXPECT_GT(*after_insert, *start);
  // A transaction that fails commits nothing.
  EXPECT_FALSE(writer->InTransaction([] { return absl::InternalError("no"); }).ok());
  EXPECT_EQ(writer->StableCommit(), after_insert);
  ASSERT_TRUE(writer->Run([&] { return InsertItem(*writer, "autocommit", 2); }).ok());
  const std::optional<uint64_t> after_autocommit = writer->StableCommit();
  ASSERT_TRUE(after_autocommit.has_value());
  EXPECT_GT(*after_autocommit, *after_insert);

  std::unique_ptr<Database> memory = OpenOrDie(":memory:");
  EXPECT_FALSE(memory->StableCommit().has_value());
}

// An in-memory database has no other connections: reads run on the writer.
TEST(ReadPoolTest, InMemoryReadsOnTheWriter) {
  std::unique_ptr<Database> writer = OpenOrDie(":memory:");
  ASSERT_TRUE(writer->Migrate(Schema()).ok());
  ASSERT_TRUE(writer->InTransaction([&] { return InsertItem(*writer, "only", 1); }).ok());
  absl::StatusOr<std::unique_ptr<ReadPool>> pool = ReadPool::Open(writer.get(), ":memory:", 4);
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->size(), 0);
  ASSERT_TRUE((*pool)
                  ->Read([&](Database& db) -> absl::Status {
                    EXPECT_EQ(&db, writer.get());
                    EXPECT_EQ(CountItems(db), 1);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST(DatabaseTest, NestedTransactionJoinsOuter) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  ASSERT_TRUE(db->InTransaction([&]() -> absl::Status {
                  RETURN_IF_ERROR(InsertItem(*db, "outer", 1));
                  return db->InTransaction([&] { return InsertItem(*db, "inner", 2); });
                }).ok());
  EXPECT_EQ(CountItems(*db), 2);

  // An error in the nested call propagates and the outer transaction rolls everything back.
  absl::Status status = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(InsertItem(*db, "outer2", 3));
    return db->InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(InsertItem(*db, "inner2", 4));
      return absl::NotFoundError("partner missing");
    });
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountItems(*db), 2);
}

TEST(DatabaseTest, SwallowedNestedErrorStillRollsBackOuter) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  absl::Status status = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(InsertItem(*db, "outer", 1));
    absl::Status ignored = db->InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(InsertItem(*db, "inner", 2));
      return absl::InternalError("boom");
    });
    EXPECT_FALSE(ignored.ok());
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(CountItems(*db), 0);
  // The flag does not leak into the next transaction.
  EXPECT_TRUE(db->InTransaction([&] { return InsertItem(*db, "next", 1); }).ok());
  EXPECT_EQ(CountItems(*db), 1);
}

TEST(DatabaseTest, BindsAndReadsEveryType) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  const std::string blob("\x00\x01\xff\x00z", 5);
  const std::string text = "张伟 O'Brien";
  ASSERT_TRUE(
      db->Run([&]() -> absl::Status {
          ASSIGN_OR_RETURN(Statement insert,
                           db->Prepare("INSERT INTO items(name, n, data) VALUES (?, ?, ?)"));
          RETURN_IF_ERROR(
              insert.Bind(1, text).Bind(2, int64_t{-9007199254740993}).BindBlob(3, blob).Run());
          EXPECT_EQ(db->Changes(), 1);
          EXPECT_EQ(db->LastInsertRowId(), 1);
          insert.Reset();
          RETURN_IF_ERROR(
              insert.Bind(1, std::string_view("nulls")).BindNull(2).BindBlob(3, "").Run());
          EXPECT_EQ(db->LastInsertRowId(), 2);
          return absl::OkStatus();
        }).ok());
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  ASSIGN_OR_RETURN(Statement select,
                                   db->Prepare("SELECT name, n, data FROM items ORDER BY id"));
                  ASSIGN_OR_RETURN(bool row, select.Step());
                  EXPECT_TRUE(row);
                  EXPECT_EQ(select.ColumnText(0), text);
                  EXPECT_EQ(select.ColumnInt(1), int64_t{-9007199254740993});
                  EXPECT_EQ(select.ColumnBlob(2), blob);
                  EXPECT_FALSE(select.ColumnIsNull(1));
                  ASSIGN_OR_RETURN(row, select.Step());
                  EXPECT_TRUE(row);
                  EXPECT_TRUE(select.ColumnIsNull(1));
                  EXPECT_FALSE(select.ColumnIsNull(2));  // empty blob, not NULL
                  EXPECT_EQ(select.ColumnBlob(2), "");
                  ASSIGN_OR_RETURN(row, select.Step());
                  EXPECT_FALSE(row);
                  return absl::OkStatus();
                }).ok());
}

TEST(DatabaseTest, CachedStatementComesBackWithoutOldBindings) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  {
                    ASSIGN_OR_RETURN(Statement first, db->Prepare("SELECT ?1"));
                    ASSIGN_OR_RETURN(bool row, first.Bind(1, int64_t{42}).Step());
                    EXPECT_TRUE(row);
                    EXPECT_EQ(first.ColumnInt(0), 42);
                  }
                  // The same text again: the cached statement, reset, its value unbound.
                  ASSIGN_OR_RETURN(Statement again, db->Prepare("SELECT ?1"));
                  ASSIGN_OR_RETURN(bool row, again.Step());
                  EXPECT_TRUE(row);
                  EXPECT_TRUE(again.ColumnIsNull(0));
                  return absl::OkStatus();
                }).ok());
}

TEST(DatabaseTest, StatementDroppedMidQueryStartsOverAndReleasesItsRead) {
  TempDir dir;
  const std::string path = dir.path() + "/cache.db";
  std::unique_ptr<Database> db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(InsertItem(*db, absl::StrCat("item", i), i).ok());
  const std::string select = "SELECT n FROM items ORDER BY n";
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  ASSIGN_OR_RETURN(Statement partial, db->Prepare(select));
                  ASSIGN_OR_RETURN(bool row, partial.Step());
                  EXPECT_TRUE(row);
                  EXPECT_EQ(partial.ColumnInt(0), 0);
                  return absl::OkStatus();  // dropped after one of three rows
                }).ok());
  // A checkpoint that truncates the WAL needs every read finished: the dropped statement's too.
  ASSERT_TRUE(db->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  std::unique_ptr<Database> other = OpenOrDie(path);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->InTransaction([&] { return InsertItem(*other, "item3", 3); }).ok());
  std::vector<int64_t> seen;
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  ASSIGN_OR_RETURN(Statement again, db->Prepare(select));
                  while (true) {
                    ASSIGN_OR_RETURN(bool row, again.Step());
                    if (!row) return absl::OkStatus();
                    seen.push_back(again.ColumnInt(0));
                  }
                }).ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(DatabaseTest, TwoLiveStatementsOfOneTextAreIndependent) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(InsertItem(*db, absl::StrCat("item", i), i).ok());
  ASSERT_TRUE(
      db->Run([&]() -> absl::Status {
          for (int round = 0; round < 3; ++round) {
            ASSIGN_OR_RETURN(Statement outer, db->Prepare("SELECT n FROM items ORDER BY n"));
            ASSIGN_OR_RETURN(Statement inner, db->Prepare("SELECT n FROM items ORDER BY n"));
            ASSIGN_OR_RETURN(bool outer_row, outer.Step());
            ASSIGN_OR_RETURN(bool inner_row, inner.Step());
            ASSIGN_OR_RETURN(inner_row, inner.Step());
            EXPECT_TRUE(outer_row && inner_row);
            EXPECT_EQ(outer.ColumnInt(0), 0);
            EXPECT_EQ(inner.ColumnInt(0), 1);
          }
          return absl::OkStatus();
        }).ok());
}

TEST(DatabaseTest, ManyDistinctStatementsStayCorrectPastTheCache) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  // More distinct texts than the cache keeps: the extra ones are finalized, results unchanged.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 300; ++i) {
      absl::StatusOr<int64_t> value = QueryInt(*db, absl::StrCat("SELECT ", i));
      ASSERT_TRUE(value.ok()) << value.status();
      EXPECT_EQ(*value, i);
    }
  }
}

TEST(DatabaseTest, BindErrorIsReportedByRun) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  absl::Status status = db->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement stmt, db->Prepare("INSERT INTO items(name) VALUES (?)"));
    return stmt.Bind(7, int64_t{1}).Bind(1, std::string_view("x")).Run();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("bind 7"), std::string::npos) << status;
  EXPECT_EQ(CountItems(*db), 0);
}

TEST(DatabaseTest, MapsConstraintErrorsWithoutEchoingValues) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  ASSERT_TRUE(db->Run([&] { return InsertItem(*db, "secret-name-110105", 1); }).ok());
  absl::Status dup = db->Run([&] { return InsertItem(*db, "secret-name-110105", 2); });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  EXPECT_EQ(dup.message().find("secret-name"), std::string::npos) << dup;
  EXPECT_NE(dup.message().find("step"), std::string::npos) << dup;

  absl::Status fk = db->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement stmt, db->Prepare("INSERT INTO tags(item_id, tag) VALUES (?, ?)"));
    return stmt.Bind(1, int64_t{999}).Bind(2, std::string_view("t")).Run();
  });
  EXPECT_EQ(fk.code(), absl::StatusCode::kFailedPrecondition) << fk;

  absl::Status not_null = db->Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement stmt, db->Prepare("INSERT INTO items(name) VALUES (?)"));
    return stmt.BindNull(1).Run();
  });
  EXPECT_EQ(not_null.code(), absl::StatusCode::kFailedPrecondition) << not_null;
}

TEST(DatabaseTest, BadSqlIsInternal) {
  std::unique_ptr<Database> db = OpenOrDie(":memory:");
  absl::Status status = db->Run([&]() -> absl::Status { return db->Prepare("SELEC 1").status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("prepare"), std::string::npos);
  EXPECT_EQ(db->Exec("DROP TABLE nope").code(), absl::StatusCode::kInternal);
}

TEST(DatabaseTest, WriterBlockedByAnotherConnectionIsUnavailable) {
  TempDir dir;
  const std::string path = dir.path() + "/busy.db";
  std::unique_ptr<Database> a = OpenOrDie(path);
  std::unique_ptr<Database> b = OpenOrDie(path);
  ASSERT_TRUE(a->Migrate(Schema()).ok());
  // Shorten b's wait so the test does not sit out the 5 s default.
  ASSERT_TRUE(b->Exec("PRAGMA busy_timeout = 50").ok());
  absl::Status inner;
  ASSERT_TRUE(a->InTransaction([&]() -> absl::Status {
                 RETURN_IF_ERROR(InsertItem(*a, "held", 1));
                 inner = b->InTransaction([&] { return InsertItem(*b, "blocked", 2); });
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kUnavailable) << inner;
  EXPECT_EQ(CountItems(*b), 1);
}

TEST(DatabaseTest, ConcurrentThreadsInsertThroughTransactions) {
  TempDir dir;
  std::unique_ptr<Database> db = OpenOrDie(dir.path() + "/c.db");
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = db->InTransaction([&]() -> absl::Status {
          // Read-modify-write: only correct if transactions are serialized.
          ASSIGN_OR_RETURN(Statement max, db->Prepare("SELECT COALESCE(MAX(n), 0) FROM items"));
          ASSIGN_OR_RETURN(bool row, max.Step());
          if (!row) return absl::InternalError("no row");
          const int64_t next = max.ColumnInt(0) + 1;
          return InsertItem(*db, absl::StrCat("t", t, "-", i), next);
        });
        if (!s.ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountItems(*db), kThreads * kPerThread);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(DISTINCT n) FROM items").value(), kThreads * kPerThread);
}

TEST(DatabaseTest, TwoConnectionsToOneFileBothCommit) {
  TempDir dir;
  const std::string path = dir.path() + "/two.db";
  std::unique_ptr<Database> a = OpenOrDie(path);
  std::unique_ptr<Database> b = OpenOrDie(path);
  ASSERT_TRUE(a->Migrate(Schema()).ok());
  ASSERT_TRUE(b->Migrate(Schema()).ok());
  std::atomic<int> failures{0};
  auto writer = [&](Database* db, const char* prefix) {
    for (int i = 0; i < 30; ++i) {
      if (!db->InTransaction([&] { return InsertItem(*db, absl::StrCat(prefix, i), i); }).ok()) {
        failures.fetch_add(1);
      }
    }
  };
  std::thread ta(writer, a.get(), "a");
  std::thread tb(writer, b.get(), "b");
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountItems(*a), 60);
}

TEST(DatabaseTest, RowHelpersBindInOrderAndReadEveryRow) {
  auto db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  RETURN_IF_ERROR(db->Execute("INSERT INTO items(name, n) VALUES (?, ?)", "a", 1));
                  RETURN_IF_ERROR(db->Execute("INSERT INTO items(name, n) VALUES (?, ?)",
                                              std::string("b"), int64_t{2}));
                  RETURN_IF_ERROR(
                      db->Execute("INSERT INTO items(name, n) VALUES (?, ?)", "c", nullptr));
                  return db->Execute("INSERT INTO items(name, n) VALUES (?, ?)", "d",
                                     std::optional<int64_t>());
                }).ok());
  ASSERT_TRUE(
      db->Run([&]() -> absl::Status {
          ASSIGN_OR_RETURN(std::vector<std::string> names,
                           db->Query(
                               "SELECT name FROM items WHERE n IS NULL OR n > ? "
                               "ORDER BY name",
                               [](const Statement& row) { return row.ColumnText(0); }, 1));
          EXPECT_EQ(names, (std::vector<std::string>{"b", "c", "d"}));
          int64_t sum = 0;
          RETURN_IF_ERROR(db->ForEachRow("SELECT n FROM items",
                                         [&](const Statement& row) { sum += row.ColumnInt(0); }));
          EXPECT_EQ(sum, 3);
          ASSIGN_OR_RETURN(std::optional<int64_t> n,
                           db->QueryOne(
                               "SELECT n FROM items WHERE name = ?",
                               [](const Statement& row) { return row.ColumnInt(0); }, "b"));
          EXPECT_EQ(n, std::optional<int64_t>(2));
          ASSIGN_OR_RETURN(std::optional<int64_t> none,
                           db->QueryOne(
                               "SELECT n FROM items WHERE name = ?",
                               [](const Statement& row) { return row.ColumnInt(0); }, "zz"));
          EXPECT_FALSE(none.has_value());
          return absl::OkStatus();
        }).ok());
}

TEST(DatabaseTest, RowHelpersStopAtTheCallbacksFirstError) {
  auto db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  int calls = 0;
  absl::Status status = db->Run([&]() -> absl::Status {
    for (const char* name : {"a", "b", "c"}) {
      RETURN_IF_ERROR(db->Execute("INSERT INTO items(name) VALUES (?)", name));
    }
    RETURN_IF_ERROR(db->ForEachRow("SELECT name FROM items", [&](const Statement&) {
      ++calls;
      return absl::DataLossError("bad row");
    }));
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 1);
  absl::StatusOr<std::vector<int64_t>> read = absl::InternalError("unset");
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  read = db->Query("SELECT n FROM items",
                                   [](const Statement&) -> absl::StatusOr<int64_t> {
                                     return absl::InvalidArgumentError("unreadable");
                                   });
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DatabaseTest, CompiledSqlListsEveryPreparedText) {
  auto db = OpenOrDie(":memory:");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(Schema()).ok());
  ASSERT_TRUE(db->Run([&]() -> absl::Status {
                  RETURN_IF_ERROR(db->Execute("INSERT INTO items(name) VALUES (?)", "a"));
                  RETURN_IF_ERROR(db->Execute("INSERT INTO items(name) VALUES (?)", "b"));
                  return db->Execute("DELETE FROM items WHERE name = ?", "a");
                }).ok());
  std::vector<std::string> sql = db->CompiledSql();
  EXPECT_NE(std::find(sql.begin(), sql.end(), "INSERT INTO items(name) VALUES (?)"), sql.end());
  EXPECT_NE(std::find(sql.begin(), sql.end(), "DELETE FROM items WHERE name = ?"), sql.end());
}

}  // namespace
}  // namespace lifeline::common
