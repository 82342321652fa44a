// 64 clients on three replicas reserving overlapping sessions: the table
// never holds two confirmed sessions that overlap, and it holds exactly
// what the clients were told.
#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/replicas/load.h"
#include "tests/replicas/replicas_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::IsEmpty;

// How long the clients reserve: CLINIC_CONTENTION_SECONDS, default 20.
absl::Duration ContentionTime() {
  int seconds = 20;
  const char* text = std::getenv("CLINIC_CONTENTION_SECONDS");
  if (text != nullptr && !absl::SimpleAtoi(text, &seconds)) seconds = 20;
  return absl::Seconds(seconds);
}

// Each client (pinned to replica i % 3, no retries) reserves one-hour
// sports sessions starting 10:00-11:45 on one of 30 days, for one of 4
// athletes with one of 3 therapists: a day holds at most 6 sessions, so
// the days fill within seconds and most attempts then conflict.
TEST_F(ReplicasTest, ContendedReservationsNeverOverlapAndMatchWhatClientsSaw) {
  const absl::CivilDay first = calendar_.FirstDay();
  LoadOptions options;
  options.threads = 64;
  options.next_session = [&](std::mt19937& rng) {
    const absl::CivilDay day = first + static_cast<int>(rng() % 30);
    const int minute = 15 * static_cast<int>(rng() % 8);
    return Session(athletes_[rng() % athletes_.size()],
                   therapists_[rng() % therapists_.size()], v1::SPORTS,
                   calendar_.At(day, 10, minute));
  };
  Load load(Addresses(), options);
  absl::SleepFor(ContentionTime());
  const LoadReport report = load.Stop();

  int lost = 0;
  const std::vector<std::string> differences =
      CompareWithTable(report, *db_, &lost);
  std::printf("contention over 3 replicas, 64 clients: %s; %d replies lost\n",
              report.Summary().c_str(), lost);
  EXPECT_THAT(OverlappingSessions(*db_), IsEmpty());
  EXPECT_THAT(differences, IsEmpty());
  EXPECT_GT(report.booked.size(), 0u);
  EXPECT_GT(report.rejected, static_cast<int64_t>(report.booked.size()));
  EXPECT_EQ(report.error_count(), 0) << report.first_error;
}

}  // namespace
}  // namespace clinic::testing
