#include "clients/clinicctl/commands.h"

#include <utility>
#include <vector>

namespace clinic::cli {

std::vector<CommandSpec> AllCommands() {
  std::vector<CommandSpec> all;
  for (auto group : {ClinicCommands, TherapistCommands, AthleteCommands,
                     BookingCommands, UserCommands, CompletionCommands}) {
    for (auto& c : group()) all.push_back(std::move(c));
  }
  return all;
}

}  // namespace clinic::cli
