// The clinic's use cases: what the gRPC services do, in domain terms. Every
// write runs inside one store transaction, so the rules see a stable view
// and no two sessions can take one slot. Inputs are validated by the API
// layer; this layer checks existence (NOT_FOUND) and the rules.
// Thread-safe.
#ifndef CLINIC_SERVICES_CLINIC_CLINIC_H_
#define CLINIC_SERVICES_CLINIC_CLINIC_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/cache/availability_cache.h"
#include "services/clinic/locales.h"
#include "services/clinic/slot_finder.h"
#include "services/core/clock.h"
#include "services/core/rule_table.h"
#include "services/core/rules.h"
#include "services/core/types.h"
#include "services/storage/store.h"

namespace clinic {

using core::Id;

// Whether the caller may act at a clinic: OK, or the error to answer.
// Checked inside the use case, on the clinic of the therapist or booking as
// its transaction reads it.
using ClinicCheck = absl::FunctionRef<absl::Status(core::Id clinic_id)>;
inline absl::Status AnyClinic(core::Id) { return absl::OkStatus(); }

// A session to check or book.
struct SessionSpec {
  Id athlete_id = 0;
  Id therapist_id = 0;
  core::Modality modality = core::Modality::kDeepTissue;
  absl::Time start;
  std::optional<absl::Duration> duration;  // default: the modality's length
};

// The outcome of a reservation or a move: a booking when the verdict allows
// it, otherwise the verdict's violations say why not.
struct Reservation {
  core::Verdict verdict;
  core::Booking booking;  // valid only when verdict.allowed()
};

struct AtRiskSession {
  core::Booking booking;
  std::vector<core::Finding> violations;
};

struct EventOutcome {
  core::Event event;
  std::vector<AtRiskSession> at_risk;  // sessions the event now breaks
};

// The most time off entries not yet ended a therapist may have: with the
// longest reasons (2,000 code points), about 0.8 MB, so one therapist
// always fits in a response.
inline constexpr int kMaxUpcomingTimeOff = 100;

class Clinic {
 public:
  // `store`, `cache` and `clock` must outlive the Clinic. Cached
  // availability expires after `cache_ttl` unused (a safety net only).
  Clinic(storage::Store* store, cache::AvailabilityCache* cache,
         const core::Clock* clock, absl::Duration cache_ttl = absl::Hours(1));

  absl::Time Now() const { return clock_->Now(); }

  // Clinics. Zones and rules are checked by the caller first. Create and
  // Update record in the audit log that `by` made the change.
  absl::StatusOr<core::ClinicInfo> CreateClinic(core::ClinicInfo c,
                                                const core::Actor& by);
  absl::StatusOr<core::ClinicInfo> GetClinic(Id id);
  absl::StatusOr<std::vector<core::ClinicInfo>> ListClinics(
      const storage::PageRequest& page);
  // Reads the clinic, applies `change`, stores. A new zone while the clinic
  // has sessions not yet ended is FAILED_PRECONDITION (reason
  // CLINIC_HAS_SESSIONS) naming how many would move in local time.
  absl::StatusOr<core::ClinicInfo> UpdateClinic(
      Id id, absl::FunctionRef<absl::Status(core::ClinicInfo&)> change,
      const core::Actor& by);
  // Clinic `id` with its zone and parsed rules.
  absl::StatusOr<std::shared_ptr<const Local>> LocalOf(Id id);
  // `id` when not 0, else the only clinic; INVALID_ARGUMENT naming `field`
  // when there are several (or none).
  absl::StatusOr<Id> ClinicOrOnly(Id id, absl::string_view field);

  // Therapists. The caller fills in defaults (turnover buffer) first. The
  // therapists GetTherapist, ListTherapists and UpdateTherapist return hold
  // only the time off not ended by Now(); the rest stays in the store.
  absl::StatusOr<core::Therapist> CreateTherapist(core::Therapist t);
  absl::StatusOr<core::Therapist> GetTherapist(Id id);
  // `clinic_id` 0: at every clinic.
  absl::StatusOr<std::vector<core::Therapist>> ListTherapists(
      std::optional<core::Modality> offering, Id clinic_id,
      const storage::PageRequest& page);
  // Reads the therapist, applies `change`, validates nothing more, stores.
  absl::StatusOr<core::Therapist> UpdateTherapist(
      Id id, absl::FunctionRef<absl::Status(core::Therapist&)> change);
  // Records time off. FAILED_PRECONDITION when it overlaps another time
  // off of the therapist (reason TIME_OFF_OVERLAPS, metadata time_off: the
  // other's id, which the message names too), or when the therapist already
  // has kMaxUpcomingTimeOff entries not yet ended (reason TIME_OFF_LIMIT).
  absl::StatusOr<core::TimeOff> AddTimeOff(core::TimeOff t);
  absl::Status DeleteTimeOff(Id therapist_id, Id time_off_id);

  // Athletes and their calendars.
  absl::StatusOr<core::Athlete> CreateAthlete(core::Athlete a);
  absl::StatusOr<core::Athlete> GetAthlete(Id id);
  absl::StatusOr<std::vector<core::Athlete>> ListAthletes(
      const storage::PageRequest& page);
  // Records the event whatever it breaks, then re-checks the athlete's
  // upcoming sessions near it and marks those that now break a hard rule.
  absl::StatusOr<EventOutcome> AddEvent(core::Event e);
  absl::Status DeleteEvent(Id event_id);
  absl::StatusOr<std::vector<core::Event>> ListEvents(Id athlete_id,
                                                      absl::Time from,
                                                      absl::Time to);
  absl::StatusOr<core::Event> GetEvent(Id id);
  absl::StatusOr<core::Injury> AddInjury(core::Injury i);
  absl::StatusOr<core::Injury> GetInjury(Id id);
  absl::StatusOr<core::Injury> ResolveInjury(Id injury_id);
  absl::StatusOr<std::vector<core::Injury>> ListInjuries(Id athlete_id);

  // Bookings.
  // Check, Reserve, Reschedule and Cancel first ask `may_act` about the
  // clinic of the therapist (the booking).
  absl::StatusOr<core::Verdict> Check(const SessionSpec& spec,
                                      ClinicCheck may_act = AnyClinic);
  // Reserve, Reschedule and Cancel record in the audit log, in their
  // transaction, that `by` made the change.
  // Idempotent on a non-empty request_id, which is `by`'s own key (the same
  // key from another user is another key): a repeat of the same session
  // returns the first booking; the same key for another session is
  // ALREADY_EXISTS naming the first booking.
  absl::StatusOr<Reservation> Reserve(const SessionSpec& spec,
                                      const std::string& request_id,
                                      const core::Actor& by,
                                      ClinicCheck may_act = AnyClinic);
  // Moves the booking to `start` keeping its length, or leaves it where it
  // is when the new time breaks a rule. FAILED_PRECONDITION if cancelled.
  absl::StatusOr<Reservation> Reschedule(Id booking_id, absl::Time start,
                                         const core::Actor& by,
                                         ClinicCheck may_act = AnyClinic);
  // Cancelling a cancelled booking returns it unchanged.
  absl::StatusOr<core::Booking> Cancel(Id booking_id, std::string reason,
                                       const core::Actor& by,
                                       ClinicCheck may_act = AnyClinic);
  absl::StatusOr<core::Booking> GetBooking(Id id);
  absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const storage::BookingFilter& filter, const storage::BookingCursor& after,
      int limit);

  // Availability; see SlotFinder.
  absl::StatusOr<std::vector<core::Slot>> ListAvailableSlots(
      const SlotQuery& query) {
    return slots_.List(query);
  }
  // Alternatives to `spec` for its athlete at the therapist's clinic.
  absl::StatusOr<std::vector<core::Slot>> Suggest(const SessionSpec& spec) {
    return slots_.Suggest(spec.athlete_id, spec.therapist_id, spec.modality,
                          spec.start);
  }

 private:
  // A session with what the rules read about it, by the rules of the
  // therapist's clinic as `r` sees them.
  struct Judgement {
    std::shared_ptr<const Local> local;  // the therapist's clinic
    core::SessionRequest session;
    storage::SessionQuery query;
    storage::SessionContext context;
  };
  // Reads the judgement of the session `session_of` makes under a clinic's
  // rules (its length may depend on them), of the athlete with the
  // therapist; the request id's earlier booking too when `request_id` is
  // not empty. NOT_FOUND when the therapist or the athlete is missing.
  absl::StatusOr<Judgement> Judge(
      storage::Reader& r, Id athlete_id, Id therapist_id,
      absl::FunctionRef<core::SessionRequest(const Local&)> session_of,
      Id request_user_id = 0, const std::string& request_id = "");
  // The rules' verdict on the session of `j` (moved from).
  static core::Verdict Evaluate(Judgement& j,
                                const core::SessionRequest& session,
                                absl::Time now);
  // Clinic `id` with its zone and parsed rules, as `r` sees it.
  absl::StatusOr<std::shared_ptr<const Local>> LocalIn(storage::Reader& r,
                                                       Id id);
  static core::SessionRequest SessionOf(const SessionSpec& spec,
                                        const Local& local);
  // Re-checks the athlete's upcoming confirmed sessions intersecting
  // [from, to) after their calendar changed, stores each one's at-risk mark
  // and returns those at risk.
  absl::StatusOr<std::vector<AtRiskSession>> RefreshAtRisk(
      storage::Transaction& tx, Id athlete_id, absl::Time from, absl::Time to);

  storage::Store* const store_;
  const core::Clock* const clock_;
  Locales locales_;
  // The first guess for a therapist not seen yet (checked like any other).
  const Local defaults_;
  SlotFinder slots_;
  absl::Mutex mu_;
  // Each therapist's clinic (which never changes), once seen.
  absl::flat_hash_map<Id, Id> clinic_of_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINIC_CLINIC_H_
