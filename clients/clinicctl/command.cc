#include "clients/clinicctl/command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/clinicctl/table.h"
#include "services/core/text.h"

namespace clinic::cli {
namespace {

constexpr absl::string_view kDefaultServer = "127.0.0.1:50051";
// Certificates and keys are a few KB; anything much larger is not one.
constexpr size_t kMaxPemBytes = 1 << 20;

// Two aligned columns without a header, each line indented.
std::string TwoColumns(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  Table table({"", ""});
  table.SetMaxWidth(0, 48);
  table.SetMaxWidth(1, 400);
  for (const auto& [left, right] : rows) {
    table.AddRow({absl::StrCat("  ", left), right});
  }
  std::string text = table.Render();
  return text.substr(text.find('\n') + 1);  // the empty header
}

std::string FlagsTable(const std::vector<FlagSpec>& flags) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const FlagSpec& f : flags) {
    std::string left = absl::StrCat("--", f.name);
    if (!f.value.empty()) absl::StrAppend(&left, " ", f.value);
    rows.emplace_back(left,
                      absl::StrCat(f.help, f.required ? " (required)" : ""));
  }
  return TwoColumns(rows);
}

const FlagSpec* FindFlag(const std::vector<FlagSpec>& flags,
                         absl::string_view name) {
  for (const FlagSpec& f : flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The flag whose name is at most two edits from `name`, or "".
std::string ClosestFlag(absl::string_view name,
                        const std::vector<FlagSpec>& flags) {
  for (const FlagSpec& f : flags) {
    // Levenshtein distance, one row at a time.
    std::vector<size_t> row(f.name.size() + 1);
    for (size_t j = 0; j < row.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= name.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j < row.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diagonal + (name[i - 1] != f.name[j - 1])});
        diagonal = up;
      }
    }
    if (row.back() <= 2) return f.name;
  }
  return "";
}

// A switch's value: absent, "true" or "false".
bool SwitchValue(absl::string_view value, bool* out) {
  if (value.empty() || value == "true") return *out = true, true;
  if (value == "false") return *out = false, true;
  return false;
}

// The text of the PEM file at `path`, or "" with *error saying why not.
std::string ReadPem(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = absl::StrCat("cannot read \"", path, "\": ", std::strerror(errno));
    return "";
  }
  std::string text;
  char buf[8192];
  ssize_t n = 0;
  while (text.size() <= kMaxPemBytes &&
         ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  }
  const int read_errno = n < 0 ? errno : 0;
  close(fd);
  if (read_errno != 0) {
    *error =
        absl::StrCat("cannot read \"", path, "\": ", std::strerror(read_errno));
  } else if (text.size() > kMaxPemBytes) {
    *error = absl::StrCat("\"", path, "\" is too large for a PEM file");
  } else if (!absl::StrContains(text, "-----BEGIN ")) {
    *error = absl::StrCat("\"", path, "\" is not a PEM file (no -----BEGIN)");
  }
  return error->empty() ? text : "";
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"server", "HOST:PORT",
       "clinicd's address (default $CLINIC_SERVER, else 127.0.0.1:50051); "
       "replicas as a gRPC target, e.g. ipv4:10.0.0.1:50051,10.0.0.2:50051, "
       "are taken in turn"},
      {"token", "TOKEN",
       "bearer token sent with each call (default $CLINIC_TOKEN)"},
      {"clinic", "ID",
       "the clinic to act in and show times of, e.g. cl_2 (default "
       "$CLINIC_CLINIC, else the clinic of the records named, or the only "
       "one)"},
      {"json", "",
       "print the response as protobuf JSON, nothing else on stdout"},
      {"timeout", "SECONDS",
       "give up on each call after this long (default 10)"},
      {"tls-ca", "FILE",
       "use TLS; verify clinicd with these PEM CA certificates (default "
       "$CLINIC_TLS_CA)"},
      {"tls-cert", "FILE",
       "PEM client certificate for mutual TLS (default $CLINIC_TLS_CERT)"},
      {"tls-key", "FILE",
       "PEM private key of --tls-cert (default $CLINIC_TLS_KEY)"},
      {"help", "", "show help for the command"},
  };
  return *flags;
}

bool Args::Has(absl::string_view flag) const {
  return flags_.find(flag) != flags_.end();
}

std::string Args::Get(absl::string_view flag) const {
  auto it = flags_.find(flag);
  return it == flags_.end() ? "" : it->second;
}

CommandLine::CommandLine(std::vector<CommandSpec> commands)
    : commands_(std::move(commands)) {}

bool CommandLine::IsGroup(absl::string_view word) const {
  for (const CommandSpec& c : commands_) {
    if (absl::StartsWith(c.path, absl::StrCat(word, " "))) return true;
  }
  return false;
}

const CommandSpec* CommandLine::Find(const std::vector<std::string>& words,
                                     size_t* used) const {
  const CommandSpec* best = nullptr;
  *used = 0;
  for (const CommandSpec& c : commands_) {
    std::vector<absl::string_view> path = absl::StrSplit(c.path, ' ');
    if (path.size() > words.size() || path.size() <= *used) continue;
    if (std::equal(path.begin(), path.end(), words.begin())) {
      best = &c;
      *used = path.size();
    }
  }
  return best;
}

Invocation CommandLine::Parse(
    const std::vector<std::string>& argv,
    const std::function<std::string(const char*)>& env) const {
  Invocation inv;
  inv.options.server = env("CLINIC_SERVER");
  if (inv.options.server.empty()) {
    inv.options.server = std::string(kDefaultServer);
  }
  inv.options.token = env("CLINIC_TOKEN");
  inv.options.clinic = env("CLINIC_CLINIC");
  // The TLS files and where each came from, for errors.
  struct TlsFile {
    const char* flag;
    const char* env;
    std::string* path;
    std::string* pem;
    bool from_env = false;
  };
  TlsFile tls[] = {
      {"tls-ca", "CLINIC_TLS_CA", &inv.options.tls_ca_file,
       &inv.options.tls_ca},
      {"tls-cert", "CLINIC_TLS_CERT", &inv.options.tls_cert_file,
       &inv.options.tls_cert},
      {"tls-key", "CLINIC_TLS_KEY", &inv.options.tls_key_file,
       &inv.options.tls_key},
  };
  for (TlsFile& f : tls) {
    *f.path = env(f.env);
    f.from_env = !f.path->empty();
  }
  const CommandSpec* command = nullptr;
  auto fail = [&inv, &command](std::string error) {
    inv.kind = Invocation::kUsageError;
    inv.command = command;
    inv.error = std::move(error);
    return inv;
  };

  for (size_t i = 0; i < argv.size(); ++i) {
    if (!core::CodePoints(argv[i], /*allow_control=*/true).has_value()) {
      return fail(absl::StrCat("argument ", i + 1,
                               " is not UTF-8 text; check the terminal's "
                               "encoding"));
    }
  }
  bool help = false;
  std::vector<std::string> words;  // the command's words, then positionals
  size_t i = 0;
  bool only_positional = false;
  while (i < argv.size()) {
    const std::string& token = argv[i++];
    if (only_positional || token == "-" || !absl::StartsWith(token, "-")) {
      words.push_back(token);
      continue;
    }
    if (token == "--") {
      only_positional = true;
      continue;
    }
    // The command is fixed by the words before its first flag.
    if (command == nullptr) {
      size_t used;
      command = Find(words, &used);
      if (command != nullptr) {
        words.erase(words.begin(),
                    words.begin() + static_cast<std::ptrdiff_t>(used));
      }
    }
    if (token == "-h") {
      help = true;
      continue;
    }
    if (!absl::StartsWith(token, "--")) {
      return fail(absl::StrCat("unknown flag ", token));
    }
    std::string name = token.substr(2);
    std::string value;
    bool inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    const FlagSpec* spec = FindFlag(GlobalFlags(), name);
    const bool global = spec != nullptr;
    if (!global && command != nullptr) spec = FindFlag(command->flags, name);
    if (spec == nullptr) {
      std::string hint = ClosestFlag(name, GlobalFlags());
      if (command != nullptr && hint.empty()) {
        hint = ClosestFlag(name, command->flags);
      }
      return fail(absl::StrCat("unknown flag --", name,
                               hint.empty() ? "" : "; did you mean --", hint,
                               hint.empty() ? "" : "?"));
    }
    if (!spec->value.empty() && !inline_value) {
      if (i == argv.size()) {
        return fail(
            absl::StrCat("--", name, " needs a value (", spec->value, ")"));
      }
      value = argv[i++];
    }
    if (spec->value.empty()) {
      bool on;
      if (!SwitchValue(value, &on)) {
        return fail(absl::StrCat("--", name, " takes no value, or true/false"));
      }
      value = on ? "true" : "";
      if (!on) continue;
    }
    if (name == "help") {
      help = true;
    } else if (name == "server") {
      inv.options.server = value;
    } else if (name == "token") {
      inv.options.token = value;
    } else if (name == "clinic") {
      inv.options.clinic = value;
    } else if (name == "json") {
      inv.options.json = true;
    } else if (name == "timeout") {
      double seconds;
      if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) ||
          seconds > 3600) {
        return fail("--timeout must be a number of seconds in (0, 3600]");
      }
      inv.options.timeout_seconds = seconds;
    } else if (absl::StartsWith(name, "tls-")) {
      // An empty value would silently mean plaintext.
      if (value.empty()) {
        return fail(absl::StrCat("--", name, " needs a value (FILE)"));
      }
      for (TlsFile& f : tls) {
        if (name == f.flag) {
          *f.path = value;
          f.from_env = false;
        }
      }
    } else if (!inv.args.flags_.emplace(name, value).second) {
      return fail(absl::StrCat("--", name, " is given twice"));
    }
  }
  if (command == nullptr) {
    size_t used;
    command = Find(words, &used);
    if (command != nullptr) {
      words.erase(words.begin(),
                  words.begin() + static_cast<std::ptrdiff_t>(used));
    }
  }
  if (command == nullptr && !words.empty() && words[0] == "help") {
    words.erase(words.begin());
    help = true;
    size_t used;
    command = Find(words, &used);
    if (command == nullptr && !words.empty() && !IsGroup(words[0])) {
      return fail(absl::StrCat("unknown command \"", words[0], "\""));
    }
  }
  inv.command = command;
  if (command == nullptr) {
    if (!words.empty() && IsGroup(words[0])) {
      inv.group = words[0];
      if (help || words.size() == 1) {
        inv.kind = help ? Invocation::kHelp : Invocation::kUsageError;
        if (!help) inv.error = absl::StrCat(words[0], " needs a subcommand");
        return inv;
      }
      return fail(
          absl::StrCat("unknown command \"", words[0], " ", words[1], "\""));
    }
    if (words.empty() || help) {
      inv.kind = help ? Invocation::kHelp : Invocation::kUsageError;
      if (!help) inv.error = "no command given";
      return inv;
    }
    return fail(absl::StrCat("unknown command \"", words[0], "\""));
  }
  if (help) {
    inv.kind = Invocation::kHelp;
    return inv;
  }
  inv.args.positional_ = std::move(words);
  const size_t want = command->positional.size();
  if (inv.args.positional_.size() != want) {
    if (inv.args.positional_.size() < want) {
      return fail(absl::StrCat(
          "missing ", command->positional[inv.args.positional_.size()]));
    }
    return fail(absl::StrCat("unexpected argument \"",
                             inv.args.positional_[want], "\""));
  }
  for (const FlagSpec& f : command->flags) {
    if (f.required && !inv.args.Has(f.name)) {
      return fail(absl::StrCat("--", f.name, " is required"));
    }
  }
  auto named = [](const TlsFile& f) {
    return absl::StrCat("--", f.flag, f.from_env ? " ($" : "",
                        f.from_env ? f.env : "", f.from_env ? ")" : "");
  };
  const TlsFile &ca = tls[0], &cert = tls[1], &key = tls[2];
  if (cert.path->empty() != key.path->empty()) {
    return fail(absl::StrCat(named(cert.path->empty() ? key : cert),
                             " needs --tls-",
                             cert.path->empty() ? "cert" : "key"));
  }
  if (!cert.path->empty() && ca.path->empty()) {
    return fail(
        "--tls-cert and --tls-key need --tls-ca, the CA that signed "
        "clinicd's certificate");
  }
  for (TlsFile& f : tls) {
    if (f.path->empty()) continue;
    std::string error;
    *f.pem = ReadPem(*f.path, &error);
    if (!error.empty()) return fail(absl::StrCat(named(f), ": ", error));
  }
  return inv;
}

std::string CommandLine::Usage(const CommandSpec& command) {
  std::string usage = absl::StrCat("clinicctl ", command.path);
  for (const std::string& p : command.positional) {
    absl::StrAppend(&usage, " ", p);
  }
  for (const FlagSpec& f : command.flags) {
    std::string flag = absl::StrCat("--", f.name);
    if (!f.value.empty()) absl::StrAppend(&flag, " ", f.value);
    absl::StrAppend(&usage, " ",
                    f.required ? flag : absl::StrCat("[", flag, "]"));
  }
  return usage;
}

std::string CommandLine::CommandsUnder(absl::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const CommandSpec& c : commands_) {
    if (c.hidden || !absl::StartsWith(c.path, prefix)) continue;
    std::string left = c.path;
    for (const std::string& p : c.positional) absl::StrAppend(&left, " ", p);
    rows.emplace_back(left, c.summary);
  }
  return TwoColumns(rows);
}

std::string CommandLine::Overview() const {
  return absl::StrCat(
      "clinicctl runs a sports-massage clinic through clinicd: therapists, "
      "athletes,\ntheir races and injuries, and bookings checked against "
      "the recovery rules.\n\nUsage: clinicctl [global flags] COMMAND "
      "[flags]\n\nCommands:\n",
      CommandsUnder(""), "\nGlobal flags:\n", FlagsTable(GlobalFlags()),
      "\nTimes (WHEN) are the clinic's local time, \"YYYY-MM-DD HH:MM\", or "
      "RFC 3339\nwith an offset; the clinic's time zone comes from the "
      "server.\nExit codes: 0 done, 1 failed, 2 bad usage, 3 rejected by a "
      "recovery rule.\n\nRun 'clinicctl COMMAND --help' for a command's "
      "flags and examples.\n");
}

std::string CommandLine::GroupHelp(absl::string_view group) const {
  return absl::StrCat("Usage: clinicctl ", group, " COMMAND [flags]\n\n",
                      "Commands:\n", CommandsUnder(absl::StrCat(group, " ")),
                      "\nRun 'clinicctl ", group,
                      " COMMAND --help' for a command's flags and examples.\n");
}

std::string CommandLine::Help(const CommandSpec& command) const {
  std::string help =
      absl::StrCat(command.summary, "\n\nUsage: ", Usage(command), "\n");
  if (!command.description.empty()) {
    absl::StrAppend(&help, "\n", command.description, "\n");
  }
  if (!command.flags.empty()) {
    absl::StrAppend(&help, "\nFlags:\n", FlagsTable(command.flags));
  }
  absl::StrAppend(&help, "\nGlobal flags:\n", FlagsTable(GlobalFlags()));
  if (!command.examples.empty()) {
    absl::StrAppend(&help, "\nExamples:\n");
    for (const std::string& e : command.examples) {
      absl::StrAppend(&help, "  ", e, "\n");
    }
  }
  return help;
}

}  // namespace clinic::cli
