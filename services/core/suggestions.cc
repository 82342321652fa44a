#include "services/core/suggestions.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/time/civil_time.h"

namespace clinic::core {

std::vector<Slot> PickSuggestions(const std::vector<Slot>& candidates,
                                  Id therapist_id, absl::Time asked,
                                  const absl::TimeZone& zone, size_t wanted) {
  // The candidates in rank order, as pointers: thousands of slots (a week
  // of every therapist of the modality) are ranked for a handful of picks,
  // so each key is computed once and no Slot moves while sorting.
  using Rank = std::tuple<bool, absl::Duration, bool, Id, absl::Time>;
  auto rank = [&](const Slot& s) {
    return Rank(!s.warnings.empty(), absl::AbsDuration(s.start - asked),
                s.therapist_id != therapist_id, s.therapist_id, s.start);
  };
  std::vector<std::pair<Rank, const Slot*>> ranked;
  ranked.reserve(candidates.size());
  for (const Slot& c : candidates) ranked.emplace_back(rank(c), &c);
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<const Slot*> picks;
  std::vector<Id> therapists;
  std::vector<absl::CivilDay> days;
  auto seen = [](const auto& list, const auto& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  // Also false for a slot already picked.
  auto spaced = [&](const Slot& c) {
    return std::none_of(picks.begin(), picks.end(), [&](const Slot* p) {
      return p->therapist_id == c.therapist_id &&
             absl::AbsDuration(p->start - c.start) < kSuggestionSpacing;
    });
  };
  // Each class of slots (warning-free, then warned) is walked twice: first
  // taking only slots that bring another therapist (or a second day), then
  // the nearest of the rest.
  for (const bool warned : {false, true}) {
    for (const bool for_variety : {true, false}) {
      for (const auto& [unused, candidate] : ranked) {
        const Slot& c = *candidate;
        if (picks.size() == wanted) break;
        if (c.warnings.empty() == warned || !spaced(c)) continue;
        const absl::CivilDay day = absl::ToCivilDay(c.start, zone);
        const bool varies = picks.empty() ||
                            !seen(therapists, c.therapist_id) ||
                            (days.size() < 2 && !seen(days, day));
        if (for_variety && !varies) continue;
        picks.push_back(&c);
        if (!seen(therapists, c.therapist_id)) {
          therapists.push_back(c.therapist_id);
        }
        if (!seen(days, day)) days.push_back(day);
      }
    }
  }
  std::sort(picks.begin(), picks.end(),
            [&](const Slot* a, const Slot* b) { return rank(*a) < rank(*b); });
  std::vector<Slot> out;
  out.reserve(picks.size());
  for (const Slot* p : picks) out.push_back(*p);
  return out;
}

}  // namespace clinic::core
