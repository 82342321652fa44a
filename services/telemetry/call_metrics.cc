#include "services/telemetry/call_metrics.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "services/telemetry/metrics.h"

namespace clinic::telemetry {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

class CallMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CallMetricsInterceptor(ServerRpcInfo* info)
      : method_(info->method()), type_(TypeName(info->type())) {
    Metrics::Get().CallStarted(method_, type_);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // gRPC's codes are absl's, number for number.
      const auto code =
          static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      Metrics::Get().CallHandled(method_, type_, absl::StatusCodeToString(code),
                                 absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const char* const type_;
  const absl::Time start_ = absl::Now();
};

class CallMetricsFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    return new CallMetricsInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallMetricsInterceptors() {
  return std::make_unique<CallMetricsFactory>();
}

}  // namespace clinic::telemetry
