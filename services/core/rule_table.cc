#include "services/core/rule_table.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clinic::core {
namespace {

struct Field {
  const char* name;
  absl::Duration value;
};

std::string ModalityId(Modality m) {
  switch (m) {
    case Modality::kDeepTissue:
      return "DEEP_TISSUE";
    case Modality::kActiveRelease:
      return "ACTIVE_RELEASE";
    case Modality::kSports:
      return "SPORTS";
  }
  return absl::StrCat("modality ", static_cast<int>(m));
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("rules: ", what));
}

// `prefix` is "" or "DEEP_TISSUE " and so on.
absl::Status CheckNonNegative(absl::string_view prefix, const Field& f) {
  if (f.value >= absl::ZeroDuration()) return absl::OkStatus();
  return Invalid(absl::StrCat(prefix, f.name, " (",
                              absl::FormatDuration(f.value), ") is negative"));
}

absl::Status CheckPositiveAtMost(absl::string_view prefix, const Field& f,
                                 absl::Duration max) {
  if (f.value > absl::ZeroDuration() && f.value <= max) {
    return absl::OkStatus();
  }
  return Invalid(absl::StrCat(prefix, f.name, " (",
                              absl::FormatDuration(f.value), ") is not in (0, ",
                              absl::FormatDuration(max), "]"));
}

absl::Status CheckNotShorter(absl::string_view prefix, const Field& longer,
                             const Field& shorter) {
  if (longer.value >= shorter.value) return absl::OkStatus();
  return Invalid(absl::StrCat(prefix, longer.name, " (",
                              absl::FormatDuration(longer.value),
                              ") is shorter than ", shorter.name, " (",
                              absl::FormatDuration(shorter.value), ")"));
}

absl::Status ValidateRule(const ModalityRule& r) {
  const std::string prefix = ModalityId(r.modality) + " ";
  if (absl::Status s =
          CheckPositiveAtMost(prefix, {"length", r.length}, kMaxSessionLength);
      !s.ok()) {
    return s;
  }
  const Field min_before{"min_gap_before", r.min_gap_before};
  const Field advised_before{"advised_gap_before", r.advised_gap_before};
  const Field min_after{"min_gap_after", r.min_gap_after};
  const Field advised_after{"advised_gap_after", r.advised_gap_after};
  for (const Field& f : {min_before, advised_before, min_after, advised_after,
                         Field{"cadence_warning", r.cadence_warning}}) {
    if (absl::Status s = CheckNonNegative(prefix, f); !s.ok()) return s;
  }
  if (absl::Status s = CheckNotShorter(prefix, advised_before, min_before);
      !s.ok()) {
    return s;
  }
  return CheckNotShorter(prefix, advised_after, min_after);
}

}  // namespace

const ModalityRule* RuleTable::Find(Modality m) const {
  for (const ModalityRule& r : modalities) {
    if (r.modality == m) return &r;
  }
  return nullptr;
}

absl::Status RuleTable::Validate() const {
  for (const ModalityRule& r : modalities) {
    bool known = false;
    for (Modality m : kAllModalities) known = known || m == r.modality;
    if (!known) return Invalid(ModalityId(r.modality) + " is unknown");
  }
  for (Modality m : kAllModalities) {
    int count = 0;
    for (const ModalityRule& r : modalities) count += r.modality == m ? 1 : 0;
    if (count == 0) return Invalid(ModalityId(m) + " has no rule");
    if (count > 1) {
      return Invalid(absl::StrCat(ModalityId(m), " appears ", count, " times"));
    }
  }
  for (const ModalityRule& r : modalities) {
    if (absl::Status s = ValidateRule(r); !s.ok()) return s;
  }
  const Field notice{"min_notice", min_notice};
  const Field far{"horizon", horizon};
  for (const Field& f :
       {notice, far, Field{"default_turnover", default_turnover}}) {
    if (absl::Status s = CheckNonNegative("", f); !s.ok()) return s;
  }
  if (absl::Status s = CheckNotShorter("", far, notice); !s.ok()) return s;
  for (const Field& f :
       {Field{"default_race_duration", default_race_duration},
        Field{"default_workout_duration", default_workout_duration}}) {
    if (absl::Status s = CheckPositiveAtMost("", f, kMaxEventLength); !s.ok()) {
      return s;
    }
  }
  if (slot_step < absl::Minutes(5) || slot_step > absl::Hours(4) ||
      slot_step % absl::Minutes(1) != absl::ZeroDuration()) {
    return Invalid(absl::StrCat("slot_step (", absl::FormatDuration(slot_step),
                                ") must be whole minutes from 5m to 4h"));
  }
  if (max_suggestions < 0 || max_suggestions > 50) {
    return Invalid(absl::StrCat("max_suggestions (", max_suggestions,
                                ") must be from 0 to 50"));
  }
  return absl::OkStatus();
}

RuleTable RuleTable::Defaults() {
  ModalityRule deep;
  deep.modality = Modality::kDeepTissue;
  deep.length = absl::Minutes(60);
  deep.min_gap_before = absl::Hours(48);
  deep.advised_gap_before = absl::Hours(72);
  deep.min_gap_after = absl::Hours(24);
  deep.advised_gap_after = absl::Hours(48);
  deep.cadence_warning = absl::Hours(28 * 24);

  ModalityRule art;
  art.modality = Modality::kActiveRelease;
  art.length = absl::Minutes(45);
  art.min_gap_before = absl::Hours(48);
  art.advised_gap_before = absl::Hours(72);
  art.min_gap_after = absl::Hours(24);
  art.advised_gap_after = absl::Hours(48);
  art.requires_active_injury = true;

  ModalityRule sports;
  sports.modality = Modality::kSports;
  sports.length = absl::Minutes(60);
  sports.min_gap_before = absl::Hours(24);
  sports.advised_gap_before = absl::Hours(48);
  sports.min_gap_after = absl::Hours(24);
  sports.advised_gap_after = absl::Hours(48);

  RuleTable t;
  t.modalities = {deep, art, sports};
  return t;
}

}  // namespace clinic::core
