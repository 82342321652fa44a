#include "services/api/unary.h"

#include <algorithm>

namespace clinic::api {
namespace {

// Written once before serving, read by every call afterwards.
absl::Duration max_call_time = absl::Seconds(30);

}  // namespace

void SetMaxCallTime(absl::Duration max) { max_call_time = max; }

absl::Time CallDeadline(const grpc::ServerContextBase& ctx) {
  return std::min(absl::FromChrono(ctx.deadline()),
                  absl::Now() + max_call_time);
}

}  // namespace clinic::api
