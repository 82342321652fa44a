// The availability cache port: computed free time of therapists, keyed by
// strings the caller builds. Keys embed the store's availability generation
// of the therapist, so an entry is never updated in place: a write bumps the
// generation and later readers ask for new keys. The cache is never a
// source of truth; any failure reads as a miss. Implementations:
// memory/ (in-process, the embedded default) and redis/ (shared by
// replicas). Thread-safe.
#ifndef CLINIC_SERVICES_CACHE_AVAILABILITY_CACHE_H_
#define CLINIC_SERVICES_CACHE_AVAILABILITY_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace clinic::cache {

struct CacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t errors = 0;  // failed round trips to the cache server
};

class AvailabilityCache {
 public:
  virtual ~AvailabilityCache() = default;

  // The values of `keys`, in order; nullopt for a miss. When the cache is
  // unreachable every key is a miss (and the error is counted); never
  // blocks longer than the implementation's timeout.
  virtual std::vector<std::optional<std::string>> GetMany(
      const std::vector<std::string>& keys) = 0;

  // Stores the entries, each expiring after `ttl` (a safety net only).
  // Failures are counted, not returned.
  virtual void PutMany(
      const std::vector<std::pair<std::string, std::string>>& entries,
      absl::Duration ttl) = 0;

  virtual CacheStats stats() const = 0;
};

}  // namespace clinic::cache

#endif  // CLINIC_SERVICES_CACHE_AVAILABILITY_CACHE_H_
