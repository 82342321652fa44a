#include "services/core/availability.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/core/local_time.h"
#include "services/core/text.h"

namespace clinic::core {
namespace {

bool ByStart(const Interval& a, const Interval& b) { return a.start < b.start; }

bool Intersects(const Interval& a, const Interval& b) {
  return a.start < b.end && b.start < a.end;
}

// `from` (sorted, disjoint) minus every interval of `cuts` (sorted by start,
// possibly overlapping). Sorted, disjoint, no empty intervals.
std::vector<Interval> Subtract(const std::vector<Interval>& from,
                               const std::vector<Interval>& cuts) {
  std::vector<Interval> out;
  for (const Interval& f : from) {
    absl::Time cur = f.start;
    for (const Interval& c : cuts) {
      if (c.start >= f.end) break;
      if (c.end <= cur) continue;
      if (c.start > cur) out.push_back({cur, c.start});
      cur = c.end;
      if (cur >= f.end) break;
    }
    if (cur < f.end) out.push_back({cur, f.end});
  }
  return out;
}

// Calls f(a, b) for the consecutive pieces [a, b) of [from, to) within which
// the UTC offset of `zone` does not change, so that local time runs forward
// with real time inside each piece.
template <typename F>
void ForEachFixedOffsetSpan(const absl::TimeZone& zone, absl::Time from,
                            absl::Time to, F f) {
  while (from < to) {
    absl::Time end = to;
    absl::TimeZone::CivilTransition trans;
    if (zone.NextTransition(from, &trans)) {
      end = std::min(end, zone.At(trans.to).trans);
    }
    f(from, end);
    from = end;
  }
}

// The first civil second at or after `c` that lies a whole number of `step`
// seconds after its own local midnight (the grid restarts every day).
absl::CivilSecond NextOnGrid(absl::CivilSecond c, int64_t step) {
  const absl::CivilDay day(c);
  const absl::CivilSecond midnight(day);
  const int64_t k = (c - midnight + step - 1) / step;
  return std::min(midnight + k * step, absl::CivilSecond(day + 1));
}

// Parses an optional '-' followed by decimal digits only.
bool ParseUnixSeconds(absl::string_view text, absl::Time* out) {
  absl::string_view digits = text;
  absl::ConsumePrefix(&digits, "-");
  int64_t seconds = 0;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(text, &seconds)) {
    return false;
  }
  *out = absl::FromUnixSeconds(seconds);
  return true;
}

}  // namespace

// Each working interval is [LocalMinute(start, first), LocalMinute(end,
// second)), exactly as the rules engine reads it. Working intervals are not
// merged even when they touch: the engine wants a session inside one of
// them. Two that meet inside a repeated local hour overlap in real time;
// the later one then starts where the earlier ends, which keeps the result
// disjoint at the price of not offering the few sessions that would fit
// only the overlapping part of the later one.
std::vector<Interval> FreeIntervals(const Therapist& therapist,
                                    absl::CivilDay day,
                                    const absl::TimeZone& zone,
                                    const std::vector<Booking>& sessions) {
  std::vector<Interval> hours;
  const absl::Weekday weekday = absl::GetWeekday(day);
  for (const WorkingHours& h : therapist.hours) {
    if (h.day != weekday) continue;
    hours.push_back({LocalMinute(zone, day, h.start_minute, true),
                     LocalMinute(zone, day, h.end_minute, false)});
  }
  std::sort(hours.begin(), hours.end(), ByStart);
  std::vector<Interval> open;
  for (Interval h : hours) {
    if (!open.empty()) h.start = std::max(h.start, open.back().end);
    if (h.start < h.end) open.push_back(h);
  }
  if (open.empty()) return open;

  const Interval span{open.front().start, open.back().end};
  std::vector<Interval> cuts;
  for (const TimeOff& off : therapist.time_off) {
    const Interval i{off.start, off.end};
    if (Intersects(i, span)) cuts.push_back(i);
  }
  const absl::Duration buffer = therapist.turnover_buffer;
  for (const Booking& b : sessions) {
    const Interval busy{b.start - buffer, b.end + buffer};
    if (b.state == BookingState::kConfirmed && Intersects(busy, span)) {
      cuts.push_back(busy);
    }
  }
  std::sort(cuts.begin(), cuts.end(), ByStart);
  return Subtract(open, cuts);
}

// Walks each free interval one fixed-offset span at a time: inside a span an
// on-grid civil time maps to exactly one instant, found by civil arithmetic,
// and times in a DST gap belong to no span. On a repeated hour both
// occurrences of an on-grid time are slots (each lies in its own span).
// `step` counts in whole seconds; a non-positive step or length yields none.
std::vector<absl::Time> SlotStarts(const std::vector<Interval>& free,
                                   absl::Duration length, absl::Duration step,
                                   const absl::TimeZone& zone,
                                   absl::Time earliest, absl::Time latest) {
  std::vector<absl::Time> starts;
  const int64_t step_seconds = absl::ToInt64Seconds(step);
  if (step_seconds <= 0 || length <= absl::ZeroDuration()) return starts;
  for (const Interval& iv : free) {
    const absl::Time first = std::max(iv.start, earliest);
    const absl::Time last = std::min(iv.end - length, latest);
    if (first > last) continue;
    ForEachFixedOffsetSpan(
        zone, first, last + absl::Seconds(1), [&](absl::Time a, absl::Time b) {
          // Offsets are whole seconds, so `a` floored to the second still
          // has the span's offset.
          const absl::Time base = absl::FromUnixSeconds(absl::ToUnixSeconds(a));
          const absl::CivilSecond base_civil = zone.At(base).cs;
          for (absl::CivilSecond c = NextOnGrid(base_civil, step_seconds);;
               c = NextOnGrid(c + 1, step_seconds)) {
            const absl::Time t = base + absl::Seconds(c - base_civil);
            if (t >= b || t > last) break;
            if (t >= a) starts.push_back(t);
          }
        });
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

std::vector<absl::CivilDay> LocalDays(absl::Time from, absl::Time to,
                                      const absl::TimeZone& zone) {
  std::vector<absl::CivilDay> days;
  ForEachFixedOffsetSpan(zone, from, to, [&](absl::Time a, absl::Time b) {
    const absl::CivilDay first(zone.At(a).cs);
    const absl::CivilDay last =
        std::max(first, absl::CivilDay(zone.At(b - absl::Nanoseconds(1)).cs));
    for (absl::CivilDay d = first; d <= last; ++d) days.push_back(d);
  });
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

// Instants are truncated to whole seconds (toward the past).
std::string EncodeIntervals(const std::vector<Interval>& intervals) {
  return absl::StrJoin(intervals, ",", [](std::string* out, const Interval& i) {
    absl::StrAppend(out, absl::ToUnixSeconds(i.start), "-",
                    absl::ToUnixSeconds(i.end));
  });
}

// Accepts exactly what EncodeIntervals writes: no spaces, no '+', no empty
// items, and each end not before its start.
absl::StatusOr<std::vector<Interval>> DecodeIntervals(absl::string_view text) {
  std::vector<Interval> intervals;
  if (text.empty()) return intervals;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    // The separator is the first '-' after the start's optional sign.
    const size_t dash = item.find('-', 1);
    Interval i;
    if (dash == absl::string_view::npos ||
        !ParseUnixSeconds(item.substr(0, dash), &i.start) ||
        !ParseUnixSeconds(item.substr(dash + 1), &i.end) || i.end < i.start) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Interval \"", Excerpt(item),
          "\" is malformed; expected START-END in unix seconds with START <= "
          "END, items separated by commas."));
    }
    intervals.push_back(i);
  }
  return intervals;
}

}  // namespace clinic::core
