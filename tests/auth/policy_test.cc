#include "services/auth/policy.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "clinic/v1/athletes.pb.h"
#include "clinic/v1/bookings.pb.h"
#include "clinic/v1/clinics.pb.h"
#include "clinic/v1/therapists.pb.h"
#include "clinic/v1/users.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace clinic::auth {
namespace {

using ::clinic::testing::StatusIs;
using ::testing::HasSubstr;

core::User UserWith(Role role, std::vector<Role> granted = {}) {
  core::User u;
  u.id = 7;
  u.role = role;
  u.granted = std::move(granted);
  return u;
}

TEST(PolicyTest, NamesEveryMethodOfTheApiAndNothingElse) {
  std::set<std::string> api;
  // Each proto file's services, reached through one of its messages so the
  // file is linked in.
  for (const google::protobuf::FileDescriptor* file :
       {v1::Clinic::descriptor()->file(), v1::Therapist::descriptor()->file(),
        v1::Athlete::descriptor()->file(), v1::Booking::descriptor()->file(),
        v1::User::descriptor()->file()}) {
    ASSERT_EQ(file->service_count(), 1) << file->name();
    const google::protobuf::ServiceDescriptor* d = file->service(0);
    for (int i = 0; i < d->method_count(); ++i) {
      api.insert(d->full_name() + "/" + d->method(i)->name());
    }
  }
  EXPECT_EQ(api.size(), 36u);
  const std::vector<std::string> methods = PolicyMethods();
  EXPECT_EQ(std::set<std::string>(methods.begin(), methods.end()), api);
  EXPECT_EQ(methods.size(), api.size()) << "a method is named twice";
}

TEST(PolicyTest, UnknownMethodsAreForEveryoneDenied) {
  EXPECT_FALSE(RolesFor("clinic.v1.BookingService/DropEverything"));
  EXPECT_FALSE(RolesFor(""));
}

TEST(PolicyTest, AdminActsAsStaffAndServicesAsTheirGrants) {
  EXPECT_TRUE(EffectiveRoles(UserWith(Role::kAdmin)).Has(Role::kStaff));
  EXPECT_FALSE(EffectiveRoles(UserWith(Role::kStaff)).Has(Role::kAdmin));
  const Roles service =
      EffectiveRoles(UserWith(Role::kService, {Role::kAthlete}));
  EXPECT_TRUE(service.Has(Role::kAthlete));
  EXPECT_FALSE(service.Has(Role::kService));
  EXPECT_FALSE(service.Has(Role::kStaff));
}

TEST(PolicyTest, TheTableReadsAsTheClinicExpects) {
  const Roles reserve = *RolesFor("clinic.v1.BookingService/ReserveSlot");
  EXPECT_TRUE(reserve.Has(Role::kStaff));
  EXPECT_TRUE(reserve.Has(Role::kAthlete));
  EXPECT_FALSE(reserve.Has(Role::kTherapist)) << "therapists cannot book";
  const Roles create_user = *RolesFor("clinic.v1.UserService/CreateUser");
  EXPECT_TRUE(create_user.Has(Role::kAdmin));
  EXPECT_FALSE(create_user.Has(Role::kStaff));
  EXPECT_TRUE(
      RolesFor("clinic.v1.UserService/ListAuditEvents")->Has(Role::kStaff));
  EXPECT_FALSE(
      RolesFor("clinic.v1.AthleteService/ListAthletes")->Has(Role::kAthlete));
}

TEST(CallerTest, AthletesActOnlyForThemselves) {
  core::User athlete = UserWith(Role::kAthlete);
  athlete.athlete_id = 3;
  const Caller caller(athlete, core::Token{},
                      "clinic.v1.BookingService/ReserveSlot");
  EXPECT_FALSE(caller.staff());
  EXPECT_EQ(caller.athlete(), 3);
  EXPECT_EQ(caller.therapist(), std::nullopt);
  EXPECT_TRUE(caller.ForAthlete(3).ok());
  EXPECT_THAT(caller.ForAthlete(4),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "role ATHLETE may not call "
                       "clinic.v1.BookingService/ReserveSlot for athlete "
                       "ath_4"));
  const Caller staff(UserWith(Role::kStaff), core::Token{}, "m");
  EXPECT_TRUE(staff.ForAthlete(4).ok());
}

TEST(CallerTest, DeniedNamesAServicesGrants) {
  const Caller caller(
      UserWith(Role::kService, {Role::kAthlete, Role::kTherapist}),
      core::Token{}, "clinic.v1.UserService/CreateUser");
  EXPECT_THAT(caller.Denied(""),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "role SERVICE (granted ATHLETE, THERAPIST) may not call "
                       "clinic.v1.UserService/CreateUser"));
}

}  // namespace
}  // namespace clinic::auth
