// The deadline of the call a thread is serving, so that code far from the
// RPC (the store's queues) waits no longer than the caller will.
#ifndef CLINIC_SERVICES_CORE_DEADLINE_H_
#define CLINIC_SERVICES_CORE_DEADLINE_H_

#include "absl/time/time.h"

namespace clinic::core {

class CallDeadline {
 public:
  // The innermost Scope's deadline on this thread; InfiniteFuture outside
  // any.
  static absl::Time Current() { return current_; }

  // Sets the thread's deadline until destroyed. Not movable.
  class Scope {
   public:
    explicit Scope(absl::Time deadline) : previous_(current_) {
      current_ = deadline;
    }
    ~Scope() { current_ = previous_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const absl::Time previous_;
  };

 private:
  static inline thread_local absl::Time current_ = absl::InfiniteFuture();
};

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_DEADLINE_H_
