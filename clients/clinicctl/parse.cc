#include "clients/clinicctl/parse.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace clinic::cli {
namespace {

constexpr absl::string_view kDayNames[] = {"mon", "tue", "wed", "thu",
                                           "fri", "sat", "sun"};
constexpr int kMinutesPerDay = 24 * 60;
constexpr int64_t kMaxPriceCents = 1000000000;

// Takes exactly `n` ASCII digits from the front of `*s`.
bool TakeDigits(absl::string_view* s, int n, int* value) {
  if (s->size() < static_cast<size_t>(n)) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = (*s)[i];
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *value = v;
  return true;
}

// Takes "YYYY-MM-DD" from the front of `*s`; the fields are not checked.
bool TakeDate(absl::string_view* s, int* year, int* month, int* day) {
  return TakeDigits(s, 4, year) && absl::ConsumePrefix(s, "-") &&
         TakeDigits(s, 2, month) && absl::ConsumePrefix(s, "-") &&
         TakeDigits(s, 2, day);
}

// A non-empty run of ASCII digits; values above 10^15 read as 10^15.
bool ParseWhole(absl::string_view s, int64_t* value) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (const char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    v = std::min<int64_t>(v * 10 + (c - '0'), 1000000000000000);
  }
  *value = v;
  return true;
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

absl::Status WhenError(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      Quote(text),
      " is not a time: use \"YYYY-MM-DD HH:MM\" (clinic time) or RFC 3339 "
      "like \"2026-12-04T16:00:00-05:00\""));
}

// ":SS" with optional fraction and nothing after: RFC 3339 minus its offset.
bool IsSecondsOnly(absl::string_view rest) {
  int seconds;
  if (!absl::ConsumePrefix(&rest, ":") || !TakeDigits(&rest, 2, &seconds)) {
    return false;
  }
  if (absl::ConsumePrefix(&rest, ".")) {
    return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
      return absl::ascii_isdigit(static_cast<unsigned char>(c));
    });
  }
  return rest.empty();
}

absl::StatusOr<int> ParseDay(absl::string_view text) {
  const std::string name = absl::AsciiStrToLower(text);
  for (int i = 0; i < 7; ++i) {
    if (name == kDayNames[i]) return i + 1;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      Quote(text), " is not a day: use mon, tue, wed, thu, fri, sat or sun"));
}

// "H:MM" or "HH:MM" as minutes since midnight, 0 to 1440 (24:00).
bool ParseClock(absl::string_view text, int* minutes) {
  text = absl::StripAsciiWhitespace(text);
  int hours, mins;
  const int hour_digits = absl::StrContains(text.substr(0, 2), ":") ? 1 : 2;
  if (!TakeDigits(&text, hour_digits, &hours) ||
      !absl::ConsumePrefix(&text, ":") || !TakeDigits(&text, 2, &mins) ||
      !text.empty() || hours > 24 || mins > 59) {
    return false;
  }
  *minutes = hours * 60 + mins;
  return *minutes <= kMinutesPerDay;
}

std::string FormatClock(const v1::TimeOfDay& t) {
  return absl::StrFormat("%02d:%02d", t.hours(), t.minutes());
}

std::string DayName(v1::DayOfWeek day) {
  return day >= v1::MONDAY && day <= v1::SUNDAY
             ? std::string(kDayNames[day - 1])
             : absl::StrCat("day", static_cast<int>(day));
}

int Minutes(const v1::TimeOfDay& t) { return t.hours() * 60 + t.minutes(); }

bool SameSpan(const v1::WorkingHours& a, const v1::WorkingHours& b) {
  return Minutes(a.start()) == Minutes(b.start()) &&
         Minutes(a.end()) == Minutes(b.end());
}

}  // namespace

absl::StatusOr<absl::Time> ParseWhen(absl::string_view text,
                                     const absl::TimeZone& zone) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view rest = text;
  int year, month, day, hour, minute;
  if (!TakeDate(&rest, &year, &month, &day) || rest.empty()) {
    return WhenError(text);
  }
  const char separator = rest[0];
  rest.remove_prefix(1);
  if ((separator != ' ' && separator != 'T' && separator != 't') ||
      !TakeDigits(&rest, 2, &hour) || !absl::ConsumePrefix(&rest, ":") ||
      !TakeDigits(&rest, 2, &minute)) {
    return WhenError(text);
  }
  const absl::CivilMinute civil(year, month, day, hour, minute);
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute) {
    return WhenError(text);
  }

  if (rest.empty()) {
    const absl::TimeZone::TimeInfo info = zone.At(civil);
    if (info.kind == absl::TimeZone::TimeInfo::SKIPPED) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%04d-%02d-%02d %02d:%02d does not exist in %s (the clocks skip it)",
          year, month, day, hour, minute, zone.name()));
    }
    return info.pre;  // the first occurrence when the time repeats
  }
  if (separator == ' ') return WhenError(text);
  // absl::ParseTime reads its input as a C string: it would ignore a NUL
  // and whatever follows it.
  if (absl::StrContains(text, '\0')) return WhenError(text);
  absl::Time t;
  std::string ignored;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &ignored)) return t;
  if (IsSecondsOnly(rest)) {
    return absl::InvalidArgumentError(absl::StrCat(
        Quote(text),
        " has no UTC offset: end it in \"Z\" or an offset like \"-05:00\", "
        "or use \"YYYY-MM-DD HH:MM\" for clinic time"));
  }
  return WhenError(text);
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view rest = text;
  int year, month, day;
  if (TakeDate(&rest, &year, &month, &day) && rest.empty()) {
    const absl::CivilDay civil(year, month, day);
    if (civil.year() == year && civil.month() == month && civil.day() == day) {
      return civil;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(Quote(text), " is not a date: use \"YYYY-MM-DD\""));
}

absl::StatusOr<v1::Modality> ParseModality(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string name = absl::AsciiStrToLower(text);
  std::replace(name.begin(), name.end(), '-', '_');
  if (name == "deep_tissue") return v1::DEEP_TISSUE;
  if (name == "active_release" || name == "art") return v1::ACTIVE_RELEASE;
  if (name == "sports") return v1::SPORTS;
  return absl::InvalidArgumentError(
      absl::StrCat(Quote(text),
                   " is not a modality: use deep_tissue, active_release (or "
                   "art) or sports"));
}

absl::StatusOr<std::vector<v1::Modality>> ParseModalities(
    absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(
        "no modality given: use a comma-separated list like "
        "\"deep_tissue,sports\"");
  }
  std::vector<v1::Modality> modalities;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::StatusOr<v1::Modality> m = ParseModality(part);
    if (!m.ok()) return m.status();
    if (std::find(modalities.begin(), modalities.end(), *m) !=
        modalities.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ModalityFlagName(*m), " is named twice"));
    }
    modalities.push_back(*m);
  }
  return modalities;
}

std::string ModalityFlagName(v1::Modality m) {
  switch (m) {
    case v1::DEEP_TISSUE:
      return "deep_tissue";
    case v1::ACTIVE_RELEASE:
      return "active_release";
    case v1::SPORTS:
      return "sports";
    default:
      return "unspecified";
  }
}

absl::StatusOr<std::vector<v1::WorkingHours>> ParseHours(
    absl::string_view text) {
  std::vector<v1::WorkingHours> hours;
  std::vector<std::pair<int, int>> spans[8];  // by day: [start, end) minutes
  for (absl::string_view part :
       absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    const size_t span_at = part.find_first_of("0123456789");
    if (span_at == 0 || span_at == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          Quote(part),
          " is not working hours: use days and a span, like \"mon-fri "
          "09:00-17:00; sat 09:00-13:00\""));
    }
    const absl::string_view span = part.substr(span_at);
    const std::pair<absl::string_view, absl::string_view> clocks =
        absl::StrSplit(span, absl::MaxSplits('-', 1));
    int start, end;
    if (!ParseClock(clocks.first, &start) || !ParseClock(clocks.second, &end) ||
        start >= end) {
      return absl::InvalidArgumentError(absl::StrCat(
          Quote(span),
          " is not a span: use \"HH:MM-HH:MM\" with the start before the end, "
          "ending at 24:00 at the latest"));
    }
    for (absl::string_view item :
         absl::StrSplit(part.substr(0, span_at), ',')) {
      const std::pair<absl::string_view, absl::string_view> ends =
          absl::StrSplit(item, absl::MaxSplits('-', 1));
      absl::StatusOr<int> first =
          ParseDay(absl::StripAsciiWhitespace(ends.first));
      if (!first.ok()) return first.status();
      absl::StatusOr<int> last =
          absl::StrContains(item, "-")
              ? ParseDay(absl::StripAsciiWhitespace(ends.second))
              : first;
      if (!last.ok()) return last.status();
      if (*last < *first) {
        return absl::InvalidArgumentError(absl::StrCat(
            Quote(absl::StripAsciiWhitespace(item)),
            " is not a day range: name the earlier day first, like "
            "\"mon-fri\""));
      }
      for (int day = *first; day <= *last; ++day) {
        for (const auto& [other_start, other_end] : spans[day]) {
          if (start < other_end && other_start < end) {
            return absl::InvalidArgumentError(
                absl::StrCat(kDayNames[day - 1],
                             " has overlapping spans: give a day separate "
                             "spans, like \"mon 09:00-12:00; mon "
                             "13:00-17:00\""));
          }
        }
        spans[day].emplace_back(start, end);
        v1::WorkingHours& h = hours.emplace_back();
        h.set_day(static_cast<v1::DayOfWeek>(day));
        h.mutable_start()->set_hours(start / 60);
        h.mutable_start()->set_minutes(start % 60);
        h.mutable_end()->set_hours(end / 60);
        h.mutable_end()->set_minutes(end % 60);
      }
    }
  }
  std::sort(hours.begin(), hours.end(),
            [](const v1::WorkingHours& a, const v1::WorkingHours& b) {
              return std::make_pair(a.day(), Minutes(a.start())) <
                     std::make_pair(b.day(), Minutes(b.start()));
            });
  return hours;
}

std::string FormatHours(
    const google::protobuf::RepeatedPtrField<v1::WorkingHours>& hours) {
  // Runs of consecutive days sharing a span, listed by first day.
  auto key = [](const v1::WorkingHours* h) {
    return std::make_tuple(Minutes(h->start()), Minutes(h->end()), h->day());
  };
  std::vector<const v1::WorkingHours*> by_span;
  for (const v1::WorkingHours& h : hours) by_span.push_back(&h);
  std::sort(by_span.begin(), by_span.end(),
            [&](auto* a, auto* b) { return key(a) < key(b); });
  struct Run {
    const v1::WorkingHours* first;
    const v1::WorkingHours* last;
  };
  std::vector<Run> runs;
  for (const v1::WorkingHours* h : by_span) {
    if (!runs.empty() && runs.back().last->day() + 1 == h->day() &&
        SameSpan(*runs.back().last, *h)) {
      runs.back().last = h;
    } else {
      runs.push_back({h, h});
    }
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return std::make_pair(a.first->day(), Minutes(a.first->start())) <
           std::make_pair(b.first->day(), Minutes(b.first->start()));
  });
  std::vector<std::string> parts;
  for (const Run& run : runs) {
    std::string days = DayName(run.first->day());
    if (run.last != run.first) {
      absl::StrAppend(&days, "-", DayName(run.last->day()));
    }
    parts.push_back(absl::StrCat(days, " ", FormatClock(run.first->start()),
                                 "-", FormatClock(run.first->end())));
  }
  return absl::StrJoin(parts, "; ");
}

absl::StatusOr<std::vector<v1::ModalityPrice>> ParsePrices(
    absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(
        "no price given: use modality=cents pairs like "
        "\"deep_tissue=9000,sports=7000\"");
  }
  std::vector<v1::ModalityPrice> prices;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!absl::StrContains(item, "=")) {
      return absl::InvalidArgumentError(absl::StrCat(
          Quote(item),
          " is not a price: use modality=cents, like \"deep_tissue=9000\""));
    }
    const std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    absl::StatusOr<v1::Modality> modality = ParseModality(kv.first);
    if (!modality.ok()) return modality.status();
    int64_t cents;
    if (!ParseWhole(absl::StripAsciiWhitespace(kv.second), &cents)) {
      return absl::InvalidArgumentError(
          absl::StrCat(Quote(item),
                       " is not a price: give whole cents, like "
                       "\"deep_tissue=9000\" for 90.00"));
    }
    if (cents > kMaxPriceCents) {
      return absl::InvalidArgumentError(absl::StrCat(
          ModalityFlagName(*modality), ": a price must be between 0 and ",
          kMaxPriceCents, " cents"));
    }
    for (const v1::ModalityPrice& p : prices) {
      if (p.modality() == *modality) {
        return absl::InvalidArgumentError(
            absl::StrCat(ModalityFlagName(*modality), " is priced twice"));
      }
    }
    v1::ModalityPrice& price = prices.emplace_back();
    price.set_modality(*modality);
    price.set_price_cents(cents);
  }
  return prices;
}

std::string FormatCents(int64_t cents) {
  const uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents)
                                       : static_cast<uint64_t>(cents);
  return absl::StrFormat("%s%d.%02d", cents < 0 ? "-" : "", magnitude / 100,
                         magnitude % 100);
}

absl::StatusOr<int> ParseMinutes(absl::string_view text, absl::string_view flag,
                                 int min, int max) {
  text = absl::StripAsciiWhitespace(text);
  int64_t minutes;
  if (!ParseWhole(text, &minutes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", Quote(text), " is not a whole number of minutes"));
  }
  if (minutes < min || minutes > max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: must be between %d and %d minutes", flag, min, max));
  }
  return static_cast<int>(minutes);
}

}  // namespace clinic::cli
