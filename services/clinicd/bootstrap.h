// The first ADMIN of an empty store.
#ifndef CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_
#define CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_

#include <string>

#include "absl/status/status.h"
#include "services/auth/accounts.h"
#include "services/clinicd/server.h"

namespace clinic {

// Where the first ADMIN's token is read from or written to:
// --admin_token_file, else admin.token in a SQLite database's folder; empty
// for PostgreSQL without --admin_token_file.
std::string AdminTokenPath(const ServerOptions& options);

// On a store without users, creates the ADMIN "admin" with
// options.admin_token, else with the token in --admin_token_file, else with
// a new token written first to AdminTokenPath (mode 0600), and logs where
// it is (never the token). Does nothing when users exist.
// FAILED_PRECONDITION when a new token has nowhere to go.
absl::Status BootstrapAdmin(auth::Accounts& accounts,
                            const ServerOptions& options);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_
