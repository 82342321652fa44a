// clinicctl's command line: which command runs, with which flags, or which
// usage error, before anything is sent.
#include "clients/clinicctl/command.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

int Noop(Session&, const Args&) { return 0; }

// Invocations point into the command table, so it outlives every test.
const CommandLine& Line() {
  static const auto* line = new CommandLine({
      {"book",
       {},
       "reserve a session",
       "",
       {Required({"athlete", "ID", "who"}),
        {"at", "WHEN", "start"},
        {"request-id", "KEY", "idempotency key"}},
       {"clinicctl book --athlete ath_1"},
       Noop},
      {"bookings",
       {},
       "list bookings",
       "",
       {{"at-risk", "", "only at risk"}},
       {},
       Noop},
      {"bookings show", {"BOOKING_ID"}, "show one", "", {}, {}, Noop},
      {"therapist add", {}, "add", "", {{"name", "NAME", "name"}}, {}, Noop},
      {"therapist show", {"ID"}, "show", "", {}, {}, Noop},
  });
  return *line;
}

Invocation Parse(std::vector<std::string> argv,
                 std::map<std::string, std::string> env = {}) {
  return Line().Parse(argv, [&env](const char* name) { return env[name]; });
}

TEST(CommandLineTest, FindsTheLongestCommandAndItsFlags) {
  Invocation inv = Parse({"bookings", "show", "bk_3"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.command->path, "bookings show");
  EXPECT_THAT(inv.args.positional(), ElementsAre("bk_3"));

  inv = Parse({"bookings", "--at-risk"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.command->path, "bookings");
  EXPECT_TRUE(inv.args.Has("at-risk"));

  inv = Parse({"book", "--athlete=ath_1", "--at", "2026-12-04 16:00"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.args.Get("athlete"), "ath_1");
  EXPECT_EQ(inv.args.Get("at"), "2026-12-04 16:00");
  EXPECT_FALSE(inv.args.Has("request-id"));
}

TEST(CommandLineTest, GlobalFlagsGoAnywhereAndBeatTheEnvironment) {
  Invocation inv =
      Parse({"--json", "therapist", "show", "th_1", "--server", "10.0.0.2:7000",
             "--timeout=2.5"},
            {{"CLINIC_SERVER", "10.0.0.1:50051"}, {"CLINIC_TOKEN", "secret"}});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_TRUE(inv.options.json);
  EXPECT_EQ(inv.options.server, "10.0.0.2:7000");
  EXPECT_EQ(inv.options.token, "secret");
  EXPECT_DOUBLE_EQ(inv.options.timeout_seconds, 2.5);

  inv = Parse({"therapist", "show", "th_1"},
              {{"CLINIC_SERVER", "10.0.0.1:50051"}});
  EXPECT_EQ(inv.options.server, "10.0.0.1:50051");
  EXPECT_EQ(Parse({"therapist", "show", "th_1"}).options.server,
            "127.0.0.1:50051");
}

TEST(CommandLineTest, ValuesMayLookLikeAnything) {
  Invocation inv = Parse({"therapist", "add", "--name", "--weird-name--"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.args.Get("name"), "--weird-name--");
  inv = Parse({"therapist", "show", "--", "-th"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_THAT(inv.args.positional(), ElementsAre("-th"));
}

TEST(CommandLineTest, UsageErrorsSayWhatIsWrongAndKeepTheCommand) {
  struct Case {
    std::vector<std::string> argv;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {{"book"}, "--athlete is required"},
           {{"book", "--athelete", "x"},
            "unknown flag --athelete; did you mean --athlete?"},
           {{"book", "--athlete"}, "--athlete needs a value (ID)"},
           {{"book", "--athlete", "a", "--athlete", "b"},
            "--athlete is given twice"},
           {{"book", "--athlete", "a", "extra"},
            "unexpected argument \"extra\""},
           {{"therapist", "show"}, "missing ID"},
           {{"bookings", "--at-risk=maybe"},
            "--at-risk takes no value, or true/false"},
           {{"book", "--athlete", "a", "--timeout", "0"},
            "--timeout must be a number of seconds in (0, 3600]"},
       }) {
    Invocation inv = Parse(c.argv);
    EXPECT_EQ(inv.kind, Invocation::kUsageError) << c.error;
    EXPECT_EQ(inv.error, c.error);
    ASSERT_NE(inv.command, nullptr) << c.error;
  }
}

TEST(CommandLineTest, UnknownCommandsAndBareGroups) {
  Invocation inv = Parse({"frobnicate"});
  EXPECT_EQ(inv.kind, Invocation::kUsageError);
  EXPECT_EQ(inv.error, "unknown command \"frobnicate\"");
  inv = Parse({"therapist"});
  EXPECT_EQ(inv.kind, Invocation::kUsageError);
  EXPECT_EQ(inv.group, "therapist");
  inv = Parse({"therapist", "fire", "th_1"});
  EXPECT_EQ(inv.error, "unknown command \"therapist fire\"");
  EXPECT_EQ(Parse({}).kind, Invocation::kUsageError);
}

TEST(CommandLineTest, HelpForEverythingAGroupOrACommand) {
  EXPECT_EQ(Parse({"help"}).kind, Invocation::kHelp);
  EXPECT_EQ(Parse({"--help"}).command, nullptr);
  Invocation inv = Parse({"therapist", "--help"});
  EXPECT_EQ(inv.kind, Invocation::kHelp);
  EXPECT_EQ(inv.group, "therapist");
  for (auto argv : std::vector<std::vector<std::string>>{
           {"book", "--help"}, {"book", "-h"}, {"help", "book"}}) {
    inv = Parse(argv);
    EXPECT_EQ(inv.kind, Invocation::kHelp);
    ASSERT_NE(inv.command, nullptr);
    EXPECT_EQ(inv.command->path, "book");
  }
  const std::string help = Line().Help(*inv.command);
  EXPECT_THAT(help, HasSubstr("Usage: clinicctl book --athlete ID [--at WHEN] "
                              "[--request-id KEY]"));
  EXPECT_THAT(help, HasSubstr("--athlete ID"));
  EXPECT_THAT(help, HasSubstr("who (required)"));
  EXPECT_THAT(help, HasSubstr("--server HOST:PORT"));
  EXPECT_THAT(help, HasSubstr("Examples:\n  clinicctl book --athlete ath_1\n"));
  EXPECT_THAT(Line().Overview(),
              HasSubstr("  bookings show BOOKING_ID  show one\n"));
}

}  // namespace
}  // namespace clinic::cli
