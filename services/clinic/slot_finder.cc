#include "services/clinic/slot_finder.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/ids.h"
#include "services/core/rules.h"
#include "services/core/status_macros.h"
#include "services/core/suggestions.h"

namespace clinic {
namespace {

using core::Interval;
using core::Slot;

constexpr int kAll = std::numeric_limits<int>::max();
constexpr absl::Duration kSuggestionReach = absl::Hours(7 * 24);

// The athlete side of the rules, loaded once for a whole query.
struct AthleteRules {
  core::Athlete athlete;
  core::Calendar calendar;
  core::BookingContext ctx;
};

absl::StatusOr<std::unique_ptr<AthleteRules>> LoadAthlete(
    storage::Reader& r, const core::RuleTable& rules, core::Id athlete_id,
    absl::Time from, absl::Time to, absl::Time now) {
  auto a = std::make_unique<AthleteRules>();
  CLINIC_ASSIGN_OR_RETURN(a->athlete, r.GetAthlete(athlete_id));
  const absl::Time lo = from - core::ContextReachBefore(rules);
  const absl::Time hi =
      to + core::kMaxSessionLength + core::ContextReachAfter(rules);
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Event> events,
                          r.ListEvents(athlete_id, lo, hi));
  a->calendar = core::Calendar(std::move(events));
  a->ctx.now = now;
  a->ctx.athlete = &a->athlete;
  a->ctx.calendar = &a->calendar;
  CLINIC_ASSIGN_OR_RETURN(a->ctx.injuries,
                          r.ListInjuries(athlete_id, /*active_only=*/true));
  storage::BookingFilter mine;
  mine.athlete_id = athlete_id;
  mine.from = lo;
  mine.to = hi;
  mine.confirmed_only = true;
  CLINIC_ASSIGN_OR_RETURN(a->ctx.athlete_sessions,
                          r.ListBookings(mine, {}, kAll));
  return a;
}

}  // namespace

SlotFinder::SlotFinder(storage::Store* store, cache::AvailabilityCache* cache,
                       const core::Clock* clock, Locales* locales,
                       absl::Duration ttl)
    : store_(store),
      cache_(cache),
      clock_(clock),
      locales_(locales),
      ttl_(ttl) {}

absl::StatusOr<std::vector<std::vector<std::vector<Interval>>>>
SlotFinder::FreeTime(storage::Reader& r, const Local& local,
                     const std::vector<core::Therapist>& therapists,
                     const std::vector<absl::CivilDay>& days) {
  const absl::TimeZone& zone = local.zone;
  std::vector<std::string> keys;
  keys.reserve(therapists.size() * days.size());
  for (const core::Therapist& t : therapists) {
    for (absl::CivilDay day : days) {
      // The clinic in a hash tag: a clinic's keys share one slot of a
      // Redis Cluster. The store's id: several stores may share one cache.
      // The generation is random per change, so a restored store never
      // meets an entry of the timeline it left.
      keys.push_back(absl::StrCat(
          "avail:{", core::FormatId(core::IdKind::kClinic, local.info.id),
          "}:", store_->id(), ":", zone.name(), ":", t.id, ":", t.generation,
          ":", absl::FormatCivilTime(day)));
    }
  }
  const bool caching = ttl_ > absl::ZeroDuration();
  const std::vector<std::optional<std::string>> cached =
      caching ? cache_->GetMany(keys)
              : std::vector<std::optional<std::string>>(keys.size());

  std::vector<std::vector<std::vector<Interval>>> free(therapists.size());
  std::vector<std::pair<std::string, std::string>> fills;
  for (size_t i = 0; i < therapists.size(); ++i) {
    free[i].resize(days.size());
    std::optional<std::vector<core::Booking>> sessions;  // loaded on a miss
    for (size_t d = 0; d < days.size(); ++d) {
      const size_t k = i * days.size() + d;
      if (cached[k].has_value()) {
        absl::StatusOr<std::vector<Interval>> decoded =
            core::DecodeIntervals(*cached[k]);
        if (decoded.ok()) {
          free[i][d] = *std::move(decoded);
          continue;
        }
      }
      if (!sessions.has_value()) {
        storage::BookingFilter theirs;
        theirs.therapist_id = therapists[i].id;
        theirs.from = absl::FromCivil(days.front() - 1, zone);
        theirs.to = absl::FromCivil(days.back() + 2, zone);
        theirs.confirmed_only = true;
        CLINIC_ASSIGN_OR_RETURN(sessions, r.ListBookings(theirs, {}, kAll));
      }
      free[i][d] = core::FreeIntervals(therapists[i], days[d], zone, *sessions);
      fills.emplace_back(keys[k], core::EncodeIntervals(free[i][d]));
    }
  }
  if (caching && !fills.empty()) cache_->PutMany(fills, ttl_);
  return free;
}

absl::StatusOr<std::vector<Slot>> SlotFinder::List(const SlotQuery& q) {
  std::shared_ptr<const Local> clinic;
  return ListIn(q, &clinic);
}

absl::StatusOr<std::vector<Slot>> SlotFinder::ListIn(
    const SlotQuery& q, std::shared_ptr<const Local>* clinic) {
  const absl::Time now = clock_->Now();
  std::vector<Slot> slots;
  const absl::Status status = store_->Read([&](storage::Reader& r)
                                               -> absl::Status {
    std::vector<core::Therapist> therapists;
    core::Id clinic_id = q.clinic_id;
    if (q.therapist_id != 0) {
      CLINIC_ASSIGN_OR_RETURN(core::Therapist t,
                              r.GetTherapist(q.therapist_id));
      clinic_id = t.clinic_id;
      therapists.push_back(std::move(t));
    }
    CLINIC_ASSIGN_OR_RETURN(const core::ClinicInfo info,
                            r.GetClinic(clinic_id));
    CLINIC_ASSIGN_OR_RETURN(*clinic, locales_->Of(info));
    const Local& local = **clinic;
    const core::RuleTable& rules = local.rules;
    const absl::TimeZone& zone = local.zone;
    if (q.therapist_id == 0) {
      storage::PageRequest page{500, 0};
      for (;;) {
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Therapist> more,
                                r.ListTherapists(q.modality, clinic_id, page));
        if (more.empty()) break;
        page.after_id = more.back().id;
        for (core::Therapist& t : more) therapists.push_back(std::move(t));
      }
    }
    std::unique_ptr<AthleteRules> athlete;
    if (q.athlete_id != 0) {
      CLINIC_ASSIGN_OR_RETURN(
          athlete, LoadAthlete(r, rules, q.athlete_id, q.from, q.to, now));
    }
    const std::vector<absl::CivilDay> days =
        core::LocalDays(q.from, q.to, zone);
    if (days.empty() || therapists.empty()) return absl::OkStatus();
    CLINIC_ASSIGN_OR_RETURN(auto free, FreeTime(r, local, therapists, days));

    const absl::Time earliest = std::max(q.from, now + rules.min_notice);
    const absl::Time latest = std::min(q.to, now + rules.horizon);
    for (size_t i = 0; i < therapists.size(); ++i) {
      const core::Therapist& t = therapists[i];
      if (athlete) athlete->ctx.therapist = &t;
      for (const core::ModalityRule& rule : rules.modalities) {
        if (!t.Offers(rule.modality) ||
            (q.modality.has_value() && *q.modality != rule.modality)) {
          continue;
        }
        for (const std::vector<Interval>& day : free[i]) {
          for (absl::Time start : core::SlotStarts(
                   day, rule.length, rules.slot_step, zone, earliest, latest)) {
            if (start >= q.to) continue;
            Slot slot{t.id, rule.modality, start, start + rule.length, {}};
            if (athlete) {
              core::Verdict v = core::Evaluate(
                  rules, zone, {rule.modality, slot.start, slot.end, 0},
                  athlete->ctx);
              if (!v.allowed()) continue;
              slot.warnings = std::move(v.warnings);
            }
            slots.push_back(std::move(slot));
          }
        }
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::sort(slots.begin(), slots.end(), core::SlotBefore);
  return slots;
}

absl::StatusOr<std::vector<Slot>> SlotFinder::Suggest(core::Id athlete_id,
                                                      core::Id therapist_id,
                                                      core::Modality modality,
                                                      absl::Time start) {
  SlotQuery q;  // every therapist of the clinic offering the modality
  CLINIC_ASSIGN_OR_RETURN(
      q.clinic_id,
      storage::InRead(store_,
                      [&](storage::Reader& r) -> absl::StatusOr<core::Id> {
                        CLINIC_ASSIGN_OR_RETURN(const core::Therapist t,
                                                r.GetTherapist(therapist_id));
                        return t.clinic_id;
                      }));
  q.modality = modality;
  q.athlete_id = athlete_id;
  q.from = start - kSuggestionReach;
  q.to = start + kSuggestionReach;
  std::shared_ptr<const Local> clinic;
  CLINIC_ASSIGN_OR_RETURN(std::vector<Slot> candidates, ListIn(q, &clinic));
  const size_t wanted = static_cast<size_t>(clinic->rules.max_suggestions);
  if (wanted == 0) return std::vector<Slot>{};
  return core::PickSuggestions(candidates, therapist_id, start, clinic->zone,
                               wanted);
}

}  // namespace clinic
