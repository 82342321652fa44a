// One SQLite database handle and the statements that run on it: a
// SqliteConnection opens the file with the store's pragmas and caches its
// prepared statements; a Stmt borrows one of them for one execution. Part of
// the SQLite store (sqlite_store.h), which gives each connection to one
// thread at a time.
#ifndef CLINIC_SERVICES_STORAGE_SQLITE_CONNECTION_H_
#define CLINIC_SERVICES_STORAGE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clinic::storage::sqlite {

// An error of SQLite's, with `message` and, in parentheses, `context` (the
// SQL or the step that failed). BUSY/LOCKED (another connection holds the
// lock) is worth retrying: UNAVAILABLE; anything else is INTERNAL.
absl::Status SqliteError(int rc, absl::string_view message,
                         absl::string_view context);

// `s` with "`prefix`: " before its message; OK stays OK.
absl::Status Annotate(const absl::Status& s, absl::string_view prefix);

// Bytes bound as a BLOB, which compares bytewise (TEXT never equals a BLOB).
struct Blob {
  absl::string_view bytes;
};

// A cached prepared statement borrowed for one execution: Bind() the
// parameters in order, then Next() through the rows or Run() it. The
// destructor resets the statement for its next user. An error from
// preparing or binding surfaces from Next()/Run()/status(). Not reentrant:
// one SQL text has one live Stmt per connection at a time.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt, absl::Status status)
      : db_(db), stmt_(stmt), status_(std::move(status)) {}
  Stmt(Stmt&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        status_(std::move(other.status_)),
        index_(other.index_),
        rc_(other.rc_),
        done_(other.done_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    (BindOne(args), ...);
    return *this;
  }

  // Steps once; true when a row is available, false at the end or on error.
  bool Next() {
    if (!status_.ok() || done_) return false;
    rc_ = sqlite3_step(stmt_);
    if (rc_ == SQLITE_ROW) return true;
    done_ = true;
    if (rc_ != SQLITE_DONE) {
      status_ = SqliteError(rc_, sqlite3_errmsg(db_), sqlite3_sql(stmt_));
    }
    return false;
  }
  // Steps to the end, ignoring rows.
  absl::Status Run() {
    while (Next()) {
    }
    return status_;
  }
  const absl::Status& status() const { return status_; }
  // Extended result code of the last step (0 before the first).
  int rc() const { return rc_; }

  int64_t GetInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  std::string GetText(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    if (p == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(p),
                       sqlite3_column_bytes(stmt_, col));
  }
  std::string GetBlob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    if (p == nullptr) return "";
    return std::string(static_cast<const char*>(p),
                       sqlite3_column_bytes(stmt_, col));
  }
  absl::Time GetTime(int col) const {
    return absl::FromUnixMicros(GetInt(col));
  }
  std::optional<absl::Time> GetOptionalTime(int col) const {
    if (IsNull(col)) return std::nullopt;
    return GetTime(col);
  }
  absl::Duration GetDuration(int col) const {
    return absl::Microseconds(GetInt(col));
  }

 private:
  void BindOne(int64_t v) { Check(sqlite3_bind_int64(stmt_, ++index_, v)); }
  void BindOne(absl::string_view v) {
    // A null data pointer would bind SQL NULL; an empty text is "".
    Check(sqlite3_bind_text(stmt_, ++index_, v.empty() ? "" : v.data(),
                            static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  // Saturates at the int64 range, so InfinitePast/InfiniteFuture bound
  // correctly.
  void BindOne(absl::Time t) { BindOne(absl::ToUnixMicros(t)); }
  void BindOne(absl::Duration d) { BindOne(absl::ToInt64Microseconds(d)); }
  void BindOne(Blob v) {
    // As for text: a null data pointer would bind SQL NULL.
    Check(sqlite3_bind_blob(
        stmt_, ++index_, v.bytes.empty() ? "" : v.bytes.data(),
        static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT));
  }
  void BindOne(std::nullptr_t) { Check(sqlite3_bind_null(stmt_, ++index_)); }
  template <typename E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  void BindOne(E e) {
    BindOne(static_cast<int64_t>(e));
  }
  template <typename T>
  void BindOne(const std::optional<T>& v) {
    if (v.has_value()) {
      BindOne(*v);
    } else {
      BindOne(nullptr);
    }
  }

  void Check(int rc) {
    if (rc != SQLITE_OK && status_.ok()) {
      status_ = SqliteError(rc, sqlite3_errmsg(db_), "bind");
    }
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;  // owned by the connection's cache
  absl::Status status_;
  int index_ = 0;
  int rc_ = 0;
  bool done_ = false;
};

// One sqlite3 handle and its cache of prepared statements. Used by one
// thread at a time (the store hands it out exclusively).
class SqliteConnection {
 public:
  // Opens `path` (creating the file when `create`) and sets the
  // per-connection pragmas; `query_only` connections refuse writes.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, bool create, bool query_only);

  ~SqliteConnection();

  // Runs SQL that takes no parameters and is run once (schema, pragmas).
  absl::Status Exec(const char* sql);

  // Returns the cached statement for `sql`, preparing it on first use.
  Stmt Prepare(const std::string& sql);

  // Prepares (cached) and runs a statement without parameters.
  absl::Status Run(const std::string& sql) { return Prepare(sql).Run(); }

  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace clinic::storage::sqlite

#endif  // CLINIC_SERVICES_STORAGE_SQLITE_CONNECTION_H_
