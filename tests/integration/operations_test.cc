// clinicd as operators run it: the metrics Prometheus scrapes (read with
// curl, as a scraper would), the log line of each call, the one-shot
// migration step and CLINIC_DB, on both stores.
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clinic/v1/clinics.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"

namespace clinic::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::map<std::string, std::string> Method(const std::string& service,
                                          const std::string& method) {
  return {{"grpc_service", "clinic.v1." + service}, {"grpc_method", method}};
}

class OperationsTest : public ClinicdTest {
 public:
  Scrape Metrics() {
    Scrape scrape = server_.Metrics();
    EXPECT_FALSE(scrape.empty());
    return scrape;
  }

  // A race on RaceSunday() at 07:00; returns athlete and therapist.
  std::pair<std::string, std::string> AthleteWithRace() {
    const std::string therapist = AddTherapist();
    const std::string athlete = AddAthlete();
    AddEvent(athlete, v1::RACE, "Harbor Half", Local(RaceSunday(), 7),
             absl::Hours(2));
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
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::SPORTS, Local(RaceSunday() - 5, 10)),
              &out)
          .ok());
  // The same day's free time twice: a miss, then a hit.
  for (int i = 0; i < 2; ++i) {
    v1::ListAvailableSlotsRequest req;
    req.set_therapist_id(therapist);
    *req.mutable_start_time() = Ts(Local(RaceSunday() - 4, 0));
    *req.mutable_end_time() = Ts(Local(RaceSunday() - 3, 0));
    v1::ListAvailableSlotsResponse slots;
    ASSERT_TRUE(
        server_.bookings().ListAvailableSlots(Ctx().get(), req, &slots).ok());
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
  EXPECT_EQ(
      delta("grpc_server_handled_total", with(reserve, "grpc_code", "OK")), 1);
  EXPECT_EQ(delta("grpc_server_handled_total",
                  with(reserve, "grpc_code", "FAILED_PRECONDITION")),
            1);
  EXPECT_EQ(delta("grpc_server_handling_seconds_count", reserve), 2);
  EXPECT_GT(delta("grpc_server_handling_seconds_sum", reserve), 0);
  EXPECT_EQ(
      delta("grpc_server_handling_seconds_bucket", with(reserve, "le", "+Inf")),
      2);
  EXPECT_EQ(
      delta("grpc_server_handled_total",
            {{"grpc_service", "grpc.health.v1.Health"}, {"grpc_code", "OK"}}),
      1);
  EXPECT_EQ(
      delta("clinic_booking_rejections_total", {{"rule", "GAP_BEFORE_EVENT"}}),
      1);
  EXPECT_EQ(delta("clinic_booking_rejections_total", {}), 1);
  EXPECT_GE(delta("clinic_cache_requests_total", {{"result", "miss"}}), 1);
  EXPECT_GE(delta("clinic_cache_requests_total", {{"result", "hit"}}), 1);
  EXPECT_EQ(delta("clinic_cache_requests_total", {{"result", "error"}}), 0);
  EXPECT_GE(
      delta("clinic_store_transaction_seconds_count", {{"kind", "write"}}), 2);
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
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::SPORTS, Local(RaceSunday() - 5, 10)),
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
    if (absl::StrContains(line,
                          "method=clinic.v1.BookingService/ReserveSlot")) {
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

// clinicd's whole log after one call (GetBooking of an unknown id) and a
// clean stop.
std::string LogOfANotFoundCall(ClinicdProcess& server) {
  v1::GetBookingRequest get;
  get.set_booking_id("bk_999");
  v1::Booking booking;
  EXPECT_EQ(
      server.bookings().GetBooking(Ctx().get(), get, &booking).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(server.Stop(), 0);
  return server.stderr_text();
}

class JsonLogTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--log_format=json"};
  }
};

TEST_F(JsonLogTest, EveryLineIsAJsonObject) {
  const std::string log = LogOfANotFoundCall(server_);
  // Python's json module reads each line; it prints each call's method and
  // code.
  const std::string path = dir_.path() + "/stderr.log";
  std::ofstream(path) << log;
  int status = 0;
  const std::string parsed = CommandOutput(
      "/usr/bin/python3 -c 'import json,sys\n"
      "for l in open(sys.argv[1]):\n"
      " o=json.loads(l)\n"
      " print(o[\"level\"], o[\"msg\"], o.get(\"method\"), o.get(\"code\"))' " +
          path,
      &status);
  EXPECT_EQ(status, 0) << parsed << "\n" << log;
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
  EXPECT_THAT(LogOfANotFoundCall(server_), Not(HasSubstr("msg=")));
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
  const int code =
      RunClinicdToExit({"--migrate_only", "--timezone=Europe/London"}, &log);
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

class ShutdownTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--shutdown_drain=1s", "--shutdown_grace=5s"};
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health() {
    grpc::health::v1::HealthCheckResponse health;
    const grpc::Status s = grpc::health::v1::Health::NewStub(server_.channel())
                               ->Check(Ctx().get(), {}, &health);
    return s.ok() ? health.status()
                  : grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
};

// SIGTERM under load: the health service turns NOT_SERVING while calls are
// still served, then new calls are refused; every call either completed or
// failed UNAVAILABLE, every acknowledged booking is in the store and no
// other, and clinicd exits 0.
TEST_F(ShutdownTest, SigtermDrainsCallsAndLosesNothing) {
  constexpr int kClients = 4;
  std::vector<std::string> therapists;
  for (int i = 0; i < kClients; ++i) {
    therapists.push_back(AddTherapist(absl::StrCat("Therapist ", i)));
  }
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::vector<std::string> acknowledged;  // booking ids
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    // Stubs of their own: server_'s go when it stops.
    clients.emplace_back([&, i, channel = server_.channel()] {
      auto athletes = v1::AthleteService::NewStub(channel);
      auto bookings = v1::BookingService::NewStub(channel);
      for (int k = 0; !stop; ++k) {
        v1::CreateAthleteRequest create;
        create.mutable_athlete()->set_display_name(absl::StrCat("A", i, k));
        v1::Athlete athlete;
        grpc::Status s = athletes->CreateAthlete(Ctx().get(), create, &athlete);
        v1::ReserveSlotResponse out;
        if (s.ok()) {
          v1::ReserveSlotRequest req;
          req.set_request_id(absl::StrCat("load-", i, "-", k));
          // Four sessions a working day (Monday to Saturday), two hours
          // apart: never too close for the therapist's turnover buffer.
          const int day = k / 4;
          *req.mutable_session() = Spec(
              athlete.id(), therapists[i], v1::SPORTS,
              Local(RaceSunday() + 1 + day / 6 * 7 + day % 6, 9 + 2 * (k % 4)));
          s = bookings->ReserveSlot(Ctx().get(), req, &out);
        }
        absl::MutexLock lock(&mu);
        ++codes[s.error_code()];
        if (s.ok()) acknowledged.push_back(out.booking().id());
        if (s.error_code() == grpc::StatusCode::UNAVAILABLE) return;
        absl::SleepFor(absl::Milliseconds(5));  // sessions within 90 days
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_EQ(Health(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_EQ(kill(server_.pid(), SIGTERM), 0);
  absl::SleepFor(absl::Milliseconds(300));
  // Draining: said so, and still serving.
  EXPECT_EQ(Health(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  int before = 0;
  {
    absl::MutexLock lock(&mu);
    before = codes[grpc::StatusCode::OK];
  }
  absl::SleepFor(absl::Milliseconds(300));
  {
    absl::MutexLock lock(&mu);
    EXPECT_GT(codes[grpc::StatusCode::OK], before) << "no call served while "
                                                      "draining";
  }
  const int status = server_.Stop();  // waits for the exit
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  for (const auto& [code, count] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK ||
                code == grpc::StatusCode::UNAVAILABLE)
        << count << " calls ended with code " << code;
  }
  EXPECT_GT(codes[grpc::StatusCode::UNAVAILABLE], 0);
  EXPECT_THAT(server_.stderr_text(), HasSubstr("msg=\"shutting down\""));

  std::string error;
  ASSERT_TRUE(server_.Start({}, &error)) << error;
  std::vector<std::string> stored;
  for (const v1::Booking& b : ListBookings()) stored.push_back(b.id());
  std::sort(stored.begin(), stored.end());
  std::sort(acknowledged.begin(), acknowledged.end());
  EXPECT_EQ(stored, acknowledged);
}

// The SQLite store on a small file system of its own (a tmpfs, mounted
// over the test's folder) that fills up, as a disk does.
class DiskFullTest : public ClinicdTest {
 public:
  void SetUp() override {
    ASSERT_EQ(mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=4m"), 0)
        << "mounting a tmpfs (root only): " << std::strerror(errno);
    mounted_ = true;
    ClinicdTest::SetUp();
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }

  // Writes a file until the file system has no room left.
  void Fill() {
    std::FILE* filler = std::fopen(Filler().c_str(), "w");
    ASSERT_NE(filler, nullptr);
    const std::string block(64 << 10, 'x');
    while (std::fwrite(block.data(), 1, block.size(), filler) == block.size() &&
           std::fflush(filler) == 0) {
    }
    std::fclose(filler);
  }
  std::string Filler() const { return dir_.path() + "/filler"; }

 private:
  bool mounted_ = false;
};

TEST_F(DiskFullTest, WritesFailCleanlyAndWorkAgainOnceSpaceReturns) {
  const std::string therapist = AddTherapist();
  const std::string athlete = AddAthlete();
  v1::ReserveSlotResponse first;
  ASSERT_TRUE(
      Reserve(Spec(athlete, therapist, v1::SPORTS, Local(RaceSunday() - 5, 10)),
              &first)
          .ok());
  ASSERT_NO_FATAL_FAILURE(Fill());
  const std::string before = StoreSnapshot(server_);

  const v1::SessionSpec second =
      Spec(athlete, therapist, v1::SPORTS, Local(RaceSunday() - 3, 10));
  v1::ReserveSlotResponse out;
  const grpc::Status full = Reserve(second, &out, "after-the-disk-filled");
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << full.error_message();
  EXPECT_THAT(full.error_message(), HasSubstr("disk is full"));
  EXPECT_THAT(full.error_message(), Not(HasSubstr(dir_.path())));
  v1::AddEventResponse race;
  v1::AddEventRequest add;
  add.set_athlete_id(athlete);
  add.set_name("Harbor Half");
  *add.mutable_start_time() = Ts(Local(RaceSunday(), 7));
  EXPECT_EQ(server_.athletes().AddRace(Ctx().get(), add, &race).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Reads go on; nothing was half-written; the operator sees the failures.
  EXPECT_EQ(StoreSnapshot(server_), before);
  EXPECT_EQ(server_.Metrics().Sum("clinic_store_transaction_errors_total",
                                  {{"kind", "write"}}),
            2);

  ASSERT_EQ(std::remove(Filler().c_str()), 0);
  const grpc::Status retried = Reserve(second, &out, "after-the-disk-filled");
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(ListBookings().size(), 2u);
}

// systemd's notification protocol (Type=notify), with the test as systemd:
// a datagram socket named by NOTIFY_SOCKET hears READY=1 once clinicd
// serves and STOPPING=1 when it is told to stop.
TEST(NotifyTest, TellsSystemdWhenItServesAndWhenItStops) {
  TempDir dir;
  const std::string path = dir.path() + "/notify";
  const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof address.sun_path);
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(
      bind(sock, reinterpret_cast<const sockaddr*>(&address), sizeof address),
      0);
  const timeval wait = {5, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  auto next = [&] {
    char buffer[256];
    const ssize_t n = recv(sock, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  };

  ASSERT_EQ(setenv("NOTIFY_SOCKET", path.c_str(), 1), 0);
  ClinicdProcess server(dir.path() + "/clinic.db");
  std::string error;
  const bool started = server.Start({}, &error);
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(started) << error;
  EXPECT_EQ(next(), "READY=1");
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_EQ(next(), "STOPPING=1");
  close(sock);
}

}  // namespace
}  // namespace clinic::testing
