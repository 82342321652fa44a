#include "services/core/ids.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/core/error_reason.h"
#include "services/core/text.h"

namespace clinic::core {
namespace {

struct KindInfo {
  const char* prefix;
  const char* noun;
  const char* type;  // the resource's message in clinic.v1
};

KindInfo Info(IdKind kind) {
  switch (kind) {
    case IdKind::kTherapist:
      return {"th_", "therapist", "clinic.v1.Therapist"};
    case IdKind::kAthlete:
      return {"ath_", "athlete", "clinic.v1.Athlete"};
    case IdKind::kEvent:
      return {"ev_", "event", "clinic.v1.Event"};
    case IdKind::kInjury:
      return {"inj_", "injury", "clinic.v1.Injury"};
    case IdKind::kBooking:
      return {"bk_", "booking", "clinic.v1.Booking"};
    case IdKind::kTimeOff:
      return {"off_", "time off", "clinic.v1.TimeOff"};
    case IdKind::kUser:
      return {"usr_", "user", "clinic.v1.User"};
    case IdKind::kToken:
      return {"tok_", "token", "clinic.v1.Token"};
    case IdKind::kAuditEvent:
      return {"aud_", "audit event", "clinic.v1.AuditEvent"};
    case IdKind::kClinic:
      return {"cl_", "clinic", "clinic.v1.Clinic"};
  }
  return {"?_", "?", "?"};
}

}  // namespace

std::string FormatId(IdKind kind, Id id) {
  return absl::StrCat(Info(kind).prefix, id);
}

absl::StatusOr<Id> ParseId(IdKind kind, absl::string_view text,
                           absl::string_view field) {
  const KindInfo info = Info(kind);
  const absl::string_view article =
      !absl::StrContains("aeiou", info.noun[0]) ? "a " : "an ";
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", article, info.noun, " id is required"));
  }
  Id id = 0;
  absl::string_view digits = text;
  if (!absl::ConsumePrefix(&digits, info.prefix) ||
      !absl::SimpleAtoi(digits, &id) || id <= 0 || FormatId(kind, id) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", Excerpt(text), "\" is not ", article,
                     info.noun, " id (expected ", info.prefix, "<number>)"));
  }
  return id;
}

absl::Status NotFoundError(IdKind kind, Id id) {
  const KindInfo info = Info(kind);
  const std::string name = FormatId(kind, id);
  return WithReason(
      absl::NotFoundError(absl::StrCat(info.noun, " ", name, " not found")),
      {"NOT_FOUND", {{"resource_type", info.type}, {"resource_name", name}}});
}

}  // namespace clinic::core
