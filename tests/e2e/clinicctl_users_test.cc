// Users, roles and tokens as staff meet them through clinicctl.
#include <string>

#include "clinic/v1/users.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

class ClinicctlUsersTest : public ClinicctlTest {
 protected:
  // Runs as the holder of `token`.
  CliResult RunAs(const std::string& token,
                  const std::vector<std::string>& args) {
    return Run(args, {{"CLINIC_TOKEN", token}});
  }

  struct Account {
    std::string user;   // "usr_2"
    std::string token;  // its one token's text
  };

  // A new user made by `user add <add_flags>`, with a token.
  Account UserWithToken(const std::vector<std::string>& add_flags) {
    std::vector<std::string> args = {"user", "add"};
    args.insert(args.end(), add_flags.begin(), add_flags.end());
    Account a;
    a.user = Create(args);
    EXPECT_THAT(a.user, MatchesRegex("usr_[0-9]+"));
    const CliResult token = Run({"token", "create", a.user, "--label", "test"});
    EXPECT_EQ(token.exit_code, kOk) << token;
    a.token = LastLine(token.out);
    EXPECT_THAT(a.token, MatchesRegex("clinic_[A-Za-z0-9_-]{43}"));
    return a;
  }
};

TEST_F(ClinicctlUsersTest, AStaffTokenMadeByTheAdminWorksAtOnce) {
  const std::string token =
      UserWithToken({"--name", "Front desk", "--role", "staff"}).token;
  const CliResult who = RunAs(token, {"whoami"});
  ASSERT_EQ(who.exit_code, kOk) << who;
  EXPECT_THAT(who.out, HasSubstr("Front desk (staff)"));
  EXPECT_EQ(RunAs(token, {"therapist", "list"}).exit_code, kOk);
  // Staff may not manage users.
  const CliResult denied = RunAs(token, {"user", "list"});
  EXPECT_EQ(denied.exit_code, kFailure) << denied;
  EXPECT_THAT(denied.err,
              HasSubstr("PERMISSION_DENIED: role STAFF may not call "
                        "clinic.v1.UserService/ListUsers"));
}

TEST_F(ClinicctlUsersTest, WithoutAUsableTokenItSaysWhich) {
  const CliResult missing = Run({"rules"}, {{"CLINIC_TOKEN", ""}});
  EXPECT_EQ(missing.exit_code, kFailure) << missing;
  EXPECT_THAT(missing.err, HasSubstr("UNAUTHENTICATED: missing token"));
  EXPECT_THAT(missing.err, HasSubstr("set CLINIC_TOKEN"));
  EXPECT_THAT(missing.out, IsEmpty());

  const CliResult unknown = RunAs("clinic_not-a-real-token", {"rules"});
  EXPECT_EQ(unknown.exit_code, kFailure) << unknown;
  EXPECT_THAT(unknown.err, HasSubstr("UNAUTHENTICATED: unknown token"));

  const Account temp = UserWithToken({"--name", "Temp", "--role", "staff"});
  v1::ListTokensResponse tokens;
  const CliResult list = Run({"--json", "token", "list", temp.user});
  ASSERT_TRUE(ParseJson(list.out, &tokens)) << list;
  ASSERT_EQ(tokens.tokens_size(), 1);
  ASSERT_EQ(Run({"token", "revoke", tokens.tokens(0).id()}).exit_code, kOk);
  const CliResult revoked = RunAs(temp.token, {"rules"});
  EXPECT_EQ(revoked.exit_code, kFailure) << revoked;
  EXPECT_THAT(revoked.err, HasSubstr("UNAUTHENTICATED: token " +
                                     tokens.tokens(0).id() + " was revoked"));
}

TEST_F(ClinicctlUsersTest, AnAthleteBooksForThemselvesOnlyAndTheAuditSaysWho) {
  const std::string therapist = AddTherapist();
  const std::string me = AddAthlete("Jordan Rivera");
  const std::string other = AddAthlete("Sam Other");
  const Account jordan =
      UserWithToken({"--name", "Jordan", "--role", "athlete", "--athlete", me});
  const std::string& token = jordan.token;
  const absl::CivilDay wednesday = RaceSunday() - 4;

  const CliResult booked = RunAs(
      token, SessionArgs("book", me, therapist, "sports", When(wednesday, 10)));
  ASSERT_EQ(booked.exit_code, kOk) << booked;
  const std::string booking = LastLine(booked.out);

  const CliResult for_other = RunAs(
      token,
      SessionArgs("book", other, therapist, "sports", When(wednesday, 12)));
  EXPECT_EQ(for_other.exit_code, kFailure) << for_other;
  EXPECT_THAT(for_other.err,
              HasSubstr("PERMISSION_DENIED: role ATHLETE may not call "
                        "clinic.v1.BookingService/ReserveSlot for athlete " +
                        other));
  // Their own bookings only, without asking.
  const CliResult mine = RunAs(token, {"bookings"});
  ASSERT_EQ(mine.exit_code, kOk) << mine;
  EXPECT_THAT(mine.out, HasSubstr(booking));

  const CliResult audit = Run({"audit", "--target", booking});
  ASSERT_EQ(audit.exit_code, kOk) << audit;
  // The athlete's user and their token (the admin's is tok_1).
  EXPECT_THAT(audit.out,
              HasSubstr(jordan.user + "  tok_2  booking.create  " + booking));
}

}  // namespace
}  // namespace clinic::testing
