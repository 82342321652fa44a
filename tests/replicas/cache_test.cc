// The shared availability cache is never stale: not on another replica
// right after a booking, not after the store is restored from a backup.
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/replicas/replicas_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

// The clinic's default turnover buffer, kept free after every session.
constexpr absl::Duration kTurnover = absl::Minutes(15);

std::vector<int64_t> Starts(const std::vector<v1::Slot>& slots) {
  std::vector<int64_t> out;
  for (const v1::Slot& slot : slots) out.push_back(slot.start_time().seconds());
  return out;
}

// Listed slots that would share the therapist's time with `booking`,
// counting the turnover after each, as "start-end" in Unix seconds.
std::vector<std::string> Clashes(const std::vector<v1::Slot>& slots,
                                 const v1::Booking& booking) {
  const int64_t buffer = absl::ToInt64Seconds(kTurnover);
  std::vector<std::string> out;
  for (const v1::Slot& slot : slots) {
    if (slot.start_time().seconds() < booking.end_time().seconds() + buffer &&
        booking.start_time().seconds() < slot.end_time().seconds() + buffer) {
      out.push_back(absl::StrCat(slot.start_time().seconds(), "-",
                                 slot.end_time().seconds()));
    }
  }
  return out;
}

// Ten times: replicas B and C list a day (so both caches hold it), A books
// 10:00 on it, then B and C list it again at once.
TEST_F(ReplicasTest, NoReplicaListsASlotJustTakenThroughAnother) {
  std::vector<std::unique_ptr<Stubs>> stubs;
  for (const std::string& address : Addresses()) {
    stubs.push_back(std::make_unique<Stubs>(address));
  }
  for (int k = 0; k < 10; ++k) {
    SCOPED_TRACE(absl::StrCat("slot ", k));
    const std::string& therapist = therapists_[k % 3];
    const absl::CivilDay day = calendar_.FirstDay() + k;
    const absl::Time start = calendar_.At(day, 10);
    Stubs& a = *stubs[k % 3];
    Stubs* others[] = {stubs[(k + 1) % 3].get(), stubs[(k + 2) % 3].get()};
    for (Stubs* other : others) {
      ASSERT_THAT(Starts(FreeSlots(*other->bookings, calendar_, therapist,
                                   v1::SPORTS, day)),
                  Contains(absl::ToUnixSeconds(start)));
    }
    v1::ReserveSlotRequest req;
    req.set_request_id(absl::StrCat("cache-", k));
    *req.mutable_session() =
        Session(athletes_[k % 4], therapist, v1::SPORTS, start);
    v1::ReserveSlotResponse booked;
    const grpc::Status s =
        a.bookings->ReserveSlot(CallContext().get(), req, &booked);
    ASSERT_TRUE(s.ok()) << s.error_message();

    absl::Notification go;
    std::vector<v1::Slot> seen[2];
    std::vector<std::thread> listers;
    for (int i = 0; i < 2; ++i) {
      listers.emplace_back([&, i] {
        go.WaitForNotification();
        seen[i] = FreeSlots(*others[i]->bookings, calendar_, therapist,
                            v1::SPORTS, day);
      });
    }
    go.Notify();
    for (std::thread& t : listers) t.join();
    for (int i = 0; i < 2; ++i) {
      EXPECT_FALSE(seen[i].empty()) << "replica " << (k + 1 + i) % 3;
      EXPECT_THAT(Clashes(seen[i], booked.booking()), IsEmpty())
          << "replica " << (k + 1 + i) % 3;
    }
  }
}

// The store's files, copied while clinicd is stopped.
class StoreFiles {
 public:
  explicit StoreFiles(std::string db) : db_(std::move(db)) {}
  void CopyTo(const std::string& folder) const { Copy(db_, folder + "/db"); }
  void RestoreFrom(const std::string& folder) const {
    Copy(folder + "/db", db_);
  }

 private:
  // The database and its write-ahead log, replacing what `to` had.
  static void Copy(const std::string& from, const std::string& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(to + suffix);
      if (std::filesystem::exists(from + suffix)) {
        std::filesystem::copy_file(from + suffix, to + suffix);
      }
    }
  }
  std::string db_;
};

// One clinicd on a SQLite file with a Redis that outlives it. After a
// restore, the timeline the store left (a booking at 10:00) must not come
// back from Redis once the restored store changes (time off at 14:00):
// were generations counters, the restored one would count up to the value
// that the lost timeline's cache entries carry.
TEST(RestoredStoreTest, SharedRedisServesNothingOfTheTimelineTheStoreLeft) {
  const ClinicCalendar calendar;
  const absl::CivilDay day = calendar.FirstDay();
  TempDir dir;
  TempDir backup;
  RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  const StoreFiles files(dir.path() + "/clinic.db");
  ClinicdProcess clinicd(dir.path() + "/clinic.db");
  const auto start = [&] {
    std::string error;
    EXPECT_TRUE(clinicd.Start(ClinicdFlags(redis), &error)) << error;
    return std::make_unique<Stubs>(clinicd.address());
  };
  std::unique_ptr<Stubs> stubs = start();
  const std::string therapist = CreateTherapist(*stubs, "Maya Okafor");
  const std::string athlete = CreateAthlete(*stubs, "Jane Runner");
  stubs.reset();  // hang up first: clinicd drains open connections
  clinicd.Stop();
  files.CopyTo(backup.path());

  stubs = start();
  v1::ReserveSlotRequest req;
  req.set_request_id("before-restore");
  *req.mutable_session() =
      Session(athlete, therapist, v1::SPORTS, calendar.At(day, 10));
  v1::ReserveSlotResponse booked;
  const grpc::Status s =
      stubs->bookings->ReserveSlot(CallContext().get(), req, &booked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(
      Starts(FreeSlots(*stubs->bookings, calendar, therapist, v1::SPORTS, day)),
      Not(Contains(absl::ToUnixSeconds(calendar.At(day, 10)))));
  ASSERT_NE(redis.Command("DBSIZE"), "0") << "nothing cached in Redis";
  stubs.reset();
  clinicd.Stop();
  files.RestoreFrom(backup.path());

  stubs = start();
  v1::AddTimeOffRequest off;
  off.set_therapist_id(therapist);
  *off.mutable_time_off()->mutable_start_time() = ToProto(calendar.At(day, 14));
  *off.mutable_time_off()->mutable_end_time() = ToProto(calendar.At(day, 15));
  v1::TimeOff added;
  const grpc::Status t =
      stubs->therapists->AddTimeOff(CallContext().get(), off, &added);
  ASSERT_TRUE(t.ok()) << t.error_message();
  const std::vector<int64_t> starts =
      Starts(FreeSlots(*stubs->bookings, calendar, therapist, v1::SPORTS, day));
  EXPECT_THAT(starts, Contains(absl::ToUnixSeconds(calendar.At(day, 10))));
  EXPECT_THAT(starts, Not(Contains(absl::ToUnixSeconds(calendar.At(day, 14)))));
}

}  // namespace
}  // namespace clinic::testing
