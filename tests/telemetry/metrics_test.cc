#include "services/telemetry/metrics.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace clinic::telemetry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The exposition text of `metrics`, as Prometheus would read it.
std::string Text(const Metrics& metrics) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& weak : metrics.Collectables()) {
    for (prometheus::MetricFamily& f : weak.lock()->Collect()) {
      families.push_back(std::move(f));
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

TEST(MetricsTest, CallsAreCountedByServiceMethodAndCode) {
  Metrics metrics;
  const std::string reserve = "/clinic.v1.BookingService/ReserveSlot";
  metrics.CallStarted(reserve, "unary");
  metrics.CallHandled(reserve, "unary", "OK", absl::Milliseconds(3));
  metrics.CallStarted(reserve, "unary");
  metrics.CallHandled(reserve, "unary", "FAILED_PRECONDITION",
                      absl::Milliseconds(30));
  const std::string text = Text(metrics);
  const std::string labels =
      "grpc_method=\"ReserveSlot\",grpc_service=\"clinic.v1.BookingService\","
      "grpc_type=\"unary\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} 2"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," +
                              labels + "} 1"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code="
                              "\"FAILED_PRECONDITION\"," +
                              labels + "} 1"));
  EXPECT_THAT(
      text, HasSubstr("grpc_server_handling_seconds_count{" + labels + "} 2"));
  // 3 ms and 30 ms: one at or under 5 ms, both under 50 ms.
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + labels +
                              ",le=\"0.005\"} 1"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + labels +
                              ",le=\"0.05\"} 2"));
}

TEST(MetricsTest, RejectionsAndTransactions) {
  Metrics metrics;
  metrics.Rejected("GAP_BEFORE_EVENT");
  metrics.Rejected("GAP_BEFORE_EVENT");
  metrics.Rejected("THERAPIST_BUSY");
  metrics.Transaction("write", absl::Milliseconds(2), 3, false);
  metrics.Transaction("write", absl::Milliseconds(2), 1, true);
  const std::string text = Text(metrics);
  EXPECT_THAT(text,
              HasSubstr("clinic_booking_rejections_total{rule=\"GAP_BEFORE_"
                        "EVENT\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("clinic_booking_rejections_total{rule=\"THERAPIST_"
                        "BUSY\"} 1"));
  EXPECT_THAT(text, HasSubstr("clinic_store_transaction_retries_total{kind="
                              "\"write\"} 2"));
  EXPECT_THAT(text, HasSubstr("clinic_store_transaction_errors_total{kind="
                              "\"write\"} 1"));
  EXPECT_THAT(text, HasSubstr("clinic_store_transaction_seconds_count{kind="
                              "\"write\"} 2"));
}

TEST(MetricsTest, SampledSeriesAreReadAtEachScrapeAndGroupedByName) {
  Metrics metrics;
  double hits = 1;
  metrics.AddSampled({{"clinic_cache_requests_total",
                       "Lookups.",
                       true,
                       {{"result", "hit"}},
                       [&] { return hits; }}});
  metrics.AddSampled(
      {{"clinic_store_connections",
        "Connections.",
        false,
        {{"state", "open"}},
        [] { return 3.0; }},
       {"clinic_cache_requests_total", "", true, {{"result", "miss"}}, [] {
          return 7.0;
        }}});
  hits = 5;
  std::string text = Text(metrics);
  EXPECT_THAT(text, HasSubstr("clinic_cache_requests_total{result=\"hit\"} 5"));
  EXPECT_THAT(text,
              HasSubstr("clinic_cache_requests_total{result=\"miss\"} 7"));
  EXPECT_THAT(text, HasSubstr("# TYPE clinic_store_connections gauge\n"
                              "clinic_store_connections{state=\"open\"} 3"));
  // One family for the cache's two series: a second TYPE line would make
  // the exposition invalid.
  EXPECT_EQ(text.find("# TYPE clinic_cache_requests_total counter"),
            text.rfind("# TYPE clinic_cache_requests_total counter"));
  metrics.RemoveSampled();
  EXPECT_THAT(Text(metrics), Not(HasSubstr("clinic_cache_requests_total")));
}

}  // namespace
}  // namespace clinic::telemetry
