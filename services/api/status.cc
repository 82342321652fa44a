#include "services/api/status.h"

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clinic/v1/bookings.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/api/convert.h"
#include "services/core/error_reason.h"
#include "services/telemetry/log.h"

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

// `text` itself when its encoded size is at most `max` (at least 3);
// otherwise its longest prefix ending on a UTF-8 character boundary that
// fits with "..." after it, and the "...".
std::string CutMessage(absl::string_view text, size_t max) {
  if (EncodedMessageSize(text) <= max) return std::string(text);
  constexpr absl::string_view kEllipsis = "...";
  size_t used = kEllipsis.size();
  size_t end = 0;
  while (end < text.size()) {
    size_t next = end + 1;  // past the lead byte and its continuation bytes
    while (next < text.size() &&
           (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) {
      ++next;
    }
    const size_t cost = EncodedMessageSize(text.substr(end, next - end));
    if (used + cost > max) break;
    used += cost;
    end = next;
  }
  return absl::StrCat(text.substr(0, end), kEllipsis);
}

// Room kept in a rejection's message for " (and N more)".
constexpr size_t kMoreBytes = 32;
// What a rejection's google.rpc.Status holds besides its message and the
// BookingRejection: the code, the ErrorInfo, the Any envelopes and the
// omitted counts, with room to spare.
constexpr size_t kEnvelopeBytes = 256;

// The violations' sentences within kRejectionMessageBytes, the first one
// always (cut to kMaxMessageBytes), and " (and N more)" for the rest.
std::string RejectionMessage(const core::Verdict& verdict) {
  const std::vector<core::Finding>& all = verdict.violations;
  std::string message;
  size_t listed = 0;
  for (; listed < all.size(); ++listed) {
    const bool more_after =
        listed + 1 < all.size() || verdict.omitted_violations > 0;
    const size_t reserve = more_after ? kMoreBytes : 0;
    if (listed == 0) {
      message = CutMessage(all[0].message, kMaxMessageBytes - kMoreBytes);
      continue;
    }
    if (EncodedMessageSize(message) + 1 +
            EncodedMessageSize(all[listed].message) + reserve >
        kRejectionMessageBytes) {
      break;
    }
    absl::StrAppend(&message, " ", all[listed].message);
  }
  const size_t left_out =
      all.size() - listed + static_cast<size_t>(verdict.omitted_violations);
  if (left_out > 0) absl::StrAppend(&message, " (and ", left_out, " more)");
  return message;
}

// Appends to `list` the items of `items` converted by ToProto, while
// `rejection` stays within `budget` bytes (always at least `keep` items);
// returns how many it appended.
template <typename List, typename Item>
size_t AddWithin(const std::vector<Item>& items, size_t keep, size_t budget,
                 const v1::BookingRejection& rejection, List* list) {
  size_t added = 0;
  for (const Item& item : items) {
    ToProto(item, list->Add());
    if (added >= keep && rejection.ByteSizeLong() > budget) {
      list->RemoveLast();
      break;
    }
    ++added;
  }
  return added;
}

}  // namespace

size_t EncodedMessageSize(absl::string_view text) {
  size_t size = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    size += byte < 0x20 || byte > 0x7E || byte == '%' ? 3 : 1;
  }
  return size;
}

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
  const std::string message = RejectionMessage(verdict);
  // The details repeat the message (google.rpc.Status.message).
  const size_t envelope = message.size() + kEnvelopeBytes;
  const size_t budget =
      kRejectionDetailsBytes > envelope ? kRejectionDetailsBytes - envelope : 0;
  v1::BookingRejection rejection;
  const size_t violations = AddWithin(verdict.violations, 1, budget, rejection,
                                      rejection.mutable_violations());
  // A list stops at its first item that does not fit: what is listed is a
  // prefix, in the engine's order.
  const size_t warnings =
      violations == verdict.violations.size()
          ? AddWithin(verdict.warnings, 0, budget, rejection,
                      rejection.mutable_warnings())
          : 0;
  if (warnings == verdict.warnings.size()) {
    AddWithin(suggestions, 0, budget, rejection,
              rejection.mutable_suggestions());
  }
  rejection.set_omitted_violations(
      verdict.omitted_violations +
      static_cast<int>(verdict.violations.size() - violations));
  rejection.set_omitted_warnings(
      verdict.omitted_warnings +
      static_cast<int>(verdict.warnings.size() - warnings));
  absl::Status status = core::WithReason(absl::FailedPreconditionError(message),
                                         {core::kReasonRuleViolated, {}});
  AddDetail(status, rejection);
  return status;
}

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method,
                          std::string* ref_out) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  google::rpc::ErrorInfo info;
  info.set_domain(kErrorDomain);
  if (Hidden(status.code())) {
    const std::string ref = NewRef();
    if (ref_out != nullptr) {
      *ref_out = ref;
    } else {
      telemetry::Log(telemetry::LogLevel::kError, "internal error")
          .Field("method", method)
          .Field("code", absl::StatusCodeToString(status.code()))
          .Field("ref", ref)
          .Field("error", status.message());
    }
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
  rich.set_message(CutMessage(status.message(), kMaxMessageBytes));
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
  // The ErrorInfo is first and stays.
  while (rich.details_size() > 1 && rich.ByteSizeLong() > kMaxDetailsBytes) {
    rich.mutable_details()->RemoveLast();
  }
  return grpc::Status(code, rich.message(), rich.SerializeAsString());
}

}  // namespace clinic::api
