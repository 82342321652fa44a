// What only the PostgreSQL store does: schema versions and migrations shared
// by replicas, the exclusion constraints in the database itself, its pool of
// connections, failed statements inside a transaction, and the row locks a
// write declares. Everything every store promises is in the contract suite
// (*_contract_test.cc).
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/error_reason.h"
#include "services/core/rules.h"
#include "services/core/status_macros.h"
#include "services/core/types.h"
#include "services/storage/postgres/postgres_store.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"
#include "tests/testing/postgres.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Rows = std::vector<std::vector<std::string>>;

// What TestDatabase::Query returns for SQL that `constraint` refused.
auto ExclusionViolation(const std::string& constraint) {
  return clinic::testing::StatusIs(
      absl::StatusCode::kInvalidArgument,
      ::testing::AllOf(HasSubstr("SQLSTATE 23P01"), HasSubstr(constraint)));
}

// clinic_schema.version of a database this binary made or migrated.
constexpr int kSchemaVersion = 2;

// One Write that books `b` only if its slot is free when it looks, and
// otherwise refuses as the rules would.
struct BookIfFree {
  absl::Status status;
  std::vector<bool> saw_free;  // per run of fn

  void Run(Store* store, const Touches& touches, const core::Booking& b) {
    status = store->Write(touches, [&](Transaction& tx) -> absl::Status {
      BookingFilter window;
      window.therapist_id = b.therapist_id;
      window.from = b.start;
      window.to = b.end;
      window.confirmed_only = true;
      absl::StatusOr<std::vector<core::Booking>> taken =
          tx.ListBookings(window, {}, 10);
      if (!taken.ok()) return taken.status();
      saw_free.push_back(taken->empty());
      if (!taken->empty()) {
        return core::WithReason(
            absl::FailedPreconditionError("the write saw the slot taken"),
            {core::kRuleTherapistBusy, {}});
      }
      absl::SleepFor(absl::Milliseconds(200));  // the other one looks now
      return tx.InsertBooking(b).status();
    });
  }
};

// A fresh database per test; store_ is opened by Open().
class PostgresOnlyTest : public StoreHelpers, public ::testing::Test {
 protected:
  ~PostgresOnlyTest() override { store_.reset(); }  // before db_ drops it

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<clinic::testing::TestDatabase>> db =
        clinic::testing::TestDatabase::Create();
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
  }

  // Opens store_ on the database; false (and a failure) on error.
  bool Open(PostgresStore::Options options = {}) {
    store_.reset();
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(db_->uri(), options);
    EXPECT_THAT(store, IsOk());
    if (store.ok()) store_ = *std::move(store);
    return store_ != nullptr;
  }

  // Runs `sql` behind the store's back; its rows, or an error carrying the
  // SQLSTATE.
  absl::StatusOr<Rows> Sql(const std::string& sql) { return db_->Query(sql); }

  // Kim and Lee race for Ana's slot at kT0, each in a Write that books
  // only a free slot and declares Ana (`declare_ana`) or nothing; then one
  // session is stored. Returns the winner's run first, then the loser's.
  std::vector<BookIfFree> Race(bool declare_ana) {
    const core::Id kim = Insert(MakeAthlete("Kim"));
    const core::Id lee = Insert(MakeAthlete("Lee"));
    const core::Id ana =
        Insert(MakeTherapist("Ana", {core::Modality::kSports}));
    const Touches touches =
        declare_ana ? Touches::Therapist(ana) : Touches::Nothing();
    std::vector<BookIfFree> runs(2);
    absl::Notification start;
    std::vector<std::thread> threads;
    for (const core::Id athlete : {kim, lee}) {
      threads.emplace_back([&, athlete, i = threads.size()] {
        start.WaitForNotification();
        runs[i].Run(store_.get(), touches,
                    MakeBooking(athlete, ana, kT0, absl::Hours(1)));
      });
    }
    start.Notify();
    for (std::thread& t : threads) t.join();
    if (!runs[0].status.ok()) std::swap(runs[0], runs[1]);
    auto booked = ListBookings({});
    EXPECT_THAT(booked, IsOk());
    if (booked.ok()) {
      EXPECT_EQ(booked->size(), 1u);
    }
    return runs;
  }

  std::unique_ptr<clinic::testing::TestDatabase> db_;
};

// --- Schema and migrations. ---

TEST_F(PostgresOnlyTest, OpenRefusesASchemaNewerThanTheBinary) {
  ASSERT_TRUE(Open());
  store_.reset();
  ASSERT_THAT(Sql("UPDATE clinic_schema SET version = version + 1"), IsOk());
  EXPECT_THAT(PostgresStore::Open(db_->uri(), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("schema version ", kSchemaVersion + 1,
                                    " is newer than this binary's")));
}

TEST_F(PostgresOnlyTest,
       AVersion1DatabaseBecomesItsFirstClinicKeepingEverything) {
  ASSERT_TRUE(Open());
  const OneClinicStore made = FillOneClinicStore();
  store_.reset();
  // What the one-clinic version left: schema 1, its zone and rules in the
  // settings.
  ASSERT_THAT(
      Sql("DROP TABLE user_clinics; ALTER TABLE bookings DROP COLUMN "
          "clinic_id; ALTER TABLE therapists DROP COLUMN clinic_id; DROP "
          "TABLE clinics; INSERT INTO settings VALUES ('time_zone', "
          "'Europe/Oslo'), ('rules', 'min_notice { seconds: 60 }'); UPDATE "
          "clinic_schema SET version = 1"),
      IsOk());
  ASSERT_TRUE(Open());
  EXPECT_THAT(
      Sql("SELECT version FROM clinic_schema"),
      IsOkAndHolds(ElementsAre(ElementsAre(absl::StrCat(kSchemaVersion)))));
  ExpectFirstClinic(made, "Europe/Oslo", "min_notice { seconds: 60 }");
}

TEST_F(PostgresOnlyTest, ReplicasStartingTogetherMigrateOnce) {
  constexpr int kReplicas = 3;
  std::vector<absl::StatusOr<std::unique_ptr<PostgresStore>>> opened(kReplicas);
  absl::Notification start;
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      start.WaitForNotification();
      opened[i] = PostgresStore::Open(db_->uri(), {});
    });
  }
  start.Notify();
  for (std::thread& t : threads) t.join();
  for (const auto& store : opened) ASSERT_THAT(store, IsOk());

  for (const auto& store : opened) {
    EXPECT_EQ((*store)->id(), (*opened[0])->id());
  }
  EXPECT_THAT(
      Sql("SELECT version FROM clinic_schema"),
      IsOkAndHolds(ElementsAre(ElementsAre(absl::StrCat(kSchemaVersion)))));
  EXPECT_THAT(Sql("SELECT count(*) FROM store_identity"),
              IsOkAndHolds(ElementsAre(ElementsAre("1"))));
  // One database behind them all.
  const absl::StatusOr<core::Id> kim = InWrite(
      opened[0]->get(), Touches::Nothing(),
      [](Transaction& tx) { return tx.InsertAthlete(MakeAthlete("Kim")); });
  ASSERT_THAT(kim, IsOk());
  EXPECT_THAT(
      InRead(opened[2]->get(), [&](Reader& r) { return r.GetAthlete(*kim); }),
      IsOkAndHolds(::testing::Field(&core::Athlete::name, "Kim")));
}

// --- The database itself. ---

TEST_F(PostgresOnlyTest, TheDatabaseItselfForbidsOverlaps) {
  ASSERT_TRUE(Open());
  const core::Id kim = Insert(MakeAthlete("Kim"));
  const core::Id lee = Insert(MakeAthlete("Lee"));
  const core::Id ana = Insert(
      MakeTherapist("Ana", {core::Modality::kSports}, absl::Minutes(15)));
  const core::Id bo = Insert(MakeTherapist("Bo", {core::Modality::kSports}));
  ASSERT_NE(Insert(MakeBooking(kim, ana, kT0, absl::Hours(1))), 0);

  // A session inserted in SQL, bypassing the store and its rules.
  auto insert = [&](core::Id athlete, core::Id therapist, absl::Time start,
                    int state) {
    return Sql(absl::StrCat(
        "INSERT INTO bookings (athlete_id, therapist_id, modality, start_us, "
        "end_us, buffer_us, state, request_hash, at_risk, at_risk_reason, "
        "cancel_reason, create_us, update_us, clinic_id) VALUES (",
        athlete, ", ", therapist, ", 1, ", absl::ToUnixMicros(start), ", ",
        absl::ToUnixMicros(start + absl::Hours(1)), ", 0, ", state,
        ", '', false, '', '', 0, 0, 1)"));
  };
  // Kim with Bo while Kim is with Ana.
  EXPECT_THAT(insert(kim, bo, kT0 + absl::Minutes(30), 1),
              ExclusionViolation("athlete_sessions_do_not_overlap"));
  // Lee with Ana within her 15-minute buffer after Kim's session.
  EXPECT_THAT(insert(lee, ana, kT0 + absl::Minutes(70), 1),
              ExclusionViolation("therapist_sessions_do_not_overlap"));
  // A cancelled session takes no one's time.
  EXPECT_THAT(insert(kim, ana, kT0, 2), IsOk());
  EXPECT_THAT(Sql("SELECT count(*) FROM bookings"),
              IsOkAndHolds(ElementsAre(ElementsAre("2"))));
}

// --- Connections. ---

TEST_F(PostgresOnlyTest, ALostConnectionIsReplaced) {
  PostgresStore::Options options;
  options.pool_size = 2;
  ASSERT_TRUE(Open(options));
  // Both connections of the pool open: a Write inside a Read.
  ASSERT_THAT(store_->Read([&](Reader& r) {
    EXPECT_NE(Insert(MakeAthlete("Kim")), 0);
    return r.ListAthletes({100, 0}).status();
  }),
              IsOk());

  const std::string others =
      "FROM pg_stat_activity WHERE datname = current_database() AND "
      "pid <> pg_backend_pid() AND backend_type = 'client backend'";
  EXPECT_THAT(Sql(absl::StrCat("SELECT pg_terminate_backend(pid) ", others)),
              IsOkAndHolds(ElementsAre(ElementsAre("t"), ElementsAre("t"))));
  // Gone for sure, so that the store meets dead connections only.
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<Rows> left = Sql(absl::StrCat("SELECT count(*) ", others));
    ASSERT_THAT(left, IsOk());
    if ((*left)[0][0] == "0") break;
    absl::SleepFor(absl::Milliseconds(20));
  }

  auto athletes = ListAthletes();
  ASSERT_THAT(athletes, IsOk());
  EXPECT_EQ(athletes->size(), 1u);
  EXPECT_NE(Insert(MakeAthlete("Lee")), 0);
  athletes = ListAthletes();
  ASSERT_THAT(athletes, IsOk());
  EXPECT_EQ(athletes->size(), 2u);
}

// --- Transactions. ---

TEST_F(PostgresOnlyTest, AWriteThatGoesOnAfterAFailedStatementDoesNotCommit) {
  ASSERT_TRUE(Open());
  EXPECT_THAT(Write([](Transaction& tx) {
                EXPECT_THAT(tx.InsertAthlete(MakeAthlete("Kim")), IsOk());
                // No athlete 999: a foreign key violation in SQL.
                EXPECT_THAT(
                    tx.InsertEvent(MakeEvent(999, kT0, kT0 + absl::Hours(1))),
                    StatusIs(absl::StatusCode::kNotFound, "999"));
                return absl::OkStatus();  // goes on regardless
              }),
              StatusIs(absl::StatusCode::kInternal, "a statement"));
  EXPECT_THAT(ListAthletes(), IsOkAndHolds(IsEmpty()));
  // The connection went back to the pool clean.
  EXPECT_NE(Insert(MakeAthlete("Lee")), 0);
  EXPECT_THAT(
      ListAthletes(),
      IsOkAndHolds(ElementsAre(::testing::Field(&core::Athlete::name, "Lee"))));
}

// --- Declared locks. ---

TEST_F(PostgresOnlyTest, ConcurrentWritersOnOneTherapistWaitForEachOther) {
  ASSERT_TRUE(Open());
  const std::vector<BookIfFree> runs = Race(/*declare_ana=*/true);
  EXPECT_THAT(runs[0].status, IsOk());
  EXPECT_THAT(runs[0].saw_free, ElementsAre(true));
  // The loser waited for the winner's commit, then saw the slot taken.
  EXPECT_THAT(runs[1].status, IsRefusedWith(core::kRuleTherapistBusy));
  EXPECT_THAT(runs[1].status.message(), HasSubstr("the write saw"));
  EXPECT_THAT(runs[1].saw_free, ElementsAre(false));
}

TEST_F(PostgresOnlyTest, UndeclaredWritersAreStoppedByTheDatabase) {
  ASSERT_TRUE(Open());
  const std::vector<BookIfFree> runs = Race(/*declare_ana=*/false);
  EXPECT_THAT(runs[0].status, IsOk());
  EXPECT_THAT(runs[0].saw_free, ElementsAre(true));
  // Both found the slot free; the exclusion constraint refused the second.
  EXPECT_THAT(runs[1].status, IsRefusedWith(core::kRuleTherapistBusy));
  ASSERT_FALSE(runs[1].saw_free.empty());
  EXPECT_TRUE(runs[1].saw_free[0]);
}

// Two writes that declare nothing and lock two athletes' injuries in
// opposite orders deadlock; PostgreSQL aborts one (40P01) and the store
// runs it again once the other has committed: both succeed, three runs.
TEST_F(PostgresOnlyTest, ADeadlockedWriteRunsAgainAndSucceeds) {
  ASSERT_TRUE(Open());
  const core::Id kim = Insert(MakeAthlete("Kim"));
  core::Injury first{0, kim, "calf", "", kT0, std::nullopt};
  core::Injury second = first;
  first.id = Insert(first);
  second.id = Insert(second);
  std::atomic<int> runs{0};
  auto resolve_both = [&](core::Injury a, core::Injury b) {
    return store_->Write(Touches::Nothing(), [&](Transaction& tx) {
      a.resolved = b.resolved = kT0 + absl::Hours(++runs);
      CLINIC_RETURN_IF_ERROR(tx.UpdateInjury(a));
      absl::SleepFor(absl::Milliseconds(300));
      return tx.UpdateInjury(b);
    });
  };
  absl::Status one, two;
  std::thread t1([&] { one = resolve_both(first, second); });
  std::thread t2([&] { two = resolve_both(second, first); });
  t1.join();
  t2.join();
  EXPECT_THAT(one, IsOk());
  EXPECT_THAT(two, IsOk());
  // At least one re-run. The loser's re-run may take the row back before
  // the winner wakes up and deadlock again, and run once more.
  EXPECT_GE(runs.load(), 3);
}

}  // namespace
}  // namespace clinic::storage
