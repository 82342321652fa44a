// clinicd: the clinic booking server. See server.h for the options.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/clinicd/server.h"

ABSL_FLAG(std::string, listen, clinic::ServerOptions().listen,
          "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, db, clinic::ServerOptions().db_path,
          "SQLite database file (created with its folder when missing)");
ABSL_FLAG(std::string, timezone, clinic::ServerOptions().time_zone,
          "the clinic's IANA time zone, e.g. Europe/London");
ABSL_FLAG(std::string, rules, "",
          "rule table overrides: a clinic.v1.RuleSet in protobuf text format");
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

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "clinicd [--listen HOST:PORT] [--db FILE] [--timezone ZONE] "
      "[--rules FILE] [--redis URL] [--demo]");
  absl::ParseCommandLine(argc, argv);
  clinic::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.db_path = absl::GetFlag(FLAGS_db);
  options.time_zone = absl::GetFlag(FLAGS_timezone);
  options.rules_path = absl::GetFlag(FLAGS_rules);
  options.redis_url = absl::GetFlag(FLAGS_redis);
  options.cache_ttl = absl::GetFlag(FLAGS_cache_ttl);
  options.near_cache = absl::GetFlag(FLAGS_near_cache);
  options.demo = absl::GetFlag(FLAGS_demo);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  const absl::Status status = clinic::RunServer(options);
  if (!status.ok()) {
    std::fprintf(stderr, "clinicd: %s\n",
                 std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
