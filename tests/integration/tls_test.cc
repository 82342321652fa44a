// clinicd over TLS and mutual TLS with certificates made by openssl, and
// where it agrees to listen: plaintext only on loopback unless told, TLS
// anywhere.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_process.h"
#include "tests/integration/test_pki.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;

// GetRules with the admin token over `channel`; the clinic's zone in *zone.
grpc::Status GetRules(const std::shared_ptr<grpc::Channel>& channel,
                      std::string* zone = nullptr) {
  auto stub = v1::BookingService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  Authorize(ctx);
  v1::RuleSet rules;
  const grpc::Status status = stub->GetRules(&ctx, {}, &rules);
  if (zone != nullptr) *zone = rules.time_zone();
  return status;
}

std::shared_ptr<grpc::Channel> TlsChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const std::string& name_override = "") {
  grpc::ChannelArguments args;
  if (!name_override.empty()) args.SetSslTargetNameOverride(name_override);
  return grpc::CreateCustomChannel(target, credentials, args);
}

// The same port on 127.0.0.2: only a server bound to a wildcard address
// answers there.
std::string OtherLoopback(const ClinicdProcess& server) {
  const std::string address = server.address();
  return "127.0.0.2" + address.substr(address.rfind(':'));
}

class TlsTest : public ::testing::Test {
 public:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(pki_.Make(&error)) << error;
  }

  // Starts server_ with the PKI's server certificate and `flags`.
  void StartServer(std::vector<std::string> flags = {}) {
    std::vector<std::string> all = pki_.ServerFlags();
    all.insert(all.end(), flags.begin(), flags.end());
    std::string error;
    ASSERT_TRUE(server_.Start(all, &error)) << error;
  }

  TestPki pki_;
  TempDir dir_;
  ClinicdProcess server_{dir_.path() + "/clinic.db"};
};

TEST_F(TlsTest, ClientsTrustingTheCaGetInOthersDoNot) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto trusting = TlsCredentials(pki_.ca_cert());

  // Plaintext: the server speaks only TLS.
  grpc::Status s = GetRules(server_.channel());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // A CA that did not sign the server's certificate.
  s = GetRules(
      TlsChannel(server_.address(), TlsCredentials(pki_.other_ca_cert())));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // The right CA, but a name the certificate is not for.
  s = GetRules(TlsChannel(server_.address(), trusting, "clinicd.example.com"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  // The right CA, by IP address and by name, with no override.
  std::string zone;
  s = GetRules(TlsChannel(server_.address(), trusting), &zone);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(zone, "America/New_York");
  const std::string port =
      server_.address().substr(server_.address().rfind(':'));
  s = GetRules(TlsChannel("localhost" + port, trusting));
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Without --tls_client_ca a client certificate is neither needed nor
  // harmful.
  s = GetRules(TlsChannel(
      server_.address(),
      TlsCredentials(pki_.ca_cert(), pki_.client_cert(), pki_.client_key())));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, TlsStillNeedsTheBearerToken) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto stub = v1::BookingService::NewStub(
      TlsChannel(server_.address(), TlsCredentials(pki_.ca_cert())));
  grpc::ClientContext ctx;
  v1::RuleSet rules;
  const grpc::Status s = stub->GetRules(&ctx, {}, &rules);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << s.error_message();
}

TEST_F(TlsTest, MutualTlsNeedsACertificateTheClientCaSigned) {
  // Dashes as well as underscores name the flags.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-client-ca=" + pki_.ca_cert()}));

  grpc::Status s =
      GetRules(TlsChannel(server_.address(), TlsCredentials(pki_.ca_cert())));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  s = GetRules(TlsChannel(server_.address(),
                          TlsCredentials(pki_.ca_cert(), pki_.stranger_cert(),
                                         pki_.stranger_key())));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  s = GetRules(server_.channel());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  s = GetRules(TlsChannel(
      server_.address(),
      TlsCredentials(pki_.ca_cert(), pki_.client_cert(), pki_.client_key())));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, ServesTlsOnAWildcardAddress) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--listen=0.0.0.0:0"}));
  const auto trusting = TlsCredentials(pki_.ca_cert());
  grpc::Status s = GetRules(TlsChannel(server_.address(), trusting));
  EXPECT_TRUE(s.ok()) << s.error_message();
  // 127.0.0.2 is not in the certificate; its name is.
  s = GetRules(TlsChannel(OtherLoopback(server_), trusting, "localhost"));
  EXPECT_TRUE(s.ok()) << s.error_message();
  s = GetRules(grpc::CreateChannel(OtherLoopback(server_),
                                   grpc::InsecureChannelCredentials()));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsTest, BadTlsFlagsStopClinicdNamingTheFlag) {
  const std::string db = "--db=" + dir_.path() + "/flags.db";
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--tls_cert=" + pki_.server_cert()},
            "--tls_cert and --tls_key go together"},
           {{"--tls-cert=" + pki_.server_cert()},
            "--tls_cert and --tls_key go together"},
           {{"--tls_key=" + pki_.server_key()},
            "--tls_cert and --tls_key go together"},
           {{"--tls_client_ca=" + pki_.ca_cert()},
            "--tls_client_ca needs --tls_cert and --tls_key"},
           {{"--tls_cert=" + pki_.dir() + "/missing.pem",
             "--tls_key=" + pki_.server_key()},
            "--tls_cert: cannot read"},
           {{"--tls_cert=" + pki_.server_cert(),
             "--tls_key=" + pki_.dir() + "/missing.key"},
            "--tls_key: cannot read"},
           {{"--tls_cert=" + pki_.server_cert(),
             "--tls_key=" + pki_.server_key(),
             "--tls_client_ca=" + pki_.dir() + "/missing-ca.pem"},
            "--tls_client_ca: cannot read"},
       }) {
    std::vector<std::string> flags = {db, "--listen=127.0.0.1:0"};
    flags.insert(flags.end(), c.flags.begin(), c.flags.end());
    SCOPED_TRACE(c.message);
    std::string err;
    EXPECT_EQ(RunClinicdToExit(flags, &err), 2) << err;
    EXPECT_THAT(err, HasSubstr(c.message));
  }
}

TEST_F(TlsTest, AKeyThatIsNotTheCertificatesStopsClinicd) {
  std::string err;
  const int code = RunClinicdToExit(
      {"--db=" + dir_.path() + "/c.db", "--listen=127.0.0.1:0",
       "--tls_cert=" + pki_.server_cert(), "--tls_key=" + pki_.client_key()},
      &err);
  EXPECT_EQ(code, 2) << err;
  EXPECT_THAT(err, HasSubstr("--tls_key"));
}

TEST(ListenTest, PlaintextOnAWildcardAddressNeedsInsecureListenAny) {
  TempDir dir;
  for (const std::string listen : {"0.0.0.0:0", "[::]:0"}) {
    std::string err;
    EXPECT_EQ(RunClinicdToExit(
                  {"--db=" + dir.path() + "/c.db", "--listen=" + listen}, &err),
              2)
        << err;
    EXPECT_THAT(err, HasSubstr("--insecure_listen_any"));
    EXPECT_THAT(err, HasSubstr(listen));
  }

  ClinicdProcess server(dir.path() + "/c.db");
  std::string error;
  ASSERT_TRUE(
      server.Start({"--listen=0.0.0.0:0", "--insecure_listen_any"}, &error))
      << error;
  grpc::Status s = GetRules(server.channel());
  EXPECT_TRUE(s.ok()) << s.error_message();
  s = GetRules(grpc::CreateChannel(OtherLoopback(server),
                                   grpc::InsecureChannelCredentials()));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST(ListenTest, PlaintextOnLoopbackIsBoundToIt) {
  TempDir dir;
  ClinicdProcess server(dir.path() + "/c.db");
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  EXPECT_TRUE(GetRules(server.channel()).ok());
  const grpc::Status s = GetRules(grpc::CreateChannel(
      OtherLoopback(server), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

}  // namespace
}  // namespace clinic::testing
