#include "services/api/rules_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "clinic/v1/bookings.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/api/convert.h"
#include "services/core/status_macros.h"

namespace clinic::api {
namespace {

// Collects text-format parse errors as one readable message.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1,
                    " column ", column + 1, ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

}  // namespace

std::string RuleSetText(const core::RuleTable& table) {
  v1::RuleSet rules;
  ToProto(table, &rules);
  std::string text;
  google::protobuf::TextFormat::PrintToString(rules, &text);
  return text;
}

absl::StatusOr<core::RuleTable> ParseRuleSetText(const std::string& text,
                                                 const std::string& what) {
  v1::RuleSet rules;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", errors.errors()));
  }
  absl::StatusOr<core::RuleTable> table =
      RulesFromProto(rules, core::RuleTable::Defaults());
  if (!table.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", table.status().message()));
  }
  return table;
}

std::string RuleSetDifference(const std::string& a, const std::string& b) {
  v1::RuleSet x;
  v1::RuleSet y;
  google::protobuf::TextFormat::ParseFromString(a, &x);
  google::protobuf::TextFormat::ParseFromString(b, &y);
  google::protobuf::util::MessageDifferencer differ;
  std::string report;
  differ.ReportDifferencesToString(&report);
  if (differ.Compare(x, y)) return "";
  while (!report.empty() && report.back() == '\n') report.pop_back();
  return absl::StrReplaceAll(report, {{"\n", "; "}});
}

}  // namespace clinic::api
