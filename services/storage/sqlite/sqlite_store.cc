#include "services/storage/sqlite/sqlite_store.h"

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/core/deadline.h"
#include "services/core/status_macros.h"
#include "services/storage/sqlite/connection.h"
#include "services/storage/sqlite/schema.h"
#include "services/storage/sqlite/transaction.h"
#include "services/storage/store.h"

namespace clinic::storage {

using sqlite::Annotate;
using sqlite::Migrate;
using sqlite::SqliteConnection;
using sqlite::SqliteTransaction;
using sqlite::Stmt;

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("database path is empty");
  }
  if (path == ":memory:") {
    return absl::InvalidArgumentError(
        "database path \":memory:\" is not a file; readers and the writer "
        "must share one database file");
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open database ", path, ": directory ",
                     parent.string(), " does not exist"));
  }
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer =
      SqliteConnection::Open(path, /*create=*/true, /*query_only=*/false);
  if (!writer.ok()) return writer.status();
  SqliteConnection& c = **writer;
  {
    // Persistent in the file; a no-op when it is already in WAL mode.
    Stmt st = c.Prepare("PRAGMA journal_mode = WAL");
    if (!st.Next() || st.GetText(0) != "wal") {
      return absl::UnavailableError(
          absl::StrCat("cannot switch database ", path, " to WAL mode",
                       st.status().ok() ? "" : ": ", st.status().message()));
    }
  }
  CLINIC_RETURN_IF_ERROR(
      Annotate(Migrate(c), absl::StrCat("cannot migrate database ", path)));
  std::string id;
  {
    Stmt st = c.Prepare("SELECT id FROM store_identity");
    if (!st.Next()) {
      return absl::InternalError(
          absl::StrCat("database ", path,
                       " has no store identity: ", st.status().message()));
    }
    id = st.GetText(0);
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(path, std::move(id), std::move(*writer)));
}

SqliteStore::SqliteStore(std::string path, std::string id,
                         std::unique_ptr<SqliteConnection> writer)
    : path_(std::move(path)), id_(std::move(id)), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

absl::Status SqliteStore::Write(
    const Touches& /*touches*/,
    absl::FunctionRef<absl::Status(Transaction&)> fn) {
  // Writers queue here; a call gives up when its deadline passes first.
  const absl::Time deadline = core::CallDeadline::Current();
  if (!write_mu_.LockWhenWithDeadline(
          absl::Condition(
              +[](bool* busy) { return !*busy; }, &writer_busy_),
          deadline)) {
    write_mu_.Unlock();
    return absl::DeadlineExceededError(
        "the call's deadline passed waiting for the store's writer");
  }
  writer_busy_ = true;
  write_mu_.Unlock();
  absl::Cleanup done = [this] {
    absl::MutexLock lock(&write_mu_);
    writer_busy_ = false;
  };
  SqliteConnection& c = *writer_;
  // Left over only if a previous ROLLBACK failed.
  if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  // Takes the file's write lock now (waiting up to kBusyTimeoutMs for
  // other processes), so everything fn reads stays true until COMMIT.
  CLINIC_RETURN_IF_ERROR(
      Annotate(c.Run("BEGIN IMMEDIATE"),
               absl::StrCat("cannot start a write transaction on ", path_)));
  SqliteTransaction tx(c);
  absl::Status status = fn(tx);
  if (status.ok()) status = c.Run("COMMIT");
  if (!status.ok() && c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteStore::Read(absl::FunctionRef<absl::Status(Reader&)> fn) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> conn = AcquireReader();
  if (!conn.ok()) return conn.status();
  SqliteConnection& c = **conn;
  absl::Status status = c.Run("BEGIN");
  if (status.ok()) {
    SqliteTransaction tx(c);
    status = fn(tx);
    absl::Status end = c.Run("COMMIT");
    if (status.ok()) status = end;
    if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  }
  ReleaseReader(std::move(*conn));
  return status;
}

bool SqliteStore::ReaderAvailable() const {
  return !idle_readers_.empty() || open_readers_ < kMaxReaders;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteStore::AcquireReader() {
  if (!pool_mu_.LockWhenWithDeadline(
          absl::Condition(this, &SqliteStore::ReaderAvailable),
          core::CallDeadline::Current())) {
    pool_mu_.Unlock();
    return absl::DeadlineExceededError(
        "the call's deadline passed waiting for a store reader");
  }
  if (!idle_readers_.empty()) {
    std::unique_ptr<SqliteConnection> conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    pool_mu_.Unlock();
    return conn;
  }
  ++open_readers_;
  pool_mu_.Unlock();
  // Opened outside the lock: it touches the disk.
  absl::StatusOr<std::unique_ptr<SqliteConnection>> conn =
      SqliteConnection::Open(path_, /*create=*/false, /*query_only=*/true);
  if (!conn.ok()) {
    absl::MutexLock lock(&pool_mu_);
    --open_readers_;
  }
  return conn;
}

void SqliteStore::ReleaseReader(std::unique_ptr<SqliteConnection> conn) {
  absl::MutexLock lock(&pool_mu_);
  if (conn->in_transaction()) {  // unusable; closed when `conn` goes
    --open_readers_;
    return;
  }
  idle_readers_.push_back(std::move(conn));
}

}  // namespace clinic::storage
