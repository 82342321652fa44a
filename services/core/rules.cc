#include "services/core/rules.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/core/local_time.h"
#include "services/core/time_format.h"

namespace clinic::core {
namespace {

// The session under judgement and the words every message starts with,
// e.g. "Deep tissue massage Fri 4 Dec 2026 16:00-17:00 EST".
struct Subject {
  const SessionRequest& session;
  const absl::TimeZone& zone;
  std::string text;
};

bool Intersects(absl::Time a_start, absl::Time a_end, absl::Time b_start,
                absl::Time b_end) {
  return a_start < b_end && b_start < a_end;
}

// Whether `b` is another confirmed session, not the one being moved.
bool IsOther(const Booking& b, const SessionRequest& session) {
  return b.state == BookingState::kConfirmed &&
         (session.booking_id == 0 || b.id != session.booking_id);
}

// The first of `sessions` (sorted by start) that can still intersect
// [from, ...), given that no session is longer than kMaxSessionLength.
std::vector<Booking>::const_iterator FirstReaching(
    const std::vector<Booking>& sessions, absl::Time from) {
  return std::partition_point(
      sessions.begin(), sessions.end(),
      [&](const Booking& b) { return b.start <= from - kMaxSessionLength; });
}

// "deep tissue massage", "ART session", "sports massage".
std::string InlineNoun(Modality m) {
  return m == Modality::kActiveRelease ? SessionNoun(m)
                                       : absl::AsciiStrToLower(SessionNoun(m));
}

const char* WeekdayPlural(absl::Weekday d) {
  switch (d) {
    case absl::Weekday::monday:
      return "Mondays";
    case absl::Weekday::tuesday:
      return "Tuesdays";
    case absl::Weekday::wednesday:
      return "Wednesdays";
    case absl::Weekday::thursday:
      return "Thursdays";
    case absl::Weekday::friday:
      return "Fridays";
    case absl::Weekday::saturday:
      return "Saturdays";
    case absl::Weekday::sunday:
      return "Sundays";
  }
  return "that day";
}

std::string ClockText(int minute) {
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

Finding EventFinding(const char* rule_id, const Event& e, std::string message) {
  Finding f;
  f.rule_id = rule_id;
  f.message = std::move(message);
  f.event_id = e.id;
  f.event_kind = e.kind;
  f.event_name = e.name;
  f.event_start = e.start;
  f.event_end = e.end;
  return f;
}

void CheckEvents(const ModalityRule& rule, const Subject& subj,
                 const BookingContext& ctx, Verdict* v) {
  if (ctx.calendar == nullptr) return;
  const SessionRequest& s = subj.session;
  const std::string modality = ModalityShortName(s.modality);
  const absl::Time from =
      s.start - std::max(rule.min_gap_after, rule.advised_gap_after);
  const absl::Time to =
      s.end + std::max(rule.min_gap_before, rule.advised_gap_before);
  for (const Event* e : ctx.calendar->Overlapping(from, to)) {
    const std::string kind = EventKindName(e->kind);
    const std::string named = absl::StrCat(kind, " \"", e->name, "\"");
    if (Intersects(s.start, s.end, e->start, e->end)) {
      v->violations.push_back(EventFinding(
          kRuleOverlapsEvent, *e,
          absl::StrCat(subj.text, " overlaps ", named, " (",
                       FormatInstant(e->start, subj.zone),
                       "); no session can take place during a ", kind, ".")));
      continue;
    }
    const bool before = e->start >= s.end;
    const absl::Duration gap = before ? e->start - s.end : s.start - e->end;
    const absl::Duration min =
        before ? rule.min_gap_before : rule.min_gap_after;
    const absl::Duration advised =
        before ? rule.advised_gap_before : rule.advised_gap_after;
    if (gap >= advised && gap >= min) continue;
    const std::string facts =
        before
            ? absl::StrCat(subj.text, " ends ", FormatGap(gap), " before ",
                           named, " (", FormatInstant(e->start, subj.zone), ")")
            : absl::StrCat(subj.text, " starts ", FormatGap(gap), " after ",
                           named, " ends (", FormatInstant(e->end, subj.zone),
                           ")");
    const bool violated = gap < min;
    Finding f = EventFinding(
        before ? kRuleGapBeforeEvent : kRuleGapAfterEvent, *e,
        violated ? absl::StrCat(facts, "; ", modality, " needs at least ",
                                FormatGap(min),
                                before ? " before a " : " after a ", kind, ".")
                 : absl::StrCat(facts, "; ", FormatGap(advised),
                                " or more is advised."));
    f.required_gap = violated ? min : advised;
    f.actual_gap = gap;
    (violated ? v->violations : v->warnings).push_back(std::move(f));
  }
}

void CheckInjury(const ModalityRule& rule, const Subject& subj,
                 const BookingContext& ctx, Verdict* v) {
  if (!rule.requires_active_injury) return;
  for (const Injury& i : ctx.injuries) {
    if (i.active()) return;
  }
  const std::string athlete =
      ctx.athlete == nullptr
          ? std::string("the athlete")
          : absl::StrCat("athlete \"", ctx.athlete->name, "\"");
  Finding f;
  f.rule_id = kRuleNoActiveInjury;
  f.message = absl::StrCat(subj.text, " needs an active injury on file; ",
                           athlete, " has none.");
  v->violations.push_back(std::move(f));
}

void CheckCadence(const ModalityRule& rule, const Subject& subj,
                  const BookingContext& ctx, Verdict* v) {
  const absl::Duration span = rule.cadence_warning;
  if (span <= absl::ZeroDuration()) return;
  const SessionRequest& s = subj.session;
  const std::vector<Booking>& sessions = ctx.athlete_sessions;
  auto it = std::partition_point(
      sessions.begin(), sessions.end(),
      [&](const Booking& b) { return b.start <= s.start - span; });
  const Booking* nearest = nullptr;
  for (; it != sessions.end() && it->start < s.start + span; ++it) {
    if (it->modality != s.modality || !IsOther(*it, s)) continue;
    if (nearest == nullptr || absl::AbsDuration(it->start - s.start) <
                                  absl::AbsDuration(nearest->start - s.start)) {
      nearest = &*it;
    }
  }
  if (nearest == nullptr) return;
  const absl::Duration apart = absl::AbsDuration(s.start - nearest->start);
  Finding f;
  f.rule_id = kRuleCadence;
  f.booking_id = nearest->id;
  f.clinic_id = nearest->clinic_id;
  f.required_gap = span;
  f.actual_gap = apart;
  f.message = absl::StrCat(subj.text, " is ", FormatGap(apart),
                           nearest->start <= s.start ? " after" : " before",
                           " another ", InlineNoun(s.modality), " (",
                           FormatInstant(nearest->start, subj.zone),
                           "); once every ", FormatGap(span), " is advised.");
  v->warnings.push_back(std::move(f));
}

void AddViolation(const char* rule_id, std::string message, Verdict* v) {
  Finding f;
  f.rule_id = rule_id;
  f.message = std::move(message);
  v->violations.push_back(std::move(f));
}

void CheckWorkingHours(const Therapist& t, const std::string& therapist,
                       const Subject& subj, Verdict* v) {
  const SessionRequest& s = subj.session;
  const absl::CivilDay day(subj.zone.At(s.start).cs);
  const absl::Weekday weekday = absl::GetWeekday(day);
  std::vector<std::string> intervals;
  for (const WorkingHours& h : t.hours) {
    if (h.day != weekday) continue;
    const absl::Time open = LocalMinute(subj.zone, day, h.start_minute, true);
    const absl::Time close = LocalMinute(subj.zone, day, h.end_minute, false);
    if (open <= s.start && s.end <= close) return;
    intervals.push_back(
        absl::StrCat(ClockText(h.start_minute), "-", ClockText(h.end_minute)));
  }
  std::sort(intervals.begin(), intervals.end());
  const std::string works =
      intervals.empty()
          ? absl::StrCat("does not work on ", WeekdayPlural(weekday))
          : absl::StrCat("works ", absl::StrJoin(intervals, ", "), " on ",
                         WeekdayPlural(weekday));
  AddViolation(kRuleOutsideWorkingHours,
               absl::StrCat(subj.text, " is outside the working hours of ",
                            therapist, ", who ", works, "."),
               v);
}

void CheckTherapist(const Therapist& t, const Subject& subj,
                    const BookingContext& ctx, Verdict* v) {
  const SessionRequest& s = subj.session;
  const std::string therapist = absl::StrCat("therapist \"", t.name, "\"");
  if (!t.Offers(s.modality)) {
    AddViolation(kRuleModalityNotOffered,
                 absl::StrCat(subj.text, " cannot be booked with ", therapist,
                              ", who does not offer ",
                              ModalityShortName(s.modality), "."),
                 v);
  }
  CheckWorkingHours(t, therapist, subj, v);
  // All the time off the session touches is one conflict: one finding,
  // naming the first period and counting the others. The reason stays out:
  // the caller may be an athlete, and only staff and the therapist may read
  // it (GetTherapist).
  const TimeOff* first_off = nullptr;
  int other_offs = 0;
  for (const TimeOff& off : t.time_off) {
    if (off.start >= s.end) break;
    if (off.end <= s.start) continue;
    if (first_off == nullptr) {
      first_off = &off;
    } else {
      ++other_offs;
    }
  }
  if (first_off != nullptr) {
    AddViolation(
        kRuleTimeOff,
        absl::StrCat(subj.text, " falls during time off of ", therapist, " (",
                     FormatSpan(first_off->start, first_off->end, subj.zone),
                     other_offs == 0
                         ? ""
                         : absl::StrCat(" and ", other_offs,
                                        other_offs == 1 ? " other period"
                                                        : " other periods"),
                     ")."),
        v);
  }
  const absl::Duration buffer = t.turnover_buffer;
  const std::string counting =
      buffer > absl::ZeroDuration()
          ? absl::StrCat(", counting the ", FormatGap(buffer), " turnover")
          : "";
  const std::vector<Booking>& busy = ctx.therapist_sessions;
  for (auto it = FirstReaching(busy, s.start - buffer);
       it != busy.end() && it->start < s.end + buffer; ++it) {
    if (!IsOther(*it, s) ||
        !Intersects(s.start, s.end, it->start - buffer, it->end + buffer)) {
      continue;
    }
    AddViolation(
        kRuleTherapistBusy,
        absl::StrCat(subj.text, " clashes with another session of ", therapist,
                     " (", FormatSpan(it->start, it->end, subj.zone), ")",
                     counting, "."),
        v);
    v->violations.back().booking_id = it->id;
    v->violations.back().clinic_id = it->clinic_id;
  }
}

void CheckAthleteBusy(const Subject& subj, const BookingContext& ctx,
                      Verdict* v) {
  const SessionRequest& s = subj.session;
  const std::string athlete =
      ctx.athlete == nullptr
          ? std::string("the athlete")
          : absl::StrCat("athlete \"", ctx.athlete->name, "\"");
  const std::vector<Booking>& busy = ctx.athlete_sessions;
  for (auto it = FirstReaching(busy, s.start);
       it != busy.end() && it->start < s.end; ++it) {
    if (!IsOther(*it, s) || !Intersects(s.start, s.end, it->start, it->end)) {
      continue;
    }
    AddViolation(kRuleAthleteBusy,
                 absl::StrCat(subj.text, " overlaps another session of ",
                              athlete, " (", InlineNoun(it->modality), " ",
                              FormatSpan(it->start, it->end, subj.zone), ")."),
                 v);
    v->violations.back().booking_id = it->id;
    v->violations.back().clinic_id = it->clinic_id;
  }
}

void CheckNotice(const RuleTable& rules, const Subject& subj,
                 const BookingContext& ctx, Verdict* v) {
  const absl::Time start = subj.session.start;
  const absl::Time earliest = ctx.now + rules.min_notice;
  const absl::Time latest = ctx.now + rules.horizon;
  if (start < earliest) {
    AddViolation(
        kRuleTooSoon,
        absl::StrCat(subj.text, " starts too soon; sessions must be booked ",
                     FormatGap(rules.min_notice),
                     " ahead or more (earliest start ",
                     FormatInstant(earliest, subj.zone), ")."),
        v);
    v->violations.back().required_gap = rules.min_notice;
    v->violations.back().actual_gap = start - ctx.now;
  }
  if (start > latest) {
    AddViolation(
        kRuleTooFarAhead,
        absl::StrCat(subj.text,
                     " is too far ahead; sessions can be booked at most ",
                     FormatGap(rules.horizon), " ahead (latest start ",
                     FormatInstant(latest, subj.zone), ")."),
        v);
    v->violations.back().required_gap = rules.horizon;
    v->violations.back().actual_gap = start - ctx.now;
  }
}

// Keeps the first kMaxFindingsPerRule findings of each rule, in order, and
// returns how many it dropped.
int CapPerRule(std::vector<Finding>& findings) {
  if (findings.size() <= static_cast<size_t>(kMaxFindingsPerRule)) {
    return 0;  // the usual case
  }
  std::map<std::string, int, std::less<>> seen;
  std::vector<Finding> kept;
  for (Finding& f : findings) {
    if (++seen[f.rule_id] <= kMaxFindingsPerRule) kept.push_back(std::move(f));
  }
  const int dropped = static_cast<int>(findings.size() - kept.size());
  findings = std::move(kept);
  return dropped;
}

Subject MakeSubject(const SessionRequest& session, const absl::TimeZone& zone) {
  return Subject{session, zone,
                 absl::StrCat(SessionNoun(session.modality), " ",
                              FormatSpan(session.start, session.end, zone))};
}

}  // namespace

Calendar::Calendar(std::vector<Event> events) : events_(std::move(events)) {
  std::stable_sort(
      events_.begin(), events_.end(),
      [](const Event& a, const Event& b) { return a.start < b.start; });
  for (const Event& e : events_) longest_ = std::max(longest_, e.end - e.start);
}

std::vector<const Event*> Calendar::Overlapping(absl::Time from,
                                                absl::Time to) const {
  // An event that starts at or before from - longest_ ends by `from`.
  auto it = std::partition_point(
      events_.begin(), events_.end(),
      [&](const Event& e) { return e.start <= from - longest_; });
  std::vector<const Event*> out;
  for (; it != events_.end() && it->start < to; ++it) {
    if (it->end > from) out.push_back(&*it);
  }
  return out;
}

absl::Duration ContextReachBefore(const RuleTable& rules) {
  absl::Duration reach = rules.default_turnover;
  for (const ModalityRule& r : rules.modalities) {
    reach = std::max(
        {reach, r.min_gap_after, r.advised_gap_after, r.cadence_warning});
  }
  return reach;
}

absl::Duration ContextReachAfter(const RuleTable& rules) {
  absl::Duration reach = rules.default_turnover;
  for (const ModalityRule& r : rules.modalities) {
    reach = std::max(
        {reach, r.min_gap_before, r.advised_gap_before, r.cadence_warning});
  }
  return reach;
}

Verdict Evaluate(const RuleTable& rules, const absl::TimeZone& zone,
                 const SessionRequest& session, const BookingContext& ctx) {
  Verdict v;
  const Subject subj = MakeSubject(session, zone);
  const ModalityRule* rule = rules.Find(session.modality);
  if (rule == nullptr) {
    AddViolation(kRuleModalityNotOffered,
                 absl::StrCat(subj.text,
                              " cannot be booked: the clinic has no "
                              "rules for ",
                              ModalityShortName(session.modality), "."),
                 &v);
    return v;
  }
  CheckEvents(*rule, subj, ctx, &v);
  CheckInjury(*rule, subj, ctx, &v);
  CheckCadence(*rule, subj, ctx, &v);
  if (ctx.therapist != nullptr) CheckTherapist(*ctx.therapist, subj, ctx, &v);
  CheckAthleteBusy(subj, ctx, &v);
  CheckNotice(rules, subj, ctx, &v);
  v.omitted_violations = CapPerRule(v.violations);
  v.omitted_warnings = CapPerRule(v.warnings);
  return v;
}

std::vector<Finding> AthleteViolations(const RuleTable& rules,
                                       const absl::TimeZone& zone,
                                       const Booking& session,
                                       const BookingContext& ctx) {
  const ModalityRule* rule = rules.Find(session.modality);
  if (rule == nullptr) return {};
  SessionRequest request;
  request.modality = session.modality;
  request.start = session.start;
  request.end = session.end;
  request.booking_id = session.id;
  const Subject subj = MakeSubject(request, zone);
  Verdict v;
  CheckEvents(*rule, subj, ctx, &v);
  CheckInjury(*rule, subj, ctx, &v);
  return std::move(v.violations);
}

}  // namespace clinic::core
