// A rule table as text: the clinic.v1.RuleSet text format that --rules
// files, the store and clinicctl use.
#ifndef CLINIC_SERVICES_API_RULES_TEXT_H_
#define CLINIC_SERVICES_API_RULES_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/core/rule_table.h"

namespace clinic::api {

// `table`, whole, as RuleSet text.
std::string RuleSetText(const core::RuleTable& table);

// The table `text` sets over the defaults of RULES.md (all of them for an
// empty text). INVALID_ARGUMENT starting with `what`, with the line and
// column of a syntax error or the rule that is wrong.
absl::StatusOr<core::RuleTable> ParseRuleSetText(const std::string& text,
                                                 const std::string& what);

// "" when `a` and `b` hold the same rules, else what differs, on one line.
std::string RuleSetDifference(const std::string& a, const std::string& b);

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_RULES_TEXT_H_
