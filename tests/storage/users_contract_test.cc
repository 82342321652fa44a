// The store contract, part four: users, their tokens and the audit trail.
// Runs once per kind of store (see store_fixture.h).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/types.h"
#include "services/storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/storage/store_values.h"

namespace clinic::storage {
namespace {

using core::Role;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class UsersStoreTest : public StoreTest {
 protected:
  core::Id AddUser(const std::string& name) {
    return Insert(&Transaction::InsertUser, MakeUser(name, Role::kStaff));
  }
  core::Id AddToken(core::Id user, std::string hash) {
    return Insert(&Transaction::InsertToken, MakeToken(user, std::move(hash)));
  }
  absl::StatusOr<std::vector<core::Token>> Find(const std::string& prefix) {
    return ReadValue([&](Reader& r) { return r.FindTokens(prefix); });
  }
  absl::StatusOr<std::vector<core::User>> ListUsers(PageRequest page) {
    return ReadValue([&](Reader& r) { return r.ListUsers(page); });
  }
  absl::StatusOr<std::vector<core::AuditEvent>> ListAudit(
      const std::string& target, PageRequest page) {
    return ReadValue(
        [&](Reader& r) { return r.ListAuditEvents(target, page); });
  }
  absl::StatusOr<core::User> GetUser(core::Id id) {
    return ReadValue([&](Reader& r) { return r.GetUser(id); });
  }
  absl::StatusOr<core::Token> GetToken(core::Id id) {
    return ReadValue([&](Reader& r) { return r.GetToken(id); });
  }
};

INSTANTIATE_TEST_SUITE_P(Contract, UsersStoreTest,
                         ::testing::ValuesIn(StoreKinds()), StoreKindName);

// --- Users. ---

TEST_P(UsersStoreTest, UserRoundTripsWithGrantsAndLinks) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  const core::Id therapist =
      Insert(MakeTherapist("Ana", {core::Modality::kSports}));

  core::User service = MakeUser("booking-bot", Role::kService);
  service.granted = {Role::kStaff, Role::kAdmin};
  service.id = Insert(&Transaction::InsertUser, service);
  ASSERT_NE(service.id, 0);
  service.granted = {Role::kAdmin, Role::kStaff};  // read back by role

  core::User ana = MakeUser("ana", Role::kTherapist);
  ana.therapist_id = therapist;
  ana.id = Insert(&Transaction::InsertUser, ana);

  core::User kim = MakeUser("kim", Role::kAthlete);
  kim.athlete_id = athlete;
  kim.disabled = true;
  kim.id = Insert(&Transaction::InsertUser, kim);

  core::User admin = MakeUser("root", Role::kAdmin);
  admin.id = Insert(&Transaction::InsertUser, admin);

  for (const core::User* want : {&service, &ana, &kim, &admin}) {
    absl::StatusOr<core::User> got = GetUser(want->id);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(Fields(*got), Fields(*want));
  }
}

TEST_P(UsersStoreTest, InsertUserNamesAMissingLinkAndStoresNothing) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  // A failed insert fails its write (the transaction cannot commit) and
  // leaves nothing.
  core::User u = MakeUser("ghost", Role::kAthlete);
  u.athlete_id = athlete + 41;
  auto insert = [&](const core::User& user) {
    return Write([&](Transaction& tx) { return tx.InsertUser(user).status(); });
  };
  EXPECT_THAT(insert(u), StatusIs(absl::StatusCode::kNotFound,
                                  absl::StrCat("athlete ath_", athlete + 41,
                                               " not found")));
  u.athlete_id = athlete;
  u.therapist_id = 7;
  EXPECT_THAT(insert(u), StatusIs(absl::StatusCode::kNotFound,
                                  "therapist th_7 not found"));
  core::User service = MakeUser("bot", Role::kService);
  service.granted = {Role::kStaff};
  service.athlete_id = 99;
  EXPECT_THAT(insert(service), StatusIs(absl::StatusCode::kNotFound,
                                        "athlete ath_99 not found"));
  auto users = ListUsers({10, 0});
  ASSERT_THAT(users, IsOk());
  EXPECT_THAT(*users, IsEmpty());
}

TEST_P(UsersStoreTest, InsertUserRejectsGrantsThatBreakTheRules) {
  ASSERT_THAT(
      Write([&](Transaction& tx) {
        core::User staff = MakeUser("staff", Role::kStaff);
        staff.granted = {Role::kAdmin};
        EXPECT_THAT(tx.InsertUser(staff),
                    StatusIs(absl::StatusCode::kInvalidArgument, "SERVICE"));
        core::User service = MakeUser("bot", Role::kService);
        service.granted = {Role::kStaff, Role::kService};
        EXPECT_THAT(tx.InsertUser(service),
                    StatusIs(absl::StatusCode::kInvalidArgument, "SERVICE"));
        service.granted = {Role::kStaff, Role::kTherapist, Role::kStaff};
        EXPECT_THAT(tx.InsertUser(service),
                    StatusIs(absl::StatusCode::kInvalidArgument, "once"));
        return absl::OkStatus();
      }),
      IsOk());
  auto users = ListUsers({10, 0});
  ASSERT_THAT(users, IsOk());
  EXPECT_THAT(*users, IsEmpty());
}

TEST_P(UsersStoreTest, ListUsersPagesByIdWithGrants) {
  std::vector<core::Id> ids;
  for (int i = 0; i < 5; ++i) {
    core::User u = MakeUser(absl::StrCat("bot", i), Role::kService);
    u.granted = {Role::kAthlete};
    if (i == 3) u.granted.push_back(Role::kStaff);
    ids.push_back(Insert(&Transaction::InsertUser, u));
  }
  auto first = ListUsers({2, 0});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Ids(*first), ElementsAre(ids[0], ids[1]));
  auto second = ListUsers({2, ids[1]});
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Ids(*second), ElementsAre(ids[2], ids[3]));
  EXPECT_EQ(second->at(0).name, "bot2");
  EXPECT_EQ(second->at(0).granted, std::vector<Role>{Role::kAthlete});
  EXPECT_EQ(second->at(1).granted,
            (std::vector<Role>{Role::kStaff, Role::kAthlete}));
  auto last = ListUsers({2, ids[3]});
  ASSERT_THAT(last, IsOk());
  EXPECT_THAT(Ids(*last), ElementsAre(ids[4]));
  auto past_end = ListUsers({2, ids[4]});
  ASSERT_THAT(past_end, IsOk());
  EXPECT_THAT(*past_end, IsEmpty());
  EXPECT_THAT(ListUsers({0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));
}

TEST_P(UsersStoreTest, SetUserDisabledTogglesAndNamesAMissingUser) {
  const core::Id id = AddUser("lee");
  ASSERT_THAT(
      Write([&](Transaction& tx) { return tx.SetUserDisabled(id, true); }),
      IsOk());
  auto got = GetUser(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_TRUE(got->disabled);
  ASSERT_THAT(
      Write([&](Transaction& tx) { return tx.SetUserDisabled(id, false); }),
      IsOk());
  got = GetUser(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->disabled);

  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.SetUserDisabled(id + 8, true); }),
      StatusIs(absl::StatusCode::kNotFound,
               absl::StrCat("user usr_", id + 8, " not found")));
  EXPECT_THAT(GetUser(id + 8),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("user usr_", id + 8, " not found")));
}

// --- Tokens. ---

TEST_P(UsersStoreTest, TokenRoundTripsAndNeedsItsUser) {
  const core::Id user = AddUser("lee");
  // NUL and high bytes inside: the hash is binary.
  core::Token t = MakeToken(user, Hash({0x00, 0xFF, 0x00, 0x80, 0x7F}, 0x00));
  t.id = Insert(&Transaction::InsertToken, t);
  ASSERT_NE(t.id, 0);
  auto got = GetToken(t.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(t));
  EXPECT_EQ(got->hash.size(), kHashSize);

  core::Token revoked = MakeToken(user, Hash({0x42}, 0x42));
  revoked.revoke_time = kT0 + absl::Hours(1);
  revoked.id = Insert(&Transaction::InsertToken, revoked);
  got = GetToken(revoked.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(revoked));

  EXPECT_THAT(
      GetToken(revoked.id + 5),
      StatusIs(absl::StatusCode::kNotFound,
               absl::StrCat("token tok_", revoked.id + 5, " not found")));
  auto insert = [&](const core::Token& token) {
    return Write(
        [&](Transaction& tx) { return tx.InsertToken(token).status(); });
  };
  EXPECT_THAT(insert(MakeToken(user + 3, Hash({1}, 1))),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("user usr_", user + 3, " not found")));
  EXPECT_THAT(insert(MakeToken(user, std::string(31, 'x'))),
              StatusIs(absl::StatusCode::kInvalidArgument, "32 bytes"));
  EXPECT_THAT(insert(MakeToken(user, std::string(33, 'x'))),
              StatusIs(absl::StatusCode::kInvalidArgument, "32 bytes"));
  auto tokens = ReadValue([&](Reader& r) { return r.ListTokens(user); });
  ASSERT_THAT(tokens, IsOk());
  EXPECT_THAT(Ids(*tokens), ElementsAre(t.id, revoked.id));
}

TEST_P(UsersStoreTest, FindTokensReturnsExactlyTheHashesWithThePrefix) {
  const core::Id user = AddUser("lee");
  auto insert = [&](std::vector<uint8_t> prefix, uint8_t fill) {
    return AddToken(user, Hash(std::move(prefix), fill));
  };
  // Around prefix P = 01..08.
  const core::Id p_low = insert({1, 2, 3, 4, 5, 6, 7, 8}, 0x00);
  const core::Id p_high = insert({1, 2, 3, 4, 5, 6, 7, 8}, 0xFF);
  const core::Id below_p = insert({1, 2, 3, 4, 5, 6, 7, 7}, 0xFF);
  const core::Id above_p = insert({1, 2, 3, 4, 5, 6, 7, 9}, 0x00);
  // Around Q = 01..07 FF, whose successor carries into 01..06 08.
  const core::Id q = insert({1, 2, 3, 4, 5, 6, 7, 0xFF}, 0x11);
  const core::Id above_q = insert({1, 2, 3, 4, 5, 6, 8}, 0x00);
  // All 0xFF (no successor) and all 0x00 at the ends of the range.
  const core::Id ff = insert({}, 0xFF);
  const core::Id below_ff =
      insert({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}, 0xFF);
  const core::Id zero_one = insert({0, 0, 0, 0, 0, 0, 0, 1}, 0x00);
  const core::Id zero = insert({}, 0x00);

  auto expect_found = [&](const std::string& prefix,
                          std::vector<core::Id> want) {
    auto found = Find(prefix);
    ASSERT_THAT(found, IsOk());
    std::vector<core::Id> ids = Ids(*found);
    std::sort(ids.begin(), ids.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(ids, want);
    for (const core::Token& t : *found) {
      EXPECT_EQ(t.hash.substr(0, prefix.size()), prefix);
    }
  };
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 8}), {p_low, p_high});
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 8, 0xFF}), {p_high});
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 7}), {below_p});
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 9}), {above_p});
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 0xFF}), {q});
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 8, 0}), {above_q});
  expect_found(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), {ff});
  expect_found(Hash({}, 0xFF), {ff});
  expect_found(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}),
               {below_ff});
  expect_found(Bytes({0, 0, 0, 0, 0, 0, 0, 1}), {zero_one});
  expect_found(Bytes({0, 0, 0, 0, 0, 0, 0, 0}), {zero});
  expect_found(std::string(kHashSize + 1, '\0'), {});  // longer than a hash
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 0xAB, 0xCD}), {});

  // Revoked tokens are found too.
  ASSERT_THAT(
      Write([&](Transaction& tx) { return tx.RevokeToken(p_high, kT0); }),
      IsOk());
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 8}), {p_low, p_high});

  EXPECT_THAT(Find(Bytes({1, 2, 3, 4, 5, 6, 7})),
              StatusIs(absl::StatusCode::kInvalidArgument, "8 bytes"));
  EXPECT_THAT(Find(""), StatusIs(absl::StatusCode::kInvalidArgument, "8"));
}

TEST_P(UsersStoreTest, DuplicateHashIsAlreadyExists) {
  const core::Id user = AddUser("lee");
  const core::Id other = AddUser("kim");
  const std::string hash = Hash({9, 9, 9, 9, 9, 9, 9, 9}, 0x01);
  const core::Id first = AddToken(user, hash);
  ASSERT_NE(first, 0);
  EXPECT_THAT(Write([&](Transaction& tx) {
                return tx.InsertToken(MakeToken(other, hash)).status();
              }),
              StatusIs(absl::StatusCode::kAlreadyExists, "already exists"));
  auto found = Find(hash);
  ASSERT_THAT(found, IsOk());
  ASSERT_THAT(Ids(*found), ElementsAre(first));
  EXPECT_EQ(found->at(0).user_id, user);
  auto others = ReadValue([&](Reader& r) { return r.ListTokens(other); });
  ASSERT_THAT(others, IsOk());
  EXPECT_THAT(*others, IsEmpty());
}

TEST_P(UsersStoreTest, RevokeTokenKeepsTheFirstTime) {
  const core::Id user = AddUser("lee");
  const core::Id kept = AddToken(user, Hash({7}, 7));
  const core::Id id = AddToken(user, Hash({8}, 8));
  const absl::Time first = kT0 + absl::Minutes(5) + absl::Microseconds(1);
  ASSERT_THAT(Write([&](Transaction& tx) { return tx.RevokeToken(id, first); }),
              IsOk());
  ASSERT_THAT(Write([&](Transaction& tx) {
                return tx.RevokeToken(id, first + absl::Hours(1));
              }),
              IsOk());
  auto got = GetToken(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->revoke_time, std::optional<absl::Time>(first));
  auto other = GetToken(kept);
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->revoke_time, std::nullopt);

  EXPECT_THAT(
      Write([&](Transaction& tx) { return tx.RevokeToken(id + 70, first); }),
      StatusIs(absl::StatusCode::kNotFound,
               absl::StrCat("token tok_", id + 70, " not found")));
  auto none = ReadValue([&](Reader& r) { return r.ListTokens(user + 100); });
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
}

// --- Audit. ---

TEST_P(UsersStoreTest, AuditEventsRoundTripFilterByTargetAndPage) {
  const core::Id user = AddUser("lee");
  const core::Id token = AddToken(user, Hash({5}, 5));
  std::vector<core::AuditEvent> events;
  for (const char* target : {"bk_1", "bk_2", "bk_1", "th_3", "bk_1"}) {
    core::AuditEvent e = MakeAudit(user, token, target);
    e.detail = absl::StrCat("event ", events.size());
    e.id = Insert(&Transaction::InsertAuditEvent, e);
    ASSERT_NE(e.id, 0);
    events.push_back(e);
  }
  core::AuditEvent system = MakeAudit(0, 0, "bk_2");  // no user, no token
  system.id = Insert(&Transaction::InsertAuditEvent, system);
  ASSERT_NE(system.id, 0);

  auto all = ListAudit("", {10, 0});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 6u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(Fields(all->at(i)), Fields(events[i]));
  }
  EXPECT_EQ(Fields(all->at(5)), Fields(system));

  auto bk1 = ListAudit("bk_1", {2, 0});
  ASSERT_THAT(bk1, IsOk());
  EXPECT_THAT(Ids(*bk1), ElementsAre(events[0].id, events[2].id));
  bk1 = ListAudit("bk_1", {2, events[2].id});
  ASSERT_THAT(bk1, IsOk());
  EXPECT_THAT(Ids(*bk1), ElementsAre(events[4].id));
  auto bk2 = ListAudit("bk_2", {10, 0});
  ASSERT_THAT(bk2, IsOk());
  EXPECT_THAT(Ids(*bk2), ElementsAre(events[1].id, system.id));
  auto paged = ListAudit("", {3, events[1].id});
  ASSERT_THAT(paged, IsOk());
  EXPECT_THAT(Ids(*paged),
              ElementsAre(events[2].id, events[3].id, events[4].id));
  auto unknown = ListAudit("bk_9", {10, 0});
  ASSERT_THAT(unknown, IsOk());
  EXPECT_THAT(*unknown, IsEmpty());
  EXPECT_THAT(ListAudit("bk_1", {0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));

  auto insert = [&](const core::AuditEvent& e) {
    return Write(
        [&](Transaction& tx) { return tx.InsertAuditEvent(e).status(); });
  };
  EXPECT_THAT(insert(MakeAudit(user + 4, 0, "bk_1")),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("user usr_", user + 4, " not found")));
  EXPECT_THAT(insert(MakeAudit(user, token + 4, "bk_1")),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("token tok_", token + 4, " not found")));
  all = ListAudit("", {10, 0});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), 6u);
}

// --- Transactions and durability. ---

TEST_P(UsersStoreTest, UsersTokensAndAuditSurviveReopen) {
  core::User u = MakeUser("bot", Role::kService);
  u.granted = {Role::kStaff, Role::kTherapist};
  u.id = Insert(&Transaction::InsertUser, u);
  core::Token t = MakeToken(u.id, Hash({0xFF, 0xFF, 0, 0xAB}, 0xCD));
  t.id = Insert(&Transaction::InsertToken, t);
  t.revoke_time = kT0 + absl::Hours(48) + absl::Microseconds(5);
  ASSERT_THAT(Write([&](Transaction& tx) {
                return tx.RevokeToken(t.id, *t.revoke_time);
              }),
              IsOk());
  core::AuditEvent e = MakeAudit(u.id, t.id, "tok_1");
  e.id = Insert(&Transaction::InsertAuditEvent, e);

  ASSERT_TRUE(Reopen());
  auto got_user = GetUser(u.id);
  ASSERT_THAT(got_user, IsOk());
  EXPECT_EQ(Fields(*got_user), Fields(u));
  auto found = Find(t.hash.substr(0, 8));
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(Fields(found->at(0)), Fields(t));
  auto audit = ListAudit("tok_1", {10, 0});
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(Fields(audit->at(0)), Fields(e));
  // Ids are not reused after reopening.
  EXPECT_GT(AddUser("next"), u.id);
}

}  // namespace
}  // namespace clinic::storage
