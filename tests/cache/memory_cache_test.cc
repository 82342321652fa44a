#include "services/cache/memory/memory_cache.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace clinic::cache {
namespace {

using ::clinic::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Optional;

constexpr absl::Duration kTtl = absl::Minutes(5);

TEST(MemoryCacheTest, RoundTripsValuesAndCountsHitsAndMisses) {
  MemoryCache cache(100);
  const std::string binary("a\0b\xff\n", 5);
  const std::string big(size_t{100} * 1024, 'x');
  cache.PutMany(
      {{"bin", binary}, {"with space", "v w"}, {"empty", ""}, {"big", big}},
      kTtl);

  EXPECT_THAT(cache.GetMany({"bin", "absent", "with space", "empty", "big"}),
              ElementsAre(Optional(binary), Eq(std::nullopt),
                          Optional(std::string("v w")), Optional(std::string()),
                          Optional(big)));
  const CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 4);
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.errors, 0);
  EXPECT_TRUE(cache.GetMany({}).empty());
}

TEST(MemoryCacheTest, RewriteReplacesValue) {
  MemoryCache cache(10);
  cache.PutMany({{"k", "old"}}, kTtl);
  cache.PutMany({{"k", "new"}}, kTtl);
  EXPECT_THAT(cache.GetMany({"k"}), ElementsAre(Optional(std::string("new"))));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(MemoryCacheTest, EntriesExpireAfterTheirTtl) {
  FakeClock clock;
  MemoryCache cache(10, &clock);
  cache.PutMany({{"short", "s"}}, absl::Seconds(1));
  cache.PutMany({{"long", "l"}}, absl::Seconds(10));

  clock.Advance(absl::Milliseconds(999));
  EXPECT_THAT(
      cache.GetMany({"short", "long"}),
      ElementsAre(Optional(std::string("s")), Optional(std::string("l"))));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_THAT(cache.GetMany({"short", "long"}),
              ElementsAre(Eq(std::nullopt), Optional(std::string("l"))));
  EXPECT_EQ(cache.size(), 1u);  // the expired entry was dropped
}

TEST(MemoryCacheTest, NonPositiveTtlStoresNothing) {
  MemoryCache cache(10);
  cache.PutMany({{"zero", "v"}}, absl::ZeroDuration());
  cache.PutMany({{"negative", "v"}}, absl::Seconds(-1));
  EXPECT_THAT(cache.GetMany({"zero", "negative"}),
              ElementsAre(Eq(std::nullopt), Eq(std::nullopt)));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(MemoryCacheTest, WhenFullEvictsOldestWrite) {
  FakeClock clock;
  MemoryCache cache(3, &clock);
  cache.PutMany({{"a", "1"}, {"b", "2"}, {"c", "3"}}, kTtl);
  cache.PutMany({{"a", "1'"}}, kTtl);  // a is now the newest write
  cache.PutMany({{"d", "4"}}, kTtl);

  EXPECT_EQ(cache.size(), 3u);
  EXPECT_THAT(
      cache.GetMany({"a", "b", "c", "d"}),
      ElementsAre(Optional(std::string("1'")), Eq(std::nullopt),
                  Optional(std::string("3")), Optional(std::string("4"))));
}

TEST(MemoryCacheTest, WhenFullEvictsExpiredEntriesFirst) {
  FakeClock clock;
  MemoryCache cache(3, &clock);
  cache.PutMany({{"old", "1"}}, kTtl);
  cache.PutMany({{"brief1", "2"}, {"brief2", "3"}}, absl::Seconds(1));
  clock.Advance(absl::Seconds(2));
  cache.PutMany({{"new", "4"}}, kTtl);

  // The oldest write survives: the expired ones made room.
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_THAT(
      cache.GetMany({"old", "new"}),
      ElementsAre(Optional(std::string("1")), Optional(std::string("4"))));
}

TEST(MemoryCacheTest, NeverHoldsMoreThanMaxEntries) {
  MemoryCache cache(50);
  for (int i = 0; i < 1000; ++i) {
    cache.PutMany({{"k" + std::to_string(i), "v"}}, kTtl);
  }
  EXPECT_EQ(cache.size(), 50u);
  EXPECT_THAT(cache.GetMany({"k999", "k950", "k949"}),
              ElementsAre(Optional(std::string("v")),
                          Optional(std::string("v")), Eq(std::nullopt)));
}

TEST(MemoryCacheTest, ConcurrentUseFromEightThreads) {
  MemoryCache cache(100000);
  constexpr int kThreads = 8;
  constexpr int kRounds = 500;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> wrong(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        cache.PutMany({{key, key + "=v"}, {"shared", "s"}}, kTtl);
        const auto values = cache.GetMany({key, "shared"});
        if (values[0] != key + "=v" || values[1] != "s") ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(wrong, ::testing::Each(0));
  EXPECT_EQ(cache.size(), kThreads * kRounds + 1u);
  EXPECT_EQ(cache.stats().hits, 2 * kThreads * kRounds);
  EXPECT_EQ(cache.stats().misses, 0);
}

}  // namespace
}  // namespace clinic::cache
