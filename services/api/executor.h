// The threads clinicd owns for the blocking part of calls (store reads and
// writes, fsync, Redis), so that gRPC's callback threads never wait on
// them (gRFC L67) and the health service always has a thread. Thread-safe.
#ifndef CLINIC_SERVICES_API_EXECUTOR_H_
#define CLINIC_SERVICES_API_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace clinic::api {

class Executor {
 public:
  // Starts `threads` (at least 1) workers; at most `max_queued` tasks wait
  // for one.
  Executor(int threads, size_t max_queued);
  // Runs what is queued, then joins the workers.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task` for the first free worker (FIFO). Returns false, and
  // drops the task, when max_queued tasks are waiting already.
  bool Submit(absl::AnyInvocable<void() &&> task);

  // Waits until no task is queued or running, or `deadline`; returns
  // whether it is idle.
  bool WaitIdle(absl::Time deadline);

 private:
  void Work();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_EXECUTOR_H_
