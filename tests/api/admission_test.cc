#include "services/api/admission.h"

#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace clinic::api {
namespace {

TEST(AdmissionTest, EachKeyHasItsOwnLimit) {
  Admission admission(2);
  std::vector<Admission::Ticket> held;
  for (int i = 0; i < 2; ++i) {
    std::optional<Admission::Ticket> t = admission.TryAdmit("alice");
    ASSERT_TRUE(t.has_value());
    held.push_back(*std::move(t));
  }
  EXPECT_FALSE(admission.TryAdmit("alice").has_value());
  EXPECT_TRUE(admission.TryAdmit("bob").has_value());
  EXPECT_TRUE(admission.TryAdmit("").has_value());
}

TEST(AdmissionTest, ReleasedOrDestroyedTicketsGiveTheirPlaceBack) {
  Admission admission(1);
  std::optional<Admission::Ticket> t = admission.TryAdmit("alice");
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(admission.TryAdmit("alice").has_value());
  t->Release();
  t->Release();  // once only
  {
    std::optional<Admission::Ticket> again = admission.TryAdmit("alice");
    ASSERT_TRUE(again.has_value());
    Admission::Ticket moved = *std::move(again);  // one place, moved
    EXPECT_FALSE(admission.TryAdmit("alice").has_value());
  }
  EXPECT_TRUE(admission.TryAdmit("alice").has_value());
}

}  // namespace
}  // namespace clinic::api
