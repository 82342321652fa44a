#include "services/core/rule_table.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::core {
namespace {

using ::testing::HasSubstr;

// Debian's Abseil 20220623 ships no status matchers.
MATCHER_P2(StatusIs, code, message_matcher,
           absl::StrCat("has code ", absl::StatusCodeToString(code))) {
  return arg.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(arg.message()), result_listener);
}

ModalityRule* Mutable(RuleTable& t, Modality m) {
  for (ModalityRule& r : t.modalities) {
    if (r.modality == m) return &r;
  }
  return nullptr;
}

TEST(RuleTableTest, DefaultsMatchRulesMd) {
  const RuleTable t = RuleTable::Defaults();
  ASSERT_EQ(t.modalities.size(), 3u);

  const ModalityRule* deep = t.Find(Modality::kDeepTissue);
  ASSERT_NE(deep, nullptr);
  EXPECT_EQ(deep->length, absl::Minutes(60));
  EXPECT_EQ(deep->min_gap_before, absl::Hours(48));
  EXPECT_EQ(deep->advised_gap_before, absl::Hours(72));
  EXPECT_EQ(deep->min_gap_after, absl::Hours(24));
  EXPECT_EQ(deep->advised_gap_after, absl::Hours(48));
  EXPECT_FALSE(deep->requires_active_injury);
  EXPECT_EQ(deep->cadence_warning, absl::Hours(28 * 24));

  const ModalityRule* art = t.Find(Modality::kActiveRelease);
  ASSERT_NE(art, nullptr);
  EXPECT_EQ(art->length, absl::Minutes(45));
  EXPECT_EQ(art->min_gap_before, absl::Hours(48));
  EXPECT_EQ(art->advised_gap_before, absl::Hours(72));
  EXPECT_EQ(art->min_gap_after, absl::Hours(24));
  EXPECT_EQ(art->advised_gap_after, absl::Hours(48));
  EXPECT_TRUE(art->requires_active_injury);
  EXPECT_EQ(art->cadence_warning, absl::ZeroDuration());

  const ModalityRule* sports = t.Find(Modality::kSports);
  ASSERT_NE(sports, nullptr);
  EXPECT_EQ(sports->length, absl::Minutes(60));
  EXPECT_EQ(sports->min_gap_before, absl::Hours(24));
  EXPECT_EQ(sports->advised_gap_before, absl::Hours(48));
  EXPECT_EQ(sports->min_gap_after, absl::Hours(24));
  EXPECT_EQ(sports->advised_gap_after, absl::Hours(48));
  EXPECT_FALSE(sports->requires_active_injury);
  EXPECT_EQ(sports->cadence_warning, absl::ZeroDuration());

  EXPECT_EQ(t.min_notice, absl::Hours(2));
  EXPECT_EQ(t.horizon, absl::Hours(90 * 24));
  EXPECT_EQ(t.default_turnover, absl::Minutes(15));
}

TEST(RuleTableTest, DefaultsAreValid) {
  EXPECT_TRUE(RuleTable::Defaults().Validate().ok());
}

TEST(RuleTableTest, FindReturnsNullWhenMissing) {
  RuleTable t = RuleTable::Defaults();
  t.modalities.erase(t.modalities.begin());
  EXPECT_EQ(t.Find(Modality::kDeepTissue), nullptr);
  EXPECT_NE(t.Find(Modality::kSports), nullptr);
}

TEST(RuleTableTest, AdvisedShorterThanMinimumNamesBoth) {
  RuleTable t = RuleTable::Defaults();
  Mutable(t, Modality::kDeepTissue)->advised_gap_before = absl::Hours(24);
  EXPECT_THAT(t.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rules: DEEP_TISSUE advised_gap_before (24h) is "
                       "shorter than min_gap_before (48h)"));
}

TEST(RuleTableTest, AdvisedAfterShorterThanMinimum) {
  RuleTable t = RuleTable::Defaults();
  Mutable(t, Modality::kSports)->advised_gap_after = absl::Hours(12);
  EXPECT_THAT(t.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rules: SPORTS advised_gap_after (12h) is shorter "
                       "than min_gap_after (24h)"));
}

TEST(RuleTableTest, NegativeDurationRejected) {
  RuleTable t = RuleTable::Defaults();
  Mutable(t, Modality::kActiveRelease)->cadence_warning = -absl::Hours(1);
  EXPECT_THAT(t.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ACTIVE_RELEASE cadence_warning (-1h)")));

  t = RuleTable::Defaults();
  t.min_notice = -absl::Minutes(5);
  EXPECT_THAT(t.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("min_notice (-5m)")));
}

TEST(RuleTableTest, ZeroLengthRejected) {
  RuleTable t = RuleTable::Defaults();
  Mutable(t, Modality::kSports)->length = absl::ZeroDuration();
  EXPECT_THAT(t.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("SPORTS length")));
}

TEST(RuleTableTest, MissingModalityRejected) {
  RuleTable t = RuleTable::Defaults();
  t.modalities.pop_back();
  EXPECT_THAT(t.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "rules: SPORTS has no rule"));
}

TEST(RuleTableTest, DuplicateModalityRejected) {
  RuleTable t = RuleTable::Defaults();
  t.modalities.push_back(t.modalities.front());
  EXPECT_THAT(t.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "rules: DEEP_TISSUE appears 2 times"));
}

TEST(RuleTableTest, HorizonShorterThanNoticeRejected) {
  RuleTable t = RuleTable::Defaults();
  t.horizon = absl::Hours(1);
  EXPECT_THAT(t.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("horizon (1h) is shorter than "
                                               "min_notice (2h)")));
}

}  // namespace
}  // namespace clinic::core
