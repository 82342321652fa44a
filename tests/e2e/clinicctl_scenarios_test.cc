// Every scenario of RULES.md through `clinicctl check` and `clinicctl book`,
// moved to a week ahead of the test run (clinic zone America/New_York; the
// client runs with TZ=Asia/Tokyo).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

struct Scenario {
  std::string name;
  std::string modality;  // as --modality takes it
  int day_offset;        // from race Sunday
  int hour;
  bool injury_on_file;
  int exit_code;  // of both check and book
  std::vector<std::string> violations;
  std::vector<std::string> warnings;
  // Words the verdict must contain: the gap and the race it is measured to.
  std::string key_words;
  bool suggestions;  // a rejection lists suggested slots
};

// The modality a --modality value names.
v1::Modality ModalityOf(const std::string& flag) {
  if (flag == "deep_tissue") return v1::DEEP_TISSUE;
  if (flag == "art" || flag == "active_release") return v1::ACTIVE_RELEASE;
  if (flag == "sports") return v1::SPORTS;
  return v1::MODALITY_UNSPECIFIED;
}

// How sentences name a session of a --modality value.
std::string SessionNoun(const std::string& flag) {
  switch (ModalityOf(flag)) {
    case v1::DEEP_TISSUE:
      return "Deep tissue massage";
    case v1::ACTIVE_RELEASE:
      return "ART session";
    case v1::SPORTS:
      return "Sports massage";
    default:
      return "?";
  }
}

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

const std::vector<Scenario>& Scenarios() {
  static const auto* scenarios = new std::vector<Scenario>{
      {"DeepTissueFriday",
       "deep_tissue",
       -2,
       16,
       false,
       kRejected,
       {"GAP_BEFORE_EVENT"},
       {},
       "ends 38 h before race \"Broad Street Run\"",
       true},
      {"DeepTissueThursday",
       "deep_tissue",
       -3,
       9,
       false,
       kOk,
       {},
       {"GAP_BEFORE_EVENT"},
       "ends 69 h before race \"Broad Street Run\"",
       false},
      {"DeepTissueWednesday",
       "deep_tissue",
       -4,
       10,
       false,
       kOk,
       {},
       {},
       "",
       false},
      {"SportsFriday",
       "sports",
       -2,
       16,
       false,
       kOk,
       {},
       {"GAP_BEFORE_EVENT"},
       "ends 38 h before race \"Broad Street Run\"",
       false},
      {"DeepTissueRaceAfternoon",
       "deep_tissue",
       0,
       15,
       false,
       kRejected,
       {"GAP_AFTER_EVENT", "OUTSIDE_WORKING_HOURS"},
       {},
       "starts 5 h after race \"Broad Street Run\" ends",
       true},
      {"DeepTissueMonday",
       "deep_tissue",
       1,
       11,
       false,
       kOk,
       {},
       {"GAP_AFTER_EVENT"},
       "starts 25 h after race \"Broad Street Run\" ends",
       false},
      {"ArtWithoutInjury",
       "art",
       -4,
       10,
       false,
       kRejected,
       {"NO_ACTIVE_INJURY"},
       {},
       "needs an active injury on file",
       false},
      {"ArtWithInjury", "active_release", -4, 10, true, kOk, {}, {}, "", false},
  };
  return *scenarios;
}

class CliScenarioTest : public ClinicctlTest,
                        public ::testing::WithParamInterface<Scenario> {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    if (HasFatalFailure()) return;
    sunday_ = RaceSunday();
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
    AddRace(athlete_, sunday_);
    if (GetParam().injury_on_file) AddInjury(athlete_);
    start_ = Local(sunday_ + GetParam().day_offset, GetParam().hour);
  }

  std::vector<std::string> Args(const std::string& command) const {
    return SessionArgs(command, athlete_, therapist_, GetParam().modality,
                       When(sunday_ + GetParam().day_offset, GetParam().hour));
  }

  // A rejection as people read it: the server's sentence, the violated
  // rules and the suggested slots.
  void ExpectRejectionText(const std::string& text) const {
    const Scenario& sc = GetParam();
    EXPECT_THAT(text, StartsWith("Rejected: "));
    EXPECT_THAT(text, HasSubstr(sc.key_words));
    EXPECT_THAT(text, HasSubstr("\nViolations:\nRULE "));
    for (const std::string& rule : sc.violations) {
      EXPECT_THAT(text, HasSubstr(absl::StrCat("\n", rule, " ")));
    }
    if (sc.suggestions) {
      EXPECT_THAT(text, HasSubstr("\nSuggested slots:\nWHEN "));
      EXPECT_THAT(text, HasSubstr("Maya Okafor (" + therapist_ + ")"));
    }
  }

  // One "warning: ..." line per expected warning, with the key words.
  void ExpectWarnings(const std::string& err) const {
    const Scenario& sc = GetParam();
    const std::vector<std::string> lines = Lines(err);
    ASSERT_THAT(lines, SizeIs(sc.warnings.size())) << err;
    for (const std::string& line : lines) {
      EXPECT_THAT(line, StartsWith("warning: "));
      EXPECT_THAT(line, HasSubstr(sc.key_words));
    }
  }

  absl::CivilDay sunday_;
  std::string therapist_, athlete_;
  absl::Time start_;
};

TEST_P(CliScenarioTest, CheckPrintsTheVerdictOnStdout) {
  const Scenario& sc = GetParam();
  const CliResult r = Run(Args("check"));
  ASSERT_EQ(r.exit_code, sc.exit_code) << r;
  if (sc.exit_code == kOk) {
    EXPECT_EQ(r.out,
              sc.warnings.empty() ? "Allowed.\n" : "Allowed, with warnings.\n");
    ExpectWarnings(r.err);
  } else {
    ExpectRejectionText(r.out);
    EXPECT_EQ(r.err, "");
  }
  EXPECT_THAT(AllBookings().bookings(), IsEmpty());
}

TEST_P(CliScenarioTest, CheckJsonCarriesTheRuleIds) {
  const Scenario& sc = GetParam();
  std::vector<std::string> args = Args("check");
  args.push_back("--json");
  const CliResult r = Run(args);
  ASSERT_EQ(r.exit_code, sc.exit_code) << r;
  v1::CheckBookingResponse check;
  ASSERT_TRUE(ParseJson(r.out, &check));
  EXPECT_EQ(check.allowed(), sc.exit_code == kOk);
  EXPECT_THAT(RuleIds(check.violations()), ElementsAreArray(sc.violations));
  EXPECT_THAT(RuleIds(check.warnings()), ElementsAreArray(sc.warnings));
  EXPECT_EQ(r.err, "");
}

TEST_P(CliScenarioTest, BookBooksOrExplainsTheRejectionOnStderr) {
  const Scenario& sc = GetParam();
  const CliResult r = Run(Args("book"));
  ASSERT_EQ(r.exit_code, sc.exit_code) << r;
  const v1::ListBookingsResponse after = AllBookings();
  if (sc.exit_code != kOk) {
    EXPECT_EQ(r.out, "");
    ExpectRejectionText(r.err);
    EXPECT_THAT(after.bookings(), IsEmpty());
    return;
  }
  ExpectWarnings(r.err);
  ASSERT_THAT(after.bookings(), SizeIs(1));
  const v1::Booking& booked = after.bookings(0);
  EXPECT_EQ(LastLine(r.out), booked.id());
  EXPECT_THAT(booked.id(), MatchesRegex("bk_[0-9]+"));
  EXPECT_EQ(booked.modality(), ModalityOf(sc.modality));
  EXPECT_EQ(FromTs(booked.start_time()), start_);
  // Times show in the clinic's zone, not the client's TZ=Asia/Tokyo.
  EXPECT_EQ(Lines(r.out).front(),
            absl::StrCat("Booked: ", SessionNoun(sc.modality), " ",
                         Shown(start_, FromTs(booked.end_time())),
                         " for Jane Runner with Maya Okafor."));
}

INSTANTIATE_TEST_SUITE_P(RulesMd, CliScenarioTest,
                         ::testing::ValuesIn(Scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return info.param.name;
                         });

TEST_F(ClinicctlTest, RejectionQuotesTheServersSentenceAsRulesMdShowsIt) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  const std::string race = AddRace(athlete, sunday);
  const CliResult r = Run(SessionArgs("book", athlete, therapist, "deep_tissue",
                                      When(sunday - 2, 16)));
  ASSERT_EQ(r.exit_code, kRejected) << r;
  const absl::Time race_start = Local(sunday, 7);
  EXPECT_EQ(Lines(r.err).front(),
            absl::StrCat("Rejected: Deep tissue massage ",
                         Shown(Local(sunday - 2, 16), Local(sunday - 2, 17)),
                         " ends 38 h before race \"Broad Street Run\" (",
                         Shown(race_start),
                         "); deep tissue needs at least 48 h before a race."));
  // The violation row: rule, the race with its id, when, needed and found.
  EXPECT_THAT(r.err,
              MatchesRegex(absl::StrCat(
                  "(.|\n)*\nGAP_BEFORE_EVENT +race \"Broad Street Run\" \\(",
                  race, "\\) +[^\n]*07:00 [A-Z]+ +48 h +38 h\n(.|\n)*")));
  // The first suggestion as a command line to paste.
  EXPECT_THAT(r.err,
              HasSubstr(absl::StrCat("To book the first: clinicctl book "
                                     "--athlete ",
                                     athlete, " --therapist ", therapist,
                                     " --modality deep_tissue --at \"")));
}

TEST_F(ClinicctlTest, BookJsonRejectionIsAGoogleRpcStatusOnStdout) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddRace(athlete, sunday);
  std::vector<std::string> args = SessionArgs(
      "book", athlete, therapist, "deep_tissue", When(sunday - 2, 16));
  args.push_back("--json");
  const CliResult r = Run(args);
  EXPECT_EQ(r.exit_code, kRejected) << r;
  google::rpc::Status status;
  ASSERT_TRUE(ParseJson(r.out, &status)) << r;
  EXPECT_EQ(status.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.message(), HasSubstr("race \"Broad Street Run\""));
  v1::BookingRejection rejection;
  google::rpc::ErrorInfo info;
  for (const auto& any : status.details()) {
    if (any.Is<v1::BookingRejection>()) {
      ASSERT_TRUE(any.UnpackTo(&rejection));
    } else if (any.Is<google::rpc::ErrorInfo>()) {
      ASSERT_TRUE(any.UnpackTo(&info));
    }
  }
  EXPECT_EQ(info.reason(), "RECOVERY_RULE_VIOLATED");
  EXPECT_THAT(RuleIds(rejection.violations()),
              ElementsAreArray({"GAP_BEFORE_EVENT"}));
  EXPECT_EQ(rejection.violations(0).actual_gap().seconds(), 38 * 3600);
  EXPECT_THAT(rejection.suggestions(), Not(IsEmpty()));
  EXPECT_THAT(AllBookings().bookings(), IsEmpty());
}

TEST_F(ClinicctlTest, SecondDeepTissueWithinAMonthWarnsAboutCadence) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddRace(athlete, sunday);
  const CliResult first = Run(SessionArgs("book", athlete, therapist,
                                          "deep_tissue", When(sunday - 4, 10)));
  ASSERT_EQ(first.exit_code, kOk) << first;
  EXPECT_EQ(first.err, "");
  const std::string first_id = LastLine(first.out);

  const CliResult check = Run(SessionArgs("check", athlete, therapist,
                                          "deep_tissue", When(sunday + 6, 10)));
  EXPECT_EQ(check.exit_code, kOk) << check;
  EXPECT_EQ(check.out, "Allowed, with warnings.\n");
  EXPECT_THAT(check.err, StartsWith("warning: "));

  std::vector<std::string> args = SessionArgs(
      "book", athlete, therapist, "deep_tissue", When(sunday + 6, 10));
  args.push_back("--json");
  const CliResult second = Run(args);
  ASSERT_EQ(second.exit_code, kOk) << second;
  v1::ReserveSlotResponse reserved;
  ASSERT_TRUE(ParseJson(second.out, &reserved));
  EXPECT_THAT(RuleIds(reserved.warnings()), ElementsAreArray({"CADENCE"}));
  EXPECT_EQ(reserved.warnings(0).booking_id(), first_id);
  // Warnings still reach people on stderr with --json.
  EXPECT_EQ(second.err,
            absl::StrCat("warning: ", reserved.warnings(0).message(), "\n"));
  EXPECT_THAT(AllBookings().bookings(), SizeIs(2));
}

TEST_F(ClinicctlTest, WorkoutAddedLaterPutsBookedSessionAtRisk) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  AddRace(athlete, sunday);
  const std::string booking = Create(SessionArgs(
      "book", athlete, therapist, "deep_tissue", When(sunday - 4, 10)));
  ASSERT_THAT(booking, MatchesRegex("bk_[0-9]+"));

  const CliResult workout =
      Run({"athlete", "workout", athlete, "--name", "Tempo 10 km", "--at",
           When(sunday - 3, 18), "--duration", "90"});
  ASSERT_EQ(workout.exit_code, kOk) << workout;
  EXPECT_THAT(LastLine(workout.out), MatchesRegex("ev_[0-9]+"));
  // The workout is recorded; the booking it now endangers is named.
  ASSERT_THAT(Lines(workout.err), SizeIs(1)) << workout;
  EXPECT_THAT(
      workout.err,
      AllOf(StartsWith(absl::StrCat("warning: booking ", booking, " (")),
            HasSubstr("is now at risk"),
            HasSubstr("31 h before hard workout \"Tempo 10 km\"")));

  const CliResult listed = Run({"bookings", "--at-risk"});
  ASSERT_EQ(listed.exit_code, kOk) << listed;
  ASSERT_THAT(Lines(listed.out), SizeIs(2)) << listed;  // header and one row
  EXPECT_THAT(Lines(listed.out)[1],
              AllOf(StartsWith(booking + " "), HasSubstr("AT RISK: ")));

  const CliResult json = Run({"bookings", "--at-risk", "--json"});
  ASSERT_EQ(json.exit_code, kOk) << json;
  v1::ListBookingsResponse at_risk;
  ASSERT_TRUE(ParseJson(json.out, &at_risk));
  ASSERT_THAT(at_risk.bookings(), SizeIs(1));
  EXPECT_EQ(at_risk.bookings(0).id(), booking);
  EXPECT_TRUE(at_risk.bookings(0).at_risk());
  EXPECT_THAT(at_risk.bookings(0).at_risk_reason(),
              HasSubstr("\"Tempo 10 km\""));
}

}  // namespace
}  // namespace clinic::testing
