#include "services/cache/tiered_cache.h"

#include <algorithm>

namespace clinic::cache {

std::vector<std::optional<std::string>> TieredCache::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values = near_->GetMany(keys);
  std::vector<size_t> missing;
  std::vector<std::string> far_keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!values[i].has_value()) {
      missing.push_back(i);
      far_keys.push_back(keys[i]);
    }
  }
  if (far_keys.empty()) return values;
  std::vector<std::optional<std::string>> far_values = far_->GetMany(far_keys);
  std::vector<std::pair<std::string, std::string>> copies;
  for (size_t j = 0; j < missing.size(); ++j) {
    if (!far_values[j].has_value()) continue;
    copies.emplace_back(far_keys[j], *far_values[j]);
    values[missing[j]] = std::move(far_values[j]);
  }
  if (!copies.empty()) near_->PutMany(copies, near_ttl_);
  return values;
}

void TieredCache::PutMany(
    const std::vector<std::pair<std::string, std::string>>& entries,
    absl::Duration ttl) {
  near_->PutMany(entries, std::min(ttl, near_ttl_));
  far_->PutMany(entries, ttl);
}

CacheStats TieredCache::stats() const {
  const CacheStats near = near_->stats();
  const CacheStats far = far_->stats();
  return {near.hits + far.hits, far.misses, far.errors};
}

}  // namespace clinic::cache
