#include "services/api/convert.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/api/status.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace clinic::api {
namespace {

// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kNanosPerSecond = 1000000000;

// The instants a session, event or time off may start or end at:
// 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z. Far inside Timestamp's
// range, so that an end computed from a start and a length, or a day or a
// week around either, is always a valid Timestamp too.
constexpr int64_t kMinInstantSeconds = 946684800;
constexpr int64_t kMaxInstantSeconds = 4102444800;

absl::StatusOr<core::WorkingHours> HoursFromProto(const v1::WorkingHours& in,
                                                  const std::string& field) {
  if (in.day() < v1::MONDAY || in.day() > v1::SUNDAY) {
    return InvalidField(absl::StrCat(field, ".day"),
                        "must be a day of the week, MONDAY to SUNDAY");
  }
  auto minute = [&](const v1::TimeOfDay& t,
                    absl::string_view name) -> absl::StatusOr<int> {
    // The fields are checked before they are combined: hours * 60
    // overflows int for hours a client may send.
    if (t.hours() < 0 || t.hours() > 24 || t.minutes() < 0 ||
        t.minutes() > 59 || t.hours() * 60 + t.minutes() > 24 * 60) {
      return InvalidField(absl::StrCat(field, ".", name),
                          "must be a time of day from 00:00 to 24:00");
    }
    return t.hours() * 60 + t.minutes();
  };
  core::WorkingHours h;
  // absl::Weekday counts from Monday = 0.
  h.day = static_cast<absl::Weekday>(in.day() - 1);
  CLINIC_ASSIGN_OR_RETURN(h.start_minute, minute(in.start(), "start"));
  CLINIC_ASSIGN_OR_RETURN(h.end_minute, minute(in.end(), "end"));
  if (h.end_minute <= h.start_minute) {
    return InvalidField(absl::StrCat(field, ".end"), "must be after start");
  }
  return h;
}

// Page tokens are opaque to callers: base64 of "<kind>:<n1>:<n2>...".
std::string EncodePageToken(absl::string_view kind,
                            std::initializer_list<int64_t> fields) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kind, ":", absl::StrJoin(fields, ":")));
}

// The `count` integers of a token of `kind`, or INVALID_ARGUMENT.
absl::StatusOr<std::vector<int64_t>> DecodePageToken(absl::string_view token,
                                                     absl::string_view kind,
                                                     size_t count) {
  std::string raw;
  std::vector<int64_t> fields;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
    if (parts.size() == count + 1 && parts[0] == kind) {
      for (size_t i = 1; i < parts.size(); ++i) {
        int64_t n = 0;
        if (!absl::SimpleAtoi(parts[i], &n)) break;
        fields.push_back(n);
      }
    }
  }
  if (fields.size() != count) {
    return InvalidField("page_token", "is not a token this list returned");
  }
  return fields;
}

}  // namespace

// --- Scalars --------------------------------------------------------------

absl::StatusOr<core::Id> IdFromProto(core::IdKind kind, absl::string_view id,
                                     absl::string_view field) {
  absl::StatusOr<core::Id> parsed = core::ParseId(kind, id, field);
  if (!parsed.ok()) {
    absl::string_view message = parsed.status().message();
    message.remove_prefix(std::min(message.size(), field.size() + 2));
    return InvalidField(field, message);
  }
  return parsed;
}

absl::StatusOr<absl::Time> TimeFromProto(const google::protobuf::Timestamp& t,
                                         absl::string_view field) {
  if (t.seconds() < kMinTimestampSeconds ||
      t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() >= kNanosPerSecond) {
    return InvalidField(
        field, "timestamp out of range (0001-01-01 to 9999-12-31 UTC)");
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::StatusOr<absl::Time> MinuteFromProto(const google::protobuf::Timestamp& t,
                                           absl::string_view field) {
  CLINIC_ASSIGN_OR_RETURN(absl::Time time, TimeFromProto(t, field));
  if (t.seconds() < kMinInstantSeconds || t.seconds() > kMaxInstantSeconds) {
    return InvalidField(field, "must be between 2000-01-01 and 2100-01-01 UTC");
  }
  if (t.seconds() % 60 != 0 || t.nanos() != 0) {
    return InvalidField(field,
                        "must be a whole minute (no seconds or fractions)");
  }
  return time;
}

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

absl::Status TimeRangeFromProto(const google::protobuf::Timestamp* start,
                                const google::protobuf::Timestamp* end,
                                absl::Time* from, absl::Time* to) {
  if (start != nullptr) {
    CLINIC_ASSIGN_OR_RETURN(*from, TimeFromProto(*start, "start_time"));
  }
  if (end != nullptr) {
    CLINIC_ASSIGN_OR_RETURN(*to, TimeFromProto(*end, "end_time"));
  }
  if (*to <= *from) return InvalidField("end_time", "must be after start_time");
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& d, absl::string_view field,
    absl::Duration min, absl::Duration max) {
  const bool well_formed = d.nanos() > -kNanosPerSecond &&
                           d.nanos() < kNanosPerSecond &&
                           !(d.seconds() > 0 && d.nanos() < 0) &&
                           !(d.seconds() < 0 && d.nanos() > 0);
  const absl::Duration value =
      absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (!well_formed || value < min || value > max) {
    return InvalidField(field, absl::StrCat("must be a duration from ",
                                            absl::FormatDuration(min), " to ",
                                            absl::FormatDuration(max)));
  }
  return value;
}

absl::StatusOr<absl::Duration> MinutesFromProto(
    const google::protobuf::Duration& d, absl::string_view field,
    absl::Duration min, absl::Duration max) {
  CLINIC_ASSIGN_OR_RETURN(absl::Duration value,
                          DurationFromProto(d, field, min, max));
  if (d.seconds() % 60 != 0 || d.nanos() != 0) {
    return InvalidField(field,
                        "must be whole minutes (no seconds or fractions)");
  }
  return value;
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

absl::StatusOr<core::Modality> ModalityFromProto(int m,
                                                 absl::string_view field) {
  switch (m) {
    case v1::DEEP_TISSUE:
      return core::Modality::kDeepTissue;
    case v1::ACTIVE_RELEASE:
      return core::Modality::kActiveRelease;
    case v1::SPORTS:
      return core::Modality::kSports;
  }
  return InvalidField(field, "must be DEEP_TISSUE, ACTIVE_RELEASE or SPORTS");
}

v1::Modality ToProto(core::Modality m) {
  return static_cast<v1::Modality>(static_cast<int>(m));
}

v1::EventKind ToProto(core::EventKind k) {
  return static_cast<v1::EventKind>(static_cast<int>(k));
}

absl::Status CheckText(absl::string_view text, absl::string_view field,
                       int max_chars, bool required) {
  const std::optional<int> chars =
      core::CodePoints(text, /*allow_control=*/false);
  if (!chars.has_value()) {
    return InvalidField(field,
                        "must be valid UTF-8 without control characters");
  }
  if (*chars > max_chars) {
    return InvalidField(field, absl::StrCat("must be at most ", max_chars,
                                            " characters, got ", *chars));
  }
  if (required && text.empty()) return InvalidField(field, "is required");
  if (required && core::IsBlank(text)) {
    return InvalidField(field,
                        "must contain a visible character, not only spaces");
  }
  return absl::OkStatus();
}

absl::Status CheckName(absl::string_view text, absl::string_view field) {
  CLINIC_RETURN_IF_ERROR(
      CheckText(text, field, kMaxNameLength, /*required=*/true));
  if (core::HasBidiControl(text)) {
    return InvalidField(field,
                        "must not contain bidirectional embedding, override "
                        "or isolate controls (U+202A-U+202E, U+2066-U+2069)");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> PageSizeFromProto(int32_t page_size) {
  if (page_size < 0) return InvalidField("page_size", "must not be negative");
  if (page_size == 0) return kDefaultPageSize;
  return std::min<int>(page_size, kMaxPageSize);
}

absl::StatusOr<storage::PageRequest> IdPageFromProto(
    int32_t page_size, absl::string_view page_token) {
  storage::PageRequest page;
  CLINIC_ASSIGN_OR_RETURN(page.limit, PageSizeFromProto(page_size));
  CLINIC_ASSIGN_OR_RETURN(page.after_id, IdFromPageToken(page_token));
  ++page.limit;
  return page;
}

std::string IdPageToken(core::Id last_id) {
  return EncodePageToken("id", {last_id});
}

absl::StatusOr<core::Id> IdFromPageToken(absl::string_view token) {
  if (token.empty()) return 0;
  CLINIC_ASSIGN_OR_RETURN(std::vector<int64_t> f,
                          DecodePageToken(token, "id", 1));
  if (f[0] < 0) {
    return InvalidField("page_token", "is not a token this list returned");
  }
  return f[0];
}

std::string BookingPageToken(const core::Booking& last) {
  return EncodePageToken("bk", {absl::ToUnixMicros(last.start), last.id});
}

absl::StatusOr<storage::BookingCursor> BookingCursorFromPageToken(
    absl::string_view token) {
  storage::BookingCursor cursor;
  if (token.empty()) return cursor;
  CLINIC_ASSIGN_OR_RETURN(std::vector<int64_t> f,
                          DecodePageToken(token, "bk", 2));
  if (f[1] < 0) {
    return InvalidField("page_token", "is not a token this list returned");
  }
  cursor.start = absl::FromUnixMicros(f[0]);
  cursor.id = f[1];
  return cursor;
}

std::string SlotPageToken(const core::Slot& last) {
  return EncodePageToken("slot",
                         {absl::ToUnixSeconds(last.start), last.therapist_id,
                          static_cast<int64_t>(last.modality)});
}

absl::StatusOr<std::optional<core::Slot>> SlotFromPageToken(
    absl::string_view token) {
  if (token.empty()) return std::nullopt;
  CLINIC_ASSIGN_OR_RETURN(std::vector<int64_t> f,
                          DecodePageToken(token, "slot", 3));
  if (f[1] < 0 || f[2] < static_cast<int64_t>(core::Modality::kDeepTissue) ||
      f[2] > static_cast<int64_t>(core::Modality::kSports)) {
    return InvalidField("page_token", "is not a token this list returned");
  }
  core::Slot slot;
  slot.start = absl::FromUnixSeconds(f[0]);
  slot.therapist_id = f[1];
  slot.modality = static_cast<core::Modality>(f[2]);
  return slot;
}

// --- Resources ------------------------------------------------------------

void ToProto(const core::Therapist& t, v1::Therapist* out) {
  out->set_clinic_id(core::FormatId(core::IdKind::kClinic, t.clinic_id));
  out->set_id(core::FormatId(core::IdKind::kTherapist, t.id));
  out->set_display_name(t.name);
  for (core::Modality m : t.modalities) out->add_modalities(ToProto(m));
  for (const core::Price& p : t.prices) {
    auto* price = out->add_prices();
    price->set_modality(ToProto(p.modality));
    price->set_price_cents(p.cents);
  }
  for (const core::WorkingHours& h : t.hours) {
    auto* hours = out->add_working_hours();
    hours->set_day(static_cast<v1::DayOfWeek>(static_cast<int>(h.day) + 1));
    hours->mutable_start()->set_hours(h.start_minute / 60);
    hours->mutable_start()->set_minutes(h.start_minute % 60);
    hours->mutable_end()->set_hours(h.end_minute / 60);
    hours->mutable_end()->set_minutes(h.end_minute % 60);
  }
  ToProto(t.turnover_buffer, out->mutable_turnover_buffer());
  for (const core::TimeOff& off : t.time_off) {
    ToProto(off, out->add_time_off());
  }
}

void ToProto(const core::TimeOff& t, v1::TimeOff* out) {
  out->set_id(core::FormatId(core::IdKind::kTimeOff, t.id));
  out->set_therapist_id(
      core::FormatId(core::IdKind::kTherapist, t.therapist_id));
  ToProto(t.start, out->mutable_start_time());
  ToProto(t.end, out->mutable_end_time());
  out->set_reason(t.reason);
}

void ToProto(const core::Athlete& a, const std::vector<core::Injury>& injuries,
             v1::Athlete* out) {
  out->set_id(core::FormatId(core::IdKind::kAthlete, a.id));
  out->set_display_name(a.name);
  out->set_email(a.email);
  for (const core::Injury& i : injuries) ToProto(i, out->add_injuries());
}

void ToProto(const core::Event& e, v1::Event* out) {
  out->set_id(core::FormatId(core::IdKind::kEvent, e.id));
  out->set_athlete_id(core::FormatId(core::IdKind::kAthlete, e.athlete_id));
  out->set_kind(ToProto(e.kind));
  out->set_name(e.name);
  ToProto(e.start, out->mutable_start_time());
  ToProto(e.end, out->mutable_end_time());
}

void ToProto(const core::Injury& i, v1::Injury* out) {
  out->set_id(core::FormatId(core::IdKind::kInjury, i.id));
  out->set_athlete_id(core::FormatId(core::IdKind::kAthlete, i.athlete_id));
  out->set_region(i.region);
  out->set_note(i.note);
  ToProto(i.since, out->mutable_since_time());
  if (i.resolved) ToProto(*i.resolved, out->mutable_resolved_time());
}

void ToProto(const core::Booking& b, v1::Booking* out) {
  out->set_clinic_id(core::FormatId(core::IdKind::kClinic, b.clinic_id));
  out->set_id(core::FormatId(core::IdKind::kBooking, b.id));
  out->set_athlete_id(core::FormatId(core::IdKind::kAthlete, b.athlete_id));
  out->set_therapist_id(
      core::FormatId(core::IdKind::kTherapist, b.therapist_id));
  out->set_modality(ToProto(b.modality));
  ToProto(b.start, out->mutable_start_time());
  ToProto(b.end, out->mutable_end_time());
  out->set_state(b.state == core::BookingState::kConfirmed ? v1::CONFIRMED
                                                           : v1::CANCELLED);
  out->set_request_id(b.request_id);
  out->set_at_risk(b.at_risk);
  out->set_at_risk_reason(b.at_risk_reason);
  out->set_cancel_reason(b.cancel_reason);
  ToProto(b.create_time, out->mutable_create_time());
  ToProto(b.update_time, out->mutable_update_time());
}

void ToProto(const core::Finding& f, v1::Finding* out) {
  out->set_rule_id(f.rule_id);
  out->set_message(f.message);
  if (f.event_id != 0) {
    out->set_event_id(core::FormatId(core::IdKind::kEvent, f.event_id));
    out->set_event_kind(ToProto(f.event_kind));
    out->set_event_name(f.event_name);
    ToProto(f.event_start, out->mutable_event_start_time());
    ToProto(f.event_end, out->mutable_event_end_time());
  }
  if (f.booking_id != 0) {
    out->set_booking_id(core::FormatId(core::IdKind::kBooking, f.booking_id));
  }
  if (f.required_gap != absl::ZeroDuration() ||
      f.actual_gap != absl::ZeroDuration()) {
    ToProto(f.required_gap, out->mutable_required_gap());
    ToProto(f.actual_gap, out->mutable_actual_gap());
  }
}

void ToProto(const core::RuleTable& rules, v1::RuleSet* out) {
  for (const core::ModalityRule& r : rules.modalities) {
    v1::ModalityRule* m = out->add_modalities();
    m->set_modality(ToProto(r.modality));
    ToProto(r.length, m->mutable_length());
    ToProto(r.min_gap_before, m->mutable_min_gap_before());
    ToProto(r.advised_gap_before, m->mutable_advised_gap_before());
    ToProto(r.min_gap_after, m->mutable_min_gap_after());
    ToProto(r.advised_gap_after, m->mutable_advised_gap_after());
    m->set_requires_active_injury(r.requires_active_injury);
    ToProto(r.cadence_warning, m->mutable_cadence_warning());
  }
  ToProto(rules.min_notice, out->mutable_min_notice());
  ToProto(rules.horizon, out->mutable_horizon());
  ToProto(rules.default_turnover, out->mutable_default_turnover());
  ToProto(rules.default_race_duration, out->mutable_default_race_duration());
  ToProto(rules.default_workout_duration,
          out->mutable_default_workout_duration());
  ToProto(rules.slot_step, out->mutable_slot_step());
  out->set_max_suggestions(rules.max_suggestions);
}

void ToProto(const core::Slot& s, v1::Slot* out) {
  out->set_therapist_id(
      core::FormatId(core::IdKind::kTherapist, s.therapist_id));
  out->set_modality(ToProto(s.modality));
  ToProto(s.start, out->mutable_start_time());
  ToProto(s.end, out->mutable_end_time());
  for (const core::Finding& f : s.warnings) ToProto(f, out->add_warnings());
}

absl::StatusOr<core::RuleTable> RulesFromProto(const v1::RuleSet& in,
                                               core::RuleTable base) {
  const absl::Duration kYear = absl::Hours(24 * 366);
  auto set = [&](bool has, const google::protobuf::Duration& d,
                 const std::string& field,
                 absl::Duration* out) -> absl::Status {
    if (!has) return absl::OkStatus();
    CLINIC_ASSIGN_OR_RETURN(
        *out, MinutesFromProto(d, field, absl::ZeroDuration(), kYear));
    return absl::OkStatus();
  };
  for (int i = 0; i < in.modalities_size(); ++i) {
    const v1::ModalityRule& m = in.modalities(i);
    const std::string field = absl::StrCat("modalities[", i, "]");
    CLINIC_ASSIGN_OR_RETURN(
        core::Modality modality,
        ModalityFromProto(m.modality(), absl::StrCat(field, ".modality")));
    auto it = std::find_if(
        base.modalities.begin(), base.modalities.end(),
        [&](const core::ModalityRule& r) { return r.modality == modality; });
    if (it == base.modalities.end()) {
      it = base.modalities.insert(base.modalities.end(), core::ModalityRule{});
      it->modality = modality;
    }
    CLINIC_RETURN_IF_ERROR(
        set(m.has_length(), m.length(), field + ".length", &it->length));
    CLINIC_RETURN_IF_ERROR(set(m.has_min_gap_before(), m.min_gap_before(),
                               field + ".min_gap_before", &it->min_gap_before));
    CLINIC_RETURN_IF_ERROR(
        set(m.has_advised_gap_before(), m.advised_gap_before(),
            field + ".advised_gap_before", &it->advised_gap_before));
    CLINIC_RETURN_IF_ERROR(set(m.has_min_gap_after(), m.min_gap_after(),
                               field + ".min_gap_after", &it->min_gap_after));
    CLINIC_RETURN_IF_ERROR(set(m.has_advised_gap_after(), m.advised_gap_after(),
                               field + ".advised_gap_after",
                               &it->advised_gap_after));
    CLINIC_RETURN_IF_ERROR(set(m.has_cadence_warning(), m.cadence_warning(),
                               field + ".cadence_warning",
                               &it->cadence_warning));
    if (m.has_requires_active_injury()) {
      it->requires_active_injury = m.requires_active_injury();
    }
  }
  CLINIC_RETURN_IF_ERROR(set(in.has_min_notice(), in.min_notice(), "min_notice",
                             &base.min_notice));
  CLINIC_RETURN_IF_ERROR(
      set(in.has_horizon(), in.horizon(), "horizon", &base.horizon));
  CLINIC_RETURN_IF_ERROR(set(in.has_default_turnover(), in.default_turnover(),
                             "default_turnover", &base.default_turnover));
  CLINIC_RETURN_IF_ERROR(
      set(in.has_default_race_duration(), in.default_race_duration(),
          "default_race_duration", &base.default_race_duration));
  CLINIC_RETURN_IF_ERROR(
      set(in.has_default_workout_duration(), in.default_workout_duration(),
          "default_workout_duration", &base.default_workout_duration));
  CLINIC_RETURN_IF_ERROR(
      set(in.has_slot_step(), in.slot_step(), "slot_step", &base.slot_step));
  if (in.has_max_suggestions()) base.max_suggestions = in.max_suggestions();
  CLINIC_RETURN_IF_ERROR(base.Validate());
  return base;
}

namespace {

// Validates field `path` of `in` and copies it into `out`.
absl::Status ApplyTherapistField(const v1::Therapist& in,
                                 absl::string_view path, core::Therapist* out) {
  const std::string field = absl::StrCat("therapist.", path);
  if (path == "display_name") {
    CLINIC_RETURN_IF_ERROR(CheckName(in.display_name(), field));
    out->name = in.display_name();
  } else if (path == "modalities") {
    std::vector<core::Modality> modalities;
    for (int i = 0; i < in.modalities_size(); ++i) {
      CLINIC_ASSIGN_OR_RETURN(
          core::Modality m,
          ModalityFromProto(in.modalities(i),
                            absl::StrCat(field, "[", i, "]")));
      if (std::find(modalities.begin(), modalities.end(), m) !=
          modalities.end()) {
        return InvalidField(absl::StrCat(field, "[", i, "]"),
                            "lists a modality twice");
      }
      modalities.push_back(m);
    }
    if (modalities.empty()) {
      return InvalidField(field, "at least one modality is required");
    }
    out->modalities = std::move(modalities);
  } else if (path == "prices") {
    std::vector<core::Price> prices;
    for (int i = 0; i < in.prices_size(); ++i) {
      const std::string item = absl::StrCat(field, "[", i, "]");
      core::Price p;
      CLINIC_ASSIGN_OR_RETURN(
          p.modality,
          ModalityFromProto(in.prices(i).modality(), item + ".modality"));
      p.cents = in.prices(i).price_cents();
      if (p.cents < 0 || p.cents > 100'000'000) {
        return InvalidField(item + ".price_cents",
                            "must be from 0 to 100000000 cents");
      }
      for (const core::Price& q : prices) {
        if (q.modality == p.modality) {
          return InvalidField(item, "a modality has at most one price");
        }
      }
      prices.push_back(p);
    }
    out->prices = std::move(prices);
  } else if (path == "working_hours") {
    std::vector<core::WorkingHours> hours;
    for (int i = 0; i < in.working_hours_size(); ++i) {
      const std::string item = absl::StrCat(field, "[", i, "]");
      CLINIC_ASSIGN_OR_RETURN(core::WorkingHours h,
                              HoursFromProto(in.working_hours(i), item));
      int same_day = 0;
      for (const core::WorkingHours& o : hours) {
        if (o.day != h.day) continue;
        if (h.start_minute < o.end_minute && o.start_minute < h.end_minute) {
          return InvalidField(item, "overlaps other working hours that day");
        }
        ++same_day;
      }
      if (same_day >= kMaxSpansPerDay) {
        return InvalidField(
            item, absl::StrCat("at most ", kMaxSpansPerDay, " spans a day"));
      }
      hours.push_back(h);
    }
    std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
      return std::make_pair(a.day, a.start_minute) <
             std::make_pair(b.day, b.start_minute);
    });
    out->hours = std::move(hours);
  } else if (path == "turnover_buffer") {
    CLINIC_ASSIGN_OR_RETURN(
        out->turnover_buffer,
        MinutesFromProto(in.turnover_buffer(), field, absl::ZeroDuration(),
                         absl::Hours(4)));
  } else {
    return InvalidField("update_mask",
                        absl::StrCat("\"", core::Excerpt(path),
                                     "\" is not a field that can be updated"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> TherapistUpdatePaths(
    const google::protobuf::FieldMask& mask, const v1::Therapist& in) {
  if (std::find(mask.paths().begin(), mask.paths().end(), "*") !=
      mask.paths().end()) {
    return {std::begin(kTherapistFields), std::end(kTherapistFields)};
  }
  if (!mask.paths().empty()) return {mask.paths().begin(), mask.paths().end()};
  std::vector<std::string> present;
  if (!in.display_name().empty()) present.push_back("display_name");
  if (in.modalities_size() > 0) present.push_back("modalities");
  if (in.prices_size() > 0) present.push_back("prices");
  if (in.working_hours_size() > 0) present.push_back("working_hours");
  if (in.has_turnover_buffer()) present.push_back("turnover_buffer");
  return present;
}

absl::Status ApplyTherapistFields(const v1::Therapist& in,
                                  const std::vector<std::string>& paths,
                                  absl::Duration default_turnover,
                                  core::Therapist* out) {
  for (const std::string& path : paths) {
    if (path == "turnover_buffer" && !in.has_turnover_buffer()) {
      out->turnover_buffer = default_turnover;
      continue;
    }
    CLINIC_RETURN_IF_ERROR(ApplyTherapistField(in, path, out));
  }
  return absl::OkStatus();
}

absl::Status CheckTherapist(const core::Therapist& t) {
  for (size_t i = 0; i < t.prices.size(); ++i) {
    if (!t.Offers(t.prices[i].modality)) {
      return InvalidField(absl::StrCat("therapist.prices[", i, "].modality"),
                          "is a modality the therapist does not offer");
    }
  }
  return absl::OkStatus();
}

}  // namespace clinic::api
