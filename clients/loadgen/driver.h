// clients/loadgen's engine on gRPC's asynchronous API: a closed loop
// (`clients` calls always in flight) or an open loop (calls sent at a fixed
// mean rate with Poisson gaps, whatever the server's pace, each timed from
// when it was due: a slow server cannot hide its latency by slowing the
// sender, the "coordinated omission" of closed loops).
#ifndef CLINIC_CLIENTS_LOADGEN_DRIVER_H_
#define CLINIC_CLIENTS_LOADGEN_DRIVER_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "clients/loadgen/workload.h"
#include "grpcpp/grpcpp.h"

namespace clinic::loadgen {

struct DriverOptions {
  int clients = 16;  // closed loop: calls in flight
  double rate = 0;   // > 0: open loop at this many calls a second
  absl::Duration duration = absl::Seconds(10);
  int64_t max_calls = 0;  // > 0: stop after sending this many
  absl::Duration deadline = absl::Seconds(5);
  std::vector<double> mix;  // weights by Method
  std::string token;
  uint64_t seed = 1;
  // Open loop: calls due while this many are in flight are not sent, and
  // counted as dropped (the server is far behind).
  int64_t max_in_flight = 10'000;
};

struct MethodReport {
  int64_t ok = 0;
  // FAILED_PRECONDITION: a recovery rule or a taken slot said no, as it
  // should under random load.
  int64_t rejected = 0;
  std::map<std::string, int64_t> errors;  // other codes, by name
  std::vector<int64_t> latency_us;        // of every answered call

  int64_t calls() const;
  // The q-quantile (0 < q <= 1) of latency_us, in milliseconds; sorts it.
  double QuantileMs(double q);
};

struct Report {
  absl::Duration elapsed;
  int64_t dropped = 0;
  std::array<MethodReport, kMethods> methods;

  // One JSON document: the options, then per method the counts, the rate
  // and p50, p90, p99, p99.9 and max latency in ms.
  std::string Json(const DriverOptions& options);
  // The same as a table, for people.
  std::string Table();
};

// Runs the load over `channel` until options.duration or max_calls, then
// waits for the calls in flight. `workload` must outlive it.
Report RunLoad(const std::shared_ptr<grpc::Channel>& channel,
               Workload& workload, const DriverOptions& options);

}  // namespace clinic::loadgen

#endif  // CLINIC_CLIENTS_LOADGEN_DRIVER_H_
