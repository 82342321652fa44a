#include "services/storage/checks.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/rules.h"
#include "services/core/status_macros.h"

namespace clinic::storage {
namespace {

// The first confirmed session other than `self` matching `filter`.
absl::StatusOr<std::optional<core::Booking>> FirstOther(Reader& r,
                                                        BookingFilter filter,
                                                        core::Id self) {
  filter.confirmed_only = true;
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Booking> found,
                          r.ListBookings(filter, {}, /*limit=*/2));
  for (core::Booking& b : found) {
    if (b.id != self) return std::move(b);
  }
  return std::nullopt;
}

absl::Status Busy(const char* rule, absl::string_view who,
                  const core::Booking& other) {
  const std::string booking = core::FormatId(core::IdKind::kBooking, other.id);
  return core::WithReason(absl::FailedPreconditionError(absl::StrCat(
                              who, " already has session ", booking, " then")),
                          {rule, {{"booking", booking}}});
}

absl::BitGen& Gen() {
  thread_local absl::BitGen gen;
  return gen;
}

}  // namespace

absl::Status CheckLimit(int limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be positive, got ", limit));
  }
  return absl::OkStatus();
}

absl::Status CheckSpan(absl::string_view what, absl::Time start, absl::Time end,
                       absl::Duration max) {
  if (end <= start || end - start > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must end after it starts and last at most ",
                     absl::FormatDuration(max)));
  }
  return absl::OkStatus();
}

absl::Status CheckGrants(const core::User& u) {
  if (u.granted.empty()) return absl::OkStatus();
  std::vector<core::Role> roles = u.granted;
  std::sort(roles.begin(), roles.end());
  if (u.role != core::Role::kService ||
      std::find(roles.begin(), roles.end(), core::Role::kService) !=
          roles.end() ||
      std::adjacent_find(roles.begin(), roles.end()) != roles.end()) {
    return absl::InvalidArgumentError(
        "only a SERVICE user is granted roles: each at most once, never "
        "SERVICE");
  }
  return absl::OkStatus();
}

absl::Status CheckTokenHash(absl::string_view hash) {
  if (hash.size() != kTokenHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a token hash must have ", kTokenHashSize, " bytes, got ",
                     hash.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckTokenPrefix(absl::string_view prefix) {
  if (prefix.size() < kMinTokenPrefix) {
    return absl::InvalidArgumentError(
        absl::StrCat("a token hash prefix must have at least ", kMinTokenPrefix,
                     " bytes, got ", prefix.size()));
  }
  return absl::OkStatus();
}

std::optional<std::string> PrefixSuccessor(absl::string_view prefix) {
  std::string next(prefix);
  while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xFF) {
    next.pop_back();
  }
  if (next.empty()) return std::nullopt;
  next.back() = static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
  return next;
}

absl::Status RequestIdReusedError(const core::Booking& b) {
  return core::WithReason(
      absl::AlreadyExistsError(absl::StrCat(
          "a booking with request_id \"", b.request_id, "\" of user ",
          core::FormatId(core::IdKind::kUser, b.request_user_id),
          " already exists")),
      {core::kReasonRequestIdReused, {}});
}

absl::Status CheckNoOverlap(Reader& r, const core::Booking& b) {
  if (b.state != core::BookingState::kConfirmed) return absl::OkStatus();
  BookingFilter athlete;
  athlete.athlete_id = b.athlete_id;
  athlete.from = b.start;
  athlete.to = b.end;
  CLINIC_ASSIGN_OR_RETURN(std::optional<core::Booking> other,
                          FirstOther(r, athlete, b.id));
  if (other) {
    return Busy(core::kRuleAthleteBusy,
                core::FormatId(core::IdKind::kAthlete, b.athlete_id), *other);
  }
  absl::StatusOr<core::Therapist> t = r.GetTherapist(b.therapist_id);
  // A missing therapist has no sessions: the insert names it.
  if (absl::IsNotFound(t.status())) return absl::OkStatus();
  if (!t.ok()) return t.status();
  BookingFilter therapist;
  therapist.therapist_id = b.therapist_id;
  therapist.from = b.start - t->turnover_buffer;
  therapist.to = b.end + t->turnover_buffer;
  CLINIC_ASSIGN_OR_RETURN(other, FirstOther(r, therapist, b.id));
  if (other) {
    return Busy(core::kRuleTherapistBusy,
                core::FormatId(core::IdKind::kTherapist, b.therapist_id),
                *other);
  }
  return absl::OkStatus();
}

int64_t NewGeneration() {
  return absl::Uniform<int64_t>(absl::IntervalClosed, Gen(), 1,
                                std::numeric_limits<int64_t>::max());
}

std::string NewStoreId() {
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(Gen()),
                         absl::Uniform<uint64_t>(Gen()));
}

}  // namespace clinic::storage
