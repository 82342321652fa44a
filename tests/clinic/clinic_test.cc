// Clinic's use cases in process: idempotent reservations, the at-risk
// refresh after an athlete's calendar changes, and rules that read the
// injected clock.
#include "services/clinic/clinic.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/api/rules_text.h"
#include "services/core/error_reason.h"
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
  const core::Actor desk = NewUser("front desk");
  const SessionSpec spec = Session(At(2027, 1, 6, 10, 0));
  auto first = clinic_->Reserve(spec, "req-1", desk);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->verdict.allowed());
  EXPECT_EQ(first->booking.request_id, "req-1");
  clock_.Advance(absl::Minutes(5));
  auto again = clinic_->Reserve(spec, "req-1", desk);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->verdict.allowed());
  EXPECT_EQ(again->booking.id, first->booking.id);
  EXPECT_EQ(again->booking.create_time, first->booking.create_time);
  EXPECT_EQ(again->booking.request_id, "req-1");
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(1));
}

TEST_F(ClinicTest, RetryRepeatsTheWarningsOfTheFirstAnswer) {
  const core::Actor desk = NewUser("front desk");
  ASSERT_TRUE(clinic_->AddEvent(Race(At(2027, 1, 9, 7, 0))).ok());
  const SessionSpec spec = Session(At(2027, 1, 6, 10, 0));  // 68 h before
  auto first = clinic_->Reserve(spec, "req-1", desk).value();
  ASSERT_THAT(
      first.verdict.warnings,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleGapBeforeEvent)));
  auto again = clinic_->Reserve(spec, "req-1", desk).value();
  EXPECT_EQ(again.booking.id, first.booking.id);
  EXPECT_THAT(
      again.verdict.warnings,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleGapBeforeEvent)));
}

TEST_F(ClinicTest, RequestIdReusedForAnotherSessionBooksNothing) {
  const core::Actor desk = NewUser("front desk");
  auto first = clinic_->Reserve(Session(At(2027, 1, 6, 10, 0)), "req-1", desk);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(clinic_->Reserve(Session(At(2027, 1, 6, 14, 0)), "req-1", desk),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("already used for booking bk_",
                                              first->booking.id, ","))));
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(1));
}

TEST_F(ClinicTest, RequestIdsAreEachUsersOwn) {
  const core::Actor desk = NewUser("front desk");
  const core::Actor site = NewUser("booking site");
  const SessionSpec ten = Session(At(2027, 1, 6, 10, 0));
  const SessionSpec two = Session(At(2027, 1, 6, 14, 0));
  const core::Booking mine =
      clinic_->Reserve(ten, "req-1", desk).value().booking;
  ASSERT_NE(mine.id, 0);

  // Another user's "req-1" is another key: a booking of its own, not
  // ALREADY_EXISTS naming the first user's booking.
  auto theirs = clinic_->Reserve(two, "req-1", site);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  ASSERT_TRUE(theirs->verdict.allowed());
  EXPECT_NE(theirs->booking.id, mine.id);
  EXPECT_EQ(theirs->booking.request_id, "req-1");
  // So is the server's own (no user).
  const SessionSpec four = Session(At(2027, 1, 7, 10, 0));
  auto servers = clinic_->Reserve(four, "req-1", desk_);
  ASSERT_TRUE(servers.ok()) << servers.status();
  EXPECT_NE(servers->booking.id, 0);
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(3));

  // Each user's retry finds their own booking...
  EXPECT_EQ(clinic_->Reserve(ten, "req-1", desk).value().booking.id, mine.id);
  EXPECT_EQ(clinic_->Reserve(two, "req-1", site).value().booking.id,
            theirs->booking.id);
  // ...and reusing the key for another session names only their own.
  EXPECT_THAT(clinic_->Reserve(two, "req-1", desk),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("booking bk_", mine.id, ","))));
  EXPECT_THAT(clinic_->Reserve(ten, "req-1", site),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("booking bk_", theirs->booking.id,
                                              ","))));
  EXPECT_THAT(All(*clinic_, athlete_.id), SizeIs(3));
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

core::TimeOff Off(core::Id therapist_id, absl::Time start, absl::Time end) {
  core::TimeOff off;
  off.therapist_id = therapist_id;
  off.start = start;
  off.end = end;
  off.reason = "course";
  return off;
}

std::vector<core::Id> TimeOffIds(const core::Therapist& t) {
  std::vector<core::Id> ids;
  for (const core::TimeOff& off : t.time_off) ids.push_back(off.id);
  return ids;
}

TEST_F(ClinicTest, TimeOffOverlappingOtherTimeOffIsRefusedNamingIt) {
  const core::TimeOff first =
      clinic_
          ->AddTimeOff(
              Off(therapist_.id, At(2027, 1, 6, 9, 0), At(2027, 1, 6, 13, 0)))
          .value();
  for (const auto& [start, end] :
       {std::pair{At(2027, 1, 6, 12, 0), At(2027, 1, 6, 14, 0)},
        std::pair{At(2027, 1, 6, 8, 0), At(2027, 1, 6, 9, 1)},
        std::pair{At(2027, 1, 6, 10, 0), At(2027, 1, 6, 11, 0)},
        std::pair{At(2027, 1, 5, 0, 0), At(2027, 1, 7, 0, 0)}}) {
    const absl::StatusOr<core::TimeOff> refused =
        clinic_->AddTimeOff(Off(therapist_.id, start, end));
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr(absl::StrCat("off_", first.id))));
    const std::optional<core::ErrorReason> reason =
        core::ReasonOf(refused.status());
    ASSERT_TRUE(reason.has_value());
    EXPECT_EQ(reason->reason, core::kReasonTimeOffOverlaps);
    EXPECT_THAT(reason->metadata,
                ElementsAre(std::pair<std::string, std::string>(
                    "time_off", absl::StrCat("off_", first.id))));
  }
  EXPECT_THAT(TimeOffIds(clinic_->GetTherapist(therapist_.id).value()),
              ElementsAre(first.id));

  // Touching is not overlapping.
  const core::TimeOff after =
      clinic_
          ->AddTimeOff(
              Off(therapist_.id, At(2027, 1, 6, 13, 0), At(2027, 1, 6, 15, 0)))
          .value();
  // Another therapist's time off is theirs.
  core::Therapist other = therapist_;
  other.name = "Sam Lindqvist";
  other = clinic_->CreateTherapist(other).value();
  EXPECT_TRUE(clinic_
                  ->AddTimeOff(Off(other.id, At(2027, 1, 6, 9, 0),
                                   At(2027, 1, 6, 13, 0)))
                  .ok());
  EXPECT_THAT(TimeOffIds(clinic_->GetTherapist(therapist_.id).value()),
              ElementsAre(first.id, after.id));
}

TEST_F(ClinicTest, ATherapistHasAtMostTheLimitOfUpcomingTimeOff) {
  const absl::Time first_start = At(2027, 1, 5, 9, 0);
  for (int i = 0; i < kMaxUpcomingTimeOff; ++i) {
    const absl::Time start = first_start + absl::Hours(24) * i;
    ASSERT_TRUE(
        clinic_->AddTimeOff(Off(therapist_.id, start, start + absl::Hours(1)))
            .ok())
        << i;
  }
  const absl::Time later = first_start + absl::Hours(24) * kMaxUpcomingTimeOff;
  const absl::StatusOr<core::TimeOff> refused =
      clinic_->AddTimeOff(Off(therapist_.id, later, later + absl::Hours(1)));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr(absl::StrCat(kMaxUpcomingTimeOff,
                                                       " upcoming time off"))));
  ASSERT_TRUE(core::ReasonOf(refused.status()).has_value());
  EXPECT_EQ(core::ReasonOf(refused.status())->reason,
            core::kReasonTimeOffLimit);
  EXPECT_THAT(clinic_->GetTherapist(therapist_.id).value().time_off,
              SizeIs(kMaxUpcomingTimeOff));

  // Once the first has ended, it no longer counts.
  clock_.Set(first_start + absl::Hours(1));
  EXPECT_TRUE(
      clinic_->AddTimeOff(Off(therapist_.id, later, later + absl::Hours(1)))
          .ok());
  EXPECT_THAT(clinic_->GetTherapist(therapist_.id).value().time_off,
              SizeIs(kMaxUpcomingTimeOff));
}

TEST_F(ClinicTest, TherapistsShowOnlyTimeOffThatHasNotEnded) {
  const core::TimeOff monday =
      clinic_
          ->AddTimeOff(
              Off(therapist_.id, At(2027, 1, 4, 9, 0), At(2027, 1, 4, 10, 0)))
          .value();
  const core::TimeOff wednesday =
      clinic_
          ->AddTimeOff(
              Off(therapist_.id, At(2027, 1, 6, 9, 0), At(2027, 1, 6, 10, 0)))
          .value();
  auto listed = [&] {
    std::vector<core::Therapist> all =
        clinic_->ListTherapists(std::nullopt, 0, {}).value();
    EXPECT_THAT(all, SizeIs(1));
    return all.empty() ? core::Therapist() : all.front();
  };
  auto updated = [&] {
    return clinic_
        ->UpdateTherapist(therapist_.id,
                          [](core::Therapist&) { return absl::OkStatus(); })
        .value();
  };
  EXPECT_THAT(TimeOffIds(clinic_->GetTherapist(therapist_.id).value()),
              ElementsAre(monday.id, wednesday.id));
  clock_.Set(At(2027, 1, 4, 9, 30));  // under way: still shown
  EXPECT_THAT(TimeOffIds(listed()), ElementsAre(monday.id, wednesday.id));
  clock_.Set(At(2027, 1, 4, 10, 0));  // ended
  EXPECT_THAT(TimeOffIds(clinic_->GetTherapist(therapist_.id).value()),
              ElementsAre(wednesday.id));
  EXPECT_THAT(TimeOffIds(listed()), ElementsAre(wednesday.id));
  EXPECT_THAT(TimeOffIds(updated()), ElementsAre(wednesday.id));
  clock_.Set(At(2027, 1, 7, 0, 0));
  EXPECT_THAT(clinic_->GetTherapist(therapist_.id).value().time_off, IsEmpty());
}

// --- Several clinics. ---

// London's own clinic and a therapist there working 09:00-18:00 London
// time, Monday to Saturday.
core::Id LondonTherapist(Clinic& clinic, const core::Actor& by) {
  const core::ClinicInfo london =
      clinic
          .CreateClinic(
              {0, "London", "Europe/London",
               api::RuleSetText(core::RuleTable::Defaults()), absl::Time()},
              by)
          .value();
  core::Therapist t;
  t.clinic_id = london.id;
  t.name = "Ana Reyes";
  t.modalities = {core::Modality::kDeepTissue, core::Modality::kSports};
  for (absl::Weekday d : {absl::Weekday::monday, absl::Weekday::tuesday,
                          absl::Weekday::wednesday, absl::Weekday::thursday,
                          absl::Weekday::friday, absl::Weekday::saturday}) {
    t.hours.push_back({d, 9 * 60, 18 * 60});
  }
  return clinic.CreateTherapist(t).value().id;
}

TEST_F(ClinicTest, AnAthleteIsOnOneTableAtATimeAcrossClinics) {
  const core::Id ana = LondonTherapist(*clinic_, desk_);
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  // 10:00 in New York is 15:00 in London.
  const absl::Time at = At(2027, 1, 6, 10, 0);
  ASSERT_TRUE(clinic_->Reserve(Session(at, core::Modality::kSports), "", desk_)
                  .value()
                  .verdict.allowed());
  SessionSpec there{
      athlete_.id, ana, core::Modality::kSports,
      absl::FromCivil(absl::CivilMinute(2027, 1, 6, 15, 0), london),
      std::nullopt};
  EXPECT_THAT(
      clinic_->Reserve(there, "", desk_).value().verdict.violations,
      ElementsAre(Field(&core::Finding::rule_id, core::kRuleAthleteBusy)));
  // An hour later in London the athlete is free, and it is booked there.
  there.start += absl::Hours(2);
  const Reservation booked = clinic_->Reserve(there, "", desk_).value();
  ASSERT_TRUE(booked.verdict.allowed());
  EXPECT_NE(booked.booking.clinic_id, home_.id);
}

TEST_F(ClinicTest, ARaceRejectionNamesTheRaceInTheSessionsClinicZone) {
  const core::Id ana = LondonTherapist(*clinic_, desk_);
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  // A race on Sunday 07:00 New York time (12:00 in London).
  ASSERT_TRUE(clinic_->AddEvent(Race(At(2027, 1, 10, 7, 0))).ok());
  // Deep tissue in London on the Friday before: 38 h before the race.
  const SessionSpec there{
      athlete_.id, ana, core::Modality::kDeepTissue,
      absl::FromCivil(absl::CivilMinute(2027, 1, 8, 21, 0) - 5 * 60, london),
      std::nullopt};
  const std::vector<core::Finding> v =
      clinic_->Reserve(there, "", desk_).value().verdict.violations;
  ASSERT_THAT(v, ElementsAre(Field(&core::Finding::rule_id,
                                   core::kRuleGapBeforeEvent)));
  EXPECT_THAT(v.front().message, HasSubstr("Harbor Half"));
  EXPECT_THAT(v.front().message, HasSubstr("12:00 GMT"));  // London's race time
}

}  // namespace
}  // namespace clinic
