#include "services/storage/postgres/transaction.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/rules.h"
#include "services/core/status_macros.h"
#include "services/storage/checks.h"
#include "services/storage/postgres/rows.h"

namespace clinic::storage::postgres {
namespace {

// Optional links are stored as NULL rather than 0.
std::optional<Id> NullIfZero(Id id) {
  if (id == 0) return std::nullopt;
  return id;
}

// The rows of the therapists of `ids`, in one statement: each row tagged
// with its kind, grouped by therapist (its own row first) and sorted as
// Therapist keeps them (modalities by modality, hours by day and start,
// time off by start and id). Read with TherapistsFromRows.
Statement TherapistsStatement(const std::vector<Id>& ids) {
  return {
      "SELECT 0 AS kind, id AS therapist, turnover_buffer_us AS a, "
      "generation AS b, clinic_id AS c, name AS text "
      "FROM therapists WHERE id = ANY($1::bigint[]) "
      "UNION ALL SELECT 1, therapist_id, modality, offered::int, "
      "price_cents, NULL FROM therapist_modalities "
      "WHERE therapist_id = ANY($1::bigint[]) "
      "UNION ALL SELECT 2, therapist_id, weekday, start_minute, "
      "end_minute, NULL FROM working_hours "
      "WHERE therapist_id = ANY($1::bigint[]) "
      "UNION ALL SELECT 3, therapist_id, start_us, id, end_us, reason "
      "FROM time_off WHERE therapist_id = ANY($1::bigint[]) "
      "ORDER BY 2, 1, 3, 4",
      Params(absl::StrCat("{", absl::StrJoin(ids, ","), "}"))};
}

std::vector<core::Therapist> TherapistsFromRows(const Rows& rows) {
  std::vector<core::Therapist> out;
  for (int i = 0; i < rows.size(); ++i) {
    const int64_t kind = rows.GetInt(i, 0);
    if (kind == 0) {
      core::Therapist t;
      t.id = rows.GetInt(i, 1);
      t.turnover_buffer = rows.GetDuration(i, 2);
      t.generation = rows.GetInt(i, 3);
      t.clinic_id = rows.GetInt(i, 4);
      t.name = rows.GetText(i, 5);
      out.push_back(std::move(t));
      continue;
    }
    core::Therapist& t = out.back();
    if (kind == 1) {
      const auto m = static_cast<core::Modality>(rows.GetInt(i, 2));
      if (rows.GetInt(i, 3) != 0) t.modalities.push_back(m);
      if (!rows.IsNull(i, 4)) t.prices.push_back({m, rows.GetInt(i, 4)});
    } else if (kind == 2) {
      t.hours.push_back({static_cast<absl::Weekday>(rows.GetInt(i, 2)),
                         static_cast<int>(rows.GetInt(i, 3)),
                         static_cast<int>(rows.GetInt(i, 4))});
    } else {
      t.time_off.push_back({rows.GetInt(i, 3), t.id, rows.GetTime(i, 2),
                            rows.GetTime(i, 4), rows.GetText(i, 5)});
    }
  }
  return out;
}

// The clinic of therapist `id`.
Statement ClinicOfStatement(Id therapist_id) {
  return {absl::StrCat("SELECT ", kClinicColumns,
                       " FROM clinics WHERE id = (SELECT clinic_id FROM "
                       "therapists WHERE id = $1)"),
          Params(therapist_id)};
}

Statement AthleteStatement(Id id) {
  return {"SELECT id, name, email FROM athletes WHERE id = $1", Params(id)};
}

// The athlete's events intersecting [from, to), when from < to.
Statement EventsStatement(Id athlete_id, absl::Time from, absl::Time to) {
  // No event is longer than kMaxEventLength, so anything intersecting
  // [from, to) starts in [from - kMaxEventLength, to).
  return {absl::StrCat("SELECT ", kEventColumns,
                       " FROM events WHERE athlete_id = $1 AND start_us "
                       "< $2 AND start_us >= $3 AND end_us > $4 "
                       "ORDER BY start_us, id"),
          Params(athlete_id, to, from - core::kMaxEventLength, from)};
}

Statement InjuriesStatement(Id athlete_id, bool active_only) {
  return {absl::StrCat(
              "SELECT ", kInjuryColumns, " FROM injuries WHERE athlete_id = $1",
              active_only ? " AND resolved_us IS NULL" : "", " ORDER BY id"),
          Params(athlete_id)};
}

// The booking user `user_id` made with key `request_id` (not empty).
Statement RequestStatement(Id user_id, const std::string& request_id) {
  return {absl::StrCat("SELECT ", kBookingColumns,
                       " FROM bookings WHERE request_user_id = $1 AND "
                       "request_id = $2"),
          Params(user_id, request_id)};
}

// The bookings of `filter` after `after`, when filter.from < filter.to.
Statement BookingsStatement(const BookingFilter& filter,
                            const BookingCursor& after, int limit) {
  // As in SQLite: one lower bound on start_us serves both the cursor and
  // the window (no session is longer than kMaxSessionLength).
  const bool bounded_from = filter.from != absl::InfinitePast();
  const absl::Time lower =
      bounded_from
          ? std::max(after.start, filter.from - core::kMaxSessionLength)
          : after.start;
  Params p;
  std::string sql =
      absl::StrCat("SELECT ", kBookingColumns,
                   " FROM bookings WHERE start_us >= ", p.Add(lower),
                   " AND (start_us, id) > (", p.Add(after.start), ", ",
                   p.Add(after.id), ")");
  if (filter.athlete_id != 0) {
    absl::StrAppend(&sql, " AND athlete_id = ", p.Add(filter.athlete_id));
  }
  if (filter.therapist_id != 0) {
    absl::StrAppend(&sql, " AND therapist_id = ", p.Add(filter.therapist_id));
  }
  if (filter.clinic_id != 0) {
    absl::StrAppend(&sql, " AND clinic_id = ", p.Add(filter.clinic_id));
  }
  if (filter.to != absl::InfiniteFuture()) {
    absl::StrAppend(&sql, " AND start_us < ", p.Add(filter.to));
  }
  if (bounded_from) absl::StrAppend(&sql, " AND end_us > ", p.Add(filter.from));
  if (filter.confirmed_only) {
    absl::StrAppend(&sql,
                    " AND state = ", p.Add(core::BookingState::kConfirmed));
  }
  if (filter.at_risk_only) absl::StrAppend(&sql, " AND at_risk");
  absl::StrAppend(&sql, " ORDER BY start_us, id LIMIT ", p.Add(limit));
  return {std::move(sql), std::move(p)};
}

// The therapist's confirmed sessions within its turnover buffer of
// [start, end), the buffer read in the same statement.
Statement BufferedSessionsStatement(Id therapist_id, absl::Time start,
                                    absl::Time end) {
  return {absl::StrCat(
              "WITH t AS (SELECT turnover_buffer_us AS buffer FROM therapists "
              "WHERE id = $1) SELECT ",
              kBookingColumns,
              " FROM bookings, t WHERE therapist_id = $1 AND state = $2 AND "
              "start_us >= $3::bigint - $5::bigint - t.buffer AND start_us < "
              "$4::bigint + t.buffer AND end_us > $3::bigint - t.buffer "
              "ORDER BY start_us, id"),
          Params(therapist_id, core::BookingState::kConfirmed, start, end,
                 core::kMaxSessionLength)};
}

}  // namespace

absl::StatusOr<std::vector<Rows>> PgTransaction::Run(
    std::vector<Statement> batch) {
  if (begun()) return c_.Run(batch);
  const size_t skip = begin_.size();
  begin_.insert(begin_.end(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
  absl::StatusOr<std::vector<Rows>> rows = c_.Run(begin_);
  begin_.clear();
  if (!rows.ok()) return rows.status();
  rows->erase(rows->begin(), rows->begin() + static_cast<ptrdiff_t>(skip));
  return rows;
}

absl::StatusOr<Rows> PgTransaction::Query(std::string sql, Params params) {
  return Query(Statement{std::move(sql), std::move(params)});
}

absl::StatusOr<Rows> PgTransaction::Query(Statement statement) {
  std::vector<Statement> batch;
  batch.push_back(std::move(statement));
  CLINIC_ASSIGN_OR_RETURN(std::vector<Rows> rows, Run(std::move(batch)));
  return std::move(rows.front());
}

template <typename T>
absl::StatusOr<T> PgTransaction::GetOne(const std::string& sql, Id id,
                                        T (*from_row)(const Rows&, int),
                                        core::IdKind kind) {
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(sql, Params(id)));
  if (rows.size() == 0) return core::NotFoundError(kind, id);
  return from_row(rows, 0);
}

absl::StatusOr<Id> PgTransaction::Insert(
    const std::string& sql, const Params& params,
    std::initializer_list<Parent> parents) {
  absl::StatusOr<Rows> rows = Query(sql, params);
  if (rows.ok()) return rows->GetInt(0, 0);
  const ServerError error = ServerErrorOf(rows.status());
  if (error.sqlstate == kForeignKeyViolation) {
    for (const Parent& p : parents) {
      if (absl::EndsWith(error.constraint,
                         absl::StrCat("_", p.column, "_fkey"))) {
        return core::NotFoundError(p.kind, p.id);
      }
    }
  }
  return rows.status();
}

absl::Status PgTransaction::ChangeOne(const std::string& sql,
                                      const Params& params, core::IdKind kind,
                                      Id id) {
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.affected() == 0) return core::NotFoundError(kind, id);
  return absl::OkStatus();
}

// --- Therapists -----------------------------------------------------------

absl::StatusOr<core::Therapist> PgTransaction::GetTherapist(Id id) {
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Therapist> found,
                          LoadTherapists({id}));
  if (found.empty()) return core::NotFoundError(core::IdKind::kTherapist, id);
  return std::move(found.front());
}

absl::StatusOr<std::vector<core::Therapist>> PgTransaction::ListTherapists(
    std::optional<core::Modality> offering, Id clinic_id,
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Params p;
  std::string sql = absl::StrCat("SELECT id FROM therapists t WHERE id > ",
                                 p.Add(page.after_id));
  if (clinic_id != 0) {
    absl::StrAppend(&sql, " AND clinic_id = ", p.Add(clinic_id));
  }
  if (offering.has_value()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM therapist_modalities m "
                    "WHERE m.therapist_id = t.id AND m.modality = ",
                    p.Add(*offering), " AND m.offered)");
  }
  absl::StrAppend(&sql, " ORDER BY id LIMIT ", p.Add(page.limit));
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(sql, p));
  std::vector<Id> ids(rows.size());
  for (int i = 0; i < rows.size(); ++i) ids[i] = rows.GetInt(i, 0);
  return LoadTherapists(ids);
}

absl::StatusOr<core::ClinicInfo> PgTransaction::GetClinic(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kClinicColumns, " FROM clinics WHERE id = $1"),
      id, &ClinicFromRow, core::IdKind::kClinic);
}

absl::StatusOr<std::vector<core::ClinicInfo>> PgTransaction::ListClinics(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(absl::StrCat("SELECT ", kClinicColumns,
                                             " FROM clinics WHERE id > $1 "
                                             "ORDER BY id LIMIT $2"),
                                Params(page.after_id, page.limit)));
  return All(rows, &ClinicFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertClinic(const core::ClinicInfo& c) {
  return Insert(
      "INSERT INTO clinics (name, time_zone, rules, create_us) "
      "VALUES ($1, $2, $3, $4) RETURNING id",
      Params(c.name, c.time_zone, c.rules, c.create_time), {});
}

absl::Status PgTransaction::UpdateClinic(const core::ClinicInfo& c) {
  return ChangeOne(
      "UPDATE clinics SET name = $1, time_zone = $2, rules = $3 WHERE id = $4",
      Params(c.name, c.time_zone, c.rules, c.id), core::IdKind::kClinic, c.id);
}

absl::StatusOr<std::vector<core::Therapist>> PgTransaction::LoadTherapists(
    const std::vector<Id>& ids) {
  if (ids.empty()) return std::vector<core::Therapist>();
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(TherapistsStatement(ids)));
  return TherapistsFromRows(rows);
}

absl::Status PgTransaction::WriteDetails(Id id, const core::Therapist& t) {
  struct Row {
    bool offered = false;
    std::optional<int64_t> price_cents;
  };
  std::map<core::Modality, Row> rows;
  for (core::Modality m : t.modalities) rows[m].offered = true;
  for (const core::Price& p : t.prices) rows[p.modality].price_cents = p.cents;
  for (const auto& [modality, row] : rows) {
    CLINIC_RETURN_IF_ERROR(
        Query("INSERT INTO therapist_modalities (therapist_id, modality, "
              "offered, price_cents) VALUES ($1, $2, $3, $4)",
              Params(id, modality, row.offered, row.price_cents))
            .status());
  }
  for (const core::WorkingHours& h : t.hours) {
    CLINIC_RETURN_IF_ERROR(
        Query("INSERT INTO working_hours (therapist_id, weekday, "
              "start_minute, end_minute) VALUES ($1, $2, $3, $4)",
              Params(id, static_cast<int64_t>(h.day), h.start_minute,
                     h.end_minute))
            .status());
  }
  return absl::OkStatus();
}

absl::Status PgTransaction::BumpGeneration(Id therapist_id) {
  return Query("UPDATE therapists SET generation = $1 WHERE id = $2",
               Params(NewGeneration(), therapist_id))
      .status();
}

absl::StatusOr<Id> PgTransaction::InsertTherapist(const core::Therapist& t) {
  CLINIC_ASSIGN_OR_RETURN(
      const Id id,
      Insert("INSERT INTO therapists (name, turnover_buffer_us, generation, "
             "clinic_id) VALUES ($1, $2, $3, $4) RETURNING id",
             Params(t.name, t.turnover_buffer, NewGeneration(), t.clinic_id),
             {{"clinic_id", core::IdKind::kClinic, t.clinic_id}}));
  CLINIC_RETURN_IF_ERROR(WriteDetails(id, t));
  for (const core::TimeOff& off : t.time_off) {
    core::TimeOff row = off;
    row.therapist_id = id;
    CLINIC_RETURN_IF_ERROR(InsertTimeOff(row).status());
  }
  return id;
}

absl::Status PgTransaction::UpdateTherapist(const core::Therapist& t) {
  CLINIC_RETURN_IF_ERROR(
      ChangeOne("UPDATE therapists SET name = $1, turnover_buffer_us = $2, "
                "generation = $3 WHERE id = $4",
                Params(t.name, t.turnover_buffer, NewGeneration(), t.id),
                core::IdKind::kTherapist, t.id));
  CLINIC_RETURN_IF_ERROR(
      Query("DELETE FROM therapist_modalities WHERE therapist_id = $1",
            Params(t.id))
          .status());
  CLINIC_RETURN_IF_ERROR(
      Query("DELETE FROM working_hours WHERE therapist_id = $1", Params(t.id))
          .status());
  return WriteDetails(t.id, t);
}

absl::StatusOr<Id> PgTransaction::InsertTimeOff(const core::TimeOff& t) {
  CLINIC_ASSIGN_OR_RETURN(
      const Id id,
      Insert("INSERT INTO time_off (therapist_id, start_us, end_us, reason) "
             "VALUES ($1, $2, $3, $4) RETURNING id",
             Params(t.therapist_id, t.start, t.end, t.reason),
             {{"therapist_id", core::IdKind::kTherapist, t.therapist_id}}));
  CLINIC_RETURN_IF_ERROR(BumpGeneration(t.therapist_id));
  return id;
}

absl::Status PgTransaction::DeleteTimeOff(Id therapist_id, Id time_off_id) {
  CLINIC_RETURN_IF_ERROR(ChangeOne(
      "DELETE FROM time_off WHERE id = $1 AND therapist_id = $2",
      Params(time_off_id, therapist_id), core::IdKind::kTimeOff, time_off_id));
  return BumpGeneration(therapist_id);
}

// --- Athletes and their calendars ------------------------------------------

absl::StatusOr<core::Athlete> PgTransaction::GetAthlete(Id id) {
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(AthleteStatement(id)));
  if (rows.size() == 0) return core::NotFoundError(core::IdKind::kAthlete, id);
  return AthleteFromRow(rows, 0);
}

absl::StatusOr<std::vector<core::Athlete>> PgTransaction::ListAthletes(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  CLINIC_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT id, name, email FROM athletes WHERE id > $1 "
                       "ORDER BY id LIMIT $2",
                       Params(page.after_id, page.limit)));
  return All(rows, &AthleteFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertAthlete(const core::Athlete& a) {
  return Insert(
      "INSERT INTO athletes (name, email) VALUES ($1, $2) RETURNING id",
      Params(a.name, a.email), {});
}

absl::StatusOr<core::Event> PgTransaction::GetEvent(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kEventColumns, " FROM events WHERE id = $1"), id,
      &EventFromRow, core::IdKind::kEvent);
}

absl::StatusOr<std::vector<core::Event>> PgTransaction::ListEvents(
    Id athlete_id, absl::Time from, absl::Time to) {
  if (from >= to) return std::vector<core::Event>();
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(EventsStatement(athlete_id, from, to)));
  return All(rows, &EventFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertEvent(const core::Event& e) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("an event", e.start, e.end, core::kMaxEventLength));
  return Insert(
      "INSERT INTO events (athlete_id, kind, name, start_us, end_us) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      Params(e.athlete_id, e.kind, e.name, e.start, e.end),
      {{"athlete_id", core::IdKind::kAthlete, e.athlete_id}});
}

absl::Status PgTransaction::DeleteEvent(Id id) {
  return ChangeOne("DELETE FROM events WHERE id = $1", Params(id),
                   core::IdKind::kEvent, id);
}

absl::StatusOr<core::Injury> PgTransaction::GetInjury(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kInjuryColumns, " FROM injuries WHERE id = $1"),
      id, &InjuryFromRow, core::IdKind::kInjury);
}

absl::StatusOr<std::vector<core::Injury>> PgTransaction::ListInjuries(
    Id athlete_id, bool active_only) {
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(InjuriesStatement(athlete_id, active_only)));
  return All(rows, &InjuryFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertInjury(const core::Injury& i) {
  return Insert(
      "INSERT INTO injuries (athlete_id, region, note, since_us, resolved_us) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      Params(i.athlete_id, i.region, i.note, i.since, i.resolved),
      {{"athlete_id", core::IdKind::kAthlete, i.athlete_id}});
}

absl::Status PgTransaction::UpdateInjury(const core::Injury& i) {
  return ChangeOne("UPDATE injuries SET resolved_us = $1 WHERE id = $2",
                   Params(i.resolved, i.id), core::IdKind::kInjury, i.id);
}

// --- Bookings -------------------------------------------------------------

absl::StatusOr<core::Booking> PgTransaction::GetBooking(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kBookingColumns, " FROM bookings WHERE id = $1"),
      id, &BookingFromRow, core::IdKind::kBooking);
}

absl::StatusOr<std::optional<core::Booking>>
PgTransaction::FindBookingByRequestId(Id user_id,
                                      const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(RequestStatement(user_id, request_id)));
  if (rows.size() == 0) return std::nullopt;
  return BookingFromRow(rows, 0);
}

absl::StatusOr<std::vector<core::Booking>> PgTransaction::ListBookings(
    const BookingFilter& filter, const BookingCursor& after, int limit) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(limit));
  if (filter.from >= filter.to) return std::vector<core::Booking>();
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(BookingsStatement(filter, after, limit)));
  return All(rows, &BookingFromRow);
}

absl::StatusOr<SessionContext> PgTransaction::GetSessionContext(
    const SessionQuery& q) {
  std::vector<Statement> batch;
  batch.push_back(TherapistsStatement({q.therapist_id}));
  batch.push_back(AthleteStatement(q.athlete_id));
  batch.push_back(EventsStatement(q.athlete_id, q.from, q.to));
  batch.push_back(InjuriesStatement(q.athlete_id, /*active_only=*/true));
  batch.push_back(
      BookingsStatement(BookingFilter::Confirmed(q.athlete_id, 0, q.from, q.to),
                        {}, std::numeric_limits<int>::max()));
  batch.push_back(BufferedSessionsStatement(q.therapist_id, q.start, q.end));
  batch.push_back(ClinicOfStatement(q.therapist_id));
  if (!q.request_id.empty()) {
    batch.push_back(RequestStatement(q.request_user_id, q.request_id));
  }
  CLINIC_ASSIGN_OR_RETURN(std::vector<Rows> rows, Run(std::move(batch)));
  SessionContext c;
  std::vector<core::Therapist> therapists = TherapistsFromRows(rows[0]);
  if (!therapists.empty()) c.therapist = std::move(therapists.front());
  if (rows[1].size() > 0) c.athlete = AthleteFromRow(rows[1], 0);
  if (q.from < q.to) {
    c.events = All(rows[2], &EventFromRow);
    c.athlete_sessions = All(rows[4], &BookingFromRow);
  }
  c.injuries = All(rows[3], &InjuryFromRow);
  c.therapist_sessions = All(rows[5], &BookingFromRow);
  if (rows[6].size() > 0) c.clinic = ClinicFromRow(rows[6], 0);
  if (rows.size() > 7 && rows[7].size() > 0) {
    c.earlier = BookingFromRow(rows[7], 0);
  }
  return c;
}

absl::Status PgTransaction::BusyOr(absl::Status status,
                                   const core::Booking& b) {
  const ServerError error = ServerErrorOf(status);
  if (error.sqlstate != kExclusionViolation) return status;
  // Only a concurrent write that declared nothing gets here: the rules and
  // the declared locks see every committed session first.
  const bool athlete = absl::StartsWith(error.constraint, "athlete");
  return core::WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          athlete ? core::FormatId(core::IdKind::kAthlete, b.athlete_id)
                  : core::FormatId(core::IdKind::kTherapist, b.therapist_id),
          " already has a session then")),
      {athlete ? core::kRuleAthleteBusy : core::kRuleTherapistBusy, {}});
}

absl::StatusOr<Id> PgTransaction::InsertBooking(const core::Booking& b) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
  std::optional<absl::string_view> request_id;
  std::optional<Id> request_user_id;
  if (!b.request_id.empty()) {
    request_id = b.request_id;
    request_user_id = b.request_user_id;
  }
  // One statement: the therapist's new generation (and buffer), then the
  // row. A key already taken inserts nothing: the unique index is the
  // arbiter, waiting for a concurrent insert of the same key to finish
  // first (the generation changes anyway: one more cache miss).
  absl::StatusOr<Rows> rows = Query(
      "WITH t AS (UPDATE therapists SET generation = $15 WHERE id = $2 "
      "RETURNING turnover_buffer_us, clinic_id) "
      "INSERT INTO bookings (athlete_id, therapist_id, modality, start_us, "
      "end_us, buffer_us, state, request_id, request_user_id, request_hash, "
      "at_risk, at_risk_reason, cancel_reason, create_us, update_us, "
      "clinic_id) "
      "SELECT $1::bigint, $2::bigint, $3::int, $4::bigint, $5::bigint, "
      "t.turnover_buffer_us, $6::int, $7::text, $8::bigint, $9::text, "
      "$10::boolean, $11::text, $12::text, $13::bigint, $14::bigint, "
      "t.clinic_id FROM t "
      "ON CONFLICT (request_user_id, request_id) DO NOTHING RETURNING id",
      Params(b.athlete_id, b.therapist_id, b.modality, b.start, b.end, b.state,
             request_id, request_user_id, b.request_hash, b.at_risk,
             b.at_risk_reason, b.cancel_reason, b.create_time, b.update_time,
             NewGeneration()));
  if (!rows.ok()) {
    if (ServerErrorOf(rows.status()).sqlstate == kForeignKeyViolation) {
      return core::NotFoundError(core::IdKind::kAthlete, b.athlete_id);
    }
    return BusyOr(rows.status(), b);
  }
  if (rows->size() == 0) {
    // A parent is missing (the SELECT found no therapist) or the key is
    // taken.
    CLINIC_ASSIGN_OR_RETURN(
        Rows found,
        Query("SELECT EXISTS (SELECT 1 FROM athletes WHERE id = $1), "
              "EXISTS (SELECT 1 FROM therapists WHERE id = $2)",
              Params(b.athlete_id, b.therapist_id)));
    if (!found.GetBool(0, 0)) {
      return core::NotFoundError(core::IdKind::kAthlete, b.athlete_id);
    }
    if (!found.GetBool(0, 1)) {
      return core::NotFoundError(core::IdKind::kTherapist, b.therapist_id);
    }
    return RequestIdReusedError(b);
  }
  return rows->GetInt(0, 0);
}

absl::Status PgTransaction::UpdateBooking(const core::Booking& b) {
  CLINIC_RETURN_IF_ERROR(
      CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
  // One statement: the row, then its therapist's new generation.
  absl::StatusOr<Rows> rows = Query(
      "WITH b AS (UPDATE bookings SET start_us = $1, end_us = $2, state = $3, "
      "at_risk = $4, at_risk_reason = $5, cancel_reason = $6, update_us = $7, "
      // A moved session takes the therapist's buffer of today; one that
      // stays keeps the buffer it was stored with.
      "buffer_us = CASE WHEN start_us = $1 AND end_us = $2 THEN buffer_us "
      "ELSE (SELECT turnover_buffer_us FROM therapists t "
      "WHERE t.id = bookings.therapist_id) END WHERE id = $8 "
      "RETURNING therapist_id) "
      "UPDATE therapists SET generation = $9 "
      "WHERE id = (SELECT therapist_id FROM b) RETURNING id",
      Params(b.start, b.end, b.state, b.at_risk, b.at_risk_reason,
             b.cancel_reason, b.update_time, b.id, NewGeneration()));
  if (!rows.ok()) return BusyOr(rows.status(), b);
  if (rows->size() == 0) {
    return core::NotFoundError(core::IdKind::kBooking, b.id);
  }
  return absl::OkStatus();
}

// --- Users, tokens, audit and settings --------------------------------------

absl::StatusOr<core::User> PgTransaction::GetUser(Id id) {
  return GetOne(absl::StrCat("SELECT ", kUserWithGrantsColumns,
                             " FROM users WHERE id = $1"),
                id, &UserFromRow, core::IdKind::kUser);
}

absl::StatusOr<std::vector<core::User>> PgTransaction::ListUsers(
    const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  CLINIC_ASSIGN_OR_RETURN(
      Rows rows,
      Query(absl::StrCat("SELECT ", kUserWithGrantsColumns,
                         " FROM users WHERE id > $1 ORDER BY id LIMIT $2"),
            Params(page.after_id, page.limit)));
  return All(rows, &UserFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertUser(const core::User& u) {
  CLINIC_RETURN_IF_ERROR(CheckGrants(u));
  CLINIC_ASSIGN_OR_RETURN(
      const Id id,
      Insert("INSERT INTO users (name, role, therapist_id, athlete_id, "
             "disabled, create_us) VALUES ($1, $2, $3, $4, $5, $6) "
             "RETURNING id",
             Params(u.name, u.role, NullIfZero(u.therapist_id),
                    NullIfZero(u.athlete_id), u.disabled, u.create_time),
             {{"therapist_id", core::IdKind::kTherapist, u.therapist_id},
              {"athlete_id", core::IdKind::kAthlete, u.athlete_id}}));
  for (core::Role role : u.granted) {
    CLINIC_RETURN_IF_ERROR(
        Query("INSERT INTO user_grants (user_id, role) VALUES ($1, $2)",
              Params(id, role))
            .status());
  }
  for (Id clinic : u.clinics) {
    CLINIC_RETURN_IF_ERROR(
        Insert("INSERT INTO user_clinics (user_id, clinic_id) VALUES ($1, $2) "
               "RETURNING user_id",
               Params(id, clinic),
               {{"clinic_id", core::IdKind::kClinic, clinic}})
            .status());
  }
  return id;
}

absl::Status PgTransaction::SetUserDisabled(Id id, bool disabled) {
  return ChangeOne("UPDATE users SET disabled = $1 WHERE id = $2",
                   Params(disabled, id), core::IdKind::kUser, id);
}

absl::StatusOr<core::Token> PgTransaction::GetToken(Id id) {
  return GetOne(
      absl::StrCat("SELECT ", kTokenColumns, " FROM tokens WHERE id = $1"), id,
      &TokenFromRow, core::IdKind::kToken);
}

absl::StatusOr<std::vector<core::Token>> PgTransaction::FindTokens(
    const std::string& hash_prefix) {
  CLINIC_RETURN_IF_ERROR(CheckTokenPrefix(hash_prefix));
  // The hashes that begin with the prefix are exactly those in
  // [prefix, successor): one range scan of the unique index on hash.
  const std::optional<std::string> end = PrefixSuccessor(hash_prefix);
  Params p;
  std::string sql =
      absl::StrCat("SELECT ", kTokenColumns,
                   " FROM tokens WHERE hash >= ", p.Add(Bytes{hash_prefix}));
  if (end.has_value()) {
    absl::StrAppend(&sql, " AND hash < ", p.Add(Bytes{*end}));
  }
  absl::StrAppend(&sql, " ORDER BY hash");
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(sql, p));
  return All(rows, &TokenFromRow);
}

absl::StatusOr<std::vector<core::Token>> PgTransaction::ListTokens(Id user_id) {
  CLINIC_ASSIGN_OR_RETURN(Rows rows,
                          Query(absl::StrCat("SELECT ", kTokenColumns,
                                             " FROM tokens WHERE user_id = $1 "
                                             "ORDER BY id"),
                                Params(user_id)));
  return All(rows, &TokenFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertToken(const core::Token& t) {
  CLINIC_RETURN_IF_ERROR(CheckTokenHash(t.hash));
  absl::StatusOr<Id> id = Insert(
      "INSERT INTO tokens (user_id, hash, label, create_us, revoke_us) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      Params(t.user_id, Bytes{t.hash}, t.label, t.create_time, t.revoke_time),
      {{"user_id", core::IdKind::kUser, t.user_id}});
  if (ServerErrorOf(id.status()).sqlstate == kUniqueViolation) {
    return absl::AlreadyExistsError("a token with this hash already exists");
  }
  return id;
}

absl::Status PgTransaction::RevokeToken(Id id, absl::Time when) {
  return ChangeOne(
      "UPDATE tokens SET revoke_us = coalesce(revoke_us, $1) WHERE id = $2",
      Params(when, id), core::IdKind::kToken, id);
}

absl::StatusOr<std::vector<core::AuditEvent>> PgTransaction::ListAuditEvents(
    const std::string& target, const PageRequest& page) {
  CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
  Params p;
  std::string sql =
      absl::StrCat("SELECT ", kAuditEventColumns, " FROM audit_events WHERE ");
  if (!target.empty()) {
    absl::StrAppend(&sql, "target = ", p.Add(target), " AND ");
  }
  absl::StrAppend(&sql, "id > ", p.Add(page.after_id), " ORDER BY id LIMIT ",
                  p.Add(page.limit));
  CLINIC_ASSIGN_OR_RETURN(Rows rows, Query(sql, p));
  return All(rows, &AuditEventFromRow);
}

absl::StatusOr<Id> PgTransaction::InsertAuditEvent(const core::AuditEvent& e) {
  return Insert(
      "INSERT INTO audit_events (time_us, user_id, token_id, action, target, "
      "detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      Params(e.time, NullIfZero(e.user_id), NullIfZero(e.token_id), e.action,
             e.target, e.detail),
      {{"user_id", core::IdKind::kUser, e.user_id},
       {"token_id", core::IdKind::kToken, e.token_id}});
}

absl::StatusOr<std::optional<std::string>> PgTransaction::GetSetting(
    const std::string& name) {
  CLINIC_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT value FROM settings WHERE name = $1", Params(name)));
  if (rows.size() == 0) return std::nullopt;
  return rows.GetText(0, 0);
}

absl::Status PgTransaction::PutSetting(const std::string& name,
                                       const std::string& value) {
  return Query(
             "INSERT INTO settings (name, value) VALUES ($1, $2) "
             "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
             Params(name, value))
      .status();
}

}  // namespace clinic::storage::postgres
