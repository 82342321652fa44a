#include "services/storage/sqlite/sqlite_store.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

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

struct SqliteStore::PendingWrite {
  absl::FunctionRef<absl::Status(Transaction&)> fn;
  absl::Time deadline;  // the caller's core::CallDeadline
  absl::Status status;
  bool done = false;
};

absl::Status SqliteStore::Write(
    const Touches& /*touches*/,
    absl::FunctionRef<absl::Status(Transaction&)> fn) {
  PendingWrite me{fn, core::CallDeadline::Current()};
  absl::MutexLock lock(&write_mu_);
  waiting_.push_back(&me);
  while (!me.done) {
    if (!committing_) {
      // Lead the next group: everything waiting, this write among it.
      std::vector<PendingWrite*> group;
      while (!waiting_.empty() && group.size() < kMaxGroup) {
        group.push_back(waiting_.front());
        waiting_.pop_front();
      }
      committing_ = true;
      write_mu_.Unlock();
      CommitGroup(group);
      write_mu_.Lock();
      committing_ = false;
      for (PendingWrite* w : group) w->done = true;
      group_done_.SignalAll();
      continue;
    }
    if (group_done_.WaitWithDeadline(&write_mu_, me.deadline) && !me.done) {
      const auto it = std::find(waiting_.begin(), waiting_.end(), &me);
      if (it != waiting_.end()) {
        waiting_.erase(it);
        return absl::DeadlineExceededError(
            "the call's deadline passed waiting for the store's writer");
      }
      // Taken into a group already: its fate is that group's.
      while (!me.done) group_done_.Wait(&write_mu_);
    }
  }
  return me.status;
}

void SqliteStore::CommitGroup(const std::vector<PendingWrite*>& group) {
  SqliteConnection& c = *writer_;
  // Left over only if a previous ROLLBACK failed.
  if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  // Savepoints cost statements; a write alone needs none.
  const bool savepoints = group.size() > 1;
  size_t first = 0;  // of the writes in the current transaction
  absl::Status status;
  // Writes [from, to) that had succeeded get `error`: nothing of theirs
  // was committed. Those that failed keep their own error.
  auto fail = [&](size_t from, size_t to, const absl::Status& error) {
    for (size_t i = from; i < to; ++i) {
      if (group[i]->status.ok()) group[i]->status = error;
    }
  };
  while (first < group.size()) {
    // Takes the file's write lock now (waiting up to kBusyTimeoutMs for
    // other processes), so everything each write reads stays true until
    // COMMIT.
    status =
        Annotate(c.Run("BEGIN IMMEDIATE"),
                 absl::StrCat("cannot start a write transaction on ", path_));
    if (!status.ok()) {
      fail(first, group.size(), status);
      return;
    }
    size_t next = first;
    for (; next < group.size(); ++next) {
      PendingWrite& w = *group[next];
      if (w.deadline <= absl::Now()) {
        w.status = absl::DeadlineExceededError(
            "the call's deadline passed waiting for the store's writer");
        continue;
      }
      if (savepoints) {
        status = c.Run("SAVEPOINT w");
        if (!status.ok()) break;
      }
      {
        core::CallDeadline::Scope scope(w.deadline);
        SqliteTransaction tx(c);
        w.status = w.fn(tx);
      }
      if (!c.in_transaction()) {
        // SQLite rolled the whole transaction back (a full disk, an I/O
        // error): the writes before this one are undone too. The rest run
        // in a new one.
        fail(first, next + 1,
             w.status.ok()
                 ? absl::UnavailableError("the write was rolled back; retry")
                 : w.status);
        first = next + 1;
        break;
      }
      if (!savepoints) {
        // A write alone: it commits or it rolls back.
        if (!w.status.ok()) {
          c.Run("ROLLBACK").IgnoreError();
          return;
        }
        continue;
      }
      if (!w.status.ok()) status = c.Run("ROLLBACK TO w");
      if (status.ok()) status = c.Run("RELEASE w");
      if (!status.ok()) break;
    }
    if (first > next) continue;  // rolled back by SQLite; go on after it
    if (status.ok()) status = c.Run("COMMIT");
    if (!status.ok()) {
      if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
      fail(first, group.size(), status);  // nothing of it was committed
    }
    return;
  }
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
