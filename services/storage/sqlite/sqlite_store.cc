#include "services/storage/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/core/deadline.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/storage/checks.h"

namespace clinic::storage {
namespace {

// Schema steps. PRAGMA user_version holds how many have been applied.
// Append only: a step that has shipped is never edited.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE therapists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  turnover_buffer_us INTEGER NOT NULL
);
-- One row per modality the therapist offers or has a price for.
CREATE TABLE therapist_modalities (
  therapist_id INTEGER NOT NULL REFERENCES therapists (id) ON DELETE CASCADE,
  modality INTEGER NOT NULL,
  offered INTEGER NOT NULL,
  price_cents INTEGER,
  PRIMARY KEY (therapist_id, modality)
) WITHOUT ROWID;
CREATE INDEX therapist_modalities_by_modality
  ON therapist_modalities (modality, therapist_id);
CREATE TABLE working_hours (
  therapist_id INTEGER NOT NULL REFERENCES therapists (id) ON DELETE CASCADE,
  weekday INTEGER NOT NULL,  -- 0 = Monday .. 6 = Sunday
  start_minute INTEGER NOT NULL,
  end_minute INTEGER NOT NULL
);
CREATE INDEX working_hours_by_therapist
  ON working_hours (therapist_id, weekday, start_minute);
CREATE TABLE time_off (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  therapist_id INTEGER NOT NULL REFERENCES therapists (id) ON DELETE CASCADE,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX time_off_by_therapist ON time_off (therapist_id, start_us);
CREATE TABLE athletes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  email TEXT NOT NULL
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  kind INTEGER NOT NULL,
  name TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL
);
CREATE INDEX events_by_athlete ON events (athlete_id, start_us);
CREATE TABLE injuries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  region TEXT NOT NULL,
  note TEXT NOT NULL,
  since_us INTEGER NOT NULL,
  resolved_us INTEGER  -- NULL while active
);
CREATE INDEX injuries_by_athlete ON injuries (athlete_id);
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  therapist_id INTEGER NOT NULL REFERENCES therapists (id),
  modality INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  state INTEGER NOT NULL,
  request_id TEXT UNIQUE,  -- NULL when the client sent none
  request_hash TEXT NOT NULL,
  at_risk INTEGER NOT NULL,
  at_risk_reason TEXT NOT NULL,
  cancel_reason TEXT NOT NULL,
  create_us INTEGER NOT NULL,
  update_us INTEGER NOT NULL
);
CREATE INDEX bookings_by_therapist ON bookings (therapist_id, start_us);
CREATE INDEX bookings_by_athlete ON bookings (athlete_id, start_us);
CREATE INDEX bookings_by_start ON bookings (start_us);
)sql",
    // Bumped with every change to a therapist's free time; caches key on it.
    R"sql(
ALTER TABLE therapists ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
)sql",
    // Users, their bearer tokens and the audit trail of changes.
    R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,
  therapist_id INTEGER REFERENCES therapists (id),  -- NULL: none linked
  athlete_id INTEGER REFERENCES athletes (id),  -- NULL: none linked
  disabled INTEGER NOT NULL,
  create_us INTEGER NOT NULL
);
-- The roles granted to a SERVICE user.
CREATE TABLE user_grants (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role INTEGER NOT NULL,
  PRIMARY KEY (user_id, role)
) WITHOUT ROWID;
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id),
  -- SHA-256 of the token's text. Its unique index serves prefix lookups as
  -- a range scan of BLOBs.
  hash BLOB NOT NULL UNIQUE,
  label TEXT NOT NULL,
  create_us INTEGER NOT NULL,
  revoke_us INTEGER  -- NULL while valid
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  user_id INTEGER REFERENCES users (id),  -- NULL: no user
  token_id INTEGER REFERENCES tokens (id),  -- NULL: no token
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_events_by_target ON audit_events (target, id);
)sql",
    // Idempotency keys belong to the user who sent them, as payment APIs
    // scope theirs to the account: request_id is unique per
    // request_user_id, no longer across the clinic. SQLite cannot drop a
    // column's UNIQUE, so the table is rebuilt (ids and the AUTOINCREMENT
    // sequence kept). An existing key belongs to the user of the audit
    // event that recorded its booking, or to user 0 (none) without one.
    R"sql(
CREATE TABLE bookings_v4 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  athlete_id INTEGER NOT NULL REFERENCES athletes (id),
  therapist_id INTEGER NOT NULL REFERENCES therapists (id),
  modality INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  state INTEGER NOT NULL,
  request_id TEXT,  -- NULL when the client sent none
  request_hash TEXT NOT NULL,
  at_risk INTEGER NOT NULL,
  at_risk_reason TEXT NOT NULL,
  cancel_reason TEXT NOT NULL,
  create_us INTEGER NOT NULL,
  update_us INTEGER NOT NULL,
  -- Whose key request_id is (0: no user); NULL exactly when request_id is.
  request_user_id INTEGER,
  CHECK ((request_id IS NULL) = (request_user_id IS NULL))
);
INSERT INTO bookings_v4 (id, athlete_id, therapist_id, modality, start_us,
  end_us, state, request_id, request_hash, at_risk, at_risk_reason,
  cancel_reason, create_us, update_us, request_user_id)
SELECT b.id, b.athlete_id, b.therapist_id, b.modality, b.start_us, b.end_us,
  b.state, b.request_id, b.request_hash, b.at_risk, b.at_risk_reason,
  b.cancel_reason, b.create_us, b.update_us,
  CASE WHEN b.request_id IS NULL THEN NULL ELSE COALESCE(
    (SELECT a.user_id FROM audit_events a
     WHERE a.action = 'booking.create' AND a.target = 'bk_' || b.id
     ORDER BY a.id LIMIT 1), 0) END
FROM bookings b;
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE(
  (SELECT seq FROM sqlite_sequence WHERE name = 'bookings'), 0))
WHERE name = 'bookings_v4';
DROP TABLE bookings;
ALTER TABLE bookings_v4 RENAME TO bookings;
CREATE INDEX bookings_by_therapist ON bookings (therapist_id, start_us);
CREATE INDEX bookings_by_athlete ON bookings (athlete_id, start_us);
CREATE INDEX bookings_by_start ON bookings (start_us);
CREATE UNIQUE INDEX bookings_by_request_id
  ON bookings (request_user_id, request_id);
)sql",
    // Settings every replica shares, and the store's identity, which caches
    // shared by several stores key their entries on.
    R"sql(
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO settings (name, value) VALUES ('store_id', lower(hex(randomblob(16))));
)sql",
};
constexpr int kSchemaVersion =
    static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

constexpr char kEventColumns[] = "id, athlete_id, kind, name, start_us, end_us";
constexpr char kInjuryColumns[] =
    "id, athlete_id, region, note, since_us, resolved_us";
constexpr char kBookingColumns[] =
    "id, athlete_id, therapist_id, modality, start_us, end_us, state, "
    "request_id, request_hash, at_risk, at_risk_reason, cancel_reason, "
    "create_us, update_us, request_user_id";
constexpr char kUserColumns[] =
    "id, name, role, therapist_id, athlete_id, disabled, create_us";
constexpr char kTokenColumns[] =
    "id, user_id, hash, label, create_us, revoke_us";
constexpr char kAuditEventColumns[] =
    "id, time_us, user_id, token_id, action, target, detail";

// BUSY/LOCKED (another connection holds the lock) is worth retrying.
absl::Status SqliteError(int rc, absl::string_view message,
                         absl::string_view context) {
  std::string text = absl::StrCat("sqlite: ", message, " (", context, ")");
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return absl::UnavailableError(text);
  }
  return absl::InternalError(text);
}

absl::Status Annotate(const absl::Status& s, absl::string_view prefix) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(prefix, ": ", s.message()));
}

// Optional links are stored as NULL rather than 0 (which reads back as 0).
std::optional<core::Id> NullIfZero(core::Id id) {
  if (id == 0) return std::nullopt;
  return id;
}

// Bytes bound as a BLOB, which compares bytewise (TEXT never equals a BLOB).
struct Blob {
  absl::string_view bytes;
};

// A cached prepared statement borrowed for one execution: Bind() the
// parameters in order, then Next() through the rows or Run() it. The
// destructor resets the statement for its next user. An error from
// preparing or binding surfaces from Next()/Run()/status(). Not reentrant:
// one SQL text has one live Stmt per connection at a time.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt, absl::Status status)
      : db_(db), stmt_(stmt), status_(std::move(status)) {}
  Stmt(Stmt&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        status_(std::move(other.status_)),
        index_(other.index_),
        rc_(other.rc_),
        done_(other.done_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    (BindOne(args), ...);
    return *this;
  }

  // Steps once; true when a row is available, false at the end or on error.
  bool Next() {
    if (!status_.ok() || done_) return false;
    rc_ = sqlite3_step(stmt_);
    if (rc_ == SQLITE_ROW) return true;
    done_ = true;
    if (rc_ != SQLITE_DONE) {
      status_ = SqliteError(rc_, sqlite3_errmsg(db_), sqlite3_sql(stmt_));
    }
    return false;
  }
  // Steps to the end, ignoring rows.
  absl::Status Run() {
    while (Next()) {
    }
    return status_;
  }
  const absl::Status& status() const { return status_; }
  // Extended result code of the last step (0 before the first).
  int rc() const { return rc_; }

  int64_t GetInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  std::string GetText(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    if (p == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(p),
                       sqlite3_column_bytes(stmt_, col));
  }
  std::string GetBlob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    if (p == nullptr) return "";
    return std::string(static_cast<const char*>(p),
                       sqlite3_column_bytes(stmt_, col));
  }
  absl::Time GetTime(int col) const {
    return absl::FromUnixMicros(GetInt(col));
  }
  std::optional<absl::Time> GetOptionalTime(int col) const {
    if (IsNull(col)) return std::nullopt;
    return GetTime(col);
  }
  absl::Duration GetDuration(int col) const {
    return absl::Microseconds(GetInt(col));
  }

 private:
  void BindOne(int64_t v) { Check(sqlite3_bind_int64(stmt_, ++index_, v)); }
  void BindOne(absl::string_view v) {
    // A null data pointer would bind SQL NULL; an empty text is "".
    Check(sqlite3_bind_text(stmt_, ++index_, v.empty() ? "" : v.data(),
                            static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  // Saturates at the int64 range, so InfinitePast/InfiniteFuture bound
  // correctly.
  void BindOne(absl::Time t) { BindOne(absl::ToUnixMicros(t)); }
  void BindOne(absl::Duration d) { BindOne(absl::ToInt64Microseconds(d)); }
  void BindOne(Blob v) {
    // As for text: a null data pointer would bind SQL NULL.
    Check(sqlite3_bind_blob(
        stmt_, ++index_, v.bytes.empty() ? "" : v.bytes.data(),
        static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT));
  }
  void BindOne(std::nullptr_t) { Check(sqlite3_bind_null(stmt_, ++index_)); }
  template <typename E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  void BindOne(E e) {
    BindOne(static_cast<int64_t>(e));
  }
  template <typename T>
  void BindOne(const std::optional<T>& v) {
    if (v.has_value()) {
      BindOne(*v);
    } else {
      BindOne(nullptr);
    }
  }

  void Check(int rc) {
    if (rc != SQLITE_OK && status_.ok()) {
      status_ = SqliteError(rc, sqlite3_errmsg(db_), "bind");
    }
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;  // owned by the connection's cache
  absl::Status status_;
  int index_ = 0;
  int rc_ = 0;
  bool done_ = false;
};

}  // namespace

// One sqlite3 handle and its cache of prepared statements. Used by one
// thread at a time (the store hands it out exclusively).
class SqliteConnection {
 public:
  // Opens `path` (creating the file when `create`) and sets the
  // per-connection pragmas; `query_only` connections refuse writes.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, bool create, bool query_only) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                      (create ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    // The handle is allocated even when opening fails; the connection
    // closes it either way.
    std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
    if (rc != SQLITE_OK) {
      return absl::UnavailableError(absl::StrCat(
          "cannot open database ", path, ": ",
          db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, SqliteStore::kBusyTimeoutMs);
    CLINIC_RETURN_IF_ERROR(
        Annotate(conn->Exec(query_only ? "PRAGMA foreign_keys = ON;"
                                         "PRAGMA synchronous = FULL;"
                                         "PRAGMA query_only = ON;"
                                       : "PRAGMA foreign_keys = ON;"
                                         "PRAGMA synchronous = FULL;"),
                 absl::StrCat("cannot configure database ", path)));
    return conn;
  }

  ~SqliteConnection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  // Runs SQL that takes no parameters and is run once (schema, pragmas).
  absl::Status Exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return absl::OkStatus();
    absl::Status status =
        SqliteError(rc, error != nullptr ? error : sqlite3_errstr(rc), "exec");
    sqlite3_free(error);
    return status;
  }

  // Returns the cached statement for `sql`, preparing it on first use.
  Stmt Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Stmt(db_, it->second, absl::OkStatus());
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Stmt(db_, nullptr, SqliteError(rc, sqlite3_errmsg(db_), sql));
    }
    cache_.emplace(sql, stmt);
    return Stmt(db_, stmt, absl::OkStatus());
  }

  // Prepares (cached) and runs a statement without parameters.
  absl::Status Run(const std::string& sql) { return Prepare(sql).Run(); }

  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

namespace {

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
  return b;
}

core::Athlete AthleteFromRow(const Stmt& s) {
  return core::Athlete{s.GetInt(0), s.GetText(1), s.GetText(2)};
}

// Therapist row only; details are loaded separately.
core::Therapist TherapistFromRow(const Stmt& s) {
  core::Therapist t;
  t.id = s.GetInt(0);
  t.name = s.GetText(1);
  t.turnover_buffer = s.GetDuration(2);
  t.generation = s.GetInt(3);
  return t;
}

// User row only; grants are loaded separately. NULL links read as 0.
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

// NULL user and token read as 0.
core::AuditEvent AuditEventFromRow(const Stmt& s) {
  return core::AuditEvent{s.GetInt(0),  s.GetTime(1), s.GetInt(2), s.GetInt(3),
                          s.GetText(4), s.GetText(5), s.GetText(6)};
}

template <typename T>
absl::StatusOr<std::vector<T>> Collect(Stmt& st, T (*from_row)(const Stmt&)) {
  std::vector<T> out;
  while (st.Next()) out.push_back(from_row(st));
  if (!st.status().ok()) return st.status();
  return out;
}

// Both Reader (on a reader connection, inside a deferred transaction) and
// Transaction (on the writer, inside BEGIN IMMEDIATE). Valid only for the
// duration of one Read/Write callback.
class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(SqliteConnection& c) : c_(c) {}

  absl::StatusOr<core::Therapist> GetTherapist(Id id) override {
    absl::StatusOr<core::Therapist> t = GetOne(
        "SELECT id, name, turnover_buffer_us, generation FROM therapists WHERE "
        "id = ?",
        id, &TherapistFromRow, core::IdKind::kTherapist);
    if (!t.ok()) return t;
    CLINIC_RETURN_IF_ERROR(LoadDetails(*t));
    return t;
  }

  absl::StatusOr<std::vector<core::Therapist>> ListTherapists(
      std::optional<core::Modality> offering,
      const PageRequest& page) override {
    CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
    if (offering.has_value()) {
      Stmt st = c_.Prepare(
          "SELECT id, name, turnover_buffer_us, generation FROM therapists t "
          "WHERE id > ? AND EXISTS (SELECT 1 FROM therapist_modalities m "
          "WHERE m.therapist_id = t.id AND m.modality = ? AND m.offered) "
          "ORDER BY id LIMIT ?");
      st.Bind(page.after_id, *offering, page.limit);
      return CollectAndLoad(st, &TherapistFromRow,
                            &SqliteTransaction::LoadDetails);
    }
    Stmt st = c_.Prepare(
        "SELECT id, name, turnover_buffer_us, generation FROM therapists "
        "WHERE id > ? ORDER BY id LIMIT ?");
    st.Bind(page.after_id, page.limit);
    return CollectAndLoad(st, &TherapistFromRow,
                          &SqliteTransaction::LoadDetails);
  }

  absl::StatusOr<core::Athlete> GetAthlete(Id id) override {
    return GetOne("SELECT id, name, email FROM athletes WHERE id = ?", id,
                  &AthleteFromRow, core::IdKind::kAthlete);
  }

  absl::StatusOr<std::vector<core::Athlete>> ListAthletes(
      const PageRequest& page) override {
    CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
    Stmt st = c_.Prepare(
        "SELECT id, name, email FROM athletes WHERE id > ? "
        "ORDER BY id LIMIT ?");
    st.Bind(page.after_id, page.limit);
    return Collect(st, &AthleteFromRow);
  }

  absl::StatusOr<core::Event> GetEvent(Id id) override {
    return GetOne(
        absl::StrCat("SELECT ", kEventColumns, " FROM events WHERE id = ?"), id,
        &EventFromRow, core::IdKind::kEvent);
  }

  absl::StatusOr<std::vector<core::Event>> ListEvents(Id athlete_id,
                                                      absl::Time from,
                                                      absl::Time to) override {
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

  absl::StatusOr<core::Injury> GetInjury(Id id) override {
    return GetOne(
        absl::StrCat("SELECT ", kInjuryColumns, " FROM injuries WHERE id = ?"),
        id, &InjuryFromRow, core::IdKind::kInjury);
  }

  absl::StatusOr<std::vector<core::Injury>> ListInjuries(
      Id athlete_id, bool active_only) override {
    Stmt st = c_.Prepare(absl::StrCat(
        "SELECT ", kInjuryColumns, " FROM injuries WHERE athlete_id = ?",
        active_only ? " AND resolved_us IS NULL" : "", " ORDER BY id"));
    st.Bind(athlete_id);
    return Collect(st, &InjuryFromRow);
  }

  absl::StatusOr<core::Booking> GetBooking(Id id) override {
    return GetOne(
        absl::StrCat("SELECT ", kBookingColumns, " FROM bookings WHERE id = ?"),
        id, &BookingFromRow, core::IdKind::kBooking);
  }

  absl::StatusOr<std::optional<core::Booking>> FindBookingByRequestId(
      Id user_id, const std::string& request_id) override {
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

  absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const BookingFilter& filter, const BookingCursor& after,
      int limit) override {
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
    if (bounded_to) absl::StrAppend(&sql, " AND start_us < ?");
    if (bounded_from) absl::StrAppend(&sql, " AND end_us > ?");
    if (filter.confirmed_only) absl::StrAppend(&sql, " AND state = ?");
    if (filter.at_risk_only) absl::StrAppend(&sql, " AND at_risk = 1");
    absl::StrAppend(&sql, " ORDER BY start_us, id LIMIT ?");

    Stmt st = c_.Prepare(sql);
    st.Bind(lower, after.start, after.id);
    if (filter.athlete_id != 0) st.Bind(filter.athlete_id);
    if (filter.therapist_id != 0) st.Bind(filter.therapist_id);
    if (bounded_to) st.Bind(filter.to);
    if (bounded_from) st.Bind(filter.from);
    if (filter.confirmed_only) st.Bind(core::BookingState::kConfirmed);
    st.Bind(limit);
    return Collect(st, &BookingFromRow);
  }

  absl::StatusOr<core::User> GetUser(Id id) override {
    absl::StatusOr<core::User> u = GetOne(
        absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE id = ?"), id,
        &UserFromRow, core::IdKind::kUser);
    if (!u.ok()) return u;
    CLINIC_RETURN_IF_ERROR(LoadGrants(*u));
    return u;
  }

  absl::StatusOr<std::vector<core::User>> ListUsers(
      const PageRequest& page) override {
    CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
    Stmt st = c_.Prepare(
        absl::StrCat("SELECT ", kUserColumns,
                     " FROM users WHERE id > ? ORDER BY id LIMIT ?"));
    st.Bind(page.after_id, page.limit);
    return CollectAndLoad(st, &UserFromRow, &SqliteTransaction::LoadGrants);
  }

  absl::StatusOr<core::Token> GetToken(Id id) override {
    return GetOne(
        absl::StrCat("SELECT ", kTokenColumns, " FROM tokens WHERE id = ?"), id,
        &TokenFromRow, core::IdKind::kToken);
  }

  absl::StatusOr<std::vector<core::Token>> FindTokens(
      const std::string& hash_prefix) override {
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

  absl::StatusOr<std::vector<core::Token>> ListTokens(Id user_id) override {
    Stmt st = c_.Prepare(absl::StrCat("SELECT ", kTokenColumns,
                                      " FROM tokens WHERE user_id = ? "
                                      "ORDER BY id"));
    st.Bind(user_id);
    return Collect(st, &TokenFromRow);
  }

  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const std::string& target, const PageRequest& page) override {
    CLINIC_RETURN_IF_ERROR(CheckLimit(page.limit));
    Stmt st = c_.Prepare(absl::StrCat(
        "SELECT ", kAuditEventColumns, " FROM audit_events WHERE ",
        target.empty() ? "" : "target = ? AND ", "id > ? ORDER BY id LIMIT ?"));
    if (!target.empty()) st.Bind(target);
    st.Bind(page.after_id, page.limit);
    return Collect(st, &AuditEventFromRow);
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(
      const std::string& name) override {
    Stmt st = c_.Prepare("SELECT value FROM settings WHERE name = ?");
    st.Bind(name);
    if (st.Next()) return st.GetText(0);
    if (!st.status().ok()) return st.status();
    return std::nullopt;
  }

  absl::Status PutSetting(const std::string& name,
                          const std::string& value) override {
    return c_
        .Prepare(
            "INSERT INTO settings (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .Bind(name, value)
        .Run();
  }

  absl::StatusOr<Id> InsertTherapist(const core::Therapist& t) override {
    Stmt st = c_.Prepare(
        "INSERT INTO therapists (name, turnover_buffer_us, generation) "
        "VALUES (?, ?, ?)");
    st.Bind(t.name, t.turnover_buffer, NewGeneration());
    CLINIC_RETURN_IF_ERROR(st.Run());
    const Id id = c_.last_insert_id();
    CLINIC_RETURN_IF_ERROR(WriteDetails(id, t));
    for (const core::TimeOff& off : t.time_off) {
      CLINIC_RETURN_IF_ERROR(InsertTimeOffRow(id, off).status());
    }
    return id;
  }

  absl::Status UpdateTherapist(const core::Therapist& t) override {
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

  absl::StatusOr<Id> InsertTimeOff(const core::TimeOff& t) override {
    return InsertTimeOffRow(t.therapist_id, t);
  }

  absl::Status DeleteTimeOff(Id therapist_id, Id time_off_id) override {
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("DELETE FROM time_off WHERE id = ? AND therapist_id = ?")
            .Bind(time_off_id, therapist_id)
            .Run());
    if (c_.changes() == 0) {
      return core::NotFoundError(core::IdKind::kTimeOff, time_off_id);
    }
    return BumpGeneration(therapist_id);
  }

  absl::StatusOr<Id> InsertAthlete(const core::Athlete& a) override {
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("INSERT INTO athletes (name, email) VALUES (?, ?)")
            .Bind(a.name, a.email)
            .Run());
    return c_.last_insert_id();
  }

  absl::StatusOr<Id> InsertEvent(const core::Event& e) override {
    CLINIC_RETURN_IF_ERROR(
        CheckSpan("an event", e.start, e.end, core::kMaxEventLength));
    Stmt st = c_.Prepare(
        "INSERT INTO events (athlete_id, kind, name, start_us, end_us) "
        "VALUES (?, ?, ?, ?, ?)");
    st.Bind(e.athlete_id, e.kind, e.name, e.start, e.end);
    return InsertResult(st,
                        {{"athletes", core::IdKind::kAthlete, e.athlete_id}});
  }

  absl::Status DeleteEvent(Id id) override {
    return ChangeOne(c_.Prepare("DELETE FROM events WHERE id = ?").Bind(id),
                     core::IdKind::kEvent, id);
  }

  absl::StatusOr<Id> InsertInjury(const core::Injury& i) override {
    Stmt st = c_.Prepare(
        "INSERT INTO injuries (athlete_id, region, note, since_us, "
        "resolved_us) VALUES (?, ?, ?, ?, ?)");
    st.Bind(i.athlete_id, i.region, i.note, i.since, i.resolved);
    return InsertResult(st,
                        {{"athletes", core::IdKind::kAthlete, i.athlete_id}});
  }

  absl::Status UpdateInjury(const core::Injury& i) override {
    return ChangeOne(
        c_.Prepare("UPDATE injuries SET resolved_us = ? WHERE id = ?")
            .Bind(i.resolved, i.id),
        core::IdKind::kInjury, i.id);
  }

  absl::StatusOr<Id> InsertBooking(const core::Booking& b) override {
    CLINIC_RETURN_IF_ERROR(
        CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
    Stmt st = c_.Prepare(
        "INSERT INTO bookings (athlete_id, therapist_id, modality, start_us, "
        "end_us, state, request_id, request_hash, at_risk, at_risk_reason, "
        "cancel_reason, create_us, update_us, request_user_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::optional<absl::string_view> request_id;
    std::optional<Id> request_user_id;
    if (!b.request_id.empty()) {
      request_id = b.request_id;
      request_user_id = b.request_user_id;
    }
    st.Bind(b.athlete_id, b.therapist_id, b.modality, b.start, b.end, b.state,
            request_id, b.request_hash, b.at_risk, b.at_risk_reason,
            b.cancel_reason, b.create_time, b.update_time, request_user_id);
    absl::StatusOr<Id> id = InsertResult(
        st, {{"athletes", core::IdKind::kAthlete, b.athlete_id},
             {"therapists", core::IdKind::kTherapist, b.therapist_id}});
    if (st.rc() == SQLITE_CONSTRAINT_UNIQUE) return RequestIdReusedError(b);
    if (!id.ok()) return id;
    core::Booking stored = b;
    stored.id = *id;
    CLINIC_RETURN_IF_ERROR(CheckNoOverlap(*this, stored));
    CLINIC_RETURN_IF_ERROR(BumpGeneration(b.therapist_id));
    return id;
  }

  absl::Status UpdateBooking(const core::Booking& b) override {
    CLINIC_RETURN_IF_ERROR(
        CheckSpan("a session", b.start, b.end, core::kMaxSessionLength));
    CLINIC_RETURN_IF_ERROR(
        c_.Prepare("UPDATE bookings SET start_us = ?, end_us = ?, state = ?, "
                   "at_risk = ?, at_risk_reason = ?, cancel_reason = ?, "
                   "update_us = ? WHERE id = ?")
            .Bind(b.start, b.end, b.state, b.at_risk, b.at_risk_reason,
                  b.cancel_reason, b.update_time, b.id)
            .Run());
    if (c_.changes() == 0) {
      return core::NotFoundError(core::IdKind::kBooking, b.id);
    }
    CLINIC_ASSIGN_OR_RETURN(const core::Booking stored, GetBooking(b.id));
    CLINIC_RETURN_IF_ERROR(CheckNoOverlap(*this, stored));
    return BumpGeneration(stored.therapist_id);
  }

  absl::StatusOr<Id> InsertUser(const core::User& u) override {
    CLINIC_RETURN_IF_ERROR(CheckGrants(u));
    Stmt st = c_.Prepare(
        "INSERT INTO users (name, role, therapist_id, athlete_id, disabled, "
        "create_us) VALUES (?, ?, ?, ?, ?, ?)");
    st.Bind(u.name, u.role, NullIfZero(u.therapist_id),
            NullIfZero(u.athlete_id), u.disabled, u.create_time);
    CLINIC_ASSIGN_OR_RETURN(
        const Id id,
        InsertResult(st, {{"therapists", core::IdKind::kTherapist,
                           u.therapist_id, /*nullable=*/true},
                          {"athletes", core::IdKind::kAthlete, u.athlete_id,
                           /*nullable=*/true}}));
    for (core::Role role : u.granted) {
      CLINIC_RETURN_IF_ERROR(
          c_.Prepare("INSERT INTO user_grants (user_id, role) VALUES (?, ?)")
              .Bind(id, role)
              .Run());
    }
    return id;
  }

  absl::Status SetUserDisabled(Id id, bool disabled) override {
    return ChangeOne(c_.Prepare("UPDATE users SET disabled = ? WHERE id = ?")
                         .Bind(disabled, id),
                     core::IdKind::kUser, id);
  }

  absl::StatusOr<Id> InsertToken(const core::Token& t) override {
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

  absl::Status RevokeToken(Id id, absl::Time when) override {
    return ChangeOne(
        c_.Prepare("UPDATE tokens SET revoke_us = coalesce(revoke_us, ?) "
                   "WHERE id = ?")
            .Bind(when, id),
        core::IdKind::kToken, id);
  }

  absl::StatusOr<Id> InsertAuditEvent(const core::AuditEvent& e) override {
    Stmt st = c_.Prepare(
        "INSERT INTO audit_events (time_us, user_id, token_id, action, target, "
        "detail) VALUES (?, ?, ?, ?, ?, ?)");
    st.Bind(e.time, NullIfZero(e.user_id), NullIfZero(e.token_id), e.action,
            e.target, e.detail);
    return InsertResult(
        st, {{"users", core::IdKind::kUser, e.user_id, /*nullable=*/true},
             {"tokens", core::IdKind::kToken, e.token_id, /*nullable=*/true}});
  }

 private:
  struct Parent {
    const char* table;  // a fixed table name, never input
    core::IdKind kind;
    Id id;
    bool nullable = false;  // a 0 id is stored as NULL and links nothing
  };

  template <typename T>
  absl::StatusOr<T> GetOne(const std::string& sql, Id id,
                           T (*from_row)(const Stmt&), core::IdKind kind) {
    Stmt st = c_.Prepare(sql);
    st.Bind(id);
    if (st.Next()) return from_row(st);
    if (!st.status().ok()) return st.status();
    return core::NotFoundError(kind, id);
  }

  // Collect(), then `load` completes each row.
  template <typename T>
  absl::StatusOr<std::vector<T>> CollectAndLoad(
      Stmt& st, T (*from_row)(const Stmt&),
      absl::Status (SqliteTransaction::*load)(T&)) {
    absl::StatusOr<std::vector<T>> list = Collect(st, from_row);
    if (!list.ok()) return list;
    for (T& row : *list) CLINIC_RETURN_IF_ERROR((this->*load)(row));
    return list;
  }

  // Runs an INSERT; the new id, or NOT_FOUND naming the first missing
  // parent when a foreign key failed.
  absl::StatusOr<Id> InsertResult(Stmt& st,
                                  std::initializer_list<Parent> parents) {
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

  // Runs an UPDATE or DELETE of row `id`; NOT_FOUND when it changed no row.
  absl::Status ChangeOne(Stmt& st, core::IdKind kind, Id id) {
    CLINIC_RETURN_IF_ERROR(st.Run());
    if (c_.changes() == 0) return core::NotFoundError(kind, id);
    return absl::OkStatus();
  }

  absl::Status CheckExists(const Parent& p) {
    Stmt st =
        c_.Prepare(absl::StrCat("SELECT 1 FROM ", p.table, " WHERE id = ?"));
    st.Bind(p.id);
    if (st.Next()) return absl::OkStatus();
    if (!st.status().ok()) return st.status();
    return core::NotFoundError(p.kind, p.id);
  }

  absl::StatusOr<Id> InsertTimeOffRow(Id therapist_id, const core::TimeOff& t) {
    Stmt st = c_.Prepare(
        "INSERT INTO time_off (therapist_id, start_us, end_us, reason) "
        "VALUES (?, ?, ?, ?)");
    st.Bind(therapist_id, t.start, t.end, t.reason);
    absl::StatusOr<Id> id = InsertResult(
        st, {{"therapists", core::IdKind::kTherapist, therapist_id}});
    if (id.ok()) CLINIC_RETURN_IF_ERROR(BumpGeneration(therapist_id));
    return id;
  }

  // Marks a change to the therapist's free time (see Therapist::generation).
  absl::Status BumpGeneration(Id therapist_id) {
    return c_.Prepare("UPDATE therapists SET generation = ? WHERE id = ?")
        .Bind(NewGeneration(), therapist_id)
        .Run();
  }

  // Modalities, prices and hours of therapist `id` (rows must not exist).
  absl::Status WriteDetails(Id id, const core::Therapist& t) {
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

  // Modalities and prices (by modality), hours (by day, then start) and
  // time off (by start).
  absl::Status LoadDetails(core::Therapist& t) {
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

  // The user's grants, by role.
  absl::Status LoadGrants(core::User& u) {
    Stmt st = c_.Prepare(
        "SELECT role FROM user_grants WHERE user_id = ? ORDER BY role");
    st.Bind(u.id);
    while (st.Next()) {
      u.granted.push_back(static_cast<core::Role>(st.GetInt(0)));
    }
    return st.status();
  }

  SqliteConnection& c_;
};

// Applies the missing migration steps in one write transaction, so that two
// processes opening a new file at once migrate it exactly once.
absl::Status Migrate(SqliteConnection& c) {
  CLINIC_RETURN_IF_ERROR(c.Run("BEGIN IMMEDIATE"));
  absl::Status status = [&c]() -> absl::Status {
    int64_t version = 0;
    {
      Stmt st = c.Prepare("PRAGMA user_version");
      if (!st.Next()) {
        return st.status().ok() ? absl::InternalError("no user_version")
                                : st.status();
      }
      version = st.GetInt(0);
    }
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("schema version ", version,
                       " is newer than this binary's (", kSchemaVersion, ")"));
    }
    for (int64_t v = version; v < kSchemaVersion; ++v) {
      CLINIC_RETURN_IF_ERROR(
          Annotate(c.Exec(kMigrations[v]), absl::StrCat("migration ", v + 1)));
    }
    if (version == kSchemaVersion) return absl::OkStatus();
    // A constant of this file, not input.
    return c.Exec(
        absl::StrCat("PRAGMA user_version = ", kSchemaVersion).c_str());
  }();
  if (status.ok()) status = c.Run("COMMIT");
  if (!status.ok() && c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("database path is empty");
  }
  if (path == ":memory:") {
    return absl::InvalidArgumentError(
        "database path \":memory:\" is not a file; readers and the writer "
        "must share one database file");
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open database ", path, ": directory ",
                     parent.string(), " does not exist"));
  }
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer =
      SqliteConnection::Open(path, /*create=*/true, /*query_only=*/false);
  if (!writer.ok()) return writer.status();
  SqliteConnection& c = **writer;
  {
    // Persistent in the file; a no-op when it is already in WAL mode.
    Stmt st = c.Prepare("PRAGMA journal_mode = WAL");
    if (!st.Next() || st.GetText(0) != "wal") {
      return absl::UnavailableError(
          absl::StrCat("cannot switch database ", path, " to WAL mode",
                       st.status().ok() ? "" : ": ", st.status().message()));
    }
  }
  CLINIC_RETURN_IF_ERROR(
      Annotate(Migrate(c), absl::StrCat("cannot migrate database ", path)));
  std::string id;
  {
    Stmt st = c.Prepare("SELECT value FROM settings WHERE name = 'store_id'");
    if (!st.Next()) {
      return absl::InternalError(absl::StrCat(
          "database ", path, " has no store_id: ", st.status().message()));
    }
    id = st.GetText(0);
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(path, std::move(id), std::move(*writer)));
}

SqliteStore::SqliteStore(std::string path, std::string id,
                         std::unique_ptr<SqliteConnection> writer)
    : path_(std::move(path)), id_(std::move(id)), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

absl::Status SqliteStore::Write(
    const Touches& /*touches*/,
    absl::FunctionRef<absl::Status(Transaction&)> fn) {
  // Writers queue here; a call gives up when its deadline passes first.
  const absl::Time deadline = core::CallDeadline::Current();
  if (!write_mu_.LockWhenWithDeadline(
          absl::Condition(
              +[](bool* busy) { return !*busy; }, &writer_busy_),
          deadline)) {
    write_mu_.Unlock();
    return absl::DeadlineExceededError(
        "the call's deadline passed waiting for the store's writer");
  }
  writer_busy_ = true;
  write_mu_.Unlock();
  absl::Cleanup done = [this] {
    absl::MutexLock lock(&write_mu_);
    writer_busy_ = false;
  };
  SqliteConnection& c = *writer_;
  // Left over only if a previous ROLLBACK failed.
  if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  // Takes the file's write lock now (waiting up to kBusyTimeoutMs for
  // other processes), so everything fn reads stays true until COMMIT.
  CLINIC_RETURN_IF_ERROR(
      Annotate(c.Run("BEGIN IMMEDIATE"),
               absl::StrCat("cannot start a write transaction on ", path_)));
  SqliteTransaction tx(c);
  absl::Status status = fn(tx);
  if (status.ok()) status = c.Run("COMMIT");
  if (!status.ok() && c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteStore::Read(absl::FunctionRef<absl::Status(Reader&)> fn) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> conn = AcquireReader();
  if (!conn.ok()) return conn.status();
  SqliteConnection& c = **conn;
  absl::Status status = c.Run("BEGIN");
  if (status.ok()) {
    SqliteTransaction tx(c);
    status = fn(tx);
    absl::Status end = c.Run("COMMIT");
    if (status.ok()) status = end;
    if (c.in_transaction()) c.Run("ROLLBACK").IgnoreError();
  }
  ReleaseReader(std::move(*conn));
  return status;
}

bool SqliteStore::ReaderAvailable() const {
  return !idle_readers_.empty() || open_readers_ < kMaxReaders;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteStore::AcquireReader() {
  if (!pool_mu_.LockWhenWithDeadline(
          absl::Condition(this, &SqliteStore::ReaderAvailable),
          core::CallDeadline::Current())) {
    pool_mu_.Unlock();
    return absl::DeadlineExceededError(
        "the call's deadline passed waiting for a store reader");
  }
  if (!idle_readers_.empty()) {
    std::unique_ptr<SqliteConnection> conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    pool_mu_.Unlock();
    return conn;
  }
  ++open_readers_;
  pool_mu_.Unlock();
  // Opened outside the lock: it touches the disk.
  absl::StatusOr<std::unique_ptr<SqliteConnection>> conn =
      SqliteConnection::Open(path_, /*create=*/false, /*query_only=*/true);
  if (!conn.ok()) {
    absl::MutexLock lock(&pool_mu_);
    --open_readers_;
  }
  return conn;
}

void SqliteStore::ReleaseReader(std::unique_ptr<SqliteConnection> conn) {
  absl::MutexLock lock(&pool_mu_);
  if (conn->in_transaction()) {  // unusable; closed when `conn` goes
    --open_readers_;
    return;
  }
  idle_readers_.push_back(std::move(conn));
}

}  // namespace clinic::storage
