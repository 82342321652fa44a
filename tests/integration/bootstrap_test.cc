// The first ADMIN on an empty store: its token comes from
// CLINIC_ADMIN_TOKEN, or clinicd makes one and writes it to admin.token
// (mode 0600) beside the database, once.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_process.h"
#include "tests/integration/test_pki.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class BootstrapTest : public ::testing::Test {
 public:
  std::string TokenPath() const { return dir_.path() + "/admin.token"; }

  void Start() {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
  }

  grpc::Status WhoAmI(const std::string& token, v1::WhoAmIResponse* out) {
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    return v1::UserService::NewStub(server_.channel())->WhoAmI(&ctx, {}, out);
  }

  // The users, as the holder of `token` sees them.
  std::vector<v1::User> Users(const std::string& token) {
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    v1::ListUsersResponse out;
    const grpc::Status s =
        v1::UserService::NewStub(server_.channel())->ListUsers(&ctx, {}, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.next_page_token(), "");
    return {out.users().begin(), out.users().end()};
  }

  // Fails the test unless `token` is the ADMIN `admin`'s.
  void ExpectAdmin(const std::string& token) {
    v1::WhoAmIResponse me;
    const grpc::Status s = WhoAmI(token, &me);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(me.user().role(), v1::ADMIN);
    EXPECT_EQ(me.user().display_name(), "admin");
  }

  TempDir dir_;
  ClinicdProcess server_{dir_.path() + "/clinic.db"};
};

TEST_F(BootstrapTest, MadeTokenIsWrittenPrivatelyOnceAndWorks) {
  server_.set_admin_token("");
  ASSERT_NO_FATAL_FAILURE(Start());

  struct stat before;
  ASSERT_EQ(stat(TokenPath().c_str(), &before), 0) << TokenPath();
  EXPECT_TRUE(S_ISREG(before.st_mode));
  EXPECT_EQ(before.st_mode & 07777, 0600);
  const std::string text = ReadText(TokenPath());
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  ASSERT_EQ(text.back(), '\n');
  const std::string token = text.substr(0, text.size() - 1);
  EXPECT_THAT(token, MatchesRegex("clinic_[A-Za-z0-9_-]{43,}"));
  const std::string log = server_.stderr_text();
  EXPECT_THAT(log, HasSubstr(TokenPath()));
  EXPECT_THAT(log, Not(HasSubstr(token)));  // the log is no place for it

  ExpectAdmin(token);
  v1::WhoAmIResponse me;
  EXPECT_EQ(WhoAmI(kAdminToken, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::vector<v1::User> first = Users(token);
  ASSERT_EQ(first.size(), 1u);

  // A restart finds the admin: no new token, no new user.
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_NO_FATAL_FAILURE(Start());
  struct stat after;
  ASSERT_EQ(stat(TokenPath().c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(ReadText(TokenPath()), text);
  EXPECT_THAT(server_.stderr_text(), Not(HasSubstr("created the first")));
  ExpectAdmin(token);
  const std::vector<v1::User> users = Users(token);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].id(), first[0].id());
}

TEST_F(BootstrapTest, TokenFromTheEnvironmentWritesNoFile) {
  ASSERT_NO_FATAL_FAILURE(Start());  // CLINIC_ADMIN_TOKEN=kAdminToken
  EXPECT_FALSE(std::filesystem::exists(TokenPath()));
  const std::string log = server_.stderr_text();
  EXPECT_THAT(log, HasSubstr("CLINIC_ADMIN_TOKEN"));
  EXPECT_THAT(log, Not(HasSubstr(kAdminToken)));
  ExpectAdmin(kAdminToken);
  EXPECT_EQ(Users(kAdminToken).size(), 1u);
}

TEST_F(BootstrapTest, ALaterTokenInTheEnvironmentMakesNoSecondAdmin) {
  server_.set_admin_token("");
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string text = ReadText(TokenPath());
  const std::string token = text.substr(0, text.size() - 1);
  ASSERT_EQ(server_.Stop(), 0);

  server_.set_admin_token(kAdminToken);
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::WhoAmIResponse me;
  EXPECT_EQ(WhoAmI(kAdminToken, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ExpectAdmin(token);
  EXPECT_EQ(Users(token).size(), 1u);
  EXPECT_EQ(ReadText(TokenPath()), text);
}

TEST_F(BootstrapTest, AStaleTokenFileIsReplacedAndMadePrivate) {
  // Left over from an earlier database, and readable by all.
  std::ofstream(TokenPath()) << "clinic_stale\n";
  ASSERT_EQ(chmod(TokenPath().c_str(), 0644), 0);
  server_.set_admin_token("");
  ASSERT_NO_FATAL_FAILURE(Start());
  struct stat st;
  ASSERT_EQ(stat(TokenPath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600);
  const std::string text = ReadText(TokenPath());
  ASSERT_THAT(text, MatchesRegex("clinic_[A-Za-z0-9_-]{43,}\n"));
  ExpectAdmin(text.substr(0, text.size() - 1));
  v1::WhoAmIResponse me;
  EXPECT_EQ(WhoAmI("clinic_stale", &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// Where clinicd writes the token before the admin exists.
TEST_F(BootstrapTest, ATokenThatCannotBeWrittenLeavesNoAdmin) {
  const std::string draft = TokenPath() + ".new";
  ASSERT_TRUE(std::filesystem::create_directory(draft));
  server_.set_admin_token("");
  std::string error;
  EXPECT_FALSE(server_.Start({}, &error));
  EXPECT_THAT(error, HasSubstr("cannot write the first admin token to " +
                               draft + ": Is a directory"));

  // Once it can be written, a start makes the admin and its token.
  std::filesystem::remove(draft);
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string text = ReadText(TokenPath());
  ASSERT_THAT(text, MatchesRegex("clinic_[A-Za-z0-9_-]{43,}\n"));
  ExpectAdmin(text.substr(0, text.size() - 1));
  EXPECT_EQ(Users(text.substr(0, text.size() - 1)).size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(draft));
}

TEST_F(BootstrapTest, ATokenThatCannotTakeItsPlaceIsNotLost) {
  // Something that is not a file stands where the token goes.
  ASSERT_TRUE(std::filesystem::create_directory(TokenPath()));
  server_.set_admin_token("");
  std::string error;
  EXPECT_FALSE(server_.Start({}, &error));
  const std::string draft = TokenPath() + ".new";
  EXPECT_THAT(error, HasSubstr("it is in " + draft));

  // The admin exists, and the token that error named is its.
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string text = ReadText(draft);
  ASSERT_THAT(text, MatchesRegex("clinic_[A-Za-z0-9_-]{43,}\n"));
  ExpectAdmin(text.substr(0, text.size() - 1));
  EXPECT_EQ(Users(text.substr(0, text.size() - 1)).size(), 1u);
}

}  // namespace
}  // namespace clinic::testing
