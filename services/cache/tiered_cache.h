// A near cache in front of a far one: an in-process cache in front of the
// Redis shared by replicas. Entries are immutable (their keys carry the
// store's generation), so a near copy of a far entry can never be stale;
// the near tier only saves the round trip to the far one. Thread-safe.
#ifndef CLINIC_SERVICES_CACHE_TIERED_CACHE_H_
#define CLINIC_SERVICES_CACHE_TIERED_CACHE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/cache/availability_cache.h"

namespace clinic::cache {

class TieredCache final : public AvailabilityCache {
 public:
  // Far hits are copied near with `near_ttl`.
  TieredCache(std::unique_ptr<AvailabilityCache> near,
              std::unique_ptr<AvailabilityCache> far, absl::Duration near_ttl)
      : near_(std::move(near)), far_(std::move(far)), near_ttl_(near_ttl) {}

  std::vector<std::optional<std::string>> GetMany(
      const std::vector<std::string>& keys) override;
  void PutMany(const std::vector<std::pair<std::string, std::string>>& entries,
               absl::Duration ttl) override;
  // Hits of either tier; misses and errors of the far one.
  CacheStats stats() const override;

 private:
  const std::unique_ptr<AvailabilityCache> near_;
  const std::unique_ptr<AvailabilityCache> far_;
  const absl::Duration near_ttl_;
};

}  // namespace clinic::cache

#endif  // CLINIC_SERVICES_CACHE_TIERED_CACHE_H_
