// What only the SQLite store does: one database file in WAL mode, other
// processes and connections on that file, its query plans and its schema
// migrations. Everything every store promises is in the contract suite
// (*_contract_test.cc).
#include <sqlite3.h>

#include <filesystem>
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
#include "services/core/status_macros.h"
#include "services/core/types.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"

namespace clinic::storage {
namespace {

using core::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// PRAGMA user_version of a database this binary made or migrated.
constexpr char kSchemaVersion[] = "6";

// Undoes migration 6 (clinics), for the tests of older versions.
constexpr char kWithoutClinics[] =
    "DROP TABLE user_clinics; "
    "DROP INDEX therapists_by_clinic; ALTER TABLE therapists DROP COLUMN "
    "clinic_id; DROP INDEX bookings_by_clinic; ALTER TABLE bookings DROP "
    "COLUMN clinic_id; DROP TABLE clinics; ";

// The database file opened directly, behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const char* sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
  }

  // Column `col` of every row, as text.
  std::vector<std::string> Column(const char* sql, int col = 0) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(st, col);
      out.emplace_back(text == nullptr ? ""
                                       : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// A fresh database file in a directory of its own.
class SqliteOnlyTest : public StoreHelpers, public ::testing::Test {
 protected:
  ~SqliteOnlyTest() override { store_.reset(); }  // before dir_ goes

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_TRUE(Reopen());
  }

  // Closes store_ and opens the file again; false (and a failure) on error.
  bool Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(path_);
    EXPECT_THAT(store, IsOk());
    if (store.ok()) store_ = *std::move(store);
    return store_ != nullptr;
  }

  // Closes store_ and runs `sql` on the file, which is at this binary's
  // schema version: to make what an older release would have left.
  void Rewind(const char* sql) {
    store_.reset();
    EXPECT_THAT(Column("PRAGMA user_version"), ElementsAre(kSchemaVersion));
    RawDb(path_).Exec(sql);
  }

  // The first column of what `sql` returns, read behind the store's back.
  std::vector<std::string> Column(const char* sql) {
    return RawDb(path_).Column(sql);
  }

  TempDir dir_;
  const std::string path_ = dir_.path() + "/clinic.db";
};

// --- The file. ---

TEST_F(SqliteOnlyTest, OpenCreatesTheFileInWalMode) {
  EXPECT_TRUE(std::filesystem::exists(path_));
  // The -wal file exists while a connection in WAL mode is open.
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(SqliteOnlyTest, OpenRejectsBadPathsNamingThem) {
  EXPECT_THAT(SqliteStore::Open(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
  EXPECT_THAT(SqliteStore::Open(":memory:"),
              StatusIs(absl::StatusCode::kInvalidArgument, ":memory:"));
  const std::string missing = dir_.path() + "/no/such/dir/clinic.db";
  EXPECT_THAT(SqliteStore::Open(missing),
              StatusIs(absl::StatusCode::kInvalidArgument, missing));
  // A directory is not a database file.
  EXPECT_THAT(SqliteStore::Open(dir_.path()),
              StatusIs(absl::StatusCode::kUnavailable, dir_.path()));
}

TEST_F(SqliteOnlyTest, OpenRefusesASchemaNewerThanTheBinary) {
  Rewind("PRAGMA user_version = 999");
  EXPECT_THAT(SqliteStore::Open(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition, path_));
}

TEST_F(SqliteOnlyTest, ACopyOfTheFileKeepsTheStoreId) {
  const std::string id = store_->id();
  store_.reset();  // checkpoints the WAL into the file
  const std::string copy = dir_.path() + "/copy.db";
  ASSERT_TRUE(std::filesystem::copy_file(path_, copy));
  absl::StatusOr<std::unique_ptr<SqliteStore>> restored =
      SqliteStore::Open(copy);
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ((*restored)->id(), id);
}

TEST_F(SqliteOnlyTest, WriteIsUnavailableWhileAnotherProcessHoldsTheLock) {
  {
    RawDb other(path_);
    other.Exec("BEGIN IMMEDIATE");
    EXPECT_THAT(Write([&](Transaction& tx) {
                  return tx.InsertAthlete(MakeAthlete("Kim")).status();
                }),
                StatusIs(absl::StatusCode::kUnavailable, path_));
    // Readers are not blocked by the other writer.
    EXPECT_THAT(ListAthletes(), IsOk());
    other.Exec("COMMIT");
  }
  EXPECT_NE(Insert(MakeAthlete("Kim")), 0);
}

// --- Group commit. ---

// Writes that queue behind a committing one share the next transaction;
// one of them failing changes nothing of its own and nothing of the others.
TEST_F(SqliteOnlyTest, WritesCommittedTogetherStayEachAllOrNothing) {
  absl::Notification first_running;
  std::thread first([&] {
    EXPECT_THAT(Write([&](Transaction& tx) {
                  first_running.Notify();
                  // The others queue meanwhile.
                  absl::SleepFor(absl::Milliseconds(200));
                  return tx.InsertAthlete(MakeAthlete("First")).status();
                }),
                IsOk());
  });
  first_running.WaitForNotification();
  std::vector<std::thread> queued;
  std::vector<absl::Status> results(8);
  for (int i = 0; i < 8; ++i) {
    queued.emplace_back([&, i] {
      results[i] = Write([&](Transaction& tx) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(
            tx.InsertAthlete(MakeAthlete(absl::StrCat("Queued ", i))).status());
        if (i == 3) return absl::FailedPreconditionError("changed its mind");
        return absl::OkStatus();
      });
    });
  }
  first.join();
  for (std::thread& t : queued) t.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(results[i].ok(), i != 3) << i << ": " << results[i];
  }
  absl::StatusOr<std::vector<core::Athlete>> athletes = ListAthletes();
  ASSERT_THAT(athletes, IsOk());
  std::vector<std::string> names;
  for (const core::Athlete& a : *athletes) names.push_back(a.name);
  EXPECT_THAT(names, UnorderedElementsAre("First", "Queued 0", "Queued 1",
                                          "Queued 2", "Queued 4", "Queued 5",
                                          "Queued 6", "Queued 7"));
}

// --- Query plans. ---

TEST_F(SqliteOnlyTest, FindTokensAndTargetListsUseTheirIndexes) {
  RawDb raw(path_);
  const std::vector<std::string> tokens = raw.Column(
      "EXPLAIN QUERY PLAN SELECT * FROM tokens WHERE hash >= ?1 AND "
      "hash < ?2 ORDER BY hash",
      /*col=*/3);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_THAT(tokens[0], HasSubstr("INDEX"));
  EXPECT_THAT(tokens[0], HasSubstr("(hash>? AND hash<?)"));
  const std::vector<std::string> audit = raw.Column(
      "EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE target = ?1 "
      "AND id > ?2 ORDER BY id",
      /*col=*/3);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_THAT(audit[0],
              HasSubstr("INDEX audit_events_by_target (target=? AND id>?)"));
}

// --- Migrations. ---

TEST_F(SqliteOnlyTest, OpeningAVersion2DatabaseAddsTheTablesAndKeepsData) {
  const core::Athlete kim_in = MakeAthlete("Kim");
  const core::Id kim = Insert(kim_in);
  const core::Id ana = Insert(MakeTherapist("Ana", {core::Modality::kSports}));
  // What an older release left: version 2, no user tables, no settings.
  Rewind(
      absl::StrCat(
          kWithoutClinics,
          "DROP TABLE audit_events; DROP TABLE tokens; DROP TABLE user_grants; "
          "DROP TABLE users; DROP TABLE settings; DROP TABLE store_identity; "
          "PRAGMA user_version = 2;")
          .c_str());
  EXPECT_THAT(Column("SELECT name FROM sqlite_schema WHERE name IN "
                     "('users', 'user_grants', 'tokens', 'audit_events', "
                     "'settings')"),
              IsEmpty());

  ASSERT_TRUE(Reopen());
  EXPECT_THAT(Column("PRAGMA user_version"), ElementsAre(kSchemaVersion));
  EXPECT_THAT(Column("SELECT name FROM sqlite_schema WHERE type = "
                     "'table' AND name IN ('users', 'user_grants', "
                     "'tokens', 'audit_events', 'settings') ORDER BY name"),
              ElementsAre("audit_events", "settings", "tokens", "user_grants",
                          "users"));
  EXPECT_THAT(store_->id(), ::testing::MatchesRegex("[0-9a-f]{32}"));
  auto athlete = ReadValue([&](Reader& r) { return r.GetAthlete(kim); });
  ASSERT_THAT(athlete, IsOk());
  EXPECT_EQ(athlete->name, kim_in.name);
  EXPECT_EQ(athlete->email, kim_in.email);
  auto therapist = GetTherapist(ana);
  ASSERT_THAT(therapist, IsOk());
  EXPECT_EQ(therapist->name, "Ana");
  EXPECT_THAT(therapist->modalities, ElementsAre(core::Modality::kSports));

  // The new tables work and link to the old rows.
  core::User u = MakeUser("kim", Role::kAthlete);
  u.athlete_id = kim;
  u.id = Insert(&Transaction::InsertUser, u);
  ASSERT_NE(u.id, 0);
  auto got = ReadValue([&](Reader& r) { return r.GetUser(u.id); });
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(u));
}

TEST_F(SqliteOnlyTest, AVersion5StoreBecomesItsFirstClinicKeepingEverything) {
  const OneClinicStore made = FillOneClinicStore();
  // What the one-clinic version left: its zone and rules in the settings.
  Rewind(absl::StrCat(kWithoutClinics,
                      "INSERT INTO settings VALUES ('time_zone', "
                      "'Europe/Oslo'), ('rules', 'min_notice { seconds: 60 "
                      "}'); PRAGMA user_version = 5;")
             .c_str());
  ASSERT_TRUE(Reopen());
  EXPECT_THAT(Column("PRAGMA user_version"), ElementsAre(kSchemaVersion));
  ExpectFirstClinic(made, "Europe/Oslo", "min_notice { seconds: 60 }");
}

TEST_F(SqliteOnlyTest, OpeningAVersion3DatabaseGivesEachRequestIdItsUser) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  const core::Id therapist =
      Insert(MakeTherapist("Ana", {core::Modality::kSports}));
  const core::Id desk =
      Insert(&Transaction::InsertUser, MakeUser("desk", Role::kStaff));
  const core::Id site =
      Insert(&Transaction::InsertUser, MakeUser("site", Role::kStaff));
  auto booking = [&](int hour, const std::string& key, core::Id by) {
    core::Booking b = MakeBooking(athlete, therapist, kT0 + absl::Hours(hour),
                                  absl::Hours(1));
    b.request_id = key;
    b.request_user_id = by;
    b.request_hash = key + "-hash";
    const core::Id id = Insert(b);
    if (by != 0) {  // what Clinic::Reserve records
      core::AuditEvent e = MakeAudit(by, 0, absl::StrCat("bk_", id));
      e.action = "booking.create";
      Insert(&Transaction::InsertAuditEvent, e);
    }
    return id;
  };
  const core::Id by_desk = booking(0, "k1", desk);
  const core::Id by_site = booking(2, "k2", site);
  const core::Id unrecorded = booking(4, "k3", 0);
  const core::Id keyless = booking(6, "", desk);
  // What an older release left: version 3, no settings, request_id unique
  // across the clinic, and (after a deleted row) a sequence past the last
  // id.
  Rewind(absl::StrCat(kWithoutClinics, R"sql(
DROP TABLE settings;
DROP TABLE store_identity;
DROP INDEX bookings_by_request_id;
CREATE TABLE bookings_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  therapist_id INTEGER NOT NULL REFERENCES therapists (id),
  modality INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  state INTEGER NOT NULL,
  request_id TEXT UNIQUE,
  request_hash TEXT NOT NULL,
  at_risk INTEGER NOT NULL,
  at_risk_reason TEXT NOT NULL,
  cancel_reason TEXT NOT NULL,
  create_us INTEGER NOT NULL,
  update_us INTEGER NOT NULL
);
INSERT INTO bookings_v3 SELECT id, athlete_id, therapist_id, modality,
  start_us, end_us, state, request_id, request_hash, at_risk, at_risk_reason,
  cancel_reason, create_us, update_us FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_v3 RENAME TO bookings;
CREATE INDEX bookings_by_therapist ON bookings (therapist_id, start_us);
CREATE INDEX bookings_by_athlete ON bookings (athlete_id, start_us);
CREATE INDEX bookings_by_start ON bookings (start_us);
UPDATE sqlite_sequence SET seq = 100 WHERE name = 'bookings';
PRAGMA user_version = 3;
)sql")
             .c_str());

  ASSERT_TRUE(Reopen());
  EXPECT_THAT(Column("PRAGMA user_version"), ElementsAre(kSchemaVersion));
  // No index left that makes a key unique across the clinic.
  EXPECT_THAT(Column("SELECT name FROM sqlite_schema WHERE type = "
                     "'index' AND tbl_name = 'bookings' ORDER BY name"),
              ElementsAre("bookings_by_athlete", "bookings_by_clinic",
                          "bookings_by_request_id", "bookings_by_start",
                          "bookings_by_therapist"));
  auto find = [&](core::Id user, const std::string& key) {
    absl::StatusOr<std::optional<core::Booking>> found = ReadValue(
        [&](Reader& r) { return r.FindBookingByRequestId(user, key); });
    EXPECT_THAT(found, IsOk());
    return found.ok() && found->has_value() ? (*found)->id : 0;
  };
  EXPECT_EQ(find(desk, "k1"), by_desk);
  EXPECT_EQ(find(site, "k2"), by_site);
  EXPECT_EQ(find(0, "k3"), unrecorded);
  EXPECT_EQ(find(site, "k1"), 0);
  EXPECT_EQ(find(desk, "k2"), 0);
  auto all = ListBookings({});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_THAT(Ids(*all), ElementsAre(by_desk, by_site, unrecorded, keyless));
  EXPECT_EQ(all->at(0).request_hash, "k1-hash");
  EXPECT_EQ(all->at(0).start, kT0);
  EXPECT_EQ(all->at(3).request_id, "");
  EXPECT_EQ(all->at(3).request_user_id, 0);

  // Keys are now per user, and ids continue after the kept sequence.
  core::Booking again =
      MakeBooking(athlete, therapist, kT0 + absl::Hours(8), absl::Hours(1));
  again.request_id = "k1";
  again.request_user_id = site;
  EXPECT_EQ(Insert(again), 101);
  again = MovedTo(again, kT0 + absl::Hours(10));  // only the key is taken
  again.request_user_id = desk;
  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.InsertBooking(again).status(); }),
      StatusIs(absl::StatusCode::kAlreadyExists, "k1"));
}

}  // namespace
}  // namespace clinic::storage
