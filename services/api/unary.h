// How a unary clinic.v1 call runs: authorized, under a bounded deadline, on
// clinicd's executor rather than a gRPC callback thread, and admitted per
// caller when it is a heavy read.
#ifndef CLINIC_SERVICES_API_UNARY_H_
#define CLINIC_SERVICES_API_UNARY_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/api/admission.h"
#include "services/api/authorize.h"
#include "services/api/executor.h"
#include "services/api/status.h"
#include "services/core/deadline.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic::api {

// Set once by clinicd before it serves.
struct CallLimits {
  // The longest any call may take, whatever deadline its caller set.
  absl::Duration max_call_time = absl::Seconds(30);
  // Runs every call's work; when null, calls run inline on gRPC's thread
  // (tests of single calls only).
  Executor* executor = nullptr;
  // Heavy reads (listings, availability, checks) one caller (one bearer
  // token, or none) may have queued or running at once.
  int max_heavy_calls_per_caller = 4;
};
void SetCallLimits(const CallLimits& limits);

// From now on every call is refused UNAVAILABLE ("retry the call": a
// client with several replicas' addresses reaches another), as clinicd
// shuts down.
void RefuseNewCalls();

// What a call's log line says beyond its method, code and latency, noted
// by the code that learns it while the call runs.
struct CallNote {
  std::string user;        // the caller's user id, once authorized
  std::string request_id;  // ReserveSlot's idempotency key, else the
                           // caller's x-request-id metadata
};
// The note of the call this thread is running; null outside a call.
CallNote* CurrentCallNote();

// The deadline a call runs under: its caller's, capped at max_call_time.
absl::Time CallDeadline(const grpc::ServerContextBase& ctx);

namespace internal {

// Admits a call of `method` for the caller of `ctx`: a ticket to hold
// until it ends (empty for all but heavy reads), or RESOURCE_EXHAUSTED
// (with a google.rpc.RetryInfo) when the caller has too many heavy reads in
// flight.
absl::StatusOr<Admission::Ticket> Admit(const grpc::ServerContextBase& ctx,
                                        absl::string_view method);
Executor* executor();
// RESOURCE_EXHAUSTED: the executor's queue is full.
absl::Status Busy();

// The note a call of `ctx` starts with.
CallNote NoteOf(const grpc::ServerContextBase& ctx);

// Sets CurrentCallNote() until destroyed.
class NoteScope {
 public:
  explicit NoteScope(CallNote* note);
  ~NoteScope();
  NoteScope(const NoteScope&) = delete;
  NoteScope& operator=(const NoteScope&) = delete;

 private:
  CallNote* const previous_;
};

// Finishes the call with `status` (ToGrpcStatus), counts a rejection's
// rules, and logs the call's line.
void Finish(grpc::ServerUnaryReactor* reactor, absl::string_view method,
            const absl::Status& status, absl::Time start, const CallNote& note);

}  // namespace internal

// Finishes a unary callback-API call of `method` with what `fn` returns
// (an absl::Status, through ToGrpcStatus; fn fills the response). fn runs
// on the executor, under the call's deadline (core::CallDeadline), and
// not at all when that has passed by the time a worker takes it; so fn
// must hold no references to the handler's locals (capture by value).
template <typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                absl::string_view method, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time start = absl::Now();
  CallNote note = internal::NoteOf(*ctx);
  absl::StatusOr<Admission::Ticket> ticket = internal::Admit(*ctx, method);
  if (!ticket.ok()) {
    internal::Finish(reactor, method, ticket.status(), start, note);
    return reactor;
  }
  auto run = [reactor, start, note, deadline = CallDeadline(*ctx),
              method = std::string(method), fn = std::move(fn),
              ticket = *std::move(ticket)]() mutable {
    absl::Status status =
        absl::DeadlineExceededError("the call's deadline passed before it ran");
    if (deadline > absl::Now()) {
      core::CallDeadline::Scope scope(deadline);
      internal::NoteScope noting(&note);
      status = fn();
    }
    ticket.Release();
    internal::Finish(reactor, method, status, start, note);
  };
  Executor* executor = internal::executor();
  if (executor == nullptr) {
    run();
  } else if (!executor->Submit(std::move(run))) {
    // `run` was dropped, and its ticket released with it.
    internal::Finish(reactor, method, internal::Busy(), start, note);
  }
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
// `accounts` must outlive the call.
template <typename Fn>
grpc::ServerUnaryReactor* Authorized(grpc::CallbackServerContext* ctx,
                                     auth::Accounts& accounts,
                                     absl::string_view method, Fn fn) {
  return Unary(ctx, method,
               [ctx, &accounts, method = std::string(method),
                fn = std::move(fn)]() mutable -> absl::Status {
                 CLINIC_ASSIGN_OR_RETURN(auth::Caller caller,
                                         Authorize(accounts, *ctx, method));
                 if (CallNote* note = CurrentCallNote()) {
                   note->user =
                       core::FormatId(core::IdKind::kUser, caller.user().id);
                 }
                 return fn(caller);
               });
}

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_UNARY_H_
