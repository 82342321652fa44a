// The recovery rule table of RULES.md as data. Defaults() holds the clinic
// defaults; clinicd may replace them from a file at start-up.
#ifndef CLINIC_SERVICES_CORE_RULE_TABLE_H_
#define CLINIC_SERVICES_CORE_RULE_TABLE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/core/types.h"

namespace clinic::core {

struct ModalityRule {
  Modality modality = Modality::kDeepTissue;
  absl::Duration length;  // default session length
  absl::Duration
      min_gap_before;  // session end -> next hard event: reject below
  absl::Duration advised_gap_before;  // warn below
  absl::Duration
      min_gap_after;  // hard event end -> session start: reject below
  absl::Duration advised_gap_after;  // warn below
  bool requires_active_injury = false;
  // Warn when another session of the same modality starts within this span
  // of this one. Zero disables the check.
  absl::Duration cadence_warning = absl::ZeroDuration();
};

struct RuleTable {
  std::vector<ModalityRule> modalities;
  absl::Duration min_notice = absl::Hours(2);     // earliest start after now
  absl::Duration horizon = absl::Hours(90 * 24);  // latest start after now
  absl::Duration default_turnover = absl::Minutes(15);
  absl::Duration default_race_duration = absl::Hours(3);
  absl::Duration default_workout_duration = absl::Minutes(90);
  absl::Duration slot_step = absl::Minutes(15);  // grid of slot starts
  int max_suggestions = 5;                       // offered with a rejection

  // Returns the rule of `m`, or nullptr when the table has none.
  const ModalityRule* Find(Modality m) const;

  // OK when every modality appears exactly once and every duration is
  // non-negative with advised >= minimum (and horizon >= min_notice), session
  // lengths lie in (0, kMaxSessionLength] and default event durations in
  // (0, kMaxEventLength]; otherwise INVALID_ARGUMENT naming the offending
  // entry.
  absl::Status Validate() const;

  // The defaults of RULES.md.
  static RuleTable Defaults();
};

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_RULE_TABLE_H_
