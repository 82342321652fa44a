// Every scenario of RULES.md against a real clinicd, moved to a week ahead
// of the test run (clinic zone America/New_York).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Scenario {
  std::string name;
  v1::Modality modality;
  int day_offset;  // from race Sunday
  int hour;
  bool injury_on_file;
  bool allowed;
  std::vector<std::string> violations;
  std::vector<std::string> warnings;
  int64_t gap_hours;  // of the first finding, -1: not checked
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

const std::vector<Scenario>& Scenarios() {
  static const auto* scenarios = new std::vector<Scenario>{
      {"DeepTissueFriday",
       v1::DEEP_TISSUE,
       -2,
       16,
       false,
       false,
       {"GAP_BEFORE_EVENT"},
       {},
       38},
      {"DeepTissueThursday",
       v1::DEEP_TISSUE,
       -3,
       9,
       false,
       true,
       {},
       {"GAP_BEFORE_EVENT"},
       69},
      {"DeepTissueWednesday", v1::DEEP_TISSUE, -4, 10, false, true, {}, {}, -1},
      {"SportsFriday",
       v1::SPORTS,
       -2,
       16,
       false,
       true,
       {},
       {"GAP_BEFORE_EVENT"},
       38},
      {"DeepTissueRaceAfternoon",
       v1::DEEP_TISSUE,
       0,
       15,
       false,
       false,
       {"GAP_AFTER_EVENT", "OUTSIDE_WORKING_HOURS"},
       {},
       5},
      {"DeepTissueMonday",
       v1::DEEP_TISSUE,
       1,
       11,
       false,
       true,
       {},
       {"GAP_AFTER_EVENT"},
       25},
      {"ArtWithoutInjury",
       v1::ACTIVE_RELEASE,
       -4,
       10,
       false,
       false,
       {"NO_ACTIVE_INJURY"},
       {},
       -1},
      {"ArtWithInjury", v1::ACTIVE_RELEASE, -4, 10, true, true, {}, {}, -1},
  };
  return *scenarios;
}

class ScenarioTest : public ClinicdTest,
                     public ::testing::WithParamInterface<Scenario> {};

TEST_P(ScenarioTest, ReserveAndCheckAgree) {
  const Scenario& sc = GetParam();
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddEvent(athlete, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  if (sc.injury_on_file) AddInjury(athlete);
  const v1::SessionSpec spec = Spec(athlete, therapist, sc.modality,
                                    Local(sunday + sc.day_offset, sc.hour));

  const v1::CheckBookingResponse check = Check(spec);
  EXPECT_EQ(check.allowed(), sc.allowed);
  EXPECT_THAT(RuleIds(check.violations()), ElementsAreArray(sc.violations));
  EXPECT_THAT(RuleIds(check.warnings()), ElementsAreArray(sc.warnings));

  v1::ReserveSlotResponse reserved;
  const grpc::Status status = Reserve(spec, &reserved);
  if (sc.allowed) {
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reserved.booking().state(), v1::CONFIRMED);
    EXPECT_THAT(RuleIds(reserved.warnings()), ElementsAreArray(sc.warnings));
    if (sc.gap_hours >= 0) {
      EXPECT_EQ(reserved.warnings(0).actual_gap().seconds(),
                sc.gap_hours * 3600);
      EXPECT_EQ(reserved.warnings(0).event_name(), "Broad Street Run");
    }
    EXPECT_THAT(ListBookings(), ::testing::SizeIs(1));
    return;
  }
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), check.message());
  const v1::BookingRejection rejection = RejectionOf(status);
  EXPECT_THAT(RuleIds(rejection.violations()), ElementsAreArray(sc.violations));
  if (sc.gap_hours >= 0) {
    EXPECT_THAT(status.error_message(), HasSubstr("\"Broad Street Run\""));
    EXPECT_EQ(rejection.violations(0).actual_gap().seconds(),
              sc.gap_hours * 3600);
    EXPECT_EQ(rejection.violations(0).event_name(), "Broad Street Run");
    EXPECT_EQ(rejection.violations(0).event_kind(), v1::RACE);
    EXPECT_EQ(FromTs(rejection.violations(0).event_start_time()),
              Local(sunday, 7));
  }
  EXPECT_THAT(ListBookings(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(RulesMd, ScenarioTest,
                         ::testing::ValuesIn(Scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return info.param.name;
                         });

TEST_F(ClinicdTest, RejectionMessageNamesTheRaceAsRulesMdShowsIt) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddEvent(athlete, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  v1::ReserveSlotResponse out;
  const grpc::Status status = Reserve(
      Spec(athlete, therapist, v1::DEEP_TISSUE, Local(sunday - 2, 16)), &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const std::string zone = absl::FormatTime("%Z", Local(sunday, 7), zone_);
  const std::string expected = absl::StrCat(
      "Deep tissue massage ",
      absl::FormatTime("%a %e %b %Y", Local(sunday - 2, 16), zone_),
      " 16:00-17:00 ", zone, " ends 38 h before race \"Broad Street Run\" (",
      absl::FormatTime("%a %e %b %Y", Local(sunday, 7), zone_), " 07:00 ", zone,
      "); deep tissue needs at least 48 h before a race.");
  std::string normalized = expected;  // %e pads single-digit days
  for (size_t p; (p = normalized.find("  ")) != std::string::npos;) {
    normalized.erase(p, 1);
  }
  EXPECT_EQ(status.error_message(), normalized);

  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  EXPECT_EQ(rich.code(), grpc::StatusCode::FAILED_PRECONDITION);
  google::rpc::ErrorInfo info;
  for (const auto& any : rich.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) ASSERT_TRUE(any.UnpackTo(&info));
  }
  EXPECT_EQ(info.reason(), "RECOVERY_RULE_VIOLATED");
  EXPECT_EQ(info.domain(), "clinic.v1");
  const v1::BookingRejection rejection = RejectionOf(status);
  ASSERT_EQ(rejection.violations_size(), 1);
  EXPECT_EQ(rejection.violations(0).required_gap().seconds(), 48 * 3600);
  EXPECT_FALSE(rejection.violations(0).event_id().empty());
}

TEST_F(ClinicdTest, SecondDeepTissueWithinAMonthWarnsAboutCadence) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddEvent(athlete, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  v1::ReserveSlotResponse first, second;
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(sunday - 4, 10)),
              &first)
          .ok());
  EXPECT_THAT(first.warnings(), IsEmpty());
  const grpc::Status s =
      Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(sunday + 6, 10)),
              &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(RuleIds(second.warnings()), ElementsAre("CADENCE"));
  EXPECT_EQ(second.warnings(0).booking_id(), first.booking().id());
}

TEST_F(ClinicdTest, WorkoutAddedLaterPutsBookedSessionAtRisk) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  v1::ReserveSlotResponse booked;
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE, Local(sunday - 4, 10)),
              &booked)
          .ok());

  const v1::AddEventResponse added =
      AddEvent(athlete, v1::HARD_WORKOUT, "Tempo 10 km", Local(sunday - 3, 18),
               absl::Minutes(90));
  EXPECT_FALSE(added.event().id().empty());
  ASSERT_EQ(added.at_risk_size(), 1);
  EXPECT_EQ(added.at_risk(0).booking().id(), booked.booking().id());
  EXPECT_TRUE(added.at_risk(0).booking().at_risk());
  ASSERT_EQ(added.at_risk(0).violations_size(), 1);
  const v1::Finding& why = added.at_risk(0).violations(0);
  EXPECT_EQ(why.rule_id(), "GAP_BEFORE_EVENT");
  EXPECT_EQ(why.actual_gap().seconds(), 31 * 3600);
  EXPECT_EQ(why.event_name(), "Tempo 10 km");

  v1::ListBookingsRequest at_risk;
  at_risk.set_at_risk_only(true);
  const std::vector<v1::Booking> listed = ListBookings(at_risk);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_THAT(listed[0].at_risk_reason(), HasSubstr("\"Tempo 10 km\""));

  // Deleting the workout lifts the mark.
  v1::DeleteEventRequest del;
  del.set_event_id(added.event().id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(server_.athletes().DeleteEvent(Ctx().get(), del, &empty).ok());
  EXPECT_THAT(ListBookings(at_risk), IsEmpty());
}

}  // namespace
}  // namespace clinic::testing
