// Faults under load: a replica SIGKILLed, the database stopped and started.
// Clients retry an unanswered reservation, same request_id, on the next
// replica; nothing acknowledged is lost, and the service carries on.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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
  // The survivors took the reservations, and failed none of them.
  for (int i : {0, 2}) {
    const Scrape metrics = replica(i).Metrics();
    EXPECT_GT(
        metrics.Sum("grpc_server_handled_total",
                    {{"grpc_method", "ReserveSlot"}, {"grpc_code", "OK"}}),
        0);
    EXPECT_EQ(metrics.Sum("clinic_store_transaction_errors_total"), 0);
  }
  ExpectTableMatches(report, *db_);
}

// The store errors replica i has counted.
double StoreErrors(ClinicdProcess& replica) {
  return replica.Metrics().Sum("clinic_store_transaction_errors_total");
}

// The threads of process `pid`, from /proc.
int Threads(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    int n = 0;
    if (absl::StartsWith(line, "Threads:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(8)), &n)) {
      return n;
    }
  }
  return -1;
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
  // The outage was counted, and nothing failed once it was over.
  const double errors = StoreErrors(replica(0)) + StoreErrors(replica(1));
  EXPECT_GT(errors, 0);
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(StoreErrors(replica(0)) + StoreErrors(replica(1)), errors);
  ExpectTableMatches(report, *db_);
}

// A database that stops answering (its host hangs; connections stay open)
// holds no call past its deadline, and no replica piles up threads or
// memory; once it answers again, so does the service.
TEST_F(PostgresRestartTest, AFrozenDatabaseFailsCallsAtTheirDeadline) {
  LoadOptions options = RetryingLoad(8, calendar_, athletes_, therapists_);
  options.call_deadline = absl::Milliseconds(500);
  Load load(Addresses(), options);
  absl::SleepFor(absl::Seconds(1));
  own_server_->Freeze();
  // Calls that began earlier may have been answered before the signals
  // landed.
  const absl::Time frozen = absl::Now() + absl::Milliseconds(100);
  absl::SleepFor(absl::Seconds(1));
  const int threads = Threads(replica(0).pid());
  absl::SleepFor(absl::Seconds(3));
  const int threads_later = Threads(replica(0).pid());
  const absl::Time thawed = absl::Now();
  own_server_->Thaw();
  absl::SleepFor(absl::Seconds(4));
  const LoadReport report = load.Stop();

  int64_t while_frozen = 0;
  for (const CallRecord& call : report.calls) {
    if (call.start < frozen || call.start + call.latency > thawed) continue;
    ++while_frozen;
    EXPECT_EQ(call.code, grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_LT(call.latency, absl::Milliseconds(800));
  }
  std::printf(
      "PostgreSQL frozen for 4 s: %s; %lld calls while frozen; replica 0 "
      "had %d threads after 1 s, %d after 4 s\n",
      report.Summary().c_str(), static_cast<long long>(while_frozen), threads,
      threads_later);
  EXPECT_GT(while_frozen, 0);
  EXPECT_LE(threads_later, threads + 2);
  EXPECT_GT(BookedAfter(report, thawed), 0);
  // Each replica counted its failed transactions.
  EXPECT_GT(StoreErrors(replica(0)) + StoreErrors(replica(1)), 0);
  ExpectTableMatches(report, *db_);
}

}  // namespace
}  // namespace clinic::testing
