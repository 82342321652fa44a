#include "services/clinicd/settings.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/api/rules_text.h"
#include "services/auth/accounts.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic {
namespace {

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
  return api::ParseRuleSetText(text.str(), "--rules: " + path);
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
    given_rules = api::RuleSetText(table);
  }

  core::ClinicInfo first;
  CLINIC_RETURN_IF_ERROR(store.Write(
      storage::Touches::Settings(),
      [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::ClinicInfo> clinics,
                                tx.ListClinics({1, 0}));
        const core::Actor clinicd;  // the server itself
        if (clinics.empty()) {
          first = core::ClinicInfo{
              0, kFirstClinicName, given_zone.value_or(kDefaultTimeZone),
              given_rules.value_or(
                  api::RuleSetText(core::RuleTable::Defaults())),
              clock.Now()};
          CLINIC_ASSIGN_OR_RETURN(first.id, tx.InsertClinic(first));
          return tx
              .InsertAuditEvent(auth::Audit(
                  clinicd, clock.Now(), "clinic.create",
                  core::FormatId(core::IdKind::kClinic, first.id),
                  absl::StrCat(first.name, ", time zone ", first.time_zone)))
              .status();
        }
        first = clinics.front();
        std::string changes;
        if (given_zone && *given_zone != first.time_zone) {
          if (!options.replace_settings) {
            return Refuse("--timezone", absl::StrCat("stored ", first.time_zone,
                                                     ", given ", *given_zone));
          }
          absl::StrAppend(&changes, "time zone ", first.time_zone, " -> ",
                          *given_zone, "; ");
          first.time_zone = *given_zone;
        }
        if (given_rules) {
          const std::string diff =
              api::RuleSetDifference(first.rules, *given_rules);
          if (!diff.empty() && !options.replace_settings) {
            return Refuse("--rules", diff);
          }
          if (!diff.empty()) absl::StrAppend(&changes, "rules: ", diff);
          first.rules = *given_rules;
        }
        if (changes.empty()) return absl::OkStatus();
        CLINIC_RETURN_IF_ERROR(tx.UpdateClinic(first));
        return tx
            .InsertAuditEvent(auth::Audit(
                clinicd, clock.Now(), "clinic.update",
                core::FormatId(core::IdKind::kClinic, first.id), changes))
            .status();
      }));

  ClinicSettings out;
  if (!absl::LoadTimeZone(first.time_zone, &out.zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the store's time zone \"", first.time_zone,
                     "\" is unknown on this host"));
  }
  CLINIC_ASSIGN_OR_RETURN(
      out.rules, api::ParseRuleSetText(first.rules, "the store's rules"));
  out.clinic_id = first.id;
  return out;
}

}  // namespace clinic
