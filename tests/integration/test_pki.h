// A throwaway PKI for TLS tests, made with the openssl command in a fresh
// temporary folder: a CA, a server certificate for 127.0.0.1 and localhost
// and a client certificate it signed, and another CA that signed nothing
// here. EC P-256 keys, valid for two days.
#ifndef CLINIC_TESTS_INTEGRATION_TEST_PKI_H_
#define CLINIC_TESTS_INTEGRATION_TEST_PKI_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "tests/integration/clinicd_process.h"

namespace clinic::testing {

class TestPki {
 public:
  // Runs openssl; false with what it printed in *error when that fails.
  bool Make(std::string* error);

  // The PEM files.
  std::string ca_cert() const { return Path("ca.pem"); }
  std::string server_cert() const { return Path("server.pem"); }
  std::string server_key() const { return Path("server.key"); }
  std::string client_cert() const { return Path("client.pem"); }
  std::string client_key() const { return Path("client.key"); }
  std::string other_ca_cert() const { return Path("other-ca.pem"); }
  // A client certificate the other CA signed.
  std::string stranger_cert() const { return Path("stranger.pem"); }
  std::string stranger_key() const { return Path("stranger.key"); }

  // clinicd's flags to serve TLS with the server certificate.
  std::vector<std::string> ServerFlags() const;

  const std::string& dir() const { return dir_.path(); }

 private:
  std::string Path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }
  // Runs openssl with `args` in dir(), appending its output to *log.
  bool OpenSsl(const std::vector<std::string>& args, std::string* log) const;
  // A key and a certificate `name`.pem signed by `ca` (a self-signed CA
  // when `ca` is empty) with the given X.509v3 extensions.
  bool Issue(const std::string& name, const std::string& subject,
             const std::string& ca, const std::string& extensions, int serial,
             std::string* log) const;

  TempDir dir_;
};

// The text of a file; "" when it cannot be read.
std::string ReadText(const std::string& path);

// TLS credentials trusting `ca_file`, presenting the certificate and key
// when given.
std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(
    const std::string& ca_file, const std::string& cert_file = "",
    const std::string& key_file = "");

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_TEST_PKI_H_
