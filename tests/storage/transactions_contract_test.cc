// The store contract, part two: what a Write and a Read promise (all or
// nothing, snapshots, durability, one session per slot under concurrency,
// deadlines), settings, the store's identity and therapist generations.
// Runs once per kind of store (see store_fixture.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/deadline.h"
#include "services/core/error_reason.h"
#include "services/core/rules.h"
#include "services/core/status_macros.h"
#include "services/core/types.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

const std::optional<std::string> kUnset;  // a setting's value when unset

class TransactionsTest : public StoreTest {
 protected:
  absl::StatusOr<std::optional<std::string>> GetSetting(
      const std::string& name) {
    return ReadValue([&](Reader& r) { return r.GetSetting(name); });
  }
  absl::Status PutSetting(const std::string& name, const std::string& value) {
    return store_->Write(Touches::Settings(), [&](Transaction& tx) {
      return tx.PutSetting(name, value);
    });
  }
};
INSTANTIATE_TEST_SUITE_P(Contract, TransactionsTest,
                         ::testing::ValuesIn(StoreKinds()), StoreKindName);

// --- Errors and all or nothing. ---

TEST_P(TransactionsTest, MissingRowsAreNotFoundWithKindAndId) {
  ASSERT_THAT(store_->Read([&](Reader& r) {
    EXPECT_THAT(r.GetTherapist(7), StatusIs(absl::StatusCode::kNotFound,
                                            "therapist th_7 not found"));
    EXPECT_THAT(r.GetAthlete(3), StatusIs(absl::StatusCode::kNotFound,
                                          "athlete ath_3 not found"));
    EXPECT_THAT(r.GetEvent(9),
                StatusIs(absl::StatusCode::kNotFound, "event ev_9 not found"));
    EXPECT_THAT(r.GetInjury(2), StatusIs(absl::StatusCode::kNotFound,
                                         "injury inj_2 not found"));
    EXPECT_THAT(r.GetBooking(5), StatusIs(absl::StatusCode::kNotFound,
                                          "booking bk_5 not found"));
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_THAT(
      Write([&](Transaction& tx) {
        core::Therapist t;
        t.id = 7;
        EXPECT_THAT(
            tx.UpdateTherapist(t),
            StatusIs(absl::StatusCode::kNotFound, "therapist th_7 not found"));
        EXPECT_THAT(
            tx.DeleteTimeOff(1, 4),
            StatusIs(absl::StatusCode::kNotFound, "time off off_4 not found"));
        EXPECT_THAT(tx.DeleteEvent(9), StatusIs(absl::StatusCode::kNotFound,
                                                "event ev_9 not found"));
        core::Injury i;
        i.id = 2;
        EXPECT_THAT(tx.UpdateInjury(i), StatusIs(absl::StatusCode::kNotFound,
                                                 "injury inj_2 not found"));
        core::Booking b = MakeBooking(1, 1, kT0, absl::Hours(1));
        b.id = 5;
        EXPECT_THAT(tx.UpdateBooking(b), StatusIs(absl::StatusCode::kNotFound,
                                                  "booking bk_5 not found"));
        return absl::OkStatus();
      }),
      IsOk());
}

// A write that inserts a row of every kind, sees them, and then fails:
// Write returns exactly fn's status and nothing it did is left.
TEST_P(TransactionsTest, FailedWriteLeavesNothingAndReturnsFnsError) {
  const core::Id kept = Insert(MakeAthlete("kept"));
  const std::string hash = Hash({3, 3, 3, 3, 3, 3, 3, 3}, 3);
  const absl::Status mind_changed =
      core::WithReason(absl::FailedPreconditionError("changed my mind"),
                       {"MIND_CHANGED", {{"why", "testing"}}});
  struct {
    core::Id athlete, therapist, event, injury, booking, user, token;
  } made = {};
  EXPECT_EQ(
      Write([&](Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(made.athlete,
                                tx.InsertAthlete(MakeAthlete("Kim")));
        core::Therapist ana = MakeTherapist("Ana", {core::Modality::kSports});
        ana.time_off = {{0, 0, kT0 + absl::Hours(3), kT0 + absl::Hours(4), ""}};
        CLINIC_RETURN_IF_ERROR(
            tx.InsertClinic({0, "Clinic", "UTC", "", kT0}).status());
        CLINIC_ASSIGN_OR_RETURN(made.therapist, tx.InsertTherapist(ana));
        CLINIC_ASSIGN_OR_RETURN(
            made.event,
            tx.InsertEvent(MakeEvent(made.athlete, kT0, kT0 + absl::Hours(1))));
        CLINIC_ASSIGN_OR_RETURN(
            made.injury,
            tx.InsertInjury({0, made.athlete, "knee", "", kT0, std::nullopt}));
        CLINIC_ASSIGN_OR_RETURN(made.booking,
                                tx.InsertBooking(MakeBooking(
                                    made.athlete, made.therapist,
                                    kT0 + absl::Hours(5), absl::Hours(1))));
        core::User bot = MakeUser("bot", core::Role::kService);
        bot.granted = {core::Role::kStaff};
        CLINIC_ASSIGN_OR_RETURN(made.user, tx.InsertUser(bot));
        CLINIC_ASSIGN_OR_RETURN(made.token,
                                tx.InsertToken(MakeToken(made.user, hash)));
        CLINIC_RETURN_IF_ERROR(
            tx.InsertAuditEvent(MakeAudit(made.user, made.token, "usr_1"))
                .status());
        CLINIC_RETURN_IF_ERROR(tx.PutSetting(kSettingTimeZone, "Europe/Oslo"));
        // Seen inside the transaction...
        EXPECT_THAT(tx.ListAthletes({10, 0}),
                    IsOkAndHolds(::testing::SizeIs(2)));
        EXPECT_THAT(tx.FindTokens(hash), IsOkAndHolds(::testing::SizeIs(1)));
        EXPECT_THAT(tx.GetSetting(kSettingTimeZone),
                    IsOkAndHolds(Optional(std::string("Europe/Oslo"))));
        return mind_changed;
      }),
      mind_changed);

  // ...and gone after.
  ASSERT_THAT(store_->Read([&](Reader& r) {
    const auto not_found = StatusIs(absl::StatusCode::kNotFound, "not found");
    EXPECT_THAT(r.GetAthlete(made.athlete), not_found);
    EXPECT_THAT(r.GetTherapist(made.therapist), not_found);
    EXPECT_THAT(r.GetEvent(made.event), not_found);
    EXPECT_THAT(r.GetInjury(made.injury), not_found);
    EXPECT_THAT(r.GetBooking(made.booking), not_found);
    EXPECT_THAT(r.GetUser(made.user), not_found);
    EXPECT_THAT(r.GetToken(made.token), not_found);
    EXPECT_THAT(r.ListTherapists(std::nullopt, 0, {10, 0}),
                IsOkAndHolds(IsEmpty()));
    EXPECT_THAT(r.ListBookings({}, {}, 10), IsOkAndHolds(IsEmpty()));
    EXPECT_THAT(r.ListUsers({10, 0}), IsOkAndHolds(IsEmpty()));
    EXPECT_THAT(r.FindTokens(hash), IsOkAndHolds(IsEmpty()));
    EXPECT_THAT(r.ListAuditEvents("", {10, 0}), IsOkAndHolds(IsEmpty()));
    EXPECT_THAT(r.GetSetting(kSettingTimeZone), IsOkAndHolds(kUnset));
    return absl::OkStatus();
  }),
              IsOk());
  auto athletes = ListAthletes();
  ASSERT_THAT(athletes, IsOk());
  EXPECT_THAT(Ids(*athletes), ElementsAre(kept));
  // The store is usable again.
  EXPECT_NE(Insert(MakeAthlete("after")), 0);
}

TEST_P(TransactionsTest, CommittedDataSurvivesReopen) {
  core::Booking b = KimWithAna();
  b.request_id = "durable";
  b.id = Insert(b);
  ASSERT_NE(b.id, 0);

  ASSERT_TRUE(Reopen());  // runs the schema check again
  auto got = GetBooking(b.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(b));
  auto ana = GetTherapist(b.therapist_id);
  ASSERT_THAT(ana, IsOk());
  EXPECT_EQ(ana->name, "Ana");
  // Ids are not reused after reopening.
  EXPECT_GT(Insert(MakeAthlete("Lee")), b.athlete_id);
}

// --- Reads. ---

TEST_P(TransactionsTest, ReadersSeeASnapshotAndDoNotWaitForTheWriter) {
  Insert(MakeAthlete("first"));
  auto count_athletes = [this]() -> int {
    auto list = ListAthletes();
    EXPECT_THAT(list, IsOk());
    return list.ok() ? static_cast<int>(list->size()) : -1;
  };

  // A reader runs to completion while a write transaction is open, and
  // does not see its uncommitted row.
  // (The future outlives the Write, so a blocked reader fails the test
  // instead of deadlocking it.)
  std::future<int> reader;
  ASSERT_THAT(Write([&](Transaction& tx) {
                EXPECT_THAT(tx.InsertAthlete(MakeAthlete("second")), IsOk());
                reader = std::async(std::launch::async, count_athletes);
                if (reader.wait_for(std::chrono::seconds(10)) !=
                    std::future_status::ready) {
                  ADD_FAILURE() << "Read waited for the writer";
                } else {
                  EXPECT_EQ(reader.get(), 1);
                }
                return absl::OkStatus();
              }),
              IsOk());
  if (reader.valid()) reader.wait();
  EXPECT_EQ(count_athletes(), 2);

  // A write that commits during a Read is not visible inside that Read.
  ASSERT_THAT(store_->Read([&](Reader& r) {
    auto before = r.ListAthletes({100, 0});
    EXPECT_THAT(before, IsOk());
    std::thread writer([this] { Insert(MakeAthlete("third")); });
    writer.join();
    auto after = r.ListAthletes({100, 0});
    EXPECT_THAT(after, IsOk());
    if (before.ok() && after.ok()) {
      EXPECT_EQ(Ids(*before), Ids(*after));
    }
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(count_athletes(), 3);
}

// --- No double booking under concurrency. ---

// Thread i, writing through stores[i % stores.size()], tries to book
// athletes[i] into every one of `slots` back-to-back one-hour slots of
// `therapist`. With `check_first` it books only a slot it finds free inside
// its write, and every write must succeed; without, it relies on the store
// to refuse a taken slot. Returns how many sessions were booked.
int RaceForSlots(const std::vector<Store*>& stores,
                 const std::vector<core::Id>& athletes, core::Id therapist,
                 int slots, bool check_first) {
  std::atomic<int> booked{0};
  absl::Notification start;
  std::vector<std::thread> workers;
  for (size_t i = 0; i < athletes.size(); ++i) {
    Store* store = stores[i % stores.size()];
    const core::Id athlete = athletes[i];
    workers.emplace_back([&, store, athlete] {
      start.WaitForNotification();
      for (int s = 0; s < slots; ++s) {
        const core::Booking b = MakeBooking(
            athlete, therapist, kT0 + absl::Hours(s), absl::Hours(1));
        bool inserted = false;  // by the last run of fn
        const absl::Status status = store->Write(
            Touches::Session(athlete, therapist),
            [&](Transaction& tx) -> absl::Status {
              inserted = false;
              if (check_first) {
                BookingFilter taken;
                taken.therapist_id = therapist;
                taken.from = b.start;
                taken.to = b.end;
                taken.confirmed_only = true;
                CLINIC_ASSIGN_OR_RETURN(std::vector<core::Booking> found,
                                        tx.ListBookings(taken, {}, 10));
                if (!found.empty()) return absl::OkStatus();
              }
              CLINIC_RETURN_IF_ERROR(tx.InsertBooking(b).status());
              inserted = true;
              return absl::OkStatus();
            });
        if (status.ok()) {
          if (inserted) ++booked;
        } else if (check_first) {
          ADD_FAILURE() << status;
        } else {
          EXPECT_THAT(status, IsRefusedWith(core::kRuleTherapistBusy));
        }
      }
    });
  }
  start.Notify();
  for (std::thread& w : workers) w.join();
  return booked.load();
}

class RaceTest : public TransactionsTest {
 protected:
  static constexpr int kSlots = 10;
  static constexpr int kThreads = 8;

  void SetUp() override {
    TransactionsTest::SetUp();
    athlete_ = Insert(MakeAthlete("Kim"));
    therapist_ = Insert(
        MakeTherapist("Ana", {core::Modality::kSports}, absl::ZeroDuration()));
  }

  // Races `athletes` (see RaceForSlots) through store_, and through a
  // second store on the same database too when `two_stores`; then every
  // slot holds exactly one session, seen alike through every store.
  void ExpectEachSlotBookedOnce(const std::vector<core::Id>& athletes,
                                bool check_first, bool two_stores) {
    std::vector<Store*> stores = {store_.get()};
    std::unique_ptr<Store> second;
    if (two_stores) {
      second = OpenAgain();  // another replica
      ASSERT_NE(second, nullptr);
      stores.push_back(second.get());
    }
    EXPECT_EQ(RaceForSlots(stores, athletes, therapist_, kSlots, check_first),
              kSlots);
    for (Store* store : stores) {
      auto bookings =
          InRead(store, [](Reader& r) { return r.ListBookings({}, {}, 100); });
      ASSERT_THAT(bookings, IsOk());
      ASSERT_EQ(bookings->size(), static_cast<size_t>(kSlots));
      for (int s = 0; s < kSlots; ++s) {
        EXPECT_EQ((*bookings)[s].start, kT0 + absl::Hours(s));
      }
    }
  }

  core::Id athlete_ = 0;
  core::Id therapist_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Contract, RaceTest, ::testing::ValuesIn(StoreKinds()),
                         StoreKindName);

TEST_P(RaceTest, ConcurrentWritersBookEachSlotOnce) {
  ExpectEachSlotBookedOnce(std::vector<core::Id>(kThreads, athlete_),
                           /*check_first=*/true, /*two_stores=*/false);
}

TEST_P(RaceTest, TwoStoresOnOneDatabaseBookEachSlotOnce) {
  ExpectEachSlotBookedOnce(std::vector<core::Id>(kThreads, athlete_),
                           /*check_first=*/true, /*two_stores=*/true);
}

// Athletes who do not check first, each their own: the store itself lets
// one session into each slot and refuses the others as THERAPIST_BUSY.
TEST_P(RaceTest, TheStoreRefusesEveryOtherSessionInATakenSlot) {
  std::vector<core::Id> athletes = {athlete_};
  for (int i = 1; i < kThreads; ++i) {
    athletes.push_back(Insert(MakeAthlete(absl::StrCat("a", i))));
  }
  ExpectEachSlotBookedOnce(athletes, /*check_first=*/false,
                           /*two_stores=*/true);
}

// A call whose deadline passes while another Write holds what it declared
// gives up with DEADLINE_EXCEEDED, writes nothing, and the next Write works.
TEST_P(TransactionsTest, WaitingWritersGiveUpAtTheirCallsDeadline) {
  const core::Id kim = Insert(MakeAthlete("Kim"));
  absl::Notification inside, release;
  std::thread holder([&] {
    EXPECT_THAT(
        store_->Write(Touches::Athlete(kim),
                      [&](Transaction& tx) -> absl::Status {
                        // Its locks are held from its first statement.
                        CLINIC_RETURN_IF_ERROR(tx.GetAthlete(kim).status());
                        inside.Notify();
                        release.WaitForNotification();
                        return tx.InsertAthlete(MakeAthlete("First")).status();
                      }),
        IsOk());
  });
  inside.WaitForNotification();
  {
    core::CallDeadline::Scope scope(absl::Now() + absl::Milliseconds(50));
    EXPECT_THAT(
        store_->Write(Touches::Athlete(kim),
                      [&](Transaction& tx) {
                        return tx.InsertAthlete(MakeAthlete("Late")).status();
                      }),
        clinic::testing::StatusIs(absl::StatusCode::kDeadlineExceeded,
                                  ::testing::_));
  }
  release.Notify();
  holder.join();
  EXPECT_NE(Insert(MakeAthlete("Next")), 0);
  std::vector<std::string> names;
  auto all = ListAthletes();
  ASSERT_THAT(all, IsOk());
  for (const core::Athlete& a : *all) names.push_back(a.name);
  EXPECT_THAT(names, ElementsAre("Kim", "First", "Next"));
}

// --- Settings. ---

TEST_P(TransactionsTest, UnsetSettingsAreNullopt) {
  for (const char* name : {kSettingRules, kSettingTimeZone, "no such"}) {
    EXPECT_THAT(GetSetting(name), IsOkAndHolds(kUnset)) << name;
  }
}

TEST_P(TransactionsTest, PutSettingStoresAndReplacesOneName) {
  const std::string rules = "rule {\n  name: \"rest\"\n}\n";  // text format
  ASSERT_THAT(PutSetting(kSettingRules, rules), IsOk());
  EXPECT_THAT(GetSetting(kSettingRules), IsOkAndHolds(Optional(rules)));
  EXPECT_THAT(GetSetting(kSettingTimeZone), IsOkAndHolds(kUnset));

  ASSERT_THAT(PutSetting(kSettingRules, ""), IsOk());  // empty is a value
  ASSERT_THAT(PutSetting(kSettingTimeZone, "Europe/Oslo"), IsOk());
  ASSERT_TRUE(Reopen());
  EXPECT_THAT(GetSetting(kSettingRules), IsOkAndHolds(Optional(std::string())));
  EXPECT_THAT(GetSetting(kSettingTimeZone),
              IsOkAndHolds(Optional(std::string("Europe/Oslo"))));
}

TEST_P(TransactionsTest, FailedWriteRollsPutSettingBack) {
  ASSERT_THAT(PutSetting(kSettingRules, "kept"), IsOk());
  EXPECT_THAT(Write([&](Transaction& tx) -> absl::Status {
                CLINIC_RETURN_IF_ERROR(tx.PutSetting(kSettingRules, "new"));
                CLINIC_RETURN_IF_ERROR(tx.PutSetting(kSettingTimeZone, "UTC"));
                EXPECT_THAT(tx.GetSetting(kSettingRules),
                            IsOkAndHolds(Optional(std::string("new"))));
                return absl::CancelledError("no");
              }),
              StatusIs(absl::StatusCode::kCancelled, "no"));
  EXPECT_THAT(GetSetting(kSettingRules),
              IsOkAndHolds(Optional(std::string("kept"))));
  EXPECT_THAT(GetSetting(kSettingTimeZone), IsOkAndHolds(kUnset));
}

// --- Identity. ---

TEST_P(TransactionsTest, IdIs32HexDigitsKeptByTheDatabase) {
  const std::string id = store_->id();
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{32}"));
  std::unique_ptr<Store> second = OpenAgain();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->id(), id);
  second.reset();
  ASSERT_TRUE(Reopen());
  EXPECT_EQ(store_->id(), id);
}

TEST_P(TransactionsTest, FreshDatabasesHaveDifferentIds) {
  absl::StatusOr<StoreOpener> other_database = GetParam().new_database();
  ASSERT_THAT(other_database, IsOk());
  absl::StatusOr<std::unique_ptr<Store>> other = (*other_database)();
  ASSERT_THAT(other, IsOk());
  EXPECT_NE((*other)->id(), store_->id());
}

// --- Generations. ---

// Every change to a therapist's free time sets a new generation: never one
// it had before, and not a counter.
TEST_P(TransactionsTest, EveryChangeToFreeTimeSetsANewRandomGeneration) {
  const core::Id kim = Insert(MakeAthlete("Kim"));
  core::Therapist ana = MakeTherapist("Ana", {core::Modality::kSports});
  ana.id = Insert(ana);
  ASSERT_NE(ana.id, 0);
  std::vector<int64_t> seen;
  auto change = [&](auto fn) {
    EXPECT_THAT(Write(fn), IsOk());
    auto got = GetTherapist(ana.id);
    EXPECT_THAT(got, IsOk());
    seen.push_back(got.ok() ? got->generation : 0);
  };
  change([](Transaction&) { return absl::OkStatus(); });  // as inserted
  for (int i = 0; i < 4; ++i) {
    const absl::Time start = kT0 + absl::Hours(2 * i);
    core::Booking b = MakeBooking(kim, ana.id, start, absl::Hours(1));
    change([&](Transaction& tx) {
      absl::StatusOr<core::Id> id = tx.InsertBooking(b);
      if (id.ok()) b.id = *id;
      return id.status();
    });
    change([&](Transaction& tx) {
      return tx.UpdateBooking(MovedTo(b, start + absl::Minutes(15)));
    });
    core::Id off = 0;
    change([&](Transaction& tx) {
      absl::StatusOr<core::Id> id =
          tx.InsertTimeOff({0, ana.id, start + absl::Hours(24),
                            start + absl::Hours(24) + absl::Hours(1), "off"});
      if (id.ok()) off = *id;
      return id.status();
    });
    change([&](Transaction& tx) { return tx.DeleteTimeOff(ana.id, off); });
    change([&](Transaction& tx) {
      ana.name = absl::StrCat("Ana ", i);
      return tx.UpdateTherapist(ana);
    });
  }
  ASSERT_EQ(seen.size(), 21u);
  EXPECT_THAT(seen, ::testing::Each(::testing::Ne(0)));
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), seen.size())
      << ::testing::PrintToString(seen);
  // A counter, whatever its step, rises by the same step every time.
  std::set<uint64_t> steps;
  for (size_t i = 1; i < seen.size(); ++i) {
    steps.insert(static_cast<uint64_t>(seen[i]) -
                 static_cast<uint64_t>(seen[i - 1]));
  }
  EXPECT_GT(steps.size(), 1u) << ::testing::PrintToString(seen);
  EXPECT_FALSE(std::is_sorted(seen.begin(), seen.end()))
      << ::testing::PrintToString(seen);

  // A change that is rolled back leaves the generation as it was.
  EXPECT_THAT(Write([&](Transaction& tx) -> absl::Status {
                CLINIC_RETURN_IF_ERROR(
                    tx.InsertTimeOff({0, ana.id, kT0, kT0 + absl::Hours(1), ""})
                        .status());
                return absl::CancelledError("no");
              }),
              StatusIs(absl::StatusCode::kCancelled, "no"));
  auto after = GetTherapist(ana.id);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->generation, seen.back());
}

}  // namespace
}  // namespace clinic::storage
