#include "services/api/unary.h"

#include <algorithm>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "google/rpc/error_details.pb.h"
#include "services/core/error_reason.h"

namespace clinic::api {
namespace {

// Written once before serving, read by every call afterwards.
CallLimits limits;
std::unique_ptr<Admission> heavy_reads;

// How long a refused caller is told to wait before trying again.
constexpr absl::Duration kRetryDelay = absl::Seconds(1);

// Reads that may scan many rows or compute many slots.
bool Heavy(absl::string_view method) {
  static const auto* const kHeavy = new absl::flat_hash_set<std::string>{
      "clinic.v1.BookingService/ListAvailableSlots",
      "clinic.v1.BookingService/CheckBooking",
      "clinic.v1.BookingService/ListBookings",
      "clinic.v1.TherapistService/ListTherapists",
      "clinic.v1.AthleteService/ListAthletes",
      "clinic.v1.AthleteService/ListEvents",
      "clinic.v1.UserService/ListUsers",
      "clinic.v1.UserService/ListAuditEvents",
  };
  return kHeavy->contains(method);
}

absl::Status Exhausted(absl::string_view message, const char* reason) {
  absl::Status status =
      core::WithReason(absl::ResourceExhaustedError(message), {reason, {}});
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(kRetryDelay));
  AddDetail(status, retry);
  return status;
}

}  // namespace

void SetCallLimits(const CallLimits& l) {
  limits = l;
  heavy_reads = std::make_unique<Admission>(l.max_heavy_calls_per_caller);
}

absl::Time CallDeadline(const grpc::ServerContextBase& ctx) {
  return std::min(absl::FromChrono(ctx.deadline()),
                  absl::Now() + limits.max_call_time);
}

namespace internal {

absl::StatusOr<Admission::Ticket> Admit(const grpc::ServerContextBase& ctx,
                                        absl::string_view method) {
  if (heavy_reads == nullptr || !Heavy(method)) return Admission::Ticket();
  // The caller as it presents itself: its bearer token, checked later.
  const auto& metadata = ctx.client_metadata();
  const auto it = metadata.find("authorization");
  std::string key = it == metadata.end()
                        ? ""
                        : std::string(it->second.data(), it->second.size());
  std::optional<Admission::Ticket> ticket =
      heavy_reads->TryAdmit(std::move(key));
  if (!ticket.has_value()) {
    return Exhausted(
        absl::StrCat("this caller has ", limits.max_heavy_calls_per_caller,
                     " listings or checks in flight already; retry in ",
                     absl::FormatDuration(kRetryDelay)),
        "TOO_MANY_CALLS");
  }
  return *std::move(ticket);
}

Executor* executor() { return limits.executor; }

absl::Status Busy() {
  return Exhausted(absl::StrCat("clinicd is busy; retry in ",
                                absl::FormatDuration(kRetryDelay)),
                   "SERVER_BUSY");
}

}  // namespace internal
}  // namespace clinic::api
