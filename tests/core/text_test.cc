#include "services/core/text.h"

#include "gtest/gtest.h"

namespace clinic::core {
namespace {

TEST(CodePointsTest, CountsCodePointsOfValidUtf8) {
  EXPECT_EQ(CodePoints("", false), 0);
  EXPECT_EQ(CodePoints("Maya", false), 4);
  EXPECT_EQ(CodePoints("Zo\xc3\xab", false), 3);            // ë
  EXPECT_EQ(CodePoints("\xe2\x80\x8f\xd8\xb3", false), 2);  // RLM, seen
  EXPECT_EQ(CodePoints("\xf0\x9f\x8f\x83", false), 1);      // a runner
}

TEST(CodePointsTest, RejectsMalformedUtf8) {
  for (const char* bad : {
           "\xff",              // never a lead byte
           "\xc3",              // cut short
           "\xc3\x28",          // bad continuation
           "\xc0\xaf",          // overlong '/'
           "\xe0\x80\xaf",      // overlong, three bytes
           "\xed\xa0\x80",      // a surrogate
           "\xf4\x90\x80\x80",  // past U+10FFFF
       }) {
    EXPECT_EQ(CodePoints(bad, true), std::nullopt) << bad;
  }
}

TEST(CodePointsTest, ControlCharactersOnlyWhenAllowed) {
  for (absl::string_view control :
       {absl::string_view("a\0b", 3), absl::string_view("\t"),
        absl::string_view("\x1b[31m"), absl::string_view("\x7f"),
        absl::string_view("\xc2\x85")}) {
    EXPECT_EQ(CodePoints(control, false), std::nullopt);
    EXPECT_NE(CodePoints(control, true), std::nullopt);
  }
}

}  // namespace
}  // namespace clinic::core
