// A fixture running one real clinicd (America/New_York) with a fresh SQLite
// file, and small helpers that call it.
#ifndef CLINIC_TESTS_INTEGRATION_CLINICD_TEST_BASE_H_
#define CLINIC_TESTS_INTEGRATION_CLINICD_TEST_BASE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clinic/v1/bookings.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_process.h"

namespace clinic::testing {

inline std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(20));
  Authorize(*ctx);
  return ctx;
}

inline google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

inline absl::Time FromTs(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds());
}

// The BookingRejection in the details of a rule rejection; fails the test
// when there is none.
inline v1::BookingRejection RejectionOf(const grpc::Status& status) {
  v1::BookingRejection rejection;
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(status.error_details()));
  bool found = false;
  for (const auto& any : rich.details()) {
    if (any.Is<v1::BookingRejection>()) found = any.UnpackTo(&rejection);
  }
  EXPECT_TRUE(found) << "no clinic.v1.BookingRejection in the details";
  return rejection;
}

inline std::vector<std::string> RuleIds(
    const google::protobuf::RepeatedPtrField<v1::Finding>& findings) {
  std::vector<std::string> ids;
  for (const v1::Finding& f : findings) ids.push_back(f.rule_id());
  return ids;
}

class ClinicdTest : public ::testing::Test {
 public:
  ClinicdTest() : server_(dir_.path() + "/clinic.db") {
    EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &zone_));
  }

  // Flags for clinicd beyond --db, --listen and --timezone.
  virtual std::vector<std::string> ExtraFlags() { return {}; }

  void SetUp() override {
    std::vector<std::string> flags = ExtraFlags();
    flags.push_back("--timezone=America/New_York");
    std::string error;
    ASSERT_TRUE(server_.Start(flags, &error)) << error;
  }

  // The first Sunday at least 9 days ahead whose surrounding two weeks have
  // no DST change, so the RULES.md scenario keeps its gaps.
  absl::CivilDay RaceSunday() const {
    absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone_) + 9;
    while (absl::GetWeekday(day) != absl::Weekday::sunday) ++day;
    while (zone_.At(absl::FromCivil(day - 12, zone_)).offset !=
           zone_.At(absl::FromCivil(day + 12, zone_)).offset) {
      day += 7;
    }
    return day;
  }

  absl::Time Local(absl::CivilDay day, int hour, int minute = 0) const {
    return absl::FromCivil(
        absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
        zone_);
  }

  // Works Mon-Sat 09:00-18:00.
  std::string AddTherapist(const std::string& name = "Maya Okafor",
                           std::vector<v1::Modality> modalities = {
                               v1::DEEP_TISSUE, v1::ACTIVE_RELEASE,
                               v1::SPORTS}) {
    v1::CreateTherapistRequest req;
    v1::Therapist* t = req.mutable_therapist();
    t->set_display_name(name);
    for (v1::Modality m : modalities) t->add_modalities(m);
    for (int day = v1::MONDAY; day <= v1::SATURDAY; ++day) {
      v1::WorkingHours* h = t->add_working_hours();
      h->set_day(static_cast<v1::DayOfWeek>(day));
      h->mutable_start()->set_hours(9);
      h->mutable_end()->set_hours(18);
    }
    v1::Therapist out;
    const grpc::Status s =
        server_.therapists().CreateTherapist(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  std::string AddAthlete(const std::string& name = "Jane Runner") {
    v1::CreateAthleteRequest req;
    req.mutable_athlete()->set_display_name(name);
    v1::Athlete out;
    const grpc::Status s =
        server_.athletes().CreateAthlete(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  v1::AddEventResponse AddEvent(const std::string& athlete, v1::EventKind kind,
                                const std::string& name, absl::Time start,
                                absl::Duration length) {
    v1::AddEventRequest req;
    req.set_athlete_id(athlete);
    req.set_name(name);
    *req.mutable_start_time() = Ts(start);
    req.mutable_duration()->set_seconds(absl::ToInt64Seconds(length));
    v1::AddEventResponse out;
    const grpc::Status s =
        kind == v1::RACE
            ? server_.athletes().AddRace(Ctx().get(), req, &out)
            : server_.athletes().AddWorkout(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  void AddInjury(const std::string& athlete) {
    v1::AddInjuryRequest req;
    req.set_athlete_id(athlete);
    req.mutable_injury()->set_region("left calf");
    req.mutable_injury()->set_note("scar tissue after a strain");
    v1::Injury out;
    const grpc::Status s = server_.athletes().AddInjury(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  static v1::SessionSpec Spec(const std::string& athlete,
                              const std::string& therapist, v1::Modality m,
                              absl::Time start) {
    v1::SessionSpec spec;
    spec.set_athlete_id(athlete);
    spec.set_therapist_id(therapist);
    spec.set_modality(m);
    *spec.mutable_start_time() = Ts(start);
    return spec;
  }

  grpc::Status Reserve(const v1::SessionSpec& spec,
                       v1::ReserveSlotResponse* out,
                       const std::string& request_id = "") {
    v1::ReserveSlotRequest req;
    req.set_request_id(request_id);
    *req.mutable_session() = spec;
    return server_.bookings().ReserveSlot(Ctx().get(), req, out);
  }

  v1::CheckBookingResponse Check(const v1::SessionSpec& spec) {
    v1::CheckBookingRequest req;
    *req.mutable_session() = spec;
    v1::CheckBookingResponse out;
    const grpc::Status s =
        server_.bookings().CheckBooking(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<v1::Booking> ListBookings(v1::ListBookingsRequest req = {}) {
    std::vector<v1::Booking> all;
    do {
      v1::ListBookingsResponse out;
      const grpc::Status s =
          server_.bookings().ListBookings(Ctx().get(), req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), out.bookings().begin(), out.bookings().end());
      req.set_page_token(out.next_page_token());
    } while (!req.page_token().empty());
    return all;
  }

  TempDir dir_;
  ClinicdProcess server_;
  absl::TimeZone zone_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_CLINICD_TEST_BASE_H_
