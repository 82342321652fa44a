// Fuzzes the server's request validation: the conversions of
// services/api/convert.h that the handlers run on what clients send.
//
// Input: the first byte picks a Kind (modulo kNumKinds); the rest is that
// request serialized (inputs that do not parse are skipped), or, for
// kRawText and kPageToken, raw bytes. Every conversion's result is checked
// against convert.h's contract, most of them against a reference computed
// here independently; a broken contract abort()s (see invariant.h).
// tests/fuzz/make_request_seeds writes the seed corpus in this format.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.pb.h"
#include "clinic/v1/bookings.pb.h"
#include "clinic/v1/therapists.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "services/api/convert.h"
#include "services/api/status.h"
#include "services/core/ids.h"
#include "services/core/rule_table.h"
#include "services/core/types.h"
#include "tests/fuzz/invariant.h"

namespace clinic::api {
namespace {

using core::IdKind;
using google::protobuf::Duration;
using google::protobuf::Timestamp;

// What the first input byte selects. Append only: the seeds depend on the
// numbers.
enum Kind : uint8_t {
  kCreateTherapist = 0,  // v1::CreateTherapistRequest
  kUpdateTherapist = 1,  // v1::UpdateTherapistRequest
  kRuleSet = 2,          // v1::RuleSet
  kListBookings = 3,     // v1::ListBookingsRequest
  kListEvents = 4,       // v1::ListEventsRequest
  kListSlots = 5,        // v1::ListAvailableSlotsRequest
  kListTherapists = 6,   // v1::ListTherapistsRequest
  kReserveSlot = 7,      // v1::ReserveSlotRequest
  kCreateAthlete = 8,    // v1::CreateAthleteRequest
  kAddEvent = 9,         // v1::AddEventRequest
  kAddInjury = 10,       // v1::AddInjuryRequest
  kAddTimeOff = 11,      // v1::AddTimeOffRequest
  kCancelBooking = 12,   // v1::CancelBookingRequest
  kRawText = 13,         // bytes as an id, a text field and a page token
  kPageToken = 14,       // bytes web-safe base64 encoded as a page token
  kNumKinds = 15,
};

struct IdPrefix {
  IdKind kind;
  const char* prefix;
};
// The public id prefixes of core/ids.h, spelled out independently.
constexpr IdPrefix kIdPrefixes[] = {
    {IdKind::kTherapist, "th_"},   {IdKind::kAthlete, "ath_"},
    {IdKind::kEvent, "ev_"},       {IdKind::kInjury, "inj_"},
    {IdKind::kBooking, "bk_"},     {IdKind::kTimeOff, "off_"},
    {IdKind::kUser, "usr_"},       {IdKind::kToken, "tok_"},
    {IdKind::kAuditEvent, "aud_"},
};

// --- References ------------------------------------------------------------

// The code points of `s` by Unicode's table of well-formed byte sequences
// (Table 3-7), or nullopt when `s` is not UTF-8.
std::optional<std::vector<char32_t>> DecodeUtf8(absl::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const uint8_t b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if (b0 == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
      len = 3;
    } else if (b0 == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      len = 4;
    } else if (b0 == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      return std::nullopt;
    }
    if (s.size() - i < len) return std::nullopt;
    const uint8_t b1 = static_cast<uint8_t>(s[i + 1]);
    if (b1 < lo || b1 > hi) return std::nullopt;
    char32_t cp = b0 & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      const uint8_t b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool IsUtf8(absl::string_view s) { return DecodeUtf8(s).has_value(); }

// What core::IsBlank counts as showing nothing: white space and invisible
// format characters (controls are refused before blankness matters).
bool Invisible(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x20, 0x20},       {0xA0, 0xA0},     {0xAD, 0xAD},
      {0x34F, 0x34F},     {0x61C, 0x61C},   {0x115F, 0x1160},
      {0x1680, 0x1680},   {0x17B4, 0x17B5}, {0x180B, 0x180F},
      {0x2000, 0x200F},   {0x2028, 0x202F}, {0x205F, 0x206F},
      {0x3000, 0x3000},   {0x3164, 0x3164}, {0xFE00, 0xFE0F},
      {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0}, {0x1D173, 0x1D17A},
      {0xE0000, 0xE0FFF},
  };
  return std::any_of(
      std::begin(kRanges), std::end(kRanges),
      [c](const auto& r) { return c >= r.first && c <= r.second; });
}

// CheckText's contract: UTF-8 without a control character (Unicode Cc:
// U+0000-U+001F, U+007F-U+009F), at most `max_chars` code points, and not
// blank (only white space and invisible characters) when `required`.
bool TextOk(absl::string_view text, int max_chars, bool required) {
  const std::optional<std::vector<char32_t>> cps = DecodeUtf8(text);
  if (!cps.has_value()) return false;
  bool blank = true;
  for (const char32_t c : *cps) {
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return false;
    // The other ASCII white space characters are controls.
    if (!Invisible(c)) blank = false;
  }
  return static_cast<int64_t>(cps->size()) <= max_chars && !(required && blank);
}

// CheckName's contract: TextOk for a required name, without bidi
// embedding, override or isolate controls.
bool NameOk(absl::string_view text) {
  if (!TextOk(text, kMaxNameLength, /*required=*/true)) return false;
  const std::vector<char32_t> cps = *DecodeUtf8(text);
  return std::none_of(cps.begin(), cps.end(), [](char32_t c) {
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
  });
}

// Whether `text` is a public id of `kind`: its prefix, then a positive
// int64 in decimal without a sign or leading zeros.
bool IdOk(IdKind kind, absl::string_view text) {
  for (const IdPrefix& p : kIdPrefixes) {
    if (p.kind != kind) continue;
    if (!absl::ConsumePrefix(&text, p.prefix)) return false;
    if (text.empty() || text.size() > 19 || text[0] == '0') return false;
    uint64_t value = 0;  // 19 digits fit
    for (const char c : text) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  }
  FUZZ_CHECK(false && "an IdKind without a prefix");
  return false;
}

// The instant of `t` when it lies in google.protobuf.Timestamp's range,
// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
std::optional<absl::Time> TimeOk(const Timestamp& t) {
  static const absl::Time kFirst =
      absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  static const absl::Time kLastSecond = absl::FromCivil(
      absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone());
  if (t.nanos() < 0 || t.nanos() > 999'999'999) return std::nullopt;
  const absl::Time second = absl::FromUnixSeconds(t.seconds());
  if (second < kFirst || second > kLastSecond) return std::nullopt;
  return second + absl::Nanoseconds(t.nanos());
}

// Whether `d` is a well-formed google.protobuf.Duration (nanos in
// (-10^9, 10^9), not of the opposite sign to seconds) in [min, max].
bool DurationOk(const Duration& d, absl::Duration min, absl::Duration max) {
  if (d.nanos() <= -1'000'000'000 || d.nanos() >= 1'000'000'000) return false;
  if ((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0))
    return false;
  const __int128 nanos =
      static_cast<__int128>(d.seconds()) * 1'000'000'000 + d.nanos();
  return nanos >= absl::ToInt64Nanoseconds(min) &&
         nanos <= absl::ToInt64Nanoseconds(max);
}

bool IsModality(core::Modality m) {
  return std::find(std::begin(core::kAllModalities),
                   std::end(core::kAllModalities),
                   m) != std::end(core::kAllModalities);
}

// --- Checked conversions ---------------------------------------------------

// A convert.h error: INVALID_ARGUMENT with a UTF-8 message (clients read it
// from a proto3 string of google.rpc.Status). With a google.rpc.BadRequest
// detail (required when `bad_request`), the message is "field:
// description" of its one violation, and the detail reaches the client
// through ToGrpcStatus. Returns the violation's field, or "".
std::string CheckError(const absl::Status& status, bool bad_request = true) {
  FUZZ_CHECK(!status.ok());
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(IsUtf8(status.message()));
  // An absl::optional: this absl does not alias it to std::optional.
  const auto payload =
      status.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  FUZZ_CHECK(payload.has_value() || !bad_request);
  const grpc::Status sent = ToGrpcStatus(status, "fuzz");
  FUZZ_CHECK(sent.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  if (!payload.has_value()) return "";
  google::rpc::BadRequest bad;
  FUZZ_CHECK(bad.ParseFromString(std::string(*payload)));
  FUZZ_CHECK(bad.field_violations_size() == 1);
  const google::rpc::BadRequest::FieldViolation& v = bad.field_violations(0);
  FUZZ_CHECK(!v.field().empty());
  FUZZ_CHECK(status.message() ==
             absl::StrCat(v.field(), ": ", v.description()));
  google::rpc::Status rich;
  FUZZ_CHECK(rich.ParseFromString(sent.error_details()));
  FUZZ_CHECK(rich.message() == status.message());
  // The BadRequest, and the ErrorInfo every error carries.
  FUZZ_CHECK(rich.details_size() == 2);
  google::rpc::ErrorInfo info;
  FUZZ_CHECK(rich.details(0).UnpackTo(&info));
  FUZZ_CHECK(info.reason() == "INVALID_ARGUMENT");
  FUZZ_CHECK(rich.details(1).Is<google::rpc::BadRequest>());
  return v.field();
}

std::optional<core::Id> CheckedId(IdKind kind, absl::string_view text,
                                  absl::string_view field) {
  const absl::StatusOr<core::Id> id = IdFromProto(kind, text, field);
  FUZZ_CHECK(id.ok() == IdOk(kind, text));
  if (!id.ok()) {
    FUZZ_CHECK(CheckError(id.status()) == field);
    return std::nullopt;
  }
  FUZZ_CHECK(*id > 0);
  FUZZ_CHECK(core::FormatId(kind, *id) == text);
  return *id;
}

bool CheckedText(absl::string_view text, absl::string_view field, int max_chars,
                 bool required) {
  const absl::Status status = CheckText(text, field, max_chars, required);
  FUZZ_CHECK(status.ok() == TextOk(text, max_chars, required));
  if (!status.ok()) {
    FUZZ_CHECK(CheckError(status) == field);
    return false;
  }
  // A value that passed once passes again.
  FUZZ_CHECK(CheckText(text, field, max_chars, required).ok());
  return true;
}

std::optional<absl::Time> CheckedTime(const Timestamp& t,
                                      absl::string_view field) {
  const absl::StatusOr<absl::Time> time = TimeFromProto(t, field);
  const std::optional<absl::Time> want = TimeOk(t);
  FUZZ_CHECK(time.ok() == want.has_value());
  if (!time.ok()) {
    FUZZ_CHECK(CheckError(time.status()) == field);
    return std::nullopt;
  }
  FUZZ_CHECK(*time == *want);
  Timestamp back;
  ToProto(*time, &back);
  FUZZ_CHECK(back.seconds() == t.seconds() && back.nanos() == t.nanos());
  return *time;
}

std::optional<absl::Duration> CheckedDuration(const Duration& d,
                                              absl::string_view field,
                                              absl::Duration min,
                                              absl::Duration max) {
  const absl::StatusOr<absl::Duration> value =
      DurationFromProto(d, field, min, max);
  FUZZ_CHECK(value.ok() == DurationOk(d, min, max));
  if (!value.ok()) {
    FUZZ_CHECK(CheckError(value.status()) == field);
    return std::nullopt;
  }
  FUZZ_CHECK(*value >= min && *value <= max);
  Duration back;
  ToProto(*value, &back);
  FUZZ_CHECK(back.seconds() == d.seconds() && back.nanos() == d.nanos());
  return *value;
}

std::optional<core::Modality> CheckedModality(int m, absl::string_view field) {
  const absl::StatusOr<core::Modality> modality = ModalityFromProto(m, field);
  FUZZ_CHECK(modality.ok() == (m == v1::DEEP_TISSUE ||
                               m == v1::ACTIVE_RELEASE || m == v1::SPORTS));
  if (!modality.ok()) {
    FUZZ_CHECK(CheckError(modality.status()) == field);
    return std::nullopt;
  }
  FUZZ_CHECK(IsModality(*modality));
  FUZZ_CHECK(ToProto(*modality) == m);
  return *modality;
}

// TimeRangeFromProto with defaults [from, to): each bound given replaces its
// default, and the result must be non-empty.
void CheckRange(const Timestamp* start, const Timestamp* end, absl::Time from,
                absl::Time to) {
  std::optional<absl::Time> want_from = from, want_to = to;
  if (start != nullptr) want_from = TimeOk(*start);
  if (end != nullptr) want_to = TimeOk(*end);
  const absl::Status status = TimeRangeFromProto(start, end, &from, &to);
  FUZZ_CHECK(status.ok() == (want_from.has_value() && want_to.has_value() &&
                             *want_from < *want_to));
  if (!status.ok()) {
    const std::string field = CheckError(status);
    FUZZ_CHECK(field == "start_time" || field == "end_time");
    return;
  }
  FUZZ_CHECK(from == *want_from && to == *want_to);
}

void CheckPageSize(int32_t page_size) {
  const absl::StatusOr<int> size = PageSizeFromProto(page_size);
  FUZZ_CHECK(size.ok() == (page_size >= 0));
  if (!size.ok()) {
    FUZZ_CHECK(CheckError(size.status()) == "page_size");
    return;
  }
  FUZZ_CHECK(*size == (page_size == 0 ? kDefaultPageSize
                                      : std::min(page_size, kMaxPageSize)));
}

// Every page token decoder on `token`: a decoded value encodes to a token
// that decodes to the same value; a token is of at most one kind.
void CheckPageTokens(absl::string_view token) {
  const absl::StatusOr<core::Id> id = IdFromPageToken(token);
  if (!id.ok()) {
    FUZZ_CHECK(CheckError(id.status()) == "page_token");
  } else {
    FUZZ_CHECK(*id >= 0);
    FUZZ_CHECK(!token.empty() || *id == 0);
    const absl::StatusOr<core::Id> again = IdFromPageToken(IdPageToken(*id));
    FUZZ_CHECK(again.ok() && *again == *id);
  }
  const absl::StatusOr<storage::PageRequest> page = IdPageFromProto(7, token);
  FUZZ_CHECK(page.ok() == id.ok());
  if (page.ok()) FUZZ_CHECK(page->after_id == *id && page->limit == 8);

  const absl::StatusOr<storage::BookingCursor> cursor =
      BookingCursorFromPageToken(token);
  if (!cursor.ok()) {
    FUZZ_CHECK(CheckError(cursor.status()) == "page_token");
  } else if (token.empty()) {
    FUZZ_CHECK(cursor->start == absl::InfinitePast() && cursor->id == 0);
  } else {
    core::Booking last;
    last.start = cursor->start;
    last.id = cursor->id;
    const absl::StatusOr<storage::BookingCursor> again =
        BookingCursorFromPageToken(BookingPageToken(last));
    FUZZ_CHECK(again.ok() && again->start == cursor->start &&
               again->id == cursor->id);
  }

  const absl::StatusOr<std::optional<core::Slot>> slot =
      SlotFromPageToken(token);
  if (!slot.ok()) {
    FUZZ_CHECK(CheckError(slot.status()) == "page_token");
  } else if (token.empty()) {
    FUZZ_CHECK(!slot->has_value());
  } else {
    FUZZ_CHECK(slot->has_value());
    const core::Slot& s = **slot;
    const absl::StatusOr<std::optional<core::Slot>> again =
        SlotFromPageToken(SlotPageToken(s));
    FUZZ_CHECK(again.ok() && again->has_value());
    const core::Slot& t = **again;
    FUZZ_CHECK(t.start == s.start && t.therapist_id == s.therapist_id &&
               t.modality == s.modality);
  }

  if (!token.empty()) {
    FUZZ_CHECK(int{id.ok()} + int{cursor.ok()} + int{slot.ok()} <= 1);
  }
}

// --- Therapists ------------------------------------------------------------

// The fields ApplyTherapistFields sets.
bool SameTherapist(const core::Therapist& a, const core::Therapist& b) {
  auto price = [](const core::Price& p) {
    return std::make_tuple(p.modality, p.cents);
  };
  auto hours = [](const core::WorkingHours& h) {
    return std::make_tuple(h.day, h.start_minute, h.end_minute);
  };
  if (a.name != b.name || a.modalities != b.modalities ||
      a.turnover_buffer != b.turnover_buffer ||
      a.prices.size() != b.prices.size() || a.hours.size() != b.hours.size()) {
    return false;
  }
  for (size_t i = 0; i < a.prices.size(); ++i) {
    if (price(a.prices[i]) != price(b.prices[i])) return false;
  }
  for (size_t i = 0; i < a.hours.size(); ++i) {
    if (hours(a.hours[i]) != hours(b.hours[i])) return false;
  }
  return true;
}

// What a therapist built by ApplyTherapistFields from a valid one and
// accepted by CheckTherapist is; and it survives ToProto and back.
void CheckValidTherapist(const core::Therapist& t) {
  FUZZ_CHECK(NameOk(t.name));
  FUZZ_CHECK(CheckName(t.name, "n").ok());
  FUZZ_CHECK(!t.modalities.empty());
  for (size_t i = 0; i < t.modalities.size(); ++i) {
    FUZZ_CHECK(IsModality(t.modalities[i]));
    for (size_t j = 0; j < i; ++j) {
      FUZZ_CHECK(t.modalities[j] != t.modalities[i]);
    }
  }
  for (size_t i = 0; i < t.prices.size(); ++i) {
    const core::Price& p = t.prices[i];
    FUZZ_CHECK(IsModality(p.modality));
    FUZZ_CHECK(t.Offers(p.modality));
    FUZZ_CHECK(p.cents >= 0 && p.cents <= 100'000'000);
    for (size_t j = 0; j < i; ++j) {
      FUZZ_CHECK(t.prices[j].modality != p.modality);
    }
  }
  for (size_t i = 0; i < t.hours.size(); ++i) {
    const core::WorkingHours& h = t.hours[i];
    const int day = static_cast<int>(h.day);
    FUZZ_CHECK(day >= 0 && day <= 6);
    FUZZ_CHECK(h.start_minute >= 0 && h.start_minute < h.end_minute &&
               h.end_minute <= 24 * 60);
    if (i > 0) {
      const core::WorkingHours& prev = t.hours[i - 1];
      // Sorted by (day, start), and spans of a day do not overlap.
      FUZZ_CHECK(static_cast<int>(prev.day) <= day);
      FUZZ_CHECK(prev.day != h.day || prev.end_minute <= h.start_minute);
    }
    // At most kMaxSpansPerDay spans a day.
    if (i >= static_cast<size_t>(kMaxSpansPerDay)) {
      FUZZ_CHECK(t.hours[i - kMaxSpansPerDay].day != h.day);
    }
  }
  FUZZ_CHECK(t.turnover_buffer >= absl::ZeroDuration() &&
             t.turnover_buffer <= absl::Hours(4));

  v1::Therapist proto;
  ToProto(t, &proto);
  core::Therapist back;
  FUZZ_CHECK(ApplyTherapistFields(
                 proto,
                 {std::begin(kTherapistFields), std::end(kTherapistFields)},
                 absl::Minutes(15), &back)
                 .ok());
  FUZZ_CHECK(CheckTherapist(back).ok());
  FUZZ_CHECK(SameTherapist(t, back));
}

// Applies `paths` of `in` to `t` as the handlers do: stops at the first
// error. Returns whether every path and CheckTherapist passed.
bool ApplyPaths(const v1::Therapist& in, const std::vector<std::string>& paths,
                core::Therapist* t) {
  for (const std::string& path : paths) {
    const absl::Status status =
        ApplyTherapistFields(in, {path}, absl::Minutes(15), t);
    const bool known =
        std::find(std::begin(kTherapistFields), std::end(kTherapistFields),
                  path) != std::end(kTherapistFields);
    if (!status.ok()) {
      const std::string field = CheckError(status);
      FUZZ_CHECK(known
                     ? absl::StartsWith(field, absl::StrCat("therapist.", path))
                     : field == "update_mask");
      return false;
    }
    FUZZ_CHECK(known);
  }
  const absl::Status status = CheckTherapist(*t);
  if (!status.ok()) {
    FUZZ_CHECK(absl::StartsWith(CheckError(status), "therapist.prices["));
    return false;
  }
  return true;
}

// A valid therapist, as the store holds one before an update.
core::Therapist StoredTherapist() {
  core::Therapist t;
  t.id = 7;
  t.name = "Ana Ruiz";
  t.modalities = {core::Modality::kDeepTissue, core::Modality::kSports};
  t.prices = {{core::Modality::kDeepTissue, 9000},
              {core::Modality::kSports, 7000}};
  for (int day = 0; day < 5; ++day) {
    t.hours.push_back({static_cast<absl::Weekday>(day), 9 * 60, 17 * 60});
  }
  t.turnover_buffer = absl::Minutes(10);
  return t;
}

void FuzzCreateTherapist(const v1::CreateTherapistRequest& req) {
  const v1::Therapist& in = req.therapist();
  const std::vector<std::string> paths(std::begin(kTherapistFields),
                                       std::end(kTherapistFields));
  core::Therapist t;
  if (!ApplyPaths(in, paths, &t)) return;
  CheckValidTherapist(t);
  FUZZ_CHECK(t.name == in.display_name());
  FUZZ_CHECK(static_cast<int>(t.modalities.size()) == in.modalities_size());
  FUZZ_CHECK(static_cast<int>(t.prices.size()) == in.prices_size());
  FUZZ_CHECK(static_cast<int>(t.hours.size()) == in.working_hours_size());
}

void FuzzUpdateTherapist(const v1::UpdateTherapistRequest& req) {
  CheckedId(IdKind::kTherapist, req.therapist().id(), "therapist.id");
  const std::vector<std::string> paths =
      TherapistUpdatePaths(req.update_mask(), req.therapist());
  core::Therapist t = StoredTherapist();
  CheckValidTherapist(t);
  if (!ApplyPaths(req.therapist(), paths, &t)) return;
  CheckValidTherapist(t);
  // With no mask, what the request leaves unset keeps its stored value.
  if (req.update_mask().paths().empty()) {
    const core::Therapist stored = StoredTherapist();
    if (req.therapist().display_name().empty())
      FUZZ_CHECK(t.name == stored.name);
    if (!req.therapist().has_turnover_buffer()) {
      FUZZ_CHECK(t.turnover_buffer == stored.turnover_buffer);
    }
    if (req.therapist().working_hours_size() == 0) {
      FUZZ_CHECK(t.hours.size() == stored.hours.size());
    }
  }
}

// --- Rules -----------------------------------------------------------------

bool SameRules(const core::RuleTable& a, const core::RuleTable& b) {
  auto rule = [](const core::ModalityRule& r) {
    return std::make_tuple(r.length, r.min_gap_before, r.advised_gap_before,
                           r.min_gap_after, r.advised_gap_after,
                           r.requires_active_injury, r.cadence_warning);
  };
  if (a.modalities.size() != b.modalities.size()) return false;
  for (const core::ModalityRule& r : a.modalities) {
    const core::ModalityRule* other = b.Find(r.modality);
    if (other == nullptr || rule(r) != rule(*other)) return false;
  }
  return std::make_tuple(a.min_notice, a.horizon, a.default_turnover,
                         a.default_race_duration, a.default_workout_duration,
                         a.slot_step, a.max_suggestions) ==
         std::make_tuple(b.min_notice, b.horizon, b.default_turnover,
                         b.default_race_duration, b.default_workout_duration,
                         b.slot_step, b.max_suggestions);
}

absl::Duration FromProto(const Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void FuzzRuleSet(const v1::RuleSet& in) {
  const absl::StatusOr<core::RuleTable> rules =
      RulesFromProto(in, core::RuleTable::Defaults());
  if (!rules.ok()) {
    // Table-wide checks (core::RuleTable::Validate) carry no field detail.
    CheckError(rules.status(), /*bad_request=*/false);
    return;
  }
  FUZZ_CHECK(rules->Validate().ok());
  // Every top-level field set took the given value.
  struct Field {
    bool has;
    const Duration& given;
    absl::Duration value;
  };
  const Field fields[] = {
      {in.has_min_notice(), in.min_notice(), rules->min_notice},
      {in.has_horizon(), in.horizon(), rules->horizon},
      {in.has_default_turnover(), in.default_turnover(),
       rules->default_turnover},
      {in.has_default_race_duration(), in.default_race_duration(),
       rules->default_race_duration},
      {in.has_default_workout_duration(), in.default_workout_duration(),
       rules->default_workout_duration},
      {in.has_slot_step(), in.slot_step(), rules->slot_step},
  };
  for (const Field& f : fields) {
    if (f.has) FUZZ_CHECK(FromProto(f.given) == f.value);
  }
  if (in.has_max_suggestions()) {
    FUZZ_CHECK(rules->max_suggestions == in.max_suggestions());
  }
  // The table survives ToProto and back, and applying `in` again changes
  // nothing.
  v1::RuleSet proto;
  ToProto(*rules, &proto);
  const absl::StatusOr<core::RuleTable> back =
      RulesFromProto(proto, core::RuleTable::Defaults());
  FUZZ_CHECK(back.ok() && SameRules(*back, *rules));
  const absl::StatusOr<core::RuleTable> again = RulesFromProto(in, *rules);
  FUZZ_CHECK(again.ok() && SameRules(*again, *rules));
}

// --- The other requests ----------------------------------------------------

const Timestamp* Optional(bool has, const Timestamp& t) {
  return has ? &t : nullptr;
}

void FuzzListBookings(const v1::ListBookingsRequest& req) {
  if (!req.athlete_id().empty()) {
    CheckedId(IdKind::kAthlete, req.athlete_id(), "athlete_id");
  }
  if (!req.therapist_id().empty()) {
    CheckedId(IdKind::kTherapist, req.therapist_id(), "therapist_id");
  }
  CheckRange(Optional(req.has_start_time(), req.start_time()),
             Optional(req.has_end_time(), req.end_time()), absl::InfinitePast(),
             absl::InfiniteFuture());
  CheckPageSize(req.page_size());
  CheckPageTokens(req.page_token());
}

void FuzzListEvents(const v1::ListEventsRequest& req) {
  CheckedId(IdKind::kAthlete, req.athlete_id(), "athlete_id");
  CheckRange(Optional(req.has_start_time(), req.start_time()),
             Optional(req.has_end_time(), req.end_time()), absl::InfinitePast(),
             absl::InfiniteFuture());
}

void FuzzListSlots(const v1::ListAvailableSlotsRequest& req) {
  if (!req.therapist_id().empty()) {
    CheckedId(IdKind::kTherapist, req.therapist_id(), "therapist_id");
  }
  if (req.modality() != v1::MODALITY_UNSPECIFIED) {
    CheckedModality(req.modality(), "modality");
  }
  if (!req.athlete_id().empty()) {
    CheckedId(IdKind::kAthlete, req.athlete_id(), "athlete_id");
  }
  const absl::Time now = absl::FromUnixSeconds(1780000000);  // 2026-05-28
  CheckRange(Optional(req.has_start_time(), req.start_time()),
             Optional(req.has_end_time(), req.end_time()), now,
             absl::InfiniteFuture());
  CheckPageTokens(req.page_token());
}

void FuzzListTherapists(const v1::ListTherapistsRequest& req) {
  if (req.modality() != v1::MODALITY_UNSPECIFIED) {
    CheckedModality(req.modality(), "modality");
  }
  CheckPageSize(req.page_size());
  CheckPageTokens(req.page_token());
  const absl::StatusOr<storage::PageRequest> page =
      IdPageFromProto(req.page_size(), req.page_token());
  const absl::StatusOr<int> size = PageSizeFromProto(req.page_size());
  const absl::StatusOr<core::Id> after = IdFromPageToken(req.page_token());
  FUZZ_CHECK(page.ok() == (size.ok() && after.ok()));
  if (!page.ok()) {
    CheckError(page.status());
    return;
  }
  // One row more than the page, so that TrimPage sees whether more follow.
  FUZZ_CHECK(page->limit == *size + 1 && page->after_id == *after);
}

void FuzzReserveSlot(const v1::ReserveSlotRequest& req) {
  CheckedText(req.request_id(), "request_id", kMaxRequestIdLength, false);
  const v1::SessionSpec& in = req.session();
  CheckedId(IdKind::kAthlete, in.athlete_id(), "session.athlete_id");
  CheckedId(IdKind::kTherapist, in.therapist_id(), "session.therapist_id");
  CheckedModality(in.modality(), "session.modality");
  if (in.has_start_time()) {
    CheckedTime(in.start_time(), "session.start_time");
  }
  if (in.has_duration()) {
    CheckedDuration(in.duration(), "session.duration", absl::Minutes(15),
                    core::kMaxSessionLength);
  }
}

void FuzzCreateAthlete(const v1::CreateAthleteRequest& req) {
  CheckedText(req.athlete().display_name(), "athlete.display_name",
              kMaxNameLength, true);
  CheckedText(req.athlete().email(), "athlete.email", kMaxEmailLength, false);
}

void FuzzAddEvent(const v1::AddEventRequest& req) {
  CheckedId(IdKind::kAthlete, req.athlete_id(), "athlete_id");
  CheckedText(req.name(), "name", kMaxNameLength, true);
  if (req.has_start_time()) CheckedTime(req.start_time(), "start_time");
  if (req.has_duration()) {
    CheckedDuration(req.duration(), "duration", absl::Minutes(1),
                    core::kMaxEventLength);
  }
}

void FuzzAddInjury(const v1::AddInjuryRequest& req) {
  CheckedId(IdKind::kAthlete, req.athlete_id(), "athlete_id");
  const v1::Injury& in = req.injury();
  CheckedText(in.region(), "injury.region", kMaxNameLength, false);
  CheckedText(in.note(), "injury.note", kMaxNoteLength, true);
  if (in.has_since_time()) CheckedTime(in.since_time(), "injury.since_time");
  if (in.has_resolved_time()) {
    CheckedTime(in.resolved_time(), "injury.resolved_time");
  }
}

void FuzzAddTimeOff(const v1::AddTimeOffRequest& req) {
  CheckedId(IdKind::kTherapist, req.therapist_id(), "therapist_id");
  const v1::TimeOff& in = req.time_off();
  CheckedTime(in.start_time(), "time_off.start_time");
  CheckedTime(in.end_time(), "time_off.end_time");
  CheckedText(in.reason(), "time_off.reason", kMaxNoteLength, false);
  CheckRange(&in.start_time(), &in.end_time(), absl::InfinitePast(),
             absl::InfiniteFuture());
}

void FuzzCancelBooking(const v1::CancelBookingRequest& req) {
  CheckedId(IdKind::kBooking, req.booking_id(), "booking_id");
  CheckedText(req.reason(), "reason", kMaxNoteLength, false);
}

// Raw bytes reach the conversions only through bytes a proto3 parser let
// through as UTF-8; this also covers what it does not.
void FuzzRawText(absl::string_view text) {
  for (const IdPrefix& p : kIdPrefixes) CheckedId(p.kind, text, "id");
  for (const bool required : {false, true}) {
    for (const int max_chars : {0, 3, kMaxNameLength}) {
      CheckedText(text, "text", max_chars, required);
    }
  }
  CheckPageTokens(text);
}

template <typename Request>
bool Parse(absl::string_view bytes, Request* req) {
  return req->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// Returns -1 (not worth keeping) for bytes that are not a request.
template <typename Request>
int FuzzMessage(absl::string_view bytes, void (*fuzz)(const Request&)) {
  Request req;
  if (!Parse(bytes, &req)) return -1;
  fuzz(req);
  return 0;
}

int FuzzOne(Kind kind, absl::string_view body) {
  switch (kind) {
    case kCreateTherapist:
      return FuzzMessage(body, FuzzCreateTherapist);
    case kUpdateTherapist:
      return FuzzMessage(body, FuzzUpdateTherapist);
    case kRuleSet:
      return FuzzMessage(body, FuzzRuleSet);
    case kListBookings:
      return FuzzMessage(body, FuzzListBookings);
    case kListEvents:
      return FuzzMessage(body, FuzzListEvents);
    case kListSlots:
      return FuzzMessage(body, FuzzListSlots);
    case kListTherapists:
      return FuzzMessage(body, FuzzListTherapists);
    case kReserveSlot:
      return FuzzMessage(body, FuzzReserveSlot);
    case kCreateAthlete:
      return FuzzMessage(body, FuzzCreateAthlete);
    case kAddEvent:
      return FuzzMessage(body, FuzzAddEvent);
    case kAddInjury:
      return FuzzMessage(body, FuzzAddInjury);
    case kAddTimeOff:
      return FuzzMessage(body, FuzzAddTimeOff);
    case kCancelBooking:
      return FuzzMessage(body, FuzzCancelBooking);
    case kRawText:
      FuzzRawText(body);
      return 0;
    case kPageToken:
      CheckPageTokens(absl::WebSafeBase64Escape(body));
      return 0;
    case kNumKinds:
      break;
  }
  return -1;
}

}  // namespace
}  // namespace clinic::api

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Parsing rejects invalid UTF-8 in strings, and logs each time.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clinic::api::Kind;
  if (size == 0) return -1;
  const absl::string_view body(reinterpret_cast<const char*>(data + 1),
                               size - 1);
  return clinic::api::FuzzOne(static_cast<Kind>(data[0] % Kind::kNumKinds),
                              body);
}
