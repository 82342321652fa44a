// The clinic's time zone and rule table, which every replica must share:
// they live in the store, and a replica started with others refuses to
// serve rather than give another verdict.
#ifndef CLINIC_SERVICES_CLINICD_SETTINGS_H_
#define CLINIC_SERVICES_CLINICD_SETTINGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/clinicd/server.h"
#include "services/core/clock.h"
#include "services/core/rule_table.h"
#include "services/storage/store.h"

namespace clinic {

// The zone when neither the store nor --timezone names one.
inline constexpr char kDefaultTimeZone[] = "America/New_York";

struct ClinicSettings {
  absl::TimeZone zone;
  core::RuleTable rules;
};

// Reads --rules (a clinic.v1.RuleSet in protobuf text format over the
// defaults of RULES.md); the defaults for an empty path. INVALID_ARGUMENT
// naming the flag and the file.
absl::StatusOr<core::RuleTable> LoadRules(const std::string& path);

// The settings in force: the store's, stored from options.time_zone and
// options.rules_path (or the defaults) on the first start. A zone or rule
// table given that differs from the stored one is FAILED_PRECONDITION
// naming the difference, unless options.replace_settings, which stores the
// given ones (audited) instead.
absl::StatusOr<ClinicSettings> SettleSettings(storage::Store& store,
                                              const core::Clock& clock,
                                              const ServerOptions& options);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_SETTINGS_H_
