// The store contract, part one: every kind of row round-trips, lists page
// and filter, and missing parents are named. Runs once per kind of store
// (see store_fixture.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/types.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

class RowsTest : public StoreTest {};
INSTANTIATE_TEST_SUITE_P(Contract, RowsTest, ::testing::ValuesIn(StoreKinds()),
                         StoreKindName);

// --- Round trips. ---

TEST_P(RowsTest, TherapistRoundTripsWithDetailsSorted) {
  core::Therapist t;
  t.name = "Ana";
  t.modalities = {core::Modality::kSports, core::Modality::kDeepTissue};
  // A price may exist for a modality not currently offered.
  t.prices = {{core::Modality::kActiveRelease, 12000},
              {core::Modality::kDeepTissue, 9000}};
  t.hours = {{absl::Weekday::wednesday, 540, 720},
             {absl::Weekday::monday, 780, 1020},
             {absl::Weekday::monday, 480, 720},
             {absl::Weekday::sunday, 600, 660}};
  t.turnover_buffer = absl::Minutes(10);
  t.time_off = {{0, 0, kT0 + absl::Hours(48), kT0 + absl::Hours(50), "later"},
                {0, 0, kT0, kT0 + absl::Hours(1), "dentist"}};
  const core::Id id = Insert(t);
  ASSERT_NE(id, 0);

  absl::StatusOr<core::Therapist> got = GetTherapist(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->name, "Ana");
  EXPECT_EQ(got->turnover_buffer, absl::Minutes(10));
  EXPECT_THAT(got->modalities, ElementsAre(core::Modality::kDeepTissue,
                                           core::Modality::kSports));
  ASSERT_EQ(got->prices.size(), 2u);
  EXPECT_EQ(got->prices[0].modality, core::Modality::kDeepTissue);
  EXPECT_EQ(got->prices[0].cents, 9000);
  EXPECT_EQ(got->prices[1].modality, core::Modality::kActiveRelease);
  EXPECT_EQ(got->prices[1].cents, 12000);
  ASSERT_EQ(got->hours.size(), 4u);
  EXPECT_EQ(got->hours[0].day, absl::Weekday::monday);
  EXPECT_EQ(got->hours[0].start_minute, 480);
  EXPECT_EQ(got->hours[0].end_minute, 720);
  EXPECT_EQ(got->hours[1].day, absl::Weekday::monday);
  EXPECT_EQ(got->hours[1].start_minute, 780);
  EXPECT_EQ(got->hours[2].day, absl::Weekday::wednesday);
  EXPECT_EQ(got->hours[3].day, absl::Weekday::sunday);
  EXPECT_EQ(got->hours[3].end_minute, 660);
  ASSERT_EQ(got->time_off.size(), 2u);
  EXPECT_EQ(got->time_off[0].reason, "dentist");
  EXPECT_EQ(got->time_off[0].start, kT0);
  EXPECT_EQ(got->time_off[0].end, kT0 + absl::Hours(1));
  EXPECT_EQ(got->time_off[0].therapist_id, id);
  EXPECT_NE(got->time_off[0].id, 0);
  EXPECT_EQ(got->time_off[1].reason, "later");
}

TEST_P(RowsTest, UpdateTherapistReplacesDetailsButKeepsTimeOff) {
  core::Therapist t = MakeTherapist("Ana", {core::Modality::kSports});
  t.prices = {{core::Modality::kSports, 5000}};
  t.time_off = {{0, 0, kT0, kT0 + absl::Hours(1), "dentist"}};
  const core::Id id = Insert(t);
  ASSERT_NE(id, 0);

  core::Therapist update =
      MakeTherapist("Ana B.", {core::Modality::kDeepTissue});
  update.id = id;
  update.hours = {{absl::Weekday::friday, 600, 700}};
  update.turnover_buffer = absl::Minutes(5);
  ASSERT_THAT(
      Write([&](Transaction& tx) { return tx.UpdateTherapist(update); }),
      IsOk());

  absl::StatusOr<core::Therapist> got = GetTherapist(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->name, "Ana B.");
  EXPECT_EQ(got->turnover_buffer, absl::Minutes(5));
  EXPECT_THAT(got->modalities, ElementsAre(core::Modality::kDeepTissue));
  EXPECT_THAT(got->prices, IsEmpty());
  ASSERT_EQ(got->hours.size(), 1u);
  EXPECT_EQ(got->hours[0].day, absl::Weekday::friday);
  ASSERT_EQ(got->time_off.size(), 1u);
  EXPECT_EQ(got->time_off[0].reason, "dentist");
}

TEST_P(RowsTest, TimeOffIsInsertedAndDeletedPerTherapist) {
  const core::Id ana = Insert(MakeTherapist("Ana", {core::Modality::kSports}));
  const core::Id bo = Insert(MakeTherapist("Bo", {core::Modality::kSports}));
  const core::Id off = InsertWith([&](Transaction& tx) {
    return tx.InsertTimeOff({0, ana, kT0, kT0 + absl::Hours(2), "course"});
  });
  ASSERT_NE(off, 0);

  EXPECT_THAT(Write([&](Transaction& tx) {
                return tx.DeleteTimeOff(bo, off);  // not Bo's
              }),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("time off off_", off, " not found")));
  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.DeleteTimeOff(ana, off); }),
      IsOk());
  absl::StatusOr<core::Therapist> got = GetTherapist(ana);
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->time_off, IsEmpty());

  EXPECT_THAT(
      Write([&](Transaction& tx) {
        return tx.InsertTimeOff({0, 99, kT0, kT0 + absl::Hours(1), "x"})
            .status();
      }),
      StatusIs(absl::StatusCode::kNotFound, "therapist th_99 not found"));
}

TEST_P(RowsTest, ListTherapistsPagesByIdAndFiltersByModality) {
  std::vector<core::Id> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Insert(MakeTherapist(
        absl::StrCat("t", i),
        {i % 2 == 0 ? core::Modality::kSports : core::Modality::kDeepTissue})));
  }
  // Priced for sports but not offering it: not listed under sports.
  core::Therapist priced_only =
      MakeTherapist("priced", {core::Modality::kDeepTissue});
  priced_only.prices = {{core::Modality::kSports, 100}};
  const core::Id priced_id = Insert(priced_only);

  auto list = [&](std::optional<core::Modality> m, PageRequest page) {
    return ReadValue([&](Reader& r) { return r.ListTherapists(m, 0, page); });
  };
  auto first = list(std::nullopt, {2, 0});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Ids(*first), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT((*first)[1].modalities,
              ElementsAre(core::Modality::kDeepTissue));  // details loaded
  auto next = list(std::nullopt, {2, ids[1]});
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(Ids(*next), ElementsAre(ids[2], ids[3]));
  auto last = list(std::nullopt, {10, ids[3]});
  ASSERT_THAT(last, IsOk());
  EXPECT_THAT(Ids(*last), ElementsAre(ids[4], priced_id));

  auto sports = list(core::Modality::kSports, {10, 0});
  ASSERT_THAT(sports, IsOk());
  EXPECT_THAT(Ids(*sports), ElementsAre(ids[0], ids[2], ids[4]));
  auto sports_after = list(core::Modality::kSports, {1, ids[0]});
  ASSERT_THAT(sports_after, IsOk());
  EXPECT_THAT(Ids(*sports_after), ElementsAre(ids[2]));
  auto release = list(core::Modality::kActiveRelease, {10, 0});
  ASSERT_THAT(release, IsOk());
  EXPECT_THAT(*release, IsEmpty());

  EXPECT_THAT(list(std::nullopt, {0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));
}

TEST_P(RowsTest, AthleteRoundTripsAndPages) {
  const core::Id a = Insert(MakeAthlete("Kim"));
  const core::Id b = Insert(MakeAthlete("Lee"));
  const core::Id c = Insert(MakeAthlete("Max"));
  auto got = ReadValue([&](Reader& r) { return r.GetAthlete(b); });
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, b);
  EXPECT_EQ(got->name, "Lee");
  EXPECT_EQ(got->email, "Lee@example.com");

  auto page = ReadValue([&](Reader& r) { return r.ListAthletes({2, a}); });
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Ids(*page), ElementsAre(b, c));
}

TEST_P(RowsTest, EventRoundTripsAndDeletes) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  core::Event e = MakeEvent(athlete, kT0, kT0 + absl::Hours(3));
  e.kind = core::EventKind::kRace;
  e.name = "Boston Marathon";
  const core::Id id = Insert(e);
  ASSERT_NE(id, 0);

  auto got = ReadValue([&](Reader& r) { return r.GetEvent(id); });
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->athlete_id, athlete);
  EXPECT_EQ(got->kind, core::EventKind::kRace);
  EXPECT_EQ(got->name, "Boston Marathon");
  EXPECT_EQ(got->start, kT0);
  EXPECT_EQ(got->end, kT0 + absl::Hours(3));

  EXPECT_THAT(Write([&](Transaction& tx) { return tx.DeleteEvent(id); }),
              IsOk());
  EXPECT_THAT(Write([&](Transaction& tx) { return tx.DeleteEvent(id); }),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("event ev_", id, " not found")));
}

TEST_P(RowsTest, InsertEventChecksLengthAndAthlete) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  auto insert = [&](const core::Event& e) {
    return Write([&](Transaction& tx) { return tx.InsertEvent(e).status(); });
  };
  EXPECT_THAT(
      insert(MakeEvent(athlete, kT0, kT0 + core::kMaxEventLength + kMicro)),
      StatusIs(absl::StatusCode::kInvalidArgument, "at most"));
  EXPECT_THAT(insert(MakeEvent(athlete, kT0, kT0)),
              StatusIs(absl::StatusCode::kInvalidArgument, "end after"));
  EXPECT_THAT(
      insert(MakeEvent(99, kT0, kT0 + absl::Hours(1))),
      StatusIs(absl::StatusCode::kNotFound, "athlete ath_99 not found"));
  EXPECT_THAT(insert(MakeEvent(athlete, kT0, kT0 + core::kMaxEventLength)),
              IsOk());
}

TEST_P(RowsTest, ListEventsReturnsEventsIntersectingTheWindow) {
  const core::Id kim = Insert(MakeAthlete("Kim"));
  const core::Id lee = Insert(MakeAthlete("Lee"));
  const absl::Time from = kT0;
  const absl::Time to = kT0 + absl::Hours(24);
  const core::Id started_before =
      Insert(MakeEvent(kim, from - absl::Hours(2), from + absl::Hours(1)));
  const core::Id ends_at_from =
      Insert(MakeEvent(kim, from - absl::Hours(3), from));
  const core::Id starts_at_to = Insert(MakeEvent(kim, to, to + absl::Hours(1)));
  const core::Id long_before =
      Insert(MakeEvent(kim, from - absl::Hours(240), from + absl::Hours(2)));
  // Exactly the longest allowed event, ending just inside the window.
  const core::Id longest = Insert(
      MakeEvent(kim, from + kMicro - core::kMaxEventLength, from + kMicro));
  const core::Id inside =
      Insert(MakeEvent(kim, from + absl::Hours(5), from + absl::Hours(6)));
  Insert(MakeEvent(lee, from + absl::Hours(5), from + absl::Hours(6)));

  auto list = [&](absl::Time f, absl::Time t) {
    return ReadValue([&](Reader& r) { return r.ListEvents(kim, f, t); });
  };
  auto window = list(from, to);
  ASSERT_THAT(window, IsOk());
  EXPECT_THAT(Ids(*window),
              ElementsAre(longest, long_before, started_before, inside));

  auto all = list(absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Ids(*all), ElementsAre(longest, long_before, ends_at_from,
                                     started_before, inside, starts_at_to));

  auto empty = list(from + absl::Hours(1), from + absl::Hours(1));
  ASSERT_THAT(empty, IsOk());
  EXPECT_THAT(*empty, IsEmpty());
}

TEST_P(RowsTest, InjuryRoundTripsAndResolves) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  core::Injury knee{0, athlete, "knee", "runner's knee", kT0, std::nullopt};
  core::Injury calf{
      0, athlete, "calf", "strain", kT0 + absl::Hours(1), std::nullopt};
  const core::Id knee_id = Insert(knee);
  const core::Id calf_id = Insert(calf);

  knee.id = knee_id;
  knee.resolved = kT0 + absl::Hours(72);
  knee.note = "ignored by UpdateInjury";
  ASSERT_THAT(Write([&](Transaction& tx) { return tx.UpdateInjury(knee); }),
              IsOk());

  auto got = ReadValue([&](Reader& r) { return r.GetInjury(knee_id); });
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->athlete_id, athlete);
  EXPECT_EQ(got->region, "knee");
  EXPECT_EQ(got->note, "runner's knee");
  EXPECT_EQ(got->since, kT0);
  EXPECT_EQ(got->resolved, kT0 + absl::Hours(72));
  EXPECT_FALSE(got->active());

  auto active =
      ReadValue([&](Reader& r) { return r.ListInjuries(athlete, true); });
  ASSERT_THAT(active, IsOk());
  EXPECT_THAT(Ids(*active), ElementsAre(calf_id));
  auto all =
      ReadValue([&](Reader& r) { return r.ListInjuries(athlete, false); });
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Ids(*all), ElementsAre(knee_id, calf_id));
}

TEST_P(RowsTest, BookingRoundTripsAndUpdatesOnlyMutableFields) {
  core::Booking b = KimWithAna();
  b.modality = core::Modality::kActiveRelease;
  b.request_id = "req-1";
  b.request_user_id = 4;
  b.request_hash = "hash-1";
  b.at_risk = true;
  b.at_risk_reason = "race nearby";
  b.update_time = b.create_time + absl::Seconds(1);
  b.id = Insert(b);
  ASSERT_NE(b.id, 0);
  auto got = GetBooking(b.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(b));

  core::Booking update = b;
  update.start = kT0 + absl::Hours(1);
  update.end = kT0 + absl::Hours(2);
  update.state = core::BookingState::kCancelled;
  update.at_risk = false;
  update.at_risk_reason = "";
  update.cancel_reason = "sick";
  update.update_time = kT0;
  // Not stored by UpdateBooking:
  update.athlete_id = b.athlete_id + 100;
  update.request_id = "other";
  update.request_user_id = 5;
  update.create_time = kT0;
  ASSERT_THAT(Write([&](Transaction& tx) { return tx.UpdateBooking(update); }),
              IsOk());

  core::Booking want = b;
  want.start = update.start;
  want.end = update.end;
  want.state = update.state;
  want.at_risk = false;
  want.at_risk_reason = "";
  want.cancel_reason = "sick";
  want.update_time = kT0;
  got = GetBooking(b.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(want));

  update.end = update.start + core::kMaxSessionLength + kMicro;
  EXPECT_THAT(Write([&](Transaction& tx) { return tx.UpdateBooking(update); }),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most"));
}

TEST_P(RowsTest, InsertBookingNamesMissingParents) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  auto insert = [&](const core::Booking& b) {
    return Write([&](Transaction& tx) { return tx.InsertBooking(b).status(); });
  };
  EXPECT_THAT(
      insert(MakeBooking(athlete, 42, kT0, absl::Hours(1))),
      StatusIs(absl::StatusCode::kNotFound, "therapist th_42 not found"));
  EXPECT_THAT(
      insert(MakeBooking(77, 42, kT0, absl::Hours(1))),
      StatusIs(absl::StatusCode::kNotFound, "athlete ath_77 not found"));
}

TEST_P(RowsTest, RequestIdIsUniquePerUserWhenSet) {
  core::Booking b = KimWithAna();
  b.request_id = "req-1";
  b.request_user_id = 3;
  const core::Id first = Insert(b);
  ASSERT_NE(first, 0);

  const core::Booking again = MovedTo(b, kT0 + absl::Hours(3));
  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.InsertBooking(again).status(); }),
      StatusIs(absl::StatusCode::kAlreadyExists, "req-1"));

  // The same key is another user's own key, and user 0's.
  core::Booking theirs = again;
  theirs.request_user_id = 8;
  const core::Id second = Insert(theirs);
  ASSERT_NE(second, 0);
  core::Booking nobodys = MovedTo(again, kT0 + absl::Hours(6));
  nobodys.request_user_id = 0;
  const core::Id third = Insert(nobodys);
  ASSERT_NE(third, 0);

  // Empty keys never collide, whoever sends them.
  for (int hour : {9, 11}) {
    core::Booking no_key = MovedTo(b, kT0 + absl::Hours(hour));
    no_key.request_id = "";
    no_key.request_user_id = 3;
    EXPECT_NE(Insert(no_key), 0);
  }

  auto find = [&](core::Id user, const std::string& key) {
    return ReadValue(
        [&](Reader& r) { return r.FindBookingByRequestId(user, key); });
  };
  for (const auto& [user, want] : std::vector<std::pair<core::Id, core::Id>>{
           {3, first}, {8, second}, {0, third}}) {
    auto found = find(user, "req-1");
    ASSERT_THAT(found, IsOk());
    ASSERT_TRUE(found->has_value()) << user;
    EXPECT_EQ((*found)->id, want) << user;
    EXPECT_EQ((*found)->request_id, "req-1");
    EXPECT_EQ((*found)->request_user_id, user);
  }
  auto found = find(3, "req-1");
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->start, kT0);
  for (const auto& [user, key] : std::vector<std::pair<core::Id, std::string>>{
           {3, "req-2"}, {3, ""}, {4, "req-1"}}) {
    auto missing = find(user, key);
    ASSERT_THAT(missing, IsOk());
    EXPECT_FALSE(missing->has_value()) << user << " " << key;
  }
  auto all = ListBookings({});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), 5u);
  // A booking without a key keeps no user.
  for (const core::Booking& got : *all) {
    if (got.request_id.empty()) {
      EXPECT_EQ(got.request_user_id, 0);
    }
  }
}

class ListBookingsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a1_ = Insert(MakeAthlete("a1"));
    a2_ = Insert(MakeAthlete("a2"));
    // No buffer: b5 ends where b1 starts.
    t1_ = Insert(
        MakeTherapist("t1", {core::Modality::kSports}, absl::ZeroDuration()));
    t2_ = Insert(MakeTherapist("t2", {core::Modality::kSports}));
    const absl::Duration hour = absl::Hours(1);
    b1_ = Insert(MakeBooking(a1_, t1_, kT0, hour));
    core::Booking b2 = MakeBooking(a1_, t2_, kT0 + 2 * hour, hour);
    b2.state = core::BookingState::kCancelled;
    b2_ = Insert(b2);
    core::Booking b3 = MakeBooking(a2_, t1_, kT0 + 2 * hour, hour);
    b3.at_risk = true;
    b3_ = Insert(b3);
    b4_ = Insert(MakeBooking(a2_, t2_, kT0 + 5 * hour, hour));
    // The longest allowed session, ending at kT0.
    b5_ = Insert(MakeBooking(a1_, t1_, kT0 - core::kMaxSessionLength,
                             core::kMaxSessionLength));
  }

  std::vector<core::Id> List(const BookingFilter& filter,
                             const BookingCursor& after = {}, int limit = 100) {
    auto list = ListBookings(filter, after, limit);
    EXPECT_THAT(list, IsOk());
    return list.ok() ? Ids(*list) : std::vector<core::Id>{};
  }

  static BookingFilter Window(absl::Time from, absl::Time to) {
    BookingFilter f;
    f.from = from;
    f.to = to;
    return f;
  }

  core::Id a1_, a2_, t1_, t2_, b1_, b2_, b3_, b4_, b5_;
};
INSTANTIATE_TEST_SUITE_P(Contract, ListBookingsTest,
                         ::testing::ValuesIn(StoreKinds()), StoreKindName);

TEST_P(ListBookingsTest, FiltersByAthleteAndTherapist) {
  BookingFilter f;
  EXPECT_THAT(List(f), ElementsAre(b5_, b1_, b2_, b3_, b4_));
  f.athlete_id = a1_;
  EXPECT_THAT(List(f), ElementsAre(b5_, b1_, b2_));
  f.therapist_id = t1_;
  EXPECT_THAT(List(f), ElementsAre(b5_, b1_));
  f.athlete_id = 0;
  EXPECT_THAT(List(f), ElementsAre(b5_, b1_, b3_));
}

TEST_P(ListBookingsTest, WindowIsHalfOpenIntersection) {
  const absl::Duration hour = absl::Hours(1);
  // b5 ends at `from`; b2 and b3 start at `to`.
  EXPECT_THAT(List(Window(kT0, kT0 + 2 * hour)), ElementsAre(b1_));
  // b1 started before `from` and ends inside.
  EXPECT_THAT(List(Window(kT0 + hour / 2, kT0 + 2 * hour + kMicro)),
              ElementsAre(b1_, b2_, b3_));
  // b5 (kMaxSessionLength long) reaches one microsecond into the window.
  EXPECT_THAT(List(Window(kT0 - kMicro, kT0 + kMicro)), ElementsAre(b5_, b1_));
  EXPECT_THAT(List(Window(absl::InfinitePast(), kT0)), ElementsAre(b5_));
  EXPECT_THAT(List(Window(kT0 + 3 * hour, absl::InfiniteFuture())),
              ElementsAre(b4_));
  EXPECT_THAT(List(Window(kT0 + 3 * hour, kT0 + 5 * hour)), IsEmpty());
  EXPECT_THAT(List(Window(kT0, kT0)), IsEmpty());
  BookingFilter f = Window(kT0 + hour / 2, kT0 + 6 * hour);
  f.therapist_id = t2_;
  EXPECT_THAT(List(f), ElementsAre(b2_, b4_));
}

TEST_P(ListBookingsTest, ConfirmedOnlyAndAtRiskOnly) {
  BookingFilter f;
  f.confirmed_only = true;
  EXPECT_THAT(List(f), ElementsAre(b5_, b1_, b3_, b4_));
  f.at_risk_only = true;
  EXPECT_THAT(List(f), ElementsAre(b3_));
  f.confirmed_only = false;
  EXPECT_THAT(List(f), ElementsAre(b3_));
}

TEST_P(ListBookingsTest, PagesByStartThenId) {
  const BookingFilter all;
  EXPECT_THAT(List(all, {}, 2), ElementsAre(b5_, b1_));
  const absl::Time same_start = kT0 + absl::Hours(2);  // b2 and b3
  EXPECT_THAT(List(all, {kT0, b1_}, 2), ElementsAre(b2_, b3_));
  EXPECT_THAT(List(all, {same_start, b2_}, 2), ElementsAre(b3_, b4_));
  EXPECT_THAT(List(all, {same_start, b3_}, 2), ElementsAre(b4_));
  EXPECT_THAT(List(all, {kT0 + absl::Hours(5), b4_}, 2), IsEmpty());
  EXPECT_THAT(ListBookings(all, {}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));
}

TEST_P(ListBookingsTest, PagesWithinAWindow) {
  BookingFilter f = Window(kT0 + absl::Minutes(30), kT0 + absl::Hours(6));
  std::vector<core::Id> seen;
  BookingCursor cursor;  // from the very beginning
  for (int page = 0; page < 10; ++page) {
    auto list = ListBookings(f, cursor, 1);
    ASSERT_THAT(list, IsOk());
    if (list->empty()) break;
    seen.push_back(list->front().id);
    cursor = {list->front().start, list->front().id};
  }
  EXPECT_THAT(seen, ElementsAre(b1_, b2_, b3_, b4_));
  // A cursor inside the window narrows it; one before it does not widen it.
  EXPECT_THAT(List(f, {kT0 + absl::Hours(2), b2_}), ElementsAre(b3_, b4_));
  EXPECT_THAT(List(f, {kT0 - absl::Hours(9), 0}),
              ElementsAre(b1_, b2_, b3_, b4_));
}

// --- What the rules read about a session, at once. ---

class SessionContextTest : public StoreTest {};
INSTANTIATE_TEST_SUITE_P(Contract, SessionContextTest,
                         ::testing::ValuesIn(StoreKinds()), StoreKindName);

TEST_P(SessionContextTest, IsWhatTheSingleReadsReturn) {
  const absl::Duration hour = absl::Hours(1);
  const core::Id kim = Insert(MakeAthlete("Kim"));
  const core::Id lee = Insert(MakeAthlete("Lee"));
  const core::Id ana = Insert(
      MakeTherapist("Ana", {core::Modality::kSports}, absl::Minutes(30)));
  const core::Id bo = Insert(MakeTherapist("Bo", {core::Modality::kSports}));
  SessionQuery q;
  q.athlete_id = kim;
  q.therapist_id = ana;
  q.start = kT0 + 3 * hour;
  q.end = kT0 + 4 * hour;
  q.from = kT0;
  q.to = kT0 + 8 * hour;
  q.request_user_id = 3;
  q.request_id = "req-1";

  const core::Id race = Insert(MakeEvent(kim, kT0 + 6 * hour, kT0 + 7 * hour));
  Insert(MakeEvent(kim, kT0 + 9 * hour, kT0 + 10 * hour));  // after `to`
  Insert(MakeEvent(lee, kT0 + 6 * hour, kT0 + 7 * hour));
  const core::Id knee =
      Insert(core::Injury{0, kim, "knee", "runner's knee", kT0, std::nullopt});
  Insert(core::Injury{0, kim, "calf", "strain", kT0, kT0 + hour});  // resolved

  core::Booking with_bo = MakeBooking(kim, bo, kT0 + hour, hour);
  with_bo.request_id = "req-1";
  with_bo.request_user_id = 3;
  const core::Id kims = Insert(with_bo);
  core::Booking cancelled = MakeBooking(kim, bo, kT0 + 5 * hour, hour);
  cancelled.state = core::BookingState::kCancelled;
  Insert(cancelled);
  // Ana's: one ending where her buffer before the session begins, one
  // starting inside her buffer after it.
  Insert(MakeBooking(lee, ana, kT0 + 2 * hour, absl::Minutes(30)));
  const core::Id anas =
      Insert(MakeBooking(lee, ana, q.end + absl::Minutes(20), hour));

  auto got = ReadValue([&](Reader& r) { return r.GetSessionContext(q); });
  ASSERT_THAT(got, IsOk());
  ASSERT_TRUE(got->earlier.has_value());
  EXPECT_EQ(got->earlier->id, kims);
  ASSERT_TRUE(got->therapist.has_value());
  EXPECT_EQ(got->therapist->name, "Ana");
  EXPECT_EQ(got->therapist->turnover_buffer, absl::Minutes(30));
  ASSERT_TRUE(got->athlete.has_value());
  EXPECT_EQ(got->athlete->name, "Kim");
  EXPECT_THAT(Ids(got->events), ElementsAre(race));
  EXPECT_THAT(Ids(got->injuries), ElementsAre(knee));
  EXPECT_THAT(Ids(got->athlete_sessions), ElementsAre(kims));
  EXPECT_THAT(Ids(got->therapist_sessions), ElementsAre(anas));

  // The same as the single reads make it (the default implementation).
  auto single =
      ReadValue([&](Reader& r) { return r.Reader::GetSessionContext(q); });
  ASSERT_THAT(single, IsOk());
  ASSERT_TRUE(single->earlier.has_value() && single->therapist.has_value());
  EXPECT_EQ(single->earlier->id, got->earlier->id);
  EXPECT_EQ(single->therapist->hours.size(), got->therapist->hours.size());
  EXPECT_EQ(single->therapist->modalities, got->therapist->modalities);
  EXPECT_THAT(Ids(single->events), ElementsAreArray(Ids(got->events)));
  EXPECT_THAT(Ids(single->athlete_sessions),
              ElementsAreArray(Ids(got->athlete_sessions)));
  EXPECT_THAT(Ids(single->therapist_sessions),
              ElementsAreArray(Ids(got->therapist_sessions)));
}

TEST_P(SessionContextTest, MissingTherapistAndAthleteAreNullopt) {
  SessionQuery q;
  q.athlete_id = 41;
  q.therapist_id = 42;
  q.start = kT0;
  q.end = kT0 + absl::Hours(1);
  q.from = kT0 - absl::Hours(72);
  q.to = kT0 + absl::Hours(72);
  auto got = ReadValue([&](Reader& r) { return r.GetSessionContext(q); });
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->earlier.has_value());
  EXPECT_FALSE(got->therapist.has_value());
  EXPECT_FALSE(got->athlete.has_value());
  EXPECT_THAT(got->therapist_sessions, IsEmpty());
}

}  // namespace
}  // namespace clinic::storage
