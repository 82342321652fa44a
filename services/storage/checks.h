// What every store checks the same way, whatever its engine: the limits of
// lists and intervals, the shape of users and tokens, double booking and
// idempotency-key reuse, and the identities a store makes up. Stores call
// these; the messages and reasons are therefore the same on every engine.
#ifndef CLINIC_SERVICES_STORAGE_CHECKS_H_
#define CLINIC_SERVICES_STORAGE_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/core/types.h"
#include "services/storage/store.h"

namespace clinic::storage {

// Token hashes are SHA-256 digests; FindTokens takes prefixes of at least
// kMinTokenPrefix bytes.
inline constexpr size_t kTokenHashSize = 32;
inline constexpr size_t kMinTokenPrefix = 8;

// A page or list limit must be positive.
absl::Status CheckLimit(int limit);

// Window queries scan [from - max, to) of an index on start, so a stored
// interval must never be longer than `max`.
absl::Status CheckSpan(absl::string_view what, absl::Time start, absl::Time end,
                       absl::Duration max);

// User::granted: only a SERVICE user has grants, never kService, no repeats.
absl::Status CheckGrants(const core::User& u);

absl::Status CheckTokenHash(absl::string_view hash);
absl::Status CheckTokenPrefix(absl::string_view prefix);

// The smallest byte string greater than every string that begins with
// `prefix`, or nullopt when there is none (`prefix` is all 0xFF): the hashes
// beginning with a prefix are those in [prefix, successor).
std::optional<std::string> PrefixSuccessor(absl::string_view prefix);

// ALREADY_EXISTS (REQUEST_ID_REUSED): `b`'s user already stored a booking
// with `b`'s request_id.
absl::Status RequestIdReusedError(const core::Booking& b);

// OK, or FAILED_PRECONDITION with reason ATHLETE_BUSY or THERAPIST_BUSY
// (and metadata `booking`, the first conflicting session) when `b`, a confirmed
// session, overlaps another confirmed session of its athlete, or one of its
// therapist within the therapist's turnover buffer. Sessions other than
// confirmed ones never conflict; `b.id` (0 for a new one) is not compared
// with itself.
absl::Status CheckNoOverlap(Reader& r, const core::Booking& b);

// A new value for Therapist::generation: random, never 0.
int64_t NewGeneration();

// A new random store identity: 32 lowercase hex digits.
std::string NewStoreId();

}  // namespace clinic::storage

#endif  // CLINIC_SERVICES_STORAGE_CHECKS_H_
