#include "services/cache/memory/memory_cache.h"

#include <algorithm>

namespace clinic::cache {

namespace {
const core::RealClock kWallClock;
}  // namespace

MemoryCache::MemoryCache(size_t max_entries, const core::Clock* clock)
    : max_entries_(std::max<size_t>(max_entries, 1)),
      clock_(clock != nullptr ? clock : &kWallClock) {}

std::vector<std::optional<std::string>> MemoryCache::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values(keys.size());
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = entries_.find(keys[i]);
    if (it != entries_.end() && it->second.expires_at <= now) {
      EraseLocked(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      ++stats_.misses;
    } else {
      ++stats_.hits;
      values[i] = it->second.value;
    }
  }
  return values;
}

void MemoryCache::PutMany(
    const std::vector<std::pair<std::string, std::string>>& entries,
    absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return;
  const absl::Time now = clock_->Now();
  const absl::Time expires_at = now + ttl;
  absl::MutexLock lock(&mu_);
  for (const auto& [key, value] : entries) {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (entries_.size() >= max_entries_) EvictLocked(now);
      it = entries_.try_emplace(key).first;
      it->second.in_order = order_.insert(order_.end(), key);
    } else {
      order_.splice(order_.end(), order_, it->second.in_order);
    }
    it->second.value = value;
    it->second.expires_at = expires_at;
    earliest_expiry_ = std::min(earliest_expiry_, expires_at);
  }
}

CacheStats MemoryCache::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

size_t MemoryCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void MemoryCache::EraseLocked(
    absl::flat_hash_map<std::string, Entry>::iterator it) {
  order_.erase(it->second.in_order);
  entries_.erase(it);
}

void MemoryCache::EvictLocked(absl::Time now) {
  if (now >= earliest_expiry_) {
    earliest_expiry_ = absl::InfiniteFuture();
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.expires_at <= now) {
        order_.erase(it->second.in_order);
        entries_.erase(it++);
      } else {
        earliest_expiry_ = std::min(earliest_expiry_, it->second.expires_at);
        ++it;
      }
    }
  }
  if (entries_.size() >= max_entries_) {
    EraseLocked(entries_.find(order_.front()));
  }
}

}  // namespace clinic::cache
