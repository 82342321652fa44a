// The first ADMIN of an empty store.
#ifndef CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_
#define CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_

#include <string>

#include "absl/status/status.h"
#include "services/auth/accounts.h"
#include "services/clinicd/server.h"

namespace clinic {

// Where the first ADMIN's new token is written: admin.token in the
// database's folder.
std::string AdminTokenPath(const ServerOptions& options);

// On a store without users, creates the ADMIN "admin" with
// options.admin_token, or with a new token written first to
// AdminTokenPath (mode 0600), and logs where it is. Does nothing when users
// exist.
absl::Status BootstrapAdmin(auth::Accounts& accounts,
                            const ServerOptions& options);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_BOOTSTRAP_H_
