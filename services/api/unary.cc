#include "services/api/unary.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "clinic/v1/bookings.pb.h"
#include "google/rpc/error_details.pb.h"
#include "services/core/error_reason.h"
#include "services/telemetry/log.h"
#include "services/telemetry/metrics.h"

namespace clinic::api {
namespace {

// Written once before serving, read by every call afterwards.
CallLimits limits;
std::unique_ptr<Admission> heavy_reads;

thread_local CallNote* current_note = nullptr;
std::atomic<bool> refusing{false};

// A client's own id of a request: printable ASCII, bounded, so that a log
// line stays one line of reasonable length.
constexpr size_t kMaxRequestIdBytes = 64;
std::string Printable(absl::string_view text) {
  std::string out(text.substr(0, kMaxRequestIdBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

// Server failures are errors of the log; a caller held up or refused is a
// warning; what callers get wrong is theirs (info, with every other call).
telemetry::LogLevel LevelOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
      return telemetry::LogLevel::kError;
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return telemetry::LogLevel::kWarning;
    default:
      return telemetry::LogLevel::kInfo;
  }
}

// Each violated rule of a rejection, counted in the metrics.
void CountRejection(const absl::Status& status) {
  const auto payload = status.GetPayload(absl::StrCat(
      "type.googleapis.com/", v1::BookingRejection::descriptor()->full_name()));
  v1::BookingRejection rejection;
  if (!payload.has_value() ||
      !rejection.ParseFromString(std::string(*payload))) {
    return;
  }
  for (const v1::Finding& finding : rejection.violations()) {
    telemetry::Metrics::Get().Rejected(finding.rule_id());
  }
}

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

CallNote* CurrentCallNote() { return current_note; }

void RefuseNewCalls() { refusing = true; }

absl::Time CallDeadline(const grpc::ServerContextBase& ctx) {
  return std::min(absl::FromChrono(ctx.deadline()),
                  absl::Now() + limits.max_call_time);
}

namespace internal {

absl::StatusOr<Admission::Ticket> Admit(const grpc::ServerContextBase& ctx,
                                        absl::string_view method) {
  if (refusing) {
    return absl::UnavailableError("clinicd is shutting down");
  }
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

CallNote NoteOf(const grpc::ServerContextBase& ctx) {
  CallNote note;
  const auto& metadata = ctx.client_metadata();
  const auto it = metadata.find("x-request-id");
  if (it != metadata.end()) {
    note.request_id = std::string(it->second.data(), it->second.size());
  }
  return note;
}

NoteScope::NoteScope(CallNote* note) : previous_(current_note) {
  current_note = note;
}

NoteScope::~NoteScope() { current_note = previous_; }

void Finish(grpc::ServerUnaryReactor* reactor, absl::string_view method,
            const absl::Status& status, absl::Time start,
            const CallNote& note) {
  std::string ref;
  grpc::Status sent = ToGrpcStatus(status, method, &ref);
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    const std::optional<core::ErrorReason> reason = core::ReasonOf(status);
    if (reason && reason->reason == core::kReasonRuleViolated) {
      CountRejection(status);
    }
  }
  // Logged before the caller hears back, so that a caller that reads the
  // log next finds the line.
  const telemetry::LogLevel level = LevelOf(status.code());
  if (telemetry::LogEnabled(level)) {
    telemetry::LogLine line(level, "call");
    line.Field("method", method)
        .Field("code", absl::StatusCodeToString(status.code()))
        .Millis("latency", absl::Now() - start)
        .Field("user", note.user)
        .Field("request_id", Printable(note.request_id))
        .Field("ref", ref);
    // The original message of a hidden error is for the log only.
    if (!ref.empty()) line.Field("error", status.message());
  }
  reactor->Finish(std::move(sent));
}

}  // namespace internal
}  // namespace clinic::api
