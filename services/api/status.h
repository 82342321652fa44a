// The one place where domain statuses become gRPC statuses. Error details
// travel as absl::Status payloads keyed by their type URL; ToGrpcStatus
// packs every payload into the google.rpc.Status of the
// grpc-status-details-bin trailer, so callers read them with any gRPC
// rich-error helper.
#ifndef CLINIC_SERVICES_API_STATUS_H_
#define CLINIC_SERVICES_API_STATUS_H_

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

// FAILED_PRECONDITION for a verdict with violations: the message is their
// sentences; the reason is RECOVERY_RULE_VIOLATED and a
// clinic.v1.BookingRejection carries the findings and `suggestions`.
absl::Status RejectionStatus(const core::Verdict& verdict,
                             const std::vector<core::Slot>& suggestions = {});

// The status a call of `method` (e.g. "clinic.v1.BookingService/GetBooking")
// answers. Its details hold every payload of `status` plus a
// google.rpc.ErrorInfo (domain clinic.v1) with the reason and metadata of
// core::ReasonOf, or the code's name; a NOT_FOUND naming its resource also
// gets a google.rpc.ResourceInfo.
//
// INTERNAL, UNKNOWN, DATA_LOSS and UNAVAILABLE come from below the API (the
// store) and may carry SQL or paths: the caller gets only a sentence and a
// reference ("internal error (ref 4f2a...)", reason INTERNAL or
// UNAVAILABLE with metadata ref), and the server's log gets the reference,
// the method and the original message, on one line of stderr.
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method);

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_STATUS_H_
