#include "services/clinicd/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/api/convert.h"
#include "services/api/unary.h"
#include "services/athletes/athlete_service.h"
#include "services/auth/accounts.h"
#include "services/auth/token.h"
#include "services/bookings/booking_service.h"
#include "services/cache/memory/memory_cache.h"
#include "services/cache/redis/redis_cache.h"
#include "services/cache/tiered_cache.h"
#include "services/clinic/clinic.h"
#include "services/clinicd/demo.h"
#include "services/core/clock.h"
#include "services/core/status_macros.h"
#include "services/storage/sqlite/sqlite_store.h"
#include "services/therapists/therapist_service.h"
#include "services/users/user_service.h"

namespace clinic {
namespace {

// Free time of a therapist for one day is about 50 bytes: 100k entries
// cover 200 therapists for 16 months in a few MB.
constexpr size_t kMemoryCacheEntries = 100'000;

// Collects text-format parse errors as one readable message.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1,
                    " column ", column + 1, ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

absl::StatusOr<core::RuleTable> LoadRules(const std::string& path) {
  if (path.empty()) return core::RuleTable::Defaults();
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rules: cannot read \"", path, "\""));
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::RuleSet rules;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rules: ", path, ": ", errors.errors()));
  }
  absl::StatusOr<core::RuleTable> table =
      api::RulesFromProto(rules, core::RuleTable::Defaults());
  if (!table.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rules: ", path, ": ", table.status().message()));
  }
  return table;
}

absl::StatusOr<std::string> ReadFile(const std::string& flag,
                                     const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read \"", path, "\""));
  }
  return text.str();
}

// Whether `listen`'s host is a loopback address: "localhost", "[::1]" or
// an IPv4 address in 127.0.0.0/8 (not a name that merely starts "127.").
bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  in_addr v4;
  return host == "localhost" || host == "[::1]" ||
         (inet_pton(AF_INET, host.c_str(), &v4) == 1 &&
          (ntohl(v4.s_addr) >> 24) == 127);
}

// TLS when a certificate is given (mutual with a client CA), else
// plaintext, which only a loopback address or an explicit flag allows.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (options.tls_cert.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca needs --tls_cert and --tls_key");
    }
    if (!IsLoopback(options.listen) && !options.insecure_listen_any) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen: ", options.listen,
          " is not a loopback address; serve it with --tls_cert and "
          "--tls_key, or allow plaintext with --insecure_listen_any"));
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  CLINIC_ASSIGN_OR_RETURN(pair.cert_chain,
                          ReadFile("tls_cert", options.tls_cert));
  CLINIC_ASSIGN_OR_RETURN(pair.private_key,
                          ReadFile("tls_key", options.tls_key));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca.empty()) {
    CLINIC_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                            ReadFile("tls_client_ca", options.tls_client_ca));
  }
  return grpc::SslServerCredentials(ssl);
}

// Creates the first ADMIN on an empty store and says where its token is.
absl::Status BootstrapAdmin(auth::Accounts& accounts,
                            const ServerOptions& options) {
  if (!options.admin_token.empty()) {
    CLINIC_ASSIGN_OR_RETURN(std::optional<std::string> token,
                            accounts.EnsureFirstAdmin(options.admin_token));
    if (token.has_value()) {
      std::fprintf(stderr,
                   "clinicd: created the first ADMIN user with the token in "
                   "CLINIC_ADMIN_TOKEN\n");
    }
    return absl::OkStatus();
  }
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::User> users,
                          accounts.ListUsers({1, 0}));
  if (!users.empty()) return absl::OkStatus();
  // The token is on disk before its admin is in the store: one that cannot
  // be written must not leave an admin no one can ever use.
  CLINIC_ASSIGN_OR_RETURN(const std::string text, auth::NewTokenText());
  const std::string path = AdminTokenPath(options);
  const std::string draft = path + ".new";
  const int fd =
      open(draft.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const std::string line = text + "\n";
  const bool written = fd >= 0 && fchmod(fd, 0600) == 0 &&
                       write(fd, line.data(), line.size()) ==
                           static_cast<ssize_t>(line.size()) &&
                       fsync(fd) == 0;
  const int write_errno = errno;
  if (fd >= 0) close(fd);
  if (!written) {
    std::remove(draft.c_str());
    return absl::UnavailableError(
        absl::StrCat("cannot write the first admin token to ", draft, ": ",
                     std::strerror(write_errno)));
  }
  absl::StatusOr<std::optional<std::string>> token =
      accounts.EnsureFirstAdmin(text);
  if (!token.ok() || !token->has_value()) {  // or another clinicd was first
    std::remove(draft.c_str());
    return token.status();
  }
  if (std::rename(draft.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "created the first ADMIN user, but cannot move its token to ", path,
        " (", std::strerror(errno), "): it is in ", draft));
  }
  std::fprintf(stderr,
               "clinicd: created the first ADMIN user; its token is in %s "
               "(mode 0600)\n",
               path.c_str());
  return absl::OkStatus();
}

// A unary request gRPC cannot parse as its message (in practice proto3
// text that is not UTF-8) never reaches clinicd's handlers, and gRPC
// answers UNIMPLEMENTED with no message. Callers are told what is wrong
// with INVALID_ARGUMENT instead, as for any other bad text.
class UnparsableRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  explicit UnparsableRequestInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsable_ = true;
    }
    if (unparsable_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        !methods->GetSendStatus().ok()) {
      // "/clinic.v1.AthleteService/CreateAthlete": the request's type.
      std::string name = method_;
      if (!name.empty() && name[0] == '/') name.erase(0, 1);
      std::replace(name.begin(), name.end(), '/', '.');
      const google::protobuf::MethodDescriptor* method =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
              name);
      methods->ModifySendStatus(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat(
              "the request is not a valid ",
              method == nullptr ? "message" : method->input_type()->full_name(),
              " (is its text valid UTF-8?)")));
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool unparsable_ = false;
};

class UnparsableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) {
      return nullptr;
    }
    return new UnparsableRequestInterceptor(info);
  }
};

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string AdminTokenPath(const ServerOptions& options) {
  const std::filesystem::path db(options.db_path);
  return (db.has_parent_path() ? db.parent_path() / "admin.token"
                               : std::filesystem::path("admin.token"))
      .string();
}

absl::Status RunServer(const ServerOptions& options) {
  // Signals are taken by a dedicated thread; block them before any thread
  // starts (gRPC starts some early) so they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::TimeZone zone;
  if (!absl::LoadTimeZone(options.time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timezone: unknown time zone \"", options.time_zone,
                     "\" (an IANA name such as America/New_York)"));
  }
  CLINIC_ASSIGN_OR_RETURN(core::RuleTable rules, LoadRules(options.rules_path));
  CLINIC_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                          Credentials(options));

  const std::filesystem::path db(options.db_path);
  if (db.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db.parent_path(), ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("--db: cannot create folder ", db.parent_path().string(),
                       ": ", ec.message()));
    }
  }
  CLINIC_ASSIGN_OR_RETURN(std::unique_ptr<storage::SqliteStore> store,
                          storage::SqliteStore::Open(options.db_path));
  std::unique_ptr<cache::AvailabilityCache> cache;
  if (options.redis_url.empty()) {
    cache = std::make_unique<cache::MemoryCache>(kMemoryCacheEntries);
  } else {
    absl::StatusOr<std::unique_ptr<cache::RedisCache>> redis =
        cache::RedisCache::Create(options.redis_url);
    if (!redis.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--redis: ", redis.status().message()));
    }
    cache = *std::move(redis);
    if (options.near_cache) {
      cache = std::make_unique<cache::TieredCache>(
          std::make_unique<cache::MemoryCache>(kMemoryCacheEntries),
          std::move(cache), options.cache_ttl);
    }
  }
  core::RealClock clock;
  auth::Accounts accounts(store.get(), &clock);
  CLINIC_RETURN_IF_ERROR(BootstrapAdmin(accounts, options));
  Clinic clinic(store.get(), cache.get(), &clock, std::move(rules), zone,
                options.cache_ttl);
  TherapistService therapists(&clinic, &accounts);
  AthleteService athletes(&clinic, &accounts);
  BookingService bookings(&clinic, &accounts);
  UserService users(&accounts);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<UnparsableRequestInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  api::SetMaxCallTime(options.max_call_time);
  builder.RegisterService(&therapists);
  builder.RegisterService(&athletes);
  builder.RegisterService(&bookings);
  builder.RegisterService(&users);

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    if (options.tls_cert.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen: cannot serve on ", options.listen));
    }
    // gRPC reads the certificate and key only now.
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen, --tls_cert, --tls_key: cannot serve TLS on ", options.listen,
        ": the address is taken, or the files are not a PEM certificate "
        "chain and its private key"));
  }
  const std::string address = absl::StrCat(
      options.listen.substr(0, options.listen.rfind(':')), ":", port);
  std::string demo;
  if (options.demo) {
    CLINIC_ASSIGN_OR_RETURN(demo, SeedDemo(clinic, address));
  }
  if (!options.port_file.empty()) {
    CLINIC_RETURN_IF_ERROR(WritePortFile(options.port_file, port));
  }
  const std::string cache_name = options.redis_url.empty()
                                     ? "in-process cache"
                                     : "cache " + options.redis_url;
  std::printf(
      "clinicd: serving clinic.v1 on %s (SQLite %s, time zone %s, %s)\n",
      address.c_str(), options.db_path.c_str(), zone.name().c_str(),
      cache_name.c_str());
  if (!demo.empty()) {
    // clinicctl needs a token; the demo's user is the first ADMIN.
    const std::string token_file = AdminTokenPath(options);
    if (options.admin_token.empty() && std::filesystem::exists(token_file)) {
      std::printf(
          "first, give clinicctl the admin token:\n  export "
          "CLINIC_TOKEN=$(cat %s)\n",
          token_file.c_str());
    }
    std::printf("%s\n", demo.c_str());
  }
  std::printf("clinicd: Ctrl-C stops it.\n");
  std::fflush(stdout);

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "clinicd: signal %d, shutting down\n", sig);
    server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  });
  server->Wait();
  stopper.join();
  return absl::OkStatus();
}

}  // namespace clinic
