#include "services/telemetry/metrics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "prometheus/gauge.h"

namespace clinic::telemetry {
namespace {

// Seconds: a booking is a few ms; a call held at its deadline is 30 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets =
      new prometheus::Histogram::BucketBoundaries{
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,   0.5,   1,      2.5,   5,    10,    30};
  return *kBuckets;
}

// "/clinic.v1.BookingService/ReserveSlot": service and method labels.
prometheus::Labels MethodLabels(absl::string_view full_method,
                                absl::string_view type) {
  absl::string_view name = full_method;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  const size_t slash = name.rfind('/');
  const absl::string_view service =
      slash == absl::string_view::npos ? "" : name.substr(0, slash);
  const absl::string_view method =
      slash == absl::string_view::npos ? name : name.substr(slash + 1);
  return {{"grpc_type", std::string(type)},
          {"grpc_service", std::string(service)},
          {"grpc_method", std::string(method)}};
}

std::string Key(const prometheus::Labels& labels, absl::string_view family) {
  std::string key(family);
  for (const auto& [name, value] : labels) {
    absl::StrAppend(&key, absl::string_view("\0", 1), value);
  }
  return key;
}

}  // namespace

class Metrics::SampledCollector final : public prometheus::Collectable {
 public:
  void Add(std::vector<Sampled> series) {
    absl::MutexLock lock(&mu_);
    for (Sampled& s : series) series_.push_back(std::move(s));
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    series_.clear();
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> families;
    for (const Sampled& s : series_) {
      auto family = std::find_if(
          families.begin(), families.end(),
          [&](const prometheus::MetricFamily& f) { return f.name == s.name; });
      if (family == families.end()) {
        family = families.insert(families.end(),
                                 {s.name,
                                  s.help,
                                  s.counter ? prometheus::MetricType::Counter
                                            : prometheus::MetricType::Gauge,
                                  {}});
      }
      prometheus::ClientMetric& m = family->metric.emplace_back();
      for (const auto& [name, value] : s.labels) {
        m.label.push_back({name, value});
      }
      (s.counter ? m.counter.value : m.gauge.value) = s.value();
    }
    return families;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Sampled> series_ ABSL_GUARDED_BY(mu_);
};

Metrics& Metrics::Get() {
  static Metrics* const metrics = new Metrics();
  return *metrics;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      sampled_(std::make_shared<SampledCollector>()),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by status code.")
                   .Register(*registry_)),
      handling_seconds_(
          prometheus::BuildHistogram()
              .Name("grpc_server_handling_seconds")
              .Help("Time from an RPC's arrival to its status being sent.")
              .Register(*registry_)),
      rejections_(prometheus::BuildCounter()
                      .Name("clinic_booking_rejections_total")
                      .Help("Sessions refused, by the recovery rule they "
                            "broke (one per violation).")
                      .Register(*registry_)),
      transaction_seconds_(
          prometheus::BuildHistogram()
              .Name("clinic_store_transaction_seconds")
              .Help("Store transactions, waits for locks and retries "
                    "included, by kind (read, write).")
              .Register(*registry_)),
      transaction_retries_(prometheus::BuildCounter()
                               .Name("clinic_store_transaction_retries_total")
                               .Help("Store transactions run again after a "
                                     "lost race or a lost connection.")
                               .Register(*registry_)),
      transaction_failures_(prometheus::BuildCounter()
                                .Name("clinic_store_transaction_errors_total")
                                .Help("Store transactions that failed.")
                                .Register(*registry_)) {}

std::vector<std::weak_ptr<prometheus::Collectable>> Metrics::Collectables()
    const {
  return {registry_, sampled_};
}

prometheus::Counter& Metrics::Series(
    prometheus::Family<prometheus::Counter>& family,
    const prometheus::Labels& labels) {
  absl::MutexLock lock(&mu_);
  prometheus::Counter*& series = counters_[Key(labels, family.GetName())];
  if (series == nullptr) series = &family.Add(labels);
  return *series;
}

prometheus::Histogram& Metrics::Series(
    prometheus::Family<prometheus::Histogram>& family,
    const prometheus::Labels& labels) {
  absl::MutexLock lock(&mu_);
  prometheus::Histogram*& series = histograms_[Key(labels, family.GetName())];
  if (series == nullptr) series = &family.Add(labels, LatencyBuckets());
  return *series;
}

void Metrics::CallStarted(absl::string_view full_method,
                          absl::string_view type) {
  Series(started_, MethodLabels(full_method, type)).Increment();
}

void Metrics::CallHandled(absl::string_view full_method, absl::string_view type,
                          absl::string_view code, absl::Duration took) {
  prometheus::Labels labels = MethodLabels(full_method, type);
  Series(handling_seconds_, labels).Observe(absl::ToDoubleSeconds(took));
  labels.emplace("grpc_code", std::string(code));
  Series(handled_, labels).Increment();
}

void Metrics::Rejected(absl::string_view rule) {
  Series(rejections_, {{"rule", std::string(rule)}}).Increment();
}

void Metrics::Transaction(absl::string_view kind, absl::Duration took,
                          int attempts, bool failed) {
  const prometheus::Labels labels = {{"kind", std::string(kind)}};
  Series(transaction_seconds_, labels).Observe(absl::ToDoubleSeconds(took));
  if (attempts > 1) {
    Series(transaction_retries_, labels).Increment(attempts - 1);
  }
  if (failed) Series(transaction_failures_, labels).Increment();
}

void Metrics::AddSampled(std::vector<Sampled> series) {
  sampled_->Add(std::move(series));
}

void Metrics::RemoveSampled() { sampled_->Clear(); }

void Metrics::SetBuildInfo(absl::string_view version,
                           absl::string_view grpc_version) {
  prometheus::BuildGauge()
      .Name("clinic_build_info")
      .Help("1, labelled with the versions clinicd was built with.")
      .Register(*registry_)
      .Add({{"version", std::string(version)},
            {"grpc_version", std::string(grpc_version)}})
      .Set(1);
}

}  // namespace clinic::telemetry
