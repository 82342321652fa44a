#include "services/storage/sqlite/transaction.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/core/types.h"
#include "services/storage/checks.h"
#include "services/storage/sqlite/connection.h"
#include "services/storage/sqlite/rows.h"
#include "services/storage/store.h"

namespace clinic::storage::sqlite {
namespace {

// Optional links are stored as NULL rather than 0 (which reads back as 0).
std::optional<core::Id> NullIfZero(core::Id id) {
  if (id == 0) return std::nullopt;
  return id;
}

}  // namespace

template <typename T>
absl::StatusOr<T> SqliteTransaction::GetOne(const std::string& sql, Id id,
                                            T (*from_row)(const Stmt&),
                                            core::IdKind kind) {
  Stmt st = c_.Prepare(sql);
  st.Bind(id);
  if (st.Next()) return from_row(st);
  if (!st.status().ok()) return st.status();
  return core::NotFoundError(kind, id);
}

template <typename T>
absl::StatusOr<std::vector<T>> SqliteTransaction::CollectAndLoad(
    Stmt& st, T (*from_row)(const Stmt&),
    absl::Status (SqliteTransaction::*load)(T&)) {
  absl::StatusOr<std::vector<T>> list = Collect(st, from_row);
  if (!list.ok()) return list;
  for (T& row : *list) CLINIC_RETURN_IF_ERROR((this->*load)(row));
  return list;
}

absl::StatusOr<core::Therapist> SqliteTransaction::GetTherapist(Id id) {
  absl::StatusOr<core::Therapist> t = GetOne(
      "SELECT id, name, turnover_buffer_us, generation, clinic_id FROM "
      "therapists WHERE id = ?",
      id, &TherapistFromRow, core::IdKind::kTherapist);
  if (!t.ok()) return t;
  CLINIC_RETURN_IF_ERROR(LoadDetails(*t));
  return t;
}

absl::StatusOr<std::vector<core::Therapist>> SqliteTransaction::ListTherapists(
    std::optional<core::Modality> offering, Id clinic_id,
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  // Built from fixed fragments; parameters bound in the same order.
  std::string sql =
      "SELECT id, name, turnover_buffer_us, generation, clinic_id FROM "
      "therapists t WHERE id > ?";
  if (clinic_id != 0) absl::StrAppend(&sql, " AND clinic_id = ?");
  if (offering.has_value()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM therapist_modalities m "
                    "WHERE m.therapist_id = t.id AND m.modality = ? AND "
                    "m.offered)");
  }
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  Stmt st = c_.Prepare(sql);
  st.Bind(page.after_id);
  if (clinic_id != 0) st.Bind(clinic_id);
  if (offering.has_value()) st.Bind(*offering);
  st.Bind(page.limit);
  return CollectAndLoad(st, &TherapistFromRow, &SqliteTransaction::LoadDetails);
}

absl::StatusOr<core::ClinicInfo> SqliteTransaction::GetClinic(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kClinicColumns, " FROM clinics WHERE id = ?"), id,
      &ClinicFromRow, core::IdKind::kClinic);
}

absl::StatusOr<std::vector<core::ClinicInfo>> SqliteTransaction::ListClinics(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Stmt st = c_.Prepare(absl::StrCat("SELECT ", kClinicColumns,
                                    " FROM clinics WHERE id > ? "
                                    "ORDER BY id LIMIT ?"));
  st.Bind(page.after_id, page.limit);
  return Collect(st, &ClinicFromRow);
}

absl::StatusOr<Id> SqliteTransaction::InsertClinic(const core::ClinicInfo& c) {
  CLINIC_RETURN_IF_ERROR(
      c_.Prepare("INSERT INTO clinics (name, time_zone, rules, create_us) "
                 "VALUES (?, ?, ?, ?)")
          .Bind(c.name, c.time_zone, c.rules, c.create_time)
          .Run());
  return c_.last_insert_id();
}

absl::Status SqliteTransaction::UpdateClinic(const core::ClinicInfo& c) {
  CLINIC_RETURN_IF_ERROR(
      c_.Prepare("UPDATE clinics SET name = ?, time_zone = ?, rules = ? "
                 "WHERE id = ?")
          .Bind(c.name, c.time_zone, c.rules, c.id)
          .Run());
  if (c_.changes() == 0) {
    return core::NotFoundError(core::IdKind::kClinic, c.id);
  }
  return absl::OkStatus();
}

absl::StatusOr<core::Athlete> SqliteTransaction::GetAthlete(Id id) {
  return GetOne("SELECT id, name, email FROM athletes WHERE id = ?", id,
                &AthleteFromRow, core::IdKind::kAthlete);
}

absl::StatusOr<std::vector<core::Athlete>> SqliteTransaction::ListAthletes(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Stmt st = c_.Prepare(
      "SELECT id, name, email FROM athletes WHERE id > ? "
      "ORDER BY id LIMIT ?");
  st.Bind(page.after_id, page.limit);
  return Collect(st, &AthleteFromRow);
}

absl::StatusOr<core::Event> SqliteTransaction::GetEvent(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kEventColumns, " FROM events WHERE id = ?"), id,
      &EventFromRow, core::IdKind::kEvent);
}

absl::StatusOr<std::vector<core::Event>> SqliteTransaction::ListEvents(
    Id athlete_id, absl::Time from, absl::Time to) {
  if (from >= to) return std::vector<core::Event>();
  // No event is longer than kMaxEventLength, so anything intersecting
  // [from, to) starts in [from - kMaxEventLength, to).
  Stmt st = c_.Prepare(
      absl::StrCat("SELECT ", kEventColumns,
                   " FROM events WHERE athlete_id = ? AND start_us < ? "
                   "AND start_us >= ? AND end_us > ? ORDER BY start_us, id"));
  st.Bind(athlete_id, to, from - core::kMaxEventLength, from);
  return Collect(st, &EventFromRow);
}

absl::StatusOr<core::Injury> SqliteTransaction::GetInjury(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kInjuryColumns, " FROM injuries WHERE id = ?"),
      id, &InjuryFromRow, core::IdKind::kInjury);
}

absl::StatusOr<std::vector<core::Injury>> SqliteTransaction::ListInjuries(
    Id athlete_id, bool active_only) {
  Stmt st = c_.Prepare(absl::StrCat(
      "SELECT ", kInjuryColumns, " FROM injuries WHERE athlete_id = ?",
      active_only ? " AND resolved_us IS NULL" : "", " ORDER BY id"));
  st.Bind(athlete_id);
  return Collect(st, &InjuryFromRow);
}

absl::StatusOr<core::Booking> SqliteTransaction::GetBooking(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kBookingColumns, " FROM bookings WHERE id = ?"),
      id, &BookingFromRow, core::IdKind::kBooking);
}

absl::StatusOr<std::optional<core::Booking>>
SqliteTransaction::FindBookingByRequestId(Id user_id,
                                          const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  Stmt st =
      c_.Prepare(absl::StrCat("SELECT ", kBookingColumns,
                              " FROM bookings WHERE request_user_id = ? AND "
                              "request_id = ?"));
  st.Bind(user_id, request_id);
  if (st.Next()) return BookingFromRow(st);
  if (!st.status().ok()) return st.status();
  return std::nullopt;
}

absl::StatusOr<std::vector<core::Booking>> SqliteTransaction::ListBookings(
    const BookingFilter& filter, const BookingCursor& after, int limit) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(limit));
  if (filter.from >= filter.to) return std::vector<core::Booking>();
  // The SQL is built from fixed fragments only; the parameters are bound
  // below in the same order. Each combination is cached once.
  //
  // One lower bound on start_us serves both the cursor and the window (no
  // session is longer than kMaxSessionLength, see CheckSpan), so the scan
  // is an index range [lower, to). The cursor's tie on start is a filter
  // written so that SQLite cannot pick it as a competing range bound.
  const bool bounded_to = filter.to != absl::InfiniteFuture();
  const bool bounded_from = filter.from != absl::InfinitePast();
  const absl::Time lower =
      bounded_from
          ? std::max(after.start, filter.from - core::kMaxSessionLength)
          : after.start;
  std::string sql = absl::StrCat("SELECT ", kBookingColumns,
                                 " FROM bookings WHERE start_us >= ? AND NOT "
                                 "(start_us = ? AND id <= ?)");
  if (filter.athlete_id != 0) absl::StrAppend(&sql, " AND athlete_id = ?");
  if (filter.therapist_id != 0) {
    absl::StrAppend(&sql, " AND therapist_id = ?");
  }
  if (filter.clinic_id != 0) absl::StrAppend(&sql, " AND clinic_id = ?");
  if (bounded_to) absl::StrAppend(&sql, " AND start_us < ?");
  if (bounded_from) absl::StrAppend(&sql, " AND end_us > ?");
  if (filter.confirmed_only) absl::StrAppend(&sql, " AND state = ?");
  if (filter.at_risk_only) absl::StrAppend(&sql, " AND at_risk = 1");
  absl::StrAppend(&sql, " ORDER BY start_us, id LIMIT ?");

  Stmt st = c_.Prepare(sql);
  st.Bind(lower, after.start, after.id);
  if (filter.athlete_id != 0) st.Bind(filter.athlete_id);
  if (filter.therapist_id != 0) st.Bind(filter.therapist_id);
  if (filter.clinic_id != 0) st.Bind(filter.clinic_id);
  if (bounded_to) st.Bind(filter.to);
  if (bounded_from) st.Bind(filter.from);
  if (filter.confirmed_only) st.Bind(core::BookingState::kConfirmed);
  st.Bind(limit);
  return Collect(st, &BookingFromRow);
}

absl::StatusOr<core::User> SqliteTransaction::GetUser(Id id) {
  absl::StatusOr<core::User> u =
      GetOne(absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE id = ?"),
             id, &UserFromRow, core::IdKind::kUser);
  if (!u.ok()) return u;
  CLINIC_RETURN_IF_ERROR(LoadGrants(*u));
  return u;
}

absl::StatusOr<std::vector<core::User>> SqliteTransaction::ListUsers(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Stmt st = c_.Prepare(absl::StrCat(
      "SELECT ", kUserColumns, " FROM users WHERE id > ? ORDER BY id LIMIT ?"));
  st.Bind(page.after_id, page.limit);
  return CollectAndLoad(st, &UserFromRow, &SqliteTransaction::LoadGrants);
}

absl::StatusOr<core::Token> SqliteTransaction::GetToken(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kTokenColumns, " FROM tokens WHERE id = ?"), id,
      &TokenFromRow, core::IdKind::kToken);
}

absl::StatusOr<std::vector<core::Token>> SqliteTransaction::FindTokens(
    const std::string& hash_prefix) {
  CLINIC_RETURN_IF_ERROR(CheckTokenPrefix(hash_prefix));
  // The hashes that begin with the prefix are exactly those in
  // [prefix, successor): one range scan of the unique index on hash.
  const std::optional<std::string> end = PrefixSuccessor(hash_prefix);
  Stmt st = c_.Prepare(
      absl::StrCat("SELECT ", kTokenColumns, " FROM tokens WHERE hash >= ?",
                   end.has_value() ? " AND hash < ?" : "", " ORDER BY hash"));
  st.Bind(Blob{hash_prefix});
  if (end.has_value()) st.Bind(Blob{*end});
  return Collect(st, &TokenFromRow);
}

absl::StatusOr<std::vector<core::Token>> SqliteTransaction::ListTokens(
    Id user_id) {
  Stmt st = c_.Prepare(absl::StrCat("SELECT ", kTokenColumns,
                                    " FROM tokens WHERE user_id = ? "
                                    "ORDER BY id"));
  st.Bind(user_id);
  return Collect(st, &TokenFromRow);
}

absl::StatusOr<std::vector<core::AuditEvent>>
SqliteTransaction::ListAuditEvents(const std::string& target,
                                   const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Stmt st = c_.Prepare(absl::StrCat(
      "SELECT ", kAuditEventColumns, " FROM audit_events WHERE ",
      target.empty() ? "" : "target = ? AND ", "id > ? ORDER BY id LIMIT ?"));
  if (!target.empty()) st.Bind(target);
  st.Bind(page.after_id, page.limit);
  return Collect(st, &AuditEventFromRow);
}

absl::StatusOr<std::optional<std::string>> SqliteTransaction::GetSetting(
    const std::string& name) {
  Stmt st = c_.Prepare("SELECT value FROM settings WHERE name = ?");
  st.Bind(name);
  if (st.Next()) return st.GetText(0);
  if (!st.status().ok()) return st.status();
  return std::nullopt;
}

absl::Status SqliteTransaction::PutSetting(const std::string& name,
                                           const std::string& value) {
  return c_
      .Prepare(
          "INSERT INTO settings (name, value) VALUES (?, ?) "
          "ON CONFLICT (name) DO UPDATE SET value = excluded.value")
      .Bind(name, value)
      .Run();
}

absl::StatusOr<Id> SqliteTransaction::InsertTherapist(
    const core::Therapist& t) {
  CLINIC_RETURN_IF_ERROR(GetClinic(t.clinic_id).status());
  Stmt st = c_.Prepare(
      "INSERT INTO therapists (name, turnover_buffer_us, generation, "
      "clinic_id) VALUES (?, ?, ?, ?)");
  st.Bind(t.name, t.turnover_buffer, NewGeneration(), t.clinic_id);
  CLINIC_RETURN_IF_ERROR(st.Run());
  const Id id = c_.last_insert_id();
  CLINIC_RETURN_IF_ERROR(WriteDetails(id, t));
  for (const core::TimeOff& off : t.time_off) {
    CLINIC_RETURN_IF_ERROR(InsertTimeOffRow(id, off).status());
  }
  return id;
}

absl::Status SqliteTransaction::UpdateTherapist(const core::Therapist& t) {
  {
    Stmt st = c_.Prepare(
        "UPDATE therapists SET name = ?, turnover_buffer_us = ?, "
        "generation = ? WHERE id = ?");
    st.Bind(t.name, t.turnover_buffer, NewGeneration(), t.id);
    CLINIC_RETURN_IF_ERROR(st.Run());
    if (c_.changes() == 0) {
      return core::NotFoundError(core::IdKind::kTherapist, t.id);
    }
  }
  for (const char* sql :
       {"DELETE FROM therapist_modalities WHERE therapist_id = ?",
        "DELETE FROM working_hours WHERE therapist_id = ?"}) {
    CLINIC_RETURN_IF_ERROR(c_.Prepare(sql).Bind(t.id).Run());
  }
  return WriteDetails(t.id, t);
}

absl::StatusOr<Id> SqliteTransaction::InsertTimeOff(const core::TimeOff& t) {
  return InsertTimeOffRow(t.therapist_id, t);
}

absl::Status SqliteTransaction::DeleteTimeOff(Id therapist_id, Id time_off_id) {
  CLINIC_RETURN_IF_ERROR(
      c_.Prepare("DELETE FROM time_off WHERE id = ? AND therapist_id = ?")
          .Bind(time_off_id, therapist_id)
          .Run());
  if (c_.changes() == 0) {
    return core::NotFoundError(core::IdKind::kTimeOff, time_off_id);
  }
  return BumpGeneration(therapist_id);
}

absl::StatusOr<Id> SqliteTransaction::InsertAthlete(const core::Athlete& a) {
  CLINIC_RETURN_IF_ERROR(
      c_.Prepare("INSERT INTO athletes (name, email) VALUES (?, ?)")
          .Bind(a.name, a.email)
          .Run());
  return c_.last_insert_id();
}

absl::StatusOr<Id> SqliteTransaction::InsertEvent(const core::Event& e) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("an event", e.start, e.end, core::kMaxEventLength));
  Stmt st = c_.Prepare(
      "INSERT INTO events (athlete_id, kind, name, start_us, end_us) "
      "VALUES (?, ?, ?, ?, ?)");
  st.Bind(e.athlete_id, e.kind, e.name, e.start, e.end);
  return InsertResult(st, {{"athletes", core::IdKind::kAthlete, e.athlete_id}});
}

absl::Status SqliteTransaction::DeleteEvent(Id id) {
  return ChangeOne(c_.Prepare("DELETE FROM events WHERE id = ?").Bind(id),
                   core::IdKind::kEvent, id);
}

absl::StatusOr<Id> SqliteTransaction::InsertInjury(const core::Injury& i) {
  Stmt st = c_.Prepare(
      "INSERT INTO injuries (athlete_id, region, note, since_us, "
      "resolved_us) VALUES (?, ?, ?, ?, ?)");
  st.Bind(i.athlete_id, i.region, i.note, i.since, i.resolved);
  return InsertResult(st, {{"athletes", core::IdKind::kAthlete, i.athlete_id}});
}

absl::Status SqliteTransaction::UpdateInjury(const core::Injury& i) {
  return ChangeOne(
      c_.Prepare("UPDATE injuries SET resolved_us = ? WHERE id = ?")
          .Bind(i.resolved, i.id),
      core::IdKind::kInjury, i.id);
}

absl::StatusOr<Id> SqliteTransaction::InsertBooking(const core::Booking& b) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
  // Checked before writing, so a refused session is never in the
  // transaction, whatever `fn` does next.
  CLINIC_RETURN_IF_ERROR(CheckNoOverlap(*this, b));
  Stmt st = c_.Prepare(
      "INSERT INTO bookings (athlete_id, therapist_id, modality, start_us, "
      "end_us, state, request_id, request_hash, at_risk, at_risk_reason, "
      "cancel_reason, create_us, update_us, request_user_id, clinic_id) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "coalesce((SELECT clinic_id FROM therapists WHERE id = ?), 0))");
  std::optional<absl::string_view> request_id;
  std::optional<Id> request_user_id;
  if (!b.request_id.empty()) {
    request_id = b.request_id;
    request_user_id = b.request_user_id;
  }
  st.Bind(b.athlete_id, b.therapist_id, b.modality, b.start, b.end, b.state,
          request_id, b.request_hash, b.at_risk, b.at_risk_reason,
          b.cancel_reason, b.create_time, b.update_time, request_user_id,
          b.therapist_id);
  absl::StatusOr<Id> id = InsertResult(
      st, {{"athletes", core::IdKind::kAthlete, b.athlete_id},
           {"therapists", core::IdKind::kTherapist, b.therapist_id}});
  if (st.rc() == SQLITE_CONSTRAINT_UNIQUE) return RequestIdReusedError(b);
  if (!id.ok()) return id;
  CLINIC_RETURN_IF_ERROR(BumpGeneration(b.therapist_id));
  return id;
}

absl::Status SqliteTransaction::UpdateBooking(const core::Booking& b) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
  CLINIC_ASSIGN_OR_RETURN(core::Booking next, GetBooking(b.id));
  next.start = b.start;
  next.end = b.end;
  next.state = b.state;
  CLINIC_RETURN_IF_ERROR(CheckNoOverlap(*this, next));
  CLINIC_RETURN_IF_ERROR(
      c_.Prepare("UPDATE bookings SET start_us = ?, end_us = ?, state = ?, "
                 "at_risk = ?, at_risk_reason = ?, cancel_reason = ?, "
                 "update_us = ? WHERE id = ?")
          .Bind(b.start, b.end, b.state, b.at_risk, b.at_risk_reason,
                b.cancel_reason, b.update_time, b.id)
          .Run());
  return BumpGeneration(next.therapist_id);
}

absl::StatusOr<Id> SqliteTransaction::InsertUser(const core::User& u) {
  CLINIC_RETURN_IF_ERROR(CheckGrants(u));
  Stmt st = c_.Prepare(
      "INSERT INTO users (name, role, therapist_id, athlete_id, disabled, "
      "create_us) VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(u.name, u.role, NullIfZero(u.therapist_id), NullIfZero(u.athlete_id),
          u.disabled, u.create_time);
  CLINIC_ASSIGN_OR_RETURN(
      const Id id,
      InsertResult(st, {{"therapists", core::IdKind::kTherapist, u.therapist_id,
                         /*nullable=*/true},
                        {"athletes", core::IdKind::kAthlete, u.athlete_id,
                         /*nullable=*/true}}));
  for (core::Role role : u.granted) {
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("INSERT INTO user_grants (user_id, role) VALUES (?, ?)")
            .Bind(id, role)
            .Run());
  }
  for (Id clinic : u.clinics) {
    Stmt st = c_.Prepare(
        "INSERT INTO user_clinics (user_id, clinic_id) VALUES (?, ?)");
    st.Bind(id, clinic);
    CLINIC_RETURN_IF_ERROR(
        InsertResult(st, {{"clinics", core::IdKind::kClinic, clinic}})
            .status());
  }
  return id;
}

absl::Status SqliteTransaction::SetUserDisabled(Id id, bool disabled) {
  return ChangeOne(c_.Prepare("UPDATE users SET disabled = ? WHERE id = ?")
                       .Bind(disabled, id),
                   core::IdKind::kUser, id);
}

absl::StatusOr<Id> SqliteTransaction::InsertToken(const core::Token& t) {
  CLINIC_RETURN_IF_ERROR(CheckTokenHash(t.hash));
  Stmt st = c_.Prepare(
      "INSERT INTO tokens (user_id, hash, label, create_us, revoke_us) "
      "VALUES (?, ?, ?, ?, ?)");
  st.Bind(t.user_id, Blob{t.hash}, t.label, t.create_time, t.revoke_time);
  absl::StatusOr<Id> id =
      InsertResult(st, {{"users", core::IdKind::kUser, t.user_id}});
  if (st.rc() == SQLITE_CONSTRAINT_UNIQUE) {
    return absl::AlreadyExistsError("a token with this hash already exists");
  }
  return id;
}

absl::Status SqliteTransaction::RevokeToken(Id id, absl::Time when) {
  return ChangeOne(
      c_.Prepare("UPDATE tokens SET revoke_us = coalesce(revoke_us, ?) "
                 "WHERE id = ?")
          .Bind(when, id),
      core::IdKind::kToken, id);
}

absl::StatusOr<Id> SqliteTransaction::InsertAuditEvent(
    const core::AuditEvent& e) {
  Stmt st = c_.Prepare(
      "INSERT INTO audit_events (time_us, user_id, token_id, action, target, "
      "detail) VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(e.time, NullIfZero(e.user_id), NullIfZero(e.token_id), e.action,
          e.target, e.detail);
  return InsertResult(
      st, {{"users", core::IdKind::kUser, e.user_id, /*nullable=*/true},
           {"tokens", core::IdKind::kToken, e.token_id, /*nullable=*/true}});
}

absl::StatusOr<Id> SqliteTransaction::InsertResult(
    Stmt& st, std::initializer_list<Parent> parents) {
  absl::Status status = st.Run();
  if (status.ok()) return c_.last_insert_id();
  if (st.rc() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    for (const Parent& p : parents) {
      if (p.nullable && p.id == 0) continue;
      CLINIC_RETURN_IF_ERROR(CheckExists(p));
    }
  }
  return status;
}

absl::Status SqliteTransaction::ChangeOne(Stmt& st, core::IdKind kind, Id id) {
  CLINIC_RETURN_IF_ERROR(st.Run());
  if (c_.changes() == 0) return core::NotFoundError(kind, id);
  return absl::OkStatus();
}

absl::Status SqliteTransaction::CheckExists(const Parent& p) {
  Stmt st =
      c_.Prepare(absl::StrCat("SELECT 1 FROM ", p.table, " WHERE id = ?"));
  st.Bind(p.id);
  if (st.Next()) return absl::OkStatus();
  if (!st.status().ok()) return st.status();
  return core::NotFoundError(p.kind, p.id);
}

absl::StatusOr<Id> SqliteTransaction::InsertTimeOffRow(Id therapist_id,
                                                       const core::TimeOff& t) {
  Stmt st = c_.Prepare(
      "INSERT INTO time_off (therapist_id, start_us, end_us, reason) "
      "VALUES (?, ?, ?, ?)");
  st.Bind(therapist_id, t.start, t.end, t.reason);
  absl::StatusOr<Id> id = InsertResult(
      st, {{"therapists", core::IdKind::kTherapist, therapist_id}});
  if (id.ok()) CLINIC_RETURN_IF_ERROR(BumpGeneration(therapist_id));
  return id;
}

absl::Status SqliteTransaction::BumpGeneration(Id therapist_id) {
  return c_.Prepare("UPDATE therapists SET generation = ? WHERE id = ?")
      .Bind(NewGeneration(), therapist_id)
      .Run();
}

absl::Status SqliteTransaction::WriteDetails(Id id, const core::Therapist& t) {
  struct Row {
    bool offered = false;
    std::optional<int64_t> price_cents;
  };
  std::map<core::Modality, Row> rows;
  for (core::Modality m : t.modalities) rows[m].offered = true;
  for (const core::Price& p : t.prices) {
    rows[p.modality].price_cents = p.cents;
  }
  for (const auto& [modality, row] : rows) {
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("INSERT INTO therapist_modalities (therapist_id, "
                   "modality, offered, price_cents) VALUES (?, ?, ?, ?)")
            .Bind(id, modality, row.offered, row.price_cents)
            .Run());
  }
  for (const core::WorkingHours& h : t.hours) {
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("INSERT INTO working_hours (therapist_id, weekday, "
                   "start_minute, end_minute) VALUES (?, ?, ?, ?)")
            .Bind(id, h.day, h.start_minute, h.end_minute)
            .Run());
  }
  return absl::OkStatus();
}

absl::Status SqliteTransaction::LoadDetails(core::Therapist& t) {
  {
    Stmt st = c_.Prepare(
        "SELECT modality, offered, price_cents FROM therapist_modalities "
        "WHERE therapist_id = ? ORDER BY modality");
    st.Bind(t.id);
    while (st.Next()) {
      const auto m = static_cast<core::Modality>(st.GetInt(0));
      if (st.GetInt(1) != 0) t.modalities.push_back(m);
      if (!st.IsNull(2)) t.prices.push_back({m, st.GetInt(2)});
    }
    CLINIC_RETURN_IF_ERROR(st.status());
  }
  {
    Stmt st = c_.Prepare(
        "SELECT weekday, start_minute, end_minute FROM working_hours "
        "WHERE therapist_id = ? ORDER BY weekday, start_minute");
    st.Bind(t.id);
    while (st.Next()) {
      t.hours.push_back({static_cast<absl::Weekday>(st.GetInt(0)),
                         static_cast<int>(st.GetInt(1)),
                         static_cast<int>(st.GetInt(2))});
    }
    CLINIC_RETURN_IF_ERROR(st.status());
  }
  Stmt st = c_.Prepare(
      "SELECT id, therapist_id, start_us, end_us, reason FROM time_off "
      "WHERE therapist_id = ? ORDER BY start_us, id");
  st.Bind(t.id);
  while (st.Next()) {
    t.time_off.push_back({st.GetInt(0), st.GetInt(1), st.GetTime(2),
                          st.GetTime(3), st.GetText(4)});
  }
  return st.status();
}

absl::Status SqliteTransaction::LoadGrants(core::User& u) {
  Stmt st = c_.Prepare(
      "SELECT role FROM user_grants WHERE user_id = ? ORDER BY role");
  st.Bind(u.id);
  while (st.Next()) {
    u.granted.push_back(static_cast<core::Role>(st.GetInt(0)));
  }
  CLINIC_RETURN_IF_ERROR(st.status());
  Stmt clinics = c_.Prepare(
      "SELECT clinic_id FROM user_clinics WHERE user_id = ? ORDER BY "
      "clinic_id");
  clinics.Bind(u.id);
  while (clinics.Next()) u.clinics.push_back(clinics.GetInt(0));
  return clinics.status();
}

}  // namespace clinic::storage::sqlite
