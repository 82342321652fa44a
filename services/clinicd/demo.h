#ifndef CLINIC_SERVICES_CLINICD_DEMO_H_
#define CLINIC_SERVICES_CLINICD_DEMO_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/clinic/clinic.h"

namespace clinic {

// Seeds the demo when the store has no therapist: at the first clinic
// (`clinic_id`) two therapists, an athlete with an injury and a race on the
// first Sunday at least five days ahead; a second clinic in London with a
// therapist. Returns a few lines telling what was seeded and which
// clinicctl commands to try against the server at `address`.
absl::StatusOr<std::string> SeedDemo(Clinic& clinic, core::Id clinic_id,
                                     const std::string& address);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_DEMO_H_
