#include "services/core/availability.h"

#include <algorithm>
#include <iterator>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/rule_table.h"
#include "services/core/rules.h"
#include "services/core/types.h"
#include "tests/testing/status_matchers.h"

namespace clinic::core {
namespace {

using ::clinic::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

Therapist WorksOn(absl::Weekday day, int start_minute, int end_minute) {
  Therapist t;
  t.id = 2;
  t.name = "Sam Hands";
  t.modalities = {std::begin(kAllModalities), std::end(kAllModalities)};
  t.hours.push_back({day, start_minute, end_minute});
  return t;
}

Booking Session(absl::Time start, absl::Duration length,
                BookingState state = BookingState::kConfirmed) {
  Booking b;
  b.id = 5;
  b.therapist_id = 2;
  b.start = start;
  b.end = start + length;
  b.state = state;
  return b;
}

absl::Duration Total(const std::vector<Interval>& intervals) {
  absl::Duration total;
  for (const Interval& i : intervals) total += i.end - i.start;
  return total;
}

// Local "HH:MM" of each instant; with `abbreviation`, "HH:MM EST" and so on.
std::vector<std::string> LocalTimes(const std::vector<absl::Time>& instants,
                                    const absl::TimeZone& zone,
                                    bool abbreviation = false) {
  std::vector<std::string> out;
  for (absl::Time t : instants) {
    out.push_back(
        absl::FormatTime(abbreviation ? "%H:%M %Z" : "%H:%M", t, zone));
  }
  return out;
}

// "HH:MM" from `first` to `last` minutes after midnight, every `step`.
std::vector<std::string> Clock(int first, int last, int step) {
  std::vector<std::string> out;
  for (int m = first; m <= last; m += step) {
    out.push_back(absl::StrFormat("%02d:%02d", m / 60, m % 60));
  }
  return out;
}

int CountWithHour(const std::vector<std::string>& times, const char* hour) {
  return static_cast<int>(std::count_if(
      times.begin(), times.end(),
      [&](const std::string& s) { return s.substr(0, 2) == hour; }));
}

std::vector<absl::Time> AllSlots(const std::vector<Interval>& free,
                                 absl::Duration length, absl::Duration step,
                                 const absl::TimeZone& zone) {
  return SlotStarts(free, length, step, zone, absl::InfinitePast(),
                    absl::InfiniteFuture());
}

// Every instant of local `day` whose civil time is midnight + k * step: both
// occurrences of a repeated time, none of a skipped one.
std::vector<absl::Time> GridStarts(absl::CivilDay day, absl::Duration step,
                                   const absl::TimeZone& zone) {
  std::vector<absl::Time> out;
  for (absl::CivilMinute m(day); m < absl::CivilMinute(day + 1);
       m += absl::ToInt64Minutes(step)) {
    const absl::TimeZone::TimeInfo ti = zone.At(m);
    if (ti.kind == absl::TimeZone::TimeInfo::SKIPPED) continue;
    out.push_back(ti.pre);
    if (ti.kind == absl::TimeZone::TimeInfo::REPEATED) out.push_back(ti.post);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------
// The time-zone cases of RULES.md.

TEST(FreeIntervalsTest, NewYorkSundayOnBothDstDaysHasEightHoursAnd29Slots) {
  const absl::TimeZone ny = Zone("America/New_York");
  const Therapist t = WorksOn(absl::Weekday::sunday, 9 * 60, 17 * 60);
  for (absl::CivilDay day :
       {absl::CivilDay(2027, 3, 14), absl::CivilDay(2027, 11, 7)}) {
    SCOPED_TRACE(absl::FormatCivilTime(day));
    const std::vector<Interval> free = FreeIntervals(t, day, ny, {});
    ASSERT_THAT(free, SizeIs(1));
    EXPECT_EQ(free[0].start, absl::FromCivil(absl::CivilHour(day) + 9, ny));
    EXPECT_EQ(free[0].end, absl::FromCivil(absl::CivilHour(day) + 17, ny));
    EXPECT_EQ(Total(free), absl::Hours(8));

    const std::vector<absl::Time> slots =
        AllSlots(free, absl::Hours(1), absl::Minutes(15), ny);
    EXPECT_THAT(slots, SizeIs(29));
    EXPECT_EQ(LocalTimes(slots, ny), Clock(9 * 60, 16 * 60, 15));
  }
}

TEST(FreeIntervalsTest, NewYorkSpringForwardDayHas23HoursAndNo02Slots) {
  const absl::TimeZone ny = Zone("America/New_York");
  const std::vector<Interval> free =
      FreeIntervals(WorksOn(absl::Weekday::sunday, 0, 1440),
                    absl::CivilDay(2027, 3, 14), ny, {});
  EXPECT_EQ(Total(free), absl::Hours(23));

  const std::vector<absl::Time> slots =
      AllSlots(free, absl::Hours(1), absl::Minutes(15), ny);
  const std::vector<std::string> local = LocalTimes(slots, ny, true);
  EXPECT_THAT(slots, SizeIs(93 - 4));  // 00:00..23:00 without 02:00..02:45
  EXPECT_EQ(CountWithHour(local, "02"), 0);
  const auto before = std::find(local.begin(), local.end(), "01:45 EST");
  ASSERT_NE(before, local.end());
  ASSERT_NE(before + 1, local.end());
  EXPECT_EQ(*(before + 1), "03:00 EDT");
  const size_t i = before - local.begin();
  EXPECT_EQ(slots[i + 1] - slots[i], absl::Minutes(15));
}

// The choice: on a repeated hour both occurrences of an on-grid local time
// are slots, in time order (01:00 EDT..01:45 EDT, then 01:00 EST..01:45 EST).
TEST(FreeIntervalsTest, NewYorkFallBackDayHas25HoursAndTheRepeatedHourTwice) {
  const absl::TimeZone ny = Zone("America/New_York");
  const std::vector<Interval> free =
      FreeIntervals(WorksOn(absl::Weekday::sunday, 0, 1440),
                    absl::CivilDay(2027, 11, 7), ny, {});
  EXPECT_EQ(Total(free), absl::Hours(25));

  const std::vector<absl::Time> slots =
      AllSlots(free, absl::Hours(1), absl::Minutes(15), ny);
  const std::vector<std::string> local = LocalTimes(slots, ny, true);
  EXPECT_THAT(slots, SizeIs(93 + 4));
  const auto first = std::find(local.begin(), local.end(), "01:00 EDT");
  ASSERT_LE(first + 8, local.end());
  EXPECT_EQ(std::vector<std::string>(first, first + 8),
            (std::vector<std::string>{"01:00 EDT", "01:15 EDT", "01:30 EDT",
                                      "01:45 EDT", "01:00 EST", "01:15 EST",
                                      "01:30 EST", "01:45 EST"}));
  EXPECT_EQ(CountWithHour(local, "01"), 8);
  EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
}

// Sunday hours 00:00-06:00 straddle the change in each zone; slots of 60 min
// every 30 min.
struct DstDay {
  const char* zone;
  absl::CivilDay day;
  absl::Duration real_length;
  int slots;
  const char* odd_hour;  // the local hour skipped or repeated
  int slots_in_odd_hour;
};

void PrintTo(const DstDay& d, std::ostream* os) {
  *os << d.zone << " " << d.day;
}

class DstDayTest : public ::testing::TestWithParam<DstDay> {};

TEST_P(DstDayTest, HoursAcrossTheChangeHaveTheirRealLength) {
  const DstDay& p = GetParam();
  const absl::TimeZone zone = Zone(p.zone);
  ASSERT_EQ(absl::GetWeekday(p.day), absl::Weekday::sunday);
  const std::vector<Interval> free =
      FreeIntervals(WorksOn(absl::Weekday::sunday, 0, 6 * 60), p.day, zone, {});
  EXPECT_EQ(Total(free), p.real_length);

  const std::vector<absl::Time> slots =
      AllSlots(free, absl::Hours(1), absl::Minutes(30), zone);
  EXPECT_THAT(slots, SizeIs(p.slots));
  const std::vector<std::string> local = LocalTimes(slots, zone);
  EXPECT_EQ(CountWithHour(local, p.odd_hour), p.slots_in_odd_hour);
  EXPECT_EQ(local.front(), "00:00");
  EXPECT_EQ(local.back(), "05:00");
  for (absl::Time s : slots) EXPECT_EQ(zone.At(s).cs.minute() % 30, 0);

  // A step that does not divide the one-hour shift still counts from local
  // midnight on both sides of the change.
  ASSERT_THAT(free, SizeIs(1));
  const absl::Duration odd_step = absl::Minutes(25);
  std::vector<absl::Time> expected;
  for (absl::Time g : GridStarts(p.day, odd_step, zone)) {
    if (g >= free[0].start && g + absl::Hours(1) <= free[0].end) {
      expected.push_back(g);
    }
  }
  EXPECT_THAT(expected, SizeIs(::testing::Gt(5)));
  EXPECT_EQ(AllSlots(free, absl::Hours(1), odd_step, zone), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Zones, DstDayTest,
    ::testing::Values(
        // New York: 02:00 EST -> 03:00 EDT; 02:00 EDT -> 01:00 EST.
        DstDay{"America/New_York", absl::CivilDay(2027, 3, 14), absl::Hours(5),
               9, "02", 0},
        DstDay{"America/New_York", absl::CivilDay(2027, 11, 7), absl::Hours(7),
               13, "01", 4},
        // London: 01:00 GMT -> 02:00 BST; 02:00 BST -> 01:00 GMT.
        DstDay{"Europe/London", absl::CivilDay(2027, 3, 28), absl::Hours(5), 9,
               "01", 0},
        DstDay{"Europe/London", absl::CivilDay(2027, 10, 31), absl::Hours(7),
               13, "01", 4},
        // Sydney: 03:00 AEDT -> 02:00 AEST; 02:00 AEST -> 03:00 AEDT.
        DstDay{"Australia/Sydney", absl::CivilDay(2027, 4, 4), absl::Hours(7),
               13, "02", 4},
        DstDay{"Australia/Sydney", absl::CivilDay(2027, 10, 3), absl::Hours(5),
               9, "02", 0},
        // An ordinary Sunday for contrast.
        DstDay{"Australia/Sydney", absl::CivilDay(2027, 6, 6), absl::Hours(6),
               11, "02", 2}),
    [](const ::testing::TestParamInfo<DstDay>& info) {
      std::string name = absl::StrCat(info.param.zone, "_",
                                      absl::FormatCivilTime(info.param.day));
      for (char& ch : name) {
        if (!absl::ascii_isalnum(ch)) ch = '_';
      }
      return name;
    });

// Hours that meet inside a repeated hour overlap in real time; the later one
// is cut back so that the intervals stay disjoint.
TEST(FreeIntervalsTest, HoursMeetingInARepeatedHourStayDisjoint) {
  const absl::TimeZone ny = Zone("America/New_York");
  Therapist t = WorksOn(absl::Weekday::sunday, 0, 90);
  t.hours.push_back({absl::Weekday::sunday, 90, 180});
  const absl::CivilDay day(2027, 11, 7);
  const std::vector<Interval> free = FreeIntervals(t, day, ny, {});
  ASSERT_THAT(free, SizeIs(2));
  EXPECT_EQ(free[0].start, absl::FromCivil(day, ny));
  EXPECT_EQ(free[0].end, free[1].start);
  EXPECT_EQ(absl::FormatTime("%H:%M %Z", free[1].start, ny), "01:30 EST");
  EXPECT_EQ(absl::FormatTime("%H:%M %Z", free[1].end, ny), "03:00 EST");
  EXPECT_EQ(Total(free), absl::Hours(4));
}

// ---------------------------------------------------------------------------
// Sessions, buffer and time off. Wednesday 3 Feb 2027, New York, 09:00-17:00.

class CarveTest : public ::testing::Test {
 protected:
  absl::Time At(int hour, int minute, int day = 3) const {
    return absl::FromCivil(absl::CivilMinute(2027, 2, day, hour, minute), ny_);
  }
  std::vector<Interval> Free(const std::vector<Booking>& sessions) const {
    return FreeIntervals(therapist_, day_, ny_, sessions);
  }
  std::vector<std::string> Spans(const std::vector<Interval>& free) const {
    std::vector<std::string> out;
    for (const Interval& i : free) {
      out.push_back(absl::StrCat(absl::FormatTime("%H:%M", i.start, ny_), "-",
                                 absl::FormatTime("%H:%M", i.end, ny_)));
    }
    return out;
  }

  absl::TimeZone ny_ = Zone("America/New_York");
  absl::CivilDay day_{2027, 2, 3};
  Therapist therapist_ =
      WorksOn(absl::Weekday::wednesday, 9 * 60, 17 * 60);  // 15 min buffer
};

TEST_F(CarveTest, SessionRemovesItselfAndTheBufferOnBothSides) {
  EXPECT_THAT(Spans(Free({Session(At(11, 0), absl::Hours(1))})),
              ElementsAre("09:00-10:45", "12:15-17:00"));
}

TEST_F(CarveTest, BufferFollowsTheTherapist) {
  therapist_.turnover_buffer = absl::Minutes(30);
  EXPECT_THAT(Spans(Free({Session(At(11, 0), absl::Hours(1))})),
              ElementsAre("09:00-10:30", "12:30-17:00"));
}

TEST_F(CarveTest, TimeOffRemoves) {
  therapist_.time_off.push_back({1, 2, At(13, 0), At(14, 30), "dentist"});
  therapist_.time_off.push_back({2, 2, At(10, 0, 4), At(12, 0, 4), "other"});
  EXPECT_THAT(Spans(Free({})), ElementsAre("09:00-13:00", "14:30-17:00"));
}

TEST_F(CarveTest, CancelledAndOtherDaySessionsDoNotCount) {
  EXPECT_THAT(
      Spans(Free({Session(At(11, 0), absl::Hours(1), BookingState::kCancelled),
                  Session(At(11, 0, 4), absl::Hours(1)),
                  Session(At(11, 0, 2), absl::Hours(1))})),
      ElementsAre("09:00-17:00"));
}

TEST_F(CarveTest, BufferOfAnEarlierSessionReachesIntoTheHours) {
  EXPECT_THAT(Spans(Free({Session(At(7, 50), absl::Hours(1))})),
              ElementsAre("09:05-17:00"));
}

TEST_F(CarveTest, OverlappingBlocksMergeAndCoverEverything) {
  therapist_.time_off.push_back({1, 2, At(8, 0), At(10, 0), ""});
  EXPECT_THAT(Spans(Free({Session(At(9, 30), absl::Hours(1)),
                          Session(At(10, 0), absl::Hours(2))})),
              ElementsAre("12:15-17:00"));
  therapist_.time_off.push_back({2, 2, At(12, 0), At(18, 0), ""});
  EXPECT_THAT(Free({}), Not(IsEmpty()));
  EXPECT_THAT(Free({Session(At(9, 30), absl::Hours(1)),
                    Session(At(10, 0), absl::Hours(2))}),
              IsEmpty());
}

TEST_F(CarveTest, NoHoursOnThatWeekdayMeansNoFreeTime) {
  EXPECT_THAT(FreeIntervals(therapist_, absl::CivilDay(2027, 2, 4), ny_, {}),
              IsEmpty());
}

TEST_F(CarveTest, TouchingHoursStayApartSoNoSlotStraddlesThem) {
  therapist_.hours = {{absl::Weekday::wednesday, 12 * 60, 17 * 60},
                      {absl::Weekday::wednesday, 9 * 60, 12 * 60}};
  const std::vector<Interval> free = Free({});
  EXPECT_THAT(Spans(free), ElementsAre("09:00-12:00", "12:00-17:00"));
  const std::vector<std::string> local =
      LocalTimes(AllSlots(free, absl::Hours(1), absl::Minutes(30), ny_), ny_);
  EXPECT_THAT(local, Contains("11:00"));
  EXPECT_THAT(local, Contains("12:00"));
  EXPECT_THAT(local, Not(Contains("11:30")));
}

// ---------------------------------------------------------------------------
// SlotStarts filters.

TEST_F(CarveTest, StepOf30Minutes) {
  EXPECT_EQ(
      LocalTimes(AllSlots(Free({}), absl::Hours(1), absl::Minutes(30), ny_),
                 ny_),
      Clock(9 * 60, 16 * 60, 30));
}

TEST_F(CarveTest, EarliestAndLatestBoundTheStarts) {
  const std::vector<absl::Time> slots = SlotStarts(
      Free({}), absl::Hours(1), absl::Minutes(15), ny_, At(10, 5), At(13, 0));
  EXPECT_EQ(LocalTimes(slots, ny_), Clock(10 * 60 + 15, 13 * 60, 15));
  EXPECT_EQ(
      LocalTimes(SlotStarts(Free({}), absl::Hours(1), absl::Minutes(15), ny_,
                            At(10, 0) + absl::Milliseconds(500), At(11, 0)),
                 ny_),
      Clock(10 * 60 + 15, 11 * 60, 15));
  EXPECT_THAT(SlotStarts(Free({}), absl::Hours(1), absl::Minutes(15), ny_,
                         At(13, 0), At(12, 59)),
              IsEmpty());
}

TEST_F(CarveTest, GridCountsFromLocalMidnight) {
  therapist_.hours = {{absl::Weekday::wednesday, 9 * 60, 11 * 60}};
  // 25-minute grid: 09:10 is 22 steps after midnight.
  EXPECT_THAT(
      LocalTimes(AllSlots(Free({}), absl::Minutes(30), absl::Minutes(25), ny_),
                 ny_),
      ElementsAre("09:10", "09:35", "10:00", "10:25"));
}

TEST_F(CarveTest, LengthMustFitInOneFreeInterval) {
  const std::vector<Interval> free =
      Free({Session(At(11, 0), absl::Hours(1))});  // 09:00-10:45, 12:15-17:00
  std::vector<Interval> morning = {free[0]};
  EXPECT_THAT(AllSlots(morning, absl::Hours(2), absl::Minutes(15), ny_),
              IsEmpty());
  EXPECT_THAT(
      LocalTimes(AllSlots(morning, absl::Minutes(105), absl::Minutes(15), ny_),
                 ny_),
      ElementsAre("09:00"));
  EXPECT_THAT(
      LocalTimes(AllSlots(free, absl::Hours(1), absl::Minutes(15), ny_), ny_),
      ElementsAre("09:00", "09:15", "09:30", "09:45", "12:15", "12:30", "12:45",
                  "13:00", "13:15", "13:30", "13:45", "14:00", "14:15", "14:30",
                  "14:45", "15:00", "15:15", "15:30", "15:45", "16:00"));
}

TEST_F(CarveTest, NonPositiveStepOrLengthGivesNothing) {
  EXPECT_THAT(AllSlots(Free({}), absl::Hours(1), absl::ZeroDuration(), ny_),
              IsEmpty());
  EXPECT_THAT(AllSlots(Free({}), absl::ZeroDuration(), absl::Minutes(15), ny_),
              IsEmpty());
  EXPECT_THAT(AllSlots(Free({}), absl::Hours(1), absl::Minutes(15), ny_),
              SizeIs(29));
}

// ---------------------------------------------------------------------------
// Consistency with the rules engine on random therapists and sessions.

// Working hours on `day` (and decoys on the next weekday), on a 15-minute
// grid. Two intervals touch only at a boundary outside 01:00-03:00, where a
// repeated hour would make them overlap in real time (FreeIntervals then
// cuts the later one back, a documented loss the engine does not share).
std::vector<WorkingHours> RandomHours(std::mt19937& rng, absl::Weekday day) {
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  std::vector<WorkingHours> hours;
  int m = pick(0, 40) * 15;
  while (m < 1440) {
    const int end = std::min(1440, m + pick(2, 40) * 15);
    hours.push_back({day, m, end});
    const bool touch = pick(0, 2) == 0 && (end < 60 || end > 180);
    m = end + (touch ? 0 : pick(4, 30) * 15);
  }
  hours.push_back({absl::Weekday(((static_cast<int>(day) + 1) % 7)), 0, 1440});
  return hours;
}

TEST(AvailabilityConsistencyTest, SlotsAreExactlyTheGridStartsTheEngineAllows) {
  struct Case {
    const char* zone;
    absl::CivilDay day;
  };
  const Case cases[] = {
      {"America/New_York", absl::CivilDay(2027, 3, 14)},
      {"America/New_York", absl::CivilDay(2027, 11, 7)},
      {"America/New_York", absl::CivilDay(2027, 2, 3)},
      {"Europe/London", absl::CivilDay(2027, 3, 28)},
      {"Europe/London", absl::CivilDay(2027, 10, 31)},
      {"Australia/Sydney", absl::CivilDay(2027, 4, 4)},
      {"Australia/Sydney", absl::CivilDay(2027, 10, 3)},
      {"UTC", absl::CivilDay(2027, 5, 5)},
  };
  const RuleTable rules = RuleTable::Defaults();
  std::mt19937 rng(20270314);
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  int offered = 0;
  int refused = 0;
  for (int round = 0; round < 240; ++round) {
    const Case& c = cases[round % std::size(cases)];
    const absl::TimeZone zone = Zone(c.zone);
    SCOPED_TRACE(absl::StrCat(c.zone, " ", absl::FormatCivilTime(c.day),
                              " round ", round));
    const absl::Time midnight = absl::FromCivil(c.day, zone);
    auto around = [&] { return midnight + absl::Minutes(pick(-36, 300) * 5); };

    Therapist t = WorksOn(absl::GetWeekday(c.day), 0, 0);
    t.hours = RandomHours(rng, absl::GetWeekday(c.day));
    t.turnover_buffer = absl::Minutes(5 * pick(0, 6));
    for (int i = pick(0, 3); i > 0; --i) {
      const absl::Time start = around();
      t.time_off.push_back(
          {i, t.id, start, start + absl::Minutes(pick(3, 48) * 5), ""});
    }
    std::sort(
        t.time_off.begin(), t.time_off.end(),
        [](const TimeOff& a, const TimeOff& b) { return a.start < b.start; });
    std::vector<Booking> sessions;
    for (int i = pick(0, 6); i > 0; --i) {
      sessions.push_back(Session(around(), absl::Minutes(pick(6, 36) * 5),
                                 pick(0, 4) == 0 ? BookingState::kCancelled
                                                 : BookingState::kConfirmed));
      sessions.back().id = 100 + i;
    }
    std::sort(
        sessions.begin(), sessions.end(),
        [](const Booking& a, const Booking& b) { return a.start < b.start; });
    const absl::Duration length = absl::Minutes(15 * pick(2, 6));
    const absl::Duration step = absl::Minutes(pick(0, 1) == 0 ? 15 : 30);

    const std::vector<Interval> free = FreeIntervals(t, c.day, zone, sessions);
    for (size_t i = 0; i < free.size(); ++i) {
      EXPECT_LT(free[i].start, free[i].end);
      if (i > 0) {
        EXPECT_LE(free[i - 1].end, free[i].start);
      }
    }
    const std::vector<absl::Time> slots = AllSlots(free, length, step, zone);
    const std::vector<absl::Time> grid = GridStarts(c.day, step, zone);
    EXPECT_TRUE(
        std::includes(grid.begin(), grid.end(), slots.begin(), slots.end()));

    BookingContext ctx;
    ctx.now = midnight - absl::Hours(48);
    ctx.therapist = &t;
    ctx.therapist_sessions = sessions;
    for (absl::Time start : grid) {
      SessionRequest request;
      request.modality = Modality::kSports;
      request.start = start;
      request.end = start + length;
      const Verdict v = Evaluate(rules, zone, request, ctx);
      bool rejected = false;
      for (const Finding& f : v.violations) {
        rejected |= f.rule_id == kRuleOutsideWorkingHours ||
                    f.rule_id == kRuleTimeOff ||
                    f.rule_id == kRuleTherapistBusy;
      }
      const bool is_slot =
          std::binary_search(slots.begin(), slots.end(), start);
      EXPECT_NE(is_slot, rejected)
          << absl::FormatTime("%Y-%m-%d %H:%M %Z", start, zone)
          << (is_slot ? " offered but rejected: " : " refused but allowed")
          << (v.violations.empty() ? "" : v.violations[0].message);
      (is_slot ? offered : refused) += 1;
    }
  }
  // Both directions were exercised.
  EXPECT_GT(offered, 1000);
  EXPECT_GT(refused, 1000);
}

// ---------------------------------------------------------------------------
// LocalDays.

TEST(LocalDaysTest, AcrossMidnightAndDstChanges) {
  const absl::TimeZone ny = Zone("America/New_York");
  auto at = [&](int y, int mo, int d, int h, int mi) {
    return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), ny);
  };
  EXPECT_THAT(
      LocalDays(at(2027, 3, 13, 23, 30), at(2027, 3, 14, 0, 30), ny),
      ElementsAre(absl::CivilDay(2027, 3, 13), absl::CivilDay(2027, 3, 14)));
  // To is exclusive: ending at midnight does not touch the next day.
  EXPECT_THAT(
      LocalDays(at(2027, 3, 13, 22, 0), at(2027, 3, 15, 0, 0), ny),
      ElementsAre(absl::CivilDay(2027, 3, 13), absl::CivilDay(2027, 3, 14)));
  EXPECT_THAT(LocalDays(at(2027, 3, 13, 22, 0),
                        at(2027, 3, 15, 0, 0) + absl::Seconds(1), ny),
              SizeIs(3));
  // The 25-hour day is one day; the next midnight is 25 h after this one.
  const absl::Time nov7 = at(2027, 11, 7, 0, 0);
  EXPECT_THAT(LocalDays(nov7, nov7 + absl::Hours(25), ny),
              ElementsAre(absl::CivilDay(2027, 11, 7)));
  EXPECT_THAT(LocalDays(nov7, nov7 + absl::Hours(24), ny),
              ElementsAre(absl::CivilDay(2027, 11, 7)));
  EXPECT_THAT(
      LocalDays(nov7, nov7 + absl::Hours(25) + absl::Seconds(1), ny),
      ElementsAre(absl::CivilDay(2027, 11, 7), absl::CivilDay(2027, 11, 8)));
  // The 23-hour day: 23 h after its midnight is already the next day.
  const absl::Time mar14 = at(2027, 3, 14, 0, 0);
  EXPECT_THAT(
      LocalDays(mar14, mar14 + absl::Hours(23) + absl::Seconds(1), ny),
      ElementsAre(absl::CivilDay(2027, 3, 14), absl::CivilDay(2027, 3, 15)));
}

TEST(LocalDaysTest, DependsOnTheZoneAndIsEmptyForAnEmptyRange) {
  const absl::Time t = absl::FromCivil(absl::CivilMinute(2027, 10, 3, 12, 0),
                                       absl::UTCTimeZone());
  const absl::TimeZone sydney = Zone("Australia/Sydney");
  EXPECT_THAT(LocalDays(t, t + absl::Hours(1), absl::UTCTimeZone()),
              ElementsAre(absl::CivilDay(2027, 10, 3)));
  // 23:00 AEDT to 01:00 AEDT.
  EXPECT_THAT(
      LocalDays(t, t + absl::Hours(2), sydney),
      ElementsAre(absl::CivilDay(2027, 10, 3), absl::CivilDay(2027, 10, 4)));
  EXPECT_THAT(LocalDays(t, t + absl::Hours(1), sydney),
              ElementsAre(absl::CivilDay(2027, 10, 3)));
  EXPECT_THAT(LocalDays(t, t, sydney), IsEmpty());
  EXPECT_THAT(LocalDays(t, t - absl::Hours(1), sydney), IsEmpty());
}

// ---------------------------------------------------------------------------
// Encode / Decode.

TEST(IntervalsCodecTest, RoundTrip) {
  const absl::TimeZone ny = Zone("America/New_York");
  Therapist t = WorksOn(absl::Weekday::sunday, 0, 1440);
  const absl::CivilDay day(2027, 11, 7);
  const std::vector<Interval> free =
      FreeIntervals(t, day, ny,
                    {Session(absl::FromCivil(absl::CivilHour(day) + 10, ny),
                             absl::Hours(1))});
  ASSERT_THAT(free, SizeIs(2));
  const std::string text = EncodeIntervals(free);
  const absl::StatusOr<std::vector<Interval>> back = DecodeIntervals(text);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_THAT(*back, SizeIs(2));
  for (size_t i = 0; i < free.size(); ++i) {
    EXPECT_EQ((*back)[i].start, free[i].start);
    EXPECT_EQ((*back)[i].end, free[i].end);
  }
  EXPECT_EQ(EncodeIntervals(*back), text);
}

TEST(IntervalsCodecTest, TextForm) {
  EXPECT_EQ(EncodeIntervals({}), "");
  EXPECT_EQ(EncodeIntervals(
                {{absl::FromUnixSeconds(100), absl::FromUnixSeconds(200)},
                 {absl::FromUnixSeconds(-50), absl::FromUnixSeconds(-10)}}),
            "100-200,-50--10");
  const absl::StatusOr<std::vector<Interval>> empty = DecodeIntervals("");
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(*empty, IsEmpty());
  const absl::StatusOr<std::vector<Interval>> negative =
      DecodeIntervals("-50--10,7-7");
  ASSERT_TRUE(negative.ok()) << negative.status();
  ASSERT_THAT(*negative, SizeIs(2));
  EXPECT_EQ((*negative)[0].start, absl::FromUnixSeconds(-50));
  EXPECT_EQ((*negative)[0].end, absl::FromUnixSeconds(-10));
  EXPECT_EQ((*negative)[1].end, absl::FromUnixSeconds(7));
}

TEST(IntervalsCodecTest, RejectsMalformedText) {
  for (const char* bad :
       {"abc", "1", "-1", "1-", "-2", "1-2,", ",1-2", "1-2,,3-4", " 1-2",
        "1-2 ", "+1-2", "1-+2", "1-2-3", "2-1", "1--2", "1.5-2", "0x1-2",
        "99999999999999999999-1", "1-2;3-4"}) {
    EXPECT_THAT(
        DecodeIntervals(bad),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")))
        << bad;
  }
}

}  // namespace
}  // namespace clinic::core
