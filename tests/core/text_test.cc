#include "services/core/text.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
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

TEST(IsBlankTest, WhiteSpaceAndInvisibleCharactersAloneAreBlank) {
  for (absl::string_view blank : {
           "",
           " ",
           "   ",
           "\xc2\xa0",                  // U+00A0 no-break space
           "\xe2\x80\x80\xe2\x80\x8a",  // U+2000, U+200A
           "\xe2\x80\x8b",              // U+200B zero width space
           "\xe2\x80\x8f",              // U+200F RLM alone
           "\xe3\x80\x80",              // U+3000 ideographic space
           "\xef\xbb\xbf",              // U+FEFF
           "\xe3\x85\xa4",              // U+3164 Hangul filler
           " \xc2\xa0\xe3\x80\x80\xef\xbb\xbf ",
       }) {
    EXPECT_TRUE(IsBlank(blank)) << absl::CHexEscape(blank);
  }
}

TEST(IsBlankTest, AnyVisibleCharacterIsNotBlank) {
  for (absl::string_view visible : {
           "a", " a ", "\xc2\xa0.\xc2\xa0",
           "\xe2\x80\x8f\xd8\xb3",      // RLM, seen
           "\xf0\x9f\x8f\x83",          // a runner
           "\xe3\x80\x80\xe5\xb1\xb1",  // ideographic space, a mountain
       }) {
    EXPECT_FALSE(IsBlank(visible)) << absl::CHexEscape(visible);
  }
}

TEST(HasBidiControlTest, EmbeddingsOverridesAndIsolates) {
  for (absl::string_view control : {
           "\xe2\x80\xaa",  // U+202A LRE
           "\xe2\x80\xab",  // U+202B RLE
           "\xe2\x80\xac",  // U+202C PDF
           "\xe2\x80\xad",  // U+202D LRO
           "\xe2\x80\xae"
           "gnp.exe",  // U+202E RLO
           "a\xe2\x81\xa6"
           "b",             // U+2066 LRI
           "\xe2\x81\xa7",  // U+2067 RLI
           "\xe2\x81\xa8",  // U+2068 FSI
           "\xe2\x81\xa9",  // U+2069 PDI
       }) {
    EXPECT_TRUE(HasBidiControl(control)) << absl::CHexEscape(control);
  }
}

TEST(HasBidiControlTest, MarksAndOtherTextAreNotControls) {
  for (absl::string_view text : {
           "", "Maya Okafor",
           "\xe2\x80\x8e",                                  // U+200E LRM
           "\xe2\x80\x8f\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa9",  // RLM, Arabic
           "\xe2\x80\xaf",  // U+202F narrow no-break space, next to RLO
           "\xe2\x81\xa5",  // U+2065, just before LRI
       }) {
    EXPECT_FALSE(HasBidiControl(text)) << absl::CHexEscape(text);
  }
}

TEST(IsEmailAddressTest, AcceptsPlainAddresses) {
  for (absl::string_view ok :
       {"lee@example.com", "a@b.c", "first.last+tag@mail.example.org",
        "zo\xc3\xab@exampl\xc3\xa9.fr"}) {
    EXPECT_TRUE(IsEmailAddress(ok)) << ok;
  }
}

TEST(IsEmailAddressTest, NeedsALocalPartOneAtAndADottedDomain) {
  for (absl::string_view bad : {
           "", "@", "lee", "lee@", "@example.com", "lee@example",
           "lee@@example.com", "lee@a@example.com", "lee@.com", "lee@com.",
           "lee @example.com", "lee@exa mple.com", " lee@example.com",
           "lee@example.com ", "lee\xc2\xa0@example.com",
           "lee@\u200Bexample.com",  // a zero width space
           "lee@example.\xff",       // not UTF-8
       }) {
    EXPECT_FALSE(IsEmailAddress(bad)) << absl::CHexEscape(bad);
  }
}

TEST(ExcerptTest, ShortTextIsQuotedWhole) {
  EXPECT_EQ(Excerpt(""), "");
  EXPECT_EQ(Excerpt("salary"), "salary");
  EXPECT_EQ(Excerpt(std::string(kMaxExcerptBytes, 'x')),
            std::string(kMaxExcerptBytes, 'x'));
}

TEST(ExcerptTest, LongTextIsCutWithAnEllipsis) {
  EXPECT_EQ(Excerpt(std::string(kMaxExcerptBytes + 1, 'x')),
            std::string(kMaxExcerptBytes, 'x') + "...");
  EXPECT_EQ(Excerpt(std::string(4 << 20, 'x')),
            std::string(kMaxExcerptBytes, 'x') + "...");
}

TEST(ExcerptTest, EscapesEverythingButPrintableAscii) {
  EXPECT_EQ(Excerpt("a\"b\\c\n"), "a\\\"b\\\\c\\n");
  EXPECT_EQ(Excerpt("\x1b[31m"), "\\x1b[31m");
  // RLO; a hex digit after an escape is escaped too, so "xyz" here.
  EXPECT_EQ(Excerpt("\xe2\x80\xae"
                    "xyz"),
            "\\xe2\\x80\\xaexyz");
  EXPECT_EQ(Excerpt("\xff\xfe"), "\\xff\\xfe");
}

TEST(ExcerptTest, IsShortWhateverTheInput) {
  std::string ten_escaped;
  for (int i = 0; i < 10; ++i) ten_escaped += "\\xff";
  EXPECT_EQ(Excerpt(std::string(1 << 16, '\xff')), ten_escaped + "...");
  // The cut falls before the byte whose escape would pass 40 bytes.
  EXPECT_EQ(Excerpt("ab" + std::string(20, '\xff')),
            "ab" + ten_escaped.substr(4) + "...");
  std::string twenty_quotes;
  for (int i = 0; i < 20; ++i) twenty_quotes += "\\\"";
  EXPECT_EQ(Excerpt(std::string(30, '"')), twenty_quotes + "...");
  for (const std::string& input :
       {std::string(1 << 16, '\x01'), std::string(1 << 16, '\\'),
        std::string("\xe2\x80\xae") + std::string(1 << 10, 'a')}) {
    const std::string excerpt = Excerpt(input);
    EXPECT_LE(excerpt.size(), kMaxExcerptBytes + 3);
    EXPECT_TRUE(absl::EndsWith(excerpt, "...")) << excerpt;
    for (char c : excerpt) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
    }
  }
}

}  // namespace
}  // namespace clinic::core
