// The store contract, part three: the store itself forbids double booking.
// A confirmed session may not overlap another confirmed session of its
// athlete, nor one of its therapist widened by the therapist's turnover
// buffer; InsertBooking and UpdateBooking refuse it as FAILED_PRECONDITION
// with reason ATHLETE_BUSY or THERAPIST_BUSY and store nothing. Runs once
// per kind of store (see store_fixture.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/rules.h"
#include "services/core/types.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kHour = absl::Hours(1);

class DoubleBookingTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    kim_ = Insert(MakeAthlete("Kim"));
    lee_ = Insert(MakeAthlete("Lee"));
    // Both with the default turnover buffer.
    ana_ = Insert(MakeTherapist("Ana", {core::Modality::kSports}));
    bo_ = Insert(MakeTherapist("Bo", {core::Modality::kSports}));
  }

  absl::Status Book(const core::Booking& b) {
    return Write([&](Transaction& tx) { return tx.InsertBooking(b).status(); });
  }

  // Moves booking `id` to begin at `start`, keeping its length.
  absl::Status Move(core::Id id, absl::Time start) {
    return Write([&](Transaction& tx) -> absl::Status {
      absl::StatusOr<core::Booking> b = tx.GetBooking(id);
      if (!b.ok()) return b.status();
      return tx.UpdateBooking(MovedTo(*b, start));
    });
  }

  // The ids of all bookings, in order of start.
  std::vector<core::Id> All() {
    absl::StatusOr<std::vector<core::Booking>> all = ListBookings({});
    EXPECT_THAT(all, IsOk());
    return all.ok() ? Ids(*all) : std::vector<core::Id>{};
  }

  core::Id kim_ = 0, lee_ = 0, ana_ = 0, bo_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Contract, DoubleBookingTest,
                         ::testing::ValuesIn(StoreKinds()), StoreKindName);

TEST_P(DoubleBookingTest, TheAthleteMayNotBeInTwoSessionsAtOnce) {
  const core::Id first = Insert(MakeBooking(kim_, ana_, kT0, kHour));
  ASSERT_NE(first, 0);

  const absl::Status overlapping =
      Book(MakeBooking(kim_, bo_, kT0 + absl::Minutes(30), kHour));
  EXPECT_THAT(overlapping, IsRefusedWith(core::kRuleAthleteBusy));
  EXPECT_THAT(Book(MakeBooking(kim_, bo_, kT0 - absl::Minutes(30), 2 * kHour)),
              IsRefusedWith(core::kRuleAthleteBusy));  // around it
  EXPECT_THAT(All(), ElementsAre(first));

  // Back to back is fine: the athlete has no buffer.
  const core::Id before = Insert(MakeBooking(kim_, bo_, kT0 - kHour, kHour));
  const core::Id after = Insert(MakeBooking(kim_, bo_, kT0 + kHour, kHour));
  EXPECT_THAT(All(), ElementsAre(before, first, after));
}

TEST_P(DoubleBookingTest, TheTherapistNeedsTheTurnoverBufferBetweenSessions) {
  const core::Id first = Insert(MakeBooking(kim_, ana_, kT0, kHour));
  ASSERT_NE(first, 0);

  // Ana's buffer is 15 minutes: 10 minutes apart, on either side, is busy.
  const absl::Status after =
      Book(MakeBooking(lee_, ana_, kT0 + kHour + absl::Minutes(10), kHour));
  EXPECT_THAT(after, IsRefusedWith(core::kRuleTherapistBusy));
  EXPECT_THAT(
      Book(MakeBooking(lee_, ana_, kT0 - kHour - absl::Minutes(10), kHour)),
      IsRefusedWith(core::kRuleTherapistBusy));
  EXPECT_THAT(All(), ElementsAre(first));

  // 15 minutes apart is fine, and so is another therapist at the same time.
  const core::Id later =
      Insert(MakeBooking(lee_, ana_, kT0 + kHour + absl::Minutes(15), kHour));
  const core::Id earlier =
      Insert(MakeBooking(lee_, ana_, kT0 - kHour - absl::Minutes(15), kHour));
  const core::Id elsewhere = Insert(MakeBooking(lee_, bo_, kT0, kHour));
  EXPECT_THAT(All(), UnorderedElementsAre(earlier, first, elsewhere, later));
}

TEST_P(DoubleBookingTest, CancelledSessionsNeverConflict) {
  core::Booking cancelled = MakeBooking(kim_, ana_, kT0, kHour);
  cancelled.state = core::BookingState::kCancelled;
  const core::Id a = Insert(cancelled);
  // A confirmed session where a cancelled one is...
  const core::Id b = Insert(MakeBooking(kim_, ana_, kT0, kHour));
  // ...and cancelled ones on top of a confirmed one.
  const core::Id c = Insert(cancelled);
  cancelled.athlete_id = lee_;
  const core::Id d = Insert(MovedTo(cancelled, kT0 + absl::Minutes(30)));
  EXPECT_THAT(All(), UnorderedElementsAre(a, b, c, d));

  // Cancelling a session frees its time.
  core::Booking cancel = MakeBooking(kim_, ana_, kT0, kHour);
  cancel.id = b;
  cancel.state = core::BookingState::kCancelled;
  ASSERT_THAT(Write([&](Transaction& tx) { return tx.UpdateBooking(cancel); }),
              IsOk());
  EXPECT_NE(Insert(MakeBooking(lee_, ana_, kT0, kHour)), 0);
}

TEST_P(DoubleBookingTest, UpdateBookingMayNotMoveOntoAnotherSession) {
  const core::Id first = Insert(MakeBooking(kim_, ana_, kT0, kHour));
  const core::Id lees = Insert(MakeBooking(lee_, ana_, kT0 + 3 * kHour, kHour));
  const core::Id kims = Insert(MakeBooking(kim_, bo_, kT0 + 6 * kHour, kHour));
  core::Booking cancelled = MakeBooking(lee_, ana_, kT0, kHour);
  cancelled.state = core::BookingState::kCancelled;
  cancelled.id = Insert(cancelled);
  ASSERT_THAT((std::vector<core::Id>{first, lees, kims, cancelled.id}),
              ::testing::Each(::testing::Ne(0)));

  EXPECT_THAT(Move(lees, kT0 + absl::Minutes(30)),
              IsRefusedWith(core::kRuleTherapistBusy));
  EXPECT_THAT(Move(lees, kT0 + kHour + absl::Minutes(10)),
              IsRefusedWith(core::kRuleTherapistBusy));  // in the buffer
  EXPECT_THAT(Move(kims, kT0 + absl::Minutes(30)),
              IsRefusedWith(core::kRuleAthleteBusy));
  // Confirming a cancelled session again is a change like any other.
  core::Booking reconfirmed = cancelled;
  reconfirmed.state = core::BookingState::kConfirmed;
  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.UpdateBooking(reconfirmed); }),
      IsRefusedWith(core::kRuleTherapistBusy));

  // Nothing moved.
  for (const auto& [id, start] : std::vector<std::pair<core::Id, absl::Time>>{
           {lees, kT0 + 3 * kHour}, {kims, kT0 + 6 * kHour}}) {
    auto got = GetBooking(id);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->start, start) << id;
  }
  auto got = GetBooking(cancelled.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->state, core::BookingState::kCancelled);
}

TEST_P(DoubleBookingTest, ABookingDoesNotConflictWithItsOwnOldTime) {
  core::Booking b = MakeBooking(kim_, ana_, kT0, kHour);
  b.id = Insert(b);
  ASSERT_NE(b.id, 0);
  EXPECT_THAT(Move(b.id, kT0 + absl::Minutes(30)), IsOk());
  b.end = kT0 + 2 * kHour;  // longer, over both its old and new time
  b.at_risk = true;
  EXPECT_THAT(Write([&](Transaction& tx) { return tx.UpdateBooking(b); }),
              IsOk());
  auto got = GetBooking(b.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->start, kT0);
  EXPECT_EQ(got->end, kT0 + 2 * kHour);
  EXPECT_TRUE(got->at_risk);
}

// A refused session is never in the transaction: a write that goes on
// after the refusal (a bug of its caller) stores nothing of it, whether
// the store then commits the rest or refuses to commit at all.
TEST_P(DoubleBookingTest, RefusedSessionsAreNeverStored) {
  const core::Id first = Insert(MakeBooking(kim_, ana_, kT0, kHour));
  const core::Id lees = Insert(MakeBooking(lee_, ana_, kT0 + 3 * kHour, kHour));
  Write([&](Transaction& tx) {
    EXPECT_THAT(tx.InsertBooking(
                    MakeBooking(kim_, bo_, kT0 + absl::Minutes(30), kHour)),
                IsRefusedWith(core::kRuleAthleteBusy));
    return absl::OkStatus();
  }).IgnoreError();
  Write([&](Transaction& tx) {
    core::Booking moved =
        MakeBooking(lee_, ana_, kT0 + absl::Minutes(30), kHour);
    moved.id = lees;
    EXPECT_THAT(tx.UpdateBooking(moved),
                IsRefusedWith(core::kRuleTherapistBusy));
    return absl::OkStatus();
  }).IgnoreError();
  EXPECT_THAT(All(), ElementsAre(first, lees));
  auto got = GetBooking(lees);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->start, kT0 + 3 * kHour);
}

}  // namespace
}  // namespace clinic::storage
