// clinicctl completion, and the hidden __complete its scripts call back.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/completion.h"

namespace clinic::cli {
namespace {

// How long completion waits for clinicd: a user is waiting at a prompt.
constexpr absl::Duration kIdsDeadline = absl::Seconds(1);
// Ids offered of each kind: one page, cheap even with many athletes.
constexpr int kIdsPageSize = 100;

int PrintScript(Session& s, const Args& args) {
  absl::StatusOr<std::string> script =
      CompletionScript(args.positional()[0], AllCommands());
  if (!script.ok()) return s.UsageError(script.status());
  s.out() << *script;
  return kExitOk;
}

// "ID<TAB>NAME" lines of the first kIdsPageSize therapists (of --clinic,
// as `therapist list` lists them), clinics or athletes. Quiet for the
// completion script: nothing, and kExitOk, when clinicd does not answer
// within kIdsDeadline or refuses.
int PrintIds(Session& s, const Args& args) {
  const std::string& what = args.positional()[0];
  std::unique_ptr<grpc::ClientContext> context = s.Context();
  context->set_deadline(absl::ToChronoTime(absl::Now() + kIdsDeadline));
  std::vector<std::pair<std::string, std::string>> ids;
  auto add = [&ids](const auto& records) {
    for (const auto& r : records) ids.emplace_back(r.id(), r.display_name());
  };
  grpc::Status status;
  if (what == "therapists") {
    v1::ListTherapistsRequest request;
    request.set_page_size(kIdsPageSize);
    request.set_clinic_id(s.clinic());
    v1::ListTherapistsResponse response;
    status = s.therapists().ListTherapists(context.get(), request, &response);
    add(response.therapists());
  } else if (what == "clinics") {
    v1::ListClinicsRequest request;
    request.set_page_size(kIdsPageSize);
    v1::ListClinicsResponse response;
    status = s.clinics().ListClinics(context.get(), request, &response);
    add(response.clinics());
  } else if (what == "athletes") {
    v1::ListAthletesRequest request;
    request.set_page_size(kIdsPageSize);
    v1::ListAthletesResponse response;
    status = s.athletes().ListAthletes(context.get(), request, &response);
    add(response.athletes());
  } else {
    return s.UsageError(absl::InvalidArgumentError(absl::StrCat(
        "no ids of \"", what, "\": use therapists, clinics or athletes")));
  }
  if (!status.ok()) return kExitOk;
  for (const auto& [id, name] : ids) {
    s.out() << id << "\t"
            << absl::StrReplaceAll(name, {{"\t", " "}, {"\n", " "}}) << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> CompletionCommands() {
  CommandSpec ids{"__complete",
                  {"WHAT"},
                  "print ids for the completion script",
                  "WHAT is therapists, clinics or athletes.",
                  {},
                  {"clinicctl __complete therapists"},
                  PrintIds};
  ids.hidden = true;
  std::vector<CommandSpec> commands;
  commands.push_back(
      {"completion",
       {"SHELL"},
       "print the shell completion script (bash or zsh)",
       "It completes commands, flags, modalities, file names and therapist,\n"
       "clinic and athlete ids (not booking ids). The ids come from clinicd\n"
       "($CLINIC_SERVER, $CLINIC_TOKEN, $CLINIC_CLINIC), at most 100 of each,\n"
       "and none when it does not answer within 1 s.\n"
       "\n"
       "bash: load it into this shell with\n"
       "  source <(clinicctl completion bash)\n"
       "or into every shell by saving it as\n"
       "  /usr/share/bash-completion/completions/clinicctl\n"
       "(or ~/.local/share/bash-completion/completions/clinicctl).\n"
       "\n"
       "zsh: save it as _clinicctl in a directory on $fpath, e.g.\n"
       "  clinicctl completion zsh > ~/.zfunc/_clinicctl\n"
       "with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc; or run\n"
       "source <(clinicctl completion zsh) after compinit.",
       {},
       {"source <(clinicctl completion bash)",
        "clinicctl completion zsh > ~/.zfunc/_clinicctl"},
       PrintScript});
  commands.push_back(std::move(ids));
  return commands;
}

}  // namespace clinic::cli
