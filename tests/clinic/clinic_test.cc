// Clinic's use cases in process: idempotent reservations, the at-risk
// refresh after an athlete's calendar changes, and rules that read the
// injected clock.
#include "services/clinic/clinic.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/clinic/clinic_fixture.h"
#include "tests/testing/status_matchers.h"

namespace clinic {
namespace {

using ::clinic::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<core::Booking> All(Clinic& clinic, core::Id athlete_id,
                               bool at_risk_only = false) {
  storage::BookingFilter f;
  f.athlete_id = athlete_id;
  f.at_risk_only = at_risk_only;
  return clinic.ListBookings(f, {}, 100).value();
}

TEST_F(ClinicTest, RetryWithTheSameRequestIdReturnsTheFirstBooking) {
  const SessionSpec spec = Session(At(2027, 1, 6, 10, 0));
  auto first = clinic_->Reserve(spec, "req-1", desk_);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->verdict.allowed());
  clock_.Advance(absl::Minutes(5));
  auto again = clinic_->Reserve(spec, "req-1", desk_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->verdict.allowed());
  EXPECT_EQ(again->booking.id, first->booking.id);
  EXPECT_EQ(again->booking.create_time, first->booking.create_time);
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(1));
}

TEST_F(ClinicTest, RetryRepeatsTheWarningsOfTheFirstAnswer) {
  ASSERT_TRUE(clinic_->AddEvent(Race(At(2027, 1, 9, 7, 0))).ok());
  const SessionSpec spec = Session(At(2027, 1, 6, 10, 0));  // 68 h before
  auto first = clinic_->Reserve(spec, "req-1", desk_).value();
  ASSERT_THAT(
      first.verdict.warnings,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleGapBeforeEvent)));
  auto again = clinic_->Reserve(spec, "req-1", desk_).value();
  EXPECT_EQ(again.booking.id, first.booking.id);
  EXPECT_THAT(
      again.verdict.warnings,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleGapBeforeEvent)));
}

TEST_F(ClinicTest, RequestIdReusedForAnotherSessionBooksNothing) {
  auto first = clinic_->Reserve(Session(At(2027, 1, 6, 10, 0)), "req-1", desk_);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(clinic_->Reserve(Session(At(2027, 1, 6, 14, 0)), "req-1", desk_),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already used for booking bk_")));
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(1));
}

TEST_F(ClinicTest, RaceAddedLaterPutsTheSessionAtRiskUntilItIsDeleted) {
  const core::Booking b =
      clinic_->Reserve(Session(At(2027, 1, 6, 10, 0)), "", desk_)
          .value()
          .booking;
  // Ends 20 h before the race: deep tissue needs 48 h.
  auto outcome = clinic_->AddEvent(Race(At(2027, 1, 7, 7, 0), "Frost 10K"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_THAT(outcome->at_risk, SizeIs(1));
  EXPECT_EQ(outcome->at_risk[0].booking.id, b.id);
  EXPECT_THAT(outcome->at_risk[0].violations,
              ElementsAre(Field(&core::Finding::event_name, "Frost 10K")));
  const std::vector<core::Booking> risky =
      All(*clinic_, athlete_.id, /*at_risk_only=*/true);
  ASSERT_THAT(risky, SizeIs(1));
  EXPECT_THAT(risky[0].at_risk_reason, HasSubstr("\"Frost 10K\""));

  ASSERT_TRUE(clinic_->DeleteEvent(outcome->event.id).ok());
  EXPECT_THAT(All(*clinic_, athlete_.id, /*at_risk_only=*/true), IsEmpty());
}

TEST_F(ClinicTest, SessionsAlreadyUnderWayAreNotRejudged) {
  ASSERT_TRUE(clinic_->Reserve(Session(At(2027, 1, 6, 10, 0)), "", desk_).ok());
  clock_.Set(At(2027, 1, 6, 10, 30));  // mid-session
  auto outcome = clinic_->AddEvent(Race(At(2027, 1, 7, 7, 0)));
  ASSERT_TRUE(outcome.ok());
  EXPECT_THAT(outcome->at_risk, IsEmpty());
  EXPECT_THAT(All(*clinic_, athlete_.id, /*at_risk_only=*/true), IsEmpty());
}

TEST_F(ClinicTest, NoticeIsCountedFromTheInjectedClock) {
  const SessionSpec spec = Session(At(2027, 1, 4, 11, 0));
  EXPECT_TRUE(clinic_->Check(spec).value().allowed());
  clock_.Set(At(2027, 1, 4, 10, 0));  // now only 1 h ahead; 2 h needed
  EXPECT_THAT(clinic_->Check(spec).value().violations,
              ElementsAre(Field(&core::Finding::rule_id, core::kRuleTooSoon)));
}

TEST_F(ClinicTest, CancelledSlotCanBeBookedAgain) {
  const SessionSpec spec = Session(At(2027, 1, 6, 10, 0));
  const core::Booking b = clinic_->Reserve(spec, "", desk_).value().booking;
  core::Athlete other =
      clinic_->CreateAthlete({0, "Ada Obi", "ada@example.com"}).value();
  SessionSpec theirs = spec;
  theirs.athlete_id = other.id;
  EXPECT_THAT(
      clinic_->Reserve(theirs, "", desk_).value().verdict.violations,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleTherapistBusy)));
  ASSERT_TRUE(clinic_->Cancel(b.id, "ill", desk_).ok());
  EXPECT_TRUE(clinic_->Reserve(theirs, "", desk_).value().verdict.allowed());
}

}  // namespace
}  // namespace clinic
