// The Store shared by clinicd replicas: a PostgreSQL database over libpq.
//
// A write is one READ COMMITTED transaction that first locks what it
// declared (Touches): the rows of the athletes and therapists it books
// against (SELECT ... FOR NO KEY UPDATE, athletes before therapists, by id)
// or the users table. Writes about one athlete or one therapist therefore
// run one after the other on every replica, and each statement after the
// locks sees everything committed before them: the rules judge a stable
// calendar. Exclusion constraints forbid overlapping confirmed sessions
// whatever path writes. A serialization failure or deadlock re-runs the
// write (Store::kMaxWriteAttempts, jittered backoff).
//
// Reads run in REPEATABLE READ READ ONLY transactions: one snapshot.
//
// Connections come from a pool of at most `pool_size`; a lost one is
// replaced on next use, so clinicd survives a database restart. While the
// database is down, calls fail fast with UNAVAILABLE. Every statement is
// bounded by the calling thread's core::CallDeadline (statement_timeout).
#ifndef CLINIC_SERVICES_STORAGE_POSTGRES_POSTGRES_STORE_H_
#define CLINIC_SERVICES_STORAGE_POSTGRES_POSTGRES_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/storage/store.h"

namespace clinic::storage {

namespace postgres {
class Connection;
struct Statement;
}  // namespace postgres

class PostgresStore final : public Store {
 public:
  struct Options {
    int pool_size = 8;
    // How long connecting may take (libpq counts whole seconds, at least 2).
    absl::Duration connect_timeout = absl::Seconds(2);
  };

  // Connects to `uri` (a libpq URI such as postgresql://user@host:5432/db)
  // and brings the schema up to date. UNAVAILABLE when the server cannot be
  // reached, FAILED_PRECONDITION for a schema newer than this binary.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      const std::string& uri, Options options);

  // No Write or Read may be in flight.
  ~PostgresStore() override;

  absl::Status Write(const Touches& touches,
                     absl::FunctionRef<absl::Status(Transaction&)> fn) override;
  absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) override;
  const std::string& id() const override { return id_; }

  // The pool's connections now, for metrics.
  struct PoolUse {
    int open = 0;
    int in_use = 0;
    int max = 0;
  };
  PoolUse pool_use() const;

 private:
  PostgresStore(std::string uri, Options options, std::string id,
                std::unique_ptr<postgres::Connection> first);

  // Runs `fn` in a transaction begun with `begin` (BEGIN, settings and
  // locks, sent with its first statement); commits when it succeeds. A
  // connection the server dropped (a pooled one after a database restart)
  // is replaced and `fn` runs again: nothing it did was committed.
  template <typename Fn>
  absl::Status Run(const std::vector<postgres::Statement>& begin, Fn fn);

  absl::StatusOr<std::unique_ptr<postgres::Connection>> Acquire();
  void Release(std::unique_ptr<postgres::Connection> conn);
  bool Available() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string uri_;
  const Options options_;
  const std::string id_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<postgres::Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + in use
};

}  // namespace clinic::storage

#endif  // CLINIC_SERVICES_STORAGE_POSTGRES_POSTGRES_STORE_H_
