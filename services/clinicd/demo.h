#ifndef CLINIC_SERVICES_CLINICD_DEMO_H_
#define CLINIC_SERVICES_CLINICD_DEMO_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/clinic/clinic.h"

namespace clinic {

// Seeds a demo clinic when the store has no therapist: two therapists, an
// athlete with an injury and a race on the first Sunday at least five days
// ahead, unless the store already has a therapist. Returns a few lines
// telling what was seeded and which clinicctl command to try against the
// server at `address`.
absl::StatusOr<std::string> SeedDemo(Clinic& clinic, core::Id clinic_id,
                                     const std::string& address);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_DEMO_H_
