#include "services/cache/redis/redis_cache.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/telemetry/log.h"

namespace clinic::cache {
namespace {

// Redis refuses expiry times that overflow its clock; longer ttls are cut.
constexpr absl::Duration kMaxTtl = absl::Hours(24 * 365);

absl::Status InvalidUrl(const std::string& url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("Redis URL \"", url, "\" ", why,
                   "; expected redis://host:port[/db] with port 1-65535 "
                   "and db 0-15"));
}

// Parses a decimal number in [min, max] made of digits only.
bool ParseInRange(absl::string_view text, int min, int max, int* out) {
  if (text.empty() || text.size() > 5) return false;
  for (char ch : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) return false;
  }
  return absl::SimpleAtoi(text, out) && *out >= min && *out <= max;
}

// Blocks SIGPIPE in the calling thread while alive and swallows one raised
// meanwhile, so that writing to a connection the server closed fails with
// EPIPE instead of killing the process (libpq does the same).
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
    was_pending_ = Pending();
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_ && Pending()) {
      const timespec zero = {0, 0};
      sigtimedwait(&sigpipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  bool Pending() const {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  }

  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool was_pending_;
};

std::string Unexpected(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR && reply.str != nullptr) {
    return absl::StrCat("error reply: ",
                        absl::string_view(reply.str, reply.len));
  }
  return absl::StrCat("unexpected reply type ", reply.type);
}

// Sends the commands appended to `c` and reads `count` replies, handing
// each to `check`, which returns why it is wrong or "". Returns why the
// exchange failed, or "" when every reply passed.
std::string Exchange(
    redisContext* c, size_t count,
    const std::function<std::string(const redisReply&)>& check) {
  ScopedSigpipeBlock no_sigpipe;
  for (size_t i = 0; i < count; ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      return c->err != 0 ? c->errstr : "no reply";
    }
    std::unique_ptr<redisReply, void (*)(void*)> reply(
        static_cast<redisReply*>(raw), freeReplyObject);
    std::string why = check(*reply);
    if (!why.empty()) return why;
  }
  return "";
}

std::string ExpectStatus(const redisReply& reply) {
  return reply.type == REDIS_REPLY_STATUS ? "" : Unexpected(reply);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCache>> RedisCache::Create(
    const std::string& url, Options options) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return InvalidUrl(url, "does not start with redis://");
  }
  int db = 0;
  if (const size_t slash = rest.find('/'); slash != rest.npos) {
    if (!ParseInRange(rest.substr(slash + 1), 0, 15, &db)) {
      return InvalidUrl(url, "has a bad db number");
    }
    rest = rest.substr(0, slash);
  }
  const size_t colon = rest.find(':');
  if (colon == rest.npos) return InvalidUrl(url, "has no port");
  const absl::string_view host = rest.substr(0, colon);
  if (host.empty() || host.find_first_of("@[]") != host.npos) {
    return InvalidUrl(url, "has a bad host");
  }
  int port = 0;
  if (!ParseInRange(rest.substr(colon + 1), 1, 65535, &port)) {
    return InvalidUrl(url, "has a bad port");
  }
  if (options.timeout <= absl::ZeroDuration() || options.max_connections < 1 ||
      options.backoff_initial <= absl::ZeroDuration() ||
      options.backoff_max < options.backoff_initial) {
    return absl::InvalidArgumentError(
        "Redis cache options need a positive timeout, max_connections and "
        "backoff_initial, and backoff_max >= backoff_initial");
  }
  static const core::RealClock wall_clock;
  if (options.clock == nullptr) options.clock = &wall_clock;
  std::unique_ptr<RedisCache> cache(
      new RedisCache(std::string(host), port, db, std::move(options)));
  return cache;
}

RedisCache::RedisCache(std::string host, int port, int db, Options options)
    : host_(std::move(host)),
      port_(port),
      db_(db),
      options_(std::move(options)) {}

RedisCache::~RedisCache() {
  for (redisContext* c : idle_) redisFree(c);
}

std::vector<std::optional<std::string>> RedisCache::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values(keys.size());
  if (keys.empty()) return values;
  if (redisContext* c = Acquire()) {
    std::vector<std::string> args = {"MGET"};
    for (const std::string& key : keys) {
      args.push_back(options_.key_prefix + key);
    }
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    std::string why = "cannot build MGET";
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) == REDIS_OK) {
      why = Exchange(c, 1, [&](const redisReply& reply) -> std::string {
        if (reply.type != REDIS_REPLY_ARRAY || reply.elements != keys.size()) {
          return Unexpected(reply);
        }
        for (size_t i = 0; i < keys.size(); ++i) {
          const redisReply* value = reply.element[i];
          // Nil (absent) and any other type (a key not holding a string)
          // are misses.
          if (value != nullptr && value->type == REDIS_REPLY_STRING) {
            values[i].emplace(value->str, value->len);
          }
        }
        return "";
      });
    }
    if (why.empty()) {
      Release(c);
    } else {
      Fail(c, why);
      values.assign(keys.size(), std::nullopt);
    }
  }
  const auto hits = std::count_if(values.begin(), values.end(),
                                  [](const auto& v) { return v.has_value(); });
  hits_ += hits;
  misses_ += static_cast<int64_t>(values.size()) - hits;
  return values;
}

void RedisCache::PutMany(
    const std::vector<std::pair<std::string, std::string>>& entries,
    absl::Duration ttl) {
  if (entries.empty() || ttl <= absl::ZeroDuration()) return;
  redisContext* c = Acquire();
  if (c == nullptr) return;
  const std::string ttl_ms = std::to_string(absl::ToInt64Milliseconds(
      absl::Ceil(std::min(ttl, kMaxTtl), absl::Milliseconds(1))));
  std::string key;
  for (const auto& [name, value] : entries) {
    key = options_.key_prefix + name;
    if (redisAppendCommand(c, "SET %b %b PX %s", key.data(), key.size(),
                           value.data(), value.size(),
                           ttl_ms.c_str()) != REDIS_OK) {
      Fail(c, "cannot build SET");
      return;
    }
  }
  const std::string why = Exchange(c, entries.size(), ExpectStatus);
  if (why.empty()) {
    Release(c);
  } else {
    Fail(c, why);
  }
}

CacheStats RedisCache::stats() const {
  CacheStats stats;
  stats.hits = hits_.load();
  stats.misses = misses_.load();
  stats.errors = errors_.load();
  return stats;
}

redisContext* RedisCache::Acquire() {
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    if (now < retry_at_) return nullptr;
    if (!mu_.AwaitWithTimeout(
            absl::Condition(this, &RedisCache::CanTakeConnection),
            options_.timeout)) {
      return nullptr;
    }
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  std::string why;
  redisContext* c = Connect(&why);
  if (c == nullptr) Fail(nullptr, why);
  return c;
}

void RedisCache::Release(redisContext* c) {
  bool back = false;
  {
    absl::MutexLock lock(&mu_);
    idle_.push_back(c);
    delay_ = absl::ZeroDuration();
    retry_at_ = absl::InfinitePast();
    back = down_;
    down_ = false;
  }
  if (back) {
    telemetry::Log(telemetry::LogLevel::kWarning, "redis reachable again")
        .Field("redis", absl::StrCat(host_, ":", port_))
        .Field("errors", errors_.load());
  }
}

void RedisCache::Fail(redisContext* c, const std::string& why) {
  if (c != nullptr) redisFree(c);
  ++errors_;
  const absl::Time now = options_.clock->Now();
  std::vector<redisContext*> idle;
  bool went_down = false;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
    open_ -= 1 + static_cast<int>(idle.size());
    // Calls that were under way when another one failed do not double the
    // delay again.
    if (now >= retry_at_) {
      delay_ = delay_ == absl::ZeroDuration()
                   ? options_.backoff_initial
                   : std::min(2 * delay_, options_.backoff_max);
      retry_at_ = now + delay_;
      went_down = !down_;
      down_ = true;
    }
  }
  for (redisContext* dead : idle) redisFree(dead);
  if (went_down) {
    telemetry::Log(telemetry::LogLevel::kError,
                   "redis unreachable; reading the store until it is back")
        .Field("redis", absl::StrCat(host_, ":", port_))
        .Field("error", why);
  }
}

redisContext* RedisCache::Connect(std::string* why) const {
  const timeval timeout = absl::ToTimeval(options_.timeout);
  redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, timeout);
  if (c == nullptr) {
    *why = "cannot allocate a connection";
    return nullptr;
  }
  if (c->err == 0) redisSetTimeout(c, timeout);
  if (c->err != 0) {
    *why = absl::StrCat("connect: ", c->errstr);
    redisFree(c);
    return nullptr;
  }
  if (db_ != 0) {
    *why = redisAppendCommand(c, "SELECT %d", db_) == REDIS_OK
               ? Exchange(c, 1, ExpectStatus)
               : "cannot build SELECT";
    if (!why->empty()) {
      redisFree(c);
      return nullptr;
    }
  }
  return c;
}

}  // namespace clinic::cache
