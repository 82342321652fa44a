// The SQLite store's schema: Migrate brings a database file up to date by
// applying, in order, the steps (kMigrations in schema.cc) that it has not
// had yet. PRAGMA user_version counts the steps a file has had.
#ifndef CLINIC_SERVICES_STORAGE_SQLITE_SCHEMA_H_
#define CLINIC_SERVICES_STORAGE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "services/storage/sqlite/connection.h"

namespace clinic::storage::sqlite {

// Applies the missing migration steps in one write transaction, so that two
// processes opening a new file at once migrate it exactly once.
// FAILED_PRECONDITION when the file's schema is newer than this binary's;
// a failed step's error names the step ("migration N: ...").
absl::Status Migrate(SqliteConnection& c);

}  // namespace clinic::storage::sqlite

#endif  // CLINIC_SERVICES_STORAGE_SQLITE_SCHEMA_H_
