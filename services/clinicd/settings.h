// The first clinic, which --timezone and --rules describe: made from them
// on an empty store, checked against them on one with clinics, so that a
// replica started with other flags refuses to serve rather than give
// another verdict. Other clinics are made and changed through
// ClinicService.
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

// The name of the clinic a new store starts with.
inline constexpr char kFirstClinicName[] = "Main clinic";

// The first clinic's.
struct ClinicSettings {
  core::Id clinic_id = 0;
  absl::TimeZone zone;
  core::RuleTable rules;
};

// Reads --rules (a clinic.v1.RuleSet in protobuf text format over the
// defaults of RULES.md); the defaults for an empty path. INVALID_ARGUMENT
// naming the flag and the file.
absl::StatusOr<core::RuleTable> LoadRules(const std::string& path);

// The first clinic's zone and rules. On an empty store, creates the first
// clinic from options.time_zone and options.rules_path (or the defaults).
// On a store with clinics, a zone or rule table given that differs from
// the first clinic's is FAILED_PRECONDITION naming the difference, unless
// options.replace_settings, which stores the given ones (audited) instead.
absl::StatusOr<ClinicSettings> SettleSettings(storage::Store& store,
                                              const core::Clock& clock,
                                              const ServerOptions& options);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_SETTINGS_H_
