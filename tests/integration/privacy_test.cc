// What athletes and therapists may not learn about each other.
#include <memory>
#include <string>

#include "clinic/v1/users.grpc.pb.h"
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
