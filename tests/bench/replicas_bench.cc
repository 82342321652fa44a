// ReserveSlot through three clinicd replicas on one PostgreSQL database and
// one Redis, measured in the same run as two baselines:
//   BM_PostgresInsert       PostgreSQL's own insert rate into the store's
//                           bookings table (its exclusion constraints,
//                           indexes and foreign keys): a prepared INSERT,
//                           autocommit, one connection per thread;
//   BM_ReserveSlotPostgres  ReserveSlot over 3 replicas, client threads
//                           round-robin over them, each its own connection;
//   BM_ReserveSlotSqlite    ReserveSlot on one clinicd over SQLite.
// Every reservation is of a free slot and must succeed. After the benchmark
// table it prints p50/p99 latency per benchmark and thread count, and the
// ratios the replicas issue sets targets for. Run under with-postgres:
//   scripts/with-postgres build/tests/bench/replicas_bench
//       --benchmark_min_time=3
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "benchmark/benchmark.h"
#include "grpcpp/grpcpp.h"
#include "services/storage/postgres/postgres_store.h"
#include "tests/bench/bench_fixture.h"
#include "tests/integration/clinicd_process.h"
#include "tests/testing/postgres.h"
#include "tests/testing/redis_server.h"

namespace clinic::testing {
namespace {

constexpr int kReplicas = 3;

// A benchmark function's name and thread count: one line of the summary.
using RunKey = std::pair<std::string, int>;

// Per-call latencies of the last run of each benchmark and thread count.
class LatencyLog {
 public:
  // Thread 0 calls it before its timing loop: Google Benchmark runs a
  // benchmark several times to find its iteration count, and only the last
  // run is reported. The other threads add only after the loop, which all
  // threads start together.
  void Forget(const RunKey& key) {
    std::lock_guard<std::mutex> lock(mu_);
    ns_[key].clear();
  }
  void Add(const RunKey& key, const std::vector<int64_t>& ns) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t>& all = ns_[key];
    all.insert(all.end(), ns.begin(), ns.end());
  }
  // Each key's latencies, sorted.
  std::map<RunKey, std::vector<int64_t>> Sorted() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<RunKey, std::vector<int64_t>> out = ns_;
    for (auto& [key, ns] : out) std::sort(ns.begin(), ns.end());
    return out;
  }

 private:
  std::mutex mu_;
  std::map<RunKey, std::vector<int64_t>> ns_;
};

LatencyLog latencies;

// The nearest-rank `q` quantile of sorted `ns`, in milliseconds.
double QuantileMs(const std::vector<int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  const size_t rank = static_cast<size_t>(q * static_cast<double>(ns.size()));
  return static_cast<double>(ns[std::min(rank, ns.size() - 1)]) / 1e6;
}

// Runs `call` (which returns an error message, empty on success) once per
// iteration and logs each call's latency under `name`. Any failure fails
// the benchmark with the first message.
template <typename Call>
void TimedLoop(benchmark::State& state, const char* name, Call call) {
  const RunKey key(name, state.threads());
  if (state.thread_index() == 0) latencies.Forget(key);
  std::vector<int64_t> ns;
  int64_t failed = 0;
  std::string first_error;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::string error = call();
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count());
    if (!error.empty() && failed++ == 0) first_error = std::move(error);
  }
  latencies.Add(key, ns);
  if (failed > 0) {
    state.SkipWithError(
        (std::to_string(failed) + " calls failed, first: " + first_error)
            .c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

// A fixture made on first use (by whichever benchmark thread comes first)
// and destroyed by Reset(), before exit: it holds servers.
template <typename T>
class Lazy {
 public:
  T& Get() {
    std::call_once(once_, [this] { value_ = std::make_unique<T>(); });
    return *value_;
  }
  void Reset() { value_.reset(); }

 private:
  std::once_flag once_;
  std::unique_ptr<T> value_;
};

std::unique_ptr<TestDatabase> CreateDatabaseOrDie() {
  absl::StatusOr<std::unique_ptr<TestDatabase>> db = TestDatabase::Create();
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", std::string(db.status().message()).c_str());
    std::abort();
  }
  return *std::move(db);
}

// --- PostgreSQL alone --------------------------------------------------------

// Parents for the bookings' foreign keys, in the store's own schema.
constexpr char kParents[] = R"sql(
INSERT INTO clinics (id, name, time_zone, rules, create_us)
  VALUES (1, 'bench', 'UTC', '', 0);
INSERT INTO athletes (name, email)
  SELECT 'a' || i, '' FROM generate_series(1, 200) i;
INSERT INTO therapists (name, turnover_buffer_us, generation, clinic_id)
  SELECT 't' || i, 900000000, i, 1 FROM generate_series(1, 200) i;
)sql";

// Athlete and therapist $1, from $2 to $3, buffer $4, request id $5.
constexpr char kInsert[] =
    "INSERT INTO bookings (athlete_id, therapist_id, modality, start_us, "
    "end_us, buffer_us, state, request_id, request_user_id, request_hash, "
    "at_risk, at_risk_reason, cancel_reason, create_us, update_us, "
    "clinic_id) "
    "VALUES ($1, $1, 2, $2, $3, $4, 1, $5, 1, 'hash', false, '', '', $2, $2, "
    "1)";

struct InsertFixture {
  std::unique_ptr<TestDatabase> db = CreateDatabaseOrDie();
  std::atomic<int64_t> next{0};

  // The store's schema (the bookings table with its exclusion constraints)
  // made by the store itself, then filled with plain SQL.
  InsertFixture() {
    absl::Status s = storage::PostgresStore::Open(
                         db->uri(), storage::PostgresStore::Options())
                         .status();
    if (s.ok()) s = db->Query(kParents).status();
    if (!s.ok()) {
      std::fprintf(stderr, "bookings: %s\n", std::string(s.message()).c_str());
      std::abort();
    }
  }
};

Lazy<InsertFixture> insert_fixture;

void BM_PostgresInsert(benchmark::State& state) {
  InsertFixture& f = insert_fixture.Get();
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(
      PQconnectdb(f.db->uri().c_str()), &PQfinish);
  PGresult* prepared = PQprepare(conn.get(), "insert", kInsert, 0, nullptr);
  const bool ready = PQresultStatus(prepared) == PGRES_COMMAND_OK;
  PQclear(prepared);
  if (!ready) {
    state.SkipWithError(PQerrorMessage(conn.get()));
    return;
  }
  // Row k: therapist and athlete k % 200 + 1, the k / 200-th 75-minute
  // step from 2030 (60 min + 15 min buffer): no two rows overlap.
  constexpr int64_t kMinuteUs = 60'000'000, kBase = 1'893'456'000'000'000;
  TimedLoop(state, __func__, [&]() -> std::string {
    const int64_t k = f.next++;
    const int64_t start = kBase + k / 200 * 75 * kMinuteUs;
    const std::string values[] = {
        std::to_string(k % 200 + 1), std::to_string(start),
        std::to_string(start + 60 * kMinuteUs), std::to_string(15 * kMinuteUs),
        "bench-" + std::to_string(k)};
    const char* params[] = {values[0].c_str(), values[1].c_str(),
                            values[2].c_str(), values[3].c_str(),
                            values[4].c_str()};
    PGresult* r =
        PQexecPrepared(conn.get(), "insert", 5, params, nullptr, nullptr, 0);
    std::string error;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
    return error;
  });
}

// --- ReserveSlot -------------------------------------------------------------

// Per benchmark thread, a stub with its own connection to replica
// thread_index % replicas, made once (and connected) on first use.
class Clients {
 public:
  void AddReplica(const std::string& address) { addresses_.push_back(address); }

  v1::BookingService::Stub& For(int thread_index) {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<v1::BookingService::Stub>& stub = stubs_[thread_index];
    if (stub == nullptr) {
      grpc::ChannelArguments args;
      // Else channels to one address share one connection.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
          addresses_[thread_index % addresses_.size()],
          grpc::InsecureChannelCredentials(), args);
      channel->WaitForConnected(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
      stub = v1::BookingService::NewStub(channel);
    }
    return *stub;
  }

 private:
  std::vector<std::string> addresses_;
  std::mutex mu_;
  std::map<int, std::unique_ptr<v1::BookingService::Stub>> stubs_;
};

// kReplicas clinicd on one PostgreSQL database and one Redis.
struct ReplicasFixture {
  std::unique_ptr<TestDatabase> db = CreateDatabaseOrDie();
  RedisServer redis;
  std::vector<std::unique_ptr<ClinicdProcess>> replicas;
  std::unique_ptr<FreeSlots> slots;
  Clients clients;

  ReplicasFixture() {
    if (!absl::StartsWith(db->uri(), "postgresql://")) {
      std::fprintf(stderr, "clinicd needs a postgresql:// URI, not %s\n",
                   db->uri().c_str());
      std::abort();
    }
    if (absl::Status s = redis.Start(); !s.ok()) {
      std::fprintf(stderr, "redis: %s\n", std::string(s.message()).c_str());
      std::abort();
    }
    for (int i = 0; i < kReplicas; ++i) {
      replicas.push_back(std::make_unique<ClinicdProcess>(db->uri()));
      StartOrDie(*replicas.back(),
                 {"--timezone=UTC", "--redis=" + redis.url()});
      clients.AddReplica(replicas.back()->address());
    }
    slots = std::make_unique<FreeSlots>(*replicas.front());
  }
};

// Today's deployment: one clinicd on SQLite.
struct SqliteFixture {
  TempDir dir;
  ClinicdProcess server{dir.path() + "/bench.db"};
  FreeSlots slots{StartOrDie(server, {"--timezone=UTC"})};
  Clients clients;

  SqliteFixture() { clients.AddReplica(server.address()); }
};

Lazy<ReplicasFixture> replicas_fixture;
Lazy<SqliteFixture> sqlite_fixture;

void Reserve(benchmark::State& state, const char* name, Clients& clients,
             FreeSlots& slots) {
  v1::BookingService::Stub& stub = clients.For(state.thread_index());
  TimedLoop(state, name, [&] {
    const grpc::Status s = ReserveNext(stub, slots);
    return s.ok() ? std::string() : s.error_message();
  });
}

void BM_ReserveSlotPostgres(benchmark::State& state) {
  ReplicasFixture& f = replicas_fixture.Get();
  Reserve(state, __func__, f.clients, *f.slots);
}

void BM_ReserveSlotSqlite(benchmark::State& state) {
  SqliteFixture& f = sqlite_fixture.Get();
  Reserve(state, __func__, f.clients, f.slots);
}

BENCHMARK(BM_PostgresInsert)->UseRealTime()->Threads(4)->Threads(32);
BENCHMARK(BM_ReserveSlotPostgres)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(8)
    ->Threads(32);
BENCHMARK(BM_ReserveSlotSqlite)->UseRealTime()->Threads(1)->Threads(32);

// --- Summary -----------------------------------------------------------------

// The console table, remembering each run's items_per_second.
class Reporter : public benchmark::ConsoleReporter {
 public:
  Reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Color : OO_None) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const auto rate = run.counters.find("items_per_second");
      if (run.run_type == Run::RT_Iteration && !run.error_occurred &&
          rate != run.counters.end()) {
        items_per_second[{run.run_name.function_name,
                          static_cast<int>(run.threads)}] = rate->second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  std::map<RunKey, double> items_per_second;
};

void PrintSummary(const std::map<RunKey, double>& rates) {
  const std::map<RunKey, std::vector<int64_t>> sorted = latencies.Sorted();
  std::printf("\n%-24s %7s %10s %8s %8s %8s\n", "benchmark", "threads",
              "items/s", "p50 ms", "p99 ms", "calls");
  for (const auto& [key, ns] : sorted) {
    const auto rate = rates.find(key);
    std::printf("%-24s %7d %10.0f %8.2f %8.2f %8zu%s\n", key.first.c_str(),
                key.second, rate != rates.end() ? rate->second : 0.0,
                QuantileMs(ns, 0.50), QuantileMs(ns, 0.99), ns.size(),
                rate != rates.end() ? "" : "  (failed)");
  }
  // "a / b = x", or n/a when either did not run (filtered out, failed).
  const auto print_ratio = [&](const char* text, const RunKey& a,
                               const RunKey& b, const char* target) {
    const auto x = rates.find(a), y = rates.find(b);
    if (x == rates.end() || y == rates.end() || y->second <= 0) {
      std::printf("%s = n/a\n", text);
    } else {
      std::printf("%s = %.3f%s\n", text, x->second / y->second, target);
    }
  };
  const RunKey pg32("BM_ReserveSlotPostgres", 32);
  std::printf("\n");
  print_ratio(
      "ReserveSlot(PostgreSQL, 32 clients) / PostgresInsert(4 connections)",
      pg32, {"BM_PostgresInsert", 4}, " (target >= 0.40)");
  print_ratio(
      "ReserveSlot(PostgreSQL, 32 clients) / ReserveSlot(SQLite, 32 clients)",
      pg32, {"BM_ReserveSlotSqlite", 32}, "");
  const auto pg = sorted.find(pg32);
  if (pg != sorted.end()) {
    std::printf(
        "ReserveSlot(PostgreSQL, 32 clients) p99 = %.2f ms "
        "(target < 20 ms)\n",
        QuantileMs(pg->second, 0.99));
  }
}

}  // namespace
}  // namespace clinic::testing

int main(int argc, char** argv) {
  using namespace clinic::testing;  // NOLINT
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  PrintSummary(reporter.items_per_second);
  // Servers stop (and databases drop) before exit.
  replicas_fixture.Reset();
  sqlite_fixture.Reset();
  insert_fixture.Reset();
  return 0;
}
