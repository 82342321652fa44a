// Users, their tokens and the audit log: the use cases of UserService and
// the check behind every call. Each write is one store transaction and
// writes its audit event in it. Thread-safe.
#ifndef CLINIC_SERVICES_AUTH_ACCOUNTS_H_
#define CLINIC_SERVICES_AUTH_ACCOUNTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/clock.h"
#include "services/core/types.h"
#include "services/storage/store.h"

namespace clinic::auth {

using core::Id;

struct Principal {
  core::User user;
  core::Token token;
};

struct NewToken {
  core::Token token;
  std::string text;  // shown once, never stored
};

class Accounts {
 public:
  // `store` and `clock` must outlive the Accounts.
  Accounts(storage::Store* store, const core::Clock* clock);

  // The user and token `text` belongs to. UNAUTHENTICATED, saying which,
  // when the token is unknown or revoked or its user disabled.
  //
  // Every call authenticates once, when it starts, by reading the store
  // (no cache): a revoke or disable that has committed, i.e. whose call has
  // answered, refuses every call that starts after it. A call that was
  // authenticated before the commit is not checked again and may still
  // finish, writes included, within its deadline (at most
  // --max_call_time).
  absl::StatusOr<Principal> Authenticate(absl::string_view text);

  // The caller validated roles and links; NOT_FOUND for a missing linked
  // record.
  absl::StatusOr<core::User> CreateUser(core::User user, const core::Actor& by);
  absl::StatusOr<core::User> GetUser(Id id);
  absl::StatusOr<std::vector<core::User>> ListUsers(
      const storage::PageRequest& page);
  // FAILED_PRECONDITION for the last enabled ADMIN. Disabling a disabled
  // user returns it unchanged.
  absl::StatusOr<core::User> DisableUser(Id id, const core::Actor& by);

  // A new token for the user (NOT_FOUND when missing, FAILED_PRECONDITION
  // when disabled).
  absl::StatusOr<NewToken> CreateToken(Id user_id, std::string label,
                                       const core::Actor& by);
  absl::StatusOr<std::vector<core::Token>> ListTokens(Id user_id);
  // Revoking a revoked token returns it unchanged. Once it has returned,
  // every call that starts with the token is refused (see Authenticate).
  absl::StatusOr<core::Token> RevokeToken(Id id, const core::Actor& by);

  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const std::string& target, const storage::PageRequest& page);

  // On a store with no user: creates the ADMIN user "admin" and a token
  // whose text is `text` (when not empty) or new. Returns the token's text,
  // or nullopt when users exist.
  absl::StatusOr<std::optional<std::string>> EnsureFirstAdmin(
      const std::string& text);

 private:
  absl::StatusOr<NewToken> InsertToken(storage::Transaction& tx, Id user_id,
                                       std::string label, std::string text,
                                       const core::Actor& by);

  storage::Store* const store_;
  const core::Clock* const clock_;
};

// The audit event of `by` doing `action` to `target` now.
core::AuditEvent Audit(const core::Actor& by, absl::Time now,
                       std::string action, std::string target,
                       std::string detail);

}  // namespace clinic::auth

#endif  // CLINIC_SERVICES_AUTH_ACCOUNTS_H_
