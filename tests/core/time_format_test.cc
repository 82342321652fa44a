#include "services/core/time_format.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace clinic::core {
namespace {

absl::TimeZone NewYork() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &zone));
  return zone;
}

absl::Time Local(const absl::TimeZone& zone, int y, int mo, int d, int h,
                 int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone);
}

TEST(FormatInstantTest, DayWithoutLeadingZeroAndZoneAbbreviation) {
  const absl::TimeZone zone = NewYork();
  EXPECT_EQ(FormatInstant(Local(zone, 2026, 12, 4, 16, 0), zone),
            "Fri 4 Dec 2026 16:00 EST");
  EXPECT_EQ(FormatInstant(Local(zone, 2027, 7, 14, 9, 5), zone),
            "Wed 14 Jul 2027 09:05 EDT");
}

TEST(FormatInstantTest, DropsSeconds) {
  const absl::TimeZone zone = NewYork();
  EXPECT_EQ(
      FormatInstant(Local(zone, 2026, 12, 4, 16, 0) + absl::Seconds(59), zone),
      "Fri 4 Dec 2026 16:00 EST");
}

TEST(FormatSpanTest, SameDay) {
  const absl::TimeZone zone = NewYork();
  EXPECT_EQ(FormatSpan(Local(zone, 2026, 12, 4, 16, 0),
                       Local(zone, 2026, 12, 4, 17, 0), zone),
            "Fri 4 Dec 2026 16:00-17:00 EST");
}

TEST(FormatSpanTest, AcrossDaylightSavingEnd) {
  const absl::TimeZone zone = NewYork();
  // 01:30 EDT on the day clocks fall back; 45 minutes later it is 01:15 EST.
  const absl::Time start =
      absl::FromCivil(absl::CivilMinute(2027, 11, 7, 0, 30), zone) +
      absl::Hours(1);
  EXPECT_EQ(FormatSpan(start, start + absl::Minutes(45), zone),
            "Sun 7 Nov 2027 01:30 EDT-01:15 EST");
}

TEST(FormatSpanTest, AcrossMidnightShowsBothDates) {
  const absl::TimeZone zone = NewYork();
  EXPECT_EQ(FormatSpan(Local(zone, 2026, 12, 4, 23, 0),
                       Local(zone, 2026, 12, 5, 1, 0), zone),
            "Fri 4 Dec 2026 23:00 EST-Sat 5 Dec 2026 01:00 EST");
}

TEST(FormatGapTest, HoursAndMinutesBelowThreeDays) {
  EXPECT_EQ(FormatGap(absl::Hours(38)), "38 h");
  EXPECT_EQ(FormatGap(absl::Hours(37) + absl::Minutes(30)), "37 h 30 min");
  EXPECT_EQ(FormatGap(absl::Minutes(45)), "45 min");
  EXPECT_EQ(FormatGap(absl::ZeroDuration()), "0 min");
  EXPECT_EQ(FormatGap(absl::Hours(48)), "48 h");
  EXPECT_EQ(FormatGap(absl::Hours(71) + absl::Minutes(59)), "71 h 59 min");
}

TEST(FormatGapTest, WholeDaysAboveThreeDays) {
  EXPECT_EQ(FormatGap(absl::Hours(72)), "72 h");
  EXPECT_EQ(FormatGap(absl::Hours(96)), "4 days");
  EXPECT_EQ(FormatGap(absl::Hours(240)), "10 days");
  EXPECT_EQ(FormatGap(absl::Hours(28 * 24)), "28 days");
  EXPECT_EQ(FormatGap(absl::Hours(92)), "92 h");
  EXPECT_EQ(FormatGap(absl::Hours(72) + absl::Minutes(1)), "72 h 1 min");
}

TEST(FormatGapTest, RoundsDownToTheMinute) {
  EXPECT_EQ(FormatGap(absl::Hours(38) + absl::Seconds(59)), "38 h");
  EXPECT_EQ(FormatGap(absl::Seconds(59)), "0 min");
}

TEST(NamesTest, Modalities) {
  EXPECT_EQ(SessionNoun(Modality::kDeepTissue), "Deep tissue massage");
  EXPECT_EQ(SessionNoun(Modality::kActiveRelease), "ART session");
  EXPECT_EQ(SessionNoun(Modality::kSports), "Sports massage");
  EXPECT_EQ(ModalityShortName(Modality::kDeepTissue), "deep tissue");
  EXPECT_EQ(ModalityShortName(Modality::kActiveRelease), "ART");
  EXPECT_EQ(ModalityShortName(Modality::kSports), "sports massage");
}

TEST(NamesTest, EventKinds) {
  EXPECT_EQ(EventKindName(EventKind::kRace), "race");
  EXPECT_EQ(EventKindName(EventKind::kHardWorkout), "hard workout");
}

}  // namespace
}  // namespace clinic::core
