// Reservation traffic against several replicas from many client threads,
// what the clients saw, and its comparison with the bookings table.
#ifndef CLINIC_TESTS_REPLICAS_LOAD_H_
#define CLINIC_TESTS_REPLICAS_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clinic/v1/bookings.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/postgres.h"

namespace clinic::testing {

struct LoadOptions {
  int threads = 16;
  // Client i starts on replica i % replicas. Without retries it stays
  // there and an unanswered reservation (IsUnanswered) is given up; with
  // them, the client sends it again with the same request_id to the next
  // replica (and stays there) until it gets an answer or the load stops.
  bool retry = false;
  absl::Duration call_deadline = absl::Seconds(10);
  // The session of a client's next reservation; called on its thread.
  std::function<v1::SessionSpec(std::mt19937&)> next_session;
};

// One ReserveSlot call.
struct CallRecord {
  absl::Time start;
  absl::Duration latency;
  grpc::StatusCode code;
  int replica;
};

struct LoadReport {
  absl::Duration elapsed;
  int64_t reservations = 0;  // distinct request_ids sent
  // request_id -> booking id, for every reservation acknowledged.
  std::map<std::string, std::string> booked;
  std::vector<absl::Time> booked_at;  // when each acknowledgement came
  int64_t rejected = 0;               // by a rule (IsRuleRejection)
  // Calls that failed otherwise, by code (retried ones included).
  std::map<grpc::StatusCode, int64_t> errors;
  std::string first_error;
  // Reservations that never got an answer: they may have been booked.
  std::set<std::string> unanswered;
  std::vector<CallRecord> calls;  // in no particular order

  int64_t error_count() const;
  std::string Summary() const;  // counts and rates on one line
};

// Starts `options.threads` client threads at once, each with channels of
// its own to every address, reserving until Stop(). Request ids are unique
// within the process.
class Load {
 public:
  Load(std::vector<std::string> addresses, LoadOptions options);
  ~Load();  // Stop()s
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  // Stops the clients (each finishes its call in flight) and merges what
  // they saw. Call once.
  LoadReport Stop();

 private:
  void RunClient(int index);

  const std::vector<std::string> addresses_;
  const LoadOptions options_;
  const int id_;  // keeps request ids of Loads in one process apart
  const absl::Time start_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  LoadReport report_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// Compares what clients saw with the bookings table of `db`: every
// acknowledged booking is there once, confirmed, under its request_id;
// every confirmed booking there is one a client saw booked, or one whose
// reply was lost (an unanswered request_id), counted in *lost. Returns
// the differences, one sentence each.
std::vector<std::string> CompareWithTable(const LoadReport& report,
                                          const TestDatabase& db, int* lost);

// Pairs of confirmed sessions that overlap, one line each: one athlete's,
// or one therapist's counting the turnover buffer after each. A self-join
// of the bookings table, whatever its constraints say.
std::vector<std::string> OverlappingSessions(const TestDatabase& db);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_REPLICAS_LOAD_H_
