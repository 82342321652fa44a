// Formatting of instants and durations for people, in the clinic's zone.
#ifndef CLINIC_SERVICES_CORE_TIME_FORMAT_H_
#define CLINIC_SERVICES_CORE_TIME_FORMAT_H_

#include <string>

#include "absl/time/time.h"
#include "services/core/types.h"

namespace clinic::core {

// "Fri 4 Dec 2026 16:00 EST".
std::string FormatInstant(absl::Time t, const absl::TimeZone& zone);
// "Fri 4 Dec 2026 16:00-17:00 EST" (the end's zone abbreviation is shown
// too when it differs, e.g. across a DST change).
std::string FormatSpan(absl::Time start, absl::Time end,
                       const absl::TimeZone& zone);
// "38 h", "37 h 30 min", "45 min", "72 h", "10 days" (whole days only above
// 72 h, when exact), rounding down to the minute.
std::string FormatGap(absl::Duration d);
// "Deep tissue massage", "ART session", "Sports massage".
std::string SessionNoun(Modality m);
// "deep tissue", "ART", "sports massage".
std::string ModalityShortName(Modality m);
// "race", "hard workout".
std::string EventKindName(EventKind k);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_TIME_FORMAT_H_
