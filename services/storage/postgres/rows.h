// Row mapping: the columns each query selects and the domain values they
// make. The counterpart of sqlite/rows.h.
#ifndef CLINIC_SERVICES_STORAGE_POSTGRES_ROWS_H_
#define CLINIC_SERVICES_STORAGE_POSTGRES_ROWS_H_

#include <vector>

#include "services/core/types.h"
#include "services/storage/columns.h"
#include "services/storage/postgres/connection.h"

namespace clinic::storage::postgres {

// The last column holds the user's grants, e.g. "3,4".
inline constexpr char kUserWithGrantsColumns[] =
    "id, name, role, therapist_id, athlete_id, disabled, create_us, "
    "(SELECT string_agg(role::text, ',' ORDER BY role) FROM user_grants g "
    "WHERE g.user_id = users.id), "
    "(SELECT string_agg(clinic_id::text, ',' ORDER BY clinic_id) "
    "FROM user_clinics c WHERE c.user_id = users.id)";

core::Athlete AthleteFromRow(const Rows& r, int row);
core::Event EventFromRow(const Rows& r, int row);
core::Injury InjuryFromRow(const Rows& r, int row);
core::Booking BookingFromRow(const Rows& r, int row);
core::ClinicInfo ClinicFromRow(const Rows& r, int row);
// NULL links read as 0.
core::User UserFromRow(const Rows& r, int row);
core::Token TokenFromRow(const Rows& r, int row);
core::AuditEvent AuditEventFromRow(const Rows& r, int row);

// Every row of `r`, mapped.
template <typename T>
std::vector<T> All(const Rows& r, T (*from_row)(const Rows&, int)) {
  std::vector<T> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(from_row(r, i));
  return out;
}

}  // namespace clinic::storage::postgres

#endif  // CLINIC_SERVICES_STORAGE_POSTGRES_ROWS_H_
