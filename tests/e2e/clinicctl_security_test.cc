// clinicctl over TLS and mutual TLS (--tls-ca, --tls-cert, --tls-key and
// their CLINIC_TLS_* variables) against a real clinicd serving certificates
// made by openssl, and hostile text through clinicctl stored exactly.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"
#include "tests/integration/test_pki.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kRulesStart[] = "Clinic time zone:  America/New_York\n";

class ClinicctlTlsTest : public ClinicctlTest {
 public:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(pki_.Make(&error)) << error;
    ClinicctlTest::SetUp();
  }
  std::vector<std::string> ExtraFlags() override { return pki_.ServerFlags(); }

  TestPki pki_;
};

TEST_F(ClinicctlTlsTest, TalksTlsTrustingTheCaItIsGiven) {
  CliResult r = Run({"--tls-ca", pki_.ca_cert(), "rules"});
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, StartsWith(kRulesStart));

  r = Run({"rules"}, {{"CLINIC_TLS_CA", pki_.ca_cert()}});
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, StartsWith(kRulesStart));

  // More than reads: an athlete made over TLS is there.
  const std::string id = Create(
      {"athlete", "add", "--name", "Jane Runner", "--tls-ca", pki_.ca_cert()});
  r = Run({"athlete", "show", id, "--json"},
          {{"CLINIC_TLS_CA", pki_.ca_cert()}});
  ASSERT_EQ(r.exit_code, kOk) << r;
  v1::Athlete athlete;
  ASSERT_TRUE(ParseJson(r.out, &athlete));
  EXPECT_EQ(athlete.display_name(), "Jane Runner");
}

TEST_F(ClinicctlTlsTest, PlaintextOrAnotherCaCannotReachIt) {
  CliResult r = Run({"rules", "--timeout", "5"});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("clinicctl: cannot reach clinicd at " +
                                server_.address()));
  EXPECT_THAT(r.err, HasSubstr("--tls-ca if it serves TLS"));

  r = Run({"rules", "--timeout", "5", "--tls-ca", pki_.other_ca_cert()});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("check that --tls-ca signed its certificate"));
}

TEST_F(ClinicctlTlsTest, UnreadableTlsFilesAreUsageErrors) {
  const std::string missing = pki_.dir() + "/missing.pem";
  CliResult r = Run({"rules", "--tls-ca", missing});
  EXPECT_EQ(r.exit_code, kUsage) << r;
  EXPECT_THAT(r.err, StartsWith("clinicctl: --tls-ca: cannot read \"" +
                                missing + "\": No such file or directory\n"));
  EXPECT_THAT(r.err, HasSubstr("Usage: clinicctl rules"));

  r = Run({"rules"}, {{"CLINIC_TLS_CA", pki_.ca_cert()},
                      {"CLINIC_TLS_CERT", pki_.client_cert()}});
  EXPECT_EQ(r.exit_code, kUsage) << r;
  EXPECT_THAT(r.err, HasSubstr("--tls-cert ($CLINIC_TLS_CERT) needs "
                               "--tls-key"));
}

class ClinicctlMutualTlsTest : public ClinicctlTlsTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    std::vector<std::string> flags = pki_.ServerFlags();
    flags.push_back("--tls_client_ca=" + pki_.ca_cert());
    return flags;
  }
};

TEST_F(ClinicctlMutualTlsTest, PresentsTheClientCertificate) {
  CliResult r = Run({"rules", "--timeout", "5", "--tls-ca", pki_.ca_cert()});
  EXPECT_EQ(r.exit_code, kFailure) << r;
  EXPECT_THAT(r.err, HasSubstr("cannot reach clinicd"));

  r = Run({"rules", "--timeout", "5", "--tls-ca", pki_.ca_cert(), "--tls-cert",
           pki_.stranger_cert(), "--tls-key", pki_.stranger_key()});
  EXPECT_EQ(r.exit_code, kFailure) << r;

  r = Run({"rules", "--tls-ca", pki_.ca_cert(), "--tls-cert",
           pki_.client_cert(), "--tls-key", pki_.client_key()});
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, StartsWith(kRulesStart));

  r = Run({"rules"}, {{"CLINIC_TLS_CA", pki_.ca_cert()},
                      {"CLINIC_TLS_CERT", pki_.client_cert()},
                      {"CLINIC_TLS_KEY", pki_.client_key()}});
  EXPECT_EQ(r.exit_code, kOk) << r;
  EXPECT_THAT(r.out, StartsWith(kRulesStart));
}

TEST_F(ClinicctlTest, HostileNamesAreStoredExactly) {
  const std::vector<std::string> names = {
      "Robert'); DROP TABLE athletes;--",
      "O'Brien \"The Bull\" \\ %s",
      "Zo\u00eb \U0001F3C3\u200D\u2640\uFE0F \u200F\u0633\u0627\u0631\u0629",
  };
  std::vector<std::string> ids;
  for (const std::string& name : names) ids.push_back(AddAthlete(name));

  const CliResult r = Run({"athlete", "list", "--json"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  v1::ListAthletesResponse list;
  ASSERT_TRUE(ParseJson(r.out, &list));
  ASSERT_THAT(list.athletes(), SizeIs(names.size()));
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(list.athletes(i).id(), ids[i]);
    EXPECT_EQ(list.athletes(i).display_name(), names[i]);
  }
  const CliResult table = Run({"athlete", "list"});
  ASSERT_EQ(table.exit_code, kOk) << table;
  EXPECT_THAT(table.out, HasSubstr("Robert'); DROP TABLE athletes;--"));

  // A name clinicd refuses is refused by name; nothing is added.
  const CliResult bad = Run({"athlete", "add", "--name", "\x1b[31mred"});
  EXPECT_EQ(bad.exit_code, kFailure) << bad;
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(bad.err, HasSubstr("athlete.display_name"));
  const CliResult after = Run({"athlete", "list", "--json"});
  EXPECT_EQ(after.out, r.out);
}

}  // namespace
}  // namespace clinic::testing
