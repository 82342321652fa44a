#include "services/storage/sqlite/connection.h"

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/core/error_reason.h"
#include "services/core/status_macros.h"
#include "services/storage/sqlite/sqlite_store.h"

namespace clinic::storage::sqlite {

absl::Status SqliteError(int rc, absl::string_view message,
                         absl::string_view context) {
  std::string text = absl::StrCat("sqlite: ", message, " (", context, ")");
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return absl::UnavailableError(text);
  }
  if (primary == SQLITE_FULL) {
    // The caller's to see: no path, no SQL.
    return core::WithReason(
        absl::ResourceExhaustedError(
            "the store's disk is full: nothing was written; retry once space "
            "is freed"),
        {"STORE_FULL", {}});
  }
  return absl::InternalError(text);
}

absl::Status Annotate(const absl::Status& s, absl::string_view prefix) {
  // A full disk's status is shown to callers as it is.
  if (s.ok() || s.code() == absl::StatusCode::kResourceExhausted) return s;
  return absl::Status(s.code(), absl::StrCat(prefix, ": ", s.message()));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, bool create, bool query_only) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // The handle is allocated even when opening fails; the connection
  // closes it either way.
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot open database ", path, ": ",
                     db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, SqliteStore::kBusyTimeoutMs);
  CLINIC_RETURN_IF_ERROR(
      Annotate(conn->Exec(query_only ? "PRAGMA foreign_keys = ON;"
                                       "PRAGMA synchronous = FULL;"
                                       "PRAGMA query_only = ON;"
                                     : "PRAGMA foreign_keys = ON;"
                                       "PRAGMA synchronous = FULL;"),
               absl::StrCat("cannot configure database ", path)));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::Status SqliteConnection::Exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status =
      SqliteError(rc, error != nullptr ? error : sqlite3_errstr(rc), "exec");
  sqlite3_free(error);
  return status;
}

Stmt SqliteConnection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(db_, it->second, absl::OkStatus());
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Stmt(db_, nullptr, SqliteError(rc, sqlite3_errmsg(db_), sql));
  }
  cache_.emplace(sql, stmt);
  return Stmt(db_, stmt, absl::OkStatus());
}

}  // namespace clinic::storage::sqlite
