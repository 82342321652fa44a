#include "services/api/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/bookings.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/api/convert.h"

namespace clinic::api {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com/";

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
  absl::Status status = absl::FailedPreconditionError(message);
  google::rpc::ErrorInfo info;
  info.set_reason(kReasonRuleViolated);
  info.set_domain(kErrorDomain);
  AddDetail(status, info);
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

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  google::rpc::Status rich;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& value) {
        auto* any = rich.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(value));
      });
  if (rich.details_size() == 0) return grpc::Status(code, message);
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  return grpc::Status(code, message, rich.SerializeAsString());
}

}  // namespace clinic::api
