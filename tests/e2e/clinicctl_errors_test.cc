// How clinicctl fails: usage errors (exit 2) before anything is sent,
// server errors (exit 1) with the gRPC code in words, an unreachable server,
// where the server address comes from, and help.
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"
#include "tests/e2e/dead_ports.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

struct BadInput {
  std::string name;
  // {ath}, {th} and {bk} stand for existing ids, {when} for a valid
  // future WHEN.
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> err_words;
  // kUsage: the start of the usage line stderr must hold, "" for none.
  std::string usage;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

const std::vector<BadInput>& BadInputs() {
  static const auto* inputs = new std::vector<BadInput>{
      // Client side: nothing is sent.
      {"MonthThirteen",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at", "2026-13-01 09:00"},
       kUsage,
       {"--at: \"2026-13-01 09:00\" is not a time"},
       "Usage: clinicctl book --athlete ID --therapist ID --modality MODALITY "
       "--at WHEN [--request-id KEY]\n"},
      {"Tomorrow",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at", "tomorrow"},
       kUsage,
       {"\"tomorrow\" is not a time", "YYYY-MM-DD HH:MM"},
       "Usage: clinicctl book "},
      {"TomorrowWithJson",
       {"book", "--json", "--athlete", "{ath}", "--therapist", "{th}",
        "--modality", "sports", "--at", "tomorrow"},
       kUsage,
       {"\"tomorrow\" is not a time"},
       "Usage: clinicctl book "},
      {"Rfc3339WithoutOffset",
       {"check", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at", "2026-12-04T16:00:00"},
       kUsage,
       {"has no UTC offset"},
       "Usage: clinicctl check "},
      {"MissingRequiredFlag",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports"},
       kUsage,
       {"--at is required"},
       "Usage: clinicctl book "},
      {"UnknownFlag",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at", "{when}", "--colour", "red"},
       kUsage,
       {"unknown flag --colour"},
       "Usage: clinicctl book "},
      {"SingleDashFlag",
       {"book", "-v", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at", "{when}"},
       kUsage,
       {"unknown flag -v"},
       "Usage: clinicctl book "},
      {"FlagWithoutItsValue",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "sports", "--at"},
       kUsage,
       {"--at needs a value"},
       "Usage: clinicctl book "},
      {"FlagGivenTwice",
       {"book", "--athlete", "{ath}", "--athlete", "{ath}", "--therapist",
        "{th}", "--modality", "sports", "--at", "{when}"},
       kUsage,
       {"--athlete is given twice"},
       "Usage: clinicctl book "},
      {"BadModality",
       {"book", "--athlete", "{ath}", "--therapist", "{th}", "--modality",
        "hot_stone", "--at", "{when}"},
       kUsage,
       {"\"hot_stone\" is not a modality"},
       "Usage: clinicctl book "},
      {"UnknownCommand",
       {"frobnicate"},
       kUsage,
       {"unknown command \"frobnicate\"", "clinicctl help"},
       ""},
      {"HelpForUnknownCommand",
       {"help", "frobnicate"},
       kUsage,
       {"unknown command \"frobnicate\""},
       ""},
      {"UnknownSubcommand",
       {"therapist", "frobnicate"},
       kUsage,
       {"unknown command \"therapist frobnicate\""},
       "Usage: clinicctl therapist COMMAND"},
      {"MissingBookingId",
       {"reschedule", "--at", "{when}"},
       kUsage,
       {"missing BOOKING_ID"},
       "Usage: clinicctl reschedule BOOKING_ID --at WHEN\n"},
      {"ExtraArgument",
       {"athlete", "show", "{ath}", "extra"},
       kUsage,
       {"unexpected argument \"extra\""},
       "Usage: clinicctl athlete show ID\n"},
      {"NoSuchDate",
       {"bookings", "--from", "2026-02-30"},
       kUsage,
       {"\"2026-02-30\" is not a date"},
       "Usage: clinicctl bookings "},
      {"HoursBackwards",
       {"therapist", "add", "--name", "Sam", "--modalities", "sports",
        "--hours", "mon 18:00-09:00"},
       kUsage,
       {"is not a span"},
       "Usage: clinicctl therapist add "},
      {"ZeroDuration",
       {"athlete", "race", "{ath}", "--name", "5 k", "--at", "{when}",
        "--duration", "0"},
       kUsage,
       {"--duration"},
       "Usage: clinicctl athlete race ID "},
      {"ZeroTimeout",
       {"athlete", "list", "--timeout", "0"},
       kUsage,
       {"--timeout"},
       "Usage: clinicctl athlete list"},
      {"ExportForBoth",
       {"export", "ics", "--athlete", "{ath}", "--therapist", "{th}"},
       kUsage,
       {"give exactly one of --therapist and --athlete"},
       "Usage: clinicctl export ics "},
      {"SlotsOfNobody",
       {"slots"},
       kUsage,
       {"give --therapist, --modality or both"},
       "Usage: clinicctl slots "},
      {"UpdateNothing",
       {"therapist", "update", "{th}"},
       kUsage,
       {"nothing to change"},
       "Usage: clinicctl therapist update ID "},
      {"TimeOffWithoutTime",
       {"therapist", "timeoff", "{th}", "--from", "2026-12-24", "--to",
        "{when}"},
       kUsage,
       {"--from: \"2026-12-24\" is not a time"},
       "Usage: clinicctl therapist timeoff ID "},
      // Server side: the code in words and the server's message.
      {"UnknownAthlete",
       {"book", "--athlete", "ath_999", "--therapist", "{th}", "--modality",
        "sports", "--at", "{when}"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "ath_999"},
       ""},
      {"UnknownAthleteWithJson",
       {"book", "--json", "--athlete", "ath_999", "--therapist", "{th}",
        "--modality", "sports", "--at", "{when}"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "ath_999"},
       ""},
      {"MalformedAthleteId",
       {"book", "--athlete", "jane", "--therapist", "{th}", "--modality",
        "sports", "--at", "{when}"},
       kFailure,
       {"clinicctl: INVALID_ARGUMENT: ", "\"jane\""},
       ""},
      {"RaceForUnknownAthlete",
       {"athlete", "race", "ath_999", "--name", "5 k", "--at", "{when}"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "ath_999"},
       ""},
      {"ExportToBeforeFrom",
       {"export", "ics", "--athlete", "{ath}", "--from", "2026-12-10", "--to",
        "2026-12-01"},
       kUsage,
       {"clinicctl: --to: must not be before --from"},
       "Usage: clinicctl export ics "},
      {"UnknownTherapist",
       {"therapist", "show", "th_999"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "th_999"},
       ""},
      {"UnknownBooking",
       {"bookings", "show", "bk_999"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "bk_999"},
       ""},
      {"CancelUnknownBooking",
       {"cancel", "bk_999"},
       kFailure,
       {"clinicctl: NOT_FOUND: ", "bk_999"},
       ""},
  };
  return *inputs;
}

class BadInputTest : public ClinicctlTest,
                     public ::testing::WithParamInterface<BadInput> {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    if (HasFatalFailure()) return;
    sunday_ = RaceSunday();
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
    AddRace(athlete_, sunday_);
    booking_ = Create(SessionArgs("book", athlete_, therapist_, "sports",
                                  When(sunday_ - 4, 10)));
  }

  std::vector<std::string> Args() const {
    std::vector<std::string> args;
    for (const std::string& a : GetParam().args) {
      args.push_back(
          absl::StrReplaceAll(a, {{"{ath}", athlete_},
                                  {"{th}", therapist_},
                                  {"{bk}", booking_},
                                  {"{when}", When(sunday_ - 4, 14)}}));
    }
    return args;
  }

  absl::CivilDay sunday_;
  std::string therapist_, athlete_, booking_;
};

TEST_P(BadInputTest, FailsWithItsExitCodeAndLeavesTheStoreAlone) {
  const BadInput& bad = GetParam();
  const std::string before = Snapshot();
  const CliResult r = Run(Args());
  EXPECT_EQ(r.exit_code, bad.exit_code) << r;
  EXPECT_EQ(r.out, "") << "errors go to stderr";
  for (const std::string& words : bad.err_words) {
    EXPECT_THAT(r.err, HasSubstr(words)) << r;
  }
  if (!bad.usage.empty()) {
    EXPECT_THAT(r.err, HasSubstr("\n" + bad.usage)) << "the usage line\n" << r;
  }
  if (bad.exit_code == kFailure) {
    EXPECT_THAT(Lines(r.err), SizeIs(1)) << r;
    EXPECT_THAT(r.err, Not(HasSubstr("Usage:")));
  }
  EXPECT_EQ(Snapshot(), before);
}

INSTANTIATE_TEST_SUITE_P(Clinicctl, BadInputTest,
                         ::testing::ValuesIn(BadInputs()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

TEST_F(ClinicctlTest, ServerErrorThatIsNoRuleRejectionExitsOne) {
  const absl::CivilDay sunday = RaceSunday();
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  const std::string booking = Create(
      SessionArgs("book", athlete, therapist, "sports", When(sunday - 4, 10)));
  ASSERT_EQ(Run({"cancel", booking}).exit_code, kOk);
  const CliResult r =
      Run({"reschedule", booking, "--at", When(sunday - 4, 11)});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("clinicctl: FAILED_PRECONDITION: "));
  EXPECT_THAT(r.err, HasSubstr(booking));
}

// Runs clinicctl and the time it took (a sanity bound, not a benchmark).
CliResult TimedRun(const std::vector<std::string>& args,
                   std::chrono::duration<double>* took) {
  const auto start = std::chrono::steady_clock::now();
  CliResult r = RunClinicctl(args);
  *took = std::chrono::steady_clock::now() - start;
  return r;
}

TEST(ServerDownTest, NamesTheAddressItCannotReachWithinTheTimeout) {
  const RefusingPort port;
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{
           {"athlete", "list"},
           {"book", "--athlete", "ath_1", "--therapist", "th_1", "--modality",
            "sports", "--at", "2030-01-02 10:00"}}) {
    std::vector<std::string> args = {"--server", port.address(), "--timeout",
                                     "2"};
    args.insert(args.end(), command.begin(), command.end());
    std::chrono::duration<double> took;
    const CliResult r = TimedRun(args, &took);
    EXPECT_EQ(r.exit_code, kFailure) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err,
                StartsWith(absl::StrCat("clinicctl: cannot reach clinicd at ",
                                        port.address())));
    EXPECT_LT(took.count(), 10) << r;
  }
}

TEST(ServerDownTest, SilentServerTimesOutNamingTheAddress) {
  const SilentPort port;
  std::chrono::duration<double> took;
  const CliResult r = TimedRun(
      {"--server", port.address(), "--timeout", "2", "athlete", "list"}, &took);
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(port.address()));
  EXPECT_THAT(r.err, HasSubstr("within 2 s"));
  EXPECT_LT(took.count(), 10) << r;
}

TEST_F(ClinicctlTest, ClinicServerStandsInForTheServerFlag) {
  const std::string athlete = AddAthlete();
  const CliResult r = RunClinicctl({"athlete", "list", "--json"},
                                   {{"CLINIC_SERVER", server_.address()}});
  ASSERT_EQ(r.exit_code, kOk) << r;
  v1::ListAthletesResponse list;
  ASSERT_TRUE(ParseJson(r.out, &list));
  ASSERT_THAT(list.athletes(), SizeIs(1));
  EXPECT_EQ(list.athletes(0).id(), athlete);
}

TEST_F(ClinicctlTest, ServerFlagOverridesClinicServer) {
  const RefusingPort dead;
  const CliResult to_live =
      RunClinicctl({"--server", server_.address(), "rules"},
                   {{"CLINIC_SERVER", dead.address()}});
  EXPECT_EQ(to_live.exit_code, kOk) << to_live;
  EXPECT_THAT(to_live.out, StartsWith("Clinic time zone:  America/New_York\n"));

  const CliResult to_dead =
      RunClinicctl({"rules", "--server", dead.address(), "--timeout", "2"},
                   {{"CLINIC_SERVER", server_.address()}});
  EXPECT_EQ(to_dead.exit_code, kFailure) << to_dead;
  EXPECT_THAT(to_dead.err, HasSubstr(dead.address()));
}

const std::vector<std::string>& AllCommands() {
  static const auto* commands =
      new std::vector<std::string>{"therapist add",
                                   "therapist list",
                                   "therapist show",
                                   "therapist update",
                                   "therapist timeoff",
                                   "therapist timeoff-delete",
                                   "athlete add",
                                   "athlete list",
                                   "athlete show",
                                   "athlete race",
                                   "athlete workout",
                                   "athlete injury",
                                   "athlete injury-resolve",
                                   "athlete event-delete",
                                   "slots",
                                   "check",
                                   "book",
                                   "reschedule",
                                   "cancel",
                                   "bookings",
                                   "bookings show",
                                   "export ics",
                                   "rules"};
  return *commands;
}

TEST(HelpTest, HelpListsEveryCommandWithoutAServer) {
  const CliResult r = RunClinicctl({"help"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("Usage: clinicctl "));
  for (const std::string& command : AllCommands()) {
    EXPECT_THAT(r.out, HasSubstr("\n  " + command + " ")) << command;
  }
  EXPECT_THAT(r.out, HasSubstr("--server HOST:PORT"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes: 0"));
}

TEST(HelpTest, EveryCommandExplainsItselfWithAnExample) {
  for (const std::string& command : AllCommands()) {
    std::vector<std::string> args = absl::StrSplit(command, ' ');
    args.push_back("--help");
    const CliResult r = RunClinicctl(args);
    EXPECT_EQ(r.exit_code, kOk) << command << "\n" << r;
    EXPECT_EQ(r.err, "") << command;
    EXPECT_THAT(r.out, HasSubstr("\nUsage: clinicctl " + command)) << command;
    EXPECT_THAT(r.out, HasSubstr("\nExamples:\n  ")) << command;
    std::vector<std::string> help_args = {"help"};
    help_args.insert(help_args.end(), args.begin(), args.end() - 1);
    EXPECT_EQ(RunClinicctl(help_args).out, r.out)
        << "'clinicctl help " << command << "' differs from --help";
  }
}

TEST(HelpTest, BookHelpExplainsEveryFlag) {
  const CliResult r = RunClinicctl({"book", "--help"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_EQ(r.err, "");
  for (const char* flag :
       {"--athlete ID", "--therapist ID", "--modality MODALITY", "--at WHEN",
        "--request-id KEY", "--server HOST:PORT", "--json",
        "--timeout SECONDS"}) {
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("\n  ", flag, " "))) << flag;
  }
  EXPECT_THAT(r.out,
              HasSubstr("\nUsage: clinicctl book --athlete ID --therapist ID "
                        "--modality MODALITY --at WHEN [--request-id KEY]\n"));
  EXPECT_THAT(r.out, HasSubstr("\nExamples:\n  "));
  EXPECT_THAT(r.out, HasSubstr("clinicctl book --athlete "));
}

}  // namespace
}  // namespace clinic::testing
