// A gRPC server interceptor that counts every call (clinic.v1, health,
// reflection) in Metrics: grpc_server_started_total,
// grpc_server_handled_total and grpc_server_handling_seconds.
#ifndef CLINIC_SERVICES_TELEMETRY_CALL_METRICS_H_
#define CLINIC_SERVICES_TELEMETRY_CALL_METRICS_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace clinic::telemetry {

// Add it after interceptors that rewrite a call's status, so that the code
// counted is the one sent.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallMetricsInterceptors();

}  // namespace clinic::telemetry

#endif  // CLINIC_SERVICES_TELEMETRY_CALL_METRICS_H_
