// SlotFinder in process: cached free time is served until the therapist's
// generation changes, never after, and expires on the injected clock.
#include "services/clinic/slot_finder.h"

#include <algorithm>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/clinic/clinic_fixture.h"

namespace clinic {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

class SlotFinderTest : public ClinicTest {
 protected:
  // Deep tissue slots of the therapist on Wednesday 6 January.
  std::vector<core::Slot> Wednesday() {
    SlotQuery q;
    q.therapist_id = therapist_.id;
    q.modality = core::Modality::kDeepTissue;
    q.from = At(2027, 1, 6, 0, 0);
    q.to = At(2027, 1, 7, 0, 0);
    auto slots = clinic_->ListAvailableSlots(q);
    EXPECT_TRUE(slots.ok()) << slots.status();
    return slots.ok() ? *slots : std::vector<core::Slot>{};
  }

  static bool Has(const std::vector<core::Slot>& slots, absl::Time start) {
    return std::any_of(slots.begin(), slots.end(),
                       [&](const core::Slot& s) { return s.start == start; });
  }
};

TEST_F(SlotFinderTest, SecondListingIsServedFromTheCache) {
  const std::vector<core::Slot> first = Wednesday();
  ASSERT_THAT(first, Not(IsEmpty()));
  const cache::CacheStats before = cache_.stats();
  EXPECT_EQ(before.hits, 0);
  EXPECT_EQ(Wednesday().size(), first.size());
  EXPECT_EQ(cache_.stats().hits, before.hits + 1);
  EXPECT_EQ(cache_.stats().misses, before.misses);
}

TEST_F(SlotFinderTest, ABookingIsNeverListedFromAnOlderGeneration) {
  const absl::Time ten = At(2027, 1, 6, 10, 0);
  ASSERT_TRUE(Has(Wednesday(), ten));  // now cached
  const core::Booking b =
      clinic_->Reserve(Session(ten), "", desk_).value().booking;
  const int64_t misses = cache_.stats().misses;
  std::vector<core::Slot> after = Wednesday();
  EXPECT_EQ(cache_.stats().misses, misses + 1);  // a new generation's key
  EXPECT_FALSE(Has(after, ten));
  // The turnover buffer (15 min) keeps the next start at 11:15.
  EXPECT_FALSE(Has(after, At(2027, 1, 6, 11, 0)));
  EXPECT_TRUE(Has(after, At(2027, 1, 6, 11, 15)));

  ASSERT_TRUE(clinic_->Cancel(b.id, "", desk_).ok());
  EXPECT_TRUE(Has(Wednesday(), ten));
}

TEST_F(SlotFinderTest, TimeOffShowsAtOnce) {
  ASSERT_TRUE(Has(Wednesday(), At(2027, 1, 6, 10, 0)));
  core::TimeOff off;
  off.therapist_id = therapist_.id;
  off.start = At(2027, 1, 6, 9, 0);
  off.end = At(2027, 1, 6, 13, 0);
  ASSERT_TRUE(clinic_->AddTimeOff(off).ok());
  const std::vector<core::Slot> after = Wednesday();
  EXPECT_FALSE(Has(after, At(2027, 1, 6, 10, 0)));
  EXPECT_TRUE(Has(after, At(2027, 1, 6, 13, 0)));
}

TEST_F(SlotFinderTest, UnusedEntriesExpireOnTheClock) {
  Wednesday();
  const int64_t misses = cache_.stats().misses;
  clock_.Advance(kTtl - absl::Seconds(1));
  Wednesday();
  EXPECT_EQ(cache_.stats().misses, misses);
  clock_.Advance(absl::Seconds(1));
  Wednesday();
  EXPECT_EQ(cache_.stats().misses, misses + 1);
}

TEST_F(SlotFinderTest, SlotsStartAfterTheNoticeFromNow) {
  clock_.Set(At(2027, 1, 6, 9, 50));  // 2 h of notice: 11:50 at the earliest
  const std::vector<core::Slot> slots = Wednesday();
  ASSERT_THAT(slots, Not(IsEmpty()));
  EXPECT_EQ(slots.front().start, At(2027, 1, 6, 12, 0));
}

}  // namespace
}  // namespace clinic
