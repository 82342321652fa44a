// ListAvailableSlots for one therapist and 7 days, with 200 therapists and
// 100,000 bookings in the store, all in one run: a hit in the near
// (in-process) copy in front of Redis, a Redis hit, a Redis miss, the
// in-process cache alone, no cache, and a no-op RPC (gRPC health Check) as
// the baseline. Compare items_per_second.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/core/ids.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "tests/bench/bench_fixture.h"
#include "tests/integration/clinicd_process.h"
#include "tests/testing/redis_server.h"

namespace clinic::testing {
namespace {

constexpr int kTherapists = 200;
constexpr int kBookingsPerTherapist = 500;

// Fills the store directly (one transaction per therapist): clinicd would
// take minutes to accept 100k reservations one by one.
absl::CivilDay Seed(const std::string& db) {
  auto store = storage::SqliteStore::Open(db);
  if (!store.ok()) std::abort();
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::CivilDay monday = absl::ToCivilDay(absl::Now(), utc) + 1;
  while (absl::GetWeekday(monday) != absl::Weekday::monday) ++monday;
  // One clinic in UTC (its rules RULES.md's), which clinicd takes as its
  // first.
  const absl::StatusOr<core::Id> clinic = storage::InWrite(
      store->get(), storage::Touches::Nothing(), [](storage::Transaction& tx) {
        return tx.InsertClinic({0, "bench", "UTC", "", absl::Now()});
      });
  if (!clinic.ok()) std::abort();
  for (int i = 0; i < kTherapists; ++i) {
    const absl::Status s = (*store)->Write(
        storage::Touches::Nothing(), [&](storage::Transaction& tx) {
          core::Therapist t;
          t.clinic_id = *clinic;
          t.name = "Therapist " + std::to_string(i);
          t.modalities = {core::Modality::kSports};
          for (int d = 0; d < 6; ++d) {
            t.hours.push_back({static_cast<absl::Weekday>(d), 8 * 60, 20 * 60});
          }
          absl::StatusOr<core::Id> therapist = tx.InsertTherapist(t);
          core::Athlete a;
          a.name = "Athlete " + std::to_string(i);
          absl::StatusOr<core::Id> athlete = tx.InsertAthlete(a);
          if (!therapist.ok() || !athlete.ok()) {
            return absl::InternalError("seed");
          }
          // Every other 75-minute step of its working days.
          for (int k = 0; k < kBookingsPerTherapist; ++k) {
            const int step = 2 * k + (i % 2), day = step / 9;
            core::Booking b;
            b.athlete_id = *athlete;
            b.therapist_id = *therapist;
            b.modality = core::Modality::kSports;
            b.start = absl::FromCivil(
                absl::CivilMinute(monday + day / 6 * 7 + day % 6) + 8 * 60 +
                    75 * (step % 9),
                utc);
            b.end = b.start + absl::Hours(1);
            b.create_time = b.update_time = absl::Now();
            if (!tx.InsertBooking(b).ok()) return absl::InternalError("seed");
          }
          return absl::OkStatus();
        });
    if (!s.ok()) std::abort();
  }
  return monday;
}

struct Fixture {
  TempDir dir;
  RedisServer redis;
  absl::CivilDay monday;
  ClinicdProcess with_redis{dir.path() + "/bench.db"};
  ClinicdProcess redis_only{dir.path() + "/bench.db"};
  ClinicdProcess in_process{dir.path() + "/bench.db"};
  ClinicdProcess uncached{dir.path() + "/bench.db"};

  Fixture() {
    monday = Seed(dir.path() + "/bench.db");
    std::string error;
    if (!redis.Start().ok() ||
        !with_redis.Start({"--timezone=UTC", "--redis=" + redis.url()},
                          &error) ||
        !redis_only.Start(
            {"--timezone=UTC", "--redis=" + redis.url(), "--near_cache=false"},
            &error) ||
        !in_process.Start({"--timezone=UTC"}, &error) ||
        !uncached.Start({"--timezone=UTC", "--cache_ttl=0"}, &error)) {
      std::fprintf(stderr, "setup failed: %s\n", error.c_str());
      std::abort();
    }
  }

  // Therapist 1's slots for the week after the first seeded one.
  v1::ListAvailableSlotsRequest Week() const {
    v1::ListAvailableSlotsRequest req;
    req.set_therapist_id(core::FormatId(core::IdKind::kTherapist, 1));
    req.set_page_size(1000);
    const absl::Time from = absl::FromCivil(monday + 7, absl::UTCTimeZone());
    req.mutable_start_time()->set_seconds(absl::ToUnixSeconds(from));
    req.mutable_end_time()->set_seconds(
        absl::ToUnixSeconds(from + absl::Hours(7 * 24)));
    return req;
  }
};

void List(benchmark::State& state, ClinicdProcess& server, bool flush) {
  const v1::ListAvailableSlotsRequest req = Shared<Fixture>().Week();
  for (auto _ : state) {
    if (flush) {
      state.PauseTiming();
      Shared<Fixture>().redis.Command("FLUSHALL");
      state.ResumeTiming();
    }
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::ListAvailableSlotsResponse out;
    if (!server.bookings().ListAvailableSlots(&ctx, req, &out).ok() ||
        out.slots_size() == 0) {
      state.SkipWithError("ListAvailableSlots failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_NoOpRpc(benchmark::State& state) {
  auto health =
      grpc::health::v1::Health::NewStub(Shared<Fixture>().with_redis.channel());
  for (auto _ : state) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse out;
    if (!health->Check(&ctx, {}, &out).ok()) {
      state.SkipWithError("Check failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_ListSlots_NearHit(benchmark::State& s) {
  List(s, Shared<Fixture>().with_redis, false);
}
void BM_ListSlots_RedisHit(benchmark::State& s) {
  List(s, Shared<Fixture>().redis_only, false);
}
void BM_ListSlots_RedisMiss(benchmark::State& s) {
  List(s, Shared<Fixture>().redis_only, true);
}
void BM_ListSlots_InProcessHit(benchmark::State& s) {
  List(s, Shared<Fixture>().in_process, false);
}
void BM_ListSlots_NoCache(benchmark::State& s) {
  List(s, Shared<Fixture>().uncached, false);
}

BENCHMARK(BM_NoOpRpc)->UseRealTime();
BENCHMARK(BM_ListSlots_NearHit)->UseRealTime();
BENCHMARK(BM_ListSlots_RedisHit)->UseRealTime();
BENCHMARK(BM_ListSlots_RedisMiss)->UseRealTime();
BENCHMARK(BM_ListSlots_InProcessHit)->UseRealTime();
BENCHMARK(BM_ListSlots_NoCache)->UseRealTime();

}  // namespace
}  // namespace clinic::testing

int main(int argc, char** argv) {
  return clinic::testing::RunBenchmarks<clinic::testing::Fixture>(argc, argv);
}
