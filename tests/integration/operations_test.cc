// clinicd as operators run it: the metrics Prometheus scrapes (read with
// curl, as a scraper would), the log line of each call, the one-shot
// migration step and CLINIC_DB, on both stores.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clinic/v1/clinics.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// What the shell command printed (stdout and stderr), and its exit status.
std::string Output(const std::string& command, int* status = nullptr) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int code = pclose(pipe);
  if (status != nullptr) *status = code;
  return out;
}

// One scrape of the Prometheus text format: each series line as printed
// (`name{label="value",...}`) and its value.
class Scrape {
 public:
  explicit Scrape(const std::string& text) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      double value = 0;
      if (space == absl::string_view::npos ||
          !absl::SimpleAtod(line.substr(space + 1), &value)) {
        continue;
      }
      series_.emplace_back(std::string(line.substr(0, space)), value);
    }
  }

  // The sum over series of `name` that carry every label of `labels`.
  double Sum(absl::string_view name,
             const std::map<std::string, std::string>& labels = {}) const {
    double sum = 0;
    for (const auto& [series, value] : series_) {
      if (series != name && !absl::StartsWith(series, absl::StrCat(name, "{"))) {
        continue;
      }
      bool all = true;
      for (const auto& [key, want] : labels) {
        all = all && absl::StrContains(series, absl::StrCat(key, "=\"", want, "\""));
      }
      if (all) sum += value;
    }
    return sum;
  }

  bool empty() const { return series_.empty(); }

 private:
  std::vector<std::pair<std::string, double>> series_;
};

std::map<std::string, std::string> Method(const std::string& service,
                                          const std::string& method) {
  return {{"grpc_service", "clinic.v1." + service}, {"grpc_method", method}};
}

class OperationsTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--metrics_listen=127.0.0.1:0",
            "--metrics_port_file=" + dir_.path() + "/metrics.port"};
  }

  Scrape Metrics() {
    const std::string port = ReadFile(dir_.path() + "/metrics.port");
    EXPECT_FALSE(port.empty()) << "no metrics port file";
    const std::string text =
        Output("curl -sS --max-time 5 http://127.0.0.1:" +
               port.substr(0, port.find('\n')) + "/metrics");
    Scrape scrape(text);
    EXPECT_FALSE(scrape.empty()) << text;
    return scrape;
  }

  // A race on RaceSunday() at 07:00; returns athlete and therapist.
  std::pair<std::string, std::string> AthleteWithRace() {
    const std::string therapist = AddTherapist();
    const std::string athlete = AddAthlete();
    AddEvent(athlete, v1::RACE, "Harbor Half", Local(RaceSunday(), 7), absl::Hours(2));
    return {athlete, therapist};
  }
};

TEST_F(OperationsTest, MetricsCountCallsRejectionsCacheAndStore) {
  const auto [athlete, therapist] = AthleteWithRace();
  const Scrape before = Metrics();
  const auto reserve = Method("BookingService", "ReserveSlot");

  // Deep tissue on the Friday before: GAP_BEFORE_EVENT. Then a good slot.
  v1::ReserveSlotResponse out;
  EXPECT_EQ(Reserve(Spec(athlete, therapist, v1::DEEP_TISSUE,
                         Local(RaceSunday() - 2, 16)),
                    &out)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Reserve(Spec(athlete, therapist, v1::SPORTS,
                           Local(RaceSunday() - 5, 10)),
                      &out)
                  .ok());
  // The same day's free time twice: a miss, then a hit.
  for (int i = 0; i < 2; ++i) {
    v1::ListAvailableSlotsRequest req;
    req.set_therapist_id(therapist);
    *req.mutable_start_time() = Ts(Local(RaceSunday() - 4, 0));
    *req.mutable_end_time() = Ts(Local(RaceSunday() - 3, 0));
    v1::ListAvailableSlotsResponse slots;
    ASSERT_TRUE(server_.bookings().ListAvailableSlots(Ctx().get(), req, &slots)
                    .ok());
  }
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(grpc::health::v1::Health::NewStub(server_.channel())
                  ->Check(Ctx().get(), {}, &health)
                  .ok());

  const Scrape after = Metrics();
  auto delta = [&](absl::string_view name,
                   const std::map<std::string, std::string>& labels) {
    return after.Sum(name, labels) - before.Sum(name, labels);
  };
  auto with = [](std::map<std::string, std::string> labels,
                 const std::string& key, const std::string& value) {
    labels[key] = value;
    return labels;
  };
  EXPECT_EQ(delta("grpc_server_started_total", reserve), 2);
  EXPECT_EQ(delta("grpc_server_handled_total", with(reserve, "grpc_code", "OK")),
            1);
  EXPECT_EQ(delta("grpc_server_handled_total",
                  with(reserve, "grpc_code", "FAILED_PRECONDITION")),
            1);
  EXPECT_EQ(delta("grpc_server_handling_seconds_count", reserve), 2);
  EXPECT_GT(delta("grpc_server_handling_seconds_sum", reserve), 0);
  EXPECT_EQ(delta("grpc_server_handling_seconds_bucket",
                  with(reserve, "le", "+Inf")),
            2);
  EXPECT_EQ(delta("grpc_server_handled_total",
                  {{"grpc_service", "grpc.health.v1.Health"},
                   {"grpc_code", "OK"}}),
            1);
  EXPECT_EQ(delta("clinic_booking_rejections_total",
                  {{"rule", "GAP_BEFORE_EVENT"}}),
            1);
  EXPECT_EQ(delta("clinic_booking_rejections_total", {}), 1);
  EXPECT_GE(delta("clinic_cache_requests_total", {{"result", "miss"}}), 1);
  EXPECT_GE(delta("clinic_cache_requests_total", {{"result", "hit"}}), 1);
  EXPECT_EQ(delta("clinic_cache_requests_total", {{"result", "error"}}), 0);
  EXPECT_GE(delta("clinic_store_transaction_seconds_count", {{"kind", "write"}}),
            2);
  EXPECT_GE(delta("clinic_store_transaction_seconds_count", {{"kind", "read"}}),
            2);
  EXPECT_EQ(after.Sum("clinic_store_transaction_errors_total"), 0);
  EXPECT_EQ(after.Sum("clinic_build_info"), 1);
  if (ClinicdProcess::MapsFilesToPostgres()) {
    EXPECT_GE(after.Sum("clinic_store_connections", {{"state", "open"}}), 1);
    EXPECT_EQ(after.Sum("clinic_store_connections_max"), 8);
  }
}

TEST_F(OperationsTest, EachCallLogsOneLineWithItsCallerAndNoToken) {
  const auto [athlete, therapist] = AthleteWithRace();
  v1::ReserveSlotResponse out;
  ASSERT_TRUE(Reserve(Spec(athlete, therapist, v1::SPORTS,
                           Local(RaceSunday() - 5, 10)),
                      &out, "front-desk-42")
                  .ok());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer clinic_not-a-known-token");
  v1::Booking booking;
  v1::GetBookingRequest get;
  get.set_booking_id(out.booking().id());
  EXPECT_EQ(server_.bookings().GetBooking(&ctx, get, &booking).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  const std::string log = server_.stderr_text();
  std::vector<std::string> reserves;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "method=clinic.v1.BookingService/ReserveSlot")) {
      reserves.emplace_back(line);
    }
  }
  ASSERT_EQ(reserves.size(), 1u) << log;
  EXPECT_THAT(reserves[0],
              AllOf(HasSubstr("level=info msg=call "), HasSubstr(" code=OK "),
                    HasSubstr(" latency_ms="), HasSubstr(" user=usr_1"),
                    HasSubstr(" request_id=front-desk-42")));
  EXPECT_THAT(log, HasSubstr("method=clinic.v1.BookingService/GetBooking "
                             "code=UNAUTHENTICATED"));
  EXPECT_THAT(log, Not(HasSubstr(kAdminToken)));
  EXPECT_THAT(log, Not(HasSubstr("clinic_not-a-known-token")));
}

class JsonLogTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--log_format=json"};
  }
};

TEST_F(JsonLogTest, EveryLineIsAJsonObject) {
  v1::GetBookingRequest get;
  get.set_booking_id("bk_999");
  v1::Booking booking;
  EXPECT_EQ(
      server_.bookings().GetBooking(Ctx().get(), get, &booking).error_code(),
      grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(server_.Stop(), 0);

  // Python's json module reads each line; it prints each call's method and
  // code.
  const std::string path = dir_.path() + "/stderr.log";
  std::ofstream(path) << server_.stderr_text();
  int status = 0;
  const std::string parsed = Output(
      "/usr/bin/python3 -c 'import json,sys\n"
      "for l in open(sys.argv[1]):\n"
      " o=json.loads(l)\n"
      " print(o[\"level\"], o[\"msg\"], o.get(\"method\"), o.get(\"code\"))' " +
          path,
      &status);
  EXPECT_EQ(status, 0) << parsed << "\n" << server_.stderr_text();
  EXPECT_THAT(parsed,
              AllOf(HasSubstr("info serving None None"),
                    HasSubstr("info call clinic.v1.BookingService/GetBooking "
                              "NOT_FOUND"),
                    HasSubstr("info stopped None None")));
}

class QuietLogTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--log_level=warning"};
  }
};

TEST_F(QuietLogTest, CallsBelowTheLevelAreNotLogged) {
  v1::GetBookingRequest get;
  get.set_booking_id("bk_999");
  v1::Booking booking;
  EXPECT_EQ(
      server_.bookings().GetBooking(Ctx().get(), get, &booking).error_code(),
      grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(server_.Stop(), 0);
  EXPECT_THAT(server_.stderr_text(), Not(HasSubstr("msg=")));
}

// The one-shot step of a deployment: the store is made ready, nothing is
// served, and replicas started after it find it ready. CLINIC_DB names the
// store when --db does not.
TEST(MigrateOnlyTest, PreparesTheStoreNamedByClinicDbAndExits) {
  TempDir dir;
  std::unique_ptr<TestDatabase> database;
  std::string db = dir.path() + "/clinic.db";
  if (ClinicdProcess::MapsFilesToPostgres()) {
    auto created = TestDatabase::Create();
    ASSERT_TRUE(created.ok()) << created.status();
    database = *std::move(created);
    db = database->uri();
  }
  ASSERT_EQ(setenv("CLINIC_DB", db.c_str(), 1), 0);
  std::string log;
  const int code = RunClinicdToExit(
      {"--migrate_only", "--timezone=Europe/London"},
      &log);
  unsetenv("CLINIC_DB");
  ASSERT_EQ(code, 0) << log;
  EXPECT_THAT(log, HasSubstr("store ready, not serving"));
  EXPECT_THAT(log, Not(HasSubstr(db)));  // a URI may hold a password

  ClinicdProcess server(db);
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  v1::ListClinicsResponse clinics;
  ASSERT_TRUE(v1::ClinicService::NewStub(server.channel())
                  ->ListClinics(Ctx().get(), {}, &clinics)
                  .ok());
  ASSERT_EQ(clinics.clinics_size(), 1);
  EXPECT_EQ(clinics.clinics(0).time_zone(), "Europe/London");
}

}  // namespace
}  // namespace clinic::testing
