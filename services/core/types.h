// Domain types of the clinic: plain values, no I/O. Instants are absl::Time
// (UTC); civil times (working hours) are minutes since local midnight in the
// clinic's time zone.
#ifndef CLINIC_SERVICES_CORE_TYPES_H_
#define CLINIC_SERVICES_CORE_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace clinic::core {

// Row ids. Zero means "not assigned yet".
using Id = int64_t;

enum class Modality { kDeepTissue = 1, kActiveRelease = 2, kSports = 3 };
inline constexpr Modality kAllModalities[] = {
    Modality::kDeepTissue, Modality::kActiveRelease, Modality::kSports};

enum class EventKind { kRace = 1, kHardWorkout = 2 };

// Upper bounds the API enforces, so that stores can find what intersects a
// window with one bounded index range scan.
inline constexpr absl::Duration kMaxEventLength = absl::Hours(14 * 24);
inline constexpr absl::Duration kMaxSessionLength = absl::Hours(8);

// One weekly working interval: [start_minute, end_minute) of `day`, in
// minutes since local midnight (0..1440) of the clinic's time zone.
struct WorkingHours {
  absl::Weekday day = absl::Weekday::monday;
  int start_minute = 0;
  int end_minute = 0;
};

struct Price {
  Modality modality = Modality::kDeepTissue;
  int64_t cents = 0;
};

struct TimeOff {
  Id id = 0;
  Id therapist_id = 0;
  absl::Time start;
  absl::Time end;
  std::string reason;
};

struct Therapist {
  Id id = 0;
  std::string name;
  std::vector<Modality> modalities;  // what the therapist offers
  std::vector<Price> prices;         // at most one per modality
  std::vector<WorkingHours> hours;   // non-overlapping
  absl::Duration turnover_buffer = absl::Minutes(15);
  std::vector<TimeOff> time_off;  // sorted by start
  // Bumped by the store in the same transaction as every change to the
  // therapist's free time (bookings, hours, time off): cached availability
  // is keyed by it.
  int64_t generation = 0;

  bool Offers(Modality m) const {
    for (Modality o : modalities) {
      if (o == m) return true;
    }
    return false;
  }
};

struct Athlete {
  Id id = 0;
  std::string name;
  std::string email;
};

// A race or hard workout: [start, end).
struct Event {
  Id id = 0;
  Id athlete_id = 0;
  EventKind kind = EventKind::kRace;
  std::string name;
  absl::Time start;
  absl::Time end;
};

struct Injury {
  Id id = 0;
  Id athlete_id = 0;
  std::string region;
  std::string note;
  absl::Time since;
  std::optional<absl::Time> resolved;  // unset while active
  bool active() const { return !resolved.has_value(); }
};

enum class BookingState { kConfirmed = 1, kCancelled = 2 };

// A massage session [start, end).
struct Booking {
  Id id = 0;
  Id athlete_id = 0;
  Id therapist_id = 0;
  Modality modality = Modality::kDeepTissue;
  absl::Time start;
  absl::Time end;
  BookingState state = BookingState::kConfirmed;
  std::string request_id;    // client idempotency key, may be empty
  std::string request_hash;  // fingerprint of the request that created it
  bool at_risk = false;      // a later event breaks a hard rule
  std::string at_risk_reason;
  std::string cancel_reason;
  absl::Time create_time;
  absl::Time update_time;
};

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_TYPES_H_
