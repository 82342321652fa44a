// SqliteStore: users, their tokens and the audit trail, on real database
// files.
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/types.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/storage/store.h"
#include "tests/storage/sqlite_store_fixture.h"

namespace clinic::storage {
namespace {

using core::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- Values. ---

constexpr size_t kHashSize = 32;

core::User MakeUser(const std::string& name, Role role) {
  core::User u;
  u.name = name;
  u.role = role;
  u.create_time = kT0 + absl::Microseconds(17);
  return u;
}

// A 32-byte hash: the bytes of `prefix`, then `fill` up to the end.
std::string Hash(std::vector<uint8_t> prefix, uint8_t fill) {
  prefix.resize(kHashSize, fill);
  return std::string(prefix.begin(), prefix.end());
}

std::string Bytes(std::vector<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

core::Token MakeToken(core::Id user, std::string hash) {
  core::Token t;
  t.user_id = user;
  t.hash = std::move(hash);
  t.label = "laptop";
  t.create_time = kT0 + absl::Microseconds(3);
  return t;
}

core::AuditEvent MakeAudit(core::Id user, core::Id token,
                           const std::string& target) {
  core::AuditEvent e;
  e.time = kT0 + absl::Seconds(1) + absl::Microseconds(9);
  e.user_id = user;
  e.token_id = token;
  e.action = "booking.cancel";
  e.target = target;
  e.detail = "cancelled, athlete is ill";
  return e;
}

// The fields of each row, to compare them all at once.
auto Fields(const core::User& u) {
  return std::tie(u.id, u.name, u.role, u.granted, u.therapist_id, u.athlete_id,
                  u.disabled, u.create_time);
}
auto Fields(const core::Token& t) {
  return std::tie(t.id, t.user_id, t.hash, t.label, t.create_time,
                  t.revoke_time);
}
auto Fields(const core::AuditEvent& e) {
  return std::tie(e.id, e.time, e.user_id, e.token_id, e.action, e.target,
                  e.detail);
}

// The database file opened directly, behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }

  void Exec(const char* sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
  }

  // Column `col` of every row, as text.
  std::vector<std::string> Column(const char* sql, int col = 0) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(st, col);
      out.emplace_back(text == nullptr ? ""
                                       : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class UsersStoreTest : public SqliteStoreTest {
 protected:
  core::Id AddUser(const std::string& name) {
    return Insert(&Transaction::InsertUser, MakeUser(name, Role::kStaff));
  }
  core::Id AddToken(core::Id user, std::string hash) {
    return Insert(&Transaction::InsertToken, MakeToken(user, std::move(hash)));
  }
  absl::StatusOr<std::vector<core::Token>> Find(const std::string& prefix) {
    return ReadValue<std::vector<core::Token>>(
        [&](Reader& r) { return r.FindTokens(prefix); });
  }
  absl::StatusOr<std::vector<core::User>> ListUsers(PageRequest page) {
    return ReadValue<std::vector<core::User>>(
        [&](Reader& r) { return r.ListUsers(page); });
  }
  absl::StatusOr<std::vector<core::AuditEvent>> ListAudit(
      const std::string& target, PageRequest page) {
    return ReadValue<std::vector<core::AuditEvent>>(
        [&](Reader& r) { return r.ListAuditEvents(target, page); });
  }
  absl::StatusOr<core::User> GetUser(core::Id id) {
    return ReadValue<core::User>([&](Reader& r) { return r.GetUser(id); });
  }
  absl::StatusOr<core::Token> GetToken(core::Id id) {
    return ReadValue<core::Token>([&](Reader& r) { return r.GetToken(id); });
  }
};

// --- Users. ---

TEST_F(UsersStoreTest, UserRoundTripsWithGrantsAndLinks) {
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

TEST_F(UsersStoreTest, InsertUserNamesAMissingLinkAndStoresNothing) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  ASSERT_THAT(
      store_->Write(
          Touches::Nothing(),
          [&](Transaction& tx) {
            core::User u = MakeUser("ghost", Role::kAthlete);
            u.athlete_id = athlete + 41;
            EXPECT_THAT(tx.InsertUser(u),
                        StatusIs(absl::StatusCode::kNotFound,
                                 absl::StrCat("athlete ath_", athlete + 41,
                                              " not found")));
            u.athlete_id = athlete;
            u.therapist_id = 7;
            EXPECT_THAT(tx.InsertUser(u), StatusIs(absl::StatusCode::kNotFound,
                                                   "therapist th_7 not found"));
            core::User service = MakeUser("bot", Role::kService);
            service.granted = {Role::kStaff};
            service.athlete_id = 99;
            EXPECT_THAT(tx.InsertUser(service),
                        StatusIs(absl::StatusCode::kNotFound,
                                 "athlete ath_99 not found"));
            return absl::OkStatus();  // commits whatever the failed inserts
                                      // left
          }),
      IsOk());
  auto users = ListUsers({10, 0});
  ASSERT_THAT(users, IsOk());
  EXPECT_THAT(*users, IsEmpty());
  RawDb raw(path_);
  EXPECT_THAT(raw.Column("SELECT count(*) FROM user_grants"), ElementsAre("0"));
}

TEST_F(UsersStoreTest, InsertUserRejectsGrantsThatBreakTheRules) {
  ASSERT_THAT(
      store_->Write(
          Touches::Nothing(),
          [&](Transaction& tx) {
            core::User staff = MakeUser("staff", Role::kStaff);
            staff.granted = {Role::kAdmin};
            EXPECT_THAT(
                tx.InsertUser(staff),
                StatusIs(absl::StatusCode::kInvalidArgument, "SERVICE"));
            core::User service = MakeUser("bot", Role::kService);
            service.granted = {Role::kStaff, Role::kService};
            EXPECT_THAT(
                tx.InsertUser(service),
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

TEST_F(UsersStoreTest, ListUsersPagesByIdWithGrants) {
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

TEST_F(UsersStoreTest, SetUserDisabledTogglesAndNamesAMissingUser) {
  const core::Id id = AddUser("lee");
  ASSERT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.SetUserDisabled(id, true);
                            }),
              IsOk());
  auto got = GetUser(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_TRUE(got->disabled);
  ASSERT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.SetUserDisabled(id, false);
                            }),
              IsOk());
  got = GetUser(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->disabled);

  EXPECT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.SetUserDisabled(id + 8, true);
                            }),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("user usr_", id + 8, " not found")));
  EXPECT_THAT(GetUser(id + 8),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("user usr_", id + 8, " not found")));
}

// --- Tokens. ---

TEST_F(UsersStoreTest, TokenRoundTripsAndNeedsItsUser) {
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
  ASSERT_THAT(
      store_->Write(
          Touches::Nothing(),
          [&](Transaction& tx) {
            EXPECT_THAT(
                tx.InsertToken(MakeToken(user + 3, Hash({1}, 1))),
                StatusIs(absl::StatusCode::kNotFound,
                         absl::StrCat("user usr_", user + 3, " not found")));
            EXPECT_THAT(
                tx.InsertToken(MakeToken(user, std::string(31, 'x'))),
                StatusIs(absl::StatusCode::kInvalidArgument, "32 bytes"));
            EXPECT_THAT(
                tx.InsertToken(MakeToken(user, std::string(33, 'x'))),
                StatusIs(absl::StatusCode::kInvalidArgument, "32 bytes"));
            return absl::OkStatus();
          }),
      IsOk());
  auto tokens = ReadValue<std::vector<core::Token>>(
      [&](Reader& r) { return r.ListTokens(user); });
  ASSERT_THAT(tokens, IsOk());
  EXPECT_THAT(Ids(*tokens), ElementsAre(t.id, revoked.id));
}

TEST_F(UsersStoreTest, FindTokensReturnsExactlyTheHashesWithThePrefix) {
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
  ASSERT_THAT(store_->Write(
                  Touches::Nothing(),
                  [&](Transaction& tx) { return tx.RevokeToken(p_high, kT0); }),
              IsOk());
  expect_found(Bytes({1, 2, 3, 4, 5, 6, 7, 8}), {p_low, p_high});

  EXPECT_THAT(Find(Bytes({1, 2, 3, 4, 5, 6, 7})),
              StatusIs(absl::StatusCode::kInvalidArgument, "8 bytes"));
  EXPECT_THAT(Find(""), StatusIs(absl::StatusCode::kInvalidArgument, "8"));
}

TEST_F(UsersStoreTest, FindTokensAndTargetListsUseTheirIndexes) {
  RawDb raw(path_);
  const std::vector<std::string> tokens = raw.Column(
      "EXPLAIN QUERY PLAN SELECT * FROM tokens WHERE hash >= ?1 AND "
      "hash < ?2 ORDER BY hash",
      /*col=*/3);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_THAT(tokens[0], HasSubstr("INDEX"));
  EXPECT_THAT(tokens[0], HasSubstr("(hash>? AND hash<?)"));
  const std::vector<std::string> audit = raw.Column(
      "EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE target = ?1 "
      "AND id > ?2 ORDER BY id",
      /*col=*/3);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_THAT(audit[0],
              HasSubstr("INDEX audit_events_by_target (target=? AND id>?)"));
}

TEST_F(UsersStoreTest, DuplicateHashIsAlreadyExists) {
  const core::Id user = AddUser("lee");
  const core::Id other = AddUser("kim");
  const std::string hash = Hash({9, 9, 9, 9, 9, 9, 9, 9}, 0x01);
  const core::Id first = AddToken(user, hash);
  ASSERT_NE(first, 0);
  ASSERT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              EXPECT_THAT(
                                  tx.InsertToken(MakeToken(other, hash)),
                                  StatusIs(absl::StatusCode::kAlreadyExists,
                                           "already exists"));
                              return absl::OkStatus();
                            }),
              IsOk());
  auto found = Find(hash);
  ASSERT_THAT(found, IsOk());
  ASSERT_THAT(Ids(*found), ElementsAre(first));
  EXPECT_EQ(found->at(0).user_id, user);
  auto others = ReadValue<std::vector<core::Token>>(
      [&](Reader& r) { return r.ListTokens(other); });
  ASSERT_THAT(others, IsOk());
  EXPECT_THAT(*others, IsEmpty());
}

TEST_F(UsersStoreTest, RevokeTokenKeepsTheFirstTime) {
  const core::Id user = AddUser("lee");
  const core::Id kept = AddToken(user, Hash({7}, 7));
  const core::Id id = AddToken(user, Hash({8}, 8));
  const absl::Time first = kT0 + absl::Minutes(5) + absl::Microseconds(1);
  ASSERT_THAT(
      store_->Write(Touches::Nothing(),
                    [&](Transaction& tx) { return tx.RevokeToken(id, first); }),
      IsOk());
  ASSERT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.RevokeToken(id, first + absl::Hours(1));
                            }),
              IsOk());
  auto got = GetToken(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->revoke_time, std::optional<absl::Time>(first));
  auto other = GetToken(kept);
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->revoke_time, std::nullopt);

  EXPECT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.RevokeToken(id + 70, first);
                            }),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("token tok_", id + 70, " not found")));
  auto none = ReadValue<std::vector<core::Token>>(
      [&](Reader& r) { return r.ListTokens(user + 100); });
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
}

// --- Audit. ---

TEST_F(UsersStoreTest, AuditEventsRoundTripFilterByTargetAndPage) {
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

  ASSERT_THAT(
      store_->Write(
          Touches::Nothing(),
          [&](Transaction& tx) {
            EXPECT_THAT(
                tx.InsertAuditEvent(MakeAudit(user + 4, 0, "bk_1")),
                StatusIs(absl::StatusCode::kNotFound,
                         absl::StrCat("user usr_", user + 4, " not found")));
            EXPECT_THAT(
                tx.InsertAuditEvent(MakeAudit(user, token + 4, "bk_1")),
                StatusIs(absl::StatusCode::kNotFound,
                         absl::StrCat("token tok_", token + 4, " not found")));
            return absl::OkStatus();
          }),
      IsOk());
  all = ListAudit("", {10, 0});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), 6u);
}

// --- Transactions and durability. ---

TEST_F(UsersStoreTest, FailedWriteLeavesNoUserTokenOrAuditEvent) {
  const std::string hash = Hash({3, 3, 3, 3, 3, 3, 3, 3}, 3);
  core::Id user = 0;
  core::Id token = 0;
  EXPECT_THAT(
      store_->Write(Touches::Nothing(),
                    [&](Transaction& tx) -> absl::Status {
                      core::User u = MakeUser("bot", Role::kService);
                      u.granted = {Role::kStaff};
                      absl::StatusOr<core::Id> id = tx.InsertUser(u);
                      if (!id.ok()) return id.status();
                      user = *id;
                      id = tx.InsertToken(MakeToken(user, hash));
                      if (!id.ok()) return id.status();
                      token = *id;
                      id = tx.InsertAuditEvent(MakeAudit(user, token, "usr_1"));
                      if (!id.ok()) return id.status();
                      // Seen inside the transaction...
                      EXPECT_THAT(tx.GetUser(user), IsOk());
                      absl::StatusOr<std::vector<core::Token>> found =
                          tx.FindTokens(hash);
                      EXPECT_THAT(found, IsOk());
                      if (found.ok()) {
                        EXPECT_EQ(found->size(), 1u);
                      }
                      return absl::AbortedError("changed my mind");
                    }),
      StatusIs(absl::StatusCode::kAborted, "changed my mind"));
  ASSERT_NE(user, 0);
  ASSERT_NE(token, 0);

  // ...and gone after.
  auto users = ListUsers({10, 0});
  ASSERT_THAT(users, IsOk());
  EXPECT_THAT(*users, IsEmpty());
  EXPECT_THAT(GetToken(token), StatusIs(absl::StatusCode::kNotFound, "token"));
  auto found = Find(hash);
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(*found, IsEmpty());
  auto audit = ListAudit("", {10, 0});
  ASSERT_THAT(audit, IsOk());
  EXPECT_THAT(*audit, IsEmpty());
  RawDb raw(path_);
  EXPECT_THAT(raw.Column("SELECT count(*) FROM user_grants"), ElementsAre("0"));
}

TEST_F(UsersStoreTest, UsersTokensAndAuditSurviveReopen) {
  core::User u = MakeUser("bot", Role::kService);
  u.granted = {Role::kStaff, Role::kTherapist};
  u.id = Insert(&Transaction::InsertUser, u);
  core::Token t = MakeToken(u.id, Hash({0xFF, 0xFF, 0, 0xAB}, 0xCD));
  t.id = Insert(&Transaction::InsertToken, t);
  t.revoke_time = kT0 + absl::Hours(48) + absl::Microseconds(5);
  ASSERT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.RevokeToken(t.id, *t.revoke_time);
                            }),
              IsOk());
  core::AuditEvent e = MakeAudit(u.id, t.id, "tok_1");
  e.id = Insert(&Transaction::InsertAuditEvent, e);

  store_.reset();
  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
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

TEST_F(UsersStoreTest, OpeningAVersion2DatabaseAddsTheTablesAndKeepsData) {
  const core::Athlete kim_in = MakeAthlete("Kim");
  const core::Id kim = Insert(kim_in);
  const core::Id ana = Insert(MakeTherapist("Ana", {core::Modality::kSports}));
  store_.reset();
  {
    // What the previous release left: version 2, no user tables.
    RawDb raw(path_);
    EXPECT_THAT(raw.Column("PRAGMA user_version"), ElementsAre("4"));
    raw.Exec(
        "DROP TABLE audit_events; DROP TABLE tokens; DROP TABLE user_grants; "
        "DROP TABLE users; PRAGMA user_version = 2;");
    EXPECT_THAT(raw.Column("SELECT name FROM sqlite_schema WHERE name IN "
                           "('users', 'user_grants', 'tokens', "
                           "'audit_events')"),
                IsEmpty());
  }

  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  {
    RawDb raw(path_);
    EXPECT_THAT(raw.Column("PRAGMA user_version"), ElementsAre("4"));
    EXPECT_THAT(raw.Column("SELECT name FROM sqlite_schema WHERE type = "
                           "'table' AND name IN ('users', 'user_grants', "
                           "'tokens', 'audit_events') ORDER BY name"),
                ElementsAre("audit_events", "tokens", "user_grants", "users"));
  }
  auto athlete =
      ReadValue<core::Athlete>([&](Reader& r) { return r.GetAthlete(kim); });
  ASSERT_THAT(athlete, IsOk());
  EXPECT_EQ(athlete->name, kim_in.name);
  EXPECT_EQ(athlete->email, kim_in.email);
  auto therapist = ReadValue<core::Therapist>(
      [&](Reader& r) { return r.GetTherapist(ana); });
  ASSERT_THAT(therapist, IsOk());
  EXPECT_EQ(therapist->name, "Ana");
  EXPECT_THAT(therapist->modalities, ElementsAre(core::Modality::kSports));

  // The new tables work and link to the old rows.
  core::User u = MakeUser("kim", Role::kAthlete);
  u.athlete_id = kim;
  u.id = Insert(&Transaction::InsertUser, u);
  ASSERT_NE(u.id, 0);
  auto got = GetUser(u.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(Fields(*got), Fields(u));
}

TEST_F(UsersStoreTest, OpeningAVersion3DatabaseGivesEachRequestIdItsUser) {
  const core::Id athlete = Insert(MakeAthlete("Kim"));
  const core::Id therapist =
      Insert(MakeTherapist("Ana", {core::Modality::kSports}));
  const core::Id desk = AddUser("desk");
  const core::Id site = AddUser("site");
  auto booking = [&](int hour, const std::string& key, core::Id by) {
    core::Booking b;
    b.athlete_id = athlete;
    b.therapist_id = therapist;
    b.modality = core::Modality::kSports;
    b.start = kT0 + absl::Hours(hour);
    b.end = b.start + absl::Hours(1);
    b.request_id = key;
    b.request_user_id = by;
    b.request_hash = key + "-hash";
    b.create_time = b.update_time = kT0;
    const core::Id id = Insert(b);
    if (by != 0) {  // what Clinic::Reserve records
      core::AuditEvent e = MakeAudit(by, 0, absl::StrCat("bk_", id));
      e.action = "booking.create";
      Insert(&Transaction::InsertAuditEvent, e);
    }
    return id;
  };
  const core::Id by_desk = booking(0, "k1", desk);
  const core::Id by_site = booking(2, "k2", site);
  const core::Id unrecorded = booking(4, "k3", 0);
  const core::Id keyless = booking(6, "", desk);
  store_.reset();
  {
    // What the previous release left: version 3, request_id unique across
    // the clinic, and (after a deleted row) a sequence past the last id.
    RawDb raw(path_);
    EXPECT_THAT(raw.Column("PRAGMA user_version"), ElementsAre("4"));
    raw.Exec(R"sql(
DROP INDEX bookings_by_request_id;
CREATE TABLE bookings_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  therapist_id INTEGER NOT NULL REFERENCES therapists (id),
  modality INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  state INTEGER NOT NULL,
  request_id TEXT UNIQUE,
  request_hash TEXT NOT NULL,
  at_risk INTEGER NOT NULL,
  at_risk_reason TEXT NOT NULL,
  cancel_reason TEXT NOT NULL,
  create_us INTEGER NOT NULL,
  update_us INTEGER NOT NULL
);
INSERT INTO bookings_v3 SELECT id, athlete_id, therapist_id, modality,
  start_us, end_us, state, request_id, request_hash, at_risk, at_risk_reason,
  cancel_reason, create_us, update_us FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_v3 RENAME TO bookings;
CREATE INDEX bookings_by_therapist ON bookings (therapist_id, start_us);
CREATE INDEX bookings_by_athlete ON bookings (athlete_id, start_us);
CREATE INDEX bookings_by_start ON bookings (start_us);
UPDATE sqlite_sequence SET seq = 100 WHERE name = 'bookings';
PRAGMA user_version = 3;
)sql");
  }

  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  {
    RawDb raw(path_);
    EXPECT_THAT(raw.Column("PRAGMA user_version"), ElementsAre("4"));
    // No index left that makes a key unique across the clinic.
    EXPECT_THAT(raw.Column("SELECT name FROM sqlite_schema WHERE type = "
                           "'index' AND tbl_name = 'bookings' ORDER BY name"),
                ElementsAre("bookings_by_athlete", "bookings_by_request_id",
                            "bookings_by_start", "bookings_by_therapist"));
  }
  auto find = [&](core::Id user, const std::string& key) {
    absl::StatusOr<std::optional<core::Booking>> found =
        ReadValue<std::optional<core::Booking>>(
            [&](Reader& r) { return r.FindBookingByRequestId(user, key); });
    EXPECT_THAT(found, IsOk());
    return found.ok() && found->has_value() ? (*found)->id : 0;
  };
  EXPECT_EQ(find(desk, "k1"), by_desk);
  EXPECT_EQ(find(site, "k2"), by_site);
  EXPECT_EQ(find(0, "k3"), unrecorded);
  EXPECT_EQ(find(site, "k1"), 0);
  EXPECT_EQ(find(desk, "k2"), 0);
  auto all = ReadValue<std::vector<core::Booking>>(
      [&](Reader& r) { return r.ListBookings({}, {}, 10); });
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_THAT(Ids(*all), ElementsAre(by_desk, by_site, unrecorded, keyless));
  EXPECT_EQ(all->at(0).request_hash, "k1-hash");
  EXPECT_EQ(all->at(0).start, kT0);
  EXPECT_EQ(all->at(3).request_id, "");
  EXPECT_EQ(all->at(3).request_user_id, 0);

  // Keys are now per user, and ids continue after the kept sequence.
  core::Booking again;
  again.athlete_id = athlete;
  again.therapist_id = therapist;
  again.start = kT0 + absl::Hours(8);
  again.end = again.start + absl::Hours(1);
  again.request_id = "k1";
  again.request_user_id = site;
  EXPECT_EQ(Insert(again), 101);
  again.request_user_id = desk;
  EXPECT_THAT(store_->Write(Touches::Nothing(),
                            [&](Transaction& tx) {
                              return tx.InsertBooking(again).status();
                            }),
              StatusIs(absl::StatusCode::kAlreadyExists, "k1"));
}

}  // namespace
}  // namespace clinic::storage
