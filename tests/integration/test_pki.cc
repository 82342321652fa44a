#include "tests/integration/test_pki.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

extern char** environ;

namespace clinic::testing {
namespace {

constexpr char kCaExtensions[] =
    "basicConstraints=critical,CA:TRUE\n"
    "keyUsage=critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier=hash\n";
constexpr char kServerExtensions[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
constexpr char kClientExtensions[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=clientAuth\n";

}  // namespace

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(
    const std::string& ca_file, const std::string& cert_file,
    const std::string& key_file) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadText(ca_file);
  if (!cert_file.empty()) ssl.pem_cert_chain = ReadText(cert_file);
  if (!key_file.empty()) ssl.pem_private_key = ReadText(key_file);
  return grpc::SslCredentials(ssl);
}

bool TestPki::OpenSsl(const std::vector<std::string>& args,
                      std::string* log) const {
  const std::string log_file = Path("openssl.log");
  std::vector<std::string> text = {"openssl"};
  text.insert(text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  const bool ok = spawned == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    *log += "openssl";
    for (const std::string& a : args) *log += " " + a;
    *log += spawned != 0 ? "\ncannot run openssl (scripts/setup installs it)\n"
                         : "\n" + ReadText(log_file);
  }
  return ok;
}

bool TestPki::Issue(const std::string& name, const std::string& subject,
                    const std::string& ca, const std::string& extensions,
                    int serial, std::string* log) const {
  const std::string config = Path(name + ".cnf");
  std::ofstream(config) << "[req]\ndistinguished_name = dn\n[dn]\n[ext]\n"
                        << extensions;
  const std::vector<std::string> new_key = {"-newkey",
                                            "ec",
                                            "-pkeyopt",
                                            "ec_paramgen_curve:P-256",
                                            "-nodes",
                                            "-keyout",
                                            Path(name + ".key"),
                                            "-subj",
                                            "/CN=" + subject,
                                            "-config",
                                            config};
  std::vector<std::string> req = {"req", "-new"};
  req.insert(req.end(), new_key.begin(), new_key.end());
  if (ca.empty()) {
    req.insert(req.end(),
               {"-x509", "-days", "2", "-set_serial", std::to_string(serial),
                "-extensions", "ext", "-out", Path(name + ".pem")});
    return OpenSsl(req, log);
  }
  req.insert(req.end(), {"-out", Path(name + ".csr")});
  return OpenSsl(req, log) &&
         OpenSsl({"x509", "-req", "-in", Path(name + ".csr"), "-CA",
                  Path(ca + ".pem"), "-CAkey", Path(ca + ".key"), "-set_serial",
                  std::to_string(serial), "-days", "2", "-extfile", config,
                  "-extensions", "ext", "-out", Path(name + ".pem")},
                 log);
}

bool TestPki::Make(std::string* error) {
  std::string log;
  const bool ok =
      Issue("ca", "clinic test CA", "", kCaExtensions, 1, &log) &&
      Issue("server", "localhost", "ca", kServerExtensions, 2, &log) &&
      Issue("client", "front desk", "ca", kClientExtensions, 3, &log) &&
      Issue("other-ca", "some other CA", "", kCaExtensions, 4, &log) &&
      Issue("stranger", "front desk", "other-ca", kClientExtensions, 5, &log);
  if (error != nullptr) *error = log;
  return ok;
}

std::vector<std::string> TestPki::ServerFlags() const {
  return {"--tls_cert=" + server_cert(), "--tls_key=" + server_key()};
}

}  // namespace clinic::testing
