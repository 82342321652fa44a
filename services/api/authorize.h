// The check at the top of every clinic.v1 handler: who is calling (the
// bearer token in the "authorization" metadata) and whether their role may
// call the method at all.
#ifndef CLINIC_SERVICES_API_AUTHORIZE_H_
#define CLINIC_SERVICES_API_AUTHORIZE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "services/auth/accounts.h"
#include "services/auth/policy.h"

namespace clinic::api {

// The caller of `method` ("clinic.v1.BookingService/ReserveSlot").
// UNAUTHENTICATED when the token is missing, malformed, unknown or revoked
// or its user disabled; PERMISSION_DENIED naming the role and the method
// when the role may not call it.
absl::StatusOr<auth::Caller> Authorize(auth::Accounts& accounts,
                                       const grpc::ServerContextBase& ctx,
                                       absl::string_view method);

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_AUTHORIZE_H_
