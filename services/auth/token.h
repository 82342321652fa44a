// Bearer tokens: made from the OS's randomness, kept only as a SHA-256,
// compared in constant time.
#ifndef CLINIC_SERVICES_AUTH_TOKEN_H_
#define CLINIC_SERVICES_AUTH_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic::auth {

// Bytes of randomness in a token: 256 bits.
inline constexpr int kTokenBytes = 32;
// Bytes of the hash the store indexes tokens by.
inline constexpr int kHashPrefixBytes = 8;

// "clinic_" and 43 base64url characters of getrandom(2) output.
// INTERNAL when the OS gives no randomness.
absl::StatusOr<std::string> NewTokenText();

// SHA-256 of `text`: 32 bytes.
std::string HashToken(absl::string_view text);

// Whether two hashes are equal, in time independent of where they differ.
bool SameHash(absl::string_view a, absl::string_view b);

}  // namespace clinic::auth

#endif  // CLINIC_SERVICES_AUTH_TOKEN_H_
