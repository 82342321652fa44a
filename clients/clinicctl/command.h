// clinicctl's command line: the table of commands, their flags, parsing
// and help. Knows nothing of gRPC.
#ifndef CLINIC_CLIENTS_CLINICCTL_COMMAND_H_
#define CLINIC_CLIENTS_CLINICCTL_COMMAND_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace clinic::cli {

// Exit codes, as the README documents them.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure =
      1,           // the server said no (other than a rejection), or no server
  kExitUsage = 2,  // a bad flag, argument or value; nothing was sent
  kExitRejected = 3,  // a recovery rule rejected the session
};

struct FlagSpec {
  std::string name;   // "athlete" for --athlete
  std::string value;  // placeholder, e.g. "ID"; empty for a switch
  std::string help;   // one sentence
  bool required = false;
};

inline FlagSpec Required(FlagSpec flag) {
  flag.required = true;
  return flag;
}

// What the user typed after the command's words.
class Args {
 public:
  bool Has(absl::string_view flag) const;
  // The flag's value, or "" when absent.
  std::string Get(absl::string_view flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class CommandLine;
  std::map<std::string, std::string, std::less<>> flags_;
  std::vector<std::string> positional_;
};

class Session;

struct CommandSpec {
  std::string path;                     // "therapist add"
  std::vector<std::string> positional;  // placeholders, e.g. {"ID"}
  std::string summary;                  // one line, for `clinicctl help`
  std::string description;              // paragraphs for --help; may be ""
  std::vector<FlagSpec> flags;
  std::vector<std::string> examples;  // command lines, shown in --help
  std::function<int(Session&, const Args&)> run;
  // Left out of `clinicctl help` and of completion: for scripts (the
  // completion script's __complete), not for people.
  bool hidden = false;
};

// The flags every command takes, wherever they appear on the line:
// --server, --token, --clinic, --json, --timeout, --tls-*, --help.
const std::vector<FlagSpec>& GlobalFlags();

// Options that apply to every command, wherever they appear on the line.
struct GlobalOptions {
  std::string server;  // --server, else $CLINIC_SERVER, else 127.0.0.1:50051
  std::string token;   // --token, else $CLINIC_TOKEN
  // --clinic, else $CLINIC_CLINIC: the clinic commands act in and show
  // times of; empty: the one a command's records are at, or the only one.
  std::string clinic;
  bool json = false;            // --json
  double timeout_seconds = 10;  // --timeout
  // TLS: the files of --tls-ca, --tls-cert and --tls-key (else
  // $CLINIC_TLS_CA, $CLINIC_TLS_CERT, $CLINIC_TLS_KEY) and the PEM text
  // Parse read from them. Without a CA the channel is plaintext; with one it
  // is TLS verifying clinicd against it, and with a certificate and key
  // clinicctl presents them (mutual TLS).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// The result of reading argv.
struct Invocation {
  enum Kind { kRun, kHelp, kUsageError } kind = kRun;
  const CommandSpec* command = nullptr;  // null: help for a group or all
  std::string group;                     // "therapist" for group help
  Args args;
  GlobalOptions options;
  std::string error;  // kUsageError: what is wrong
};

class CommandLine {
 public:
  explicit CommandLine(std::vector<CommandSpec> commands);

  // Reads argv[1..]; `env` gives CLINIC_SERVER, CLINIC_TOKEN and
  // CLINIC_TLS_*. For a command to run, reads the TLS files: one that cannot
  // be read is a usage error naming its flag.
  Invocation Parse(const std::vector<std::string>& argv,
                   const std::function<std::string(const char*)>& env) const;

  // `clinicctl help`: every command with its summary, and the global flags.
  std::string Overview() const;
  // Commands under `group` ("therapist").
  std::string GroupHelp(absl::string_view group) const;
  // `clinicctl COMMAND --help`: usage, every flag explained, examples.
  std::string Help(const CommandSpec& command) const;
  // The one-line synopsis: "clinicctl cancel BOOKING_ID [--reason TEXT]".
  static std::string Usage(const CommandSpec& command);

 private:
  const CommandSpec* Find(const std::vector<std::string>& words,
                          size_t* used) const;
  bool IsGroup(absl::string_view word) const;
  // "  path  summary" lines for the commands whose path starts with prefix.
  std::string CommandsUnder(absl::string_view prefix) const;

  std::vector<CommandSpec> commands_;
};

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_COMMAND_H_
