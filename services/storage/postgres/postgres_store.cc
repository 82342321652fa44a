#include "services/storage/postgres/postgres_store.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/deadline.h"
#include "services/core/status_macros.h"
#include "services/storage/postgres/connection.h"
#include "services/storage/postgres/schema.h"
#include "services/storage/postgres/transaction.h"

namespace clinic::storage {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::PgTransaction;
using postgres::Statement;

// BEGIN `mode`, then the setting that ends the transaction's statements by
// the call's deadline (when it has one). DEADLINE_EXCEEDED when that has
// passed.
absl::StatusOr<std::vector<Statement>> Begin(const std::string& mode) {
  std::vector<Statement> begin;
  begin.push_back({absl::StrCat("BEGIN", mode), Params(), /*prepare=*/false});
  const absl::Time deadline = core::CallDeadline::Current();
  if (deadline == absl::InfiniteFuture()) return begin;
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  if (ms <= 0) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before the database was reached");
  }
  begin.push_back({"SELECT set_config('statement_timeout', $1, true)",
                   Params(absl::StrCat(ms))});
  return begin;
}

// Appends to `begin` the locks of what `t` declares, in one order on every
// replica (athletes, then therapists, then tables), so that writes wait for
// each other rather than deadlock. The SQL depends only on which kinds of
// rows are named, so each shape is prepared once.
void AddLocks(const Touches& t, std::vector<Statement>& begin) {
  Statement athletes{"", Params()};
  Statement therapists{"", Params()};
  const auto name = [](Statement& s, const std::string& id) {
    absl::StrAppend(&s.sql, s.sql.empty() ? "" : ", ", id);
  };
  if (t.athlete != 0) name(athletes, athletes.params.Add(t.athlete));
  if (t.therapist != 0) name(therapists, therapists.params.Add(t.therapist));
  if (t.booking != 0) {
    name(athletes, absl::StrCat("(SELECT athlete_id FROM bookings WHERE id = ",
                                athletes.params.Add(t.booking), ")"));
    name(therapists,
         absl::StrCat("(SELECT therapist_id FROM bookings WHERE id = ",
                      therapists.params.Add(t.booking), ")"));
  }
  if (t.event != 0) {
    name(athletes, absl::StrCat("(SELECT athlete_id FROM events WHERE id = ",
                                athletes.params.Add(t.event), ")"));
  }
  if (t.injury != 0) {
    name(athletes, absl::StrCat("(SELECT athlete_id FROM injuries WHERE id = ",
                                athletes.params.Add(t.injury), ")"));
  }
  for (auto [table, rows] : {std::pair("athletes", &athletes),
                             std::pair("therapists", &therapists)}) {
    if (rows->sql.empty()) continue;
    rows->sql = absl::StrCat("SELECT 1 FROM ", table, " WHERE id IN (",
                             rows->sql, ") ORDER BY id FOR NO KEY UPDATE");
    begin.push_back(std::move(*rows));
  }
  const auto lock = [&](const char* sql) {
    begin.push_back({sql, Params(), /*prepare=*/false});
  };
  if (t.users) lock("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
  if (t.settings) lock("LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE");
}

// A race the transaction could not have seen: running it again decides on
// the winner's data.
bool LostRace(const absl::Status& status) {
  const std::string& state = postgres::ServerErrorOf(status).sqlstate;
  return state == postgres::kSerializationFailure ||
         state == postgres::kDeadlockDetected;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const std::string& uri, Options options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("the connection pool needs a size >= 1");
  }
  CLINIC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c,
                          Connection::Open(uri, options.connect_timeout));
  absl::Status migrated = postgres::Migrate(*c);
  if (!migrated.ok()) {
    return absl::Status(migrated.code(),
                        absl::StrCat("cannot migrate the PostgreSQL database: ",
                                     migrated.message()));
  }
  CLINIC_ASSIGN_OR_RETURN(postgres::Rows rows,
                          c->Query("SELECT id FROM store_identity"));
  if (rows.size() != 1) {
    return absl::InternalError("the PostgreSQL database has no store_id");
  }
  std::string id = rows.GetText(0, 0);
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(uri, options, std::move(id), std::move(c)));
}

PostgresStore::PostgresStore(std::string uri, Options options, std::string id,
                             std::unique_ptr<Connection> first)
    : uri_(std::move(uri)), options_(options), id_(std::move(id)) {
  idle_.push_back(std::move(first));
  open_ = 1;
}

PostgresStore::~PostgresStore() = default;

PostgresStore::PoolUse PostgresStore::pool_use() const {
  absl::MutexLock lock(&mu_);
  return {open_, open_ - static_cast<int>(idle_.size()), options_.pool_size};
}

bool PostgresStore::Available() const {
  return !idle_.empty() || open_ < options_.pool_size;
}

absl::StatusOr<std::unique_ptr<Connection>> PostgresStore::Acquire() {
  if (!mu_.LockWhenWithDeadline(
          absl::Condition(this, &PostgresStore::Available),
          core::CallDeadline::Current())) {
    mu_.Unlock();
    return absl::DeadlineExceededError(
        "the call's deadline passed waiting for a database connection");
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    mu_.Unlock();
    return conn;
  }
  ++open_;
  mu_.Unlock();
  // Connected outside the lock: it waits for the network.
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(uri_, options_.connect_timeout);
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return conn;
}

void PostgresStore::Release(std::unique_ptr<Connection> conn) {
  if (conn->healthy() && conn->in_transaction()) {
    conn->Exec("ROLLBACK").IgnoreError();
  }
  absl::MutexLock lock(&mu_);
  if (!conn->healthy() || conn->in_transaction()) {  // closed as it goes
    --open_;
    return;
  }
  idle_.push_back(std::move(conn));
}

template <typename Fn>
absl::Status PostgresStore::Run(const std::vector<Statement>& begin, Fn fn) {
  // Every pooled connection may have been cut by a database restart; one
  // more attempt than the pool holds reaches a fresh one.
  absl::Status status;
  for (int attempt = 0; attempt <= options_.pool_size; ++attempt) {
    CLINIC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
    PgTransaction tx(*conn, begin);
    status = fn(tx);
    const bool lost = !conn->healthy();
    if (status.ok() && conn->transaction_failed()) {
      // PostgreSQL would answer COMMIT with a silent ROLLBACK.
      status = absl::InternalError(
          "a statement of the transaction failed, but the write went on");
    }
    if (status.ok() && tx.begun()) status = conn->Exec("COMMIT");
    Release(std::move(conn));  // rolls back what did not commit
    if (!lost) return status;
  }
  return status;
}

absl::Status PostgresStore::Write(
    const Touches& touches, absl::FunctionRef<absl::Status(Transaction&)> fn) {
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxWriteAttempts; ++attempt) {
    CLINIC_ASSIGN_OR_RETURN(std::vector<Statement> begin, Begin(""));
    AddLocks(touches, begin);
    status = Run(begin, [&](PgTransaction& tx) { return fn(tx); });
    if (!LostRace(status)) return status;
    // Jittered exponential backoff, so the losers do not collide again.
    thread_local absl::BitGen gen;
    absl::SleepFor(absl::Microseconds(
        absl::Uniform<int64_t>(gen, 0, int64_t{500} << attempt)));
  }
  return absl::AbortedError(absl::StrCat(
      "the write lost ", kMaxWriteAttempts,
      " races with concurrent writes; try again (", status.message(), ")"));
}

absl::Status PostgresStore::Read(absl::FunctionRef<absl::Status(Reader&)> fn) {
  CLINIC_ASSIGN_OR_RETURN(std::vector<Statement> begin,
                          Begin(" ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  return Run(begin, [&](PgTransaction& tx) { return fn(tx); });
}

}  // namespace clinic::storage
