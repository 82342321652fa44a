// clinicctl's command line: which command runs, with which flags, or which
// usage error, before anything is sent.
#include "clients/clinicctl/command.h"

#include <cstdio>
#include <fstream>
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

// Files of the running test in the temporary folder, removed after it.
class ScratchFiles {
 public:
  ~ScratchFiles() {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path =
        ::testing::TempDir() +
        ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
        name;
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }

 private:
  std::vector<std::string> paths_;
};

TEST(CommandLineTest, TlsFlagsReadTheirFilesAndBeatTheEnvironment) {
  ScratchFiles files;
  const std::string ca =
      files.Write("ca.pem", "-----BEGIN CERTIFICATE-----\nA\n");
  const std::string cert =
      files.Write("cert.pem", "-----BEGIN CERTIFICATE-----\nB\n");
  const std::string key =
      files.Write("key.pem", "-----BEGIN PRIVATE KEY-----\nC\n");
  const std::string env_ca =
      files.Write("env-ca.pem", "-----BEGIN CERTIFICATE-----\nD\n");

  Invocation inv = Parse({"--tls-ca", ca, "therapist", "show", "th_1",
                          "--tls-cert=" + cert, "--tls-key", key},
                         {{"CLINIC_TLS_CA", env_ca}});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_THAT(inv.args.positional(), ElementsAre("th_1"));
  EXPECT_EQ(inv.options.tls_ca_file, ca);
  EXPECT_EQ(inv.options.tls_ca, "-----BEGIN CERTIFICATE-----\nA\n");
  EXPECT_EQ(inv.options.tls_cert, "-----BEGIN CERTIFICATE-----\nB\n");
  EXPECT_EQ(inv.options.tls_key, "-----BEGIN PRIVATE KEY-----\nC\n");

  inv = Parse({"therapist", "show", "th_1"}, {{"CLINIC_TLS_CA", env_ca},
                                              {"CLINIC_TLS_CERT", cert},
                                              {"CLINIC_TLS_KEY", key}});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.options.tls_ca_file, env_ca);
  EXPECT_EQ(inv.options.tls_ca, "-----BEGIN CERTIFICATE-----\nD\n");
  EXPECT_EQ(inv.options.tls_cert_file, cert);
  EXPECT_EQ(inv.options.tls_key_file, key);
  EXPECT_EQ(inv.options.tls_key, "-----BEGIN PRIVATE KEY-----\nC\n");

  // Server-only TLS needs just the CA; no CA at all is plaintext.
  inv = Parse({"therapist", "show", "th_1", "--tls-ca", ca});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.options.tls_ca, "-----BEGIN CERTIFICATE-----\nA\n");
  EXPECT_EQ(inv.options.tls_cert, "");
  inv = Parse({"therapist", "show", "th_1"});
  ASSERT_EQ(inv.kind, Invocation::kRun) << inv.error;
  EXPECT_EQ(inv.options.tls_ca_file, "");
  EXPECT_EQ(inv.options.tls_ca, "");
}

TEST(CommandLineTest, BadTlsFilesAreUsageErrorsNamingTheFlag) {
  ScratchFiles files;
  const std::string ca =
      files.Write("ca.pem", "-----BEGIN CERTIFICATE-----\nA\n");
  const std::string cert =
      files.Write("cert.pem", "-----BEGIN CERTIFICATE-----\nB\n");
  const std::string key =
      files.Write("key.pem", "-----BEGIN PRIVATE KEY-----\nC\n");
  const std::string der =
      files.Write("ca.der", std::string("0\x82\x01\n\0", 5));
  const std::string missing = ::testing::TempDir() + "no-such-dir/ca.pem";
  struct Case {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {{"--tls-ca", missing},
            {},
            "--tls-ca: cannot read \"" + missing +
                "\": No such file or directory"},
           {{},
            {{"CLINIC_TLS_CA", missing}},
            "--tls-ca ($CLINIC_TLS_CA): cannot read \"" + missing +
                "\": No such file or directory"},
           {{"--tls-ca", ca, "--tls-cert", cert, "--tls-key", missing},
            {},
            "--tls-key: cannot read \"" + missing +
                "\": No such file or directory"},
           {{"--tls-ca", ::testing::TempDir()},
            {},
            "--tls-ca: cannot read \"" + ::testing::TempDir() +
                "\": Is a directory"},
           {{"--tls-ca", der},
            {},
            "--tls-ca: \"" + der + "\" is not a PEM file (no -----BEGIN)"},
           {{"--tls-ca="}, {}, "--tls-ca needs a value (FILE)"},
           {{"--tls-ca", ca, "--tls-cert", cert},
            {},
            "--tls-cert needs --tls-key"},
           {{"--tls-ca", ca},
            {{"CLINIC_TLS_KEY", key}},
            "--tls-key ($CLINIC_TLS_KEY) needs --tls-cert"},
           {{"--tls-cert", cert, "--tls-key", key},
            {},
            "--tls-cert and --tls-key need --tls-ca, the CA that signed "
            "clinicd's certificate"},
       }) {
    std::vector<std::string> argv = {"therapist", "show", "th_1"};
    argv.insert(argv.end(), c.argv.begin(), c.argv.end());
    Invocation inv = Parse(argv, c.env);
    EXPECT_EQ(inv.kind, Invocation::kUsageError) << c.error;
    EXPECT_EQ(inv.error, c.error);
    ASSERT_NE(inv.command, nullptr) << c.error;
    EXPECT_EQ(inv.command->path, "therapist show");
  }
  // Help needs no files.
  Invocation inv = Parse({"therapist", "show", "--help", "--tls-ca", missing});
  EXPECT_EQ(inv.kind, Invocation::kHelp);
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

TEST(CommandLineTest, ArgumentsMustBeUtf8) {
  Invocation inv = Parse({"book", "--athlete", "Zo\xeb"});
  EXPECT_EQ(inv.kind, Invocation::kUsageError);
  EXPECT_EQ(inv.error,
            "argument 3 is not UTF-8 text; check the terminal's encoding");
  EXPECT_EQ(Parse({"therapist", "add", "--name", "Zo\xc3\xab"}).kind,
            Invocation::kRun);
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
  for (const auto& argv : std::vector<std::vector<std::string>>{
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
  EXPECT_THAT(help, HasSubstr("--tls-ca FILE"));
  EXPECT_THAT(help, HasSubstr("--tls-cert FILE"));
  EXPECT_THAT(help, HasSubstr("--tls-key FILE"));
  EXPECT_THAT(help, HasSubstr("$CLINIC_TLS_CA"));
  EXPECT_THAT(help, HasSubstr("Examples:\n  clinicctl book --athlete ath_1\n"));
  EXPECT_THAT(Line().Overview(),
              HasSubstr("  bookings show BOOKING_ID  show one\n"));
  EXPECT_THAT(Line().Overview(), HasSubstr("--tls-key FILE"));
}

}  // namespace
}  // namespace clinic::cli
