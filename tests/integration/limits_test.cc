// Hostile and greedy clients against a real clinicd: calls that never
// finish arriving, and one caller's flood of heavy reads. Bounded in time
// and memory; each asserts what another client sees meanwhile.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/stalling_client.h"

namespace clinic::testing {
namespace {

using ::testing::Ge;
using ::testing::Lt;

// The resident memory of process `pid`, in bytes; -1 when unknown.
int64_t RssBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int64_t kb = 0;
    if (absl::ConsumePrefix(&rest, "VmRSS:") &&
        absl::SimpleAtoi(
            absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB"), &kb)) {
      return kb * 1024;
    }
  }
  return -1;
}

// Another client, on its own connection, checking health and reading the
// rules every 20 ms while a test runs; Stop() returns what it saw.
class Bystander {
 public:
  struct Seen {
    std::vector<absl::Duration> health;  // latency of each health check
    int health_failed = 0;
    std::string first_failure;
    int rules_ok = 0;
    int rules_failed = 0;
    absl::Duration P99() const {
      std::vector<absl::Duration> sorted = health;
      std::sort(sorted.begin(), sorted.end());
      return sorted.empty() ? absl::InfiniteDuration()
                            : sorted[sorted.size() * 99 / 100];
    }
  };

  explicit Bystander(const std::string& address)
      : channel_(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        thread_([this] { Run(); }) {}
  ~Bystander() { Stop(); }

  Seen Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return seen_;
  }

 private:
  void Run() {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    auto bookings = v1::BookingService::NewStub(channel_);
    while (!stop_) {
      grpc::ClientContext hc;
      hc.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
      grpc::health::v1::HealthCheckResponse hr;
      const absl::Time start = absl::Now();
      const grpc::Status hs = health->Check(&hc, {}, &hr);
      const bool healthy = hs.ok();
      if (!healthy) seen_.first_failure = hs.error_message();
      seen_.health.push_back(absl::Now() - start);
      seen_.health_failed += !healthy;
      grpc::ClientContext rc;
      rc.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
      Authorize(rc);
      v1::RuleSet rules;
      const grpc::Status rs = bookings->GetRules(&rc, {}, &rules);
      const bool ok = rs.ok();
      if (!ok) seen_.first_failure = rs.error_message();
      seen_.rules_ok += ok;
      seen_.rules_failed += !ok;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<bool> stop_{false};
  Seen seen_;
  std::thread thread_;
};

class StalledCallsTest : public ClinicdTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--max_connection_age=3s", "--max_call_time=2s"};
  }
};

// Two connections, each opening 250 CreateAthlete calls without a token
// that announce a message and send almost all of it, never finishing.
TEST_F(StalledCallsTest, HoldLittleMemoryEndAndStallNoOneElse) {
  AddAthlete();  // warm up
  const int64_t before = RssBytes(server_.pid());
  ASSERT_GT(before, 0);
  Bystander bystander(server_.address());
  std::atomic<int64_t> peak{before};
  std::atomic<bool> attacking{true};
  std::thread sampler([&] {
    while (attacking) {
      peak = std::max(peak.load(), RssBytes(server_.pid()));
      absl::SleepFor(absl::Milliseconds(50));
    }
  });

  // Each call announces 4 MB (far past the 64 KiB request limit, which
  // gRPC 1.51 applies only once a message is whole) and sends all but 1 KB:
  // what bounds the memory is the streams per connection, and the
  // transport's ResourceQuota behind them.
  std::vector<std::unique_ptr<StallingClient>> clients;
  std::vector<std::thread> threads;
  std::atomic<int64_t> sent{0};
  for (int c = 0; c < 2; ++c) {
    clients.push_back(std::make_unique<StallingClient>(server_.port()));
    ASSERT_TRUE(clients.back()->connected());
    threads.emplace_back([&, client = clients.back().get()] {
      for (int i = 0; i < 250 && client->connected(); ++i) {
        const uint32_t announced = 4'000'000;
        sent += client->OpenStalledCall(
            "/clinic.v1.AthleteService/CreateAthlete", announced,
            announced - 1024, absl::Milliseconds(200));
      }
      // Then hold on, answering pings, until the server ends it.
      const absl::Time until = absl::Now() + absl::Seconds(20);
      while (client->connected() && absl::Now() < until) {
        client->Pump(absl::Milliseconds(100));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  attacking = false;
  sampler.join();
  const Bystander::Seen seen = bystander.Stop();

  std::printf(
      "stalled calls: %lld bytes sent; RSS %lld MB before, peak %lld "
      "MB; bystander health p99 %s, %d GetRules ok\n",
      static_cast<long long>(sent.load()), static_cast<long long>(before >> 20),
      static_cast<long long>(peak.load() >> 20),
      absl::FormatDuration(seen.P99()).c_str(), seen.rules_ok);
  EXPECT_THAT(peak.load() - before, Lt(int64_t{150} << 20));
  for (const auto& client : clients) {
    // The server ended every call: by the request limit, by refusing
    // streams past the limit, or by closing the aged connection.
    EXPECT_TRUE(client->closed());
    EXPECT_TRUE(client->got_goaway());
  }
  EXPECT_EQ(seen.health_failed, 0) << seen.first_failure;
  EXPECT_EQ(seen.rules_failed, 0) << seen.first_failure;
  EXPECT_THAT(seen.rules_ok, Ge(10));
  EXPECT_THAT(seen.P99(), Lt(absl::Milliseconds(100)));
  // And clinicd still serves.
  EXPECT_FALSE(AddAthlete("After The Storm").empty());
}

class FloodTest : public ClinicdTest {};

// One token keeps 500 month-wide availability listings in flight over one
// connection for three seconds (from a process of its own) while another
// client checks health and reads the rules.
TEST_F(FloodTest, OneCallersHeavyReadsAreAdmittedAFewAtATime) {
  for (int i = 0; i < 20; ++i) AddTherapist(absl::StrCat("Therapist ", i));
  Bystander bystander(server_.address());
  const std::string command =
      absl::StrCat(FLOOD_CLIENT_PATH, " ", server_.address(), " ", kAdminToken,
                   " ", absl::ToUnixSeconds(Local(RaceSunday(), 0)), " 3 500");
  FILE* flood = popen(command.c_str(), "r");
  ASSERT_NE(flood, nullptr);
  char line[256] = {};
  const bool read = fgets(line, sizeof line, flood) != nullptr;
  ASSERT_EQ(pclose(flood), 0);
  ASSERT_TRUE(read);
  const Bystander::Seen seen = bystander.Stop();
  int served = 0, refused = 0, retry_info = 0, other = 0;
  ASSERT_EQ(std::sscanf(line, "served=%d refused=%d retry_info=%d other=%d",
                        &served, &refused, &retry_info, &other),
            4)
      << line;
  std::printf(
      "flood: %d served, %d refused; bystander health p99 %s over %zu "
      "checks, GetRules %d ok %d failed\n",
      served, refused, absl::FormatDuration(seen.P99()).c_str(),
      seen.health.size(), seen.rules_ok, seen.rules_failed);
  EXPECT_THAT(served, Ge(4));
  EXPECT_THAT(refused, Ge(500));
  EXPECT_EQ(other, 0);
  EXPECT_EQ(retry_info, refused);
  EXPECT_EQ(seen.health_failed, 0) << seen.first_failure;
  EXPECT_EQ(seen.rules_failed, 0) << seen.first_failure;
  EXPECT_THAT(seen.P99(), Lt(absl::Milliseconds(100)));

  v1::ListAvailableSlotsRequest req;
  req.set_modality(v1::SPORTS);
  *req.mutable_start_time() = Ts(Local(RaceSunday(), 0));
  *req.mutable_end_time() = Ts(Local(RaceSunday() + 31, 0));
  // Another token is admitted at once.
  v1::ListAvailableSlotsResponse out;
  EXPECT_TRUE(
      server_.bookings().ListAvailableSlots(Ctx().get(), req, &out).ok());
}

}  // namespace
}  // namespace clinic::testing
