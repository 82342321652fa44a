#include "clients/loadgen/driver.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace clinic::loadgen {
namespace {

// One call in flight; its tag on the completion queue.
struct Call {
  virtual ~Call() = default;
  // What the answer teaches the workload (ReserveSlot: a booking to move).
  virtual void Answered(Workload& /*workload*/) {}

  Method method = Method::kReserveSlot;
  absl::Time due;  // when it was meant to be sent; latency counts from it
  grpc::ClientContext ctx;
  grpc::Status status;
};

template <typename Response>
struct TypedCall : Call {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

struct ReserveCall final : TypedCall<v1::ReserveSlotResponse> {
  void Answered(Workload& workload) override {
    if (status.ok()) workload.Booked(response.booking().id());
  }
};

class Engine {
 public:
  Engine(const std::shared_ptr<grpc::Channel>& channel, Workload& workload,
         const DriverOptions& options)
      : bookings_(v1::BookingService::NewStub(channel)),
        athletes_(v1::AthleteService::NewStub(channel)),
        workload_(workload),
        options_(options),
        pick_(options.mix.begin(), options.mix.end()) {}

  Report Run() {
    start_ = absl::Now();
    end_ = start_ + options_.duration;
    std::vector<std::thread> pollers;
    pollers.reserve(2);
    for (int i = 0; i < 2; ++i) pollers.emplace_back([this] { Poll(); });
    if (options_.rate > 0) {
      Pace();
    } else {
      for (int i = 0; i < options_.clients; ++i) Send(absl::Now());
    }
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Engine* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return e->stopped_ && e->in_flight_ == 0;
          },
          this));
    }
    cq_.Shutdown();
    for (std::thread& t : pollers) t.join();
    report_.elapsed = absl::Now() - start_;
    return std::move(report_);
  }

 private:
  // Open loop: sends at exponential gaps of mean 1/rate, due times fixed in
  // advance whatever the answers do.
  void Pace() {
    std::mt19937_64 rng(options_.seed);
    std::exponential_distribution<double> gap(options_.rate);
    absl::Time due = start_;
    for (;;) {
      due += absl::Seconds(gap(rng));
      absl::SleepFor(due - absl::Now());
      {
        absl::MutexLock lock(&mu_);
        if (stopped_ || due >= end_) {
          stopped_ = true;
          return;
        }
        if (in_flight_ >= options_.max_in_flight) {
          ++report_.dropped;
          continue;
        }
      }
      Send(due);
    }
  }

  // Sends the next call of the mix, unless the run is over.
  void Send(absl::Time due) {
    thread_local std::mt19937_64 rng(
        options_.seed ^
        std::hash<std::thread::id>()(std::this_thread::get_id()));
    {
      absl::MutexLock lock(&mu_);
      if (!stopped_ && (absl::Now() >= end_ || (options_.max_calls > 0 &&
                                                sent_ >= options_.max_calls))) {
        stopped_ = true;
      }
      if (stopped_) return;
      ++sent_;
      ++in_flight_;
    }
    Start(static_cast<Method>(pick_(rng)), due, rng);
  }

  // Sends `request` as `call`, which the poller deletes once answered.
  template <typename Response, typename Request, typename Prepare>
  void Begin(Method method, absl::Time due, const Request& request,
             Prepare prepare, TypedCall<Response>* call) {
    call->method = method;
    call->due = due;
    call->ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
    call->ctx.AddMetadata("authorization", "Bearer " + options_.token);
    call->reader = prepare(&call->ctx, request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  void Start(Method method, absl::Time due, std::mt19937_64& rng) {
    v1::BookingService::Stub* b = bookings_.get();
    switch (method) {
      case Method::kListAvailableSlots:
        return Begin(
            method, due, workload_.Slots(rng),
            [b](auto* ctx, const auto& req, auto* cq) {
              return b->PrepareAsyncListAvailableSlots(ctx, req, cq);
            },
            new TypedCall<v1::ListAvailableSlotsResponse>);
      case Method::kCheckBooking:
        return Begin(
            method, due, workload_.Check(rng),
            [b](auto* ctx, const auto& req, auto* cq) {
              return b->PrepareAsyncCheckBooking(ctx, req, cq);
            },
            new TypedCall<v1::CheckBookingResponse>);
      case Method::kRescheduleBooking: {
        v1::RescheduleBookingRequest move;
        if (!workload_.Reschedule(rng, &move)) break;
        return Begin(
            method, due, move,
            [b](auto* ctx, const auto& req, auto* cq) {
              return b->PrepareAsyncRescheduleBooking(ctx, req, cq);
            },
            new TypedCall<v1::ReserveSlotResponse>);
      }
      case Method::kCancelBooking: {
        v1::CancelBookingRequest cancel;
        if (!workload_.Cancel(rng, &cancel)) break;
        return Begin(
            method, due, cancel,
            [b](auto* ctx, const auto& req, auto* cq) {
              return b->PrepareAsyncCancelBooking(ctx, req, cq);
            },
            new TypedCall<v1::Booking>);
      }
      case Method::kAddRace:
        return Begin(
            method, due, workload_.Race(rng),
            [a = athletes_.get()](auto* ctx, const auto& req, auto* cq) {
              return a->PrepareAsyncAddRace(ctx, req, cq);
            },
            new TypedCall<v1::AddEventResponse>);
      case Method::kReserveSlot:
        break;
    }
    // ReserveSlot, and moves or cancellations before any booking exists.
    Begin(
        Method::kReserveSlot, due, workload_.Reserve(rng),
        [b](auto* ctx, const auto& req, auto* cq) {
          return b->PrepareAsyncReserveSlot(ctx, req, cq);
        },
        new ReserveCall);
  }

  void Poll() {
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      const absl::Duration latency = absl::Now() - call->due;
      call->Answered(workload_);
      {
        absl::MutexLock lock(&mu_);
        MethodReport& m = report_.methods[static_cast<int>(call->method)];
        m.latency_us.push_back(absl::ToInt64Microseconds(latency));
        const grpc::StatusCode code = call->status.error_code();
        if (code == grpc::StatusCode::OK) {
          ++m.ok;
        } else if (code == grpc::StatusCode::FAILED_PRECONDITION) {
          ++m.rejected;
        } else {
          ++m.errors[absl::StatusCodeToString(
              static_cast<absl::StatusCode>(code))];
        }
        --in_flight_;
      }
      // Closed loop: each answer sends the next call.
      if (options_.rate <= 0) Send(absl::Now());
    }
  }

  const std::unique_ptr<v1::BookingService::Stub> bookings_;
  const std::unique_ptr<v1::AthleteService::Stub> athletes_;
  Workload& workload_;
  const DriverOptions options_;
  std::discrete_distribution<int> pick_;
  grpc::CompletionQueue cq_;
  absl::Time start_;
  absl::Time end_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  Report report_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int64_t MethodReport::calls() const {
  int64_t n = ok + rejected;
  for (const auto& [code, count] : errors) n += count;
  return n;
}

double MethodReport::QuantileMs(double q) {
  if (latency_us.empty()) return 0;
  std::sort(latency_us.begin(), latency_us.end());
  const auto rank =
      std::min(latency_us.size() - 1,
               static_cast<size_t>(q * static_cast<double>(latency_us.size())));
  return static_cast<double>(latency_us[rank]) / 1000.0;
}

std::string Report::Json(const DriverOptions& options) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::vector<std::string> parts;
  for (int i = 0; i < kMethods; ++i) {
    MethodReport& m = methods[i];
    if (m.calls() == 0) continue;
    std::vector<std::string> errors;
    for (const auto& [code, count] : m.errors) {
      errors.push_back(absl::StrFormat("\"%s\":%d", code, count));
    }
    parts.push_back(absl::StrFormat(
        "\"%s\":{\"calls\":%d,\"ok\":%d,\"rejected\":%d,\"errors\":{%s},"
        "\"per_second\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}",
        MethodName(static_cast<Method>(i)), m.calls(), m.ok, m.rejected,
        absl::StrJoin(errors, ","), static_cast<double>(m.calls()) / seconds,
        m.QuantileMs(0.5), m.QuantileMs(0.9), m.QuantileMs(0.99),
        m.QuantileMs(0.999), m.QuantileMs(1.0)));
  }
  return absl::StrFormat(
      "{\"mode\":\"%s\",\"clients\":%d,\"rate\":%.1f,\"seconds\":%.3f,"
      "\"dropped\":%d,\"methods\":{%s}}\n",
      options.rate > 0 ? "open" : "closed",
      options.rate > 0 ? 0 : options.clients, options.rate, seconds, dropped,
      absl::StrJoin(parts, ","));
}

std::string Report::Table() {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::string out = absl::StrFormat(
      "%-19s %8s %8s %8s %7s %9s %8s %8s %8s %8s\n", "METHOD", "CALLS", "OK",
      "REJECTED", "ERRORS", "PER_S", "P50_MS", "P90_MS", "P99_MS", "P999_MS");
  for (int i = 0; i < kMethods; ++i) {
    MethodReport& m = methods[i];
    if (m.calls() == 0) continue;
    absl::StrAppendFormat(
        &out, "%-19s %8d %8d %8d %7d %9.1f %8.2f %8.2f %8.2f %8.2f\n",
        MethodName(static_cast<Method>(i)), m.calls(), m.ok, m.rejected,
        m.calls() - m.ok - m.rejected, static_cast<double>(m.calls()) / seconds,
        m.QuantileMs(0.5), m.QuantileMs(0.9), m.QuantileMs(0.99),
        m.QuantileMs(0.999));
  }
  if (dropped > 0) {
    absl::StrAppendFormat(&out, "dropped (too many in flight): %d\n", dropped);
  }
  return out;
}

Report RunLoad(const std::shared_ptr<grpc::Channel>& channel,
               Workload& workload, const DriverOptions& options) {
  return Engine(channel, workload, options).Run();
}

}  // namespace clinic::loadgen
