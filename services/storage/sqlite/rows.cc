#include "services/storage/sqlite/rows.h"

#include "services/core/types.h"
#include "services/storage/sqlite/connection.h"

namespace clinic::storage::sqlite {

core::Event EventFromRow(const Stmt& s) {
  core::Event e;
  e.id = s.GetInt(0);
  e.athlete_id = s.GetInt(1);
  e.kind = static_cast<core::EventKind>(s.GetInt(2));
  e.name = s.GetText(3);
  e.start = s.GetTime(4);
  e.end = s.GetTime(5);
  return e;
}

core::Injury InjuryFromRow(const Stmt& s) {
  core::Injury i;
  i.id = s.GetInt(0);
  i.athlete_id = s.GetInt(1);
  i.region = s.GetText(2);
  i.note = s.GetText(3);
  i.since = s.GetTime(4);
  if (!s.IsNull(5)) i.resolved = s.GetTime(5);
  return i;
}

core::Booking BookingFromRow(const Stmt& s) {
  core::Booking b;
  b.id = s.GetInt(0);
  b.athlete_id = s.GetInt(1);
  b.therapist_id = s.GetInt(2);
  b.modality = static_cast<core::Modality>(s.GetInt(3));
  b.start = s.GetTime(4);
  b.end = s.GetTime(5);
  b.state = static_cast<core::BookingState>(s.GetInt(6));
  b.request_id = s.GetText(7);  // NULL reads as ""
  b.request_hash = s.GetText(8);
  b.at_risk = s.GetInt(9) != 0;
  b.at_risk_reason = s.GetText(10);
  b.cancel_reason = s.GetText(11);
  b.create_time = s.GetTime(12);
  b.update_time = s.GetTime(13);
  b.request_user_id = s.GetInt(14);  // NULL reads as 0
  b.clinic_id = s.GetInt(15);
  return b;
}

core::Athlete AthleteFromRow(const Stmt& s) {
  return core::Athlete{s.GetInt(0), s.GetText(1), s.GetText(2)};
}

core::Therapist TherapistFromRow(const Stmt& s) {
  core::Therapist t;
  t.id = s.GetInt(0);
  t.name = s.GetText(1);
  t.turnover_buffer = s.GetDuration(2);
  t.generation = s.GetInt(3);
  t.clinic_id = s.GetInt(4);
  return t;
}

core::ClinicInfo ClinicFromRow(const Stmt& s) {
  return core::ClinicInfo{s.GetInt(0), s.GetText(1), s.GetText(2), s.GetText(3),
                          s.GetTime(4)};
}

core::User UserFromRow(const Stmt& s) {
  return core::User{
      s.GetInt(0),      s.GetText(1), static_cast<core::Role>(s.GetInt(2)),
      /*granted=*/{},   s.GetInt(3),  s.GetInt(4),
      s.GetInt(5) != 0, s.GetTime(6)};
}

core::Token TokenFromRow(const Stmt& s) {
  return core::Token{s.GetInt(0),  s.GetInt(1),  s.GetBlob(2),
                     s.GetText(3), s.GetTime(4), s.GetOptionalTime(5)};
}

core::AuditEvent AuditEventFromRow(const Stmt& s) {
  return core::AuditEvent{s.GetInt(0),  s.GetTime(1), s.GetInt(2), s.GetInt(3),
                          s.GetText(4), s.GetText(5), s.GetText(6)};
}

}  // namespace clinic::storage::sqlite
