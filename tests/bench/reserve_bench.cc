// ReserveSlot end to end against a real clinicd, beside two baselines
// measured in the same run: a no-op RPC on the same server (gRPC health
// Check) and the store's own durable single-row insert (SQLite WAL,
// synchronous=FULL) without any RPC. Compare items_per_second.
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/clinicd_process.h"

namespace clinic::testing {
namespace {

constexpr int kTherapists = 200;

// One clinicd for the whole run, with kTherapists therapists each paired
// with an athlete, open Mon-Sat 08:00-20:00 in UTC.
struct Fixture {
  TempDir dir;
  ClinicdProcess server{dir.path() + "/bench.db"};
  std::vector<std::string> therapists, athletes;
  absl::CivilDay first_day;
  std::atomic<int64_t> next_slot{0};

  Fixture() {
    std::string error;
    if (!server.Start({"--timezone=UTC"}, &error)) {
      std::fprintf(stderr, "clinicd did not start: %s\n", error.c_str());
      std::abort();
    }
    for (int i = 0; i < kTherapists; ++i) {
      grpc::ClientContext c1, c2;
      Authorize(c1);
      Authorize(c2);
      v1::CreateTherapistRequest t;
      t.mutable_therapist()->set_display_name("Therapist " + std::to_string(i));
      t.mutable_therapist()->add_modalities(v1::SPORTS);
      for (int d = v1::MONDAY; d <= v1::SATURDAY; ++d) {
        auto* h = t.mutable_therapist()->add_working_hours();
        h->set_day(static_cast<v1::DayOfWeek>(d));
        h->mutable_start()->set_hours(8);
        h->mutable_end()->set_hours(20);
      }
      v1::Therapist therapist;
      server.therapists().CreateTherapist(&c1, t, &therapist);
      therapists.push_back(therapist.id());
      v1::CreateAthleteRequest a;
      a.mutable_athlete()->set_display_name("Athlete " + std::to_string(i));
      v1::Athlete athlete;
      server.athletes().CreateAthlete(&c2, a, &athlete);
      athletes.push_back(athlete.id());
    }
    first_day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 1;
    while (absl::GetWeekday(first_day) != absl::Weekday::monday) ++first_day;
  }

  // A free slot: therapist k % n, the k / n-th 75-minute step of its
  // working weeks (60 min session + 15 min turnover), 9 a day, Mon-Sat.
  v1::ReserveSlotRequest NextRequest() {
    const int64_t k = next_slot++;
    const int64_t step = k / kTherapists;
    const int64_t day = step / 9, in_day = step % 9;
    const absl::CivilDay d = first_day + day / 6 * 7 + day % 6;
    v1::ReserveSlotRequest req;
    req.set_request_id("bench-" + std::to_string(k));
    v1::SessionSpec* s = req.mutable_session();
    s->set_therapist_id(therapists[k % kTherapists]);
    s->set_athlete_id(athletes[k % kTherapists]);
    s->set_modality(v1::SPORTS);
    const absl::Time start = absl::FromCivil(
        absl::CivilMinute(d) + 8 * 60 + 75 * in_day, absl::UTCTimeZone());
    s->mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
    return req;
  }
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_NoOpRpc(benchmark::State& state) {
  auto health = grpc::health::v1::Health::NewStub(Shared().server.channel());
  for (auto _ : state) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse out;
    if (!health->Check(&ctx, {}, &out).ok()) {
      state.SkipWithError("Check failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// GetRules reads nothing from the store: beside the no-op RPC it measures
// what checking the bearer token costs every call (SHA-256, one indexed
// read of the token and its user).
void BM_AuthenticatedGetRules(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::RuleSet out;
    if (!f.server.bookings().GetRules(&ctx, {}, &out).ok()) {
      state.SkipWithError("GetRules failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ReserveSlot(benchmark::State& state) {
  Fixture& f = Shared();
  int64_t rejected = 0;
  for (auto _ : state) {
    const v1::ReserveSlotRequest req = f.NextRequest();
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::ReserveSlotResponse out;
    if (!f.server.bookings().ReserveSlot(&ctx, req, &out).ok()) ++rejected;
  }
  if (rejected > 0) state.SkipWithError("some reservations were rejected");
  state.SetItemsProcessed(state.iterations());
}

// The durable single-row insert of the store, without gRPC or rules.
void BM_SqliteDurableInsert(benchmark::State& state) {
  static TempDir dir;
  const std::string path =
      dir.path() + "/insert-" + std::to_string(state.thread_index()) + ".db";
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, a, b, c);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t(a, b, c) VALUES (?, ?, ?)", -1, &insert,
                     nullptr);
  int64_t i = 0;
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_int64(insert, 1, ++i);
    sqlite3_bind_int64(insert, 2, i * 7);
    sqlite3_bind_text(insert, 3, "payload", -1, SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SqliteDurableInsert)->UseRealTime();
BENCHMARK(BM_NoOpRpc)->UseRealTime()->Threads(1)->Threads(16);
BENCHMARK(BM_AuthenticatedGetRules)->UseRealTime()->Threads(1)->Threads(16);
BENCHMARK(BM_ReserveSlot)->UseRealTime()->Threads(1)->Threads(16);

}  // namespace
}  // namespace clinic::testing

BENCHMARK_MAIN();
