// Each clinic's zone and rule table, parsed once: the rules and the slot
// finder judge a session by the clinic where it happens. Thread-safe.
#ifndef CLINIC_SERVICES_CLINIC_LOCALES_H_
#define CLINIC_SERVICES_CLINIC_LOCALES_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/core/rule_table.h"
#include "services/core/types.h"

namespace clinic {

// A clinic with its zone loaded and its rules parsed.
struct Local {
  core::ClinicInfo info;
  absl::TimeZone zone;
  core::RuleTable rules;

  // Whether `row` (as stored now) still says what this was made from.
  bool Matches(const core::ClinicInfo& row) const {
    return row.id == info.id && row.time_zone == info.time_zone &&
           row.rules == info.rules;
  }
};

class Locales {
 public:
  // `clinic` as a Local: the one made before from the same zone and rules,
  // or a new one. FAILED_PRECONDITION when the zone is unknown here or the
  // rules do not parse (the API checks both before storing them).
  absl::StatusOr<std::shared_ptr<const Local>> Of(
      const core::ClinicInfo& clinic);

  // The Local made last for clinic `id`, if any: a guess to check against
  // the store, since another replica may have changed the clinic since.
  std::shared_ptr<const Local> Last(core::Id id);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<core::Id, std::shared_ptr<const Local>> last_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINIC_LOCALES_H_
