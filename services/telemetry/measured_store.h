// A Store that times each transaction and counts its re-runs and failures
// in Metrics (clinic_store_transaction_*), passing everything through.
#ifndef CLINIC_SERVICES_TELEMETRY_MEASURED_STORE_H_
#define CLINIC_SERVICES_TELEMETRY_MEASURED_STORE_H_

#include <memory>
#include <string>

#include "services/storage/store.h"

namespace clinic::telemetry {

class MeasuredStore final : public storage::Store {
 public:
  explicit MeasuredStore(std::unique_ptr<storage::Store> store)
      : store_(std::move(store)) {}

  absl::Status Write(
      const storage::Touches& touches,
      absl::FunctionRef<absl::Status(storage::Transaction&)> fn) override;
  absl::Status Read(
      absl::FunctionRef<absl::Status(storage::Reader&)> fn) override;
  const std::string& id() const override { return store_->id(); }

 private:
  const std::unique_ptr<storage::Store> store_;
};

}  // namespace clinic::telemetry

#endif  // CLINIC_SERVICES_TELEMETRY_MEASURED_STORE_H_
