#include "services/api/executor.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::api {
namespace {

using ::testing::ElementsAre;

TEST(ExecutorTest, RunsTasksInOrderOfArrivalOnOneWorker) {
  std::vector<int> order;
  absl::Mutex mu;
  {
    Executor executor(1, 10);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(executor.Submit([&, i] {
        absl::MutexLock lock(&mu);
        order.push_back(i);
      }));
    }
  }  // the destructor runs what is queued
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4));
}

TEST(ExecutorTest, RefusesTasksBeyondTheQueueBound) {
  absl::Notification release;
  absl::Notification started;
  std::atomic<int> ran{0};
  Executor executor(1, 2);
  ASSERT_TRUE(executor.Submit([&] {
    started.Notify();
    release.WaitForNotification();
    ++ran;
  }));
  started.WaitForNotification();  // the worker is busy; the queue is empty
  EXPECT_TRUE(executor.Submit([&] { ++ran; }));
  EXPECT_TRUE(executor.Submit([&] { ++ran; }));
  EXPECT_FALSE(executor.Submit([&] { ++ran; }));
  release.Notify();
  while (ran.load() < 3) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_TRUE(executor.Submit([&] { ++ran; }));  // room again
}

TEST(ExecutorTest, WorkersRunTasksSideBySide) {
  constexpr int kWorkers = 4;
  absl::Mutex mu;
  int waiting = 0;
  Executor executor(kWorkers, 10);
  std::atomic<int> done{0};
  for (int i = 0; i < kWorkers; ++i) {
    ASSERT_TRUE(executor.Submit([&] {
      absl::MutexLock lock(&mu);
      ++waiting;
      // Returns only once all are running at the same time.
      EXPECT_TRUE(mu.AwaitWithTimeout(
          absl::Condition(
              +[](int* n) { return *n == kWorkers; }, &waiting),
          absl::Seconds(10)));
      ++done;
    }));
  }
  while (done.load() < kWorkers) absl::SleepFor(absl::Milliseconds(1));
}

}  // namespace
}  // namespace clinic::api
