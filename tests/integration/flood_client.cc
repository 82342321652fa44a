// A greedy client, run by limits_test in its own process so that its load
// does not slow the test's own measurements: keeps IN_FLIGHT month-wide
// ListAvailableSlots calls open on one connection for SECONDS, sending a
// new one as each ends, and prints what it got on one line:
// "served=N refused=N retry_info=N other=N".
//
// Usage: flood_client ADDRESS TOKEN FROM_UNIX_SECONDS SECONDS IN_FLIGHT
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: flood_client ADDRESS TOKEN FROM SECONDS IN_FLIGHT\n");
    return 2;
  }
  const std::string token = argv[2];
  const absl::Time from = absl::FromUnixSeconds(std::atoll(argv[3]));
  const absl::Duration length = absl::Seconds(std::atoi(argv[4]));
  const int in_flight_target = std::atoi(argv[5]);
  auto stub = clinic::v1::BookingService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  clinic::v1::ListAvailableSlotsRequest req;
  req.set_modality(clinic::v1::SPORTS);
  req.mutable_start_time()->set_seconds(absl::ToUnixSeconds(from));
  req.mutable_end_time()->set_seconds(
      absl::ToUnixSeconds(from + absl::Hours(31 * 24)));
  req.set_page_size(1000);

  struct Call {
    grpc::ClientContext ctx;
    clinic::v1::ListAvailableSlotsResponse response;
    grpc::Status status;
  };
  grpc::CompletionQueue cq;
  auto send = [&] {
    auto* call = new Call;
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
    call->ctx.AddMetadata("authorization", "Bearer " + token);
    stub->AsyncListAvailableSlots(&call->ctx, req, &cq)
        ->Finish(&call->response, &call->status, call);
  };
  const absl::Time end = absl::Now() + length;
  for (int i = 0; i < in_flight_target; ++i) send();
  int in_flight = in_flight_target, served = 0, refused = 0, retry_info = 0,
      other = 0;
  while (in_flight > 0) {
    void* tag = nullptr;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) break;
    std::unique_ptr<Call> call(static_cast<Call*>(tag));
    --in_flight;
    if (absl::Now() < end) {
      send();
      ++in_flight;
    }
    if (call->status.ok()) {
      ++served;
    } else if (call->status.error_code() ==
               grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      google::rpc::Status rich;
      google::rpc::RetryInfo retry;
      rich.ParseFromString(call->status.error_details());
      for (const auto& any : rich.details()) {
        retry_info += any.UnpackTo(&retry) && retry.retry_delay().seconds() > 0;
      }
    } else {
      ++other;
    }
  }
  std::printf("served=%d refused=%d retry_info=%d other=%d\n", served, refused,
              retry_info, other);
  return 0;
}
