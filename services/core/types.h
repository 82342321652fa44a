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

// A location: its staff and therapists, its zone (the one its working
// hours, slots and messages are in) and its rule table. Athletes belong to
// no clinic: the rules judge a session against their sessions everywhere.
struct ClinicInfo {
  Id id = 0;
  std::string name;
  std::string time_zone;  // an IANA name
  std::string rules;      // a clinic.v1.RuleSet in text format over RULES.md
  absl::Time create_time;
};

struct Therapist {
  Id id = 0;
  Id clinic_id = 0;  // the clinic the therapist works at; never changes
  std::string name;
  std::vector<Modality> modalities;  // what the therapist offers
  std::vector<Price> prices;         // at most one per modality
  std::vector<WorkingHours> hours;   // non-overlapping
  absl::Duration turnover_buffer = absl::Minutes(15);
  std::vector<TimeOff> time_off;  // sorted by start
  // Set to a new random value by the store in the same transaction as every
  // change to the therapist's free time (bookings, hours, time off): cached
  // availability is keyed by it.
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
  Id clinic_id = 0;  // the therapist's, set by the store
  Modality modality = Modality::kDeepTissue;
  absl::Time start;
  absl::Time end;
  BookingState state = BookingState::kConfirmed;
  std::string request_id;    // client idempotency key, may be empty
  Id request_user_id = 0;    // the user whose key request_id is
  std::string request_hash;  // fingerprint of the request that created it
  bool at_risk = false;      // a later event breaks a hard rule
  std::string at_risk_reason;
  std::string cancel_reason;
  absl::Time create_time;
  absl::Time update_time;
};

// --- Who may do what -------------------------------------------------------

// What a user is. A SERVICE (another program's API key) acts with the roles
// it is granted; every other user acts as its role.
enum class Role {
  kAdmin = 1,
  kStaff = 2,
  kTherapist = 3,
  kAthlete = 4,
  kService = 5
};

struct User {
  Id id = 0;
  std::string name;
  Role role = Role::kStaff;
  std::vector<Role> granted;  // SERVICE only: never kService, no repeats
  Id therapist_id = 0;        // the linked record, 0 for none
  Id athlete_id = 0;
  bool disabled = false;
  absl::Time create_time;
  // The clinics the user acts at, ascending. An ADMIN granted none is a
  // platform admin, at every clinic; STAFF and SERVICE users granted none
  // act at none (athletes, who belong to no clinic, they still reach).
  std::vector<Id> clinics;
};

// A bearer token. Only its SHA-256 is kept; the text is shown once.
struct Token {
  Id id = 0;
  Id user_id = 0;
  std::string hash;  // 32 bytes, SHA-256 of the token's text
  std::string label;
  absl::Time create_time;
  std::optional<absl::Time> revoke_time;
};

// Who makes a change: the user and the token of the call (0s for clinicd
// itself, e.g. the demo seed).
struct Actor {
  Id user_id = 0;
  Id token_id = 0;
};

// Who changed what, when, with which token. Written in the transaction of
// the change it records.
struct AuditEvent {
  Id id = 0;
  absl::Time time;
  Id user_id = 0;
  Id token_id = 0;
  std::string action;  // e.g. "booking.create", "booking.cancel"
  std::string target;  // public id of what changed, e.g. "bk_7"
  std::string detail;  // a sentence for people
};

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_TYPES_H_
