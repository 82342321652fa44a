// In-process AvailabilityCache: the embedded default, private to one
// replica. Entries expire after their ttl; the number of entries is
// bounded.
#ifndef CLINIC_SERVICES_CACHE_MEMORY_MEMORY_CACHE_H_
#define CLINIC_SERVICES_CACHE_MEMORY_MEMORY_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/cache/availability_cache.h"
#include "services/core/clock.h"

namespace clinic::cache {

class MemoryCache final : public AvailabilityCache {
 public:
  // Holds at most `max_entries` (at least 1) entries. When a new key would
  // exceed it, expired entries are dropped first, then the least recently
  // written ones. Expiry reads `clock` (the wall clock when null), which
  // must outlive the cache.
  explicit MemoryCache(size_t max_entries, const core::Clock* clock = nullptr);

  std::vector<std::optional<std::string>> GetMany(
      const std::vector<std::string>& keys) override;
  // A ttl <= 0 stores nothing. Rewriting a key replaces its value and ttl.
  void PutMany(const std::vector<std::pair<std::string, std::string>>& entries,
               absl::Duration ttl) override;
  // errors is always 0.
  CacheStats stats() const override;

  size_t size() const;

 private:
  struct Entry {
    std::string value;
    absl::Time expires_at;
    std::list<std::string>::iterator in_order;
  };

  void EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes room for one new key.
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  const core::Clock* const clock_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Keys from least to most recently written.
  std::list<std::string> order_ ABSL_GUARDED_BY(mu_);
  // No entry expires before this, so a sweep is pointless until then.
  absl::Time earliest_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  CacheStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic::cache

#endif  // CLINIC_SERVICES_CACHE_MEMORY_MEMORY_CACHE_H_
