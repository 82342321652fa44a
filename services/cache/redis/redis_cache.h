// AvailabilityCache on a Redis server shared by the replicas, through
// hiredis. Redis is optional at run time: Create() does not connect, and
// while Redis is unreachable every read is a miss and every write is
// dropped, with the failure counted in stats().errors.
#ifndef CLINIC_SERVICES_CACHE_REDIS_REDIS_CACHE_H_
#define CLINIC_SERVICES_CACHE_REDIS_REDIS_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/cache/availability_cache.h"
#include "services/core/clock.h"

struct redisContext;

namespace clinic::cache {

struct RedisCacheOptions {
  // Bounds connecting, each socket read or write, and waiting for a free
  // pooled connection.
  absl::Duration timeout = absl::Milliseconds(200);
  // At most this many connections are open; a call waits (up to `timeout`)
  // for one when all are busy, and returns misses if none frees up.
  int max_connections = 4;
  // After a failure no call touches Redis for `backoff_initial`; each
  // further failure doubles the delay up to `backoff_max`; a success resets
  // it.
  absl::Duration backoff_initial = absl::Milliseconds(100);
  absl::Duration backoff_max = absl::Seconds(5);
  // Prepended to every key, to share a Redis with other users.
  std::string key_prefix = "clinic:";
  // The clock the backoff reads (the wall clock when null); it must outlive
  // the cache.
  const core::Clock* clock = nullptr;
};

class RedisCache final : public AvailabilityCache {
 public:
  using Options = RedisCacheOptions;

  // `url` is redis://host:port[/db] (port 1-65535, db 0-15); anything else
  // is INVALID_ARGUMENT. Does not connect: succeeds while Redis is down.
  static absl::StatusOr<std::unique_ptr<RedisCache>> Create(
      const std::string& url, Options options = {});
  ~RedisCache() override;

  // One MGET round trip (none for no keys, or during backoff).
  std::vector<std::optional<std::string>> GetMany(
      const std::vector<std::string>& keys) override;
  // One pipelined round trip of `SET key value PX ttl` (ttl rounded up to
  // whole milliseconds); a ttl <= 0 stores nothing.
  void PutMany(const std::vector<std::pair<std::string, std::string>>& entries,
               absl::Duration ttl) override;
  CacheStats stats() const override;

 private:
  RedisCache(std::string host, int port, int db, Options options);

  // Takes an idle connection or opens one. Null, without I/O, during
  // backoff or when the pool stays busy for `timeout`; null after Fail()
  // when connecting fails. The caller owns the result until it hands it to
  // Release() or Fail().
  redisContext* Acquire();
  // Returns a connection that just completed a round trip to the pool, and
  // ends any backoff.
  void Release(redisContext* c);
  // Frees `c` (may be null if connecting failed) and its pool slot, counts
  // the error, starts or doubles the backoff and frees the idle connections
  // (likely dead too).
  void Fail(redisContext* c, const std::string& why);
  // Connects and SELECTs the db; null with *why on failure.
  redisContext* Connect(std::string* why) const;
  bool CanTakeConnection() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.max_connections;
  }

  const std::string host_;
  const int port_;
  const int db_;
  const Options options_;

  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle plus checked out
  // Calls make no I/O before retry_at_; delay_ is zero while healthy.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  bool down_ ABSL_GUARDED_BY(mu_) = false;  // "unreachable" was logged

  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
  std::atomic<int64_t> errors_{0};
};

}  // namespace clinic::cache

#endif  // CLINIC_SERVICES_CACHE_REDIS_REDIS_CACHE_H_
