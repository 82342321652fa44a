#ifndef CLINIC_SERVICES_CORE_CLOCK_H_
#define CLINIC_SERVICES_CORE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace clinic::core {

// The source of "now". Injected everywhere; only RealClock reads the wall
// clock. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_CLOCK_H_
