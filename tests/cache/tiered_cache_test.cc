#include "services/cache/tiered_cache.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/cache/memory/memory_cache.h"

namespace clinic::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Optional;

class TieredCacheTest : public ::testing::Test {
 protected:
  TieredCacheTest() {
    auto near = std::make_unique<MemoryCache>(100);
    auto far = std::make_unique<MemoryCache>(100);
    near_ = near.get();
    far_ = far.get();
    tiered_ = std::make_unique<TieredCache>(std::move(near), std::move(far),
                                            absl::Minutes(5));
  }
  MemoryCache* near_;
  MemoryCache* far_;
  std::unique_ptr<TieredCache> tiered_;
};

TEST_F(TieredCacheTest, PutFillsBothTiers) {
  tiered_->PutMany({{"k", "v"}}, absl::Hours(1));
  EXPECT_THAT(near_->GetMany({"k"}), ElementsAre(Optional(Eq("v"))));
  EXPECT_THAT(far_->GetMany({"k"}), ElementsAre(Optional(Eq("v"))));
}

TEST_F(TieredCacheTest, FarHitIsCopiedNearAndNearHitSkipsFar) {
  far_->PutMany({{"a", "1"}, {"b", "2"}}, absl::Hours(1));
  EXPECT_THAT(
      tiered_->GetMany({"a", "x", "b"}),
      ElementsAre(Optional(Eq("1")), Eq(std::nullopt), Optional(Eq("2"))));
  EXPECT_THAT(near_->GetMany({"a", "b"}),
              ElementsAre(Optional(Eq("1")), Optional(Eq("2"))));
  const int64_t far_lookups = far_->stats().hits + far_->stats().misses;
  EXPECT_THAT(tiered_->GetMany({"a"}), ElementsAre(Optional(Eq("1"))));
  EXPECT_EQ(far_->stats().hits + far_->stats().misses, far_lookups);
}

TEST_F(TieredCacheTest, StatsCountHitsOfBothTiersAndFarMisses) {
  near_->PutMany({{"n", "1"}}, absl::Hours(1));
  far_->PutMany({{"f", "2"}}, absl::Hours(1));
  tiered_->GetMany({"n", "f", "none"});
  const CacheStats stats = tiered_->stats();
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.misses, 1);
}

}  // namespace
}  // namespace clinic::cache
