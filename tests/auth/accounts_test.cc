// Accounts over a real SQLite file, with a clock the test moves.
#include "services/auth/accounts.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/token.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace clinic::auth {
namespace {

using ::clinic::testing::FakeClock;
using ::clinic::testing::StatusIs;
using core::Role;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "/accounts_test.XXXXXX";
    dir_ = mkdtemp(dir.data());
    auto store = storage::SqliteStore::Open(dir_ + "/clinic.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    accounts_ = std::make_unique<Accounts>(store_.get(), &clock_);
  }
  void TearDown() override {
    accounts_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The first admin, authenticated.
  Principal Admin() {
    auto text = accounts_->EnsureFirstAdmin("");
    EXPECT_TRUE(text.ok() && text->has_value());
    auto p = accounts_->Authenticate(**text);
    EXPECT_TRUE(p.ok()) << p.status();
    return *p;
  }

  core::User Staff(const Principal& by, const std::string& name) {
    core::User u;
    u.name = name;
    u.role = Role::kStaff;
    return accounts_->CreateUser(u, {by.user.id, by.token.id}).value();
  }

  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, FirstAdminOnlyOnAnEmptyStoreWithTheGivenToken) {
  auto first = accounts_->EnsureFirstAdmin("clinic_given-token-0123456789");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "clinic_given-token-0123456789");
  auto again = accounts_->EnsureFirstAdmin("");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::nullopt);

  auto p = accounts_->Authenticate("clinic_given-token-0123456789");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->user.role, Role::kAdmin);
  EXPECT_EQ(p->user.name, "admin");
  EXPECT_EQ(accounts_->ListUsers({10, 0})->size(), 1u);
}

TEST_F(AccountsTest, OnlyTheHashIsStored) {
  const Principal admin = Admin();
  auto t = accounts_->CreateToken(admin.user.id, "laptop",
                                  {admin.user.id, admin.token.id});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->token.hash, HashToken(t->text));
  auto stored = accounts_->ListTokens(admin.user.id);
  ASSERT_TRUE(stored.ok());
  for (const core::Token& token : *stored) {
    EXPECT_THAT(token.hash, ::testing::Not(HasSubstr(t->text)));
    EXPECT_EQ(token.hash.size(), 32u);
  }
}

TEST_F(AccountsTest, AuthenticateSaysWhyNot) {
  const Principal admin = Admin();
  const core::Actor by{admin.user.id, admin.token.id};
  const core::User staff = Staff(admin, "Front desk");
  NewToken revoked = accounts_->CreateToken(staff.id, "", by).value();
  NewToken kept = accounts_->CreateToken(staff.id, "", by).value();

  EXPECT_THAT(accounts_->Authenticate("clinic_nope"),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown token"));
  // A token differing only in its last character is unknown too.
  std::string near = kept.text;
  near.back() = near.back() == 'A' ? 'B' : 'A';
  EXPECT_THAT(accounts_->Authenticate(near),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown token"));

  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(accounts_->RevokeToken(revoked.token.id, by).ok());
  EXPECT_THAT(
      accounts_->Authenticate(revoked.text),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("was revoked")));
  EXPECT_TRUE(accounts_->Authenticate(kept.text).ok());

  ASSERT_TRUE(accounts_->DisableUser(staff.id, by).ok());
  EXPECT_THAT(
      accounts_->Authenticate(kept.text),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("is disabled")));
  EXPECT_THAT(accounts_->CreateToken(staff.id, "", by),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is disabled")));
}

TEST_F(AccountsTest, RevokingTwiceKeepsTheFirstTime) {
  const Principal admin = Admin();
  const core::Actor by{admin.user.id, admin.token.id};
  NewToken t = accounts_->CreateToken(admin.user.id, "", by).value();
  const absl::Time first = clock_.Now();
  ASSERT_TRUE(accounts_->RevokeToken(t.token.id, by).ok());
  clock_.Advance(absl::Hours(1));
  auto again = accounts_->RevokeToken(t.token.id, by);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revoke_time, first);
}

TEST_F(AccountsTest, TheLastEnabledAdminStays) {
  const Principal admin = Admin();
  const core::Actor by{admin.user.id, admin.token.id};
  EXPECT_THAT(accounts_->DisableUser(admin.user.id, by),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("last enabled ADMIN")));
  core::User second;
  second.name = "owner";
  second.role = Role::kAdmin;
  ASSERT_TRUE(accounts_->CreateUser(second, by).ok());
  EXPECT_TRUE(accounts_->DisableUser(admin.user.id, by).ok());
}

TEST_F(AccountsTest, EveryChangeIsAudited) {
  const Principal admin = Admin();
  const core::Actor by{admin.user.id, admin.token.id};
  const core::User staff = Staff(admin, "Front desk");
  NewToken t = accounts_->CreateToken(staff.id, "", by).value();
  ASSERT_TRUE(accounts_->RevokeToken(t.token.id, by).ok());
  ASSERT_TRUE(accounts_->DisableUser(staff.id, by).ok());

  auto events = accounts_->ListAuditEvents("", {100, 0});
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<std::string> actions;
  for (const core::AuditEvent& e : *events) actions.push_back(e.action);
  EXPECT_THAT(actions,
              ElementsAre("user.create", "token.create", "user.create",
                          "token.create", "token.revoke", "user.disable"));
  // The bootstrap is clinicd's own doing; the rest the admin's, by token.
  EXPECT_EQ((*events)[0].user_id, 0);
  EXPECT_EQ((*events)[2].user_id, admin.user.id);
  EXPECT_EQ((*events)[2].token_id, admin.token.id);
  EXPECT_THAT(*accounts_->ListAuditEvents("usr_2", {100, 0}),
              ElementsAre(Field(&core::AuditEvent::action, "user.create"),
                          Field(&core::AuditEvent::action, "user.disable")));
}

TEST_F(AccountsTest, AFailedWriteLeavesNoAuditEvent) {
  const Principal admin = Admin();
  core::User linked;
  linked.name = "Jordan";
  linked.role = Role::kAthlete;
  linked.athlete_id = 99;  // no such athlete
  EXPECT_THAT(accounts_->CreateUser(linked, {admin.user.id, admin.token.id}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ath_99")));
  EXPECT_EQ(accounts_->ListAuditEvents("", {100, 0})->size(), 2u);
  EXPECT_EQ(accounts_->ListUsers({100, 0})->size(), 1u);
}

}  // namespace
}  // namespace clinic::auth
