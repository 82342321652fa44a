// The recovery rules engine: decides whether a session may be booked for an
// athlete with a therapist, given everything around it. Pure: no I/O, no
// clock reads (`now` comes in), thread-safe.
#ifndef CLINIC_SERVICES_CORE_RULES_H_
#define CLINIC_SERVICES_CORE_RULES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/core/rule_table.h"
#include "services/core/types.h"

namespace clinic::core {

// Stable rule ids, carried to callers in the status details.
inline constexpr char kRuleOverlapsEvent[] = "OVERLAPS_EVENT";
inline constexpr char kRuleGapBeforeEvent[] = "GAP_BEFORE_EVENT";
inline constexpr char kRuleGapAfterEvent[] = "GAP_AFTER_EVENT";
inline constexpr char kRuleNoActiveInjury[] = "NO_ACTIVE_INJURY";
inline constexpr char kRuleCadence[] = "CADENCE";
inline constexpr char kRuleModalityNotOffered[] = "MODALITY_NOT_OFFERED";
inline constexpr char kRuleOutsideWorkingHours[] = "OUTSIDE_WORKING_HOURS";
inline constexpr char kRuleTimeOff[] = "THERAPIST_TIME_OFF";
inline constexpr char kRuleTherapistBusy[] = "THERAPIST_BUSY";
inline constexpr char kRuleAthleteBusy[] = "ATHLETE_BUSY";
inline constexpr char kRuleTooSoon[] = "TOO_SOON";
inline constexpr char kRuleTooFarAhead[] = "TOO_FAR_AHEAD";

// One rule outcome: a violation (rejects) or a warning (advises). Fields
// that do not apply to the rule keep their defaults.
struct Finding {
  std::string rule_id;  // one of kRule*
  std::string message;  // one sentence for a person, times in the clinic zone
  // The conflicting race or workout (event rules).
  Id event_id = 0;
  EventKind event_kind = EventKind::kRace;
  std::string event_name;
  absl::Time event_start;
  absl::Time event_end;
  // The conflicting session (busy and cadence rules), and its clinic.
  Id booking_id = 0;
  Id clinic_id = 0;
  // Gap rules: what the rule asks for and what the session has.
  absl::Duration required_gap = absl::ZeroDuration();
  absl::Duration actual_gap = absl::ZeroDuration();
};

// The most findings of one rule a verdict lists (of violations and of
// warnings each); the rest are only counted. One conflicting thing (an
// event, a session, the therapist's time off) yields at most one finding
// per rule, so this caps the calendars that crowd many events or sessions
// around one slot.
inline constexpr int kMaxFindingsPerRule = 5;

struct Verdict {
  std::vector<Finding> violations;  // empty when the session is allowed
  std::vector<Finding> warnings;
  // Findings left out by kMaxFindingsPerRule. Only findings past the first
  // kMaxFindingsPerRule of a rule are, so allowed() holds exactly when no
  // rule is violated.
  int omitted_violations = 0;
  int omitted_warnings = 0;
  bool allowed() const { return violations.empty(); }
};

// The session being decided.
struct SessionRequest {
  Modality modality = Modality::kDeepTissue;
  absl::Time start;
  absl::Time end;
  // When moving an existing booking, its id: that booking is ignored in the
  // busy and cadence checks. Zero for a new booking.
  Id booking_id = 0;
};

// The athlete's calendar: events sorted by start, so the engine looks at the
// few events near a session in O(log n).
class Calendar {
 public:
  Calendar() = default;
  explicit Calendar(std::vector<Event> events);  // sorts by start

  // Events whose [start, end) intersects [from, to), in start order.
  std::vector<const Event*> Overlapping(absl::Time from, absl::Time to) const;
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
  absl::Duration longest_ = absl::ZeroDuration();
};

// Everything the rules look at. The caller may pass only what lies near the
// session (the store does); the engine must not assume more than that.
struct BookingContext {
  absl::Time now;
  const Therapist* therapist = nullptr;  // with hours and time off
  const Athlete* athlete = nullptr;
  const Calendar* calendar = nullptr;       // the athlete's events
  std::vector<Injury> injuries;             // the athlete's injuries
  std::vector<Booking> athlete_sessions;    // confirmed, sorted by start
  std::vector<Booking> therapist_sessions;  // confirmed, sorted by start
};

// How far around a session the context must reach so that every rule sees
// what it needs: [start - before, end + after). Covers the gap and cadence
// rules and a turnover buffer of up to rules.default_turnover.
absl::Duration ContextReachBefore(const RuleTable& rules);
absl::Duration ContextReachAfter(const RuleTable& rules);

// Evaluates every rule. Violations are reported event rules first, then
// scheduling rules, each in time order; warnings likewise. Each conflicting
// thing yields at most one finding per rule: an event one (overlap or gap),
// another session one, and all the therapist's time off the session
// touches a single THERAPIST_TIME_OFF naming the first period (never the
// reason, which is for staff and the therapist: GetTherapist). Past
// kMaxFindingsPerRule findings of a rule the rest are counted in
// omitted_violations (omitted_warnings). A modality that `rules` has no
// entry for yields a single MODALITY_NOT_OFFERED.
Verdict Evaluate(const RuleTable& rules, const absl::TimeZone& zone,
                 const SessionRequest& session, const BookingContext& ctx);

// Only the athlete-side hard rules (event gaps and overlap, injury), for
// re-checking a confirmed session after the athlete's calendar changed
// ("the other direction" of RULES.md). One finding per event, every one:
// no kMaxFindingsPerRule cap, so a caller can tell which events a session
// breaks.
std::vector<Finding> AthleteViolations(const RuleTable& rules,
                                       const absl::TimeZone& zone,
                                       const Booking& session,
                                       const BookingContext& ctx);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_RULES_H_
