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
      {"empty athlete name", grpc::StatusCode::INVALID_ARGUMENT,
       "athlete.display_name",
       [](ValidationTest& t) {
         v1::CreateAthleteRequest req;
         v1::Athlete out;
         return t.server_.athletes().CreateAthlete(Ctx().get(), req, &out);
       }},
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
