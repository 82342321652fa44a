// Machine-readable reasons on statuses (AIP-193). Whoever makes an error
// that a program may want to tell apart attaches a stable UPPER_SNAKE
// reason, and facts as key/value metadata; the API layer turns them into
// the google.rpc.ErrorInfo (domain clinic.v1) of the call's status details.
// A status with none gets its code's name as the reason there. Pure; no
// protobuf here, the reason travels as an absl::Status payload.
#ifndef CLINIC_SERVICES_CORE_ERROR_REASON_H_
#define CLINIC_SERVICES_CORE_ERROR_REASON_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace clinic::core {

// The reasons the README lists, beyond the code names.
inline constexpr char kReasonRuleViolated[] = "RECOVERY_RULE_VIOLATED";
inline constexpr char kReasonRequestIdReused[] = "REQUEST_ID_REUSED";
inline constexpr char kReasonBookingCancelled[] = "BOOKING_CANCELLED";
inline constexpr char kReasonClinicHasSessions[] = "CLINIC_HAS_SESSIONS";
inline constexpr char kReasonLastAdmin[] = "LAST_ADMIN";
inline constexpr char kReasonUserDisabled[] = "USER_DISABLED";
inline constexpr char kReasonTokenMissing[] = "TOKEN_MISSING";
inline constexpr char kReasonTokenMalformed[] = "TOKEN_MALFORMED";
inline constexpr char kReasonTokenUnknown[] = "TOKEN_UNKNOWN";
inline constexpr char kReasonTokenRevoked[] = "TOKEN_REVOKED";
inline constexpr char kReasonTimeOffOverlaps[] = "TIME_OFF_OVERLAPS";
inline constexpr char kReasonTimeOffLimit[] = "TIME_OFF_LIMIT";

struct ErrorReason {
  std::string reason;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// `status` carrying `reason`, replacing any reason it had. An OK status is
// returned unchanged.
absl::Status WithReason(absl::Status status, ErrorReason reason);

// The reason WithReason attached, if any.
std::optional<ErrorReason> ReasonOf(const absl::Status& status);

// The payload key WithReason uses; the API layer keeps it out of the
// details it sends.
inline constexpr char kReasonPayload[] = "clinic.v1/ErrorReason";

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_ERROR_REASON_H_
