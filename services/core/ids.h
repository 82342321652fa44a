// Public ids: a kind prefix and the row id, e.g. "th_7" for therapist 7.
// The prefix catches an athlete id passed where a therapist id belongs.
#ifndef CLINIC_SERVICES_CORE_IDS_H_
#define CLINIC_SERVICES_CORE_IDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/types.h"

namespace clinic::core {

enum class IdKind {
  kTherapist,
  kAthlete,
  kEvent,
  kInjury,
  kBooking,
  kTimeOff,
  kUser,
  kToken,
  kAuditEvent,
  kClinic,
};

// "th_7".
std::string FormatId(IdKind kind, Id id);

// The row id of `text`; INVALID_ARGUMENT naming `field` when `text` is
// empty or not an id of `kind`, quoting at most an Excerpt of `text`.
absl::StatusOr<Id> ParseId(IdKind kind, absl::string_view text,
                           absl::string_view field);

// NOT_FOUND "therapist th_7 not found", with reason NOT_FOUND and the
// metadata resource_type ("clinic.v1.Therapist") and resource_name
// ("th_7").
absl::Status NotFoundError(IdKind kind, Id id);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_IDS_H_
