#ifndef CLINIC_SERVICES_API_UNARY_H_
#define CLINIC_SERVICES_API_UNARY_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/api/authorize.h"
#include "services/api/status.h"
#include "services/core/deadline.h"
#include "services/core/status_macros.h"

namespace clinic::api {

// The longest any call may take, whatever deadline its caller set (or
// none): set once by clinicd before it serves. Default 30 s.
void SetMaxCallTime(absl::Duration max);
// The deadline a call runs under: its caller's, capped at SetMaxCallTime.
absl::Time CallDeadline(const grpc::ServerContextBase& ctx);

// Finishes a unary callback-API call of `method` with what `fn` returns
// (an absl::Status, through ToGrpcStatus; the response is filled by fn).
// The work runs inline on the gRPC callback thread under the call's
// deadline (core::CallDeadline), and not at all when that has passed.
template <typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                absl::string_view method, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time deadline = CallDeadline(*ctx);
  if (deadline <= absl::Now()) {
    reactor->Finish(ToGrpcStatus(
        absl::DeadlineExceededError("the call's deadline passed before it ran"),
        method));
    return reactor;
  }
  core::CallDeadline::Scope scope(deadline);
  reactor->Finish(ToGrpcStatus(fn(), method));
  return reactor;
}

// A method's full name as the policy names it, e.g.
// MethodName<v1::BookingService>("ReserveSlot") is
// "clinic.v1.BookingService/ReserveSlot".
template <typename Service>
std::string MethodName(absl::string_view method) {
  return absl::StrCat(Service::service_full_name(), "/", method);
}

// Unary for a method only some may call: authorizes the caller of `method`
// (see Authorize), then finishes with what fn(const auth::Caller&) returns.
template <typename Fn>
grpc::ServerUnaryReactor* Authorized(grpc::CallbackServerContext* ctx,
                                     auth::Accounts& accounts,
                                     absl::string_view method, Fn&& fn) {
  return Unary(ctx, method, [&]() -> absl::Status {
    CLINIC_ASSIGN_OR_RETURN(auth::Caller caller,
                            Authorize(accounts, *ctx, method));
    return fn(caller);
  });
}

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_UNARY_H_
