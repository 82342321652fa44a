// loadgen: drives a mix of clinic.v1 calls against clinicd (one address or
// a replicas' target list) and reports throughput and latency per method.
// It seeds its own therapists and athletes first. See README "Load".
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "clients/loadgen/driver.h"
#include "clients/loadgen/workload.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, server, "",
          "clinicd's address or target list, e.g. "
          "ipv4:127.0.0.1:7001,127.0.0.1:7002; default $CLINIC_SERVER, else "
          "127.0.0.1:50051");
ABSL_FLAG(std::string, clinic, "",
          "clinic to seed and book in (cl_N); "
          "default the only one");
ABSL_FLAG(int, clients, 16, "closed loop: calls always in flight");
ABSL_FLAG(double, rate, 0,
          "open loop: calls a second, Poisson arrivals (0: closed loop)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "how long to send");
ABSL_FLAG(int64_t, max_calls, 0, "stop after sending this many (0: no bound)");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "each call's deadline");
ABSL_FLAG(std::string, mix,
          "reserve=40,slots=30,check=15,reschedule=5,cancel=5,race=5",
          "weights of the calls: slots (ListAvailableSlots), check, reserve, "
          "reschedule, cancel, race (AddRace)");
ABSL_FLAG(int, therapists, 20, "therapists to seed");
ABSL_FLAG(int, athletes, 200, "athletes to seed");
ABSL_FLAG(int, days, 60, "sessions fall within this many days from tomorrow");
ABSL_FLAG(uint64_t, seed, 1, "random seed");
ABSL_FLAG(std::string, json, "",
          "also write the report as JSON to this file "
          "(- for stdout)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "loadgen [--server TARGET] [--clients N | --rate PER_SECOND] "
      "[--duration 10s] [--mix reserve=40,...] [--json FILE]\nThe token is "
      "$CLINIC_TOKEN (a STAFF or ADMIN user's).");
  absl::ParseCommandLine(argc, argv);
  using clinic::loadgen::DriverOptions;
  const char* env_server = std::getenv("CLINIC_SERVER");
  const char* env_token = std::getenv("CLINIC_TOKEN");
  std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty()) server = env_server ? env_server : "127.0.0.1:50051";
  if (env_token == nullptr || *env_token == '\0') {
    std::fprintf(stderr,
                 "loadgen: set CLINIC_TOKEN to a STAFF or ADMIN token\n");
    return 2;
  }
  absl::StatusOr<std::vector<double>> mix =
      clinic::loadgen::ParseMix(absl::GetFlag(FLAGS_mix));
  DriverOptions options;
  options.clients = absl::GetFlag(FLAGS_clients);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.max_calls = absl::GetFlag(FLAGS_max_calls);
  options.deadline = absl::GetFlag(FLAGS_deadline);
  options.token = env_token;
  options.seed = absl::GetFlag(FLAGS_seed);
  if (!mix.ok() || options.clients < 1 || options.rate < 0 ||
      options.duration <= absl::ZeroDuration()) {
    std::fprintf(stderr, "loadgen: %s\n",
                 mix.ok() ? "--clients must be at least 1, --rate not "
                            "negative, --duration positive"
                          : std::string(mix.status().message()).c_str());
    return 2;
  }
  options.mix = *mix;

  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      server, grpc::InsecureChannelCredentials(), args);
  clinic::loadgen::WorkloadOptions seed;
  seed.token = options.token;
  seed.clinic_id = absl::GetFlag(FLAGS_clinic);
  seed.therapists = absl::GetFlag(FLAGS_therapists);
  seed.athletes = absl::GetFlag(FLAGS_athletes);
  seed.days = absl::GetFlag(FLAGS_days);
  absl::StatusOr<std::unique_ptr<clinic::loadgen::Workload>> workload =
      clinic::loadgen::Workload::Seed(channel, seed);
  if (!workload.ok()) {
    std::fprintf(stderr, "loadgen: seeding %s failed: %s\n", server.c_str(),
                 std::string(workload.status().message()).c_str());
    return 1;
  }
  clinic::loadgen::Report report =
      clinic::loadgen::RunLoad(channel, **workload, options);
  std::fputs(report.Table().c_str(), stderr);
  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (json_path == "-") {
    std::fputs(report.Json(options).c_str(), stdout);
  } else if (!json_path.empty()) {
    std::ofstream(json_path) << report.Json(options);
  }
  return 0;
}
