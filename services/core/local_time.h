// Internal to services/core: how civil minutes of working hours map to
// instants. The rules engine and the availability functions both read
// working hours through this, so every offered slot passes the engine.
#ifndef CLINIC_SERVICES_CORE_LOCAL_TIME_H_
#define CLINIC_SERVICES_CORE_LOCAL_TIME_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace clinic::core {

// The instant at which local `minute` (0..1440) of `day` begins. A local
// time skipped by a DST change maps to the change itself (the first instant
// that exists after it); a repeated one to its first occurrence when
// `first`, else to its second, so that [open, close) covers every instant
// whose local time lies in the interval.
absl::Time LocalMinute(const absl::TimeZone& zone, absl::CivilDay day,
                       int minute, bool first);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_LOCAL_TIME_H_
