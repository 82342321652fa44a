// clinicd's Prometheus metrics: the gRPC server metrics that dashboards
// built for grpc-ecosystem's interceptors expect, and clinicd's own
// (rejections by rule, cache, store). Exposed by clinicd on
// --metrics_listen; thread-safe.
#ifndef CLINIC_SERVICES_TELEMETRY_METRICS_H_
#define CLINIC_SERVICES_TELEMETRY_METRICS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace clinic::telemetry {

// A value read when Prometheus scrapes, e.g. a cache's hit count or the
// connections a pool holds open: one series of a family.
struct Sampled {
  std::string name;  // e.g. "clinic_cache_requests_total"
  std::string help;
  bool counter = false;  // else a gauge
  std::vector<std::pair<std::string, std::string>> labels;
  std::function<double()> value;
};

class Metrics {
 public:
  // The process's metrics, made on first use.
  static Metrics& Get();

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // What an exposer serves: the registry and the sampled values.
  std::vector<std::weak_ptr<prometheus::Collectable>> Collectables() const;

  // A call of `full_method` ("/clinic.v1.BookingService/ReserveSlot") of
  // gRPC `type` ("unary", "server_stream", ...) arrived, and later ended
  // with `code` ("OK", "FAILED_PRECONDITION", ...) after `took`.
  void CallStarted(absl::string_view full_method, absl::string_view type);
  void CallHandled(absl::string_view full_method, absl::string_view type,
                   absl::string_view code, absl::Duration took);
  // A session was refused by recovery rule `rule` ("GAP_BEFORE_EVENT").
  void Rejected(absl::string_view rule);
  // A store transaction ended after `took`, having run its work `attempts`
  // times (more than once: retried after a lost race or connection).
  void Transaction(absl::string_view kind, absl::Duration took, int attempts,
                   bool failed);
  // Adds series read on each scrape; their functions must stay callable
  // until the process exits or RemoveSampled is called.
  void AddSampled(std::vector<Sampled> series);
  void RemoveSampled();

  // Sets clinic_build_info{version, grpc_version}; call once.
  void SetBuildInfo(absl::string_view version, absl::string_view grpc_version);

 private:
  class SampledCollector;

  // A family's series of `labels`, found in a map of our own: Family::Add
  // would build a histogram's buckets on every call only to find it.
  prometheus::Counter& Series(prometheus::Family<prometheus::Counter>& family,
                              const prometheus::Labels& labels);
  prometheus::Histogram& Series(
      prometheus::Family<prometheus::Histogram>& family,
      const prometheus::Labels& labels);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<SampledCollector> sampled_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Counter>& rejections_;
  prometheus::Family<prometheus::Histogram>& transaction_seconds_;
  prometheus::Family<prometheus::Counter>& transaction_retries_;
  prometheus::Family<prometheus::Counter>& transaction_failures_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, prometheus::Counter*> counters_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Histogram*> histograms_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic::telemetry

#endif  // CLINIC_SERVICES_TELEMETRY_METRICS_H_
