// Faults under load: a replica SIGKILLed, the database stopped and started.
// Clients retry an unanswered reservation, same request_id, on the next
// replica; nothing acknowledged is lost, and the service carries on.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/replicas/load.h"
#include "tests/replicas/replicas_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::IsEmpty;

// Retrying clients reserving one-hour sports sessions on the hour, 08:00 to
// 18:00 over 60 days, for any athlete with any therapist: few conflicts,
// so bookings keep coming.
LoadOptions RetryingLoad(int threads, const ClinicCalendar& calendar,
                         const std::vector<std::string>& athletes,
                         const std::vector<std::string>& therapists) {
  LoadOptions options;
  options.threads = threads;
  options.retry = true;
  const absl::CivilDay first = calendar.FirstDay();
  options.next_session = [=](std::mt19937& rng) {
    const absl::CivilDay day = first + static_cast<int>(rng() % 60);
    return Session(athletes[rng() % athletes.size()],
                   therapists[rng() % therapists.size()], v1::SPORTS,
                   calendar.At(day, 8 + static_cast<int>(rng() % 11)));
  };
  return options;
}

int64_t BookedAfter(const LoadReport& report, absl::Time t) {
  return std::count_if(report.booked_at.begin(), report.booked_at.end(),
                       [t](absl::Time at) { return at > t; });
}

// Every acknowledged booking is confirmed in the table, nothing else is
// (but replies lost), and no two confirmed sessions overlap.
void ExpectTableMatches(const LoadReport& report, const TestDatabase& db) {
  int lost = 0;
  EXPECT_THAT(CompareWithTable(report, db, &lost), IsEmpty());
  EXPECT_THAT(OverlappingSessions(db), IsEmpty());
  std::printf("  %d replies lost (booked, never acknowledged)\n", lost);
}

TEST_F(ReplicasTest, ClientsCarryOnThroughTheOthersWhenAReplicaIsKilled) {
  Load load(Addresses(), RetryingLoad(24, calendar_, athletes_, therapists_));
  absl::SleepFor(absl::Seconds(2));
  const absl::Time killed = absl::Now();
  replica(1).Kill();
  absl::SleepFor(absl::Seconds(4));
  const LoadReport report = load.Stop();

  const int64_t after = BookedAfter(report, killed + absl::Seconds(1));
  std::printf(
      "replica 1 SIGKILLed after 2 s: %s; %lld booked in the last 3 s\n",
      report.Summary().c_str(), static_cast<long long>(after));
  EXPECT_GE(after, 20);
  EXPECT_GT(BookedAfter(report, absl::InfinitePast()) - after, 0);
  for (const auto& [code, count] : report.errors) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE)
        << count << " calls; " << report.first_error;
  }
  ExpectTableMatches(report, *db_);
}

// True while `pid` runs (not exited, not a zombie).
bool Running(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const size_t paren = text.rfind(") ");
  return paren != std::string::npos && text[paren + 2] != 'Z' &&
         text[paren + 2] != 'X';
}

// Two replicas on a PostgreSQL server of the test's own.
class PostgresRestartTest : public ReplicasTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server =
        PostgresServer::Create();
    ASSERT_TRUE(server.ok()) << server.status();
    own_server_ = *std::move(server);
    StartReplicas(2, own_server_->uri());
  }
};

TEST_F(PostgresRestartTest, CallsFailFastWhileItIsDownAndResumeWhenItIsBack) {
  Load load(Addresses(), RetryingLoad(8, calendar_, athletes_, therapists_));
  absl::SleepFor(absl::Seconds(2));
  const absl::Time stopping = absl::Now();
  own_server_->Stop();  // fast shutdown: sessions are ended
  const absl::Time down = absl::Now();
  absl::SleepFor(absl::Seconds(2));
  const absl::Time starting = absl::Now();
  const absl::Status started = own_server_->Start();
  const absl::Time up = absl::Now();
  absl::SleepFor(absl::Seconds(4));
  const LoadReport report = load.Stop();
  ASSERT_TRUE(started.ok()) << started;

  int64_t failed_while_down = 0;
  int64_t other_while_down = 0;
  absl::Duration slowest;
  for (const CallRecord& call : report.calls) {
    slowest = std::max(slowest, call.latency);
    if (call.start >= down && call.start + call.latency < starting) {
      ++(call.code == grpc::StatusCode::UNAVAILABLE ? failed_while_down
                                                    : other_while_down);
    }
  }
  absl::Time first_after = absl::InfiniteFuture();
  for (absl::Time t : report.booked_at) {
    if (t > up) first_after = std::min(first_after, t);
  }
  std::printf(
      "PostgreSQL stopped (took %s) for %s: %s; slowest call %s; %lld calls "
      "UNAVAILABLE while down; first booking %s after it was back\n",
      absl::FormatDuration(down - stopping).c_str(),
      absl::FormatDuration(starting - down).c_str(), report.Summary().c_str(),
      absl::FormatDuration(slowest).c_str(),
      static_cast<long long>(failed_while_down),
      absl::FormatDuration(first_after - up).c_str());
  EXPECT_GT(
      BookedAfter(report, absl::InfinitePast()) - BookedAfter(report, stopping),
      0);
  EXPECT_GT(failed_while_down, 0);
  EXPECT_EQ(other_while_down, 0) << report.first_error;
  for (const auto& [code, count] : report.errors) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE)
        << count << " calls; " << report.first_error;
  }
  EXPECT_LT(slowest, absl::Seconds(3));
  EXPECT_LT(first_after - up, absl::Seconds(5));
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(Running(replica(i).pid()))
        << "replica " << i << ": " << replica(i).stderr_text();
  }
  ExpectTableMatches(report, *db_);
}

}  // namespace
}  // namespace clinic::testing
