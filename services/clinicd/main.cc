// clinicd: the clinic booking server. See server.h for the options.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "services/clinicd/server.h"
#include "services/telemetry/log.h"

ABSL_FLAG(std::string, listen, clinic::ServerOptions().listen,
          "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, db, "",
          "the store: a SQLite file (created with its folder when missing), "
          "or postgresql://user@host:port/dbname shared by replicas; "
          "default: $CLINIC_DB, else data/clinic.db");
ABSL_FLAG(int, db_pool_size, clinic::ServerOptions().db_pool_size,
          "PostgreSQL connections this replica may hold");
ABSL_FLAG(std::string, timezone, "",
          "the clinic's IANA time zone, e.g. Europe/London; default: the "
          "store's, or America/New_York on the first start");
ABSL_FLAG(std::string, rules, "",
          "rule table overrides: a clinic.v1.RuleSet in protobuf text format; "
          "default: the store's, or RULES.md's on the first start");
ABSL_FLAG(bool, replace_settings, false,
          "store --timezone and --rules over those every replica uses, "
          "rather than refuse to start when they differ");
ABSL_FLAG(std::string, admin_token_file, "",
          "the first ADMIN's token on an empty store: read from this file, "
          "or a new one written to it (mode 0600); default: admin.token "
          "beside a SQLite database. CLINIC_ADMIN_TOKEN wins over it");
ABSL_FLAG(std::string, redis, "",
          "availability cache shared by replicas, redis://host:port[/db]; "
          "empty: an in-process cache");
ABSL_FLAG(bool, near_cache, true,
          "with --redis, keep in-process copies of Redis entries");
ABSL_FLAG(absl::Duration, cache_ttl, clinic::ServerOptions().cache_ttl,
          "how long an unused availability cache entry lives; 0 turns the "
          "cache off");
ABSL_FLAG(bool, demo, false,
          "seed a demo clinic (two therapists, an athlete with a race) into "
          "an empty store");
ABSL_FLAG(std::string, port_file, "",
          "write the port being served to this file once ready");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: require client certificates it signed (mutual TLS)");
ABSL_FLAG(bool, insecure_listen_any, false,
          "allow plaintext on a non-loopback --listen address");
ABSL_FLAG(int, max_message_bytes, clinic::ServerOptions().max_message_bytes,
          "largest response message (and request, if below "
          "--max_request_bytes)");
ABSL_FLAG(int, max_request_bytes, clinic::ServerOptions().max_request_bytes,
          "largest request message");
ABSL_FLAG(absl::Duration, max_call_time, clinic::ServerOptions().max_call_time,
          "the longest a call may take whatever its deadline, e.g. 30s");
ABSL_FLAG(int, workers, clinic::ServerOptions().workers,
          "threads that run calls' store and cache work");
ABSL_FLAG(int, max_queued_calls, clinic::ServerOptions().max_queued_calls,
          "calls that may wait for a worker; more are RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_heavy_calls_per_caller,
          clinic::ServerOptions().max_heavy_calls_per_caller,
          "listings, availability and checks one token may have in flight");
ABSL_FLAG(int, max_streams_per_connection,
          clinic::ServerOptions().max_streams_per_connection,
          "concurrent calls on one connection");
ABSL_FLAG(int64_t, max_transport_bytes,
          clinic::ServerOptions().max_transport_bytes,
          "memory gRPC may use for all connections and calls");
ABSL_FLAG(absl::Duration, max_connection_age,
          clinic::ServerOptions().max_connection_age,
          "connections are told to go away after this long (clients "
          "reconnect); calls on them get --max_call_time more");

ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on, at /metrics (port 0: "
          "any free port); empty: no metrics endpoint");
ABSL_FLAG(std::string, metrics_port_file, "",
          "write the metrics port to this file once serving");
ABSL_FLAG(clinic::telemetry::LogFormat, log_format,
          clinic::telemetry::LogFormat::kLogfmt,
          "log lines on stderr as logfmt or json");
ABSL_FLAG(clinic::telemetry::LogLevel, log_level,
          clinic::telemetry::LogLevel::kInfo,
          "the least level logged: debug, info (a line per call), warning "
          "or error");
ABSL_FLAG(absl::Duration, shutdown_drain,
          clinic::ServerOptions().shutdown_drain,
          "on SIGTERM, keep serving this long after the health service says "
          "NOT_SERVING, so that load balancers move callers away first");
ABSL_FLAG(absl::Duration, shutdown_grace,
          clinic::ServerOptions().shutdown_grace,
          "then the longest calls in flight get to finish before they are "
          "cancelled");
ABSL_FLAG(bool, migrate_only, false,
          "open and migrate the store, make the first clinic and admin, then "
          "exit without serving");

namespace {

// "--tls-cert=x" is "--tls_cert=x": flag names may use dashes, as other
// tools' flags do.
std::vector<char*> DashesToUnderscores(int argc, char** argv,
                                       std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  std::vector<char*> out;
  for (std::string& arg : storage) {
    if (absl::StartsWith(arg, "--")) {
      const size_t end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2,
                   arg.begin() + static_cast<std::ptrdiff_t>(end), '-', '_');
    }
    out.push_back(arg.data());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "clinicd [--listen HOST:PORT] [--db FILE|postgresql://...] "
      "[--timezone ZONE] "
      "[--rules FILE] [--redis URL] [--demo] [--tls_cert PEM --tls_key PEM "
      "[--tls_client_ca PEM]]\nOn first start with an empty store it creates "
      "the first ADMIN user, whose token is CLINIC_ADMIN_TOKEN when set.");
  std::vector<std::string> storage;
  std::vector<char*> args = DashesToUnderscores(argc, argv, storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  clinic::telemetry::SetLogOptions(absl::GetFlag(FLAGS_log_format),
                                   absl::GetFlag(FLAGS_log_level));
  clinic::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  // CLINIC_DB keeps a URI with a password out of the process's arguments.
  const char* db = std::getenv("CLINIC_DB");
  if (!absl::GetFlag(FLAGS_db).empty()) {
    options.db = absl::GetFlag(FLAGS_db);
  } else if (db != nullptr && *db != '\0') {
    options.db = db;
  }
  options.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  options.time_zone = absl::GetFlag(FLAGS_timezone);
  options.rules_path = absl::GetFlag(FLAGS_rules);
  options.replace_settings = absl::GetFlag(FLAGS_replace_settings);
  options.admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  options.redis_url = absl::GetFlag(FLAGS_redis);
  options.cache_ttl = absl::GetFlag(FLAGS_cache_ttl);
  options.near_cache = absl::GetFlag(FLAGS_near_cache);
  options.demo = absl::GetFlag(FLAGS_demo);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  options.insecure_listen_any = absl::GetFlag(FLAGS_insecure_listen_any);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  options.max_call_time = absl::GetFlag(FLAGS_max_call_time);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.max_queued_calls = absl::GetFlag(FLAGS_max_queued_calls);
  options.max_heavy_calls_per_caller =
      absl::GetFlag(FLAGS_max_heavy_calls_per_caller);
  options.max_streams_per_connection =
      absl::GetFlag(FLAGS_max_streams_per_connection);
  options.max_transport_bytes = absl::GetFlag(FLAGS_max_transport_bytes);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  options.shutdown_drain = absl::GetFlag(FLAGS_shutdown_drain);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.migrate_only = absl::GetFlag(FLAGS_migrate_only);
  if (options.shutdown_drain < absl::ZeroDuration() ||
      options.shutdown_grace < absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "clinicd: --shutdown_drain and --shutdown_grace must not be "
                 "negative\n");
    return 2;
  }
  if (options.max_call_time <= absl::ZeroDuration() ||
      options.max_connection_age <= absl::ZeroDuration() ||
      options.max_message_bytes < 1024 || options.max_request_bytes < 1024 ||
      options.workers < 1 || options.max_queued_calls < 1 ||
      options.db_pool_size < 1 || options.max_heavy_calls_per_caller < 1 ||
      options.max_streams_per_connection < 1 ||
      options.max_transport_bytes < (int64_t{1} << 20)) {
    std::fprintf(stderr,
                 "clinicd: --max_call_time and --max_connection_age must be "
                 "positive, --max_message_bytes and --max_request_bytes at "
                 "least 1024, --max_transport_bytes at least 1 MiB, and the "
                 "counts at least 1\n");
    return 2;
  }
  if (const char* token = std::getenv("CLINIC_ADMIN_TOKEN")) {
    options.admin_token = token;
  }
  const absl::Status status = clinic::RunServer(options);
  if (!status.ok()) {
    std::fprintf(stderr, "clinicd: %s\n",
                 std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
