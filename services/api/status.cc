#include "services/api/status.h"

#include <cstdio>
#include <optional>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clinic/v1/bookings.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/api/convert.h"
#include "services/core/error_reason.h"

namespace clinic::api {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com/";

// Codes whose messages come from below the API and may hold internals.
bool Hidden(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnavailable;
}

// 64 random bits in hex: enough to find one line in a server's log.
std::string NewRef() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

}  // namespace

void AddDetail(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(absl::StrCat(kTypeUrlPrefix, detail.GetTypeName()),
                    absl::Cord(detail.SerializeAsString()));
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", description));
  google::rpc::BadRequest bad;
  auto* violation = bad.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  AddDetail(status, bad);
  return status;
}

absl::Status RejectionStatus(const core::Verdict& verdict,
                             const std::vector<core::Slot>& suggestions) {
  std::string message;
  for (const core::Finding& f : verdict.violations) {
    absl::StrAppend(&message, message.empty() ? "" : " ", f.message);
  }
  absl::Status status = core::WithReason(absl::FailedPreconditionError(message),
                                         {core::kReasonRuleViolated, {}});
  v1::BookingRejection rejection;
  for (const core::Finding& f : verdict.violations) {
    ToProto(f, rejection.add_violations());
  }
  for (const core::Finding& f : verdict.warnings) {
    ToProto(f, rejection.add_warnings());
  }
  for (const core::Slot& s : suggestions) {
    ToProto(s, rejection.add_suggestions());
  }
  AddDetail(status, rejection);
  return status;
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view method) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  google::rpc::ErrorInfo info;
  info.set_domain(kErrorDomain);
  if (Hidden(status.code())) {
    const std::string ref = NewRef();
    std::fprintf(stderr, "clinicd: %s %s (ref %s): %s\n",
                 std::string(method).c_str(),
                 absl::StatusCodeToString(status.code()).c_str(), ref.c_str(),
                 std::string(status.message()).c_str());
    const bool retry = status.code() == absl::StatusCode::kUnavailable;
    rich.set_message(absl::StrCat(
        retry ? "the service is briefly unavailable; retry the call"
              : "internal error",
        " (ref ", ref, ")"));
    info.set_reason(retry ? "UNAVAILABLE" : "INTERNAL");
    (*info.mutable_metadata())["ref"] = ref;
    rich.add_details()->PackFrom(info);
    return grpc::Status(code, rich.message(), rich.SerializeAsString());
  }
  rich.set_message(std::string(status.message()));
  const std::optional<core::ErrorReason> reason = core::ReasonOf(status);
  info.set_reason(reason ? reason->reason
                         : absl::StatusCodeToString(status.code()));
  google::rpc::ResourceInfo resource;
  if (reason) {
    for (const auto& [key, value] : reason->metadata) {
      (*info.mutable_metadata())[key] = value;
      if (key == "resource_type") resource.set_resource_type(value);
      if (key == "resource_name") resource.set_resource_name(value);
    }
  }
  rich.add_details()->PackFrom(info);
  if (!resource.resource_name().empty()) {
    resource.set_description(rich.message());
    rich.add_details()->PackFrom(resource);
  }
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& value) {
        if (type_url == core::kReasonPayload) return;
        auto* any = rich.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(value));
      });
  return grpc::Status(code, rich.message(), rich.SerializeAsString());
}

}  // namespace clinic::api
