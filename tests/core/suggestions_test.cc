#include "services/core/suggestions.h"

#include <set>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::core {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

class SuggestionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &zone_));
  }

  absl::Time At(int day, int hour, int minute = 0) const {
    return absl::FromCivil(absl::CivilMinute(2026, 12, day, hour, minute),
                           zone_);
  }

  // Every 15-minute start from 09:00 to 17:00 on the given December days.
  std::vector<Slot> Grid(Id therapist, std::vector<int> days,
                         bool warned = false) const {
    std::vector<Slot> slots;
    for (int day : days) {
      for (int minute = 9 * 60; minute <= 17 * 60; minute += 15) {
        Slot s{therapist,
               Modality::kDeepTissue,
               At(day, minute / 60, minute % 60),
               {},
               {}};
        s.end = s.start + absl::Hours(1);
        if (warned) s.warnings.push_back({kRuleGapBeforeEvent, "close"});
        slots.push_back(s);
      }
    }
    return slots;
  }

  static void ExpectSpaced(const std::vector<Slot>& picks) {
    for (size_t i = 0; i < picks.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (picks[i].therapist_id != picks[j].therapist_id) continue;
        EXPECT_GE(absl::AbsDuration(picks[i].start - picks[j].start),
                  kSuggestionSpacing)
            << "picks " << j << " and " << i;
      }
    }
  }

  std::set<absl::CivilDay> Days(const std::vector<Slot>& picks) const {
    std::set<absl::CivilDay> days;
    for (const Slot& s : picks) days.insert(absl::ToCivilDay(s.start, zone_));
    return days;
  }

  absl::TimeZone zone_;
};

// Asked for Friday 4 December 16:00; Wednesday and Tuesday are free.
TEST_F(SuggestionsTest, OneTherapistGetsAnHourApartOverTwoDaysNearestFirst) {
  const std::vector<Slot> picks =
      PickSuggestions(Grid(1, {1, 2}), 1, At(4, 16), zone_, 5);
  ASSERT_THAT(picks, SizeIs(5));
  ExpectSpaced(picks);
  EXPECT_THAT(Days(picks), SizeIs(2));
  EXPECT_EQ(picks[0].start, At(2, 17));  // the nearest
  EXPECT_EQ(picks[1].start, At(2, 16));
  EXPECT_EQ(picks[2].start, At(2, 15));
  EXPECT_EQ(picks[3].start, At(2, 14));
  EXPECT_EQ(picks[4].start, At(1, 17));  // the other day's nearest
}

TEST_F(SuggestionsTest, ThreeTherapistsAreAllOfferedOverTwoDays) {
  std::vector<Slot> candidates = Grid(1, {1, 2});
  for (Id t : {2, 3}) {
    for (const Slot& s : Grid(t, {1, 2})) candidates.push_back(s);
  }
  const std::vector<Slot> picks =
      PickSuggestions(candidates, 1, At(4, 16), zone_, 5);
  ASSERT_THAT(picks, SizeIs(5));
  ExpectSpaced(picks);
  EXPECT_THAT(Days(picks), SizeIs(2));
  std::set<Id> therapists;
  for (const Slot& s : picks) therapists.insert(s.therapist_id);
  EXPECT_EQ(therapists, (std::set<Id>{1, 2, 3}));
  // Nearest first, and on a tie the therapist asked for.
  EXPECT_EQ(picks[0].start, At(2, 17));
  EXPECT_EQ(picks[0].therapist_id, 1);
  for (size_t i = 1; i < picks.size(); ++i) {
    EXPECT_LE(absl::AbsDuration(picks[i - 1].start - At(4, 16)),
              absl::AbsDuration(picks[i].start - At(4, 16)));
  }
}

TEST_F(SuggestionsTest, WarningFreeSlotsComeFirstEvenWhenFarther) {
  std::vector<Slot> candidates = Grid(1, {3}, /*warned=*/true);  // Thursday
  for (const Slot& s : Grid(1, {1})) candidates.push_back(s);
  const std::vector<Slot> picks =
      PickSuggestions(candidates, 1, At(4, 16), zone_, 5);
  ASSERT_THAT(picks, SizeIs(5));
  ExpectSpaced(picks);
  // Tuesday alone offers nine spaced warning-free starts: they fill it.
  for (const Slot& s : picks) {
    EXPECT_THAT(s.warnings, IsEmpty());
    EXPECT_EQ(absl::ToCivilDay(s.start, zone_), absl::CivilDay(2026, 12, 1));
  }
}

TEST_F(SuggestionsTest, WarnedSlotsFillWhatWarningFreeOnesCannot) {
  std::vector<Slot> candidates = Grid(1, {3}, /*warned=*/true);
  candidates.push_back(Grid(1, {1})[0]);  // Tuesday 09:00 only
  const std::vector<Slot> picks =
      PickSuggestions(candidates, 1, At(4, 16), zone_, 3);
  ASSERT_THAT(picks, SizeIs(3));
  EXPECT_THAT(picks[0].warnings, IsEmpty());
  EXPECT_EQ(picks[0].start, At(1, 9));
  EXPECT_EQ(picks[1].start, At(3, 17));
  EXPECT_EQ(picks[2].start, At(3, 16));
}

TEST_F(SuggestionsTest, FewCandidatesGiveFewerPicksAndNoneGivesNone) {
  const std::vector<Slot> grid = Grid(1, {2});
  const std::vector<Slot> close(grid.begin(), grid.begin() + 4);  // 9-9:45
  EXPECT_THAT(PickSuggestions(close, 1, At(4, 16), zone_, 5), SizeIs(1));
  EXPECT_THAT(PickSuggestions({}, 1, At(4, 16), zone_, 5), IsEmpty());
  EXPECT_THAT(PickSuggestions(grid, 1, At(4, 16), zone_, 0), IsEmpty());
}

}  // namespace
}  // namespace clinic::core
