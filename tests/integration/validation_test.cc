// Bad input gets INVALID_ARGUMENT or NOT_FOUND naming the field or id, and
// changes nothing in the store. Bad flags stop clinicd with a message.
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ValidationTest : public ClinicdTest {
 public:
  void SetUp() override {
    ClinicdTest::SetUp();
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
    AddEvent(athlete_, v1::RACE, "Broad Street Run", Local(RaceSunday(), 7),
             absl::Hours(3));
    v1::ReserveSlotResponse out;
    ASSERT_TRUE(Reserve(Spec(athlete_, therapist_, v1::SPORTS,
                             Local(RaceSunday() - 4, 10)),
                        &out)
                    .ok());
    booking_ = out.booking().id();
  }

  std::string therapist_, athlete_, booking_;
};

struct BadCall {
  std::string name;
  grpc::StatusCode code;
  std::string names;  // the field or id the message must name
  std::function<grpc::Status(ValidationTest&)> call;
};

TEST_F(ValidationTest, BadInputIsRefusedByNameAndChangesNothing) {
  const absl::Time slot = Local(RaceSunday() - 5, 10);
  auto reserve = [slot](std::function<void(v1::ReserveSlotRequest&)> edit) {
    return [slot, edit](ValidationTest& t) {
      v1::ReserveSlotRequest req;
      *req.mutable_session() =
          t.Spec(t.athlete_, t.therapist_, v1::SPORTS, slot);
      edit(req);
      v1::ReserveSlotResponse out;
      return t.server_.bookings().ReserveSlot(Ctx().get(), req, &out);
    };
  };
  auto create_therapist = [](std::function<void(v1::Therapist&)> edit) {
    return [edit](ValidationTest& t) {
      v1::CreateTherapistRequest req;
      req.mutable_therapist()->set_display_name("Valid Name");
      req.mutable_therapist()->add_modalities(v1::SPORTS);
      edit(*req.mutable_therapist());
      v1::Therapist out;
      return t.server_.therapists().CreateTherapist(Ctx().get(), req, &out);
    };
  };
  auto create_athlete = [](const std::string& email) {
    return [email](ValidationTest& t) {
      v1::CreateAthleteRequest req;
      req.mutable_athlete()->set_display_name("Lee Park");
      req.mutable_athlete()->set_email(email);
      v1::Athlete out;
      return t.server_.athletes().CreateAthlete(Ctx().get(), req, &out);
    };
  };
  auto hours = [](v1::Therapist& t, int day, int from, int to) {
    v1::WorkingHours* h = t.add_working_hours();
    h->set_day(static_cast<v1::DayOfWeek>(day));
    h->mutable_start()->set_hours(from);
    h->mutable_end()->set_hours(to);
  };

  const std::vector<BadCall> calls = {
      {"unknown athlete", grpc::StatusCode::NOT_FOUND, "ath_999",
       reserve(
           [](auto& r) { r.mutable_session()->set_athlete_id("ath_999"); })},
      {"unknown therapist", grpc::StatusCode::NOT_FOUND, "th_999",
       reserve(
           [](auto& r) { r.mutable_session()->set_therapist_id("th_999"); })},
      {"athlete id where a therapist id belongs",
       grpc::StatusCode::INVALID_ARGUMENT, "session.therapist_id",
       reserve(
           [](auto& r) { r.mutable_session()->set_therapist_id("ath_1"); })},
      {"missing athlete", grpc::StatusCode::INVALID_ARGUMENT,
       "session.athlete_id",
       reserve([](auto& r) { r.mutable_session()->clear_athlete_id(); })},
      {"unknown modality", grpc::StatusCode::INVALID_ARGUMENT,
       "session.modality", reserve([](auto& r) {
         r.mutable_session()->set_modality(static_cast<v1::Modality>(42));
       })},
      {"unspecified modality", grpc::StatusCode::INVALID_ARGUMENT,
       "session.modality", reserve([](auto& r) {
         r.mutable_session()->set_modality(v1::MODALITY_UNSPECIFIED);
       })},
      {"timestamp out of range", grpc::StatusCode::INVALID_ARGUMENT,
       "session.start_time", reserve([](auto& r) {
         r.mutable_session()->mutable_start_time()->set_seconds(300000000000LL);
       })},
      {"bad nanos", grpc::StatusCode::INVALID_ARGUMENT, "session.start_time",
       reserve([](auto& r) {
         r.mutable_session()->mutable_start_time()->set_nanos(-1);
       })},
      {"missing start", grpc::StatusCode::INVALID_ARGUMENT,
       "session.start_time",
       reserve([](auto& r) { r.mutable_session()->clear_start_time(); })},
      {"over-long session", grpc::StatusCode::INVALID_ARGUMENT,
       "session.duration", reserve([](auto& r) {
         r.mutable_session()->mutable_duration()->set_seconds(48 * 3600);
       })},
      {"over-long request id", grpc::StatusCode::INVALID_ARGUMENT, "request_id",
       reserve([](auto& r) { r.set_request_id(std::string(500, 'k')); })},
      {"empty therapist name", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.display_name",
       create_therapist([](auto& t) { t.set_display_name("   "); })},
      {"over-long therapist name", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.display_name", create_therapist([](auto& t) {
         t.set_display_name(std::string(101, 'x'));
       })},
      {"no modality", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.modalities",
       create_therapist([](auto& t) { t.clear_modalities(); })},
      {"overlapping hours", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.working_hours[1]", create_therapist([&](auto& t) {
         hours(t, v1::MONDAY, 9, 13);
         hours(t, v1::MONDAY, 12, 17);
       })},
      {"five spans on a Monday", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.working_hours[5]: at most 4 spans a day",
       create_therapist([&](auto& t) {
         hours(t, v1::TUESDAY, 9, 17);
         for (int from = 8; from < 18; from += 2) {
           hours(t, v1::MONDAY, from, from + 1);
         }
       })},
      {"hours ending before they start", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.working_hours[0].end",
       create_therapist([&](auto& t) { hours(t, v1::MONDAY, 17, 9); })},
      {"hours past midnight", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.working_hours[0].end",
       create_therapist([&](auto& t) { hours(t, v1::MONDAY, 9, 25); })},
      {"price for a modality not offered", grpc::StatusCode::INVALID_ARGUMENT,
       "therapist.prices[0].modality", create_therapist([](auto& t) {
         auto* p = t.add_prices();
         p->set_modality(v1::DEEP_TISSUE);
         p->set_price_cents(9000);
       })},
      {"time off ending before it starts", grpc::StatusCode::INVALID_ARGUMENT,
       "time_off.end_time",
       [&](ValidationTest& t) {
         v1::AddTimeOffRequest req;
         req.set_therapist_id(t.therapist_);
         *req.mutable_time_off()->mutable_start_time() = Ts(slot);
         *req.mutable_time_off()->mutable_end_time() =
             Ts(slot - absl::Hours(1));
         v1::TimeOff out;
         return t.server_.therapists().AddTimeOff(Ctx().get(), req, &out);
       }},
      {"time off that has ended", grpc::StatusCode::INVALID_ARGUMENT,
       "time_off.end_time",
       [&](ValidationTest& t) {
         const absl::Time start =
             t.Local(absl::ToCivilDay(absl::Now(), t.zone_) - 2, 9);
         v1::AddTimeOffRequest req;
         req.set_therapist_id(t.therapist_);
         *req.mutable_time_off()->mutable_start_time() = Ts(start);
         *req.mutable_time_off()->mutable_end_time() =
             Ts(start + absl::Hours(2));
         v1::TimeOff out;
         return t.server_.therapists().AddTimeOff(Ctx().get(), req, &out);
       }},
      {"time off ending in 2100", grpc::StatusCode::INVALID_ARGUMENT,
       "time_off.end_time: must be between 2000-01-01 and 2100-01-01 UTC",
       [&](ValidationTest& t) {
         v1::AddTimeOffRequest req;
         req.set_therapist_id(t.therapist_);
         *req.mutable_time_off()->mutable_start_time() = Ts(slot);
         *req.mutable_time_off()->mutable_end_time() = Ts(absl::FromCivil(
             absl::CivilMinute(2100, 1, 1, 0, 1), absl::UTCTimeZone()));
         v1::TimeOff out;
         return t.server_.therapists().AddTimeOff(Ctx().get(), req, &out);
       }},
      {"session in 2100", grpc::StatusCode::INVALID_ARGUMENT,
       "session.start_time: must be between 2000-01-01 and 2100-01-01 UTC",
       reserve([](auto& r) {
         *r.mutable_session()->mutable_start_time() = Ts(absl::FromCivil(
             absl::CivilMinute(2100, 1, 1, 0, 1), absl::UTCTimeZone()));
       })},
      {"workout in 1999", grpc::StatusCode::INVALID_ARGUMENT,
       "start_time: must be between 2000-01-01 and 2100-01-01 UTC",
       [&](ValidationTest& t) {
         v1::AddEventRequest req;
         req.set_athlete_id(t.athlete_);
         req.set_name("Millennium Mile");
         *req.mutable_start_time() = Ts(absl::FromCivil(
             absl::CivilMinute(1999, 12, 31, 23, 59), absl::UTCTimeZone()));
         v1::AddEventResponse out;
         return t.server_.athletes().AddWorkout(Ctx().get(), req, &out);
       }},
      {"empty athlete name", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.display_name",
       [](ValidationTest& t) {
         v1::CreateAthleteRequest req;
         v1::Athlete out;
         return t.server_.athletes().CreateAthlete(Ctx().get(), req, &out);
       }},
      {"email without a local part", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.email", create_athlete("@example.com")},
      {"email that is only @", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.email", create_athlete("@")},
      {"email without a dotted domain", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.email", create_athlete("lee@localhost")},
      {"email with two @", grpc::StatusCode::INVALID_ARGUMENT, "athlete.email",
       create_athlete("lee@park@example.com")},
      {"email with a space", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.email", create_athlete("lee park@example.com")},
      {"invalid UTF-8 name", grpc::StatusCode::INVALID_ARGUMENT, "name",
       [&](ValidationTest& t) {
         v1::AddEventRequest req;
         req.set_athlete_id(t.athlete_);
         req.set_name("Broad \x01 Run");
         *req.mutable_start_time() = Ts(slot);
         v1::AddEventResponse out;
         return t.server_.athletes().AddRace(Ctx().get(), req, &out);
       }},
      {"race for an unknown athlete", grpc::StatusCode::NOT_FOUND, "ath_77",
       [&](ValidationTest& t) {
         v1::AddEventRequest req;
         req.set_athlete_id("ath_77");
         req.set_name("Broad Street Run");
         *req.mutable_start_time() = Ts(slot);
         v1::AddEventResponse out;
         return t.server_.athletes().AddRace(Ctx().get(), req, &out);
       }},
      {"cancel an unknown booking", grpc::StatusCode::NOT_FOUND, "bk_404",
       [](ValidationTest& t) {
         v1::CancelBookingRequest req;
         req.set_booking_id("bk_404");
         v1::Booking out;
         return t.server_.bookings().CancelBooking(Ctx().get(), req, &out);
       }},
      {"list with end before start", grpc::StatusCode::INVALID_ARGUMENT,
       "end_time",
       [&](ValidationTest& t) {
         v1::ListBookingsRequest req;
         *req.mutable_start_time() = Ts(slot);
         *req.mutable_end_time() = Ts(slot - absl::Hours(1));
         v1::ListBookingsResponse out;
         return t.server_.bookings().ListBookings(Ctx().get(), req, &out);
       }},
      {"garbage page token", grpc::StatusCode::INVALID_ARGUMENT, "page_token",
       [](ValidationTest& t) {
         v1::ListBookingsRequest req;
         req.set_page_token("not-a-token");
         v1::ListBookingsResponse out;
         return t.server_.bookings().ListBookings(Ctx().get(), req, &out);
       }},
      {"update with an unknown mask path", grpc::StatusCode::INVALID_ARGUMENT,
       "update_mask",
       [](ValidationTest& t) {
         v1::UpdateTherapistRequest req;
         req.mutable_therapist()->set_id(t.therapist_);
         req.mutable_therapist()->set_display_name("New Name");
         req.mutable_update_mask()->add_paths("display_name");
         req.mutable_update_mask()->add_paths("salary");
         v1::Therapist out;
         return t.server_.therapists().UpdateTherapist(Ctx().get(), req, &out);
       }},
  };

  const std::string before = StoreSnapshot(server_);
  for (const BadCall& bad : calls) {
    SCOPED_TRACE(bad.name);
    const grpc::Status s = bad.call(*this);
    EXPECT_EQ(s.error_code(), bad.code) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(bad.names));
  }
  EXPECT_EQ(StoreSnapshot(server_), before);
}

TEST_F(ValidationTest, ARaceAtTheEndOfTimestampsIsRefusedAndStoresNothing) {
  auto race_at = [&](absl::CivilMinute utc, v1::AddEventResponse* out) {
    v1::AddEventRequest req;
    req.set_athlete_id(athlete_);
    req.set_name("Last Race");
    *req.mutable_start_time() = Ts(absl::FromCivil(utc, absl::UTCTimeZone()));
    return server_.athletes().AddRace(Ctx().get(), req, out);
  };
  const std::string before = StoreSnapshot(server_);
  v1::AddEventResponse out;
  const grpc::Status s = race_at(absl::CivilMinute(9999, 12, 31, 23, 59), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_EQ(s.error_message(),
            "start_time: must be between 2000-01-01 and 2100-01-01 UTC");
  EXPECT_EQ(StoreSnapshot(server_), before);

  // The last instant allowed: its end (three hours on) is still a valid
  // Timestamp, and reads back.
  ASSERT_TRUE(race_at(absl::CivilMinute(2100, 1, 1, 0, 0), &out).ok());
  v1::ListEventsRequest list;
  list.set_athlete_id(athlete_);
  v1::ListEventsResponse events;
  ASSERT_TRUE(server_.athletes().ListEvents(Ctx().get(), list, &events).ok());
  ASSERT_GE(events.events_size(), 1);
  const v1::Event& last = events.events(events.events_size() - 1);
  EXPECT_EQ(last.id(), out.event().id());
  EXPECT_EQ(FromTs(last.end_time()),
            absl::FromCivil(absl::CivilMinute(2100, 1, 1, 3, 0),
                            absl::UTCTimeZone()));
}

TEST_F(ValidationTest, UpdateTherapistChangesOnlyTheMaskedFields) {
  v1::UpdateTherapistRequest req;
  req.mutable_therapist()->set_id(therapist_);
  req.mutable_therapist()->set_display_name("Maya O.");
  req.mutable_update_mask()->add_paths("display_name");
  v1::Therapist out;
  ASSERT_TRUE(
      server_.therapists().UpdateTherapist(Ctx().get(), req, &out).ok());
  EXPECT_EQ(out.display_name(), "Maya O.");
  EXPECT_EQ(out.modalities_size(), 3);
  EXPECT_EQ(out.working_hours_size(), 6);
  EXPECT_EQ(out.turnover_buffer().seconds(), 15 * 60);
}

// AIP-134: an empty mask means the fields the request sets; "*" replaces
// the whole resource.
class UpdateMaskTest : public ValidationTest {
 protected:
  // A therapist with a 20 min buffer and a price.
  void SetUp() override {
    ValidationTest::SetUp();
    v1::UpdateTherapistRequest req;
    req.mutable_therapist()->set_id(therapist_);
    req.mutable_therapist()->mutable_turnover_buffer()->set_seconds(20 * 60);
    v1::ModalityPrice* price = req.mutable_therapist()->add_prices();
    price->set_modality(v1::SPORTS);
    price->set_price_cents(7000);
    ASSERT_TRUE(Update(req).ok());
  }

  grpc::Status Update(const v1::UpdateTherapistRequest& req,
                      v1::Therapist* out = nullptr) {
    v1::Therapist ignored;
    return server_.therapists().UpdateTherapist(Ctx().get(), req,
                                                out ? out : &ignored);
  }
};

TEST_F(UpdateMaskTest, EmptyMaskChangesOnlyTheFieldsTheRequestSets) {
  v1::UpdateTherapistRequest req;
  req.mutable_therapist()->set_id(therapist_);
  req.mutable_therapist()->set_display_name("Maya O.");
  v1::Therapist out;
  ASSERT_TRUE(Update(req, &out).ok());
  EXPECT_EQ(out.display_name(), "Maya O.");
  EXPECT_EQ(out.turnover_buffer().seconds(), 20 * 60);
  EXPECT_EQ(out.modalities_size(), 3);
  EXPECT_EQ(out.working_hours_size(), 6);
  ASSERT_EQ(out.prices_size(), 1);
  EXPECT_EQ(out.prices(0).price_cents(), 7000);

  v1::GetTherapistRequest get;
  get.set_id(therapist_);
  v1::Therapist stored;
  ASSERT_TRUE(
      server_.therapists().GetTherapist(Ctx().get(), get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), out.SerializeAsString());
}

TEST_F(UpdateMaskTest, StarReplacesEverythingAndUnsetMeansTheDefault) {
  v1::UpdateTherapistRequest req;
  req.mutable_therapist()->set_id(therapist_);
  req.mutable_therapist()->set_display_name("Maya O.");
  req.mutable_therapist()->add_modalities(v1::SPORTS);
  req.mutable_update_mask()->add_paths("*");
  v1::Therapist out;
  ASSERT_TRUE(Update(req, &out).ok());
  EXPECT_EQ(out.display_name(), "Maya O.");
  EXPECT_EQ(out.modalities_size(), 1);
  EXPECT_EQ(out.prices_size(), 0);
  EXPECT_EQ(out.working_hours_size(), 0);
  EXPECT_EQ(out.turnover_buffer().seconds(), 15 * 60);  // the clinic's
}

TEST_F(UpdateMaskTest, StarStillValidatesEveryField) {
  v1::UpdateTherapistRequest req;
  req.mutable_therapist()->set_id(therapist_);
  req.mutable_therapist()->set_display_name("Maya O.");
  req.mutable_update_mask()->add_paths("*");
  const std::string before = StoreSnapshot(server_);
  const grpc::Status s = Update(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("therapist.modalities"));
  EXPECT_EQ(StoreSnapshot(server_), before);
}

// Errors quote client input only as a short, escaped excerpt: a 7,000-byte
// path once made a 28 KB message, sent twice (message and details), that
// no client would take (RESOURCE_EXHAUSTED instead of the answer).
TEST_F(UpdateMaskTest, ALongUnknownPathIsQuotedShort) {
  const std::string before = StoreSnapshot(server_);
  v1::UpdateTherapistRequest req;
  req.mutable_therapist()->set_id(therapist_);
  req.mutable_therapist()->set_display_name("Maya O.");
  req.mutable_update_mask()->add_paths(std::string(7000, 'p'));
  grpc::Status s = Update(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message().substr(0, 200);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));
  EXPECT_THAT(s.error_message(),
              HasSubstr("\"" + std::string(40, 'p') + "...\""));
  EXPECT_LT(s.error_message().size(), 200u) << s.error_message();
  EXPECT_LT(s.error_details().size(), 600u);

  // Escaped, too: a path of right-to-left overrides.
  std::string overrides;
  for (int i = 0; i < 2000; ++i) overrides += "\u202E";
  req.mutable_update_mask()->set_paths(0, overrides);
  s = Update(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("\\xe2\\x80\\xae"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("\u202E")));
  EXPECT_LT(s.error_message().size(), 200u) << s.error_message();

  // An id, likewise.
  v1::GetTherapistRequest get;
  get.set_id(std::string(7000, '7'));
  v1::Therapist out;
  s = server_.therapists().GetTherapist(Ctx().get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message().substr(0, 200);
  EXPECT_THAT(s.error_message(),
              HasSubstr("id: \"" + std::string(40, '7') + "...\""));
  EXPECT_LT(s.error_message().size(), 200u) << s.error_message();
  EXPECT_EQ(StoreSnapshot(server_), before);
}

TEST(ClinicdFlagsTest, ListenNeedsHostAndPort) {
  TempDir dir;
  // --db below a plain file makes clinicd stop right after the flags it
  // checks first, --listen among them: a --listen that passed would end
  // in "--db: cannot create folder", never serve (e.g. on port 443).
  const std::string file = dir.path() + "/file";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  const std::string db = "--db=" + file + "/c.db";
  for (const std::string listen :
       {"127.0.0.1", "localhost", "127.0.0.1:", "127.0.0.1:http",
        "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80", "::1", "::1:50051",
        "[::1]", "[::1]:", "unix:/tmp/clinicd.sock", ""}) {
    SCOPED_TRACE(listen);
    std::string err;
    EXPECT_EQ(RunClinicdToExit({db, "--listen=" + listen}, &err), 2) << err;
    EXPECT_THAT(err, HasSubstr("--listen"));
    EXPECT_THAT(err, HasSubstr("is not HOST:PORT"));
  }
  for (const std::string listen :
       {"127.0.0.1:0", "localhost:65535", "[::1]:0"}) {
    SCOPED_TRACE(listen);
    std::string err;
    EXPECT_EQ(RunClinicdToExit({db, "--listen=" + listen}, &err), 2) << err;
    EXPECT_THAT(err, Not(HasSubstr("--listen")));
    EXPECT_THAT(err, HasSubstr("--db"));
  }
}

TEST(ClinicdFlagsTest, UnknownTimeZoneStopsWithAClearMessage) {
  TempDir dir;
  std::string err;
  EXPECT_EQ(RunClinicdToExit({"--db=" + dir.path() + "/c.db",
                              "--timezone=Mars/Olympus_Mons"},
                             &err),
            2);
  EXPECT_THAT(err, HasSubstr("--timezone"));
  EXPECT_THAT(err, HasSubstr("Mars/Olympus_Mons"));
}

TEST(ClinicdFlagsTest, BadRulesFileStopsWithTheLine) {
  TempDir dir;
  const std::string rules = dir.path() + "/rules.textproto";
  FILE* f = fopen(rules.c_str(), "w");
  fputs("min_notice { seconds: 7200 }\nmodalities { modality: PILATES }\n", f);
  fclose(f);
  std::string err;
  EXPECT_EQ(RunClinicdToExit(
                {"--db=" + dir.path() + "/c.db", "--rules=" + rules}, &err),
            2);
  EXPECT_THAT(err, HasSubstr("line 2"));
}

TEST(ClinicdFlagsTest, RulesFileOverridesTheDefaultsAndGetRulesShowsIt) {
  TempDir dir;
  const std::string rules = dir.path() + "/rules.textproto";
  FILE* f = fopen(rules.c_str(), "w");
  fputs(
      "modalities { modality: DEEP_TISSUE min_gap_before { seconds: 259200 } "
      "advised_gap_before { seconds: 345600 } }\n",
      f);
  fclose(f);
  ClinicdProcess server(dir.path() + "/c.db");
  std::string error;
  ASSERT_TRUE(
      server.Start({"--rules=" + rules, "--timezone=Europe/London"}, &error))
      << error;
  v1::RuleSet got;
  ASSERT_TRUE(server.bookings().GetRules(Ctx().get(), {}, &got).ok());
  EXPECT_EQ(got.time_zone(), "Europe/London");
  ASSERT_EQ(got.modalities_size(), 3);
  for (const v1::ModalityRule& r : got.modalities()) {
    if (r.modality() == v1::DEEP_TISSUE) {
      EXPECT_EQ(r.min_gap_before().seconds(), 72 * 3600);
      EXPECT_EQ(r.min_gap_after().seconds(), 24 * 3600);  // kept default
    }
    if (r.modality() == v1::ACTIVE_RELEASE) {
      EXPECT_TRUE(r.requires_active_injury());
    }
  }
}

}  // namespace
}  // namespace clinic::testing
