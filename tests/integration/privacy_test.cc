// What athletes and therapists may not learn about each other.
#include <memory>
#include <string>

#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

class PrivacyTest : public ClinicdTest {
 protected:
  // A token of a new user with `role`, linked to `athlete` or `therapist`.
  std::string TokenFor(v1::Role role, const std::string& athlete,
                       const std::string& therapist) {
    auto users = v1::UserService::NewStub(server_.channel());
    v1::CreateUserRequest add;
    add.mutable_user()->set_display_name("someone");
    add.mutable_user()->set_role(role);
    add.mutable_user()->set_athlete_id(athlete);
    add.mutable_user()->set_therapist_id(therapist);
    v1::User user;
    EXPECT_TRUE(users->CreateUser(Ctx().get(), add, &user).ok());
    v1::CreateTokenRequest create;
    create.set_user_id(user.id());
    v1::CreateTokenResponse token;
    EXPECT_TRUE(users->CreateToken(Ctx().get(), create, &token).ok());
    return token.secret();
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    Authorize(*ctx, token);
    return ctx;
  }
};

TEST_F(PrivacyTest, OnlyStaffAndTheTherapistSeeWhyTheTherapistIsOff) {
  const std::string maya = AddTherapist();
  const std::string jordan = AddAthlete();
  v1::AddTimeOffRequest off;
  off.set_therapist_id(maya);
  *off.mutable_time_off()->mutable_start_time() =
      Ts(Local(RaceSunday() + 1, 9));
  *off.mutable_time_off()->mutable_end_time() = Ts(Local(RaceSunday() + 1, 12));
  off.mutable_time_off()->set_reason("dentist");
  v1::TimeOff added;
  ASSERT_TRUE(server_.therapists().AddTimeOff(Ctx().get(), off, &added).ok());

  v1::GetTherapistRequest get;
  get.set_id(maya);
  auto reason_seen_by = [&](const std::string& token) {
    v1::Therapist t;
    const grpc::Status s =
        server_.therapists().GetTherapist(As(token).get(), get, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(t.time_off_size(), 1);
    EXPECT_EQ(t.time_off(0).start_time().seconds(),
              added.start_time().seconds());
    return t.time_off(0).reason();
  };
  EXPECT_EQ(reason_seen_by(kAdminToken), "dentist");
  EXPECT_EQ(reason_seen_by(TokenFor(v1::THERAPIST, "", maya)), "dentist");
  EXPECT_EQ(reason_seen_by(TokenFor(v1::ATHLETE, jordan, "")), "");
}

TEST_F(PrivacyTest, ARejectionInTimeOffDoesNotTellAnAthleteWhy) {
  const std::string maya = AddTherapist();
  const std::string jordan = AddAthlete();
  const absl::CivilDay monday = RaceSunday() + 1;
  const std::string kReason = "private medical reason";
  v1::AddTimeOffRequest off;
  off.set_therapist_id(maya);
  *off.mutable_time_off()->mutable_start_time() = Ts(Local(monday, 9));
  *off.mutable_time_off()->mutable_end_time() = Ts(Local(monday, 12));
  off.mutable_time_off()->set_reason(kReason);
  v1::TimeOff added;
  ASSERT_TRUE(server_.therapists().AddTimeOff(Ctx().get(), off, &added).ok());
  const std::string jordan_token = TokenFor(v1::ATHLETE, jordan, "");
  const v1::SessionSpec spec =
      Spec(jordan, maya, v1::SPORTS, Local(monday, 10));

  v1::CheckBookingRequest check;
  *check.mutable_session() = spec;
  v1::CheckBookingResponse checked;
  const grpc::Status c =
      server_.bookings().CheckBooking(As(jordan_token).get(), check, &checked);
  ASSERT_TRUE(c.ok()) << c.error_message();
  EXPECT_FALSE(checked.allowed());
  EXPECT_THAT(RuleIds(checked.violations()),
              ::testing::Contains("THERAPIST_TIME_OFF"));
  EXPECT_THAT(checked.message(), ::testing::HasSubstr("time off"));
  EXPECT_THAT(checked.SerializeAsString(),
              ::testing::Not(::testing::HasSubstr(kReason)));

  v1::ReserveSlotRequest reserve;
  *reserve.mutable_session() = spec;
  v1::ReserveSlotResponse reserved;
  const grpc::Status r = server_.bookings().ReserveSlot(As(jordan_token).get(),
                                                        reserve, &reserved);
  ASSERT_EQ(r.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << r.error_message();
  EXPECT_THAT(RuleIds(RejectionOf(r).violations()),
              ::testing::Contains("THERAPIST_TIME_OFF"));
  EXPECT_THAT(r.error_message(), ::testing::HasSubstr("time off"));
  EXPECT_THAT(r.error_message(), ::testing::Not(::testing::HasSubstr(kReason)));
  EXPECT_THAT(r.error_details(), ::testing::Not(::testing::HasSubstr(kReason)));
}

TEST_F(PrivacyTest, RequestIdsAreEachAthletesOwn) {
  const std::string maya = AddTherapist();
  const std::string jordan = AddAthlete("Jordan");
  const std::string alex = AddAthlete("Alex");
  const std::string jordan_token = TokenFor(v1::ATHLETE, jordan, "");
  const std::string alex_token = TokenFor(v1::ATHLETE, alex, "");
  const absl::CivilDay wednesday = RaceSunday() - 4;
  auto reserve = [&](const std::string& token, const v1::SessionSpec& spec,
                     v1::ReserveSlotResponse* out) {
    v1::ReserveSlotRequest req;
    req.set_request_id("booking-1");
    *req.mutable_session() = spec;
    return server_.bookings().ReserveSlot(As(token).get(), req, out);
  };

  v1::ReserveSlotResponse jordans;
  const v1::SessionSpec jordan_spec =
      Spec(jordan, maya, v1::SPORTS, Local(wednesday, 10));
  ASSERT_TRUE(reserve(jordan_token, jordan_spec, &jordans).ok());
  const std::string jordans_id = jordans.booking().id();

  // Alex's "booking-1" is Alex's own key: a booking of Alex's, and no word
  // of Jordan's.
  v1::ReserveSlotResponse alexs;
  const v1::SessionSpec alex_spec =
      Spec(alex, maya, v1::SPORTS, Local(wednesday, 14));
  grpc::Status s = reserve(alex_token, alex_spec, &alexs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string alexs_id = alexs.booking().id();
  EXPECT_NE(alexs_id, jordans_id);
  EXPECT_EQ(alexs.booking().athlete_id(), alex);
  EXPECT_EQ(alexs.booking().request_id(), "booking-1");

  // Each one's retry returns their own booking...
  v1::ReserveSlotResponse again;
  ASSERT_TRUE(reserve(alex_token, alex_spec, &again).ok());
  EXPECT_EQ(again.booking().id(), alexs_id);
  ASSERT_TRUE(reserve(jordan_token, jordan_spec, &again).ok());
  EXPECT_EQ(again.booking().id(), jordans_id);

  // ...and reusing the key for another session names only their own.
  s = reserve(alex_token, Spec(alex, maya, v1::SPORTS, Local(wednesday, 16)),
              &again);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(),
              ::testing::HasSubstr("booking " + alexs_id + ","));
  ASSERT_THAT(alexs_id, ::testing::Not(::testing::HasSubstr(jordans_id)));
  EXPECT_THAT(s.error_message(),
              ::testing::Not(::testing::HasSubstr(jordans_id)));
  EXPECT_THAT(s.error_details(),
              ::testing::Not(::testing::HasSubstr(jordans_id)));
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      EXPECT_EQ(info.reason(), "REQUEST_ID_REUSED");
      EXPECT_EQ(info.metadata().at("booking"), alexs_id);
    }
  }
  EXPECT_EQ(ListBookings().size(), 2u);
}

TEST_F(PrivacyTest, ACancelledSessionEndsTheTherapistsAccessToTheAthlete) {
  const std::string maya = AddTherapist();
  const std::string jordan = AddAthlete();
  const std::string maya_token = TokenFor(v1::THERAPIST, "", maya);
  v1::GetAthleteRequest get;
  get.set_id(jordan);
  v1::Athlete seen;
  EXPECT_EQ(server_.athletes()
                .GetAthlete(As(maya_token).get(), get, &seen)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(jordan, maya, v1::SPORTS, Local(RaceSunday() - 4, 10)),
              &booked)
          .ok());
  EXPECT_TRUE(
      server_.athletes().GetAthlete(As(maya_token).get(), get, &seen).ok());

  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(booked.booking().id());
  v1::Booking cancelled;
  ASSERT_TRUE(
      server_.bookings().CancelBooking(Ctx().get(), cancel, &cancelled).ok());
  EXPECT_EQ(server_.athletes()
                .GetAthlete(As(maya_token).get(), get, &seen)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace clinic::testing
