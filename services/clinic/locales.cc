#include "services/clinic/locales.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/api/rules_text.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic {

absl::StatusOr<std::shared_ptr<const Local>> Locales::Of(
    const core::ClinicInfo& clinic) {
  if (std::shared_ptr<const Local> last = Last(clinic.id);
      last != nullptr && last->Matches(clinic)) {
    return last;
  }
  const std::string name = core::FormatId(core::IdKind::kClinic, clinic.id);
  auto local = std::make_shared<Local>();
  local->info = clinic;
  if (!absl::LoadTimeZone(clinic.time_zone, &local->zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("clinic ", name, ": time zone \"", clinic.time_zone,
                     "\" is unknown on this host"));
  }
  absl::StatusOr<core::RuleTable> rules = api::ParseRuleSetText(
      clinic.rules, absl::StrCat("clinic ", name, ": rules"));
  if (!rules.ok()) {
    return absl::FailedPreconditionError(rules.status().message());
  }
  local->rules = *std::move(rules);
  absl::MutexLock lock(&mu_);
  last_[clinic.id] = local;
  return std::shared_ptr<const Local>(std::move(local));
}

std::shared_ptr<const Local> Locales::Last(core::Id id) {
  absl::MutexLock lock(&mu_);
  auto it = last_.find(id);
  return it == last_.end() ? nullptr : it->second;
}

}  // namespace clinic
