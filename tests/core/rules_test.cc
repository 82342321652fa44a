#include "services/core/rules.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/rule_table.h"
#include "services/core/time_format.h"
#include "services/core/types.h"

namespace clinic::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr Id kAthleteId = 1;
constexpr Id kTherapistId = 2;
constexpr Id kRaceId = 7;
constexpr char kRaceName[] = "Broad Street Run";

std::vector<std::string> Ids(const std::vector<Finding>& findings) {
  std::vector<std::string> ids;
  for (const Finding& f : findings) ids.push_back(f.rule_id);
  return ids;
}

// The scenario of RULES.md: New York, "Broad Street Run" on Sun 6 Dec 2026
// 07:00 for 3 h, a therapist working Mon-Sat 09:00-18:00 who offers every
// modality, and "now" on Fri 27 Nov 2026 12:00 so that every date is ahead.
class RulesTest : public ::testing::Test {
 protected:
  RulesTest() {
    EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &zone_));
    therapist_.id = kTherapistId;
    therapist_.name = "Sam Hands";
    therapist_.modalities = {std::begin(kAllModalities),
                             std::end(kAllModalities)};
    for (absl::Weekday d : {absl::Weekday::monday, absl::Weekday::tuesday,
                            absl::Weekday::wednesday, absl::Weekday::thursday,
                            absl::Weekday::friday, absl::Weekday::saturday}) {
      therapist_.hours.push_back({d, 9 * 60, 18 * 60});
    }
    athlete_.id = kAthleteId;
    athlete_.name = "Jane Runner";
    race_.id = kRaceId;
    race_.athlete_id = kAthleteId;
    race_.kind = EventKind::kRace;
    race_.name = kRaceName;
    race_.start = At(2026, 12, 6, 7, 0);
    race_.end = race_.start + absl::Hours(3);
    SetEvents({race_});
    ctx_.now = At(2026, 11, 27, 12, 0);
    ctx_.therapist = &therapist_;
    ctx_.athlete = &athlete_;
  }

  absl::Time At(int y, int mo, int d, int h, int mi) const {
    return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone_);
  }

  void SetEvents(std::vector<Event> events) {
    calendar_ = Calendar(std::move(events));
    ctx_.calendar = &calendar_;
  }

  SessionRequest Session(Modality m, absl::Time start, Id booking_id = 0) {
    SessionRequest s;
    s.modality = m;
    s.start = start;
    s.end = start + rules_.Find(m)->length;
    s.booking_id = booking_id;
    return s;
  }

  Booking MakeBooking(Id id, Modality m, absl::Time start) {
    Booking b;
    b.id = id;
    b.athlete_id = kAthleteId;
    b.therapist_id = kTherapistId;
    b.modality = m;
    b.start = start;
    b.end = start + rules_.Find(m)->length;
    return b;
  }

  Event Workout(absl::Time start) const {
    Event e;
    e.id = 8;
    e.athlete_id = kAthleteId;
    e.kind = EventKind::kHardWorkout;
    e.name = "Thursday tempo";
    e.start = start;
    e.end = start + absl::Minutes(90);
    return e;
  }

  void AddInjury() {
    Injury i;
    i.id = 3;
    i.athlete_id = kAthleteId;
    i.region = "left calf";
    i.since = At(2026, 11, 1, 0, 0);
    ctx_.injuries.push_back(i);
  }

  Verdict Check(const SessionRequest& s) const {
    return Evaluate(rules_, zone_, s, ctx_);
  }

  RuleTable rules_ = RuleTable::Defaults();
  absl::TimeZone zone_;
  Therapist therapist_;
  Athlete athlete_;
  Event race_;
  Calendar calendar_;
  BookingContext ctx_;
};

// ---------------------------------------------------------------------------
// Every row of the scenario table of RULES.md.

struct Scenario {
  const char* name;
  Modality modality;
  absl::CivilMinute start;
  bool injury_on_file = false;
  // A confirmed session of the same modality booked earlier.
  std::optional<absl::CivilMinute> earlier_session;
  // The "other direction": the session is booked first, then a hard workout
  // is added on Thu 3 Dec 18:00 and the session is re-checked.
  bool workout_added_later = false;
  bool allowed = true;
  std::vector<std::string> violations;
  std::vector<std::string> warnings;
  // Of the first finding (violation, else warning), when there is one.
  absl::Duration actual_gap;
  absl::Duration required_gap;
  std::string event_name;     // empty when the finding is not about an event
  std::string exact_message;  // empty when not checked verbatim
};

const Scenario kScenarios[] = {
    {"DeepTissueFri1600RejectedAt38h",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 4, 16, 0),
     false,
     std::nullopt,
     false,
     false,
     {kRuleGapBeforeEvent},
     {},
     absl::Hours(38),
     absl::Hours(48),
     kRaceName,
     "Deep tissue massage Fri 4 Dec 2026 16:00-17:00 EST ends 38 h before "
     "race \"Broad Street Run\" (Sun 6 Dec 2026 07:00 EST); deep tissue needs "
     "at least 48 h before a race."},
    {"DeepTissueThu0900WarnedAt69h",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 3, 9, 0),
     false,
     std::nullopt,
     false,
     true,
     {},
     {kRuleGapBeforeEvent},
     absl::Hours(69),
     absl::Hours(72),
     kRaceName,
     "Deep tissue massage Thu 3 Dec 2026 09:00-10:00 EST ends 69 h before "
     "race \"Broad Street Run\" (Sun 6 Dec 2026 07:00 EST); 72 h or more is "
     "advised."},
    {"DeepTissueWed1000CleanAt92h",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 2, 10, 0),
     false,
     std::nullopt,
     false,
     true,
     {},
     {},
     absl::ZeroDuration(),
     absl::ZeroDuration(),
     "",
     ""},
    {"SportsFri1600WarnedAt38h",
     Modality::kSports,
     absl::CivilMinute(2026, 12, 4, 16, 0),
     false,
     std::nullopt,
     false,
     true,
     {},
     {kRuleGapBeforeEvent},
     absl::Hours(38),
     absl::Hours(48),
     kRaceName,
     "Sports massage Fri 4 Dec 2026 16:00-17:00 EST ends 38 h before race "
     "\"Broad Street Run\" (Sun 6 Dec 2026 07:00 EST); 48 h or more is "
     "advised."},
    {"DeepTissueSun1500RejectedAt5hAndOutsideHours",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 6, 15, 0),
     false,
     std::nullopt,
     false,
     false,
     {kRuleGapAfterEvent, kRuleOutsideWorkingHours},
     {},
     absl::Hours(5),
     absl::Hours(24),
     kRaceName,
     "Deep tissue massage Sun 6 Dec 2026 15:00-16:00 EST starts 5 h after "
     "race \"Broad Street Run\" ends (Sun 6 Dec 2026 10:00 EST); deep tissue "
     "needs at least 24 h after a race."},
    {"DeepTissueMon1100WarnedAt25h",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 7, 11, 0),
     false,
     std::nullopt,
     false,
     true,
     {},
     {kRuleGapAfterEvent},
     absl::Hours(25),
     absl::Hours(48),
     kRaceName,
     "Deep tissue massage Mon 7 Dec 2026 11:00-12:00 EST starts 25 h after "
     "race \"Broad Street Run\" ends (Sun 6 Dec 2026 10:00 EST); 48 h or more "
     "is advised."},
    {"ArtWithoutInjuryRejected",
     Modality::kActiveRelease,
     absl::CivilMinute(2026, 12, 2, 10, 0),
     false,
     std::nullopt,
     false,
     false,
     {kRuleNoActiveInjury},
     {},
     absl::ZeroDuration(),
     absl::ZeroDuration(),
     "",
     "ART session Wed 2 Dec 2026 10:00-10:45 EST needs an active injury on "
     "file; athlete \"Jane Runner\" has none."},
    {"ArtWithInjuryAccepted",
     Modality::kActiveRelease,
     absl::CivilMinute(2026, 12, 2, 10, 0),
     true,
     std::nullopt,
     false,
     true,
     {},
     {},
     absl::ZeroDuration(),
     absl::ZeroDuration(),
     "",
     ""},
    {"SecondDeepTissueTenDaysLaterWarned",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 12, 10, 0),
     false,
     absl::CivilMinute(2026, 12, 2, 10, 0),
     false,
     true,
     {},
     {kRuleCadence},
     absl::Hours(10 * 24),
     absl::Hours(28 * 24),
     "",
     "Deep tissue massage Sat 12 Dec 2026 10:00-11:00 EST is 10 days after "
     "another deep tissue massage (Wed 2 Dec 2026 10:00 EST); once every 28 "
     "days is advised."},
    {"WorkoutAddedLaterPutsSessionAtRisk",
     Modality::kDeepTissue,
     absl::CivilMinute(2026, 12, 2, 10, 0),
     false,
     std::nullopt,
     true,
     false,
     {kRuleGapBeforeEvent},
     {},
     absl::Hours(31),
     absl::Hours(48),
     "Thursday tempo",
     "Deep tissue massage Wed 2 Dec 2026 10:00-11:00 EST ends 31 h before "
     "hard workout \"Thursday tempo\" (Thu 3 Dec 2026 18:00 EST); deep tissue "
     "needs at least 48 h before a hard workout."},
};

class ScenarioTest : public RulesTest,
                     public ::testing::WithParamInterface<Scenario> {};

TEST_P(ScenarioTest, MatchesRulesMd) {
  const Scenario& row = GetParam();
  if (row.injury_on_file) AddInjury();
  if (row.earlier_session.has_value()) {
    ctx_.athlete_sessions.push_back(MakeBooking(
        41, row.modality, absl::FromCivil(*row.earlier_session, zone_)));
  }
  const SessionRequest session =
      Session(row.modality, absl::FromCivil(row.start, zone_));

  Verdict verdict;
  if (row.workout_added_later) {
    ASSERT_TRUE(Check(session).allowed()) << "booked before the workout";
    Booking booked = MakeBooking(42, session.modality, session.start);
    const Event workout = Workout(At(2026, 12, 3, 18, 0));
    SetEvents({race_, workout});
    verdict.violations = AthleteViolations(rules_, zone_, booked, ctx_);
  } else {
    verdict = Check(session);
  }

  EXPECT_EQ(verdict.allowed(), row.allowed);
  EXPECT_EQ(Ids(verdict.violations), row.violations);
  EXPECT_EQ(Ids(verdict.warnings), row.warnings);
  if (verdict.violations.empty() && verdict.warnings.empty()) return;

  const Finding& first = verdict.violations.empty()
                             ? verdict.warnings.front()
                             : verdict.violations.front();
  EXPECT_EQ(first.actual_gap, row.actual_gap);
  EXPECT_EQ(first.required_gap, row.required_gap);
  EXPECT_EQ(first.event_name, row.event_name);
  if (!row.event_name.empty()) {
    EXPECT_THAT(first.message, HasSubstr("\"" + row.event_name + "\""));
    EXPECT_NE(first.event_id, 0);
  }
  if (!row.exact_message.empty()) {
    EXPECT_EQ(first.message, row.exact_message);
  }
}

INSTANTIATE_TEST_SUITE_P(RulesMd, ScenarioTest, ::testing::ValuesIn(kScenarios),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------------------
// Event rules.

TEST_F(RulesTest, GapFindingCarriesTheEvent) {
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 4, 16, 0)));
  ASSERT_EQ(v.violations.size(), 1u);
  const Finding& f = v.violations[0];
  EXPECT_EQ(f.event_id, kRaceId);
  EXPECT_EQ(f.event_kind, EventKind::kRace);
  EXPECT_EQ(f.event_name, kRaceName);
  EXPECT_EQ(f.event_start, race_.start);
  EXPECT_EQ(f.event_end, race_.end);
}

TEST_F(RulesTest, OverlapIsRejectedWithoutGapFindings) {
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 6, 8, 0)));
  EXPECT_THAT(Ids(v.violations),
              ElementsAre(kRuleOverlapsEvent, kRuleOutsideWorkingHours));
  EXPECT_THAT(v.warnings, IsEmpty());
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Sun 6 Dec 2026 08:00-09:00 EST overlaps race "
            "\"Broad Street Run\" (Sun 6 Dec 2026 07:00 EST); no session can "
            "take place during a race.");
  EXPECT_EQ(v.violations[0].event_id, kRaceId);
}

TEST_F(RulesTest, GapBoundariesAreInclusive) {
  // Ends exactly 48 h before the race: allowed, but inside the advised 72 h.
  therapist_.hours.push_back({absl::Weekday::friday, 6 * 60, 9 * 60});
  Verdict v = Check(Session(Modality::kDeepTissue, At(2026, 12, 4, 6, 0)));
  EXPECT_THAT(v.violations, IsEmpty());
  EXPECT_THAT(Ids(v.warnings), ElementsAre(kRuleGapBeforeEvent));
  EXPECT_EQ(v.warnings[0].actual_gap, absl::Hours(48));

  // Ends exactly 72 h before: nothing to say.
  v = Check(Session(Modality::kDeepTissue, At(2026, 12, 3, 6, 0)));
  EXPECT_THAT(Ids(v.violations), ElementsAre(kRuleOutsideWorkingHours));
  EXPECT_THAT(v.warnings, IsEmpty());

  // Starts exactly 24 h after the race ends: allowed with a warning.
  v = Check(Session(Modality::kDeepTissue, At(2026, 12, 7, 10, 0)));
  EXPECT_THAT(v.violations, IsEmpty());
  EXPECT_THAT(Ids(v.warnings), ElementsAre(kRuleGapAfterEvent));
  EXPECT_EQ(v.warnings[0].actual_gap, absl::Hours(24));
}

TEST_F(RulesTest, EachEventIsJudgedSeparatelyInTimeOrder) {
  // Fri 09:00-10:00: 13 h 30 min after Thursday's workout, 45 h before the
  // race.
  SetEvents({race_, Workout(At(2026, 12, 3, 18, 0))});
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 4, 9, 0)));
  EXPECT_THAT(Ids(v.violations),
              ElementsAre(kRuleGapAfterEvent, kRuleGapBeforeEvent));
  EXPECT_EQ(v.violations[0].event_name, "Thursday tempo");
  EXPECT_EQ(v.violations[0].event_kind, EventKind::kHardWorkout);
  EXPECT_EQ(v.violations[0].actual_gap, absl::Hours(13) + absl::Minutes(30));
  EXPECT_THAT(v.violations[0].message, HasSubstr("13 h 30 min after hard "
                                                 "workout \"Thursday tempo\""));
  EXPECT_EQ(v.violations[1].event_name, kRaceName);
  EXPECT_EQ(v.violations[1].actual_gap, absl::Hours(45));
}

TEST_F(RulesTest, ResolvedInjuryDoesNotCount) {
  AddInjury();
  ctx_.injuries[0].resolved = At(2026, 11, 20, 0, 0);
  const Verdict v =
      Check(Session(Modality::kActiveRelease, At(2026, 12, 2, 10, 0)));
  EXPECT_THAT(Ids(v.violations), ElementsAre(kRuleNoActiveInjury));
}

// ---------------------------------------------------------------------------
// Cadence.

TEST_F(RulesTest, CadenceNamesTheNearestAndSaysBeforeWhenLater) {
  ctx_.athlete_sessions = {
      MakeBooking(40, Modality::kDeepTissue, At(2026, 11, 20, 10, 0)),
      MakeBooking(41, Modality::kDeepTissue, At(2026, 12, 12, 10, 0))};
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 2, 10, 0)));
  EXPECT_TRUE(v.allowed());
  ASSERT_THAT(Ids(v.warnings), ElementsAre(kRuleCadence));
  EXPECT_EQ(v.warnings[0].booking_id, 41);
  EXPECT_THAT(v.warnings[0].message,
              HasSubstr("is 10 days before another deep tissue massage (Sat "
                        "12 Dec 2026 10:00 EST)"));
}

TEST_F(RulesTest, CadenceIgnoresOtherModalitiesCancelledOwnAndFarSessions) {
  Booking cancelled =
      MakeBooking(40, Modality::kDeepTissue, At(2026, 11, 30, 10, 0));
  cancelled.state = BookingState::kCancelled;
  ctx_.athlete_sessions = {
      MakeBooking(39, Modality::kDeepTissue, At(2026, 11, 4, 10, 0)),  // 28 d
      cancelled, MakeBooking(41, Modality::kSports, At(2026, 11, 30, 12, 0)),
      MakeBooking(42, Modality::kDeepTissue, At(2026, 12, 1, 10, 0))};
  const Verdict moved =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 2, 10, 0), 42));
  EXPECT_THAT(moved.warnings, IsEmpty());
  EXPECT_TRUE(moved.allowed());

  const Verdict fresh =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 2, 10, 0)));
  ASSERT_THAT(Ids(fresh.warnings), ElementsAre(kRuleCadence));
  EXPECT_EQ(fresh.warnings[0].booking_id, 42);
}

// ---------------------------------------------------------------------------
// Scheduling rules. Mon 30 Nov 2026 is far enough from the race.

TEST_F(RulesTest, ModalityNotOffered) {
  AddInjury();
  therapist_.modalities = {Modality::kDeepTissue, Modality::kSports};
  const Verdict v =
      Check(Session(Modality::kActiveRelease, At(2026, 11, 30, 10, 0)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleModalityNotOffered));
  EXPECT_EQ(v.violations[0].message,
            "ART session Mon 30 Nov 2026 10:00-10:45 EST cannot be booked "
            "with therapist \"Sam Hands\", who does not offer ART.");
}

TEST_F(RulesTest, ModalityMissingFromRuleTable) {
  rules_.modalities.pop_back();  // sports
  const Verdict v =
      Evaluate(rules_, zone_,
               SessionRequest{Modality::kSports, At(2026, 11, 30, 10, 0),
                              At(2026, 11, 30, 11, 0), 0},
               ctx_);
  EXPECT_THAT(Ids(v.violations), ElementsAre(kRuleModalityNotOffered));
}

TEST_F(RulesTest, WorkingHoursEdges) {
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 9, 0))).allowed());
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 17, 0))).allowed());
  for (absl::Time start : {At(2026, 11, 30, 8, 59), At(2026, 11, 30, 17, 1)}) {
    EXPECT_THAT(Ids(Check(Session(Modality::kDeepTissue, start)).violations),
                ElementsAre(kRuleOutsideWorkingHours))
        << start;
  }
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 17, 30)));
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Mon 30 Nov 2026 17:30-18:30 EST is outside "
            "the working hours of therapist \"Sam Hands\", who works "
            "09:00-18:00 on Mondays.");
}

TEST_F(RulesTest, WorkingHoursOnADayOff) {
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 29, 10, 0)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleOutsideWorkingHours));
  EXPECT_THAT(v.violations[0].message,
              HasSubstr("\"Sam Hands\", who does not work on Sundays."));
}

TEST_F(RulesTest, SessionMustFitInOneInterval) {
  therapist_.hours = {{absl::Weekday::monday, 9 * 60, 12 * 60},
                      {absl::Weekday::monday, 12 * 60, 18 * 60}};
  EXPECT_THAT(
      Ids(Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 30)))
              .violations),
      ElementsAre(kRuleOutsideWorkingHours));
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 12, 0))).allowed());
}

TEST_F(RulesTest, WorkingHoursEndingAtMidnight) {
  therapist_.hours = {{absl::Weekday::monday, 20 * 60, 24 * 60}};
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 23, 0))).allowed());
  EXPECT_FALSE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 23, 1))).allowed());
}

TEST_F(RulesTest, TimeOff) {
  TimeOff off;
  off.id = 5;
  off.therapist_id = kTherapistId;
  off.start = At(2026, 11, 30, 12, 0);
  off.end = At(2026, 11, 30, 14, 0);
  off.reason = "dentist";
  therapist_.time_off = {off};
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 0))).allowed());
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 14, 0))).allowed());
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 30)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleTimeOff));
  // The reason is for staff and the therapist, not whoever books.
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Mon 30 Nov 2026 11:30-12:30 EST falls during "
            "time off of therapist \"Sam Hands\" (Mon 30 Nov 2026 "
            "12:00-14:00 EST).");
}

TEST_F(RulesTest, AllTheTimeOffASessionTouchesIsOneFinding) {
  // Four separate hours off (10:00, 12:00, 14:00 and 19:00), with private
  // reasons; an 8-hour session from 09:00 touches the first three.
  for (int hour : {10, 12, 14, 19}) {
    TimeOff off;
    off.id = hour;
    off.therapist_id = kTherapistId;
    off.start = At(2026, 11, 30, hour, 0);
    off.end = off.start + absl::Hours(1);
    off.reason = "private medical reason";
    therapist_.time_off.push_back(off);
  }
  SessionRequest s = Session(Modality::kSports, At(2026, 11, 30, 9, 0));
  s.end = s.start + absl::Hours(8);
  const Verdict v = Check(s);
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleTimeOff));
  EXPECT_EQ(v.violations[0].message,
            "Sports massage Mon 30 Nov 2026 09:00-17:00 EST falls during time "
            "off of therapist \"Sam Hands\" (Mon 30 Nov 2026 10:00-11:00 EST "
            "and 2 other periods).");
  EXPECT_EQ(v.omitted_violations, 0);

  // Touching only the 14:00 hour: that one, no others.
  s.start = At(2026, 11, 30, 14, 30);
  s.end = s.start + absl::Hours(1);
  const Verdict one = Check(s);
  ASSERT_THAT(Ids(one.violations), ElementsAre(kRuleTimeOff));
  EXPECT_THAT(one.violations[0].message,
              HasSubstr("(Mon 30 Nov 2026 14:00-15:00 EST)."));
}

TEST_F(RulesTest, FindingsOfOneRuleAreCappedAndCounted) {
  // Eight workouts on Sunday afternoon, each ending less than the 24 h a
  // Monday 10:00 deep tissue needs after it: one finding each, five listed.
  std::vector<Event> events = {race_};
  for (int i = 0; i < 8; ++i) {
    Event e = Workout(At(2026, 11, 29, 12, 0) + absl::Minutes(30 * i));
    e.id = 100 + i;
    e.end = e.start + absl::Minutes(30);
    events.push_back(e);
  }
  SetEvents(events);
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 10, 0)));
  ASSERT_EQ(v.violations.size(), static_cast<size_t>(kMaxFindingsPerRule));
  for (int i = 0; i < kMaxFindingsPerRule; ++i) {
    EXPECT_EQ(v.violations[i].rule_id, kRuleGapAfterEvent);
    EXPECT_EQ(v.violations[i].event_id, 100 + i);  // in time order
  }
  EXPECT_EQ(v.omitted_violations, 3);
  EXPECT_FALSE(v.allowed());
  EXPECT_THAT(v.warnings, IsEmpty());
  EXPECT_EQ(v.omitted_warnings, 0);

  // Between the minimum and the advised gap they are warnings: capped the
  // same way, and the session is allowed.
  const Verdict later =
      Check(Session(Modality::kDeepTissue, At(2026, 12, 1, 10, 0)));
  EXPECT_TRUE(later.allowed());
  EXPECT_EQ(later.omitted_violations, 0);
  ASSERT_EQ(later.warnings.size(), static_cast<size_t>(kMaxFindingsPerRule));
  EXPECT_EQ(later.warnings[0].event_id, 100);
  EXPECT_EQ(later.omitted_warnings, 3);
}

TEST_F(RulesTest, TherapistBusyCountsTheTurnoverBuffer) {
  Booking other = MakeBooking(50, Modality::kSports, At(2026, 11, 30, 12, 0));
  other.athlete_id = 99;
  ctx_.therapist_sessions = {other};
  // Exactly touching the 15 min buffer is fine on either side.
  EXPECT_TRUE(Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 10, 45)))
                  .allowed());
  EXPECT_TRUE(Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 13, 15)))
                  .allowed());
  for (absl::Time start :
       {At(2026, 11, 30, 10, 46), At(2026, 11, 30, 13, 14)}) {
    const Verdict v = Check(Session(Modality::kDeepTissue, start));
    ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleTherapistBusy)) << start;
    EXPECT_EQ(v.violations[0].booking_id, 50);
  }
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 0)));
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Mon 30 Nov 2026 11:00-12:00 EST clashes with "
            "another session of therapist \"Sam Hands\" (Mon 30 Nov 2026 "
            "12:00-13:00 EST), counting the 15 min turnover.");

  therapist_.turnover_buffer = absl::ZeroDuration();
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 0))).allowed());
}

TEST_F(RulesTest, CancelledSessionsDoNotBlock) {
  Booking other = MakeBooking(50, Modality::kSports, At(2026, 11, 30, 12, 0));
  other.state = BookingState::kCancelled;
  ctx_.therapist_sessions = {other};
  ctx_.athlete_sessions = {other};
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 12, 0))).allowed());
}

TEST_F(RulesTest, AthleteBusy) {
  Booking other = MakeBooking(60, Modality::kSports, At(2026, 11, 30, 12, 0));
  other.therapist_id = 77;  // with someone else: no turnover buffer applies
  ctx_.athlete_sessions = {other};
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 11, 0))).allowed());
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 13, 0))).allowed());
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 30, 12, 30)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleAthleteBusy));
  EXPECT_EQ(v.violations[0].booking_id, 60);
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Mon 30 Nov 2026 12:30-13:30 EST overlaps "
            "another session of athlete \"Jane Runner\" (sports massage Mon 30 "
            "Nov 2026 12:00-13:00 EST).");
}

TEST_F(RulesTest, RescheduleIgnoresItsOwnBooking) {
  const Booking own =
      MakeBooking(50, Modality::kDeepTissue, At(2026, 11, 30, 10, 0));
  ctx_.therapist_sessions = {own};
  ctx_.athlete_sessions = {own};
  const absl::Time later = At(2026, 11, 30, 10, 30);

  EXPECT_THAT(Ids(Check(Session(Modality::kDeepTissue, later)).violations),
              ElementsAre(kRuleTherapistBusy, kRuleAthleteBusy));
  const Verdict moved = Check(Session(Modality::kDeepTissue, later, 50));
  EXPECT_TRUE(moved.allowed());
  EXPECT_THAT(moved.warnings, IsEmpty());
}

TEST_F(RulesTest, TooSoon) {
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2026, 11, 27, 14, 0))).allowed());
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2026, 11, 27, 13, 59)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleTooSoon));
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Fri 27 Nov 2026 13:59-14:59 EST starts too "
            "soon; sessions must be booked 2 h ahead or more (earliest start "
            "Fri 27 Nov 2026 14:00 EST).");
  EXPECT_THAT(Ids(Check(Session(Modality::kDeepTissue, At(2026, 11, 26, 10, 0)))
                      .violations),
              ElementsAre(kRuleTooSoon));
}

TEST_F(RulesTest, TooFarAhead) {
  // now + 90 days is Thu 25 Feb 2027 12:00 (no DST change in between).
  EXPECT_TRUE(
      Check(Session(Modality::kDeepTissue, At(2027, 2, 25, 12, 0))).allowed());
  const Verdict v =
      Check(Session(Modality::kDeepTissue, At(2027, 2, 25, 12, 1)));
  ASSERT_THAT(Ids(v.violations), ElementsAre(kRuleTooFarAhead));
  EXPECT_EQ(v.violations[0].message,
            "Deep tissue massage Thu 25 Feb 2027 12:01-13:01 EST is too far "
            "ahead; sessions can be booked at most 90 days ahead (latest "
            "start Thu 25 Feb 2027 12:00 EST).");
}

TEST_F(RulesTest, AllViolationsAreReportedInOrder) {
  // ART on race morning, no injury, a therapist without ART and on leave,
  // both of them busy, a workout the evening before, and booked too late.
  SetEvents({race_, Workout(At(2026, 12, 5, 18, 0))});
  therapist_.modalities = {Modality::kDeepTissue};
  TimeOff off;
  off.start = At(2026, 12, 6, 0, 0);
  off.end = At(2026, 12, 7, 0, 0);
  therapist_.time_off = {off};
  Booking theirs = MakeBooking(50, Modality::kSports, At(2026, 12, 6, 8, 50));
  theirs.athlete_id = 99;
  ctx_.therapist_sessions = {theirs};
  ctx_.athlete_sessions = {
      MakeBooking(60, Modality::kSports, At(2026, 12, 6, 8, 30))};
  ctx_.now = At(2026, 12, 6, 7, 0);

  const Verdict v =
      Check(Session(Modality::kActiveRelease, At(2026, 12, 6, 8, 0)));
  EXPECT_THAT(Ids(v.violations),
              ElementsAre(kRuleGapAfterEvent, kRuleOverlapsEvent,
                          kRuleNoActiveInjury, kRuleModalityNotOffered,
                          kRuleOutsideWorkingHours, kRuleTimeOff,
                          kRuleTherapistBusy, kRuleAthleteBusy, kRuleTooSoon));
  for (const Finding& f : v.violations) {
    EXPECT_THAT(f.message,
                ::testing::StartsWith("ART session Sun 6 Dec 2026 08:00-08:45 "
                                      "EST "));
  }
}

TEST_F(RulesTest, AthleteViolationsIgnoresSchedulingRules) {
  // Outside hours, too soon and overlapping the race: only the race counts.
  ctx_.now = At(2026, 12, 6, 7, 0);
  const Booking b =
      MakeBooking(42, Modality::kDeepTissue, At(2026, 12, 6, 8, 0));
  EXPECT_THAT(Ids(AthleteViolations(rules_, zone_, b, ctx_)),
              ElementsAre(kRuleOverlapsEvent));
  // Warnings are not violations.
  const Booking warned =
      MakeBooking(43, Modality::kDeepTissue, At(2026, 12, 3, 9, 0));
  EXPECT_THAT(AthleteViolations(rules_, zone_, warned, ctx_), IsEmpty());
}

// ---------------------------------------------------------------------------
// Time zones: a therapist working Sundays 09:00-17:00 on the days New York
// moves to and from daylight time.

class DstTest : public RulesTest,
                public ::testing::WithParamInterface<absl::CivilDay> {
 protected:
  void SetUp() override {
    therapist_.hours.push_back({absl::Weekday::sunday, 9 * 60, 17 * 60});
    ctx_.now = absl::FromCivil(GetParam() - 7, zone_);
  }
  absl::Time Local(int h, int m) const {
    return absl::FromCivil(absl::CivilMinute(GetParam()) + (h * 60 + m), zone_);
  }
};

TEST_P(DstTest, DayReallyChangesOffset) {
  EXPECT_NE(absl::FormatTime("%Z", Local(0, 0), zone_),
            absl::FormatTime("%Z", Local(12, 0), zone_));
}

TEST_P(DstTest, LocalHoursAreHonoured) {
  for (const auto& [h, m] : {std::pair{9, 0}, std::pair{16, 0}}) {
    const Verdict v = Check(Session(Modality::kDeepTissue, Local(h, m)));
    EXPECT_TRUE(v.allowed()) << h << ":" << m << " " << v.violations[0].message;
  }
  for (const auto& [h, m] : {std::pair{8, 0}, std::pair{16, 30}}) {
    EXPECT_THAT(
        Ids(Check(Session(Modality::kDeepTissue, Local(h, m))).violations),
        ElementsAre(kRuleOutsideWorkingHours))
        << h << ":" << m;
  }
}

TEST_P(DstTest, WorkingIntervalIsEightRealHours) {
  SessionRequest s = Session(Modality::kDeepTissue, Local(9, 0));
  s.end = s.start + absl::Hours(8);
  EXPECT_TRUE(Check(s).allowed());
  s.end += absl::Minutes(1);
  EXPECT_THAT(Ids(Check(s).violations), ElementsAre(kRuleOutsideWorkingHours));
  s.start -= absl::Minutes(1);
  s.end = s.start + absl::Hours(1);
  EXPECT_THAT(Ids(Check(s).violations), ElementsAre(kRuleOutsideWorkingHours));
}

INSTANTIATE_TEST_SUITE_P(NewYork, DstTest,
                         ::testing::Values(absl::CivilDay(2027, 3, 14),
                                           absl::CivilDay(2027, 11, 7)),
                         [](const ::testing::TestParamInfo<absl::CivilDay>& i) {
                           return i.param.month() == 3 ? "SpringForward"
                                                       : "FallBack";
                         });

TEST_F(RulesTest, WorkingHoursStartingInASkippedHourOpenAtTheChange) {
  // 02:30 does not exist on Sun 14 Mar 2027: the day opens at 03:00 EDT.
  therapist_.hours = {{absl::Weekday::sunday, 2 * 60 + 30, 5 * 60}};
  ctx_.now = At(2027, 3, 7, 0, 0);
  const absl::Time change = At(2027, 3, 14, 3, 0);
  ASSERT_EQ(change - At(2027, 3, 14, 1, 59), absl::Minutes(1));
  EXPECT_TRUE(Check(Session(Modality::kDeepTissue, change)).allowed());
  EXPECT_FALSE(Check(Session(Modality::kDeepTissue, change - absl::Minutes(1)))
                   .allowed());
}

TEST_F(RulesTest, WorkingHoursOverARepeatedHourCoverBothOccurrences) {
  // 00:00-01:30 on Sun 7 Nov 2027 runs from 00:00 EDT to the second 01:30
  // (EST): 2 h 30 min.
  therapist_.hours = {{absl::Weekday::sunday, 0, 90}};
  ctx_.now = At(2027, 10, 31, 0, 0);
  SessionRequest s = Session(Modality::kDeepTissue, At(2027, 11, 7, 0, 0));
  s.end = s.start + absl::Hours(2) + absl::Minutes(30);
  EXPECT_EQ(FormatSpan(s.start, s.end, zone_),
            "Sun 7 Nov 2027 00:00 EDT-01:30 EST");
  EXPECT_TRUE(Check(s).allowed());
  s.end += absl::Minutes(1);
  EXPECT_FALSE(Check(s).allowed());
}

// ---------------------------------------------------------------------------
// Calendar and context reach.

TEST(CalendarTest, SortsByStart) {
  Event a, b;
  a.id = 1;
  a.start = absl::FromUnixSeconds(200);
  a.end = a.start + absl::Hours(1);
  b.id = 2;
  b.start = absl::FromUnixSeconds(100);
  b.end = b.start + absl::Hours(1);
  const Calendar c({a, b});
  ASSERT_EQ(c.events().size(), 2u);
  EXPECT_EQ(c.events()[0].id, 2);
  EXPECT_EQ(c.events()[1].id, 1);
}

TEST(CalendarTest, HalfOpenIntervals) {
  Event e;
  e.id = 1;
  e.start = absl::FromUnixSeconds(3600);
  e.end = absl::FromUnixSeconds(7200);
  const Calendar c({e});
  const auto at = [](int s) { return absl::FromUnixSeconds(s); };
  EXPECT_THAT(c.Overlapping(at(0), at(3600)), IsEmpty());
  EXPECT_THAT(c.Overlapping(at(7200), at(9000)), IsEmpty());
  EXPECT_EQ(c.Overlapping(at(0), at(3601)).size(), 1u);
  EXPECT_EQ(c.Overlapping(at(7199), at(9000)).size(), 1u);
  EXPECT_EQ(c.Overlapping(at(4000), at(5000)).size(), 1u);
}

TEST(CalendarTest, OverlappingMatchesBruteForce) {
  std::mt19937 rng(20261206);
  const absl::Time base = absl::FromUnixSeconds(1'800'000'000);
  std::uniform_int_distribution<int> minute(0, 60 * 24 * 60);
  std::uniform_int_distribution<int> short_len(0, 6 * 60);
  std::uniform_int_distribution<int> long_len(0, 14 * 24 * 60);
  std::uniform_int_distribution<int> coin(0, 19);
  std::vector<Event> events;
  for (int i = 0; i < 2000; ++i) {
    Event e;
    e.id = i + 1;
    e.start = base + absl::Minutes(minute(rng));
    e.end = e.start +
            absl::Minutes(coin(rng) == 0 ? long_len(rng) : short_len(rng));
    events.push_back(e);
  }
  const Calendar calendar(events);
  ASSERT_TRUE(std::is_sorted(
      calendar.events().begin(), calendar.events().end(),
      [](const Event& a, const Event& b) { return a.start < b.start; }));

  std::uniform_int_distribution<int> window(0, 5 * 24 * 60);
  int nonempty = 0;
  for (int q = 0; q < 2000; ++q) {
    const absl::Time from = base + absl::Minutes(minute(rng) - 7 * 24 * 60);
    const absl::Time to = from + absl::Minutes(window(rng));
    std::vector<Id> want;
    for (const Event& e : calendar.events()) {
      if (e.start < to && e.end > from) want.push_back(e.id);
    }
    std::vector<Id> got;
    for (const Event* e : calendar.Overlapping(from, to)) got.push_back(e->id);
    ASSERT_EQ(got, want) << "query " << q;
    nonempty += want.empty() ? 0 : 1;
  }
  EXPECT_GT(nonempty, 1000);  // the queries do exercise the calendar
}

TEST(ContextReachTest, CoversGapsAndCadence) {
  RuleTable rules = RuleTable::Defaults();
  EXPECT_EQ(ContextReachBefore(rules), absl::Hours(28 * 24));
  EXPECT_EQ(ContextReachAfter(rules), absl::Hours(28 * 24));
  for (ModalityRule& r : rules.modalities) {
    r.cadence_warning = absl::ZeroDuration();
  }
  EXPECT_EQ(ContextReachBefore(rules), absl::Hours(48));
  EXPECT_EQ(ContextReachAfter(rules), absl::Hours(72));
}

}  // namespace
}  // namespace clinic::core
