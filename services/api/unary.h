#ifndef CLINIC_SERVICES_API_UNARY_H_
#define CLINIC_SERVICES_API_UNARY_H_

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "services/api/authorize.h"
#include "services/api/status.h"
#include "services/core/status_macros.h"

namespace clinic::api {

// Finishes a unary callback-API call with what `fn` returns (an
// absl::Status; the response is filled by fn). The work runs inline on the
// gRPC callback thread.
template <typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(fn()));
  return reactor;
}

// Unary for a method only some may call: authorizes the caller of `method`
// (see Authorize), then finishes with what fn(const auth::Caller&) returns.
template <typename Fn>
grpc::ServerUnaryReactor* Authorized(grpc::CallbackServerContext* ctx,
                                     auth::Accounts& accounts,
                                     absl::string_view method, Fn&& fn) {
  return Unary(ctx, [&]() -> absl::Status {
    CLINIC_ASSIGN_OR_RETURN(auth::Caller caller,
                            Authorize(accounts, *ctx, method));
    return fn(caller);
  });
}

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_UNARY_H_
