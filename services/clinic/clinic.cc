#include "services/clinic/clinic.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/auth/accounts.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_format.h"

namespace clinic {
namespace {

using core::Booking;
using core::IdKind;
using storage::BookingFilter;
using storage::InRead;
using storage::InWrite;
using storage::Reader;
using storage::Touches;
using storage::Transaction;

constexpr int kAll = std::numeric_limits<int>::max();

// What makes two reservations "the same request".
std::string Fingerprint(const Booking& b) {
  return absl::StrCat(
      b.athlete_id, "/", b.therapist_id, "/", static_cast<int>(b.modality), "/",
      absl::ToUnixMicros(b.start), "/", absl::ToUnixMicros(b.end));
}

std::string JoinMessages(const std::vector<core::Finding>& findings) {
  return absl::StrJoin(
      findings, " ",
      [](std::string* out, const core::Finding& f) { out->append(f.message); });
}

// What callers see of a therapist's time off: the entries not ended by
// `now`. Past time off changes no availability, and showing it would make
// a therapist's response grow for as long as the clinic runs.
core::Therapist WithUpcomingTimeOff(core::Therapist t, absl::Time now) {
  t.time_off.erase(std::remove_if(t.time_off.begin(), t.time_off.end(),
                                  [now](const core::TimeOff& off) {
                                    return off.end <= now;
                                  }),
                   t.time_off.end());
  return t;
}

}  // namespace

Clinic::Clinic(storage::Store* store, cache::AvailabilityCache* cache,
               const core::Clock* clock, absl::Duration cache_ttl)
    : store_(store),
      clock_(clock),
      defaults_{{}, absl::UTCTimeZone(), core::RuleTable::Defaults()},
      slots_(store, cache, clock, &locales_, cache_ttl) {}

// --- Clinics --------------------------------------------------------------

absl::StatusOr<core::ClinicInfo> Clinic::CreateClinic(core::ClinicInfo c,
                                                      const core::Actor& by) {
  c.create_time = Now();
  return InWrite(store_, Touches::Nothing(),
                 [&](Transaction& tx) -> absl::StatusOr<core::ClinicInfo> {
                   CLINIC_ASSIGN_OR_RETURN(c.id, tx.InsertClinic(c));
                   CLINIC_RETURN_IF_ERROR(
                       tx.InsertAuditEvent(
                             auth::Audit(by, c.create_time, "clinic.create",
                                         core::FormatId(IdKind::kClinic, c.id),
                                         absl::StrCat(c.name, ", time zone ",
                                                      c.time_zone)))
                           .status());
                   return c;
                 });
}

absl::StatusOr<core::ClinicInfo> Clinic::GetClinic(Id id) {
  return InRead(store_, [&](Reader& r) { return r.GetClinic(id); });
}

absl::StatusOr<std::vector<core::ClinicInfo>> Clinic::ListClinics(
    const storage::PageRequest& page) {
  return InRead(store_, [&](Reader& r) { return r.ListClinics(page); });
}

absl::StatusOr<core::ClinicInfo> Clinic::UpdateClinic(
    Id id, absl::FunctionRef<absl::Status(core::ClinicInfo&)> change,
    const core::Actor& by) {
  return InWrite(
      store_, Touches::Settings(),
      [&](Transaction& tx) -> absl::StatusOr<core::ClinicInfo> {
        CLINIC_ASSIGN_OR_RETURN(const core::ClinicInfo before,
                                tx.GetClinic(id));
        core::ClinicInfo c = before;
        CLINIC_RETURN_IF_ERROR(change(c));
        std::vector<std::string> changes;
        if (c.name != before.name) {
          changes.push_back(absl::StrCat("name ", before.name, " -> ", c.name));
        }
        if (c.time_zone != before.time_zone) {
          BookingFilter ahead;
          ahead.clinic_id = id;
          ahead.from = Now();
          ahead.confirmed_only = true;
          CLINIC_ASSIGN_OR_RETURN(std::vector<Booking> sessions,
                                  tx.ListBookings(ahead, {}, kAll));
          if (!sessions.empty()) {
            return core::WithReason(
                absl::FailedPreconditionError(absl::StrCat(
                    "clinic ", core::FormatId(IdKind::kClinic, id), " has ",
                    sessions.size(),
                    sessions.size() == 1 ? " session" : " sessions",
                    " not yet ended that a new time zone would move in local "
                    "time; cancel or finish them first")),
                {core::kReasonClinicHasSessions,
                 {{"sessions", absl::StrCat(sessions.size())}}});
          }
          changes.push_back(absl::StrCat("time zone ", before.time_zone, " -> ",
                                         c.time_zone));
        }
        if (c.rules != before.rules) changes.push_back("rules replaced");
        if (changes.empty()) return c;
        CLINIC_RETURN_IF_ERROR(tx.UpdateClinic(c));
        CLINIC_RETURN_IF_ERROR(
            tx.InsertAuditEvent(auth::Audit(by, Now(), "clinic.update",
                                            core::FormatId(IdKind::kClinic, id),
                                            absl::StrJoin(changes, "; ")))
                .status());
        return c;
      });
}

absl::StatusOr<std::shared_ptr<const Local>> Clinic::LocalOf(Id id) {
  return InRead(store_, [&](Reader& r) { return LocalIn(r, id); });
}

absl::StatusOr<std::shared_ptr<const Local>> Clinic::LocalIn(Reader& r, Id id) {
  CLINIC_ASSIGN_OR_RETURN(const core::ClinicInfo c, r.GetClinic(id));
  return locales_.Of(c);
}

absl::StatusOr<Id> Clinic::ClinicOrOnly(Id id, absl::string_view field) {
  if (id != 0) return id;
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::ClinicInfo> two,
                          ListClinics({2, 0}));
  if (two.size() == 1) return two.front().id;
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": a clinic id is required",
                   two.empty() ? " (there are no clinics yet)"
                               : " when there are several clinics"));
}

// --- Therapists -----------------------------------------------------------

absl::StatusOr<core::Therapist> Clinic::CreateTherapist(core::Therapist t) {
  return InWrite(store_, Touches::Nothing(),
                 [&](Transaction& tx) -> absl::StatusOr<core::Therapist> {
                   CLINIC_ASSIGN_OR_RETURN(t.id, tx.InsertTherapist(t));
                   return t;
                 });
}

absl::StatusOr<core::Therapist> Clinic::GetTherapist(Id id) {
  CLINIC_ASSIGN_OR_RETURN(core::Therapist t, InRead(store_, [&](Reader& r) {
                            return r.GetTherapist(id);
                          }));
  return WithUpcomingTimeOff(std::move(t), clock_->Now());
}

absl::StatusOr<std::vector<core::Therapist>> Clinic::ListTherapists(
    std::optional<core::Modality> offering, Id clinic_id,
    const storage::PageRequest& page) {
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Therapist> list,
                          InRead(store_, [&](Reader& r) {
                            return r.ListTherapists(offering, clinic_id, page);
                          }));
  const absl::Time now = clock_->Now();
  for (core::Therapist& t : list) t = WithUpcomingTimeOff(std::move(t), now);
  return list;
}

absl::StatusOr<core::Therapist> Clinic::UpdateTherapist(
    Id id, absl::FunctionRef<absl::Status(core::Therapist&)> change) {
  return InWrite(store_, Touches::Therapist(id),
                 [&](Transaction& tx) -> absl::StatusOr<core::Therapist> {
                   CLINIC_ASSIGN_OR_RETURN(core::Therapist t,
                                           tx.GetTherapist(id));
                   CLINIC_RETURN_IF_ERROR(change(t));
                   CLINIC_RETURN_IF_ERROR(tx.UpdateTherapist(t));
                   return WithUpcomingTimeOff(std::move(t), clock_->Now());
                 });
}

absl::StatusOr<core::TimeOff> Clinic::AddTimeOff(core::TimeOff t) {
  return InWrite(
      store_, Touches::Therapist(t.therapist_id),
      [&](Transaction& tx) -> absl::StatusOr<core::TimeOff> {
        CLINIC_ASSIGN_OR_RETURN(const core::Therapist therapist,
                                tx.GetTherapist(t.therapist_id));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                LocalIn(tx, therapist.clinic_id));
        const absl::Time now = clock_->Now();
        int upcoming = 0;
        for (const core::TimeOff& other : therapist.time_off) {
          if (t.start < other.end && other.start < t.end) {
            const std::string id = core::FormatId(IdKind::kTimeOff, other.id);
            return core::WithReason(
                absl::FailedPreconditionError(absl::StrCat(
                    "time off overlaps ", id, " (",
                    core::FormatSpan(other.start, other.end, local->zone),
                    "); delete that one first, or choose another time")),
                {core::kReasonTimeOffOverlaps, {{"time_off", id}}});
          }
          if (other.end > now) ++upcoming;
        }
        if (upcoming >= kMaxUpcomingTimeOff) {
          return core::WithReason(
              absl::FailedPreconditionError(
                  absl::StrCat("therapist ",
                               core::FormatId(IdKind::kTherapist, therapist.id),
                               " already has ", kMaxUpcomingTimeOff,
                               " upcoming time off entries, the most there may "
                               "be; delete one "
                               "or join them into one")),
              {core::kReasonTimeOffLimit, {}});
        }
        CLINIC_ASSIGN_OR_RETURN(t.id, tx.InsertTimeOff(t));
        return t;
      });
}

absl::Status Clinic::DeleteTimeOff(Id therapist_id, Id time_off_id) {
  return store_->Write(Touches::Therapist(therapist_id), [&](Transaction& tx) {
    return tx.DeleteTimeOff(therapist_id, time_off_id);
  });
}

// --- Athletes -------------------------------------------------------------

absl::StatusOr<core::Athlete> Clinic::CreateAthlete(core::Athlete a) {
  return InWrite(store_, Touches::Nothing(),
                 [&](Transaction& tx) -> absl::StatusOr<core::Athlete> {
                   CLINIC_ASSIGN_OR_RETURN(a.id, tx.InsertAthlete(a));
                   return a;
                 });
}

absl::StatusOr<core::Athlete> Clinic::GetAthlete(Id id) {
  return InRead(store_, [&](Reader& r) { return r.GetAthlete(id); });
}

absl::StatusOr<std::vector<core::Athlete>> Clinic::ListAthletes(
    const storage::PageRequest& page) {
  return InRead(store_, [&](Reader& r) { return r.ListAthletes(page); });
}

absl::StatusOr<EventOutcome> Clinic::AddEvent(core::Event e) {
  return InWrite(
      store_, Touches::Athlete(e.athlete_id),
      [&](Transaction& tx) -> absl::StatusOr<EventOutcome> {
        CLINIC_RETURN_IF_ERROR(tx.GetAthlete(e.athlete_id).status());
        CLINIC_ASSIGN_OR_RETURN(e.id, tx.InsertEvent(e));
        CLINIC_ASSIGN_OR_RETURN(
            std::vector<AtRiskSession> at_risk,
            RefreshAtRisk(tx, e.athlete_id, Now(), absl::InfiniteFuture()));
        EventOutcome out{e, {}};
        for (AtRiskSession& s : at_risk) {
          const bool caused_by_e = std::any_of(
              s.violations.begin(), s.violations.end(),
              [&](const core::Finding& f) { return f.event_id == e.id; });
          if (caused_by_e) out.at_risk.push_back(std::move(s));
        }
        return out;
      });
}

absl::Status Clinic::DeleteEvent(Id event_id) {
  return store_->Write(Touches::Event(event_id), [&](Transaction& tx) {
    CLINIC_ASSIGN_OR_RETURN(core::Event e, tx.GetEvent(event_id));
    CLINIC_RETURN_IF_ERROR(tx.DeleteEvent(event_id));
    return RefreshAtRisk(tx, e.athlete_id, Now(), absl::InfiniteFuture())
        .status();
  });
}

absl::StatusOr<std::vector<core::Event>> Clinic::ListEvents(Id athlete_id,
                                                            absl::Time from,
                                                            absl::Time to) {
  return InRead(store_,
                [&](Reader& r) -> absl::StatusOr<std::vector<core::Event>> {
                  CLINIC_RETURN_IF_ERROR(r.GetAthlete(athlete_id).status());
                  return r.ListEvents(athlete_id, from, to);
                });
}

absl::StatusOr<core::Injury> Clinic::AddInjury(core::Injury i) {
  return InWrite(store_, Touches::Athlete(i.athlete_id),
                 [&](Transaction& tx) -> absl::StatusOr<core::Injury> {
                   CLINIC_RETURN_IF_ERROR(tx.GetAthlete(i.athlete_id).status());
                   CLINIC_ASSIGN_OR_RETURN(i.id, tx.InsertInjury(i));
                   CLINIC_RETURN_IF_ERROR(RefreshAtRisk(tx, i.athlete_id, Now(),
                                                        absl::InfiniteFuture())
                                              .status());
                   return i;
                 });
}

absl::StatusOr<core::Injury> Clinic::ResolveInjury(Id injury_id) {
  return InWrite(
      store_, Touches::Injury(injury_id),
      [&](Transaction& tx) -> absl::StatusOr<core::Injury> {
        CLINIC_ASSIGN_OR_RETURN(core::Injury i, tx.GetInjury(injury_id));
        if (!i.active()) return i;
        i.resolved = Now();
        CLINIC_RETURN_IF_ERROR(tx.UpdateInjury(i));
        CLINIC_RETURN_IF_ERROR(
            RefreshAtRisk(tx, i.athlete_id, Now(), absl::InfiniteFuture())
                .status());
        return i;
      });
}

absl::StatusOr<std::vector<core::Injury>> Clinic::ListInjuries(Id athlete_id) {
  return InRead(store_, [&](Reader& r) {
    return r.ListInjuries(athlete_id, /*active_only=*/false);
  });
}

// --- Bookings -------------------------------------------------------------

absl::StatusOr<Clinic::Judgement> Clinic::Judge(
    Reader& r, Id athlete_id, Id therapist_id,
    absl::FunctionRef<core::SessionRequest(const Local&)> session_of,
    Id request_user_id, const std::string& request_id) {
  // A guess at the therapist's clinic as it was last seen, checked against
  // the clinic read with the context: one read when it holds, two when the
  // clinic changed or the therapist is new here.
  Judgement j;
  {
    absl::MutexLock lock(&mu_);
    auto it = clinic_of_.find(therapist_id);
    if (it != clinic_of_.end()) j.local = locales_.Last(it->second);
  }
  for (int read = 0; read < 3; ++read) {
    const Local& local = j.local != nullptr ? *j.local : defaults_;
    j.session = session_of(local);
    j.query.athlete_id = athlete_id;
    j.query.therapist_id = therapist_id;
    j.query.start = j.session.start;
    j.query.end = j.session.end;
    j.query.from = j.session.start - core::ContextReachBefore(local.rules);
    j.query.to = j.session.end + core::ContextReachAfter(local.rules);
    j.query.request_user_id = request_user_id;
    j.query.request_id = request_id;
    CLINIC_ASSIGN_OR_RETURN(j.context, r.GetSessionContext(j.query));
    if (!j.context.therapist) {
      return core::NotFoundError(IdKind::kTherapist, therapist_id);
    }
    if (!j.context.athlete) {
      return core::NotFoundError(IdKind::kAthlete, athlete_id);
    }
    if (!j.context.clinic) {
      return absl::InternalError(absl::StrCat(
          "therapist ", core::FormatId(IdKind::kTherapist, therapist_id),
          " has no clinic"));
    }
    if (j.local != nullptr && j.local->Matches(*j.context.clinic)) return j;
    CLINIC_ASSIGN_OR_RETURN(j.local, locales_.Of(*j.context.clinic));
    absl::MutexLock lock(&mu_);
    clinic_of_[therapist_id] = j.context.clinic->id;
  }
  return absl::AbortedError(
      "the therapist's clinic kept changing while the session was judged");
}

core::Verdict Clinic::Evaluate(Judgement& j,
                               const core::SessionRequest& session,
                               absl::Time now) {
  const core::Calendar calendar(std::move(j.context.events));
  core::BookingContext ctx;
  ctx.now = now;
  ctx.therapist = &*j.context.therapist;
  ctx.athlete = &*j.context.athlete;
  ctx.calendar = &calendar;
  ctx.injuries = std::move(j.context.injuries);
  ctx.athlete_sessions = std::move(j.context.athlete_sessions);
  ctx.therapist_sessions = std::move(j.context.therapist_sessions);
  return core::Evaluate(j.local->rules, j.local->zone, session, ctx);
}

absl::StatusOr<std::vector<AtRiskSession>> Clinic::RefreshAtRisk(
    Transaction& tx, Id athlete_id, absl::Time from, absl::Time to) {
  const absl::Time now = Now();
  CLINIC_ASSIGN_OR_RETURN(core::Athlete athlete, tx.GetAthlete(athlete_id));
  CLINIC_ASSIGN_OR_RETURN(
      std::vector<Booking> sessions,
      tx.ListBookings(
          BookingFilter::Confirmed(athlete_id, 0, std::max(from, now), to), {},
          kAll));
  if (sessions.empty()) return std::vector<AtRiskSession>{};
  // Each session is judged by its clinic's rules, in its clinic's zone.
  absl::flat_hash_map<Id, std::shared_ptr<const Local>> locals;
  absl::Time lo = absl::InfiniteFuture();
  absl::Time hi = absl::InfinitePast();
  for (const Booking& b : sessions) {
    std::shared_ptr<const Local>& local = locals[b.clinic_id];
    if (local == nullptr) {
      CLINIC_ASSIGN_OR_RETURN(local, LocalIn(tx, b.clinic_id));
    }
    lo = std::min(lo, b.start - core::ContextReachBefore(local->rules));
    hi = std::max(hi, b.end + core::ContextReachAfter(local->rules));
  }
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Event> events,
                          tx.ListEvents(athlete_id, lo, hi));
  const core::Calendar calendar(std::move(events));
  core::BookingContext ctx;
  ctx.now = now;
  ctx.athlete = &athlete;
  ctx.calendar = &calendar;
  CLINIC_ASSIGN_OR_RETURN(ctx.injuries,
                          tx.ListInjuries(athlete_id, /*active_only=*/true));

  std::vector<AtRiskSession> at_risk;
  for (Booking& b : sessions) {
    if (b.start <= now) continue;
    const Local& local = *locals[b.clinic_id];
    std::vector<core::Finding> violations =
        core::AthleteViolations(local.rules, local.zone, b, ctx);
    const std::string reason = JoinMessages(violations);
    if (b.at_risk != !violations.empty() || b.at_risk_reason != reason) {
      b.at_risk = !violations.empty();
      b.at_risk_reason = reason;
      b.update_time = now;
      CLINIC_RETURN_IF_ERROR(tx.UpdateBooking(b));
    }
    if (b.at_risk) at_risk.push_back({b, std::move(violations)});
  }
  return at_risk;
}

absl::StatusOr<core::Verdict> Clinic::Check(const SessionSpec& spec,
                                            ClinicCheck may_act) {
  return InRead(store_, [&](Reader& r) -> absl::StatusOr<core::Verdict> {
    CLINIC_ASSIGN_OR_RETURN(
        Judgement j,
        Judge(r, spec.athlete_id, spec.therapist_id,
              [&](const Local& local) { return SessionOf(spec, local); }));
    CLINIC_RETURN_IF_ERROR(may_act(j.local->info.id));
    return Evaluate(j, j.session, Now());
  });
}

core::SessionRequest Clinic::SessionOf(const SessionSpec& spec,
                                       const Local& local) {
  core::SessionRequest s;
  s.modality = spec.modality;
  s.start = spec.start;
  const core::ModalityRule* rule = local.rules.Find(spec.modality);
  s.end =
      spec.start + spec.duration.value_or(rule ? rule->length : absl::Hours(1));
  return s;
}

absl::StatusOr<Reservation> Clinic::Reserve(const SessionSpec& spec,
                                            const std::string& request_id,
                                            const core::Actor& by,
                                            ClinicCheck may_act) {
  return InWrite(
      store_, Touches::Session(spec.athlete_id, spec.therapist_id),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        CLINIC_ASSIGN_OR_RETURN(
            Judgement j,
            Judge(
                tx, spec.athlete_id, spec.therapist_id,
                [&](const Local& local) { return SessionOf(spec, local); },
                by.user_id, request_id));
        CLINIC_RETURN_IF_ERROR(may_act(j.local->info.id));
        Booking b;
        b.athlete_id = spec.athlete_id;
        b.therapist_id = spec.therapist_id;
        b.modality = spec.modality;
        b.start = j.session.start;
        b.end = j.session.end;
        b.request_id = request_id;
        b.request_user_id = by.user_id;
        b.request_hash = Fingerprint(b);
        Reservation out;
        if (j.context.earlier) {
          const Booking first = *j.context.earlier;
          if (first.request_hash != b.request_hash) {
            const std::string booking =
                core::FormatId(IdKind::kBooking, first.id);
            return core::WithReason(
                absl::AlreadyExistsError(absl::StrCat(
                    "request_id: \"", core::Excerpt(request_id),
                    "\" was already used for booking ", booking,
                    ", a different session; use a new request_id for "
                    "a new booking")),
                {core::kReasonRequestIdReused, {{"booking", booking}}});
          }
          // A retry: the first answer again, with its warnings.
          core::SessionRequest again = j.session;
          again.booking_id = first.id;
          out.verdict.warnings = Evaluate(j, again, Now()).warnings;
          out.booking = first;
          return out;
        }
        out.verdict = Evaluate(j, j.session, Now());
        if (!out.verdict.allowed()) return out;
        b.create_time = b.update_time = Now();
        CLINIC_ASSIGN_OR_RETURN(b.id, tx.InsertBooking(b));
        b.clinic_id = j.local->info.id;
        CLINIC_RETURN_IF_ERROR(
            tx
                .InsertAuditEvent(auth::Audit(
                    by, b.create_time, "booking.create",
                    core::FormatId(IdKind::kBooking, b.id),
                    absl::StrCat(
                        core::SessionNoun(b.modality), " ",
                        core::FormatSpan(b.start, b.end, j.local->zone),
                        " for ", core::FormatId(IdKind::kAthlete, b.athlete_id),
                        " with ",
                        core::FormatId(IdKind::kTherapist, b.therapist_id))))
                .status());
        out.booking = b;
        return out;
      });
}

absl::StatusOr<Reservation> Clinic::Reschedule(Id booking_id, absl::Time start,
                                               const core::Actor& by,
                                               ClinicCheck may_act) {
  return InWrite(
      store_, Touches::Booking(booking_id),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        Reservation out;
        CLINIC_ASSIGN_OR_RETURN(out.booking, tx.GetBooking(booking_id));
        Booking& b = out.booking;
        CLINIC_RETURN_IF_ERROR(may_act(b.clinic_id));
        if (b.state == core::BookingState::kCancelled) {
          return core::WithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  "booking ", core::FormatId(IdKind::kBooking, b.id),
                  " is cancelled; reserve a new session instead")),
              {core::kReasonBookingCancelled, {}});
        }
        core::SessionRequest session;
        session.modality = b.modality;
        session.start = start;
        session.end = start + (b.end - b.start);
        session.booking_id = b.id;
        CLINIC_ASSIGN_OR_RETURN(Judgement j,
                                Judge(tx, b.athlete_id, b.therapist_id,
                                      [&](const Local&) { return session; }));
        out.verdict = Evaluate(j, session, Now());
        if (!out.verdict.allowed()) return out;
        const absl::TimeZone zone = j.local->zone;
        const std::string moved = absl::StrCat(
            "from ", core::FormatSpan(b.start, b.end, zone), " to ",
            core::FormatSpan(session.start, session.end, zone));
        b.start = session.start;
        b.end = session.end;
        b.at_risk = false;
        b.at_risk_reason.clear();
        b.update_time = Now();
        CLINIC_RETURN_IF_ERROR(tx.UpdateBooking(b));
        CLINIC_RETURN_IF_ERROR(
            tx.InsertAuditEvent(
                  auth::Audit(by, b.update_time, "booking.reschedule",
                              core::FormatId(IdKind::kBooking, b.id), moved))
                .status());
        return out;
      });
}

absl::StatusOr<Booking> Clinic::Cancel(Id booking_id, std::string reason,
                                       const core::Actor& by,
                                       ClinicCheck may_act) {
  return InWrite(
      store_, Touches::Booking(booking_id),
      [&](Transaction& tx) -> absl::StatusOr<Booking> {
        CLINIC_ASSIGN_OR_RETURN(Booking b, tx.GetBooking(booking_id));
        CLINIC_RETURN_IF_ERROR(may_act(b.clinic_id));
        if (b.state == core::BookingState::kCancelled) return b;
        b.state = core::BookingState::kCancelled;
        b.cancel_reason = reason;  // a copy: this may run again
        b.at_risk = false;
        b.at_risk_reason.clear();
        b.update_time = Now();
        CLINIC_RETURN_IF_ERROR(tx.UpdateBooking(b));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                LocalIn(tx, b.clinic_id));
        CLINIC_RETURN_IF_ERROR(
            tx
                .InsertAuditEvent(auth::Audit(
                    by, b.update_time, "booking.cancel",
                    core::FormatId(IdKind::kBooking, b.id),
                    absl::StrCat(core::FormatSpan(b.start, b.end, local->zone),
                                 b.cancel_reason.empty() ? "" : ": ",
                                 b.cancel_reason)))
                .status());
        return b;
      });
}

absl::StatusOr<core::Event> Clinic::GetEvent(Id id) {
  return InRead(store_, [&](Reader& r) { return r.GetEvent(id); });
}

absl::StatusOr<core::Injury> Clinic::GetInjury(Id id) {
  return InRead(store_, [&](Reader& r) { return r.GetInjury(id); });
}

absl::StatusOr<Booking> Clinic::GetBooking(Id id) {
  return InRead(store_, [&](Reader& r) { return r.GetBooking(id); });
}

absl::StatusOr<std::vector<Booking>> Clinic::ListBookings(
    const BookingFilter& filter, const storage::BookingCursor& after,
    int limit) {
  return InRead(
      store_, [&](Reader& r) { return r.ListBookings(filter, after, limit); });
}

}  // namespace clinic
