#include "services/storage/store.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "services/core/status_macros.h"

namespace clinic::storage {
namespace {

// The found value, nullopt for NOT_FOUND, or the error.
template <typename T>
absl::StatusOr<std::optional<T>> Optional(absl::StatusOr<T> found) {
  if (absl::IsNotFound(found.status())) return std::nullopt;
  CLINIC_RETURN_IF_ERROR(found.status());
  return std::optional<T>(*std::move(found));
}

}  // namespace

absl::StatusOr<SessionContext> Reader::GetSessionContext(
    const SessionQuery& q) {
  constexpr int kAll = std::numeric_limits<int>::max();
  SessionContext c;
  CLINIC_ASSIGN_OR_RETURN(
      c.earlier, FindBookingByRequestId(q.request_user_id, q.request_id));
  CLINIC_ASSIGN_OR_RETURN(c.therapist, Optional(GetTherapist(q.therapist_id)));
  if (c.therapist.has_value()) {
    CLINIC_ASSIGN_OR_RETURN(c.clinic,
                            Optional(GetClinic(c.therapist->clinic_id)));
  }
  CLINIC_ASSIGN_OR_RETURN(c.athlete, Optional(GetAthlete(q.athlete_id)));
  CLINIC_ASSIGN_OR_RETURN(c.events, ListEvents(q.athlete_id, q.from, q.to));
  CLINIC_ASSIGN_OR_RETURN(c.injuries,
                          ListInjuries(q.athlete_id, /*active_only=*/true));
  CLINIC_ASSIGN_OR_RETURN(
      c.athlete_sessions,
      ListBookings(BookingFilter::Confirmed(q.athlete_id, 0, q.from, q.to), {},
                   kAll));
  if (c.therapist.has_value()) {
    const absl::Duration buffer = c.therapist->turnover_buffer;
    CLINIC_ASSIGN_OR_RETURN(
        c.therapist_sessions,
        ListBookings(BookingFilter::Confirmed(0, q.therapist_id,
                                              q.start - buffer, q.end + buffer),
                     {}, kAll));
  }
  return c;
}

}  // namespace clinic::storage
