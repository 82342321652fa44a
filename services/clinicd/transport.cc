#include "services/clinicd/transport.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/resource_quota.h"
#include "services/api/status.h"
#include "services/core/status_macros.h"

namespace clinic {
namespace {

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

// OK when `listen` is HOST:PORT with a decimal port from 0 to 65535 (an
// IPv6 host in brackets, "[::1]:50051"). gRPC would take "127.0.0.1" alone
// as port 443, and a port it cannot parse as a name to resolve.
absl::Status CheckListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  const std::string usage =
      absl::StrCat("--listen: \"", listen,
                   "\" is not HOST:PORT; give a port, e.g. 127.0.0.1:50051 or "
                   "[::1]:50051 (port 0 picks a free one)");
  if (colon == std::string::npos) return absl::InvalidArgumentError(usage);
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  int number = 0;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(usage);
  }
  const bool bracketed =
      host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (!bracketed && host.find_first_of(":[]") != std::string::npos) {
    return absl::InvalidArgumentError(usage);
  }
  return absl::OkStatus();
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
      methods->ModifySendStatus(api::ToGrpcStatus(
          absl::InvalidArgumentError(absl::StrCat(
              "the request is not a valid ",
              method == nullptr ? "message" : method->input_type()->full_name(),
              " (is its text valid UTF-8?)")),
          name));
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

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerOptions& options) {
  CLINIC_RETURN_IF_ERROR(CheckListen(options.listen));
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

void SetTransportLimits(const ServerOptions& options,
                        grpc::ServerBuilder& builder) {
  auto ms = [](absl::Duration d) {
    return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d),
                                              std::numeric_limits<int>::max()));
  };
  builder.SetMaxReceiveMessageSize(
      std::min(options.max_request_bytes, options.max_message_bytes));
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  grpc::ResourceQuota quota("clinicd");
  quota.Resize(static_cast<size_t>(options.max_transport_bytes));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_streams_per_connection);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             ms(options.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ms(options.max_call_time));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             ms(absl::Minutes(5)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms(absl::Minutes(1)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             ms(absl::Seconds(20)));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
UnparsableRequestInterceptors() {
  return std::make_unique<UnparsableRequestInterceptorFactory>();
}

}  // namespace clinic
