// The size budgets of error trailers: rejections keep to theirs and list a
// prefix of their findings, and any status is cut to the hard ceilings.
#include "services/api/status.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clinic/v1/bookings.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "services/core/availability.h"
#include "services/core/rules.h"

namespace clinic::api {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::StartsWith;

constexpr char kMethod[] = "clinic.v1.BookingService/ReserveSlot";
constexpr char kRunner[] = "\xF0\x9F\x8F\x83";  // four bytes of UTF-8

// True when `s` is whole UTF-8 sequences: no sequence cut short.
bool WholeUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    if (length == 0 || i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

core::Finding Violation(const std::string& message) {
  core::Finding f;
  f.rule_id = core::kRuleOverlapsEvent;
  f.message = message;
  f.event_id = 7;
  f.event_name = "Broad Street Run";
  f.event_start = absl::FromUnixSeconds(1796000000);
  f.event_end = f.event_start + absl::Hours(3);
  return f;
}

// A sentence as long as the engine writes with a 100-emoji name.
std::string LongSentence(int n) {
  std::string name;
  for (int i = 0; i < 100; ++i) name += kRunner;
  return absl::StrCat("Sentence ", n, " overlaps race \"", name,
                      "\" (Sun 6 Dec 2026 07:00 EST); no session can take "
                      "place during a race.");
}

v1::BookingRejection RejectionIn(const grpc::Status& status) {
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(status.error_details()));
  v1::BookingRejection rejection;
  bool found = false;
  for (const auto& any : rich.details()) found |= any.UnpackTo(&rejection);
  EXPECT_TRUE(found) << rich.DebugString();
  return rejection;
}

TEST(StatusTest, EncodedMessageSizeCountsWhatGrpcMessageSends) {
  EXPECT_EQ(EncodedMessageSize("plain text."), 11u);
  EXPECT_EQ(EncodedMessageSize("100%"), 6u);
  EXPECT_EQ(EncodedMessageSize("a\nb"), 5u);
  EXPECT_EQ(EncodedMessageSize(kRunner), 12u);
}

TEST(StatusTest, RejectionMessageJoinsWhatFitsAndCountsTheRest) {
  core::Verdict verdict;
  for (int i = 0; i < 30; ++i) {
    verdict.violations.push_back(Violation(
        absl::StrCat("Sentence ", i,
                     " is a plain sentence of about eighty bytes, as the "
                     "rules engine writes.")));
  }
  verdict.omitted_violations = 4;
  const absl::Status status = RejectionStatus(verdict);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(status.message());
  EXPECT_THAT(EncodedMessageSize(message), Le(kRejectionMessageBytes));
  EXPECT_THAT(message, StartsWith(verdict.violations[0].message));
  int listed = 0;
  while (listed < 30 &&
         absl::StrContains(message, verdict.violations[listed].message)) {
    ++listed;
  }
  EXPECT_GT(listed, 5);
  EXPECT_LT(listed, 30);
  EXPECT_THAT(message, EndsWith(absl::StrCat(" (and ", 34 - listed, " more)")));

  // All of them when they fit, with nothing after.
  verdict.violations.resize(3);
  verdict.omitted_violations = 0;
  EXPECT_EQ(RejectionStatus(verdict).message(),
            absl::StrCat(verdict.violations[0].message, " ",
                         verdict.violations[1].message, " ",
                         verdict.violations[2].message));
}

TEST(StatusTest, TheFirstSentenceIsAlwaysThereAndCutOnlyPastTheCeiling) {
  core::Verdict verdict;
  verdict.violations = {Violation(LongSentence(1)), Violation(LongSentence(2))};
  std::string message(RejectionStatus(verdict).message());
  // Longer than the budget on its own (1.2 KB of emoji), so alone.
  EXPECT_EQ(message, absl::StrCat(LongSentence(1), " (and 1 more)"));

  std::string huge;
  for (int i = 0; i < 1000; ++i) huge += kRunner;
  verdict.violations[0].message = huge;
  message = std::string(RejectionStatus(verdict).message());
  EXPECT_THAT(message, EndsWith("... (and 1 more)"));
  EXPECT_THAT(message, StartsWith(std::string(kRunner) + kRunner));
  EXPECT_THAT(EncodedMessageSize(message), Le(kMaxMessageBytes));
  EXPECT_TRUE(WholeUtf8(message));
}

TEST(StatusTest, RejectionDetailsListAPrefixWithinTheBudget) {
  core::Verdict verdict;
  for (int i = 0; i < 20; ++i) {
    verdict.violations.push_back(Violation(LongSentence(i)));
  }
  verdict.warnings = {Violation("a warning")};
  verdict.omitted_violations = 2;
  std::vector<core::Slot> suggestions(3);
  const grpc::Status status =
      ToGrpcStatus(RejectionStatus(verdict, suggestions), kMethod);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_details().size(), Le(kRejectionDetailsBytes));
  const v1::BookingRejection rejection = RejectionIn(status);
  ASSERT_GE(rejection.violations_size(), 1);
  EXPECT_LT(rejection.violations_size(), 20);
  for (int i = 0; i < rejection.violations_size(); ++i) {
    EXPECT_EQ(rejection.violations(i).message(), LongSentence(i));
  }
  EXPECT_EQ(rejection.omitted_violations(), 22 - rejection.violations_size());
  // Warnings and suggestions come after every violation, so none fit.
  EXPECT_EQ(rejection.warnings_size(), 0);
  EXPECT_EQ(rejection.omitted_warnings(), 1);
  EXPECT_EQ(rejection.suggestions_size(), 0);

  // When everything fits, everything is there and nothing is omitted.
  verdict.violations.resize(1);
  verdict.omitted_violations = 0;
  const v1::BookingRejection all =
      RejectionIn(ToGrpcStatus(RejectionStatus(verdict, suggestions), kMethod));
  EXPECT_EQ(all.violations_size(), 1);
  EXPECT_EQ(all.warnings_size(), 1);
  EXPECT_EQ(all.suggestions_size(), 3);
  EXPECT_EQ(all.omitted_violations(), 0);
  EXPECT_EQ(all.omitted_warnings(), 0);
}

TEST(StatusTest, AnyStatusIsCutToTheCeilings) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xC3\xA9";  // two bytes each
  absl::Status big = InvalidField("note", text);
  const grpc::Status status = ToGrpcStatus(big, kMethod);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(EncodedMessageSize(status.error_message()), Le(kMaxMessageBytes));
  EXPECT_THAT(status.error_message(), StartsWith("note: \xC3\xA9"));
  EXPECT_THAT(status.error_message(), EndsWith("..."));
  EXPECT_TRUE(WholeUtf8(status.error_message()));
  // The BadRequest repeats the 6 KB description: it goes, the ErrorInfo
  // stays.
  EXPECT_THAT(status.error_details().size(), Le(kMaxDetailsBytes));
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  EXPECT_EQ(rich.message(), status.error_message());
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");

  // A small one keeps everything.
  const grpc::Status small =
      ToGrpcStatus(InvalidField("note", "is too long"), kMethod);
  EXPECT_EQ(small.error_message(), "note: is too long");
  ASSERT_TRUE(rich.ParseFromString(small.error_details()));
  EXPECT_EQ(rich.details_size(), 2);
  EXPECT_THAT(rich.DebugString(), HasSubstr("BadRequest"));
}

}  // namespace
}  // namespace clinic::api
