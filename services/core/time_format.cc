#include "services/core/time_format.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace clinic::core {
namespace {

// Names are spelled out here rather than taken from strftime so that the
// output does not depend on the process locale.
const char* WeekdayName(absl::Weekday d) {
  switch (d) {
    case absl::Weekday::monday:
      return "Mon";
    case absl::Weekday::tuesday:
      return "Tue";
    case absl::Weekday::wednesday:
      return "Wed";
    case absl::Weekday::thursday:
      return "Thu";
    case absl::Weekday::friday:
      return "Fri";
    case absl::Weekday::saturday:
      return "Sat";
    case absl::Weekday::sunday:
      return "Sun";
  }
  return "?";
}

const char* MonthName(int month) {
  static constexpr const char* kNames[] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};
  return month >= 1 && month <= 12 ? kNames[month - 1] : "?";
}

std::string ZoneAbbr(absl::Time t, const absl::TimeZone& zone) {
  return absl::FormatTime("%Z", t, zone);
}

// "Fri 4 Dec 2026 16:00", without the zone.
std::string FormatLocal(absl::CivilSecond cs) {
  return absl::StrFormat("%s %d %s %d %02d:%02d",
                         WeekdayName(absl::GetWeekday(absl::CivilDay(cs))),
                         cs.day(), MonthName(cs.month()), cs.year(), cs.hour(),
                         cs.minute());
}

}  // namespace

std::string FormatInstant(absl::Time t, const absl::TimeZone& zone) {
  return absl::StrCat(FormatLocal(zone.At(t).cs), " ", ZoneAbbr(t, zone));
}

std::string FormatSpan(absl::Time start, absl::Time end,
                       const absl::TimeZone& zone) {
  const absl::CivilSecond s = zone.At(start).cs;
  const absl::CivilSecond e = zone.At(end).cs;
  if (absl::CivilDay(s) != absl::CivilDay(e)) {
    return absl::StrCat(FormatInstant(start, zone), "-",
                        FormatInstant(end, zone));
  }
  const std::string start_abbr = ZoneAbbr(start, zone);
  const std::string end_abbr = ZoneAbbr(end, zone);
  const std::string end_clock =
      absl::StrFormat("%02d:%02d", e.hour(), e.minute());
  if (start_abbr != end_abbr) {
    return absl::StrCat(FormatLocal(s), " ", start_abbr, "-", end_clock, " ",
                        end_abbr);
  }
  return absl::StrCat(FormatLocal(s), "-", end_clock, " ", end_abbr);
}

std::string FormatGap(absl::Duration d) {
  if (d < absl::ZeroDuration()) return absl::StrCat("-", FormatGap(-d));
  const int64_t minutes = absl::ToInt64Minutes(d);
  constexpr int64_t kMinutesPerDay = int64_t{24} * 60;
  if (minutes > 3 * kMinutesPerDay && minutes % kMinutesPerDay == 0) {
    return absl::StrCat(minutes / kMinutesPerDay, " days");
  }
  const int64_t hours = minutes / 60;
  const int64_t rest = minutes % 60;
  if (hours == 0) return absl::StrCat(rest, " min");
  if (rest == 0) return absl::StrCat(hours, " h");
  return absl::StrCat(hours, " h ", rest, " min");
}

std::string SessionNoun(Modality m) {
  switch (m) {
    case Modality::kDeepTissue:
      return "Deep tissue massage";
    case Modality::kActiveRelease:
      return "ART session";
    case Modality::kSports:
      return "Sports massage";
  }
  return "Session";
}

std::string ModalityShortName(Modality m) {
  switch (m) {
    case Modality::kDeepTissue:
      return "deep tissue";
    case Modality::kActiveRelease:
      return "ART";
    case Modality::kSports:
      return "sports massage";
  }
  return "session";
}

std::string EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kRace:
      return "race";
    case EventKind::kHardWorkout:
      return "hard workout";
  }
  return "event";
}

}  // namespace clinic::core
