// Finds free slots, through the availability cache, and suggests
// alternatives to a rejected session. Never stale: a therapist's free time
// is cached under the generation the store bumps in the same transaction as
// every change to it, and computed from the same read snapshot as that
// generation, so an entry always describes exactly its generation and a
// reader that sees a commit asks for a key no one filled before it.
// Thread-safe.
#ifndef CLINIC_SERVICES_CLINIC_SLOT_FINDER_H_
#define CLINIC_SERVICES_CLINIC_SLOT_FINDER_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/cache/availability_cache.h"
#include "services/clinic/locales.h"
#include "services/core/availability.h"
#include "services/core/clock.h"
#include "services/core/rule_table.h"
#include "services/storage/store.h"

namespace clinic {

struct SlotQuery {
  // 0: every therapist of clinic `clinic_id` offering `modality`.
  core::Id therapist_id = 0;
  core::Id clinic_id = 0;                  // ignored when therapist_id is set
  std::optional<core::Modality> modality;  // unset: all the therapist offers
  core::Id athlete_id = 0;  // set: only slots passing its hard rules
  absl::Time from;          // slots starting in [from, to)
  absl::Time to;
};

class SlotFinder {
 public:
  // Every pointer must outlive the SlotFinder. `ttl` bounds how long an
  // unused cache entry lives (a safety net; correctness never relies on
  // it); zero turns the cache off.
  SlotFinder(storage::Store* store, cache::AvailabilityCache* cache,
             const core::Clock* clock, Locales* locales, absl::Duration ttl);

  // Ordered by start, therapist, modality; by the clinic's rules, in its
  // zone. NOT_FOUND for an unknown therapist, clinic or athlete.
  absl::StatusOr<std::vector<core::Slot>> List(const SlotQuery& query);

  // Up to rules.max_suggestions slots of the same modality within a week of
  // `start`, with any therapist of the same clinic offering it, that pass
  // every hard rule for the athlete, chosen by core::PickSuggestions.
  absl::StatusOr<std::vector<core::Slot>> Suggest(core::Id athlete_id,
                                                  core::Id therapist_id,
                                                  core::Modality modality,
                                                  absl::Time start);

 private:
  // The free time of each therapist on each day, from the cache or, for
  // misses, from `r` (then cached). Indexed [therapist][day].
  absl::StatusOr<std::vector<std::vector<std::vector<core::Interval>>>>
  FreeTime(storage::Reader& r, const Local& local,
           const std::vector<core::Therapist>& therapists,
           const std::vector<absl::CivilDay>& days);
  // List, with the clinic it listed in.
  absl::StatusOr<std::vector<core::Slot>> ListIn(
      const SlotQuery& q, std::shared_ptr<const Local>* clinic);

  storage::Store* const store_;
  cache::AvailabilityCache* const cache_;
  const core::Clock* const clock_;
  Locales* const locales_;
  const absl::Duration ttl_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINIC_SLOT_FINDER_H_
