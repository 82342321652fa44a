// Several clinics in one deployment, through clinicd: ClinicService, each
// clinic's zone on its own DST dates, and an athlete whose sessions at
// every clinic count for the rules. Runs on both stores.
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/clinics.grpc.pb.h"
#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr int64_t kYearSeconds = 366 * 24 * 3600;

// The first transition of `zone` after now: the day it happens on.
absl::CivilDay NextChangeDay(const absl::TimeZone& zone) {
  absl::TimeZone::CivilTransition change;
  EXPECT_TRUE(zone.NextTransition(absl::Now(), &change));
  return absl::CivilDay(change.to);
}

// The ErrorInfo reason of `status`.
std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  for (const auto& any : rich.details()) {
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

// New York (the first clinic, from --timezone) and London (made through
// ClinicService); both book a year ahead, so that the DST changes of next
// spring are within reach.
class ClinicsTest : public ClinicdTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    const std::string rules = dir_.path() + "/rules.textproto";
    std::ofstream(rules) << "horizon { seconds: " << kYearSeconds << " }\n";
    return {"--rules=" + rules};
  }

  void SetUp() override {
    ClinicdTest::SetUp();
    clinics_ = v1::ClinicService::NewStub(server_.channel());
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_zone_));
    v1::CreateClinicRequest req;
    req.mutable_clinic()->set_display_name("London");
    req.mutable_clinic()->set_time_zone("Europe/London");
    req.mutable_clinic()->mutable_rules()->mutable_horizon()->set_seconds(
        kYearSeconds);
    v1::Clinic out;
    const grpc::Status s = clinics_->CreateClinic(Ctx().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    london_ = out.id();
  }

  // A therapist at `clinic` working 09:00-18:00 every day, local time.
  std::string TherapistAt(const std::string& clinic, const std::string& name) {
    v1::CreateTherapistRequest req;
    v1::Therapist* t = req.mutable_therapist();
    t->set_display_name(name);
    t->set_clinic_id(clinic);
    for (v1::Modality m : {v1::DEEP_TISSUE, v1::SPORTS}) t->add_modalities(m);
    for (int day = v1::MONDAY; day <= v1::SUNDAY; ++day) {
      v1::WorkingHours* h = t->add_working_hours();
      h->set_day(static_cast<v1::DayOfWeek>(day));
      h->mutable_start()->set_hours(9);
      h->mutable_end()->set_hours(18);
    }
    v1::Therapist out;
    const grpc::Status s =
        server_.therapists().CreateTherapist(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.clinic_id(), clinic);
    return out.id();
  }

  // The first sports slot of `therapist` on `day` of `zone`.
  absl::Time FirstSlot(const std::string& therapist, absl::CivilDay day,
                       const absl::TimeZone& zone) {
    v1::ListAvailableSlotsRequest req;
    req.set_therapist_id(therapist);
    req.set_modality(v1::SPORTS);
    *req.mutable_start_time() = Ts(absl::FromCivil(day, zone));
    *req.mutable_end_time() = Ts(absl::FromCivil(day + 1, zone));
    v1::ListAvailableSlotsResponse out;
    const grpc::Status s =
        server_.bookings().ListAvailableSlots(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (out.slots().empty()) return absl::InfinitePast();
    return FromTs(out.slots(0).start_time());
  }

  std::unique_ptr<v1::ClinicService::Stub> clinics_;
  absl::TimeZone london_zone_;
  std::string london_;
};

TEST_F(ClinicsTest, ClinicsAreListedWithTheirZoneAndRulesAndAudited) {
  v1::ListClinicsResponse list;
  ASSERT_TRUE(clinics_->ListClinics(Ctx().get(), {}, &list).ok());
  ASSERT_THAT(list.clinics(), SizeIs(2));
  EXPECT_EQ(list.clinics(0).time_zone(), "America/New_York");
  EXPECT_EQ(list.clinics(1).id(), london_);

  v1::GetClinicRequest get;
  get.set_id(london_);
  v1::Clinic london;
  ASSERT_TRUE(clinics_->GetClinic(Ctx().get(), get, &london).ok());
  EXPECT_EQ(london.display_name(), "London");
  EXPECT_EQ(london.rules().time_zone(), "Europe/London");
  EXPECT_EQ(london.rules().horizon().seconds(), kYearSeconds);
  EXPECT_THAT(london.rules().modalities(), SizeIs(3));  // RULES.md's

  v1::GetRulesRequest rules_req;
  rules_req.set_clinic_id(london_);
  v1::RuleSet rules;
  ASSERT_TRUE(server_.bookings().GetRules(Ctx().get(), rules_req, &rules).ok());
  EXPECT_EQ(rules.time_zone(), "Europe/London");
  // With two clinics, which one must be said.
  EXPECT_EQ(server_.bookings().GetRules(Ctx().get(), {}, &rules).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListAuditEventsRequest audit;
  audit.set_target(london_);
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(v1::UserService::NewStub(server_.channel())
                  ->ListAuditEvents(Ctx().get(), audit, &events)
                  .ok());
  ASSERT_THAT(events.events(), SizeIs(1));
  EXPECT_EQ(events.events(0).action(), "clinic.create");
}

TEST_F(ClinicsTest, ABadClinicIsRefusedNamingTheFieldAndNothingIsMade) {
  v1::CreateClinicRequest req;
  req.mutable_clinic()->set_display_name("Paris");
  req.mutable_clinic()->set_time_zone("Europe/Atlantis");
  v1::Clinic out;
  grpc::Status s = clinics_->CreateClinic(Ctx().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("clinic.time_zone"));
  req.mutable_clinic()->set_time_zone("Europe/Paris");
  req.mutable_clinic()->set_display_name("");
  s = clinics_->CreateClinic(Ctx().get(), req, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("clinic.display_name"));

  v1::ListClinicsResponse list;
  ASSERT_TRUE(clinics_->ListClinics(Ctx().get(), {}, &list).ok());
  EXPECT_THAT(list.clinics(), SizeIs(2));
  // A therapist must say which clinic once there are several.
  v1::CreateTherapistRequest therapist;
  therapist.mutable_therapist()->set_display_name("Nowhere");
  therapist.mutable_therapist()->add_modalities(v1::SPORTS);
  v1::Therapist made;
  s = server_.therapists().CreateTherapist(Ctx().get(), therapist, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("therapist.clinic_id"));
}

TEST_F(ClinicsTest, EachClinicsSlotsFollowItsOwnDstChanges) {
  const std::string ny_clinic = "cl_1";
  const std::string maya = TherapistAt(ny_clinic, "Maya Okafor");
  const std::string ana = TherapistAt(london_, "Ana Reyes");
  const absl::CivilDay us_change = NextChangeDay(zone_);
  const absl::CivilDay eu_change = NextChangeDay(london_zone_);
  ASSERT_NE(us_change, eu_change);  // the two sides change on other dates

  // On each clinic's own change day the first slot is 09:00 there.
  EXPECT_EQ(FirstSlot(maya, us_change, zone_),
            absl::FromCivil(absl::CivilHour(us_change) + 9, zone_));
  EXPECT_EQ(FirstSlot(ana, eu_change, london_zone_),
            absl::FromCivil(absl::CivilHour(eu_change) + 9, london_zone_));

  // A day between the two changes: both open at 09:00 local, 4 hours
  // apart instead of the usual 5.
  const absl::CivilDay between = std::min(us_change, eu_change) + 1;
  const absl::Time ny_nine = FirstSlot(maya, between, zone_);
  const absl::Time london_nine = FirstSlot(ana, between, london_zone_);
  EXPECT_EQ(ny_nine, absl::FromCivil(absl::CivilHour(between) + 9, zone_));
  EXPECT_EQ(ny_nine - london_nine, absl::Hours(4));
  const absl::CivilDay after = std::max(us_change, eu_change) + 1;
  EXPECT_EQ(FirstSlot(maya, after, zone_) - FirstSlot(ana, after, london_zone_),
            absl::Hours(5));
}

TEST_F(ClinicsTest, AnAthletesSessionsAtEveryClinicCountForTheRules) {
  const std::string maya = TherapistAt("cl_1", "Maya Okafor");
  const std::string ana = TherapistAt(london_, "Ana Reyes");
  const std::string jane = AddAthlete();
  const absl::CivilDay sunday = RaceSunday();
  AddEvent(jane, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));

  // Booked in New York at 11:00; the same instant in London is taken.
  v1::ReserveSlotResponse out;
  const absl::Time ny = Local(sunday - 5, 11);
  ASSERT_TRUE(Reserve(Spec(jane, maya, v1::SPORTS, ny), &out).ok());
  grpc::Status s = Reserve(Spec(jane, ana, v1::SPORTS, ny), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(RuleIds(RejectionOf(s).violations()),
              ElementsAre("ATHLETE_BUSY"));

  // Deep tissue in London the Friday before the race: the rejection names
  // the race, with times in London's zone.
  const absl::Time friday = absl::FromCivil(
      absl::CivilHour(absl::CivilDay(sunday - 2)) + 16, london_zone_);
  s = Reserve(Spec(jane, ana, v1::DEEP_TISSUE, friday), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const v1::BookingRejection rejection = RejectionOf(s);
  EXPECT_THAT(RuleIds(rejection.violations()), ElementsAre("GAP_BEFORE_EVENT"));
  EXPECT_THAT(s.error_message(), HasSubstr("Broad Street Run"));
  EXPECT_THAT(
      s.error_message(),
      HasSubstr(absl::FormatTime("%H:%M %Z", Local(sunday, 7), london_zone_)));

  // Deep tissue in New York, then in London a week later: the cadence
  // warning counts the New York session.
  const absl::Time ny_deep = Local(sunday + 3, 11);
  ASSERT_TRUE(Reserve(Spec(jane, maya, v1::DEEP_TISSUE, ny_deep), &out).ok());
  ASSERT_TRUE(
      Reserve(Spec(jane, ana, v1::DEEP_TISSUE, ny_deep + absl::Hours(24 * 7)),
              &out)
          .ok());
  EXPECT_THAT(RuleIds(out.warnings()), Contains("CADENCE"));
}

TEST_F(ClinicsTest, AZoneChangeWaitsForTheClinicsSessionsButRulesDoNot) {
  const std::string ana = TherapistAt(london_, "Ana Reyes");
  const std::string jane = AddAthlete();
  v1::ReserveSlotResponse booked;
  const absl::Time at = absl::FromCivil(
      absl::CivilHour(absl::ToCivilDay(absl::Now(), london_zone_) + 3) + 10,
      london_zone_);
  ASSERT_TRUE(Reserve(Spec(jane, ana, v1::SPORTS, at), &booked).ok());

  v1::UpdateClinicRequest req;
  req.mutable_clinic()->set_id(london_);
  req.mutable_clinic()->set_time_zone("Europe/Paris");
  v1::Clinic out;
  grpc::Status s = clinics_->UpdateClinic(Ctx().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("1 session"));
  EXPECT_EQ(ReasonOf(s), "CLINIC_HAS_SESSIONS");

  // New rules apply at once, without a restart, to this clinic only.
  req.mutable_clinic()->clear_time_zone();
  req.mutable_clinic()->mutable_rules()->mutable_min_notice()->set_seconds(
      48 * 3600);
  s = clinics_->UpdateClinic(Ctx().get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.time_zone(), "Europe/London");
  EXPECT_EQ(out.rules().min_notice().seconds(), 48 * 3600);
  EXPECT_EQ(out.rules().horizon().seconds(), kYearSeconds);  // kept
  const absl::Time tomorrow = at - absl::Hours(48);
  s = Reserve(Spec(jane, ana, v1::SPORTS, tomorrow), &booked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(RuleIds(RejectionOf(s).violations()), ElementsAre("TOO_SOON"));
}

// A user with `clinics` granted and a token of theirs.
struct Member {
  std::string user_id;
  std::string token;
};

Member NewMember(ClinicdProcess& server, v1::Role role,
                 const std::vector<std::string>& clinics,
                 std::vector<v1::Role> granted = {}) {
  auto users = v1::UserService::NewStub(server.channel());
  v1::CreateUserRequest make;
  make.mutable_user()->set_display_name("Member");
  make.mutable_user()->set_role(role);
  for (v1::Role r : granted) make.mutable_user()->add_granted_roles(r);
  for (const std::string& c : clinics) make.mutable_user()->add_clinic_ids(c);
  v1::User user;
  grpc::Status s = users->CreateUser(Ctx().get(), make, &user);
  EXPECT_TRUE(s.ok()) << s.error_message();
  v1::CreateTokenRequest req;
  req.set_user_id(user.id());
  v1::CreateTokenResponse token;
  s = users->CreateToken(Ctx().get(), req, &token);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {user.id(), token.secret()};
}

std::unique_ptr<grpc::ClientContext> As(const Member& m) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(20));
  ctx->AddMetadata("authorization", "Bearer " + m.token);
  return ctx;
}

// Staff of New York and of London, a service granted both, and a session at
// each clinic for one athlete.
class ClinicScopeTest : public ClinicsTest {
 protected:
  void SetUp() override {
    ClinicsTest::SetUp();
    if (HasFatalFailure()) return;
    ny_staff_ = NewMember(server_, v1::STAFF, {"cl_1"});
    london_staff_ = NewMember(server_, v1::STAFF, {london_});
    both_ = NewMember(server_, v1::SERVICE, {"cl_1", london_}, {v1::STAFF});
    maya_ = TherapistAt("cl_1", "Maya Okafor");
    ana_ = TherapistAt(london_, "Ana Reyes");
    jane_ = AddAthlete();
    const absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone_) + 3;
    ny_at_ = Local(day, 10);
    v1::ReserveSlotResponse out;
    ASSERT_TRUE(Reserve(Spec(jane_, maya_, v1::SPORTS, ny_at_), &out).ok());
    ny_booking_ = out.booking().id();
    ASSERT_TRUE(
        Reserve(Spec(jane_, ana_, v1::SPORTS, ny_at_ - absl::Hours(3)), &out)
            .ok());
    london_booking_ = out.booking().id();
  }

  Member ny_staff_, london_staff_, both_;
  std::string maya_, ana_, jane_, ny_booking_, london_booking_;
  absl::Time ny_at_;
};

TEST_F(ClinicScopeTest,
       StaffOfOneClinicCannotReadOrTouchTheOthersAndNothingChanges) {
  const std::string before = StoreSnapshot(server_);
  std::vector<std::pair<std::string, grpc::Status>> calls;
  auto call = [&](const std::string& what, grpc::Status s) {
    calls.emplace_back(what, std::move(s));
  };
  v1::GetTherapistRequest get_therapist;
  get_therapist.set_id(ana_);
  v1::Therapist therapist;
  call("GetTherapist", server_.therapists().GetTherapist(
                           As(ny_staff_).get(), get_therapist, &therapist));
  v1::UpdateTherapistRequest update;
  update.mutable_therapist()->set_id(ana_);
  update.mutable_therapist()->set_display_name("Renamed");
  call("UpdateTherapist", server_.therapists().UpdateTherapist(
                              As(ny_staff_).get(), update, &therapist));
  v1::AddTimeOffRequest off;
  off.set_therapist_id(ana_);
  *off.mutable_time_off()->mutable_start_time() = Ts(ny_at_ + absl::Hours(48));
  *off.mutable_time_off()->mutable_end_time() = Ts(ny_at_ + absl::Hours(50));
  v1::TimeOff made_off;
  call("AddTimeOff",
       server_.therapists().AddTimeOff(As(ny_staff_).get(), off, &made_off));
  v1::ListTherapistsRequest list_therapists;
  list_therapists.set_clinic_id(london_);
  v1::ListTherapistsResponse therapists;
  call("ListTherapists",
       server_.therapists().ListTherapists(As(ny_staff_).get(), list_therapists,
                                           &therapists));
  v1::GetBookingRequest get_booking;
  get_booking.set_booking_id(london_booking_);
  v1::Booking booking;
  call("GetBooking", server_.bookings().GetBooking(As(ny_staff_).get(),
                                                   get_booking, &booking));
  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(london_booking_);
  call("CancelBooking",
       server_.bookings().CancelBooking(As(ny_staff_).get(), cancel, &booking));
  v1::RescheduleBookingRequest reschedule;
  reschedule.set_booking_id(london_booking_);
  *reschedule.mutable_start_time() = Ts(ny_at_ + absl::Hours(4));
  v1::ReserveSlotResponse reserved;
  call("RescheduleBooking", server_.bookings().RescheduleBooking(
                                As(ny_staff_).get(), reschedule, &reserved));
  v1::ReserveSlotRequest reserve;
  *reserve.mutable_session() =
      Spec(jane_, ana_, v1::SPORTS, ny_at_ + absl::Hours(26));
  call("ReserveSlot",
       server_.bookings().ReserveSlot(As(ny_staff_).get(), reserve, &reserved));
  v1::CheckBookingRequest check;
  *check.mutable_session() = reserve.session();
  v1::CheckBookingResponse checked;
  call("CheckBooking",
       server_.bookings().CheckBooking(As(ny_staff_).get(), check, &checked));
  v1::ListBookingsRequest list_bookings;
  list_bookings.set_clinic_id(london_);
  v1::ListBookingsResponse bookings;
  call("ListBookings", server_.bookings().ListBookings(
                           As(ny_staff_).get(), list_bookings, &bookings));
  v1::ListAvailableSlotsRequest slots;
  slots.set_therapist_id(ana_);
  v1::ListAvailableSlotsResponse free;
  call("ListAvailableSlots", server_.bookings().ListAvailableSlots(
                                 As(ny_staff_).get(), slots, &free));
  auto users = v1::UserService::NewStub(server_.channel());
  v1::ListAuditEventsRequest audit;
  audit.set_target(london_booking_);
  v1::ListAuditEventsResponse events;
  call("ListAuditEvents",
       users->ListAuditEvents(As(ny_staff_).get(), audit, &events));
  call("ListAuditEvents (whole log)",
       users->ListAuditEvents(As(ny_staff_).get(), {}, &events));
  v1::UpdateClinicRequest rename;
  rename.mutable_clinic()->set_id("cl_1");
  rename.mutable_clinic()->set_display_name("Ours");
  v1::Clinic clinic;
  call("UpdateClinic",
       clinics_->UpdateClinic(As(ny_staff_).get(), rename, &clinic));

  for (const auto& [what, s] : calls) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << what << ": " << s.error_message();
  }
  EXPECT_THAT(calls[0].second.error_message(), HasSubstr(london_));
  EXPECT_EQ(StoreSnapshot(server_), before);

  // Their own clinic's, they see: a list without a clinic is theirs.
  list_bookings.clear_clinic_id();
  ASSERT_TRUE(server_.bookings()
                  .ListBookings(As(ny_staff_).get(), list_bookings, &bookings)
                  .ok());
  ASSERT_THAT(bookings.bookings(), SizeIs(1));
  EXPECT_EQ(bookings.bookings(0).id(), ny_booking_);
}

TEST_F(ClinicScopeTest, AServiceGrantedBothClinicsSeesBoth) {
  for (const std::string& id : {ny_booking_, london_booking_}) {
    v1::GetBookingRequest req;
    req.set_booking_id(id);
    v1::Booking b;
    const grpc::Status s =
        server_.bookings().GetBooking(As(both_).get(), req, &b);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  }
  for (const std::string& clinic : {std::string("cl_1"), london_}) {
    v1::ListBookingsRequest req;
    req.set_clinic_id(clinic);
    v1::ListBookingsResponse out;
    ASSERT_TRUE(
        server_.bookings().ListBookings(As(both_).get(), req, &out).ok());
    EXPECT_THAT(out.bookings(), SizeIs(1)) << clinic;
  }
  // Which of the two a list is about must be said.
  v1::ListBookingsResponse out;
  EXPECT_EQ(
      server_.bookings().ListBookings(As(both_).get(), {}, &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ClinicScopeTest,
       AConflictAtAClinicOutOfReachNamesNeitherSessionNorClinic) {
  // London's staff book the athlete in London when she is in New York.
  v1::ReserveSlotRequest req;
  *req.mutable_session() = Spec(jane_, ana_, v1::SPORTS, ny_at_);
  v1::ReserveSlotResponse out;
  grpc::Status s =
      server_.bookings().ReserveSlot(As(london_staff_).get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::BookingRejection rejection = RejectionOf(s);
  ASSERT_THAT(RuleIds(rejection.violations()), ElementsAre("ATHLETE_BUSY"));
  EXPECT_EQ(rejection.violations(0).booking_id(), "");
  EXPECT_THAT(s.error_message(), Not(HasSubstr(ny_booking_)));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("cl_1")));
  // A platform admin is told which session it is.
  s = server_.bookings().ReserveSlot(Ctx().get(), req, &out);
  rejection = RejectionOf(s);
  ASSERT_THAT(rejection.violations(), SizeIs(1));
  EXPECT_EQ(rejection.violations(0).booking_id(), ny_booking_);
}

// --- Upgrading a store of the one-clinic version. ---

// Rewinds the stopped `server`'s store (SQLite file `path`, or its
// PostgreSQL database) to what the one-clinic version left: no clinics,
// its zone and rules in the settings.
void RewindToOneClinic(const ClinicdProcess& server, const std::string& path) {
  constexpr char kSettings[] =
      "INSERT INTO settings VALUES ('time_zone', 'Europe/London'), "
      "('rules', 'min_notice { seconds: 7200 }');";
  if (server.database() != nullptr) {
    ASSERT_TRUE(server.database()
                    ->Query(absl::StrCat(
                        "DROP TABLE user_clinics; ALTER TABLE bookings DROP "
                        "COLUMN clinic_id; ALTER TABLE therapists DROP COLUMN "
                        "clinic_id; DROP TABLE clinics; ",
                        kSettings, "UPDATE clinic_schema SET version = 1"))
                    .ok());
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = absl::StrCat(
      "DROP TABLE user_clinics; DROP INDEX therapists_by_clinic; ALTER TABLE "
      "therapists DROP COLUMN clinic_id; DROP INDEX bookings_by_clinic; "
      "ALTER TABLE bookings DROP COLUMN clinic_id; DROP TABLE clinics; ",
      kSettings, "PRAGMA user_version = 5;");
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(UpgradeTest, AOneClinicStoreServesOnAsItsFirstClinic) {
  TempDir dir;
  const std::string path = dir.path() + "/clinic.db";
  ClinicdProcess server(path);
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  v1::CreateTherapistRequest therapist;
  therapist.mutable_therapist()->set_display_name("Maya Okafor");
  therapist.mutable_therapist()->add_modalities(v1::SPORTS);
  v1::Therapist maya;
  ASSERT_TRUE(
      server.therapists().CreateTherapist(Ctx().get(), therapist, &maya).ok());
  const Member desk = NewMember(server, v1::STAFF, {});
  server.Stop();

  RewindToOneClinic(server, path);
  ASSERT_TRUE(server.Start({}, &error)) << error;
  v1::ListClinicsResponse clinics;
  ASSERT_TRUE(v1::ClinicService::NewStub(server.channel())
                  ->ListClinics(Ctx().get(), {}, &clinics)
                  .ok());
  ASSERT_THAT(clinics.clinics(), SizeIs(1));
  EXPECT_EQ(clinics.clinics(0).id(), "cl_1");
  EXPECT_EQ(clinics.clinics(0).time_zone(), "Europe/London");
  EXPECT_EQ(clinics.clinics(0).rules().min_notice().seconds(), 7200);
  // The therapist, same id, at it; the staff member's token works there.
  v1::GetTherapistRequest get;
  get.set_id(maya.id());
  v1::Therapist again;
  grpc::Status s =
      server.therapists().GetTherapist(As(desk).get(), get, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.clinic_id(), "cl_1");
  v1::WhoAmIResponse me;
  ASSERT_TRUE(v1::UserService::NewStub(server.channel())
                  ->WhoAmI(As(desk).get(), {}, &me)
                  .ok());
  EXPECT_THAT(me.user().clinic_ids(), ElementsAre("cl_1"));
}

}  // namespace
}  // namespace clinic::testing
