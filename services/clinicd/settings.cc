#include "services/clinicd/settings.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/api/convert.h"
#include "services/auth/accounts.h"
#include "services/core/status_macros.h"

namespace clinic {
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

absl::StatusOr<v1::RuleSet> ParseRuleSet(const std::string& text,
                                         const std::string& what) {
  v1::RuleSet rules;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", errors.errors()));
  }
  return rules;
}

std::string RuleSetText(const core::RuleTable& table) {
  v1::RuleSet rules;
  api::ToProto(table, &rules);
  std::string text;
  google::protobuf::TextFormat::PrintToString(rules, &text);
  return text;
}

// "" when `stored` and `given` hold the same rules, else what differs.
std::string RuleDifference(const std::string& stored,
                           const std::string& given) {
  v1::RuleSet a;
  v1::RuleSet b;
  google::protobuf::TextFormat::ParseFromString(stored, &a);
  google::protobuf::TextFormat::ParseFromString(given, &b);
  google::protobuf::util::MessageDifferencer differ;
  std::string report;
  differ.ReportDifferencesToString(&report);
  if (differ.Compare(a, b)) return "";
  while (!report.empty() && report.back() == '\n') report.pop_back();
  return absl::StrReplaceAll(report, {{"\n", "; "}});
}

absl::Status Refuse(absl::string_view flag, absl::string_view difference) {
  return absl::FailedPreconditionError(absl::StrCat(
      flag, " differs from what the store's replicas use (", difference,
      "); start without ", flag,
      " to use the stored value, or with --replace_settings to change it "
      "for every replica (then restart the others)"));
}

}  // namespace

absl::StatusOr<core::RuleTable> LoadRules(const std::string& path) {
  if (path.empty()) return core::RuleTable::Defaults();
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rules: cannot read \"", path, "\""));
  }
  std::stringstream text;
  text << in.rdbuf();
  CLINIC_ASSIGN_OR_RETURN(v1::RuleSet rules,
                          ParseRuleSet(text.str(), "--rules: " + path));
  absl::StatusOr<core::RuleTable> table =
      api::RulesFromProto(rules, core::RuleTable::Defaults());
  if (!table.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rules: ", path, ": ", table.status().message()));
  }
  return table;
}

absl::StatusOr<ClinicSettings> SettleSettings(storage::Store& store,
                                              const core::Clock& clock,
                                              const ServerOptions& options) {
  std::optional<std::string> given_zone;
  if (!options.time_zone.empty()) {
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(options.time_zone, &zone)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timezone: unknown time zone \"", options.time_zone,
                       "\" (an IANA name such as America/New_York)"));
    }
    given_zone = options.time_zone;
  }
  std::optional<std::string> given_rules;
  if (!options.rules_path.empty()) {
    CLINIC_ASSIGN_OR_RETURN(const core::RuleTable table,
                            LoadRules(options.rules_path));
    given_rules = RuleSetText(table);
  }

  std::string zone_name;
  std::string rules_text;
  CLINIC_RETURN_IF_ERROR(store.Write(
      storage::Touches::Settings(),
      [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(std::optional<std::string> stored_zone,
                                tx.GetSetting(storage::kSettingTimeZone));
        CLINIC_ASSIGN_OR_RETURN(std::optional<std::string> stored_rules,
                                tx.GetSetting(storage::kSettingRules));
        std::string changes;
        if (given_zone && stored_zone && *given_zone != *stored_zone) {
          if (!options.replace_settings) {
            return Refuse("--timezone", absl::StrCat("stored ", *stored_zone,
                                                     ", given ", *given_zone));
          }
          absl::StrAppend(&changes, "time zone ", *stored_zone, " -> ",
                          *given_zone, "; ");
        }
        if (given_rules && stored_rules) {
          const std::string diff = RuleDifference(*stored_rules, *given_rules);
          if (!diff.empty() && !options.replace_settings) {
            return Refuse("--rules", diff);
          }
          if (!diff.empty()) absl::StrAppend(&changes, "rules: ", diff);
        }
        const bool take_zone =
            given_zone && (!stored_zone || options.replace_settings);
        const bool take_rules =
            given_rules && (!stored_rules || options.replace_settings);
        zone_name = take_zone     ? *given_zone
                    : stored_zone ? *stored_zone
                                  : kDefaultTimeZone;
        rules_text = take_rules     ? *given_rules
                     : stored_rules ? *stored_rules
                                    : RuleSetText(core::RuleTable::Defaults());
        if (zone_name != stored_zone) {
          CLINIC_RETURN_IF_ERROR(
              tx.PutSetting(storage::kSettingTimeZone, zone_name));
        }
        if (rules_text != stored_rules) {
          CLINIC_RETURN_IF_ERROR(
              tx.PutSetting(storage::kSettingRules, rules_text));
        }
        if (changes.empty()) return absl::OkStatus();
        const core::Actor clinicd;  // the server itself
        return tx
            .InsertAuditEvent(auth::Audit(
                clinicd, clock.Now(), "settings.replace", "settings", changes))
            .status();
      }));

  ClinicSettings out;
  if (!absl::LoadTimeZone(zone_name, &out.zone)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store's time zone \"", zone_name, "\" is unknown on this host"));
  }
  CLINIC_ASSIGN_OR_RETURN(const v1::RuleSet stored,
                          ParseRuleSet(rules_text, "the store's rules"));
  CLINIC_ASSIGN_OR_RETURN(
      out.rules, api::RulesFromProto(stored, core::RuleTable::Defaults()));
  return out;
}

}  // namespace clinic
