// One libpq connection, its prepared statements, and the values that go in
// and out of them: the PostgreSQL counterpart of sqlite/connection.h.
//
// Statements are prepared once per connection (on first use) and run with
// text parameters, except bytes, which go in binary. Results come back as
// text and are read with the typed getters of Rows. Several statements can
// go in one round trip (libpq's pipeline mode): see Connection::Run.
#ifndef CLINIC_SERVICES_STORAGE_POSTGRES_CONNECTION_H_
#define CLINIC_SERVICES_STORAGE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clinic::storage::postgres {

// SQLSTATEs the store acts on.
inline constexpr char kSerializationFailure[] = "40001";
inline constexpr char kDeadlockDetected[] = "40P01";
inline constexpr char kExclusionViolation[] = "23P01";
inline constexpr char kUniqueViolation[] = "23505";
inline constexpr char kForeignKeyViolation[] = "23503";
inline constexpr char kQueryCanceled[] = "57014";  // statement_timeout

// Bytes that go in as a binary parameter (BYTEA).
struct Bytes {
  absl::string_view bytes;
};

// The parameters of one statement, in order. Add() returns the placeholder
// ("$3") to write into SQL built from fixed fragments.
class Params {
 public:
  template <typename... Args>
  explicit Params(const Args&... args) {
    (Add(args), ...);
  }

  std::string Add(int64_t v) { return Push(absl::StrCat(v)); }
  std::string Add(int v) { return Add(static_cast<int64_t>(v)); }
  std::string Add(bool v) { return Push(v ? "t" : "f"); }
  std::string Add(absl::string_view v) { return Push(std::string(v)); }
  std::string Add(const std::string& v) { return Push(v); }
  std::string Add(const char* v) { return Push(v); }
  // Saturates at the int64 range, so InfinitePast/InfiniteFuture bound
  // correctly.
  std::string Add(absl::Time t) { return Add(absl::ToUnixMicros(t)); }
  std::string Add(absl::Duration d) {
    return Add(absl::ToInt64Microseconds(d));
  }
  std::string Add(Bytes b) { return Push(std::string(b.bytes), kBinary); }
  std::string Add(std::nullptr_t) { return Push(std::nullopt); }
  template <typename E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  std::string Add(E e) {
    return Add(static_cast<int64_t>(e));
  }
  template <typename T>
  std::string Add(const std::optional<T>& v) {
    return v.has_value() ? Add(*v) : Add(nullptr);
  }

  int size() const { return static_cast<int>(values_.size()); }
  // For PQexecPrepared; valid while this object lives unchanged.
  std::vector<const char*> values() const;
  std::vector<int> lengths() const;
  const std::vector<int>& formats() const { return formats_; }

 private:
  static constexpr int kText = 0;  // libpq's parameter formats
  static constexpr int kBinary = 1;
  std::string Push(std::optional<std::string> v, int format = kText);

  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

// One statement of a batch (Connection::Run).
struct Statement {
  std::string sql;
  Params params;
  // False for SQL with its values written in (BEGIN, SET, locks on given
  // ids): it runs unnamed rather than being kept prepared.
  bool prepare = true;
};

// The rows of a finished statement (owns the PGresult).
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}

  int size() const { return PQntuples(result_.get()); }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;

  bool IsNull(int row, int col) const {
    return PQgetisnull(result_.get(), row, col) != 0;
  }
  std::string GetText(int row, int col) const {
    return std::string(PQgetvalue(result_.get(), row, col),
                       PQgetlength(result_.get(), row, col));
  }
  int64_t GetInt(int row, int col) const;  // NULL reads as 0
  bool GetBool(int row, int col) const { return GetText(row, col) == "t"; }
  // A BYTEA in text form ("\x0a1b..."), decoded.
  std::string GetBytes(int row, int col) const;
  absl::Time GetTime(int row, int col) const {
    return absl::FromUnixMicros(GetInt(row, col));
  }
  std::optional<absl::Time> GetOptionalTime(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return GetTime(row, col);
  }
  absl::Duration GetDuration(int row, int col) const {
    return absl::Microseconds(GetInt(row, col));
  }

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// The SQLSTATE and constraint of a failed statement, when the server gave
// them: stores turn them into the contract's errors.
struct ServerError {
  std::string sqlstate;
  std::string constraint;
};

// The ServerError a status from Connection carries; empty when none.
ServerError ServerErrorOf(const absl::Status& status);

class Connection {
 public:
  // Connects to `uri` (any libpq connection string), waiting at most
  // `timeout`. UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& uri, absl::Duration timeout);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters, possibly several statements in one round
  // trip (BEGIN, settings, locks).
  absl::Status Exec(const std::string& sql);

  // Runs the statements of `batch` in order, sent together and answered
  // together: one round trip however many there are. The first that fails
  // fails the batch, and those after it do not run. Errors: UNAVAILABLE
  // when the connection is lost, DEADLINE_EXCEEDED when a statement timed
  // out, INTERNAL otherwise; each carries the server's SQLSTATE and
  // constraint (see ServerErrorOf).
  //
  // Every wait for the server ends kAnswerSlack after the call's deadline
  // (core::CallDeadline) whatever the server does: a server that stopped
  // answering (frozen, or cut off without a reset) fails the call
  // DEADLINE_EXCEEDED and the connection is dropped, rather than hold a
  // worker until TCP gives up. A live server cancels the statement itself
  // at the deadline (statement_timeout), which keeps the connection.
  absl::StatusOr<std::vector<Rows>> Run(const std::vector<Statement>& batch);

  // Runs one statement (prepared on this connection on first use).
  absl::StatusOr<Rows> Query(std::string sql, Params params = Params());

  // False once the connection is lost; the pool then drops it.
  bool healthy() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const {
    return PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }
  // A statement of the transaction failed: it can only roll back.
  bool transaction_failed() const {
    return PQtransactionStatus(conn_) == PQTRANS_INERROR;
  }

  static constexpr absl::Duration kAnswerSlack = absl::Seconds(1);

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  // The error of `result` (which may be null: the connection failed).
  absl::Status Error(const PGresult* result, absl::string_view context) const;
  absl::StatusOr<Rows> Check(PGresult* result, absl::string_view context);
  // A command sent in a batch: a statement, or the PREPARE of one.
  struct Command {
    const std::string* prepare = nullptr;  // the SQL prepared, if a PREPARE
  };
  // Queues `s` in the pipeline (after its PREPARE if it has none yet),
  // adding to `sent`; false when libpq could not.
  bool Send(const Statement& s, std::vector<Command>& sent);
  // PQgetResult, waiting at most until the call's deadline + kAnswerSlack;
  // null (and the connection broken) when that passes.
  PGresult* NextResult();

  PGconn* const conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> name
  int64_t statements_ = 0;                                 // names given so far
  bool broken_ = false;
  bool timed_out_ = false;  // the server did not answer in time
};

}  // namespace clinic::storage::postgres

#endif  // CLINIC_SERVICES_STORAGE_POSTGRES_CONNECTION_H_
