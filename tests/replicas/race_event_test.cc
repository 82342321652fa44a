// A race entered through one replica while another books a deep tissue
// session that the race makes illegal: whichever commits first, no
// confirmed session breaks the rule unflagged (RULES.md, "The other
// direction").
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/replicas/replicas_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::IsEmpty;

// The deep tissue rule in force: how long a session must end before a
// race (48 h by default), read through `stubs`.
absl::Duration DeepTissueGapBefore(Stubs& stubs) {
  v1::RuleSet rules;
  const grpc::Status s =
      stubs.bookings->GetRules(CallContext().get(), {}, &rules);
  EXPECT_TRUE(s.ok()) << s.error_message();
  for (const v1::ModalityRule& rule : rules.modalities()) {
    if (rule.modality() == v1::DEEP_TISSUE) {
      return absl::Seconds(rule.min_gap_before().seconds());
    }
  }
  ADD_FAILURE() << "no deep tissue rule in " << rules.DebugString();
  return absl::ZeroDuration();
}

// Each round, a fresh athlete: replica r % 3 adds a race on day r 07:00
// while replica (r + 1) % 3 reserves deep tissue 16:00-17:00 the day
// before (14 h before the race), both released at once.
TEST_F(ReplicasTest,
       RaceAddedWhileAnotherReplicaBooksLeavesNoUnflaggedSession) {
  constexpr int kRounds = 30;
  std::vector<std::unique_ptr<Stubs>> stubs;
  for (const std::string& address : Addresses()) {
    stubs.push_back(std::make_unique<Stubs>(address));
  }
  const absl::Duration gap = DeepTissueGapBefore(*stubs[2]);
  ASSERT_GT(gap, absl::Hours(14));
  const absl::CivilDay first = calendar_.FirstDay() + 1;
  std::vector<std::pair<int, std::string>> booked;  // round, booking id
  int rejected = 0;
  for (int r = 0; r < kRounds; ++r) {
    const std::string athlete =
        CreateAthlete(*admin_, absl::StrCat("Racer ", r));
    v1::AddEventRequest race;
    race.set_athlete_id(athlete);
    race.set_name(absl::StrCat("Race ", r));
    *race.mutable_start_time() = ToProto(calendar_.At(first + r, 7));
    v1::ReserveSlotRequest reserve;
    reserve.set_request_id(absl::StrCat("race-round-", r));
    *reserve.mutable_session() =
        Session(athlete, therapists_[r % 3], v1::DEEP_TISSUE,
                calendar_.At(first + r - 1, 16));
    absl::Notification go;
    grpc::Status raced, reserved;
    v1::ReserveSlotResponse booking;
    std::thread racer([&] {
      auto ctx = CallContext();
      v1::AddEventResponse out;
      go.WaitForNotification();
      raced = stubs[r % 3]->athletes->AddRace(ctx.get(), race, &out);
    });
    std::thread booker([&] {
      auto ctx = CallContext();
      go.WaitForNotification();
      reserved = stubs[(r + 1) % 3]->bookings->ReserveSlot(ctx.get(), reserve,
                                                           &booking);
    });
    go.Notify();
    racer.join();
    booker.join();
    ASSERT_TRUE(raced.ok()) << "round " << r << ": " << raced.error_message();
    if (reserved.ok()) {
      booked.emplace_back(r, booking.booking().id());
    } else {
      EXPECT_TRUE(IsRuleRejection(reserved))
          << "round " << r << ": code " << reserved.error_code() << ": "
          << reserved.error_message();
      ++rejected;
    }
  }
  std::printf(
      "race vs booking, %d rounds: %d reservations rejected (the race came "
      "first), %zu booked (then put at risk by the race)\n",
      kRounds, rejected, booked.size());

  // Straight from the table: confirmed deep tissue sessions (modality 1)
  // ending less than `gap` before a race (kind 1) of their athlete.
  const auto unflagged = db_->Query(absl::StrCat(
      "SELECT 'bk_' || b.id FROM bookings b JOIN events e "
      "ON e.athlete_id = b.athlete_id WHERE b.state = 1 AND b.modality = 1 "
      "AND e.kind = 1 AND b.end_us <= e.start_us AND e.start_us - b.end_us < ",
      absl::ToInt64Microseconds(gap), " AND NOT b.at_risk"));
  ASSERT_TRUE(unflagged.ok()) << unflagged.status();
  EXPECT_THAT(*unflagged, IsEmpty());
  // And as a third replica tells it.
  for (const auto& [round, id] : booked) {
    v1::GetBookingRequest req;
    req.set_booking_id(id);
    v1::Booking out;
    const grpc::Status s = stubs[(round + 2) % 3]->bookings->GetBooking(
        CallContext().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(out.at_risk()) << "round " << round << ": " << id;
  }
}

}  // namespace
}  // namespace clinic::testing
