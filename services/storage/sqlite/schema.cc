#include "services/storage/sqlite/schema.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"
#include "services/storage/sqlite/connection.h"

namespace clinic::storage::sqlite {
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
    // Settings every replica shares, and the store's identity.
    R"sql(
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
-- Made once, kept by backups and copies: caches key their entries on it.
CREATE TABLE store_identity (id TEXT NOT NULL);
INSERT INTO store_identity VALUES (lower(hex(randomblob(16))));
)sql",
    // Several clinics: each its own zone and rules; therapists (and so
    // their sessions) belong to one. A store of the one-clinic version
    // becomes its first clinic, with the zone and rules it ran with, and
    // every therapist and booking (ids kept) is at it.
    R"sql(
CREATE TABLE clinics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  rules TEXT NOT NULL,
  create_us INTEGER NOT NULL
);
INSERT INTO clinics (id, name, time_zone, rules, create_us)
  SELECT 1, 'Main clinic',
    coalesce((SELECT value FROM settings WHERE name = 'time_zone'),
             'America/New_York'),
    coalesce((SELECT value FROM settings WHERE name = 'rules'), ''),
    CAST(unixepoch('now') AS INTEGER) * 1000000
  WHERE EXISTS (SELECT 1 FROM settings WHERE name = 'time_zone')
     OR EXISTS (SELECT 1 FROM therapists);
DELETE FROM settings WHERE name IN ('time_zone', 'rules');
ALTER TABLE therapists ADD COLUMN clinic_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX therapists_by_clinic ON therapists (clinic_id, id);
ALTER TABLE bookings ADD COLUMN clinic_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX bookings_by_clinic ON bookings (clinic_id, start_us);
-- The clinics each user acts at. Users of the one-clinic version act at
-- it, except ADMINs, who become platform admins.
CREATE TABLE user_clinics (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  PRIMARY KEY (user_id, clinic_id)
) WITHOUT ROWID;
INSERT INTO user_clinics (user_id, clinic_id)
  SELECT id, 1 FROM users
  WHERE role != 1 AND EXISTS (SELECT 1 FROM clinics WHERE id = 1);
)sql",
};
constexpr int kSchemaVersion =
    static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

}  // namespace

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

}  // namespace clinic::storage::sqlite
