// clinicd: hosts clinic.v1 (therapists, athletes, bookings, users), gRPC
// health checking and server reflection over one store.
#ifndef CLINIC_SERVICES_CLINICD_SERVER_H_
#define CLINIC_SERVICES_CLINICD_SERVER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace clinic {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free one. Default: loopback.
  std::string listen = "127.0.0.1:50051";
  // The store: a PostgreSQL URI (postgresql://user@host:port/dbname, any
  // libpq URI), shared by replicas; otherwise a SQLite file, its folder
  // created when missing.
  std::string db = "data/clinic.db";
  // PostgreSQL connections this replica may hold.
  int db_pool_size = 8;
  // The clinic's IANA time zone: working hours and messages use it. Empty:
  // the store's, or America/New_York on the first start.
  std::string time_zone;
  // A clinic.v1.RuleSet in protobuf text format overriding the defaults of
  // RULES.md; empty: the store's, or the defaults on the first start.
  std::string rules_path;
  // Store time_zone and rules_path over the ones every replica uses, rather
  // than refuse to start when they differ.
  bool replace_settings = false;
  // The availability cache: "redis://host:port[/db]", shared by replicas;
  // empty: an in-process cache.
  std::string redis_url;
  // With Redis, keep an in-process copy of what Redis returned (entries are
  // immutable, so the copy saves a round trip and is never stale).
  bool near_cache = true;
  // How long an unused cache entry lives (a safety net only); zero turns
  // the cache off.
  absl::Duration cache_ttl = absl::Hours(1);
  // Seed a demo clinic when the store has no therapist yet.
  bool demo = false;
  // When set, the chosen port is written here once the server is serving.
  std::string port_file;

  // The first ADMIN's token on an empty store (CLINIC_ADMIN_TOKEN). Else
  // the token in admin_token_file, or a new one written there (mode 0600);
  // that file defaults to admin.token beside a SQLite database. Tokens are
  // never logged.
  std::string admin_token;
  std::string admin_token_file;

  // TLS: PEM files of the server's certificate chain and key; with
  // tls_client_ca, clients must present a certificate it signed (mutual
  // TLS). Empty: plaintext, allowed on loopback only unless
  // insecure_listen_any.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool insecure_listen_any = false;

  // The largest response message, in bytes (and request, when smaller than
  // max_request_bytes).
  int max_message_bytes = 4 << 20;
  // The largest request message: every clinic.v1 request is a few hundred
  // bytes to a few KB, so 64 KiB leaves room and bounds what a sender can
  // make clinicd hold per call.
  int max_request_bytes = 64 << 10;
  // The longest a call may take, whatever deadline its caller set: calls
  // waiting in the store's queues past it fail with DEADLINE_EXCEEDED.
  absl::Duration max_call_time = absl::Seconds(30);

  // Threads that run calls' work (store, fsync, Redis), and how many calls
  // may wait for one before new ones are refused (RESOURCE_EXHAUSTED).
  int workers = 16;
  int max_queued_calls = 1000;
  // Heavy reads (listings, availability, checks) one bearer token may have
  // in flight; more are RESOURCE_EXHAUSTED with a retry delay.
  int max_heavy_calls_per_caller = 4;
  // Transport bounds: concurrent calls per connection, the memory gRPC may
  // use for all connections, and the age after which a connection is told
  // to go away (its calls get max_call_time more to finish, so a call that
  // never finishes arriving ends by max_connection_age + max_call_time).
  // gRPC 1.51 buffers a request as large as its sender announces until it
  // is whole (only then is max_request_bytes applied), so streams per
  // connection are what bound one connection's hold on memory.
  int max_streams_per_connection = 8;
  int64_t max_transport_bytes = int64_t{256} << 20;
  absl::Duration max_connection_age = absl::Minutes(10);

  // Prometheus text exposition at http://<metrics_listen>/metrics; empty:
  // none. Port 0 picks a free port, written to metrics_port_file when set.
  std::string metrics_listen;
  std::string metrics_port_file;

  // On SIGTERM or SIGINT: the health service answers NOT_SERVING at once,
  // clinicd keeps serving for shutdown_drain (time for load balancers to
  // see it and send new calls elsewhere), then refuses new calls and gives
  // those in flight shutdown_grace to finish before cancelling them.
  absl::Duration shutdown_drain = absl::ZeroDuration();
  absl::Duration shutdown_grace = absl::Seconds(10);

  // Open (and migrate) the store, make the first clinic and admin, and
  // exit without serving: a deployment's one-shot migration step.
  bool migrate_only = false;
};

// True when options.db is a PostgreSQL URI rather than a SQLite file.
bool UsesPostgres(const ServerOptions& options);

// Serves until SIGINT or SIGTERM. Returns INVALID_ARGUMENT for bad options
// (unknown zone, unreadable rules), the store's error when it can't open,
// OK after a clean shutdown.
absl::Status RunServer(const ServerOptions& options);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_SERVER_H_
