// clinicctl's shell completion in a real bash: the script `completion bash`
// prints completes command words, flags and values, and takes ids from
// clinicd through `__complete`, which is quick and quiet without one.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"
#include "tests/e2e/dead_ports.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::Not;

// Loads the script and completes the line "clinicctl $@" (its last word
// the one at the cursor) as bash does on Tab, printing what it offers.
constexpr char kCompleteInBash[] = R"sh(
source <(clinicctl completion bash) || exit 9
COMP_WORDS=(clinicctl "$@")
COMP_CWORD=$#
_clinicctl
for word in "${COMPREPLY[@]}"; do echo "$word"; done
)sh";

// What bash offers for `words`, sorted. `env` is all its environment but
// PATH, which finds the clinicctl under test.
std::vector<std::string> Complete(const std::vector<std::string>& words,
                                  const EnvVars& env = {}) {
  const std::string clinicctl = CLINICCTL_PATH;
  std::vector<std::string> args = {"-c", kCompleteInBash, "bash"};
  args.insert(args.end(), words.begin(), words.end());
  EnvVars full = env;
  full.emplace_back("PATH",
                    absl::StrCat(clinicctl.substr(0, clinicctl.rfind('/')),
                                 ":/usr/bin:/bin"));
  const CliResult r = RunProgram("/bin/bash", args, full);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "") << r;
  std::vector<std::string> offered = Lines(r.out);
  std::sort(offered.begin(), offered.end());
  return offered;
}

TEST(BashCompletionTest, CompletesCommandWords) {
  EXPECT_THAT(Complete({"thera"}), ElementsAre("therapist"));
  EXPECT_THAT(Complete({"therapist", "up"}), ElementsAre("update"));
  EXPECT_THAT(Complete({"therapist", ""}),
              ElementsAre("add", "list", "show", "timeoff", "timeoff-delete",
                          "update"));
  const std::vector<std::string> first = Complete({""});
  EXPECT_THAT(first, IsSupersetOf({"book", "completion", "help", "therapist"}));
  EXPECT_THAT(first, Not(Contains("__complete")));
  // Global flags may come first; `bookings` is a command and a group.
  EXPECT_THAT(Complete({"--json", "book"}), ElementsAre("book", "bookings"));
  EXPECT_THAT(Complete({"bookings", ""}), ElementsAre("show"));
  EXPECT_THAT(Complete({"help", "clin"}), ElementsAre("clinic"));
  // bash splits HOST:PORT into three words.
  EXPECT_THAT(Complete({"--server", "127.0.0.1", ":", "7000", "export", ""}),
              ElementsAre("ics"));
}

TEST(BashCompletionTest, CompletesFlagsOfTheCommandAndGlobalOnes) {
  EXPECT_THAT(Complete({"therapist", "add", "--mo"}),
              ElementsAre("--modalities"));
  EXPECT_THAT(Complete({"book", "--"}),
              IsSupersetOf({"--athlete", "--therapist", "--modality", "--at",
                            "--request-id", "--server", "--token", "--clinic",
                            "--tls-ca"}));
  EXPECT_THAT(Complete({"--ti"}), ElementsAre("--timeout"));
}

TEST(BashCompletionTest, CompletesModalitiesShellsAndFiles) {
  EXPECT_THAT(Complete({"book", "--modality", "d"}),
              ElementsAre("deep_tissue"));
  EXPECT_THAT(Complete({"slots", "--modality", ""}),
              ElementsAre("active_release", "deep_tissue", "sports"));
  EXPECT_THAT(Complete({"therapist", "add", "--modalities", "deep_tissue,s"}),
              ElementsAre("deep_tissue,sports"));
  // --modality=a, as bash splits it.
  EXPECT_THAT(Complete({"slots", "--modality", "=", "a"}),
              ElementsAre("active_release"));
  EXPECT_THAT(Complete({"completion", ""}), ElementsAre("bash", "zsh"));

  const TempDir dir;
  const std::string rules = dir.path() + "/london.textproto";
  std::ofstream(rules) << "min_notice { seconds: 7200 }\n";
  EXPECT_THAT(
      Complete({"clinic", "update", "cl_1", "--rules", dir.path() + "/lon"}),
      ElementsAre(rules));
  EXPECT_THAT(Complete({"--tls-ca", dir.path() + "/"}), ElementsAre(rules));
}

// zsh is installed by scripts/setup for this check.
TEST(BashCompletionTest, ZshAcceptsItsScript) {
  ASSERT_EQ(access("/bin/zsh", X_OK), 0) << "zsh is not installed";
  const CliResult script = RunClinicctl({"completion", "zsh"});
  ASSERT_EQ(script.exit_code, kOk) << script;
  const TempDir dir;
  const std::string file = dir.path() + "/_clinicctl";
  std::ofstream(file) << script.out;
  const CliResult r = RunProgram("/bin/zsh", {"-n", file}, {});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST_F(ClinicctlTest, CompletesIdsFromTheServer) {
  const std::string maya = AddTherapist("Maya Okafor");
  const std::string sam = AddTherapist("Sam Lindqvist");
  const std::string jane = AddAthlete("Jane Runner");
  const EnvVars env = {{"CLINIC_SERVER", server_.address()},
                       {"CLINIC_TOKEN", kAdminToken}};

  const CliResult r = RunClinicctl({"__complete", "therapists"}, env);
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(Lines(r.out), ElementsAre(absl::StrCat(maya, "\tMaya Okafor"),
                                        absl::StrCat(sam, "\tSam Lindqvist")));
  EXPECT_EQ(r.err, "");
  // Not a command for people.
  EXPECT_THAT(RunClinicctl({"help"}).out, Not(HasSubstr("__complete")));

  EXPECT_THAT(Complete({"book", "--therapist", ""}, env),
              ElementsAre(maya, sam));
  EXPECT_THAT(Complete({"therapist", "show", ""}, env), ElementsAre(maya, sam));
  EXPECT_THAT(Complete({"book", "--athlete", ""}, env), ElementsAre(jane));
  EXPECT_THAT(Complete({"--clinic", "cl"}, env), ElementsAre("cl_1"));
}

TEST(BashCompletionTest, IdsAreNothingAtOnceWhenNoServerAnswers) {
  const RefusingPort refusing;
  const SilentPort silent;
  for (const std::string& server : {refusing.address(), silent.address()}) {
    SCOPED_TRACE(server);
    const auto start = std::chrono::steady_clock::now();
    const CliResult r =
        RunClinicctl({"__complete", "therapists"}, {{"CLINIC_SERVER", server}});
    const std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, kOk) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    EXPECT_LT(took.count(), 2) << "a silent server is given 1 s";
    EXPECT_THAT(
        Complete({"therapist", "show", ""}, {{"CLINIC_SERVER", server}}),
        IsEmpty());
  }
}

}  // namespace
}  // namespace clinic::testing
