// A rule rejection stays a rule rejection whatever the calendar behind it:
// with as many findings and as long names as the API accepts, a default
// gRPC client (8 KB of trailing metadata at most) still receives
// FAILED_PRECONDITION naming the rule, not RESOURCE_EXHAUSTED, and the
// connection it came on keeps serving.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Lt;
using ::testing::Not;

// A name of 100 code points, each four bytes of UTF-8 (and 12 bytes once
// percent-encoded in grpc-message): the longest name the API accepts.
std::string LongestName() {
  std::string name;
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&name, i % 2 == 0 ? "\xF0\x9F\x8F\x83"    // runner
                                      : "\xF0\x9F\x92\xAA");  // biceps
  }
  return name;
}

// What the trailers of `status` cost on the wire: grpc-message
// percent-encoded, grpc-status-details-bin in unpadded base64.
size_t TrailerBytes(const grpc::Status& status) {
  size_t message = 0;
  for (const char c : status.error_message()) {
    const auto byte = static_cast<unsigned char>(c);
    message += byte < 0x20 || byte > 0x7E || byte == '%' ? 3 : 1;
  }
  return message + (status.error_details().size() * 4 + 2) / 3;
}

class RejectionSizeTest : public ClinicdTest {
 protected:
  void AddTimeOff(const std::string& therapist, absl::Time start,
                  absl::Duration length, const std::string& reason) {
    v1::AddTimeOffRequest req;
    req.set_therapist_id(therapist);
    *req.mutable_time_off()->mutable_start_time() = Ts(start);
    *req.mutable_time_off()->mutable_end_time() = Ts(start + length);
    req.mutable_time_off()->set_reason(reason);
    v1::TimeOff out;
    const grpc::Status s =
        server_.therapists().AddTimeOff(Ctx().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Book(const std::string& athlete, const std::string& therapist,
            v1::Modality m, absl::Time start, absl::Duration length) {
    v1::SessionSpec spec = Spec(athlete, therapist, m, start);
    spec.mutable_duration()->set_seconds(absl::ToInt64Seconds(length));
    v1::ReserveSlotResponse out;
    const grpc::Status s = Reserve(spec, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
};

TEST_F(RejectionSizeTest, TheWorstCalendarStillYieldsTheRuleRejection) {
  // Monday 08:00-16:00, eight hours of deep tissue for an athlete with the
  // longest name, with a therapist with the longest name who does not offer
  // deep tissue and starts at 09:00.
  const absl::CivilDay monday = RaceSunday() + 1;
  const absl::Time start = Local(monday, 8);
  const absl::Duration length = absl::Hours(8);
  const std::string name = LongestName();
  const std::string therapist = AddTherapist(name, {v1::SPORTS});
  const std::string other = AddTherapist("Sam Hands");
  const std::string athlete = AddAthlete(name);
  const std::string neighbour = AddAthlete("Ana Neighbour");

  // Inside the session: six sessions of the therapist with someone else
  // (THERAPIST_BUSY), six of the athlete with someone else (ATHLETE_BUSY),
  // and fourteen quarter hours of time off between them, each with the
  // longest reason (THERAPIST_TIME_OFF).
  for (int i = 0; i < 6; ++i) {
    Book(neighbour, therapist, v1::SPORTS, Local(monday, 9 + i, 15),
         absl::Minutes(15));
    Book(athlete, other, v1::SPORTS, Local(monday, 9 + i, 30),
         absl::Minutes(15));
  }
  std::string reason;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&reason, "\xF0\x9F\xA9\xB9");
  for (int i = 0; i < 14; ++i) {
    AddTimeOff(therapist, Local(monday, 9) + absl::Minutes(30 * i),
               absl::Minutes(15), reason);
  }
  // A later deep tissue session (CADENCE).
  Book(athlete, other, v1::DEEP_TISSUE, Local(monday + 10, 10), absl::Hours(1));
  // Six races or workouts with the longest name for each event rule:
  // during the session (OVERLAPS_EVENT), too soon before it and too soon
  // after it (GAP_AFTER_EVENT, GAP_BEFORE_EVENT), and inside the advised
  // gaps on either side (warnings).
  for (int i = 0; i < 6; ++i) {
    const absl::Duration step = absl::Minutes(10 * i);
    AddEvent(athlete, v1::HARD_WORKOUT, name, start + step, absl::Minutes(10));
    AddEvent(athlete, v1::RACE, name, start - absl::Hours(12) + step,
             absl::Minutes(10));
    AddEvent(athlete, v1::RACE, name, start + length + absl::Hours(12) + step,
             absl::Minutes(10));
    AddEvent(athlete, v1::HARD_WORKOUT, name, start - absl::Hours(36) + step,
             absl::Minutes(10));
    AddEvent(athlete, v1::HARD_WORKOUT, name,
             start + length + absl::Hours(60) + step, absl::Minutes(10));
  }

  v1::SessionSpec spec = Spec(athlete, therapist, v1::DEEP_TISSUE, start);
  spec.mutable_duration()->set_seconds(absl::ToInt64Seconds(length));

  // A client as any program makes it: default channel arguments, so the
  // default 8 KB limit on the metadata it receives.
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      server_.address(), grpc::InsecureChannelCredentials());
  const std::unique_ptr<v1::BookingService::Stub> bookings =
      v1::BookingService::NewStub(channel);
  v1::ReserveSlotRequest reserve;
  *reserve.mutable_session() = spec;
  v1::ReserveSlotResponse reserved;
  const grpc::Status s = bookings->ReserveSlot(Ctx().get(), reserve, &reserved);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << s.error_message();
  const size_t trailer = TrailerBytes(s);
  EXPECT_THAT(trailer, Lt(8 * 1024u));
  EXPECT_THAT(trailer, Lt(6656u));  // the budget README promises

  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  EXPECT_EQ(rich.message(), s.error_message());
  google::rpc::ErrorInfo info;
  bool has_info = false;
  for (const auto& any : rich.details()) has_info |= any.UnpackTo(&info);
  ASSERT_TRUE(has_info);
  EXPECT_EQ(info.reason(), "RECOVERY_RULE_VIOLATED");
  const v1::BookingRejection rejection = RejectionOf(s);
  std::printf(
      "worst rejection: message %zu bytes, details %zu bytes, %zu bytes in "
      "trailers; %d violations (%d omitted), %d warnings (%d omitted), %d "
      "suggestions\n",
      s.error_message().size(), s.error_details().size(), trailer,
      rejection.violations_size(), rejection.omitted_violations(),
      rejection.warnings_size(), rejection.omitted_warnings(),
      rejection.suggestions_size());
  ASSERT_GE(rejection.violations_size(), 1);
  // Event rules first, in time order: the races of Sunday evening.
  EXPECT_EQ(rejection.violations(0).rule_id(), "GAP_AFTER_EVENT");
  EXPECT_EQ(rejection.violations(0).event_name(), name);
  EXPECT_TRUE(
      absl::StartsWith(s.error_message(), rejection.violations(0).message()))
      << s.error_message();
  // Everything left out is counted, in the message and in the details.
  const int total =
      rejection.violations_size() + rejection.omitted_violations();
  EXPECT_GE(total, 20);
  EXPECT_GT(rejection.omitted_violations(), 0);
  EXPECT_THAT(s.error_message(), HasSubstr(" more)"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("\xF0\x9F\xA9\xB9")));
  EXPECT_GT(rejection.omitted_warnings() + rejection.warnings_size(), 0);

  // The same connection keeps serving, the dry run too, with the same
  // count.
  v1::CheckBookingRequest check;
  *check.mutable_session() = spec;
  v1::CheckBookingResponse checked;
  const grpc::Status c = bookings->CheckBooking(Ctx().get(), check, &checked);
  ASSERT_TRUE(c.ok()) << c.error_code() << " " << c.error_message();
  EXPECT_FALSE(checked.allowed());
  EXPECT_EQ(checked.violations_size() + checked.omitted_violations(), total);
  EXPECT_EQ(checked.message(), s.error_message());
  std::vector<std::string> rules = RuleIds(checked.violations());
  for (const char* rule :
       {"OVERLAPS_EVENT", "GAP_BEFORE_EVENT", "GAP_AFTER_EVENT",
        "MODALITY_NOT_OFFERED", "OUTSIDE_WORKING_HOURS", "THERAPIST_TIME_OFF",
        "THERAPIST_BUSY", "ATHLETE_BUSY"}) {
    EXPECT_THAT(rules, Contains(rule));
  }
  // One time off finding for the fourteen periods, no reason in it.
  EXPECT_EQ(std::count(rules.begin(), rules.end(), "THERAPIST_TIME_OFF"), 1);
  EXPECT_FALSE(absl::StrContains(checked.SerializeAsString(), reason));

  v1::GetRulesRequest get_rules;
  v1::RuleSet rule_set;
  const grpc::Status r = bookings->GetRules(Ctx().get(), get_rules, &rule_set);
  EXPECT_TRUE(r.ok()) << r.error_code() << " " << r.error_message();
}

}  // namespace
}  // namespace clinic::testing
