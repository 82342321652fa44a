// The completion scripts name every command, flag and value kind of the
// real command table; tests/e2e runs the bash one in bash.
#include "clients/clinicctl/completion.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/parse.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace clinic::cli {
namespace {

using ::clinic::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::StartsWith;

std::string Script(const std::string& shell) {
  absl::StatusOr<std::string> script = CompletionScript(shell, AllCommands());
  EXPECT_TRUE(script.ok()) << script.status();
  return script.value_or("");
}

// The words of the line after `prefix` ("subs=(add list)" gives "subs=",
// "add", "list"); none when no line starts so.
std::vector<std::string> WordsAfter(const std::string& script,
                                    const std::string& prefix) {
  const size_t at = script.find(absl::StrCat("\n", prefix));
  if (at == std::string::npos) return {};
  const size_t begin = at + 1 + prefix.size();
  return absl::StrSplit(script.substr(begin, script.find('\n', begin) - begin),
                        absl::ByAnyChar(" ();"), absl::SkipEmpty());
}

// The case of _clinicctl_command for a command or group, and its words.
std::string Case(const std::string& words) {
  return absl::StrCat("    '", words, "')");
}
std::vector<std::string> Branch(const std::string& script,
                                const std::string& words) {
  return WordsAfter(script, Case(words));
}

// "name" for a switch, "name=KIND" for a flag with a value.
::testing::Matcher<std::string> Names(const FlagSpec& flag) {
  if (flag.value.empty()) return flag.name;
  return StartsWith(absl::StrCat(flag.name, "="));
}

TEST(CompletionTest, BashScriptHasEveryCommandWithItsFlags) {
  const std::string script = Script("bash");
  int commands = 0;
  for (const CommandSpec& c : AllCommands()) {
    if (c.hidden) continue;
    ++commands;
    SCOPED_TRACE(c.path);
    ASSERT_THAT(script, HasSubstr(absl::StrCat("\n", Case(c.path))));
    const std::vector<std::string> branch = Branch(script, c.path);
    EXPECT_THAT(branch, Not(Contains("return")));  // it is a command
    for (const FlagSpec& f : c.flags) {
      EXPECT_THAT(branch, Contains(Names(f))) << "--" << f.name;
    }
    // Each word follows the words before it: "therapist" at the start,
    // "add" after "therapist".
    std::string group;
    for (const std::string& word :
         std::vector<std::string>(absl::StrSplit(c.path, ' '))) {
      EXPECT_THAT(Branch(script, group), Contains(word)) << "after " << group;
      group = group.empty() ? word : absl::StrCat(group, " ", word);
    }
  }
  EXPECT_GT(commands, 30);
  const std::vector<std::string> globals = WordsAfter(script, "  flags=(");
  for (const FlagSpec& f : GlobalFlags()) {
    EXPECT_THAT(globals, Contains(Names(f))) << "--" << f.name;
  }
  EXPECT_THAT(Branch(script, ""), IsSupersetOf({"help", "completion"}));
  EXPECT_THAT(script, HasSubstr("\ncomplete -F _clinicctl clinicctl\n"));
}

TEST(CompletionTest, HiddenCommandsAreNotCompleted) {
  const std::string script = Script("bash");
  for (const CommandSpec& c : AllCommands()) {
    if (!c.hidden) continue;
    EXPECT_THAT(script, Not(HasSubstr(Case(c.path))));
    EXPECT_THAT(Branch(script, ""), Not(Contains(c.path)));
  }
}

TEST(CompletionTest, ValuesAreCompletedByKind) {
  const std::string script = Script("bash");
  std::vector<std::string> modalities;
  for (int m = v1::Modality_MIN; m <= v1::Modality_MAX; ++m) {
    if (m == v1::MODALITY_UNSPECIFIED || !v1::Modality_IsValid(m)) continue;
    modalities.push_back(ModalityFlagName(static_cast<v1::Modality>(m)));
  }
  EXPECT_THAT(modalities, Contains("deep_tissue"));
  EXPECT_THAT(WordsAfter(script, "    modality) choices=("),
              IsSupersetOf(modalities));
  EXPECT_THAT(WordsAfter(script, "    shell) choices=("),
              IsSupersetOf(CompletionShells()));

  // Every FILE, on any command or among the global flags, is a file name.
  int files = 0;
  for (const CommandSpec& c : AllCommands()) {
    if (c.hidden) continue;
    for (const FlagSpec& f : c.flags) {
      if (f.value != "FILE") continue;
      ++files;
      EXPECT_THAT(Branch(script, c.path),
                  Contains(absl::StrCat(f.name, "=file")));
    }
  }
  EXPECT_GT(files, 0);
  EXPECT_THAT(WordsAfter(script, "  flags=("),
              IsSupersetOf({"tls-ca=file", "tls-cert=file", "tls-key=file",
                            "clinic=clinic"}));
  EXPECT_THAT(Branch(script, "book"),
              IsSupersetOf({"modality=modality", "therapist=therapist",
                            "athlete=athlete"}));
  EXPECT_THAT(Branch(script, "therapist add"),
              Contains("modalities=modality-list"));
  EXPECT_THAT(Branch(script, "therapist show"), Contains("therapist"));
  EXPECT_THAT(Branch(script, "completion"), Contains("shell"));
}

TEST(CompletionTest, ZshScriptHasTheSameTable) {
  const std::string bash = Script("bash");
  const std::string zsh = Script("zsh");
  EXPECT_THAT(zsh, StartsWith("#compdef clinicctl\n"));
  EXPECT_THAT(zsh, HasSubstr("compdef _clinicctl clinicctl"));
  const std::string table = "_clinicctl_command() {";
  const std::string end = "\n}\n";
  const size_t at = bash.find(table);
  ASSERT_NE(at, std::string::npos);
  EXPECT_THAT(zsh, HasSubstr(bash.substr(at, bash.find(end, at) - at)));
}

TEST(CompletionTest, OtherShellsAreRefused) {
  EXPECT_THAT(CompletionScript("fish", AllCommands()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("use bash or zsh")));
}

}  // namespace
}  // namespace clinic::cli
