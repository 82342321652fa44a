// How the SQLite store's rows map to core types: the column lists that its
// SELECTs name, in the order in which the *FromRow functions read them, and
// Collect for a whole result. Each *FromRow reads the current row of a Stmt.
#ifndef CLINIC_SERVICES_STORAGE_SQLITE_ROWS_H_
#define CLINIC_SERVICES_STORAGE_SQLITE_ROWS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/core/types.h"
#include "services/storage/columns.h"
#include "services/storage/sqlite/connection.h"

namespace clinic::storage::sqlite {

core::Event EventFromRow(const Stmt& s);
core::Injury InjuryFromRow(const Stmt& s);
core::Booking BookingFromRow(const Stmt& s);
core::Athlete AthleteFromRow(const Stmt& s);
// Therapist row only; details are loaded separately.
core::Therapist TherapistFromRow(const Stmt& s);
core::ClinicInfo ClinicFromRow(const Stmt& s);
// User row only; grants are loaded separately. NULL links read as 0.
core::User UserFromRow(const Stmt& s);
core::Token TokenFromRow(const Stmt& s);
// NULL user and token read as 0.
core::AuditEvent AuditEventFromRow(const Stmt& s);

// Every remaining row of `st`, mapped by `from_row`, or the error that
// stepping through them returned.
template <typename T>
absl::StatusOr<std::vector<T>> Collect(Stmt& st, T (*from_row)(const Stmt&)) {
  std::vector<T> out;
  while (st.Next()) out.push_back(from_row(st));
  if (!st.status().ok()) return st.status();
  return out;
}

}  // namespace clinic::storage::sqlite

#endif  // CLINIC_SERVICES_STORAGE_SQLITE_ROWS_H_
