// clinicctl with several clinics: the clinic commands, --clinic and
// $CLINIC_CLINIC, and times read and printed in the clinic concerned.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;

// New York (the first clinic) and London, added through clinicctl.
class ClinicsCliTest : public ClinicctlTest {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_zone_));
    london_ = Create(
        {"clinic", "add", "--name", "London", "--zone", "Europe/London"});
    ASSERT_EQ(london_, "cl_2");
  }

  absl::TimeZone london_zone_;
  std::string london_;
};

TEST_F(ClinicsCliTest, ClinicsAreListedShownAndTheirRulesChanged) {
  CliResult r = Run({"clinic", "list"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, HasSubstr("cl_1"));
  EXPECT_THAT(r.out, HasSubstr("America/New_York"));
  EXPECT_THAT(r.out, HasSubstr("Europe/London"));

  r = Run({"clinic", "show", london_});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, HasSubstr("Clinic time zone:  Europe/London"));

  const std::string rules = dir_.path() + "/london.textproto";
  std::ofstream(rules) << "min_notice { seconds: 172800 }\n";
  r = Run({"clinic", "update", london_, "--rules", rules});
  ASSERT_EQ(r.exit_code, kOk) << r;
  r = Run({"clinic", "rules", london_});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, HasSubstr("Minimum notice:    48 h"));
  // New York's rules are its own.
  r = Run({"rules", "--clinic", "cl_1"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, HasSubstr("Minimum notice:    2 h"));

  r = Run({"clinic", "add", "--name", "Atlantis", "--zone", "Sea/Atlantis"});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_THAT(r.err, HasSubstr("clinic.time_zone"));
}

TEST_F(ClinicsCliTest, TimesAreReadAndShownInTheTherapistsClinicZone) {
  // $CLINIC_CLINIC puts the new therapist in London.
  const CliResult added =
      Run({"therapist", "add", "--name", "Ana Reyes", "--modalities", "sports",
           "--hours", "mon-sun 09:00-18:00"},
          {{"CLINIC_CLINIC", london_}});
  ASSERT_EQ(added.exit_code, kOk) << added;
  const std::string ana = LastLine(added.out);
  CliResult r = Run({"therapist", "show", ana});
  EXPECT_THAT(r.out, HasSubstr("Clinic:      " + london_));

  // --at is London time for a London therapist, even with New York as
  // the clinic of $CLINIC_CLINIC.
  const std::string athlete = AddAthlete();
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), london_zone_) + 3;
  const CliResult booked =
      Run(SessionArgs("book", athlete, ana, "sports", When(day, 10)),
          {{"CLINIC_CLINIC", "cl_1"}});
  ASSERT_EQ(booked.exit_code, kOk) << booked;
  const std::string booking = LastLine(booked.out);
  r = Run({"bookings", "show", booking, "--json"});
  v1::Booking b;
  ASSERT_TRUE(ParseJson(r.out, &b));
  EXPECT_EQ(FromTs(b.start_time()),
            absl::FromCivil(absl::CivilHour(day) + 10, london_zone_));
  EXPECT_EQ(b.clinic_id(), london_);
  r = Run({"bookings", "show", booking});
  EXPECT_THAT(r.out, HasSubstr(absl::FormatTime("%H:%M", FromTs(b.start_time()),
                                                london_zone_)));
  EXPECT_THAT(r.out, HasSubstr(absl::FormatTime("%Z", FromTs(b.start_time()),
                                                london_zone_)));

  // Slots by modality need the clinic once there are two.
  r = Run({"slots", "--modality", "sports"});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_THAT(r.err, HasSubstr("clinic"));
  r = Run({"slots", "--modality", "sports", "--clinic", london_});
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, HasSubstr("Ana Reyes"));
}

}  // namespace
}  // namespace clinic::testing
