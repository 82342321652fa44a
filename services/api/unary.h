#ifndef CLINIC_SERVICES_API_UNARY_H_
#define CLINIC_SERVICES_API_UNARY_H_

#include "grpcpp/grpcpp.h"
#include "services/api/status.h"

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

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_UNARY_H_
