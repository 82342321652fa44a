// A Clinic over a fresh SQLite file and an in-process cache, on one fake
// clock that the store's users, the cache and the rules all read.
#ifndef CLINIC_TESTS_CLINIC_CLINIC_FIXTURE_H_
#define CLINIC_TESTS_CLINIC_CLINIC_FIXTURE_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/api/rules_text.h"
#include "services/cache/memory/memory_cache.h"
#include "services/clinic/clinic.h"
#include "services/core/rule_table.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "tests/testing/fake_clock.h"

namespace clinic {

class ClinicTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kTtl = absl::Hours(1);

  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &zone_));
    std::string dir = ::testing::TempDir() + "/clinic_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    auto store = storage::SqliteStore::Open(dir_ + "/clinic.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    clock_.Set(At(2027, 1, 4, 8, 0));  // a Monday morning
    clinic_ = std::make_unique<Clinic>(store_.get(), &cache_, &clock_, kTtl);
    home_ = clinic_
                ->CreateClinic({0, "Home", "America/New_York",
                                api::RuleSetText(core::RuleTable::Defaults()),
                                absl::Time()},
                               desk_)
                .value();
    core::Therapist t;
    t.clinic_id = home_.id;
    t.name = "Maya Okafor";
    t.modalities = {core::Modality::kDeepTissue, core::Modality::kSports};
    for (absl::Weekday d : {absl::Weekday::monday, absl::Weekday::tuesday,
                            absl::Weekday::wednesday, absl::Weekday::thursday,
                            absl::Weekday::friday, absl::Weekday::saturday}) {
      t.hours.push_back({d, 9 * 60, 18 * 60});
    }
    therapist_ = clinic_->CreateTherapist(t).value();
    athlete_ =
        clinic_->CreateAthlete({0, "Lee Park", "lee@example.com"}).value();
  }

  void TearDown() override {
    clinic_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A local time in the clinic's zone.
  absl::Time At(int y, int m, int d, int hh, int mm) const {
    return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), zone_);
  }

  SessionSpec Session(absl::Time start,
                      core::Modality m = core::Modality::kDeepTissue) const {
    return {athlete_.id, therapist_.id, m, start, std::nullopt};
  }

  // A new STAFF user acting without a token.
  core::Actor NewUser(const std::string& name) {
    core::User u;
    u.name = name;
    u.role = core::Role::kStaff;
    u.create_time = clock_.Now();
    core::Id id = 0;
    EXPECT_TRUE(store_
                    ->Write(storage::Touches::Nothing(),
                            [&](storage::Transaction& tx) -> absl::Status {
                              absl::StatusOr<core::Id> inserted =
                                  tx.InsertUser(u);
                              if (inserted.ok()) id = *inserted;
                              return inserted.status();
                            })
                    .ok());
    return {id, 0};
  }

  core::Event Race(absl::Time start, const std::string& name = "Harbor Half") {
    core::Event e;
    e.athlete_id = athlete_.id;
    e.kind = core::EventKind::kRace;
    e.name = name;
    e.start = start;
    e.end = start + absl::Hours(3);
    return e;
  }

  absl::TimeZone zone_;
  std::string dir_;
  testing::FakeClock clock_;
  cache::MemoryCache cache_{1000, &clock_};
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<Clinic> clinic_;
  const core::Actor desk_{0, 0};  // no user: the server itself
  core::ClinicInfo home_;         // in zone_
  core::Therapist therapist_;
  core::Athlete athlete_;
};

}  // namespace clinic

#endif  // CLINIC_TESTS_CLINIC_CLINIC_FIXTURE_H_
