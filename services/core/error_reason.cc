#include "services/core/error_reason.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_split.h"

namespace clinic::core {

// The payload is the reason, then "\nkey=value" for each pair; keys hold no
// '=' and values no newline.
absl::Status WithReason(absl::Status status, ErrorReason reason) {
  if (status.ok()) return status;
  std::string text = std::move(reason.reason);
  for (const auto& [key, value] : reason.metadata) {
    text.append("\n").append(key).append("=").append(value);
  }
  status.SetPayload(kReasonPayload, absl::Cord(text));
  return status;
}

std::optional<ErrorReason> ReasonOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kReasonPayload);  // absl::optional
  if (!payload.has_value()) return std::nullopt;
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(*payload), '\n');
  ErrorReason out{lines.front(), {}};
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(lines[i], absl::MaxSplits('=', 1));
    out.metadata.push_back(std::move(kv));
  }
  return out;
}

}  // namespace clinic::core
