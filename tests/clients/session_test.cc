// Session::CallRetryingOnce and NewRequestId, with stand-in calls: no server.
#include "clients/clinicctl/session.h"

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Ne;

class CallRetryingOnceTest : public ::testing::Test {
 protected:
  CallRetryingOnceTest() : session_(command_, Options(), out_, err_) {}

  static GlobalOptions Options() {
    GlobalOptions options;
    options.server = "127.0.0.1:1";
    options.timeout_seconds = 0.2;
    return options;
  }

  // Calls through the session, answering each attempt with the next of
  // `answers`; returns the codes of the attempts made.
  std::vector<grpc::StatusCode> Attempts(
      const std::vector<grpc::StatusCode>& answers, grpc::Status* last,
      const std::string& request_id = "") {
    std::vector<grpc::StatusCode> made;
    *last = session_.CallRetryingOnce(
        [&](grpc::ClientContext*) {
          const grpc::StatusCode code = answers.at(made.size());
          made.push_back(code);
          return grpc::Status(code, code == grpc::StatusCode::OK ? "" : "lost");
        },
        request_id);
    return made;
  }

  const CommandSpec command_;
  std::ostringstream out_, err_;
  Session session_;
};

TEST_F(CallRetryingOnceTest, RetriesALostAnswerOnceNamingTheRequestId) {
  for (grpc::StatusCode lost :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    err_.str("");
    grpc::Status last;
    EXPECT_THAT(Attempts({lost, grpc::StatusCode::OK}, &last, "key-1"),
                ElementsAre(lost, grpc::StatusCode::OK));
    EXPECT_TRUE(last.ok());
    EXPECT_THAT(err_.str(),
                MatchesRegex("clinicctl: no answer from clinicd \\([A-Z_]+: "
                             "lost\\); retrying once with --request-id "
                             "key-1\n"));
  }
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CallRetryingOnceTest, GivesUpAfterTheRetryWithItsStatus) {
  grpc::Status last;
  EXPECT_THAT(Attempts({grpc::StatusCode::UNAVAILABLE,
                        grpc::StatusCode::DEADLINE_EXCEEDED},
                       &last),
              ElementsAre(grpc::StatusCode::UNAVAILABLE,
                          grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_EQ(last.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(err_.str(),
            "clinicctl: no answer from clinicd (UNAVAILABLE: lost); retrying "
            "once\n");
}

TEST_F(CallRetryingOnceTest, AnyOtherAnswerIsFinal) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::OK, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::INVALID_ARGUMENT,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::INTERNAL}) {
    grpc::Status last;
    EXPECT_THAT(Attempts({code}, &last, "key-1"), ElementsAre(code));
    EXPECT_EQ(last.error_code(), code);
  }
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CallRetryingOnceTest, TheRetryHasItsOwnDeadline) {
  std::vector<std::chrono::system_clock::time_point> deadlines;
  session_.CallRetryingOnce(
      [&](grpc::ClientContext* context) {
        deadlines.push_back(context->deadline());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "");
      },
      "");
  ASSERT_EQ(deadlines.size(), 2u);
  EXPECT_GE(deadlines[1] - deadlines[0], std::chrono::milliseconds(300));
}

TEST(NewRequestIdTest, Is128RandomBitsInLowercaseHex) {
  const absl::StatusOr<std::string> a = NewRequestId();
  const absl::StatusOr<std::string> b = NewRequestId();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(*a, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_THAT(*b, Ne(*a));
}

}  // namespace
}  // namespace clinic::cli
