#include "services/auth/token.h"

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::auth {
namespace {

using ::testing::MatchesRegex;

TEST(TokenTest, NewTokensCarry256RandomBitsInBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<std::string> token = NewTokenText();
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_THAT(*token, MatchesRegex("clinic_[A-Za-z0-9_-]{43}"));
    std::string bytes;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(token->substr(7), &bytes));
    EXPECT_EQ(bytes.size(), static_cast<size_t>(kTokenBytes));
    EXPECT_TRUE(seen.insert(*token).second) << "repeated: " << *token;
  }
}

TEST(TokenTest, HashIsSha256) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(absl::BytesToHexString(HashToken("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashToken("abc").size(), 32u);
}

TEST(TokenTest, SameHashComparesEveryByte) {
  const std::string a = HashToken("one");
  std::string last_differs = a;
  last_differs.back() ^= 1;
  EXPECT_TRUE(SameHash(a, HashToken("one")));
  EXPECT_FALSE(SameHash(a, last_differs));
  EXPECT_FALSE(SameHash(a, a.substr(0, 31)));
  EXPECT_FALSE(SameHash(a, ""));
}

}  // namespace
}  // namespace clinic::auth
