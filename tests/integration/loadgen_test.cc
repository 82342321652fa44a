// clients/loadgen against a real clinicd: it seeds, sends exactly the calls
// it was told to, in both loops, and reports each method as JSON.
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;

class LoadgenTest : public ClinicdTest {
 public:
  // loadgen is one caller with many calls in flight.
  std::vector<std::string> ExtraFlags() override {
    return {"--max_heavy_calls_per_caller=64"};
  }

  // loadgen's JSON report after running it with `flags`.
  std::string Run(const std::string& flags) {
    const std::string json = dir_.path() + "/report.json";
    int status = 0;
    const std::string out = CommandOutput(
        absl::StrCat("CLINIC_TOKEN=", kAdminToken, " ", LOADGEN_PATH,
                     " --server=", server_.address(),
                     " --therapists=3 --athletes=10 --json=", json, " ", flags),
        &status);
    EXPECT_EQ(status, 0) << out;
    std::ifstream in(json);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

// The sum of a JSON field over the report's methods.
int64_t Total(const std::string& report, const std::string& field) {
  const std::regex number("\"" + field + "\":([0-9]+)");
  int64_t total = 0;
  for (std::sregex_iterator it(report.begin(), report.end(), number), end;
       it != end; ++it) {
    total += std::stoll((*it)[1]);
  }
  return total;
}

TEST_F(LoadgenTest, ClosedLoopSendsExactlyTheCallsAskedAndReportsEach) {
  const std::string report =
      Run("--clients=4 --max_calls=200 --duration=60s "
          "--mix=reserve=50,slots=20,check=10,reschedule=10,cancel=5,race=5");
  EXPECT_THAT(report, HasSubstr("\"mode\":\"closed\""));
  EXPECT_EQ(Total(report, "calls"), 200) << report;
  EXPECT_GT(Total(report, "ok"), 0) << report;
  for (const char* method :
       {"ReserveSlot", "ListAvailableSlots", "CheckBooking", "AddRace"}) {
    EXPECT_THAT(report, HasSubstr(absl::StrCat("\"", method, "\":{")));
  }
  EXPECT_THAT(report, HasSubstr("\"p99_ms\":"));
}

TEST_F(LoadgenTest, OpenLoopSendsAtItsRate) {
  const std::string report =
      Run("--rate=200 --max_calls=100 --duration=60s --mix=check=1");
  EXPECT_THAT(report, HasSubstr("\"mode\":\"open\""));
  EXPECT_THAT(report, HasSubstr("\"dropped\":0"));
  EXPECT_EQ(Total(report, "calls"), 100) << report;
  EXPECT_EQ(Total(report, "ok"), 100) << report;
  // 100 calls at 200 a second take about half a second.
  const std::smatch seconds = [&] {
    std::smatch m;
    std::regex_search(report, m, std::regex("\"seconds\":([0-9.]+)"));
    return m;
  }();
  ASSERT_EQ(seconds.size(), 2u) << report;
  EXPECT_GT(std::stod(seconds[1]), 0.2);
}

}  // namespace
}  // namespace clinic::testing
