#include "services/telemetry/log.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::telemetry {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// Logs into a temporary file; Lines() reads what was written.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(file_, nullptr); }
  void TearDown() override {
    SetLogOptions(LogFormat::kLogfmt, LogLevel::kInfo);
    std::fclose(file_);
  }
  void Use(LogFormat format, LogLevel level = LogLevel::kInfo) {
    SetLogOptions(format, level, fileno(file_));
  }
  std::string Written() {
    std::string text;
    char buffer[4096];
    std::rewind(file_);
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) {
      text.append(buffer, n);
    }
    return text;
  }

  std::FILE* const file_ = std::tmpfile();
};

TEST_F(LogTest, LogfmtQuotesOnlyWhatNeedsIt) {
  Use(LogFormat::kLogfmt);
  Log(LogLevel::kInfo, "call")
      .Field("method", "clinic.v1.BookingService/ReserveSlot")
      .Field("error", "sqlite: no such table \"bookings\"\nnext")
      .Field("empty", "")
      .Field("n", int64_t{42})
      .Millis("latency", absl::Microseconds(1500));
  EXPECT_THAT(
      Written(),
      MatchesRegex(
          "time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z level=info "
          "msg=call method=clinic.v1.BookingService/ReserveSlot "
          "error=\"sqlite: no such table \\\\\"bookings\\\\\"\\\\nnext\" "
          "n=42 latency_ms=1.500\n"));
}

TEST_F(LogTest, JsonIsOneObjectALineWithControlCharactersEscaped) {
  Use(LogFormat::kJson);
  Log(LogLevel::kError, "redis unreachable").Field("why", "a\tb\x01");
  const std::string line = Written();
  EXPECT_THAT(line, MatchesRegex("\\{\"time\":\"[^\"]+\",\"level\":\"error\","
                                 "\"msg\":\"redis unreachable\","
                                 "\"why\":\"a\\\\tb\\\\u0001\"\\}\n"));
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  Use(LogFormat::kLogfmt, LogLevel::kWarning);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  Log(LogLevel::kInfo, "call");
  Log(LogLevel::kWarning, "slow");
  const std::string text = Written();
  EXPECT_THAT(text, HasSubstr("level=warning msg=slow"));
  EXPECT_THAT(text, Not(HasSubstr("msg=call")));
}

TEST(LogFlagTest, ParsesLevelsAndFormats) {
  LogLevel level = LogLevel::kInfo;
  std::string error;
  EXPECT_TRUE(AbslParseFlag("WARN", &level, &error));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_FALSE(AbslParseFlag("loud", &level, &error));
  EXPECT_THAT(error, HasSubstr("debug, info, warning or error"));
  LogFormat format = LogFormat::kLogfmt;
  EXPECT_TRUE(AbslParseFlag("json", &format, &error));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_EQ(AbslUnparseFlag(format), "json");
  EXPECT_FALSE(AbslParseFlag("xml", &format, &error));
}

}  // namespace
}  // namespace clinic::telemetry
