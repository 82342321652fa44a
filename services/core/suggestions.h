// Choosing the alternatives offered with a rejected session. Pure and
// thread-safe.
#ifndef CLINIC_SERVICES_CORE_SUGGESTIONS_H_
#define CLINIC_SERVICES_CORE_SUGGESTIONS_H_

#include <cstddef>
#include <vector>

#include "absl/time/time.h"
#include "services/core/availability.h"
#include "services/core/types.h"

namespace clinic::core {

// Two suggestions with one therapist start at least this far apart.
inline constexpr absl::Duration kSuggestionSpacing = absl::Hours(1);

// Up to `wanted` of `candidates` (slots that pass every hard rule) to offer
// instead of a session asked for at `asked` with `therapist_id`, so that
// they are real choices rather than one afternoon in 15-minute steps:
// - two picks with one therapist start at least kSuggestionSpacing apart;
// - the picks span at least two local days of `zone`, and include every
//   therapist among the candidates, as far as `wanted` and the candidates
//   allow;
// - warning-free slots come before warned ones, and within that the nearest
//   to `asked` (the asked therapist first on a tie) wins.
// Returned in that order: warning-free first, then nearest.
std::vector<Slot> PickSuggestions(const std::vector<Slot>& candidates,
                                  Id therapist_id, absl::Time asked,
                                  const absl::TimeZone& zone, size_t wanted);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_SUGGESTIONS_H_
