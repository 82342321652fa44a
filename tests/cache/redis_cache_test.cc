#include "services/cache/redis/redis_cache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/status_matchers.h"

namespace clinic::cache {
namespace {

using ::clinic::testing::FakeClock;
using ::clinic::testing::RedisServer;
using ::clinic::testing::StatusIs;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

constexpr absl::Duration kTtl = absl::Minutes(5);

// The number after "name:" in the server's INFO text, or -1.
int64_t InfoNumber(const RedisServer& server, const std::string& section,
                   const std::string& name) {
  for (absl::string_view line :
       absl::StrSplit(server.Command("INFO " + section), "\r\n")) {
    if (absl::ConsumePrefix(&line, name + ":")) {
      line = line.substr(0, line.find(','));
      int64_t value = -1;
      if (absl::SimpleAtoi(line, &value)) return value;
    }
  }
  return -1;
}

int64_t CommandCalls(const RedisServer& server, const std::string& command) {
  const std::string text = server.Command("INFO commandstats");
  const std::string field = "cmdstat_" + command + ":calls=";
  const size_t at = text.find(field);
  int64_t calls = 0;
  if (at != std::string::npos) {
    const size_t start = at + field.size();
    absl::SimpleAtoi(text.substr(start, text.find(',', start) - start), &calls);
  }
  return calls;
}

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // A cache on server_ whose backoff reads clock_.
  std::unique_ptr<RedisCache> NewCache(RedisCache::Options options = {},
                                       const std::string& suffix = "") {
    options.clock = &clock_;
    auto cache = RedisCache::Create(server_.url() + suffix, options);
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? *std::move(cache) : nullptr;
  }

  RedisServer server_;
  FakeClock clock_;
};

TEST(RedisCacheCreateTest, RefusesBadUrls) {
  for (const std::string url :
       {"", "redis://", "http://127.0.0.1:6379", "redis://127.0.0.1",
        "redis://127.0.0.1:", "redis://:6379", "redis://127.0.0.1:0",
        "redis://127.0.0.1:65536", "redis://127.0.0.1:+80",
        "redis://127.0.0.1:6379x", "redis://127.0.0.1:6379/",
        "redis://127.0.0.1:6379/16", "redis://127.0.0.1:6379/-1",
        "redis://127.0.0.1:6379/1/2", "redis://user:pw@127.0.0.1:6379",
        "redis://[::1]:6379", "redis://a:1:2"}) {
    EXPECT_THAT(RedisCache::Create(url),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("\"" + url + "\"")))
        << url;
  }
}

TEST(RedisCacheCreateTest, RefusesBadOptions) {
  RedisCache::Options options;
  options.max_connections = 0;
  EXPECT_THAT(RedisCache::Create("redis://127.0.0.1:6379", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("max_connections")));
}

TEST(RedisCacheCreateTest, AcceptsGoodUrlsWithoutConnecting) {
  for (const std::string url :
       {"redis://127.0.0.1:1", "redis://localhost:65535/15",
        "redis://cache.internal:6379/0"}) {
    EXPECT_TRUE(RedisCache::Create(url).ok()) << url;
  }
}

TEST_F(RedisCacheTest, RoundTripsValuesAndCountsHitsAndMisses) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  const std::string binary("a\0b\xff\r\n%s", 8);
  const std::string big(size_t{100} * 1024, 'x');
  cache->PutMany({{"bin", binary},
                  {"with space", "v w"},
                  {"empty", ""},
                  {"big", big},
                  {std::string("k\0ey", 4), "binary key"}},
                 kTtl);

  EXPECT_THAT(cache->GetMany({"bin", "absent", "with space", "empty", "big",
                              std::string("k\0ey", 4)}),
              ElementsAre(Optional(binary), Eq(std::nullopt),
                          Optional(std::string("v w")), Optional(std::string()),
                          Optional(big), Optional(std::string("binary key"))));
  EXPECT_EQ(cache->stats().hits, 5);
  EXPECT_EQ(cache->stats().misses, 1);
  EXPECT_EQ(cache->stats().errors, 0);
}

TEST_F(RedisCacheTest, KeysCarryThePrefix) {
  RedisCache::Options options;
  options.key_prefix = "other:";
  auto cache = NewCache(options);
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"k", "v"}}, kTtl);
  EXPECT_EQ(server_.Command("GET other:k"), "v");
  server_.Command("SET other:direct d");
  EXPECT_THAT(cache->GetMany({"direct"}),
              ElementsAre(Optional(std::string("d"))));
}

TEST_F(RedisCacheTest, UsesTheDbOfTheUrl) {
  auto cache = NewCache({}, "/3");
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"a", "1"}, {"b", "2"}}, kTtl);
  EXPECT_THAT(server_.Command("INFO keyspace"), HasSubstr("db3:keys=2,"));
  EXPECT_THAT(server_.Command("INFO keyspace"), Not(HasSubstr("db0:")));
  EXPECT_THAT(
      cache->GetMany({"a", "b"}),
      ElementsAre(Optional(std::string("1")), Optional(std::string("2"))));
}

TEST_F(RedisCacheTest, SetsTheTtlInMilliseconds) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"minute", "v"}}, absl::Minutes(1));
  cache->PutMany({{"tiny", "v"}}, absl::Microseconds(1));  // rounds up, 1 ms
  int64_t pttl = 0;
  ASSERT_TRUE(absl::SimpleAtoi(server_.Command("PTTL clinic:minute"), &pttl));
  EXPECT_GT(pttl, 50'000);
  EXPECT_LE(pttl, 60'000);
  // A PX of 0 would have been refused: the SET went through.
  EXPECT_EQ(cache->stats().errors, 0);
}

TEST_F(RedisCacheTest, EntriesExpire) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"brief", "v"}}, absl::Milliseconds(200));
  cache->PutMany({{"lasting", "v"}}, kTtl);
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_THAT(cache->GetMany({"brief", "lasting"}),
              ElementsAre(Eq(std::nullopt), Optional(std::string("v"))));
}

TEST_F(RedisCacheTest, NonPositiveTtlStoresNothing) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"zero", "v"}}, absl::ZeroDuration());
  cache->PutMany({{"negative", "v"}}, absl::Seconds(-1));
  EXPECT_EQ(server_.Command("DBSIZE"), "0");
  EXPECT_EQ(cache->stats().errors, 0);
}

TEST_F(RedisCacheTest, ManyKeysInOneMgetAndOnePipeline) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  std::vector<std::pair<std::string, std::string>> entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back(absl::StrCat("key", i));
    if (i % 2 == 0) entries.emplace_back(keys.back(), absl::StrCat("v", i));
  }
  server_.Command("CONFIG RESETSTAT");
  cache->PutMany(entries, kTtl);
  const auto values = cache->GetMany(keys);

  EXPECT_EQ(CommandCalls(server_, "set"), 500);
  EXPECT_EQ(CommandCalls(server_, "mget"), 1);
  EXPECT_EQ(CommandCalls(server_, "get"), 0);
  ASSERT_EQ(values.size(), keys.size());
  for (int i = 0; i < 1000; ++i) {
    if (i % 2 == 0) {
      EXPECT_EQ(values[i], absl::StrCat("v", i)) << i;
    } else {
      EXPECT_EQ(values[i], std::nullopt) << i;
    }
  }
  EXPECT_EQ(cache->stats().hits, 500);
  EXPECT_EQ(cache->stats().misses, 500);
}

TEST_F(RedisCacheTest, FlushAllTurnsEntriesIntoMisses) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"a", "1"}}, kTtl);
  ASSERT_THAT(cache->GetMany({"a"}), ElementsAre(Optional(std::string("1"))));
  EXPECT_EQ(server_.Command("FLUSHALL"), "OK");
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Eq(std::nullopt)));
  EXPECT_EQ(cache->stats().errors, 0);
}

TEST_F(RedisCacheTest, KeyOfAnotherTypeIsAMiss) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  server_.Command("RPUSH clinic:list a");
  server_.Command("SET clinic:string s");
  EXPECT_THAT(cache->GetMany({"list", "string"}),
              ElementsAre(Eq(std::nullopt), Optional(std::string("s"))));
  EXPECT_EQ(cache->stats().errors, 0);
}

TEST_F(RedisCacheTest, ErrorReplyIsCountedAndBacksOff) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_EQ(server_.Command("CONFIG SET maxmemory 1"), "OK");
  cache->PutMany({{"a", "1"}, {"b", "2"}}, kTtl);  // -OOM replies
  EXPECT_EQ(cache->stats().errors, 1);
  EXPECT_EQ(server_.Command("DBSIZE"), "0");

  ASSERT_EQ(server_.Command("CONFIG SET maxmemory 0"), "OK");
  cache->PutMany({{"a", "1"}}, kTtl);  // backing off: dropped
  EXPECT_EQ(server_.Command("DBSIZE"), "0");
  clock_.Advance(absl::Milliseconds(100));
  cache->PutMany({{"a", "1"}}, kTtl);
  EXPECT_EQ(server_.Command("GET clinic:a"), "1");
  EXPECT_EQ(cache->stats().errors, 1);
}

TEST_F(RedisCacheTest, SlowServerTimesOut) {
  RedisCache::Options options;
  options.timeout = absl::Milliseconds(50);
  auto cache = NewCache(options);
  ASSERT_NE(cache, nullptr);
  ASSERT_EQ(server_.Command("CLIENT PAUSE 10000 WRITE"), "OK");
  cache->PutMany({{"a", "1"}}, kTtl);  // blocks in Redis past the timeout
  EXPECT_EQ(cache->stats().errors, 1);

  ASSERT_EQ(server_.Command("CLIENT UNPAUSE"), "OK");
  clock_.Advance(absl::Milliseconds(100));
  cache->PutMany({{"b", "2"}}, kTtl);
  EXPECT_THAT(cache->GetMany({"b"}), ElementsAre(Optional(std::string("2"))));
  EXPECT_EQ(cache->stats().errors, 1);
}

TEST_F(RedisCacheTest, EmptyCallsMakeNoRoundTrip) {
  server_.Stop();
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_TRUE(cache->GetMany({}).empty());
  cache->PutMany({}, kTtl);
  EXPECT_EQ(cache->stats().errors, 0);  // no attempt, so no failure
}

TEST_F(RedisCacheTest, CreatedWhileDownMissesThenRecoversAfterBackoff) {
  server_.Stop();
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_THAT(cache->GetMany({"a", "b"}), Each(Eq(std::nullopt)));
  EXPECT_EQ(cache->stats().errors, 1);
  EXPECT_EQ(cache->stats().misses, 2);

  ASSERT_TRUE(server_.Start().ok());
  server_.Command("SET clinic:a 1");
  // Still backing off: a miss although Redis has the key, so no I/O.
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Eq(std::nullopt)));
  cache->PutMany({{"b", "2"}}, kTtl);
  EXPECT_EQ(server_.Command("EXISTS clinic:b"), "0");

  clock_.Advance(absl::Milliseconds(100));
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Optional(std::string("1"))));
  EXPECT_EQ(cache->stats().errors, 1);
}

TEST_F(RedisCacheTest, KilledThenRestartedOnTheSamePort) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"a", "1"}}, kTtl);
  ASSERT_THAT(cache->GetMany({"a"}), ElementsAre(Optional(std::string("1"))));
  ::testing::internal::CaptureStderr();

  server_.Kill();
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Eq(std::nullopt)));
  EXPECT_EQ(cache->stats().errors, 1);
  // Backing off: these calls make no attempt, so no error is added.
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Eq(std::nullopt)));
    cache->PutMany({{"a", "2"}}, kTtl);
  }
  clock_.Advance(absl::Milliseconds(99));
  cache->GetMany({"a"});
  EXPECT_EQ(cache->stats().errors, 1);
  EXPECT_EQ(cache->stats().misses, 22);

  // The delay then doubles: 100 ms, 200 ms, 400 ms.
  clock_.Advance(absl::Milliseconds(1));
  cache->GetMany({"a"});
  EXPECT_EQ(cache->stats().errors, 2);
  clock_.Advance(absl::Milliseconds(199));
  cache->GetMany({"a"});
  EXPECT_EQ(cache->stats().errors, 2);
  clock_.Advance(absl::Milliseconds(1));
  cache->GetMany({"a"});
  EXPECT_EQ(cache->stats().errors, 3);

  const absl::Status restarted = server_.Start();  // same port
  ASSERT_TRUE(restarted.ok()) << restarted;
  server_.Command("SET clinic:a 3");
  clock_.Advance(absl::Milliseconds(399));
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Eq(std::nullopt)));
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_THAT(cache->GetMany({"a"}), ElementsAre(Optional(std::string("3"))));
  cache->PutMany({{"b", "4"}}, kTtl);
  EXPECT_EQ(server_.Command("GET clinic:b"), "4");
  EXPECT_EQ(cache->stats().errors, 3);

  // One line when it went away, one when it came back.
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(
      std::vector<std::string>(absl::StrSplit(log, '\n', absl::SkipEmpty()))
          .size(),
      2u)
      << log;
  EXPECT_THAT(log, HasSubstr("unreachable"));
  EXPECT_THAT(log, HasSubstr("reachable again"));
}

TEST_F(RedisCacheTest, WritingToAClosedConnectionDoesNotKillTheProcess) {
  auto cache = NewCache();
  ASSERT_NE(cache, nullptr);
  cache->PutMany({{"a", "1"}}, kTtl);  // leaves a pooled connection
  server_.Kill();
  // Several writes into a socket the peer closed: SIGPIPE unless blocked.
  cache->PutMany({{"big", std::string(size_t{8} << 20, 'x')}}, kTtl);
  EXPECT_EQ(cache->stats().errors, 1);
}

TEST_F(RedisCacheTest, BackoffDelayIsCapped) {
  RedisCache::Options options;
  options.backoff_initial = absl::Milliseconds(100);
  options.backoff_max = absl::Milliseconds(300);
  server_.Stop();
  auto cache = NewCache(options);
  ASSERT_NE(cache, nullptr);
  cache->GetMany({"a"});  // the first failure: 100 ms of backoff
  int64_t expected_errors = 1;
  EXPECT_EQ(cache->stats().errors, expected_errors);
  for (absl::Duration delay :
       {absl::Milliseconds(100), absl::Milliseconds(200),
        absl::Milliseconds(300), absl::Milliseconds(300)}) {
    clock_.Advance(delay - absl::Milliseconds(1));
    cache->GetMany({"a"});
    EXPECT_EQ(cache->stats().errors, expected_errors) << delay;
    clock_.Advance(absl::Milliseconds(1));
    cache->GetMany({"a"});
    EXPECT_EQ(cache->stats().errors, ++expected_errors) << delay;
  }
}

TEST_F(RedisCacheTest, ConcurrentUseFromEightThreads) {
  RedisCache::Options options;
  options.max_connections = 4;
  options.timeout = absl::Seconds(5);  // a busy machine must not fail it
  auto cache = NewCache(options);
  ASSERT_NE(cache, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        cache->PutMany({{key, key + "=v"}, {"shared", "s"}}, kTtl);
        const auto values = cache->GetMany({key, "shared", "never"});
        if (values[0] != key + "=v" || values[1] != "s" ||
            values[2].has_value()) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(wrong, Each(0));
  EXPECT_EQ(cache->stats().hits, 2 * kThreads * kRounds);
  EXPECT_EQ(cache->stats().misses, kThreads * kRounds);
  EXPECT_EQ(cache->stats().errors, 0);
  // The pool's connections plus the one asking.
  EXPECT_LE(InfoNumber(server_, "clients", "connected_clients"), 5);
  EXPECT_EQ(server_.Command("DBSIZE"), absl::StrCat(kThreads * kRounds + 1));
}

}  // namespace
}  // namespace clinic::cache
