// The store port: the only source of truth. Implementations: sqlite/ (the
// embedded default, one writer at a time) and postgres/ (shared by clinicd
// replicas). See Store for the contract of a write.
#ifndef CLINIC_SERVICES_STORAGE_STORE_H_
#define CLINIC_SERVICES_STORAGE_STORE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/core/types.h"

namespace clinic::storage {

using core::Id;

// Keyset paging: at most `limit` rows after the cursor (exclusive).
struct PageRequest {
  int limit = 50;
  Id after_id = 0;  // lists ordered by id
};

struct BookingCursor {  // lists of bookings are ordered by (start, id)
  absl::Time start = absl::InfinitePast();
  Id id = 0;
};

struct BookingFilter {
  Id athlete_id = 0;    // 0: any
  Id therapist_id = 0;  // 0: any
  Id clinic_id = 0;     // 0: any
  // Sessions intersecting [from, to).
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  bool confirmed_only = false;
  bool at_risk_only = false;

  // The confirmed sessions of an athlete or a therapist (0: any)
  // intersecting [from, to).
  static BookingFilter Confirmed(Id athlete_id, Id therapist_id,
                                 absl::Time from, absl::Time to) {
    BookingFilter f;
    f.athlete_id = athlete_id;
    f.therapist_id = therapist_id;
    f.from = from;
    f.to = to;
    f.confirmed_only = true;
    return f;
  }
};

// What the rules read to decide on a session (see Reader::GetSessionContext).
struct SessionQuery {
  Id athlete_id = 0;
  Id therapist_id = 0;
  absl::Time start;  // the session
  absl::Time end;
  // The athlete's calendar and sessions to read: those intersecting
  // [from, to).
  absl::Time from;
  absl::Time to;
  // The booking made earlier with this idempotency key, if any (see
  // FindBookingByRequestId); none looked for when empty.
  Id request_user_id = 0;
  std::string request_id;
};

struct SessionContext {
  std::optional<core::Booking> earlier;      // made with the request id
  std::optional<core::Therapist> therapist;  // nullopt: no such therapist
  std::optional<core::ClinicInfo> clinic;    // the therapist's
  std::optional<core::Athlete> athlete;      // nullopt: no such athlete
  std::vector<core::Event> events;           // intersecting [from, to)
  std::vector<core::Injury> injuries;        // active only
  // Confirmed, ordered by (start, id): the athlete's intersecting
  // [from, to), the therapist's within its turnover buffer of the session.
  std::vector<core::Booking> athlete_sessions;
  std::vector<core::Booking> therapist_sessions;
};

// Read operations. NOT_FOUND messages name the kind and the id, e.g.
// "therapist 7 not found"; the API layer maps ids to their public form.
class Reader {
 public:
  virtual ~Reader() = default;

  virtual absl::StatusOr<core::ClinicInfo> GetClinic(Id id) = 0;
  // Ordered by id.
  virtual absl::StatusOr<std::vector<core::ClinicInfo>> ListClinics(
      const PageRequest& page) = 0;

  // Therapists come with hours, prices, modalities and all time off.
  virtual absl::StatusOr<core::Therapist> GetTherapist(Id id) = 0;
  // Ordered by id; `offering` filters by modality, a `clinic_id` other than
  // 0 by clinic.
  virtual absl::StatusOr<std::vector<core::Therapist>> ListTherapists(
      std::optional<core::Modality> offering, Id clinic_id,
      const PageRequest& page) = 0;

  virtual absl::StatusOr<core::Athlete> GetAthlete(Id id) = 0;
  virtual absl::StatusOr<std::vector<core::Athlete>> ListAthletes(
      const PageRequest& page) = 0;

  virtual absl::StatusOr<core::Event> GetEvent(Id id) = 0;
  // The athlete's events intersecting [from, to), ordered by start; empty
  // for an unknown athlete.
  virtual absl::StatusOr<std::vector<core::Event>> ListEvents(
      Id athlete_id, absl::Time from, absl::Time to) = 0;

  virtual absl::StatusOr<core::Injury> GetInjury(Id id) = 0;
  // Ordered by id; empty for an unknown athlete.
  virtual absl::StatusOr<std::vector<core::Injury>> ListInjuries(
      Id athlete_id, bool active_only) = 0;

  virtual absl::StatusOr<core::Booking> GetBooking(Id id) = 0;
  // The booking that user `user_id` created with idempotency key
  // `request_id`, if any. Keys are the user's own: another user's booking
  // with the same key is never found. Nothing for an empty key.
  virtual absl::StatusOr<std::optional<core::Booking>> FindBookingByRequestId(
      Id user_id, const std::string& request_id) = 0;
  // Ordered by (start, id), strictly after `after`, at most `limit`.
  virtual absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const BookingFilter& filter, const BookingCursor& after, int limit) = 0;

  virtual absl::StatusOr<core::User> GetUser(Id id) = 0;
  // Ordered by id.
  virtual absl::StatusOr<std::vector<core::User>> ListUsers(
      const PageRequest& page) = 0;
  virtual absl::StatusOr<core::Token> GetToken(Id id) = 0;
  // The tokens (revoked ones too) whose hash begins with `hash_prefix` (at
  // least 8 bytes): an indexed lookup, after which the caller compares the
  // whole hash in constant time.
  virtual absl::StatusOr<std::vector<core::Token>> FindTokens(
      const std::string& hash_prefix) = 0;
  // The user's tokens, revoked ones too, ordered by id.
  virtual absl::StatusOr<std::vector<core::Token>> ListTokens(Id user_id) = 0;
  // Ordered by id; `target` (e.g. "bk_7"), when not empty, filters.
  virtual absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const std::string& target, const PageRequest& page) = 0;

  // The value of setting `name`, nullopt when unset.
  virtual absl::StatusOr<std::optional<std::string>> GetSetting(
      const std::string& name) = 0;

  // Everything the rules read about a session, at once: what
  // FindBookingByRequestId, GetTherapist, GetClinic (the therapist's),
  // GetAthlete, ListEvents, ListInjuries and ListBookings would return. This
  // default makes those calls; a store where each call is a round trip makes
  // one.
  virtual absl::StatusOr<SessionContext> GetSessionContext(
      const SessionQuery& q);
};

// Settings every replica of a deployment shares (see Reader::GetSetting).
// The one-clinic version kept its rule table and zone under these names;
// the migration to several clinics moves them into clinic 1, so a current
// store holds neither (the contract tests still use them as names).
inline constexpr char kSettingRules[] = "rules";  // a RuleSet, text format
inline constexpr char kSettingTimeZone[] = "time_zone";  // an IANA name

// Read and write operations inside a write transaction. Inserts return the
// new id (NOT_FOUND when the parent row is missing); updates and deletes of
// a missing row are NOT_FOUND. Events longer than kMaxEventLength and
// sessions longer than kMaxSessionLength are INVALID_ARGUMENT.
//
// A method that fails changes nothing, and `fn` should return its error so
// the write rolls back: PostgreSQL cannot go on after a failed statement
// and answers a write that returns OK anyway with INTERNAL.
//
// Every change to a therapist's free time (bookings, hours, buffer, time
// off) sets the therapist's generation to a new random value, never a
// counter: a store restored from a backup, or another store sharing a
// cache, cannot reach a generation that meant something else.
class Transaction : public Reader {
 public:
  virtual absl::StatusOr<Id> InsertClinic(const core::ClinicInfo& c) = 0;
  // Replaces name, zone and rules.
  virtual absl::Status UpdateClinic(const core::ClinicInfo& c) = 0;

  // Stores the therapist with everything it holds, time off included, at
  // its clinic (NOT_FOUND when there is no such clinic).
  virtual absl::StatusOr<Id> InsertTherapist(const core::Therapist& t) = 0;
  // Replaces name, modalities, prices, hours and buffer (not time off).
  virtual absl::Status UpdateTherapist(const core::Therapist& t) = 0;
  virtual absl::StatusOr<Id> InsertTimeOff(const core::TimeOff& t) = 0;
  virtual absl::Status DeleteTimeOff(Id therapist_id, Id time_off_id) = 0;

  virtual absl::StatusOr<Id> InsertAthlete(const core::Athlete& a) = 0;

  virtual absl::StatusOr<Id> InsertEvent(const core::Event& e) = 0;
  virtual absl::Status DeleteEvent(Id id) = 0;

  virtual absl::StatusOr<Id> InsertInjury(const core::Injury& i) = 0;
  // Sets `resolved` (and keeps everything else) of the injury.
  virtual absl::Status UpdateInjury(const core::Injury& i) = 0;

  // request_id, when not empty, belongs to request_user_id (0 for none)
  // and is unique per user: a second insert with the same user and key is
  // ALREADY_EXISTS (reason REQUEST_ID_REUSED); other users may use the same
  // key. An empty request_id stores no user.
  //
  // The store itself forbids double booking: a confirmed session that
  // overlaps another confirmed session of its athlete, or of its therapist
  // widened by the therapist's turnover buffer, is FAILED_PRECONDITION with
  // reason ATHLETE_BUSY or THERAPIST_BUSY (see OverlapError). The rules
  // reject such a session first; this holds whatever path wrote it.
  virtual absl::StatusOr<Id> InsertBooking(const core::Booking& b) = 0;
  // Stores start, end, state, at_risk, at_risk_reason, cancel_reason and
  // update_time of the booking with b.id. Overlaps as for InsertBooking.
  virtual absl::Status UpdateBooking(const core::Booking& b) = 0;

  // NOT_FOUND when a linked therapist or athlete is missing.
  virtual absl::StatusOr<Id> InsertUser(const core::User& u) = 0;
  virtual absl::Status SetUserDisabled(Id id, bool disabled) = 0;
  // NOT_FOUND when the user is missing.
  virtual absl::StatusOr<Id> InsertToken(const core::Token& t) = 0;
  // Sets revoke_time unless the token is already revoked (then keeps the
  // first time and returns OK).
  virtual absl::Status RevokeToken(Id id, absl::Time when) = 0;
  virtual absl::StatusOr<Id> InsertAuditEvent(const core::AuditEvent& e) = 0;
  virtual absl::Status PutSetting(const std::string& name,
                                  const std::string& value) = 0;
};

// What a write reads to decide and then changes: the rows it locks before
// its work runs (see Store::Write). Declare everything the decision depends
// on; a store that runs writes in parallel keeps only what is declared
// stable.
struct Touches {
  Id athlete = 0;         // the athlete's events, injuries and sessions
  Id therapist = 0;       // the therapist's details, time off and sessions
  Id booking = 0;         // the booking's athlete and therapist, as above
  Id event = 0;           // the event's athlete
  Id injury = 0;          // the injury's athlete
  bool users = false;     // the set of users, their roles and their state
  bool settings = false;  // the settings every replica shares

  static Touches Nothing() { return {}; }
  static Touches Athlete(Id id) { return {id}; }
  static Touches Therapist(Id id) { return {0, id}; }
  static Touches Session(Id athlete, Id therapist) {
    return {athlete, therapist};
  }
  static Touches Booking(Id id) { return {0, 0, id}; }
  static Touches Event(Id id) { return {0, 0, 0, id}; }
  static Touches Injury(Id id) { return {0, 0, 0, 0, id}; }
  static Touches Users() { return {0, 0, 0, 0, 0, true}; }
  static Touches Settings() { return {0, 0, 0, 0, 0, false, true}; }
};

// A Store runs units of work: a write is one transaction over a declared
// set of rows (Touches), and may run more than once.
//
// Write(touches, fn)
//   Starts a transaction, locks what `touches` names (rows that do not
//   exist lock nothing; `fn` will find them missing), and runs `fn`. A
//   store may take the locks with fn's first statement, in the same round
//   trip: everything fn reads comes after them either way. When
//   `fn` returns OK the transaction commits durably before Write returns;
//   otherwise it rolls back and Write returns fn's status.
//
//   Concurrent writes that declare overlapping rows run one after the
//   other, and while `fn` runs nothing it declared changes: what it read to
//   decide is still true at commit. Writes that declare disjoint rows may
//   run at the same time.
//
//   So a write that declared the athlete and therapist it books against
//   waits for any other such write, then sees its session: a slot taken
//   meanwhile is the usual THERAPIST_BUSY or ATHLETE_BUSY verdict, never a
//   retry. A write that declared less and collides with a concurrent
//   session anyway meets the database's own guard: InsertBooking or
//   UpdateBooking fails with the busy error (see InsertBooking).
//
//   When the database reports that the transaction lost a race it could
//   not have seen coming (a serialization failure or a deadlock), the
//   store rolls back and runs `fn` again on a fresh transaction, up to
//   kMaxWriteAttempts times with jittered backoff, and then returns
//   ABORTED. It also runs `fn` again on a fresh connection when the one it
//   ran on was cut before the commit (a database restart). So `fn` must be
//   safe to run twice: it may not move from, or accumulate into, state that
//   outlives one call.
//
//   Other errors: UNAVAILABLE when the database cannot be reached or stays
//   locked, DEADLINE_EXCEEDED when the calling thread's core::CallDeadline
//   passes while waiting, INTERNAL when the commit fails for another
//   reason.
//
//   SQLite runs one write at a time, so its declared locks cost nothing
//   and it never re-runs `fn`.
//
// Read(fn)
//   Runs `fn` on a consistent snapshot of committed data (not the changes
//   of a Write in progress, even on the same thread). Readers do not wait
//   for writers.
//
// id()
//   A random identity made when the store was created, kept by backups and
//   copies of it: caches shared by several stores key their entries on it.
//
// Thread-safe.
class Store {
 public:
  static constexpr int kMaxWriteAttempts = 8;

  virtual ~Store() = default;

  virtual absl::Status Write(
      const Touches& touches,
      absl::FunctionRef<absl::Status(Transaction&)> fn) = 0;

  virtual absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) = 0;

  virtual const std::string& id() const = 0;
};

// Runs `fn` (returning StatusOr<T>) in a read snapshot and returns its
// result.
template <typename Fn>
auto InRead(Store* store, Fn fn) -> decltype(fn(std::declval<Reader&>())) {
  decltype(fn(std::declval<Reader&>())) result = absl::UnknownError("unset");
  const absl::Status s = store->Read([&](Reader& r) {
    result = fn(r);
    return result.status();
  });
  if (!s.ok()) return s;
  return result;
}

// Runs `fn` (returning StatusOr<T>) as a write touching `touches`,
// committed only when fn succeeds, and returns its result (that of the last
// run).
template <typename Fn>
auto InWrite(Store* store, const Touches& touches, Fn fn)
    -> decltype(fn(std::declval<Transaction&>())) {
  decltype(fn(std::declval<Transaction&>())) result =
      absl::UnknownError("unset");
  const absl::Status s = store->Write(touches, [&](Transaction& tx) {
    result = fn(tx);
    return result.status();
  });
  if (!s.ok()) return s;
  return result;
}

}  // namespace clinic::storage

#endif  // CLINIC_SERVICES_STORAGE_STORE_H_
