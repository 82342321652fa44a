#include "services/api/authorize.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/error_reason.h"
#include "services/core/status_macros.h"

namespace clinic::api {
namespace {

constexpr size_t kMaxTokenLength = 512;

absl::Status Unauthenticated(absl::string_view reason,
                             absl::string_view message) {
  return core::WithReason(absl::UnauthenticatedError(message),
                          {std::string(reason), {}});
}

// The token of "Bearer <token>"; UNAUTHENTICATED when absent or malformed.
absl::StatusOr<std::string> BearerToken(const grpc::ServerContextBase& ctx) {
  const auto& metadata = ctx.client_metadata();
  if (metadata.count("authorization") > 1) {
    return Unauthenticated(
        core::kReasonTokenMalformed,
        "more than one authorization header; send one \"Bearer <token>\"");
  }
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Unauthenticated(
        core::kReasonTokenMissing,
        "missing token: send the metadata \"authorization: Bearer <token>\"");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "Bearer ")) {
    return Unauthenticated(
        core::kReasonTokenMalformed,
        "the authorization header must be \"Bearer <token>\"");
  }
  value.remove_prefix(7);
  if (value.empty() || value.size() > kMaxTokenLength) {
    return Unauthenticated(core::kReasonTokenMalformed, "malformed token");
  }
  return std::string(value);
}

}  // namespace

absl::StatusOr<auth::Caller> Authorize(auth::Accounts& accounts,
                                       const grpc::ServerContextBase& ctx,
                                       absl::string_view method) {
  CLINIC_ASSIGN_OR_RETURN(std::string token, BearerToken(ctx));
  CLINIC_ASSIGN_OR_RETURN(auth::Principal p, accounts.Authenticate(token));
  auth::Caller caller(std::move(p.user), std::move(p.token),
                      std::string(method));
  const std::optional<auth::Roles> allowed = auth::RolesFor(method);
  if (!allowed.has_value() ||
      !auth::EffectiveRoles(caller.user()).Intersects(*allowed)) {
    return caller.Denied("");
  }
  return caller;
}

}  // namespace clinic::api
