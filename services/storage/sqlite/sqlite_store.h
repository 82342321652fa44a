// The embedded Store: one SQLite database file in WAL mode.
//
// Writes go through one writer connection, one at a time, so every write
// sees everything stable: declared Touches cost nothing and `fn` never runs
// twice. SQLite's RESERVED lock serialises them against other processes (or
// other SqliteStore instances) on the same file. Commits are fsynced
// (synchronous=FULL), so a Write that returned OK survives a crash.
//
// Group commit: writes that arrive while another is committing wait, and
// the next of them to run takes all that are waiting (up to kMaxGroup) into
// one `BEGIN IMMEDIATE` transaction, each in a SAVEPOINT of its own, run one
// after the other, and one COMMIT, one fsync, for all. A write that fails
// is rolled back to its savepoint and changes nothing; the others commit.
// Every Write returns only once its group's COMMIT is durable, so what
// callers see is as if each had its own transaction, in the group's order.
//
// Reads run on a small pool of separate connections, each inside its own
// snapshot transaction, and never wait for the writer.
#ifndef CLINIC_SERVICES_STORAGE_SQLITE_SQLITE_STORE_H_
#define CLINIC_SERVICES_STORAGE_SQLITE_SQLITE_STORE_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/storage/store.h"

namespace clinic::storage {

namespace sqlite {
class SqliteConnection;  // one sqlite3 handle and its statement cache
}  // namespace sqlite

class SqliteStore final : public Store {
 public:
  // How long a writer (or a reader during WAL recovery) waits for a lock
  // held by another connection before giving up with UNAVAILABLE.
  static constexpr int kBusyTimeoutMs = 5000;
  // At most this many reader connections exist; further readers wait.
  static constexpr int kMaxReaders = 8;
  // At most this many writes share one transaction and its fsync.
  static constexpr int kMaxGroup = 64;

  // Opens the database at `path`, creating the file if needed, and brings
  // its schema up to date. Errors: INVALID_ARGUMENT for an empty path,
  // ":memory:", or a path whose directory does not exist; FAILED_PRECONDITION
  // for a schema newer than this binary; UNAVAILABLE when the file cannot be
  // opened or stays locked. Every message names the path.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path);

  // No Write or Read may be in flight.
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // See Store. Returns UNAVAILABLE when another process holds the write lock
  // for longer than kBusyTimeoutMs, and DEADLINE_EXCEEDED when the calling
  // thread's core::CallDeadline passes while waiting for another Write (or
  // for a reader connection).
  absl::Status Write(const Touches& touches,
                     absl::FunctionRef<absl::Status(Transaction&)> fn) override;
  absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) override;
  const std::string& id() const override { return id_; }

 private:
  SqliteStore(std::string path, std::string id,
              std::unique_ptr<sqlite::SqliteConnection> writer);

  // Hands out an idle reader, opens a new one while fewer than kMaxReaders
  // exist, or waits for one to come back.
  absl::StatusOr<std::unique_ptr<sqlite::SqliteConnection>> AcquireReader();
  // Returns `conn` to the pool, or closes it when it is unusable.
  void ReleaseReader(std::unique_ptr<sqlite::SqliteConnection> conn);

  // A Write waiting for its group's commit; lives on its caller's stack.
  struct PendingWrite;
  // Runs `group` in one transaction on the writer (the caller leads it;
  // no lock held) and sets each one's status.
  void CommitGroup(const std::vector<PendingWrite*>& group);
  bool ReaderAvailable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool_mu_);

  const std::string path_;
  const std::string id_;

  // Writes waiting to be taken into a group, and whether a group is being
  // committed now (by one of the writers' threads).
  absl::Mutex write_mu_;
  absl::CondVar group_done_;
  std::deque<PendingWrite*> waiting_ ABSL_GUARDED_BY(write_mu_);
  bool committing_ ABSL_GUARDED_BY(write_mu_) = false;
  const std::unique_ptr<sqlite::SqliteConnection> writer_;

  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<sqlite::SqliteConnection>> idle_readers_
      ABSL_GUARDED_BY(pool_mu_);
  int open_readers_ ABSL_GUARDED_BY(pool_mu_) = 0;  // idle + in use
};

}  // namespace clinic::storage

#endif  // CLINIC_SERVICES_STORAGE_SQLITE_SQLITE_STORE_H_
