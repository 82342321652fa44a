#include "services/core/ids.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace clinic::core {
namespace {

struct KindInfo {
  const char* prefix;
  const char* noun;
};

KindInfo Info(IdKind kind) {
  switch (kind) {
    case IdKind::kTherapist:
      return {"th_", "therapist"};
    case IdKind::kAthlete:
      return {"ath_", "athlete"};
    case IdKind::kEvent:
      return {"ev_", "event"};
    case IdKind::kInjury:
      return {"inj_", "injury"};
    case IdKind::kBooking:
      return {"bk_", "booking"};
    case IdKind::kTimeOff:
      return {"off_", "time off"};
    case IdKind::kUser:
      return {"usr_", "user"};
    case IdKind::kToken:
      return {"tok_", "token"};
    case IdKind::kAuditEvent:
      return {"aud_", "audit event"};
  }
  return {"?_", "?"};
}

}  // namespace

std::string FormatId(IdKind kind, Id id) {
  return absl::StrCat(Info(kind).prefix, id);
}

absl::StatusOr<Id> ParseId(IdKind kind, absl::string_view text,
                           absl::string_view field) {
  const KindInfo info = Info(kind);
  const absl::string_view article =
      absl::string_view("aeiou").find(info.noun[0]) == absl::string_view::npos
          ? "a "
          : "an ";
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", article, info.noun, " id is required"));
  }
  Id id = 0;
  absl::string_view digits = text;
  if (!absl::ConsumePrefix(&digits, info.prefix) ||
      !absl::SimpleAtoi(digits, &id) || id <= 0 || FormatId(kind, id) != text) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", absl::CHexEscape(text.substr(0, 40)), "\" is not ",
        article, info.noun, " id (expected ", info.prefix, "<number>)"));
  }
  return id;
}

absl::Status NotFoundError(IdKind kind, Id id) {
  return absl::NotFoundError(
      absl::StrCat(Info(kind).noun, " ", FormatId(kind, id), " not found"));
}

}  // namespace clinic::core
