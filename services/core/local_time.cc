#include "services/core/local_time.h"

namespace clinic::core {

absl::Time LocalMinute(const absl::TimeZone& zone, absl::CivilDay day,
                       int minute, bool first) {
  const absl::TimeZone::TimeInfo ti = zone.At(absl::CivilMinute(day) + minute);
  switch (ti.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return ti.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      return first ? ti.pre : ti.post;
    case absl::TimeZone::TimeInfo::UNIQUE:
      break;
  }
  return ti.pre;
}

}  // namespace clinic::core
