// Free time and bookable slots of a therapist, in the clinic's time zone.
// Pure: no I/O, no clock reads; thread-safe.
#ifndef CLINIC_SERVICES_CORE_AVAILABILITY_H_
#define CLINIC_SERVICES_CORE_AVAILABILITY_H_

#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/core/rules.h"
#include "services/core/types.h"

namespace clinic::core {

// [start, end).
struct Interval {
  absl::Time start;
  absl::Time end;
};

// A bookable session: free with the therapist and, when found for an
// athlete, passing every hard rule for them.
struct Slot {
  Id therapist_id = 0;
  Modality modality = Modality::kDeepTissue;
  absl::Time start;
  absl::Time end;
  std::vector<Finding> warnings;  // for the athlete, if any
};

// The order of slot lists: by start, then therapist, then modality.
inline bool SlotBefore(const Slot& a, const Slot& b) {
  return std::tie(a.start, a.therapist_id, a.modality) <
         std::tie(b.start, b.therapist_id, b.modality);
}

// The therapist's free time on the local `day` of `zone`: the working hours
// of that weekday (DST-correct, as the rules engine reads them) minus time
// off, minus every confirmed session in `sessions` widened by the
// therapist's turnover buffer on both sides. Sorted and disjoint. `sessions`
// may hold any sessions (other days, cancelled ones); only confirmed ones
// intersecting the day count.
std::vector<Interval> FreeIntervals(const Therapist& therapist,
                                    absl::CivilDay day,
                                    const absl::TimeZone& zone,
                                    const std::vector<Booking>& sessions);

// The slot starts inside `free`: instants whose local time of day in `zone`
// is a multiple of `step` after local midnight, that leave room for
// `length` inside one free interval, and that lie in [earliest, latest].
// Sorted. A local time that does not exist (DST gap) yields no slot.
std::vector<absl::Time> SlotStarts(const std::vector<Interval>& free,
                                   absl::Duration length, absl::Duration step,
                                   const absl::TimeZone& zone,
                                   absl::Time earliest, absl::Time latest);

// The local days of `zone` that [from, to) touches, in order.
std::vector<absl::CivilDay> LocalDays(absl::Time from, absl::Time to,
                                      const absl::TimeZone& zone);

// A compact text form of intervals for caches ("s1-e1,s2-e2", unix
// seconds), and its inverse (INVALID_ARGUMENT on malformed text).
std::string EncodeIntervals(const std::vector<Interval>& intervals);
absl::StatusOr<std::vector<Interval>> DecodeIntervals(absl::string_view text);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_AVAILABILITY_H_
