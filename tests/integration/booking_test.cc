// Booking invariants against a real clinicd: no double booking under
// concurrency, safe retries, durable acknowledgements, atomic moves.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr int kConcurrentCalls = 32;

// Fires all `specs` at once, each on its own thread; returns the number of
// successes and checks every failure is a rule rejection.
int ReserveConcurrently(ClinicdProcess& server,
                        const std::vector<v1::SessionSpec>& specs) {
  std::atomic<int> ok{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (const v1::SessionSpec& spec : specs) {
    threads.emplace_back([&, spec] {
      while (!go.load()) std::this_thread::yield();
      v1::ReserveSlotRequest req;
      *req.mutable_session() = spec;
      v1::ReserveSlotResponse out;
      const grpc::Status s =
          server.bookings().ReserveSlot(Ctx().get(), req, &out);
      if (s.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
            << s.error_message();
      }
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  return ok.load();
}

TEST_F(ClinicdTest, ConcurrentReservationsOfOneTherapistSlotBookOnce) {
  const std::string therapist = AddTherapist();
  const absl::Time slot = Local(RaceSunday() - 4, 10);
  std::vector<v1::SessionSpec> specs;
  for (int i = 0; i < kConcurrentCalls; ++i) {
    specs.push_back(Spec(AddAthlete("Runner " + std::to_string(i)), therapist,
                         v1::SPORTS, slot + absl::Minutes(i % 4 * 15)));
  }
  EXPECT_EQ(ReserveConcurrently(server_, specs), 1);
  EXPECT_THAT(ListBookings(), SizeIs(1));
}

TEST_F(ClinicdTest, ConcurrentReservationsOfOneAthleteOnTwoTherapistsBookOnce) {
  const std::string athlete = AddAthlete();
  const std::string therapists[] = {AddTherapist("A"), AddTherapist("B")};
  const absl::Time slot = Local(RaceSunday() - 4, 10);
  std::vector<v1::SessionSpec> specs;
  for (int i = 0; i < kConcurrentCalls; ++i) {
    specs.push_back(Spec(athlete, therapists[i % 2], v1::SPORTS, slot));
  }
  EXPECT_EQ(ReserveConcurrently(server_, specs), 1);
  EXPECT_THAT(ListBookings(), SizeIs(1));
}

TEST_F(ClinicdTest, RetryWithSameRequestIdReturnsTheSameBooking) {
  const v1::SessionSpec spec =
      Spec(AddAthlete(), AddTherapist(), v1::DEEP_TISSUE,
           Local(RaceSunday() - 4, 10));
  v1::ReserveSlotResponse first, again;
  ASSERT_TRUE(Reserve(spec, &first, "req-42").ok());
  const grpc::Status s = Reserve(spec, &again, "req-42");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.booking().id(), first.booking().id());
  EXPECT_EQ(again.booking().request_id(), "req-42");
  EXPECT_THAT(ListBookings(), SizeIs(1));
}

TEST_F(ClinicdTest, SameRequestIdForAnotherSessionIsRefused) {
  const std::string athlete = AddAthlete();
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;
  v1::ReserveSlotResponse first, other;
  ASSERT_TRUE(Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(day, 10)),
                      &first, "req-7")
                  .ok());
  const grpc::Status s =
      Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(day, 14)), &other,
              "req-7");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_THAT(s.error_message(), HasSubstr(first.booking().id()));
  EXPECT_THAT(ListBookings(), SizeIs(1));
}

TEST_F(ClinicdTest, AcknowledgedBookingSurvivesSigkill) {
  const v1::SessionSpec spec = Spec(AddAthlete(), AddTherapist(), v1::SPORTS,
                                    Local(RaceSunday() - 4, 10));
  v1::ReserveSlotResponse reserved;
  ASSERT_TRUE(Reserve(spec, &reserved).ok());
  server_.Kill();

  std::string error;
  ASSERT_TRUE(server_.Start({"--timezone=America/New_York"}, &error)) << error;
  v1::GetBookingRequest req;
  req.set_booking_id(reserved.booking().id());
  v1::Booking found;
  const grpc::Status s =
      server_.bookings().GetBooking(Ctx().get(), req, &found);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(found.state(), v1::CONFIRMED);
  EXPECT_EQ(found.start_time().seconds(), spec.start_time().seconds());
}

TEST_F(ClinicdTest, RescheduleKeepsTheOldSlotWhenTheNewOneIsRejected) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string athlete = AddAthlete();
  const std::string therapist = AddTherapist();
  AddEvent(athlete, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(sunday - 4, 10)),
              &booked)
          .ok());

  v1::RescheduleBookingRequest move;
  move.set_booking_id(booked.booking().id());
  *move.mutable_start_time() = Ts(Local(sunday - 2, 16));
  v1::ReserveSlotResponse moved;
  grpc::Status s =
      server_.bookings().RescheduleBooking(Ctx().get(), move, &moved);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("Broad Street Run"));
  std::vector<v1::Booking> now = ListBookings();
  ASSERT_THAT(now, SizeIs(1));
  EXPECT_EQ(FromTs(now[0].start_time()), Local(sunday - 4, 10));

  // A valid move keeps the id and frees the old slot for someone else.
  *move.mutable_start_time() = Ts(Local(sunday - 5, 11));
  s = server_.bookings().RescheduleBooking(Ctx().get(), move, &moved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(moved.booking().id(), booked.booking().id());
  EXPECT_EQ(FromTs(moved.booking().start_time()), Local(sunday - 5, 11));
  v1::ReserveSlotResponse other;
  s = Reserve(Spec(AddAthlete("Other"), therapist, v1::DEEP_TISSUE,
                   Local(sunday - 4, 10)),
              &other);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(ClinicdTest, CancelFreesTheSlotAndIsIdempotent) {
  const std::string therapist = AddTherapist();
  const absl::Time slot = Local(RaceSunday() - 4, 10);
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, slot), &booked).ok());
  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(booked.booking().id());
  cancel.set_reason("athlete is ill");
  v1::Booking out;
  ASSERT_TRUE(server_.bookings().CancelBooking(Ctx().get(), cancel, &out).ok());
  EXPECT_EQ(out.state(), v1::CANCELLED);
  EXPECT_EQ(out.cancel_reason(), "athlete is ill");
  ASSERT_TRUE(server_.bookings().CancelBooking(Ctx().get(), cancel, &out).ok());
  EXPECT_EQ(out.state(), v1::CANCELLED);

  v1::ReserveSlotResponse again;
  EXPECT_TRUE(
      Reserve(Spec(AddAthlete("Next"), therapist, v1::SPORTS, slot), &again)
          .ok());
  v1::ListBookingsRequest with_cancelled;
  with_cancelled.set_include_cancelled(true);
  EXPECT_THAT(ListBookings(with_cancelled), SizeIs(2));
  EXPECT_THAT(ListBookings(), SizeIs(1));
}

TEST_F(ClinicdTest, ListBookingsPagesThroughEverything) {
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  const absl::CivilDay first = RaceSunday() + 1;  // a Monday
  for (int i = 0; i < 7; ++i) {
    v1::ReserveSlotResponse out;
    const grpc::Status s = Reserve(Spec(athlete, therapist, v1::SPORTS,
                                        Local(first + i / 3, 9 + 2 * (i % 3))),
                                   &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::ListBookingsRequest req;
  req.set_page_size(3);
  req.set_athlete_id(athlete);
  const std::vector<v1::Booking> all = ListBookings(req);
  ASSERT_THAT(all, SizeIs(7));
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].start_time().seconds(), all[i].start_time().seconds());
  }
}

TEST_F(ClinicdTest, ListTherapistsFiltersByModalityAndPages) {
  const std::string a = AddTherapist("A", {v1::ACTIVE_RELEASE, v1::SPORTS});
  AddTherapist("B", {v1::SPORTS});
  const std::string c = AddTherapist("C", {v1::ACTIVE_RELEASE});
  v1::ListTherapistsRequest req;
  req.set_modality(v1::ACTIVE_RELEASE);
  req.set_page_size(1);
  std::vector<std::string> ids;
  do {
    v1::ListTherapistsResponse page;
    ASSERT_TRUE(
        server_.therapists().ListTherapists(Ctx().get(), req, &page).ok());
    ASSERT_LE(page.therapists_size(), 1);
    for (const v1::Therapist& t : page.therapists()) ids.push_back(t.id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_THAT(ids, ::testing::ElementsAre(a, c));
}

}  // namespace
}  // namespace clinic::testing
