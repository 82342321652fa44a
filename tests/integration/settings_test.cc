// What every replica of one store shares: the clinic's zone and rule
// table live in the store, a replica started with others refuses to
// serve, --replace_settings changes them (audited); and the first admin's
// token can come from --admin_token_file. Runs on both stores.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SettingsTest : public ClinicdTest {
 protected:
  // Another clinicd on server_'s store with `flags`; nullptr (and the
  // reason in *error) when it does not start.
  std::unique_ptr<ClinicdProcess> Replica(const std::vector<std::string>& flags,
                                          std::string* error) {
    auto replica = std::make_unique<ClinicdProcess>(dir_.path() + "/clinic.db");
    if (!replica->Start(flags, error)) return nullptr;
    return replica;
  }

  // What GetRules through `replica` says.
  static v1::RuleSet Rules(ClinicdProcess& replica) {
    v1::RuleSet rules;
    const grpc::Status s = replica.bookings().GetRules(Ctx().get(), {}, &rules);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return rules;
  }

  static int64_t DeepTissueGapBefore(const v1::RuleSet& rules) {
    for (const v1::ModalityRule& m : rules.modalities()) {
      if (m.modality() == v1::DEEP_TISSUE) return m.min_gap_before().seconds();
    }
    return -1;
  }

  // A rules file asking 72 h before a race for deep tissue.
  std::string SeventyTwoHourRules() {
    const std::string path = dir_.path() + "/rules.txtpb";
    std::ofstream(path) << "modalities { modality: DEEP_TISSUE "
                           "min_gap_before { seconds: 259200 } "
                           "advised_gap_before { seconds: 345600 } }\n";
    return path;
  }
};

TEST_F(SettingsTest, AReplicaGivenAnotherZoneRefusesToStartNamingBoth) {
  std::string error;
  EXPECT_EQ(Replica({"--timezone=Europe/London"}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("--timezone differs"));
  EXPECT_THAT(error, HasSubstr("stored America/New_York, given Europe/London"));
  EXPECT_EQ(Rules(server_).time_zone(), "America/New_York");
}

TEST_F(SettingsTest, AReplicaWithoutFlagsServesTheStoredSettings) {
  std::string error;
  std::unique_ptr<ClinicdProcess> replica = Replica({}, &error);
  ASSERT_NE(replica, nullptr) << error;
  EXPECT_EQ(Rules(*replica).time_zone(), "America/New_York");
  EXPECT_EQ(DeepTissueGapBefore(Rules(*replica)), 48 * 3600);
}

TEST_F(SettingsTest, OtherRulesAreRefusedNamingTheFieldThenReplacedAudited) {
  const std::string rules = "--rules=" + SeventyTwoHourRules();
  std::string error;
  EXPECT_EQ(Replica({rules}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("--rules differs"));
  EXPECT_THAT(error, HasSubstr("min_gap_before"));
  EXPECT_EQ(DeepTissueGapBefore(Rules(server_)), 48 * 3600);

  std::unique_ptr<ClinicdProcess> replica = Replica(
      {rules, "--timezone=Europe/London", "--replace_settings"}, &error);
  ASSERT_NE(replica, nullptr) << error;
  EXPECT_EQ(DeepTissueGapBefore(Rules(*replica)), 72 * 3600);
  EXPECT_EQ(Rules(*replica).time_zone(), "Europe/London");
  // Replicas started later serve the new settings.
  std::unique_ptr<ClinicdProcess> later = Replica({}, &error);
  ASSERT_NE(later, nullptr) << error;
  EXPECT_EQ(Rules(*later).time_zone(), "Europe/London");

  v1::ListAuditEventsRequest req;
  req.set_target("cl_1");
  v1::ListAuditEventsResponse out;
  const grpc::Status s = v1::UserService::NewStub(server_.channel())
                             ->ListAuditEvents(Ctx().get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.events_size(), 2);
  EXPECT_EQ(out.events(0).action(), "clinic.create");
  EXPECT_EQ(out.events(1).action(), "clinic.update");
  EXPECT_THAT(out.events(1).detail(),
              HasSubstr("America/New_York -> Europe/London"));
}

// A fresh store whose first admin's token is in a file (a mounted secret).
class AdminTokenFileTest : public ::testing::Test {
 protected:
  TempDir dir_;
  ClinicdProcess server_{dir_.path() + "/clinic.db"};
  std::string token_file_ = dir_.path() + "/secret/token";
};

TEST_F(AdminTokenFileTest, TheFirstAdminTakesTheTokenInTheFile) {
  const std::string token = "clinic_token-from-a-mounted-secret-0123456789";
  std::filesystem::create_directory(dir_.path() + "/secret");
  std::ofstream(token_file_) << token << "\n";
  server_.set_admin_token("");  // no CLINIC_ADMIN_TOKEN
  std::string error;
  ASSERT_TRUE(server_.Start({"--admin_token_file=" + token_file_}, &error))
      << error;
  EXPECT_THAT(server_.stderr_text(), Not(HasSubstr(token)));

  v1::WhoAmIResponse me;
  grpc::ClientContext ctx;
  Authorize(ctx, token);
  const grpc::Status s =
      v1::UserService::NewStub(server_.channel())->WhoAmI(&ctx, {}, &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.user().role(), v1::ADMIN);
}

TEST_F(AdminTokenFileTest, AnEmptyTokenFileIsRefused) {
  std::filesystem::create_directory(dir_.path() + "/secret");
  std::ofstream(token_file_) << "\n";
  server_.set_admin_token("");
  std::string error;
  EXPECT_FALSE(server_.Start({"--admin_token_file=" + token_file_}, &error));
  EXPECT_THAT(error, HasSubstr("holds no token"));
}

// Replicas starting together on an empty store make one first admin, the
// same for all (each holds CLINIC_ADMIN_TOKEN).
TEST(FirstAdminTest, ReplicasStartingTogetherMakeOneAdmin) {
  TempDir dir;
  std::vector<std::unique_ptr<ClinicdProcess>> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(
        std::make_unique<ClinicdProcess>(dir.path() + "/clinic.db"));
  }
  std::vector<std::string> errors(replicas.size());
  std::vector<std::thread> starts;
  for (size_t i = 0; i < replicas.size(); ++i) {
    starts.emplace_back([&, i] {
      if (!replicas[i]->Start({}, &errors[i]) && errors[i].empty()) {
        errors[i] = "did not start";
      }
    });
  }
  for (std::thread& t : starts) t.join();
  for (const std::string& error : errors) ASSERT_EQ(error, "");

  v1::ListUsersResponse users;
  const grpc::Status s = v1::UserService::NewStub(replicas[2]->channel())
                             ->ListUsers(Ctx().get(), {}, &users);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(users.users_size(), 1);
  EXPECT_EQ(users.users(0).role(), v1::ADMIN);
}

}  // namespace
}  // namespace clinic::testing
