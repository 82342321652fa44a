// clinicctl: the clinic staff's command-line client for clinicd.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "clients/clinicctl/command.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/session.h"

int main(int argc, char** argv) {
  using clinic::cli::Invocation;
  const clinic::cli::CommandLine line(clinic::cli::AllCommands());
  const Invocation inv = line.Parse(
      std::vector<std::string>(argv + 1, argv + argc), [](const char* name) {
        const char* value = std::getenv(name);
        return std::string(value == nullptr ? "" : value);
      });
  switch (inv.kind) {
    case Invocation::kHelp:
      std::cout << (inv.command != nullptr ? line.Help(*inv.command)
                    : inv.group.empty()    ? line.Overview()
                                           : line.GroupHelp(inv.group));
      return clinic::cli::kExitOk;
    case Invocation::kUsageError:
      std::cerr << "clinicctl: " << inv.error << "\n";
      if (inv.command != nullptr) {
        std::cerr << "Usage: " << line.Usage(*inv.command) << "\n"
                  << "Run 'clinicctl " << inv.command->path
                  << " --help' for more.\n";
      } else if (!inv.group.empty()) {
        std::cerr << line.GroupHelp(inv.group);
      } else {
        std::cerr << "Run 'clinicctl help' for the commands.\n";
      }
      return clinic::cli::kExitUsage;
    case Invocation::kRun:
      break;
  }
  clinic::cli::Session session(*inv.command, inv.options, std::cout, std::cerr);
  return inv.command->run(session, inv.args);
}
