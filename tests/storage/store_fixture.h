// The fixtures of the store tests. StoreTest runs the store contract once
// per kind of store (StoreKinds()), every test on a fresh empty database of
// its own; StoreHelpers is what any store test (the SQLite-only ones too)
// does with its store_.
#ifndef CLINIC_TESTS_STORAGE_STORE_FIXTURE_H_
#define CLINIC_TESTS_STORAGE_STORE_FIXTURE_H_

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/error_reason.h"
#include "services/core/status_macros.h"
#include "services/core/types.h"
#include "services/storage/postgres/postgres_store.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/storage/store.h"
#include "tests/storage/store_values.h"
#include "tests/testing/postgres.h"
#include "tests/testing/status_matchers.h"

namespace clinic::storage {

// --- Status matchers. ---

// The status has `code` and a message containing `substring`.
template <typename Text>
auto StatusIs(absl::StatusCode code, const Text& substring) {
  return clinic::testing::StatusIs(code, ::testing::HasSubstr(substring));
}
inline auto IsOk() {
  return clinic::testing::StatusIs(absl::StatusCode::kOk, ::testing::_);
}

// A StatusOr that is OK and whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

// FAILED_PRECONDITION carrying `reason` (core::ReasonOf), e.g.
// core::kRuleTherapistBusy.
MATCHER_P(IsRefusedWith, reason,
          "is FAILED_PRECONDITION with reason " + std::string(reason)) {
  const absl::Status& s = clinic::testing::GetStatus(arg);
  const std::optional<core::ErrorReason> got = core::ReasonOf(s);
  *result_listener << "status is " << s << ", reason "
                   << (got.has_value() ? got->reason : "none");
  return s.code() == absl::StatusCode::kFailedPrecondition && got.has_value() &&
         got->reason == reason;
}

// --- Helpers over a store. ---

class StoreHelpers {
 protected:
  // A write that declares no rows: for tests that run one write at a time.
  template <typename Fn>
  absl::Status Write(Fn fn) {
    return store_->Write(Touches::Nothing(), fn);
  }

  // Runs `read` (returning a StatusOr) in a snapshot; its result.
  template <typename Fn>
  auto ReadValue(Fn read) {
    return InRead(store_.get(), read);
  }

  // Inserts in a committed write of its own; returns 0 (and fails) on error.
  core::Id Insert(const core::Athlete& a) {
    return InsertWith([&](Transaction& tx) { return tx.InsertAthlete(a); });
  }
  // What a store of the one-clinic version holds before the upgrade to
  // several clinics: a therapist with a booking, a STAFF and an ADMIN user.
  struct OneClinicStore {
    core::Id therapist = 0;
    core::Id booking = 0;
    core::Id staff = 0;
    core::Id admin = 0;
  };
  OneClinicStore FillOneClinicStore() {
    OneClinicStore made;
    const core::Id kim = Insert(MakeAthlete("Kim"));
    made.therapist = Insert(MakeTherapist("Ana", {core::Modality::kSports}));
    made.booking =
        Insert(MakeBooking(kim, made.therapist, kT0, absl::Hours(1)));
    made.staff =
        Insert(&Transaction::InsertUser, MakeUser("Desk", core::Role::kStaff));
    made.admin =
        Insert(&Transaction::InsertUser, MakeUser("Boss", core::Role::kAdmin));
    return made;
  }
  // After the upgrade: clinic 1 made from the settings `zone` and `rules`
  // the old version kept, every row at it with its id, STAFF granted it,
  // the ADMIN a platform admin, and those settings gone.
  void ExpectFirstClinic(const OneClinicStore& made, const std::string& zone,
                         const std::string& rules) {
    auto clinic = ReadValue([&](Reader& r) { return r.GetClinic(1); });
    ASSERT_THAT(clinic, IsOk());
    EXPECT_EQ(clinic->time_zone, zone);
    EXPECT_EQ(clinic->rules, rules);
    auto therapist =
        ReadValue([&](Reader& r) { return r.GetTherapist(made.therapist); });
    ASSERT_THAT(therapist, IsOk());
    EXPECT_EQ(therapist->clinic_id, 1);
    auto booking =
        ReadValue([&](Reader& r) { return r.GetBooking(made.booking); });
    ASSERT_THAT(booking, IsOk());
    EXPECT_EQ(booking->clinic_id, 1);
    auto staff = ReadValue([&](Reader& r) { return r.GetUser(made.staff); });
    ASSERT_THAT(staff, IsOk());
    EXPECT_THAT(staff->clinics, ::testing::ElementsAre(1));
    auto admin = ReadValue([&](Reader& r) { return r.GetUser(made.admin); });
    ASSERT_THAT(admin, IsOk());
    EXPECT_THAT(admin->clinics, ::testing::IsEmpty());
    for (const char* name : {"time_zone", "rules"}) {
      EXPECT_THAT(ReadValue([&](Reader& r) { return r.GetSetting(name); }),
                  IsOkAndHolds(std::optional<std::string>()))
          << name;
    }
  }

  // Makes the therapist's clinic first when it is kClinic and missing.
  // (A therapist of clinic 0 is of kClinic.)
  core::Id Insert(core::Therapist t) {
    if (t.clinic_id == 0) t.clinic_id = kClinic;
    return InsertWith([&](Transaction& tx) -> absl::StatusOr<core::Id> {
      if (t.clinic_id == kClinic &&
          absl::IsNotFound(tx.GetClinic(kClinic).status())) {
        CLINIC_RETURN_IF_ERROR(
            tx.InsertClinic({0, "Clinic", "UTC", "", kT0}).status());
      }
      return tx.InsertTherapist(t);
    });
  }
  core::Id Insert(const core::Event& e) {
    return InsertWith([&](Transaction& tx) { return tx.InsertEvent(e); });
  }
  core::Id Insert(const core::Injury& i) {
    return InsertWith([&](Transaction& tx) { return tx.InsertInjury(i); });
  }
  core::Id Insert(const core::Booking& b) {
    return InsertWith([&](Transaction& tx) { return tx.InsertBooking(b); });
  }
  // Insert(&Transaction::InsertUser, user).
  template <typename Row>
  core::Id Insert(absl::StatusOr<core::Id> (Transaction::*insert)(const Row&),
                  const Row& row) {
    return InsertWith([&](Transaction& tx) { return (tx.*insert)(row); });
  }
  template <typename Fn>
  core::Id InsertWith(Fn insert) {
    absl::StatusOr<core::Id> id =
        InWrite(store_.get(), Touches::Nothing(), insert);
    EXPECT_THAT(id, IsOk());
    return id.ok() ? *id : 0;
  }

  // Inserts athlete Kim and therapist Ana; returns a confirmed one-hour
  // session of Kim with Ana at kT0, not inserted.
  core::Booking KimWithAna() {
    const core::Id kim = Insert(MakeAthlete("Kim"));
    const core::Id ana =
        Insert(MakeTherapist("Ana", {core::Modality::kSports}));
    return MakeBooking(kim, ana, kT0, absl::Hours(1));
  }

  absl::StatusOr<core::Therapist> GetTherapist(core::Id id) {
    return ReadValue([&](Reader& r) { return r.GetTherapist(id); });
  }
  absl::StatusOr<core::Booking> GetBooking(core::Id id) {
    return ReadValue([&](Reader& r) { return r.GetBooking(id); });
  }
  absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const BookingFilter& filter, const BookingCursor& after = {},
      int limit = 100) {
    return ReadValue(
        [&](Reader& r) { return r.ListBookings(filter, after, limit); });
  }
  absl::StatusOr<std::vector<core::Athlete>> ListAthletes() {
    return ReadValue([&](Reader& r) { return r.ListAthletes({100, 0}); });
  }

  std::unique_ptr<Store> store_;
};

// --- Kinds of store. ---

// Opens a Store on one test's database: the first call on the fresh empty
// database, each later call another Store on the same data (a second
// replica, or the same database after a restart). The database lives as
// long as the function (it owns it) and is dropped with it, so every Store
// it opened must go first.
using StoreOpener = std::function<absl::StatusOr<std::unique_ptr<Store>>()>;

struct StoreKind {
  std::string name;  // the test parameter's name
  // Makes a new empty database of this kind.
  std::function<absl::StatusOr<StoreOpener>()> new_database;
};

inline void PrintTo(const StoreKind& kind, std::ostream* os) {
  *os << kind.name;
}
inline std::string StoreKindName(
    const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param.name;
}

// A new directory under the test temp dir, removed with what it holds.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/store_test.XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// SQLite: a database file in a directory of its own.
inline absl::StatusOr<StoreOpener> NewSqliteDatabase() {
  auto dir = std::make_shared<TempDir>();
  if (dir->path().empty()) return absl::InternalError("mkdtemp failed");
  return StoreOpener([dir]() -> absl::StatusOr<std::unique_ptr<Store>> {
    return SqliteStore::Open(dir->path() + "/clinic.db");
  });
}

// PostgreSQL: a fresh database on the test server (tests/testing/postgres.h;
// scripts/with-postgres starts one), dropped after the test.
inline absl::StatusOr<StoreOpener> NewPostgresDatabase() {
  absl::StatusOr<std::unique_ptr<clinic::testing::TestDatabase>> created =
      clinic::testing::TestDatabase::Create();
  if (!created.ok()) return created.status();
  std::shared_ptr<clinic::testing::TestDatabase> db = *std::move(created);
  return StoreOpener([db]() -> absl::StatusOr<std::unique_ptr<Store>> {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(db->uri(), PostgresStore::Options());
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(*std::move(store));
  });
}

inline std::vector<StoreKind> StoreKinds() {
  return {{"Sqlite", &NewSqliteDatabase}, {"Postgres", &NewPostgresDatabase}};
}

// The contract fixture: store_ is a fresh store of GetParam()'s kind.
class StoreTest : public StoreHelpers,
                  public ::testing::TestWithParam<StoreKind> {
 protected:
  ~StoreTest() override { store_.reset(); }  // before open_ drops the data

  void SetUp() override {
    absl::StatusOr<StoreOpener> open = GetParam().new_database();
    ASSERT_THAT(open, IsOk());
    open_ = *std::move(open);
    store_ = OpenAgain();
    ASSERT_NE(store_, nullptr);
  }

  // Another Store on this test's database; null (and a failure) on error.
  std::unique_ptr<Store> OpenAgain() {
    absl::StatusOr<std::unique_ptr<Store>> store = open_();
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Closes store_ and opens it again on the same data; false (and a
  // failure) on error.
  bool Reopen() {
    store_.reset();
    store_ = OpenAgain();
    return store_ != nullptr;
  }

 private:
  StoreOpener open_;
};

}  // namespace clinic::storage

#endif  // CLINIC_TESTS_STORAGE_STORE_FIXTURE_H_
