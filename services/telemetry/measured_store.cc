#include "services/telemetry/measured_store.h"

#include "absl/time/clock.h"
#include "services/telemetry/metrics.h"

namespace clinic::telemetry {
namespace {

// The store's own failures; the rest (NOT_FOUND, a rule's
// FAILED_PRECONDITION, ...) are answers its callers asked for.
bool StoreFailed(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

template <typename Tx, typename Run>
absl::Status Measure(absl::string_view kind,
                     absl::FunctionRef<absl::Status(Tx&)> fn, Run run) {
  const absl::Time start = absl::Now();
  int attempts = 0;
  absl::Status status = run([&](Tx& tx) {
    ++attempts;
    return fn(tx);
  });
  Metrics::Get().Transaction(kind, absl::Now() - start, attempts,
                             StoreFailed(status));
  return status;
}

}  // namespace

absl::Status MeasuredStore::Write(
    const storage::Touches& touches,
    absl::FunctionRef<absl::Status(storage::Transaction&)> fn) {
  return Measure<storage::Transaction>("write", fn, [&](auto counted) {
    return store_->Write(touches, counted);
  });
}

absl::Status MeasuredStore::Read(
    absl::FunctionRef<absl::Status(storage::Reader&)> fn) {
  return Measure<storage::Reader>(
      "read", fn, [&](auto counted) { return store_->Read(counted); });
}

}  // namespace clinic::telemetry
