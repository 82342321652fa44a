// ReserveSlot end to end against a real clinicd, beside two baselines
// measured in the same run: a no-op RPC on the same server (gRPC health
// Check) and the store's own durable single-row insert (SQLite WAL,
// synchronous=FULL) without any RPC. Compare items_per_second.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/bench/bench_fixture.h"
#include "tests/integration/clinicd_process.h"

namespace clinic::testing {
namespace {

// One clinicd for the whole run, seeded with FreeSlots' therapists and
// athletes (UTC), logging a line per call as by default; and one that logs
// no call (--log_level=warning), to weigh those lines.
struct Fixture {
  TempDir dir;
  ClinicdProcess server{dir.path() + "/bench.db"};
  FreeSlots slots{StartOrDie(server, {"--timezone=UTC"})};
  ClinicdProcess quiet{dir.path() + "/quiet.db"};
  FreeSlots quiet_slots{
      StartOrDie(quiet, {"--timezone=UTC", "--log_level=warning"})};
};

void BM_NoOpRpc(benchmark::State& state) {
  auto health =
      grpc::health::v1::Health::NewStub(Shared<Fixture>().server.channel());
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
  ClinicdProcess& server =
      state.range(0) == 0 ? Shared<Fixture>().server : Shared<Fixture>().quiet;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::RuleSet out;
    if (!server.bookings().GetRules(&ctx, {}, &out).ok()) {
      state.SkipWithError("GetRules failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ReserveSlot(benchmark::State& state) {
  Fixture& f = Shared<Fixture>();
  int64_t rejected = 0;
  for (auto _ : state) {
    if (!ReserveNext(f.server.bookings(), f.slots).ok()) ++rejected;
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
// Argument 0: a log line per call (the default); 1: none.
BENCHMARK(BM_AuthenticatedGetRules)
    ->UseRealTime()
    ->ArgName("unlogged")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(16);
BENCHMARK(BM_ReserveSlot)->UseRealTime()->Threads(1)->Threads(16);

}  // namespace
}  // namespace clinic::testing

int main(int argc, char** argv) {
  return clinic::testing::RunBenchmarks<clinic::testing::Fixture>(argc, argv);
}
