#include "services/storage/postgres/rows.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace clinic::storage::postgres {

core::Athlete AthleteFromRow(const Rows& r, int row) {
  return core::Athlete{r.GetInt(row, 0), r.GetText(row, 1), r.GetText(row, 2)};
}

core::Event EventFromRow(const Rows& r, int row) {
  core::Event e;
  e.id = r.GetInt(row, 0);
  e.athlete_id = r.GetInt(row, 1);
  e.kind = static_cast<core::EventKind>(r.GetInt(row, 2));
  e.name = r.GetText(row, 3);
  e.start = r.GetTime(row, 4);
  e.end = r.GetTime(row, 5);
  return e;
}

core::Injury InjuryFromRow(const Rows& r, int row) {
  core::Injury i;
  i.id = r.GetInt(row, 0);
  i.athlete_id = r.GetInt(row, 1);
  i.region = r.GetText(row, 2);
  i.note = r.GetText(row, 3);
  i.since = r.GetTime(row, 4);
  i.resolved = r.GetOptionalTime(row, 5);
  return i;
}

core::Booking BookingFromRow(const Rows& r, int row) {
  core::Booking b;
  b.id = r.GetInt(row, 0);
  b.athlete_id = r.GetInt(row, 1);
  b.therapist_id = r.GetInt(row, 2);
  b.modality = static_cast<core::Modality>(r.GetInt(row, 3));
  b.start = r.GetTime(row, 4);
  b.end = r.GetTime(row, 5);
  b.state = static_cast<core::BookingState>(r.GetInt(row, 6));
  b.request_id = r.GetText(row, 7);  // NULL reads as ""
  b.request_hash = r.GetText(row, 8);
  b.at_risk = r.GetBool(row, 9);
  b.at_risk_reason = r.GetText(row, 10);
  b.cancel_reason = r.GetText(row, 11);
  b.create_time = r.GetTime(row, 12);
  b.update_time = r.GetTime(row, 13);
  b.request_user_id = r.GetInt(row, 14);  // NULL reads as 0
  b.clinic_id = r.GetInt(row, 15);
  return b;
}

core::ClinicInfo ClinicFromRow(const Rows& r, int row) {
  return core::ClinicInfo{r.GetInt(row, 0), r.GetText(row, 1),
                          r.GetText(row, 2), r.GetText(row, 3),
                          r.GetTime(row, 4)};
}

core::User UserFromRow(const Rows& r, int row) {
  core::User u{r.GetInt(row, 0),
               r.GetText(row, 1),
               static_cast<core::Role>(r.GetInt(row, 2)),
               /*granted=*/{},
               r.GetInt(row, 3),
               r.GetInt(row, 4),
               r.GetBool(row, 5),
               r.GetTime(row, 6)};
  for (absl::string_view role :
       absl::StrSplit(r.GetText(row, 7), ',', absl::SkipEmpty())) {
    int v = 0;
    if (absl::SimpleAtoi(role, &v)) {
      u.granted.push_back(static_cast<core::Role>(v));
    }
  }
  for (absl::string_view clinic :
       absl::StrSplit(r.GetText(row, 8), ',', absl::SkipEmpty())) {
    core::Id v = 0;
    if (absl::SimpleAtoi(clinic, &v)) u.clinics.push_back(v);
  }
  return u;
}

core::Token TokenFromRow(const Rows& r, int row) {
  return core::Token{r.GetInt(row, 0),   r.GetInt(row, 1),
                     r.GetBytes(row, 2), r.GetText(row, 3),
                     r.GetTime(row, 4),  r.GetOptionalTime(row, 5)};
}

core::AuditEvent AuditEventFromRow(const Rows& r, int row) {
  return core::AuditEvent{
      r.GetInt(row, 0),  r.GetTime(row, 1), r.GetInt(row, 2), r.GetInt(row, 3),
      r.GetText(row, 4), r.GetText(row, 5), r.GetText(row, 6)};
}

}  // namespace clinic::storage::postgres
