// clinicctl's retry of book and reschedule: a request id on every booking,
// and an answer lost after the server committed (through a LossyProxy)
// retried once without doing the work twice; and of reads, by the channel.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"
#include "tests/e2e/lossy_proxy.h"

namespace clinic::testing {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;
using ::testing::StartsWith;

// book and reschedule ask for the therapist's (booking's) clinic (stream 1)
// and its zone (GetRules, stream 3) before they write (ReserveSlot or
// RescheduleBooking, stream 5).
constexpr uint32_t kWriteStream = 5;

// `args` for clinicctl talking to clinicd through `proxy`.
std::vector<std::string> Via(const LossyProxy& proxy,
                             std::vector<std::string> args) {
  args.insert(args.begin(), {"--server", proxy.address()});
  return args;
}

class RetryTest : public ClinicctlTest {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    if (HasFatalFailure()) return;
    wednesday_ = RaceSunday() - 4;
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
  }

  std::vector<std::string> BookArgs(int hour) const {
    return SessionArgs("book", athlete_, therapist_, "sports",
                       When(wednesday_, hour));
  }

  v1::Booking GetBooking(const std::string& id) {
    const CliResult r = Run({"bookings", "show", id, "--json"});
    EXPECT_EQ(r.exit_code, kOk) << r;
    v1::Booking b;
    EXPECT_TRUE(ParseJson(r.out, &b));
    return b;
  }

  absl::CivilDay wednesday_;
  std::string therapist_, athlete_;
};

TEST_F(RetryTest, BookWithoutRequestIdMakesUpANewOneEachRun) {
  const v1::Booking first = GetBooking(Create(BookArgs(10)));
  const v1::Booking second = GetBooking(Create(BookArgs(12)));
  EXPECT_THAT(first.request_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_THAT(second.request_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(first.request_id(), second.request_id());
}

TEST_F(RetryTest, BookWhoseAnswerIsLostBooksOnceAndPrintsIt) {
  const LossyProxy proxy(server_.address(), kWriteStream);
  const CliResult r = RunClinicctl(Via(proxy, BookArgs(10)));
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_TRUE(proxy.lost()) << "no answer was lost; is stream " << kWriteStream
                            << " still ReserveSlot?";
  const v1::ListBookingsResponse all = AllBookings();
  ASSERT_THAT(all.bookings(), SizeIs(1));
  const v1::Booking& b = all.bookings(0);
  EXPECT_THAT(r.out, StartsWith("Booked: Sports massage "));
  EXPECT_EQ(LastLine(r.out), b.id());
  ASSERT_THAT(Lines(r.err), SizeIs(1)) << r;
  EXPECT_THAT(r.err, StartsWith("clinicctl: no answer from clinicd "
                                "(UNAVAILABLE: "));
  EXPECT_THAT(r.err, EndsWith(absl::StrCat("; retrying once with --request-id ",
                                           b.request_id(), "\n")));
  EXPECT_THAT(b.request_id(), MatchesRegex("[0-9a-f]{32}"));
}

TEST_F(RetryTest, BookRetriesWithTheRequestIdGiven) {
  std::vector<std::string> args = BookArgs(10);
  args.insert(args.end(), {"--request-id", "front-desk-7"});
  const LossyProxy proxy(server_.address(), kWriteStream);
  const CliResult r = RunClinicctl(Via(proxy, args));
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_TRUE(proxy.lost());
  EXPECT_THAT(r.err, EndsWith(" with --request-id front-desk-7\n"));
  const v1::ListBookingsResponse all = AllBookings();
  ASSERT_THAT(all.bookings(), SizeIs(1));
  EXPECT_EQ(all.bookings(0).request_id(), "front-desk-7");
  EXPECT_EQ(LastLine(r.out), all.bookings(0).id());
}

TEST_F(RetryTest, RescheduleWhoseAnswerIsLostMovesOnceAndPrintsIt) {
  const std::string booking = Create(BookArgs(10));
  const v1::Booking before = GetBooking(booking);
  const absl::Duration length =
      FromTs(before.end_time()) - FromTs(before.start_time());
  const LossyProxy proxy(server_.address(), kWriteStream);
  const CliResult r = RunClinicctl(
      Via(proxy, {"reschedule", booking, "--at", When(wednesday_, 14)}));
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_TRUE(proxy.lost()) << "no answer was lost; is stream " << kWriteStream
                            << " still RescheduleBooking?";
  EXPECT_EQ(r.out, absl::StrCat("Moved ", booking, " to ",
                                Shown(Local(wednesday_, 14),
                                      Local(wednesday_, 14) + length),
                                ".\n", booking, "\n"));
  ASSERT_THAT(Lines(r.err), SizeIs(1)) << r;
  EXPECT_THAT(r.err, EndsWith("; retrying once\n"));
  const v1::ListBookingsResponse all = AllBookings();
  ASSERT_THAT(all.bookings(), SizeIs(1));
  EXPECT_EQ(all.bookings(0).id(), booking);
  EXPECT_EQ(FromTs(all.bookings(0).start_time()), Local(wednesday_, 14));
}

// The server committed, then stopped answering: one retry that times out,
// and the request id in the note makes a later manual retry safe.
TEST_F(RetryTest, ServerGoneAfterCommitGivesUpAfterOneRetry) {
  const LossyProxy proxy(server_.address(), kWriteStream,
                         LossyProxy::Later::kIgnore);
  std::vector<std::string> args = BookArgs(10);
  args.insert(args.end(), {"--timeout", "2"});
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = RunClinicctl(Via(proxy, args));
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_TRUE(proxy.lost());
  EXPECT_EQ(r.out, "");
  EXPECT_LT(took.count(), 2 * 2) << r;
  const std::vector<std::string> err = Lines(r.err);
  ASSERT_THAT(err, SizeIs(2)) << r;
  ASSERT_THAT(err[0], HasSubstr("; retrying once with --request-id "));
  EXPECT_THAT(err[1],
              StartsWith(absl::StrCat("clinicctl: clinicd at ", proxy.address(),
                                      " did not answer within 2 s")));
  const std::string key = err[0].substr(err[0].rfind(' ') + 1);

  const v1::ListBookingsResponse all = AllBookings();
  ASSERT_THAT(all.bookings(), SizeIs(1));
  EXPECT_EQ(all.bookings(0).request_id(), key);
  std::vector<std::string> again = BookArgs(10);
  again.insert(again.end(), {"--request-id", key});
  EXPECT_EQ(Create(again), all.bookings(0).id());
  EXPECT_THAT(AllBookings().bookings(), SizeIs(1));
}

// Reads are retried by the channel's service config: a lost answer to the
// first call (GetTherapist, stream 1) is asked again on a new connection.
TEST_F(RetryTest, ReadWhoseAnswerIsLostIsAskedAgain) {
  const LossyProxy proxy(server_.address(), /*lost_stream=*/1);
  const CliResult r =
      RunClinicctl(Via(proxy, {"therapist", "show", therapist_}));
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_TRUE(proxy.lost()) << "no answer was lost";
  EXPECT_THAT(r.out, HasSubstr("Maya Okafor"));
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace clinic::testing
