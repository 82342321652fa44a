// The one place where domain statuses become gRPC statuses. Error details
// travel as absl::Status payloads keyed by their type URL; ToGrpcStatus
// packs every payload into the google.rpc.Status of the
// grpc-status-details-bin trailer, so callers read them with any gRPC
// rich-error helper.
#ifndef CLINIC_SERVICES_API_STATUS_H_
#define CLINIC_SERVICES_API_STATUS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "services/core/availability.h"
#include "services/core/rules.h"

namespace clinic::api {

inline constexpr char kErrorDomain[] = "clinic.v1";

// Attaches `detail` to `status` as a payload.
void AddDetail(absl::Status& status, const google::protobuf::Message& detail);

// INVALID_ARGUMENT "field: description" with a google.rpc.BadRequest
// naming the field.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);

// Size budgets of an error's trailers. A default gRPC client refuses
// trailing metadata over 8 KB: the call fails with RESOURCE_EXHAUSTED
// instead of the error, and the connection it shares with other calls is
// torn down. grpc-message carries the message percent-encoded (every byte
// outside printable ASCII, and '%', as 3 bytes); grpc-status-details-bin
// the serialized google.rpc.Status in base64 (4 bytes for every 3).
//
// A rejection's message joins violation sentences while it stays within
// kRejectionMessageBytes encoded, and its details hold violations, then
// warnings, then suggestions while the serialized google.rpc.Status stays
// within kRejectionDetailsBytes; the first violation is always there
// (within the ceilings below, which no sentence of the engine reaches).
inline constexpr size_t kRejectionMessageBytes = 1024;
inline constexpr size_t kRejectionDetailsBytes = 3072;
// Any status: a message longer than kMaxMessageBytes encoded is cut at a
// character boundary and ends in "...", and payloads are dropped, last
// first, while the serialized google.rpc.Status is over kMaxDetailsBytes
// (the ErrorInfo stays). So the two trailers stay under 6.5 KB together.
inline constexpr size_t kMaxMessageBytes = 1536;
inline constexpr size_t kMaxDetailsBytes = 3584;

// The size of `text` percent-encoded as grpc-message.
size_t EncodedMessageSize(absl::string_view text);

// FAILED_PRECONDITION for a verdict with violations; the reason is
// RECOVERY_RULE_VIOLATED. The message is the violations' sentences as far
// as kRejectionMessageBytes allows (the first one always, cut to
// kMaxMessageBytes), then " (and N more)" counting the violations left out,
// verdict.omitted_violations too. A clinic.v1.BookingRejection carries the
// findings and `suggestions` as far as kRejectionDetailsBytes allows, in
// that order, and counts the findings it leaves out.
absl::Status RejectionStatus(const core::Verdict& verdict,
                             const std::vector<core::Slot>& suggestions = {});

// The status a call of `method` (e.g. "clinic.v1.BookingService/GetBooking")
// answers. Its details hold every payload of `status` plus a
// google.rpc.ErrorInfo (domain clinic.v1) with the reason and metadata of
// core::ReasonOf, or the code's name; a NOT_FOUND naming its resource also
// gets a google.rpc.ResourceInfo.
//
// The message and details keep to kMaxMessageBytes and kMaxDetailsBytes.
//
// INTERNAL, UNKNOWN, DATA_LOSS and UNAVAILABLE come from below the API (the
// store) and may carry SQL or paths: the caller gets only a sentence and a
// reference ("internal error (ref 4f2a...)", reason INTERNAL or
// UNAVAILABLE with metadata ref). The reference is stored in *ref when ref
// is given, for the caller's log line to name with the original message;
// otherwise that line is logged here.
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method,
                          std::string* ref = nullptr);

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_STATUS_H_
