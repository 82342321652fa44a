// A small StatusIs matcher for absl::Status and absl::StatusOr (Debian's
// Abseil ships none) and for grpc::Status.
#ifndef CLINIC_TESTS_TESTING_STATUS_MATCHERS_H_
#define CLINIC_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace clinic::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_STATUS_MATCHERS_H_
