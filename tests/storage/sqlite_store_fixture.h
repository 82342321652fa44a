// The fixture and helpers shared by the SqliteStore tests: a fresh database
// file per test, status matchers and sample values.
#ifndef CLINIC_TESTS_STORAGE_SQLITE_STORE_FIXTURE_H_
#define CLINIC_TESTS_STORAGE_SQLITE_STORE_FIXTURE_H_

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/types.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/storage/store.h"
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

// --- Values. ---

// The ids of `rows`, in order.
template <typename T>
std::vector<core::Id> Ids(const std::vector<T>& rows) {
  std::vector<core::Id> ids;
  for (const T& r : rows) ids.push_back(r.id);
  return ids;
}

inline const absl::Time kT0 =
    absl::FromCivil(absl::CivilMinute(2026, 3, 2, 9, 0), absl::UTCTimeZone());

inline core::Athlete MakeAthlete(const std::string& name) {
  return core::Athlete{0, name, name + "@example.com"};
}

inline core::Therapist MakeTherapist(const std::string& name,
                                     std::vector<core::Modality> modalities) {
  core::Therapist t;
  t.name = name;
  t.modalities = std::move(modalities);
  t.hours = {{absl::Weekday::monday, 8 * 60, 17 * 60}};
  return t;
}

// Every test gets a fresh directory with a fresh database file.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/sqlite_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/clinic.db";
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<SqliteStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(path_);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Inserts in its own committed write; returns 0 (and fails) on error.
  core::Id Insert(const core::Athlete& a) {
    return InsertWith([&](Transaction& tx) { return tx.InsertAthlete(a); });
  }
  core::Id Insert(const core::Therapist& t) {
    return InsertWith([&](Transaction& tx) { return tx.InsertTherapist(t); });
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

  template <typename F>
  core::Id InsertWith(F insert) {
    absl::StatusOr<core::Id> id = absl::UnknownError("not run");
    EXPECT_THAT(store_->Write(Touches::Nothing(),
                              [&](Transaction& tx) {
                                id = insert(tx);
                                return id.status();
                              }),
                IsOk());
    return id.ok() ? *id : 0;
  }

  // Runs `read` on a reader connection and returns its result.
  template <typename T>
  absl::StatusOr<T> ReadValue(
      const std::function<absl::StatusOr<T>(Reader&)>& read) {
    absl::StatusOr<T> result = absl::UnknownError("not run");
    absl::Status status = store_->Read([&](Reader& r) {
      result = read(r);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const BookingFilter& filter, const BookingCursor& after = {},
      int limit = 100) {
    return ReadValue<std::vector<core::Booking>>(
        [&](Reader& r) { return r.ListBookings(filter, after, limit); });
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace clinic::storage

#endif  // CLINIC_TESTS_STORAGE_SQLITE_STORE_FIXTURE_H_
