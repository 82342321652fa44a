// Sample rows for the store tests, and their fields as tuples so that a
// whole row compares (and prints) at once.
#ifndef CLINIC_TESTS_STORAGE_STORE_VALUES_H_
#define CLINIC_TESTS_STORAGE_STORE_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/core/types.h"

namespace clinic::storage {

// A Monday, 09:00 UTC.
inline const absl::Time kT0 =
    absl::FromCivil(absl::CivilMinute(2026, 3, 2, 9, 0), absl::UTCTimeZone());
inline constexpr absl::Duration kMicro = absl::Microseconds(1);
inline constexpr size_t kHashSize = 32;

// The ids of `rows`, in order.
template <typename T>
std::vector<core::Id> Ids(const std::vector<T>& rows) {
  std::vector<core::Id> ids;
  for (const T& r : rows) ids.push_back(r.id);
  return ids;
}

inline core::Athlete MakeAthlete(const std::string& name) {
  return core::Athlete{0, name, name + "@example.com"};
}

// Works Mondays 08:00-17:00. Sessions of one therapist must lie
// `turnover_buffer` apart (the store refuses closer ones); zero allows
// back-to-back sessions.
// The clinic MakeTherapist's therapists work at (StoreHelpers makes it).
inline constexpr core::Id kClinic = 1;

inline core::Therapist MakeTherapist(
    const std::string& name, std::vector<core::Modality> modalities,
    absl::Duration turnover_buffer = core::Therapist().turnover_buffer) {
  core::Therapist t;
  t.name = name;
  t.modalities = std::move(modalities);
  t.hours = {{absl::Weekday::monday, 8 * 60, 17 * 60}};
  t.turnover_buffer = turnover_buffer;
  t.clinic_id = kClinic;
  return t;
}

// A confirmed sports session [start, start + length).
inline core::Booking MakeBooking(core::Id athlete, core::Id therapist,
                                 absl::Time start, absl::Duration length) {
  core::Booking b;
  b.athlete_id = athlete;
  b.therapist_id = therapist;
  b.modality = core::Modality::kSports;
  b.start = start;
  b.end = start + length;
  b.create_time = kT0 - absl::Hours(48);
  b.update_time = b.create_time;
  return b;
}

// `b` moved to begin at `start`, keeping its length.
inline core::Booking MovedTo(core::Booking b, absl::Time start) {
  b.end = start + (b.end - b.start);
  b.start = start;
  return b;
}

inline core::Event MakeEvent(core::Id athlete, absl::Time start,
                             absl::Time end) {
  core::Event e;
  e.athlete_id = athlete;
  e.kind = core::EventKind::kHardWorkout;
  e.name = "intervals";
  e.start = start;
  e.end = end;
  return e;
}

inline core::User MakeUser(const std::string& name, core::Role role) {
  core::User u;
  u.name = name;
  u.role = role;
  u.create_time = kT0 + absl::Microseconds(17);
  return u;
}

// A 32-byte hash: the bytes of `prefix`, then `fill` up to the end.
inline std::string Hash(std::vector<uint8_t> prefix, uint8_t fill) {
  prefix.resize(kHashSize, fill);
  return std::string(prefix.begin(), prefix.end());
}

inline std::string Bytes(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

inline core::Token MakeToken(core::Id user, std::string hash) {
  core::Token t;
  t.user_id = user;
  t.hash = std::move(hash);
  t.label = "laptop";
  t.create_time = kT0 + absl::Microseconds(3);
  return t;
}

inline core::AuditEvent MakeAudit(core::Id user, core::Id token,
                                  const std::string& target) {
  core::AuditEvent e;
  e.time = kT0 + absl::Seconds(1) + absl::Microseconds(9);
  e.user_id = user;
  e.token_id = token;
  e.action = "booking.cancel";
  e.target = target;
  e.detail = "cancelled, athlete is ill";
  return e;
}

// The fields of each row, to compare them all at once.
inline auto Fields(const core::Booking& b) {
  return std::tie(b.id, b.athlete_id, b.therapist_id, b.modality, b.start,
                  b.end, b.state, b.request_id, b.request_user_id,
                  b.request_hash, b.at_risk, b.at_risk_reason, b.cancel_reason,
                  b.create_time, b.update_time);
}
inline auto Fields(const core::User& u) {
  return std::tie(u.id, u.name, u.role, u.granted, u.therapist_id, u.athlete_id,
                  u.disabled, u.create_time);
}
inline auto Fields(const core::Token& t) {
  return std::tie(t.id, t.user_id, t.hash, t.label, t.create_time,
                  t.revoke_time);
}
inline auto Fields(const core::AuditEvent& e) {
  return std::tie(e.id, e.time, e.user_id, e.token_id, e.action, e.target,
                  e.detail);
}

}  // namespace clinic::storage

#endif  // CLINIC_TESTS_STORAGE_STORE_VALUES_H_
