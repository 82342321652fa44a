#include "services/clinicd/server.h"

#include <signal.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/exposer.h"
#include "services/api/convert.h"
#include "services/api/unary.h"
#include "services/athletes/athlete_service.h"
#include "services/auth/accounts.h"
#include "services/bookings/booking_service.h"
#include "services/cache/memory/memory_cache.h"
#include "services/cache/redis/redis_cache.h"
#include "services/cache/tiered_cache.h"
#include "services/clinic/clinic.h"
#include "services/clinicd/bootstrap.h"
#include "services/clinicd/demo.h"
#include "services/clinicd/settings.h"
#include "services/clinicd/transport.h"
#include "services/clinics/clinic_service.h"
#include "services/core/clock.h"
#include "services/core/status_macros.h"
#include "services/storage/postgres/postgres_store.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/telemetry/call_metrics.h"
#include "services/telemetry/log.h"
#include "services/telemetry/measured_store.h"
#include "services/telemetry/metrics.h"
#include "services/therapists/therapist_service.h"
#include "services/users/user_service.h"

namespace clinic {
namespace {

#ifndef CLINIC_VERSION
#define CLINIC_VERSION "dev"
#endif
constexpr char kClinicVersion[] = CLINIC_VERSION;

// How long a stopping clinicd answers new calls UNAVAILABLE before it
// closes its port (see RunServer).
constexpr absl::Duration kRefuseAtLeast = absl::Milliseconds(200);

// Free time of a therapist for one day is about 50 bytes: 100k entries
// cover 200 therapists for 16 months in a few MB.
constexpr size_t kMemoryCacheEntries = 100'000;

// The store --db names: a PostgreSQL URI, or a SQLite file (its folder
// created when missing).
absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(
    const ServerOptions& options) {
  if (UsesPostgres(options)) {
    storage::PostgresStore::Options pg;
    pg.pool_size = options.db_pool_size;
    absl::StatusOr<std::unique_ptr<storage::PostgresStore>> store =
        storage::PostgresStore::Open(options.db, pg);
    if (!store.ok()) return store.status();
    storage::PostgresStore* pool = store->get();
    telemetry::Metrics::Get().AddSampled({
        {"clinic_store_connections",
         "PostgreSQL connections by state.",
         false,
         {{"state", "open"}},
         [pool] { return pool->pool_use().open; }},
        {"clinic_store_connections",
         "",
         false,
         {{"state", "in_use"}},
         [pool] { return pool->pool_use().in_use; }},
        {"clinic_store_connections_max",
         "--db_pool_size.",
         false,
         {},
         [pool] { return pool->pool_use().max; }},
    });
    return std::unique_ptr<storage::Store>(*std::move(store));
  }
  const std::filesystem::path db(options.db);
  if (db.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db.parent_path(), ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("--db: cannot create folder ", db.parent_path().string(),
                       ": ", ec.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<storage::SqliteStore>> store =
      storage::SqliteStore::Open(options.db);
  if (!store.ok()) return store.status();
  return std::unique_ptr<storage::Store>(*std::move(store));
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The cache's counts, read when Prometheus scrapes.
void SampleCache(const cache::AvailabilityCache* cache) {
  auto requests = [cache](const char* result, int64_t cache::CacheStats::*n) {
    return telemetry::Sampled{
        "clinic_cache_requests_total",
        "Availability cache lookups by result (hit, miss), and failed round "
        "trips to the cache server (error).",
        true,
        {{"result", result}},
        [cache, n] { return static_cast<double>(cache->stats().*n); }};
  };
  telemetry::Metrics::Get().AddSampled(
      {requests("hit", &cache::CacheStats::hits),
       requests("miss", &cache::CacheStats::misses),
       requests("error", &cache::CacheStats::errors)});
}

// Serves the metrics on options.metrics_listen; null when not asked for.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const ServerOptions& options) {
  if (options.metrics_listen.empty()) return nullptr;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb wants "host:port"; an IPv6 host keeps its brackets.
    exposer = std::make_unique<prometheus::Exposer>(options.metrics_listen,
                                                    /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen: cannot serve on ",
                     options.metrics_listen, ": ", e.what()));
  }
  for (const auto& collectable : telemetry::Metrics::Get().Collectables()) {
    exposer->RegisterCollectable(collectable);
  }
  if (!options.metrics_port_file.empty()) {
    const std::vector<int> ports = exposer->GetListeningPorts();
    if (ports.empty()) {
      return absl::InvalidArgumentError("--metrics_listen: no port bound");
    }
    CLINIC_RETURN_IF_ERROR(WritePortFile(options.metrics_port_file, ports[0]));
  }
  return exposer;
}

}  // namespace

bool UsesPostgres(const ServerOptions& options) {
  return absl::StartsWith(options.db, "postgresql://") ||
         absl::StartsWith(options.db, "postgres://");
}

absl::Status RunServer(const ServerOptions& options) {
  // Signals are taken by a dedicated thread; block them before any thread
  // starts (gRPC starts some early) so they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLINIC_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                          ServerCredentials(options));
  CLINIC_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> opened,
                          OpenStore(options));
  // The sampled metrics point into the store and the cache: only the
  // exposer reads them, and it is gone before either; they are dropped
  // when this returns.
  absl::Cleanup unsample = [] { telemetry::Metrics::Get().RemoveSampled(); };
  auto store = std::make_unique<telemetry::MeasuredStore>(std::move(opened));
  core::RealClock clock;
  CLINIC_ASSIGN_OR_RETURN(ClinicSettings settings,
                          SettleSettings(*store, clock, options));
  std::unique_ptr<cache::AvailabilityCache> cache;
  if (options.redis_url.empty()) {
    cache = std::make_unique<cache::MemoryCache>(kMemoryCacheEntries, &clock);
  } else {
    cache::RedisCache::Options redis_options;
    redis_options.clock = &clock;
    absl::StatusOr<std::unique_ptr<cache::RedisCache>> redis =
        cache::RedisCache::Create(options.redis_url, redis_options);
    if (!redis.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--redis: ", redis.status().message()));
    }
    cache = *std::move(redis);
    if (options.near_cache) {
      cache = std::make_unique<cache::TieredCache>(
          std::make_unique<cache::MemoryCache>(kMemoryCacheEntries, &clock),
          std::move(cache), options.cache_ttl);
    }
  }
  SampleCache(cache.get());
  auth::Accounts accounts(store.get(), &clock);
  CLINIC_RETURN_IF_ERROR(BootstrapAdmin(accounts, options));
  if (options.migrate_only) {
    telemetry::Log(telemetry::LogLevel::kInfo, "store ready, not serving")
        .Field("clinic",
               core::FormatId(core::IdKind::kClinic, settings.clinic_id));
    return absl::OkStatus();
  }
  Clinic clinic(store.get(), cache.get(), &clock, options.cache_ttl);
  ClinicService clinics(&clinic, &accounts);
  TherapistService therapists(&clinic, &accounts);
  AthleteService athletes(&clinic, &accounts);
  BookingService bookings(&clinic, &accounts);
  UserService users(&clinic, &accounts);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Calls' work runs here, never on gRPC's callback threads; it is
  // destroyed (after the server has finished every call) before the store.
  auto executor = std::make_unique<api::Executor>(
      options.workers, static_cast<size_t>(options.max_queued_calls));
  api::CallLimits limits;
  limits.max_call_time = options.max_call_time;
  limits.executor = executor.get();
  limits.max_heavy_calls_per_caller = options.max_heavy_calls_per_caller;
  api::SetCallLimits(limits);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  SetTransportLimits(options, builder);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(UnparsableRequestInterceptors());
  // After the one above, which rewrites the status it counts.
  interceptors.push_back(telemetry::CallMetricsInterceptors());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&clinics);
  builder.RegisterService(&therapists);
  builder.RegisterService(&athletes);
  builder.RegisterService(&bookings);
  builder.RegisterService(&users);

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    if (options.tls_cert.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen: cannot serve on ", options.listen));
    }
    // gRPC reads the certificate and key only now.
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen, --tls_cert, --tls_key: cannot serve TLS on ", options.listen,
        ": the address is taken, or the files are not a PEM certificate "
        "chain and its private key"));
  }
  telemetry::Metrics::Get().SetBuildInfo(kClinicVersion, grpc::Version());
  CLINIC_ASSIGN_OR_RETURN(std::unique_ptr<prometheus::Exposer> exposer,
                          ServeMetrics(options));
  const std::string address = absl::StrCat(
      options.listen.substr(0, options.listen.rfind(':')), ":", port);
  std::string demo;
  if (options.demo) {
    CLINIC_ASSIGN_OR_RETURN(demo,
                            SeedDemo(clinic, settings.clinic_id, address));
  }
  if (!options.port_file.empty()) {
    CLINIC_RETURN_IF_ERROR(WritePortFile(options.port_file, port));
  }
  const std::string cache_name = options.redis_url.empty()
                                     ? "in-process cache"
                                     : "cache " + options.redis_url;
  // A URI may hold a password: only its kind is printed.
  const std::string store_name =
      UsesPostgres(options) ? "PostgreSQL" : "SQLite " + options.db;
  telemetry::Log(telemetry::LogLevel::kInfo, "serving")
      .Field("listen", address)
      .Field("metrics", options.metrics_listen)
      .Field("store", UsesPostgres(options) ? "postgresql" : "sqlite")
      .Field("version", kClinicVersion);
  std::printf("clinicd: serving clinic.v1 on %s (%s, time zone %s, %s)\n",
              address.c_str(), store_name.c_str(), settings.zone.name().c_str(),
              cache_name.c_str());
  if (!demo.empty()) {
    // clinicctl needs a token; the demo's user is the first ADMIN.
    const std::string token_file = AdminTokenPath(options);
    if (options.admin_token.empty() && !token_file.empty() &&
        std::filesystem::exists(token_file)) {
      std::printf(
          "first, give clinicctl the admin token:\n  export "
          "CLINIC_TOKEN=$(cat %s)\n",
          token_file.c_str());
    }
    std::printf("%s\n", demo.c_str());
  }
  std::printf("clinicd: Ctrl-C stops it.\n");
  std::fflush(stdout);
  sd_notify(0, "READY=1");

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    // Load balancers and orchestrators watching the health service move
    // callers away while calls keep being served for the drain time.
    sd_notify(0, "STOPPING=1");
    telemetry::Log(telemetry::LogLevel::kInfo, "shutting down")
        .Field("signal", sig)
        .Millis("drain", options.shutdown_drain)
        .Millis("grace", options.shutdown_grace);
    server->GetHealthCheckService()->Shutdown();
    absl::SleepFor(options.shutdown_drain);
    // New calls are refused from here, UNAVAILABLE (clients retry it),
    // while those in flight get the grace to finish; only then does the
    // listener close and what is left get cancelled. The refusals go on
    // for a moment even when nothing is in flight: a call that races the
    // close itself ends CANCELLED, which clients do not retry.
    const absl::Time deadline = absl::Now() + options.shutdown_grace;
    api::RefuseNewCalls();
    absl::SleepFor(std::min(options.shutdown_grace, kRefuseAtLeast));
    executor->WaitIdle(deadline);
    server->Shutdown(absl::ToChronoTime(deadline));
  });
  server->Wait();
  stopper.join();
  executor.reset();
  telemetry::Log(telemetry::LogLevel::kInfo, "stopped");
  return absl::OkStatus();
}

}  // namespace clinic
