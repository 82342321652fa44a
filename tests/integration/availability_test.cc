// ListAvailableSlots and suggestions against real clinicd processes, with
// the in-process cache and with a real Redis, including Redis faults, a
// reader racing a writer, and two replicas sharing a store and a Redis.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"
#include "tests/testing/redis_server.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Slot starts of a listing, in unix seconds.
std::vector<int64_t> Starts(const v1::ListAvailableSlotsResponse& r) {
  std::vector<int64_t> out;
  for (const v1::Slot& s : r.slots()) out.push_back(s.start_time().seconds());
  return out;
}

v1::ListAvailableSlotsResponse ListSlots(ClinicdProcess& server,
                                         v1::ListAvailableSlotsRequest req) {
  req.set_page_size(1000);
  v1::ListAvailableSlotsResponse out;
  const grpc::Status s =
      server.bookings().ListAvailableSlots(Ctx().get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

class AvailabilityTest : public ClinicdTest {
 public:
  // One therapist's sports slots on a local day.
  v1::ListAvailableSlotsRequest DayOf(const std::string& therapist,
                                      absl::CivilDay day) {
    v1::ListAvailableSlotsRequest req;
    req.set_therapist_id(therapist);
    req.set_modality(v1::SPORTS);
    *req.mutable_start_time() = Ts(Local(day, 0));
    *req.mutable_end_time() = Ts(Local(day + 1, 0));
    return req;
  }
};

// Instants are whole minutes: a session half a second past 10:00 used to
// be acknowledged, stored truncated and cached rounded, so listings offered
// 11:15 that ReserveSlot then refused. Now it is refused up front, and what
// is listed next to a booking can be booked.
TEST_F(AvailabilityTest, SubMinuteInstantsAreRefusedAndListedSlotsBook) {
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  const absl::CivilDay wednesday = RaceSunday() - 4;
  const std::string before = StoreSnapshot(server_);

  v1::SessionSpec odd =
      Spec(athlete, therapist, v1::SPORTS, Local(wednesday, 10));
  odd.mutable_start_time()->set_nanos(500'000'000);
  v1::ReserveSlotResponse out;
  grpc::Status s = Reserve(odd, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("session.start_time"));
  EXPECT_THAT(s.error_message(), HasSubstr("whole minute"));

  odd = Spec(athlete, therapist, v1::SPORTS, Local(wednesday, 10));
  odd.mutable_duration()->set_seconds(60 * 60 + 1);
  EXPECT_EQ(Reserve(odd, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::AddEventRequest race;
  race.set_athlete_id(athlete);
  race.set_name("Midnight Mile");
  *race.mutable_start_time() = Ts(Local(wednesday, 7) + absl::Seconds(30));
  v1::AddEventResponse added;
  s = server_.athletes().AddRace(Ctx().get(), race, &added);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("start_time"));

  v1::AddTimeOffRequest off;
  off.set_therapist_id(therapist);
  *off.mutable_time_off()->mutable_start_time() = Ts(Local(wednesday, 13));
  *off.mutable_time_off()->mutable_end_time() = Ts(Local(wednesday, 14));
  off.mutable_time_off()->mutable_end_time()->set_nanos(1);
  v1::TimeOff created;
  s = server_.therapists().AddTimeOff(Ctx().get(), off, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("time_off.end_time"));
  EXPECT_EQ(StoreSnapshot(server_), before);

  // On the minute: the first start after a 10:00-11:00 session and its
  // 15 min turnover is 11:15, and it books.
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::SPORTS, Local(wednesday, 10)), &out)
          .ok());
  const std::vector<int64_t> starts =
      Starts(ListSlots(server_, DayOf(therapist, wednesday)));
  EXPECT_THAT(starts, Not(Contains(absl::ToUnixSeconds(Local(wednesday, 11)))));
  ASSERT_THAT(starts, Contains(absl::ToUnixSeconds(Local(wednesday, 11, 15))));
  EXPECT_TRUE(Reserve(Spec(AddAthlete("Ada Obi"), therapist, v1::SPORTS,
                           Local(wednesday, 11, 15)),
                      &out)
                  .ok());
}

TEST_F(AvailabilityTest, SlotsFollowTheGridInsideHoursAroundBookings) {
  const std::string therapist = AddTherapist();
  const absl::CivilDay wednesday = RaceSunday() - 4;
  v1::ListAvailableSlotsResponse free =
      ListSlots(server_, DayOf(therapist, wednesday));
  // 09:00-18:00, 60 min sessions on a 15 min grid: 09:00 .. 17:00.
  ASSERT_THAT(free.slots(), SizeIs(33));
  EXPECT_EQ(FromTs(free.slots(0).start_time()), Local(wednesday, 9));
  EXPECT_EQ(FromTs(free.slots(32).start_time()), Local(wednesday, 17));

  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, Local(wednesday, 11)),
              &booked)
          .ok());
  free = ListSlots(server_, DayOf(therapist, wednesday));
  // 11:00-12:00 plus 15 min turnover each side blocks starts 10:00..12:00.
  std::vector<int64_t> starts = Starts(free);
  EXPECT_THAT(starts, SizeIs(33 - 9));
  EXPECT_THAT(starts, Contains(absl::ToUnixSeconds(Local(wednesday, 9, 45))));
  for (int minute = 10 * 60; minute <= 12 * 60; minute += 15) {
    EXPECT_THAT(starts, Not(Contains(absl::ToUnixSeconds(
                            Local(wednesday, minute / 60, minute % 60)))));
  }
  EXPECT_THAT(starts, Contains(absl::ToUnixSeconds(Local(wednesday, 12, 15))));

  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(booked.booking().id());
  v1::Booking out;
  ASSERT_TRUE(server_.bookings().CancelBooking(Ctx().get(), cancel, &out).ok());
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, wednesday)).slots(),
              SizeIs(33));
}

TEST_F(AvailabilityTest, ByModalityListsEveryTherapistOfferingIt) {
  const std::string art = AddTherapist("Certified", {v1::ACTIVE_RELEASE});
  AddTherapist("Sports only", {v1::SPORTS});
  v1::ListAvailableSlotsRequest req;
  req.set_modality(v1::ACTIVE_RELEASE);
  const absl::CivilDay day = RaceSunday() - 4;
  *req.mutable_start_time() = Ts(Local(day, 0));
  *req.mutable_end_time() = Ts(Local(day + 1, 0));
  const v1::ListAvailableSlotsResponse free = ListSlots(server_, req);
  ASSERT_THAT(free.slots(), Not(IsEmpty()));
  for (const v1::Slot& s : free.slots()) {
    EXPECT_EQ(s.therapist_id(), art);
    EXPECT_EQ(s.end_time().seconds() - s.start_time().seconds(), 45 * 60);
  }
}

TEST_F(AvailabilityTest,
       ForAnAthleteBeforeAWeekendRaceFridayIsGoneThursdayFlagged) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddEvent(athlete, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  v1::ListAvailableSlotsRequest req;
  req.set_therapist_id(therapist);
  req.set_modality(v1::DEEP_TISSUE);
  req.set_athlete_id(athlete);
  *req.mutable_start_time() = Ts(Local(sunday - 4, 0));  // Wednesday
  *req.mutable_end_time() = Ts(Local(sunday - 1, 0));    // to Saturday
  int wednesday_clean = 0, thursday_flagged = 0, friday = 0;
  const v1::ListAvailableSlotsResponse listed = ListSlots(server_, req);
  for (const v1::Slot& s : listed.slots()) {
    const absl::CivilDay day = absl::ToCivilDay(FromTs(s.start_time()), zone_);
    if (day == sunday - 4 && s.warnings().empty()) ++wednesday_clean;
    if (day == sunday - 3) {
      ASSERT_THAT(s.warnings(), SizeIs(1));
      EXPECT_EQ(s.warnings(0).rule_id(), "GAP_BEFORE_EVENT");
      EXPECT_EQ(s.warnings(0).event_name(), "Broad Street Run");
      ++thursday_flagged;
    }
    if (day == sunday - 2) ++friday;
  }
  EXPECT_GT(wednesday_clean, 0);
  EXPECT_GT(thursday_flagged, 0);
  EXPECT_EQ(friday, 0);
}

// Rejects deep tissue on the Friday before a Sunday race with the first of
// `therapists` new therapists, and checks the suggestions: each passes the
// rules, none warns, one therapist's are an hour apart, and they span two
// days and every therapist.
void RejectFridayBeforeRace(AvailabilityTest& t, int therapists) {
  const absl::CivilDay sunday = t.RaceSunday();
  const std::string therapist = t.AddTherapist();
  for (int i = 1; i < therapists; ++i) {
    t.AddTherapist(absl::StrCat("Therapist ", i));
  }
  const std::string athlete = t.AddAthlete();
  t.AddEvent(athlete, v1::RACE, "Broad Street Run", t.Local(sunday, 7),
             absl::Hours(3));
  const v1::SessionSpec friday = ClinicdTest::Spec(
      athlete, therapist, v1::DEEP_TISSUE, t.Local(sunday - 2, 16));
  v1::ReserveSlotResponse out;
  const grpc::Status s = t.Reserve(friday, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const v1::BookingRejection rejection = RejectionOf(s);
  EXPECT_THAT(rejection.suggestions(), SizeIs(5));
  std::set<std::string> who;
  std::set<absl::CivilDay> days;
  for (int i = 0; i < rejection.suggestions_size(); ++i) {
    const v1::Slot& slot = rejection.suggestions(i);
    EXPECT_THAT(slot.warnings(), IsEmpty());
    v1::SessionSpec alternative = friday;
    alternative.set_therapist_id(slot.therapist_id());
    *alternative.mutable_start_time() = slot.start_time();
    EXPECT_TRUE(t.Check(alternative).allowed());
    for (int j = 0; j < i; ++j) {
      const v1::Slot& other = rejection.suggestions(j);
      if (other.therapist_id() != slot.therapist_id()) continue;
      EXPECT_GE(
          std::abs(other.start_time().seconds() - slot.start_time().seconds()),
          3600);
    }
    who.insert(slot.therapist_id());
    days.insert(absl::ToCivilDay(FromTs(slot.start_time()), t.zone_));
  }
  EXPECT_THAT(who, SizeIs(therapists));
  EXPECT_THAT(days, SizeIs(::testing::Ge(2)));
  // Nearest first: the latest clean slot before the race, Wednesday 17:00
  // with the therapist asked for.
  EXPECT_EQ(FromTs(rejection.suggestions(0).start_time()),
            t.Local(sunday - 4, 17));
  EXPECT_EQ(rejection.suggestions(0).therapist_id(), therapist);

  const v1::CheckBookingResponse check = t.Check(friday);
  EXPECT_FALSE(check.allowed());
  ASSERT_EQ(check.suggestions_size(), rejection.suggestions_size());
  for (int i = 0; i < check.suggestions_size(); ++i) {
    EXPECT_EQ(check.suggestions(i).SerializeAsString(),
              rejection.suggestions(i).SerializeAsString());
  }
}

TEST_F(AvailabilityTest, SuggestionsWithOneTherapistAreSpreadOut) {
  RejectFridayBeforeRace(*this, 1);
}

TEST_F(AvailabilityTest, SuggestionsOfferEveryTherapist) {
  RejectFridayBeforeRace(*this, 3);
}

TEST_F(AvailabilityTest, BadQueriesAreRefusedByName) {
  v1::ListAvailableSlotsRequest none;
  v1::ListAvailableSlotsResponse out;
  grpc::Status s =
      server_.bookings().ListAvailableSlots(Ctx().get(), none, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("therapist_id"));

  v1::ListAvailableSlotsRequest too_long;
  too_long.set_modality(v1::SPORTS);
  *too_long.mutable_start_time() = Ts(Local(RaceSunday(), 0));
  *too_long.mutable_end_time() = Ts(Local(RaceSunday() + 40, 0));
  s = server_.bookings().ListAvailableSlots(Ctx().get(), too_long, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("31 days"));

  v1::ListAvailableSlotsRequest unknown;
  unknown.set_therapist_id("th_404");
  s = server_.bookings().ListAvailableSlots(Ctx().get(), unknown, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("th_404"));
}

TEST_F(AvailabilityTest, PagesCoverTheWholeListOnce) {
  const std::string therapist = AddTherapist();
  v1::ListAvailableSlotsRequest req;
  req.set_therapist_id(therapist);
  const absl::CivilDay day = RaceSunday() - 4;
  *req.mutable_start_time() = Ts(Local(day, 0));
  *req.mutable_end_time() = Ts(Local(day + 2, 0));
  const int all = ListSlots(server_, req).slots_size();  // 3 modalities
  ASSERT_GT(all, 100);
  req.set_page_size(40);
  int seen = 0;
  int64_t last = 0;
  do {
    v1::ListAvailableSlotsResponse page;
    ASSERT_TRUE(
        server_.bookings().ListAvailableSlots(Ctx().get(), req, &page).ok());
    for (const v1::Slot& s : page.slots()) {
      EXPECT_GE(s.start_time().seconds(), last);
      last = s.start_time().seconds();
    }
    seen += page.slots_size();
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(seen, all);
}

// --- With Redis -------------------------------------------------------------

class RedisAvailabilityTest : public AvailabilityTest {
 public:
  RedisAvailabilityTest() { EXPECT_TRUE(redis_.Start().ok()); }
  std::vector<std::string> ExtraFlags() override {
    return {"--redis=" + redis_.url()};
  }
  RedisServer redis_;
};

TEST_F(RedisAvailabilityTest, CachesInRedisAndNeverListsATakenSlot) {
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(), SizeIs(33));
  EXPECT_NE(redis_.Command("DBSIZE"), "0");
  // Each key names its clinic in a hash tag: one Redis Cluster slot a clinic.
  for (absl::string_view key :
       absl::StrSplit(redis_.Command("KEYS *"), '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(key, "clinic:avail:{cl_1}:")) << key;
  }

  // A reader keeps filling the cache while a writer books slot after slot;
  // every listing made after a booking returned must lack that slot.
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) ListSlots(server_, DayOf(therapist, day));
  });
  auto writer = [&] {
    for (int i = 0; i < 48; ++i) {
      const absl::Time start = Local(day, 9) + absl::Minutes(75 * (i % 7));
      v1::ReserveSlotResponse booked;
      const grpc::Status s =
          Reserve(Spec(AddAthlete(absl::StrCat("Runner ", i)), therapist,
                       v1::SPORTS, start),
                  &booked);
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_THAT(Starts(ListSlots(server_, DayOf(therapist, day))),
                  Not(Contains(absl::ToUnixSeconds(start))))
          << "iteration " << i;
      v1::CancelBookingRequest cancel;
      cancel.set_booking_id(booked.booking().id());
      v1::Booking out;
      ASSERT_TRUE(
          server_.bookings().CancelBooking(Ctx().get(), cancel, &out).ok());
      EXPECT_THAT(Starts(ListSlots(server_, DayOf(therapist, day))),
                  Contains(absl::ToUnixSeconds(start)))
          << "iteration " << i;
    }
  };
  writer();
  done = true;
  reader.join();
}

TEST_F(RedisAvailabilityTest, KeepsServingWhenRedisDiesAndNothingStaleAfter) {
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;
  ASSERT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(), SizeIs(33));

  redis_.Kill();
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, Local(day, 9)), &booked)
          .ok());
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));
  EXPECT_THAT(server_.stderr_text(), ::testing::HasSubstr("unreachable"));
  const double errors = server_.Metrics().Sum("clinic_cache_requests_total",
                                              {{"result", "error"}});
  EXPECT_GT(errors, 0);  // counted for the operator to see

  ASSERT_TRUE(redis_.Start().ok());
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // backoff
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day + 1)).slots(),
              SizeIs(33));
  EXPECT_THAT(server_.stderr_text(), ::testing::HasSubstr("reachable again"));
  // Back: lookups hit Redis again, and no error is added.
  const Scrape back = server_.Metrics();
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day + 1)).slots(),
              SizeIs(33));
  const Scrape later = server_.Metrics();
  EXPECT_EQ(later.Sum("clinic_cache_requests_total", {{"result", "error"}}),
            back.Sum("clinic_cache_requests_total", {{"result", "error"}}));
  EXPECT_GT(later.Sum("clinic_cache_requests_total", {{"result", "hit"}}),
            back.Sum("clinic_cache_requests_total", {{"result", "hit"}}));
  EXPECT_EQ(redis_.Command("FLUSHALL"), "OK");
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));
}

TEST_F(RedisAvailabilityTest,
       PausedRedisComesBackWithOldEntriesThatAreNotServed) {
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;
  ASSERT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(), SizeIs(33));
  // Redis keeps the entries above but answers nobody for a while.
  EXPECT_EQ(redis_.Command("CLIENT PAUSE 1500 ALL"), "OK");
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, Local(day, 9)), &booked)
          .ok());
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));
}

TEST_F(RedisAvailabilityTest, TimeOffHoursAndMovesShowAtOnce) {
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;  // a Wednesday
  auto count = [&] {
    return ListSlots(server_, DayOf(therapist, day)).slots_size();
  };
  ASSERT_EQ(count(), 33);

  v1::AddTimeOffRequest off;
  off.set_therapist_id(therapist);
  *off.mutable_time_off()->mutable_start_time() = Ts(Local(day, 12));
  *off.mutable_time_off()->mutable_end_time() = Ts(Local(day, 14));
  v1::TimeOff added;
  ASSERT_TRUE(server_.therapists().AddTimeOff(Ctx().get(), off, &added).ok());
  EXPECT_EQ(count(), 33 - 11);  // starts 11:15 .. 13:45 cannot fit
  v1::DeleteTimeOffRequest del;
  del.set_therapist_id(therapist);
  del.set_time_off_id(added.id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      server_.therapists().DeleteTimeOff(Ctx().get(), del, &empty).ok());
  EXPECT_EQ(count(), 33);

  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, Local(day, 9)), &booked)
          .ok());
  EXPECT_EQ(count(), 33 - 5);
  v1::RescheduleBookingRequest move;
  move.set_booking_id(booked.booking().id());
  *move.mutable_start_time() = Ts(Local(day, 17));
  v1::ReserveSlotResponse moved;
  ASSERT_TRUE(
      server_.bookings().RescheduleBooking(Ctx().get(), move, &moved).ok());
  EXPECT_EQ(count(), 33 - 5);  // 17:00 and the four starts before it
  EXPECT_THAT(Starts(ListSlots(server_, DayOf(therapist, day))),
              Contains(absl::ToUnixSeconds(Local(day, 9))));

  v1::UpdateTherapistRequest update;
  update.mutable_therapist()->set_id(therapist);
  v1::WorkingHours* h = update.mutable_therapist()->add_working_hours();
  h->set_day(v1::WEDNESDAY);
  h->mutable_start()->set_hours(9);
  h->mutable_end()->set_hours(12);
  update.mutable_update_mask()->add_paths("working_hours");
  v1::Therapist updated;
  ASSERT_TRUE(
      server_.therapists().UpdateTherapist(Ctx().get(), update, &updated).ok());
  EXPECT_EQ(count(), 9);  // 09:00 .. 11:00
}

TEST_F(RedisAvailabilityTest, TwoReplicasShareTheStoreAndTheCache) {
  ClinicdProcess replica(dir_.path() + "/clinic.db");
  std::string error;
  ASSERT_TRUE(replica.Start(
      {"--timezone=America/New_York", "--redis=" + redis_.url()}, &error))
      << error;
  const std::string therapist = AddTherapist();
  const absl::CivilDay day = RaceSunday() - 4;
  for (ClinicdProcess* s : {&server_, &replica}) {
    ASSERT_THAT(ListSlots(*s, DayOf(therapist, day)).slots(), SizeIs(33));
  }
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(AddAthlete(), therapist, v1::SPORTS, Local(day, 9)), &booked)
          .ok());
  EXPECT_THAT(ListSlots(replica, DayOf(therapist, day)).slots(),
              SizeIs(33 - 5));

  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(booked.booking().id());
  v1::Booking out;
  ASSERT_TRUE(replica.bookings().CancelBooking(Ctx().get(), cancel, &out).ok());
  EXPECT_THAT(ListSlots(server_, DayOf(therapist, day)).slots(), SizeIs(33));
}

// --- Time zones -------------------------------------------------------------

// The RULES.md cases (New York, 14 Mar and 7 Nov 2027) and the same for
// London and Sydney, moved to the zone's next two DST changes so they stay
// ahead of the test run. All of these zones change on a Sunday night.
struct DstDay {
  const char* zone;
  int change;  // 0: the next DST change, 1: the one after
};

class DstTest : public ::testing::TestWithParam<DstDay> {};

TEST_P(DstTest, SundayHoursGiveEightHoursOfSlotsOnAChangeDay) {
  const DstDay p = GetParam();
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(p.zone, &zone));
  absl::TimeZone::CivilTransition change;
  absl::Time at = absl::Now();
  for (int i = 0; i <= p.change; ++i) {
    ASSERT_TRUE(zone.NextTransition(at, &change));
    at = absl::FromCivil(change.to, zone);
  }
  const absl::CivilDay day(change.to);
  ASSERT_EQ(absl::GetWeekday(day), absl::Weekday::sunday);
  ASSERT_NE(zone.At(absl::FromCivil(day, zone)).offset,
            zone.At(absl::FromCivil(day + 1, zone)).offset);

  TempDir dir;
  const std::string rules = dir.path() + "/rules.textproto";
  FILE* f = fopen(rules.c_str(), "w");
  fputs("horizon { seconds: 31622400 }\n", f);  // 366 days
  fclose(f);
  ClinicdProcess server(dir.path() + "/c.db");
  std::string error;
  ASSERT_TRUE(server.Start(
      {absl::StrCat("--timezone=", p.zone), "--rules=" + rules}, &error))
      << error;

  v1::CreateTherapistRequest create;
  create.mutable_therapist()->set_display_name("Sunday Therapist");
  create.mutable_therapist()->add_modalities(v1::SPORTS);
  v1::WorkingHours* h = create.mutable_therapist()->add_working_hours();
  h->set_day(v1::SUNDAY);
  h->mutable_start()->set_hours(9);
  h->mutable_end()->set_hours(17);
  v1::Therapist therapist;
  ASSERT_TRUE(server.therapists()
                  .CreateTherapist(Ctx().get(), create, &therapist)
                  .ok());

  v1::ListAvailableSlotsRequest req;
  req.set_therapist_id(therapist.id());
  *req.mutable_start_time() = Ts(absl::FromCivil(day, zone));
  *req.mutable_end_time() = Ts(absl::FromCivil(day + 1, zone));
  const v1::ListAvailableSlotsResponse slots = ListSlots(server, req);
  ASSERT_THAT(slots.slots(), SizeIs(29));  // 09:00, 09:15 .. 16:00
  const absl::Time first = FromTs(slots.slots(0).start_time());
  const absl::Time last_end = FromTs(slots.slots(28).end_time());
  EXPECT_EQ(first, absl::FromCivil(absl::CivilHour(day) + 9, zone));
  EXPECT_EQ(last_end - first, absl::Hours(8));
}

INSTANTIATE_TEST_SUITE_P(Zones, DstTest,
                         ::testing::Values(DstDay{"America/New_York", 0},
                                           DstDay{"America/New_York", 1},
                                           DstDay{"Europe/London", 0},
                                           DstDay{"Europe/London", 1},
                                           DstDay{"Australia/Sydney", 0},
                                           DstDay{"Australia/Sydney", 1}),
                         [](const ::testing::TestParamInfo<DstDay>& info) {
                           std::string name = absl::StrCat(
                               info.param.zone, "_change", info.param.change);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace clinic::testing
