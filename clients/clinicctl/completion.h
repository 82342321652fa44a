// Shell completion for clinicctl: a bash or zsh script written from the
// command table, so it completes every command and flag the table has.
#ifndef CLINIC_CLIENTS_CLINICCTL_COMPLETION_H_
#define CLINIC_CLIENTS_CLINICCTL_COMPLETION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/clinicctl/command.h"

namespace clinic::cli {

// The shells CompletionScript writes for: "bash", "zsh".
const std::vector<std::string>& CompletionShells();

// The completion script for `shell` over `commands` (hidden ones left out)
// and GlobalFlags(). It completes command words, flags, and values: the
// modality names for --modality and --modalities, file names for FILE,
// the shells for SHELL, and the ids of --therapist, --clinic, --clinics,
// --athlete and of the ID of a therapist, clinic or athlete command, which
// it asks of `clinicctl __complete therapists|clinics|athletes`.
// INVALID_ARGUMENT for a shell not in CompletionShells().
absl::StatusOr<std::string> CompletionScript(
    absl::string_view shell, const std::vector<CommandSpec>& commands);

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_COMPLETION_H_
