// How clinicd meets the network: TLS or loopback-only plaintext, the bounds
// on what a connection may make it hold, and the answer to requests gRPC
// cannot decode.
#ifndef CLINIC_SERVICES_CLINICD_TRANSPORT_H_
#define CLINIC_SERVICES_CLINICD_TRANSPORT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/clinicd/server.h"

namespace clinic {

// TLS when options.tls_cert is given (mutual with tls_client_ca), else
// plaintext, which only a loopback --listen or insecure_listen_any allows.
// INVALID_ARGUMENT naming the flag otherwise, for an unreadable file, or
// for a --listen that is not HOST:PORT with a port from 0 to 65535 (an IPv6
// host in brackets).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerOptions& options);

// Bounds what any client, authenticated or not, can make gRPC hold: message
// sizes, concurrent calls per connection, the transport's memory (a
// grpc::ResourceQuota), connection age (so a call that never finishes
// arriving ends), idle connections, and keepalive to find dead peers.
void SetTransportLimits(const ServerOptions& options,
                        grpc::ServerBuilder& builder);

// Interceptors that answer a unary request gRPC could not parse (text that
// is not UTF-8) with INVALID_ARGUMENT naming its type, where gRPC alone
// says UNIMPLEMENTED with no message.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
UnparsableRequestInterceptors();

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_TRANSPORT_H_
