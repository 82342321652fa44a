// A core::Clock that tests move by hand. Thread-safe.
#ifndef CLINIC_TESTS_TESTING_FAKE_CLOCK_H_
#define CLINIC_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/core/clock.h"

namespace clinic::testing {

class FakeClock final : public core::Clock {
 public:
  // Starts at `now` (2027-01-15 08:00 UTC by default).
  explicit FakeClock(absl::Time now = absl::FromUnixSeconds(1'800'000'000))
      : now_(now) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_FAKE_CLOCK_H_
