// The PostgreSQL schema: its migration steps and how a store brings a
// database up to date. The counterpart of sqlite/schema.h, with its own
// sequence of versions.
#ifndef CLINIC_SERVICES_STORAGE_POSTGRES_SCHEMA_H_
#define CLINIC_SERVICES_STORAGE_POSTGRES_SCHEMA_H_

#include "absl/status/status.h"
#include "services/storage/postgres/connection.h"

namespace clinic::storage::postgres {

// The schema version this binary writes and reads.
int SchemaVersion();

// Applies the missing steps in one transaction under an advisory lock, so
// that replicas starting together migrate once. FAILED_PRECONDITION when
// the database's schema is newer than this binary's.
absl::Status Migrate(Connection& c);

}  // namespace clinic::storage::postgres

#endif  // CLINIC_SERVICES_STORAGE_POSTGRES_SCHEMA_H_
