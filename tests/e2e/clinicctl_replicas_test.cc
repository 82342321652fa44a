// clinicctl against three clinicd replicas on one PostgreSQL database:
// --server takes them all as one gRPC target, and the commands keep
// working when one replica dies.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_runner.h"
#include "tests/integration/clinicd_process.h"
#include "tests/testing/postgres.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;

class ClinicctlReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDatabase>> db = TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    std::vector<std::string> addresses;
    for (int i = 0; i < 3; ++i) {
      replicas_.push_back(std::make_unique<ClinicdProcess>(db_->uri()));
      std::string error;
      ASSERT_TRUE(
          replicas_.back()->Start({"--timezone=America/New_York"}, &error))
          << error;
      addresses.push_back(replicas_.back()->address());
    }
    target_ = "ipv4:" + absl::StrJoin(addresses, ",");
  }

  CliResult Run(const std::vector<std::string>& args,
                const std::string& server = "") {
    std::vector<std::string> full = {"--server",
                                     server.empty() ? target_ : server};
    full.insert(full.end(), args.begin(), args.end());
    return RunClinicctl(full);
  }

  std::string Create(const std::vector<std::string>& args) {
    const CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return LastLine(r.out);
  }

  std::unique_ptr<TestDatabase> db_;
  std::vector<std::unique_ptr<ClinicdProcess>> replicas_;
  std::string target_;
};

TEST_F(ClinicctlReplicasTest, KeepsWorkingWhenAReplicaDies) {
  const std::string therapist =
      Create({"therapist", "add", "--name", "Maya Okafor", "--modalities",
              "sports", "--hours", "mon-sun 09:00-18:00"});
  const std::string athlete = Create({"athlete", "add", "--name", "Jo Rivera"});
  ASSERT_FALSE(therapist.empty());
  ASSERT_FALSE(athlete.empty());

  replicas_[1]->Kill();
  for (int i = 0; i < 6; ++i) {
    const CliResult r = Run({"therapist", "list"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr(therapist));
  }
  const std::string next_week = absl::FormatCivilTime(
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 7);
  std::vector<std::string> booked;
  for (int hour : {10, 12, 14}) {
    booked.push_back(Create({"book", "--athlete", athlete, "--therapist",
                             therapist, "--modality", "sports", "--at",
                             absl::StrCat(next_week, " ", hour, ":00")}));
  }
  // Every booking made through the target is in the one store: another
  // replica, asked alone, shows each.
  for (const std::string& id : booked) {
    const CliResult r = Run({"bookings", "show", id}, replicas_[2]->address());
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr(id));
  }
}

TEST_F(ClinicctlReplicasTest, AllReplicasDownIsUnavailableNamingTheTarget) {
  for (auto& replica : replicas_) replica->Kill();
  const CliResult r = Run({"therapist", "list", "--timeout", "2"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("ipv4:127.0.0.1:"));
}

}  // namespace
}  // namespace clinic::testing
