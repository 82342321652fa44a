// The commands clinicctl offers, grouped as the README lists them.
#ifndef CLINIC_CLIENTS_CLINICCTL_COMMANDS_H_
#define CLINIC_CLIENTS_CLINICCTL_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "clients/clinicctl/command.h"
#include "clients/clinicctl/session.h"

namespace clinic::cli {

std::vector<CommandSpec> ClinicCommands();
std::vector<CommandSpec> TherapistCommands();
std::vector<CommandSpec> AthleteCommands();
std::vector<CommandSpec> BookingCommands();
std::vector<CommandSpec> UserCommands();
// `completion` and the hidden `__complete` it calls back.
std::vector<CommandSpec> CompletionCommands();
// Every command above, in the order `clinicctl help` lists them.
std::vector<CommandSpec> AllCommands();

// Calls `fetch` for successive pages (starting with an empty token) and
// appends every page's items to *all; the first failure is returned.
template <typename Response>
grpc::Status FetchAll(const std::function<grpc::Status(const std::string& token,
                                                       Response*)>& fetch,
                      Response* all) {
  std::string token;
  do {
    Response page;
    if (grpc::Status status = fetch(token, &page); !status.ok()) return status;
    token = page.next_page_token();
    page.clear_next_page_token();
    all->MergeFrom(page);
  } while (!token.empty());
  return grpc::Status::OK;
}

// The rule table for people (with --json, the document); kExitOk.
int PrintRules(Session& s, const v1::RuleSet& rules);

// A table of bookings with names and states; "" for none.
std::string BookingsTable(
    Session& s, const google::protobuf::RepeatedPtrField<v1::Booking>& list);

// `done` (a sentence) then the new id on the last line; with --json, only
// the document.
int PrintCreated(Session& s, const google::protobuf::Message& created,
                 const std::string& done, const std::string& id);

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_COMMANDS_H_
