// The SQLite store's Reader and Transaction: one class serves both, over a
// connection that the store has already put inside a transaction, and
// turns each call of the Store interface into SQL.
#ifndef CLINIC_SERVICES_STORAGE_SQLITE_TRANSACTION_H_
#define CLINIC_SERVICES_STORAGE_SQLITE_TRANSACTION_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/core/ids.h"
#include "services/core/types.h"
#include "services/storage/sqlite/connection.h"
#include "services/storage/store.h"

namespace clinic::storage::sqlite {

// Both Reader (on a reader connection, inside a deferred transaction) and
// Transaction (on the writer, inside BEGIN IMMEDIATE). Valid only for the
// duration of one Read/Write callback.
class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(SqliteConnection& c) : c_(c) {}

  // Reader:
  absl::StatusOr<core::Therapist> GetTherapist(Id id) override;
  absl::StatusOr<core::ClinicInfo> GetClinic(Id id) override;
  absl::StatusOr<std::vector<core::ClinicInfo>> ListClinics(
      const PageRequest& page) override;
  absl::StatusOr<std::vector<core::Therapist>> ListTherapists(
      std::optional<core::Modality> offering, Id clinic_id,
      const PageRequest& page) override;
  absl::StatusOr<core::Athlete> GetAthlete(Id id) override;
  absl::StatusOr<std::vector<core::Athlete>> ListAthletes(
      const PageRequest& page) override;
  absl::StatusOr<core::Event> GetEvent(Id id) override;
  absl::StatusOr<std::vector<core::Event>> ListEvents(Id athlete_id,
                                                      absl::Time from,
                                                      absl::Time to) override;
  absl::StatusOr<core::Injury> GetInjury(Id id) override;
  absl::StatusOr<std::vector<core::Injury>> ListInjuries(
      Id athlete_id, bool active_only) override;
  absl::StatusOr<core::Booking> GetBooking(Id id) override;
  absl::StatusOr<std::optional<core::Booking>> FindBookingByRequestId(
      Id user_id, const std::string& request_id) override;
  absl::StatusOr<std::vector<core::Booking>> ListBookings(
      const BookingFilter& filter, const BookingCursor& after,
      int limit) override;
  absl::StatusOr<core::User> GetUser(Id id) override;
  absl::StatusOr<std::vector<core::User>> ListUsers(
      const PageRequest& page) override;
  absl::StatusOr<core::Token> GetToken(Id id) override;
  absl::StatusOr<std::vector<core::Token>> FindTokens(
      const std::string& hash_prefix) override;
  absl::StatusOr<std::vector<core::Token>> ListTokens(Id user_id) override;
  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const std::string& target, const PageRequest& page) override;
  absl::StatusOr<std::optional<std::string>> GetSetting(
      const std::string& name) override;
  absl::Status PutSetting(const std::string& name,
                          const std::string& value) override;

  // Transaction:
  absl::StatusOr<Id> InsertClinic(const core::ClinicInfo& c) override;
  absl::Status UpdateClinic(const core::ClinicInfo& c) override;
  absl::StatusOr<Id> InsertTherapist(const core::Therapist& t) override;
  absl::Status UpdateTherapist(const core::Therapist& t) override;
  absl::StatusOr<Id> InsertTimeOff(const core::TimeOff& t) override;
  absl::Status DeleteTimeOff(Id therapist_id, Id time_off_id) override;
  absl::StatusOr<Id> InsertAthlete(const core::Athlete& a) override;
  absl::StatusOr<Id> InsertEvent(const core::Event& e) override;
  absl::Status DeleteEvent(Id id) override;
  absl::StatusOr<Id> InsertInjury(const core::Injury& i) override;
  absl::Status UpdateInjury(const core::Injury& i) override;
  absl::StatusOr<Id> InsertBooking(const core::Booking& b) override;
  absl::Status UpdateBooking(const core::Booking& b) override;
  absl::StatusOr<Id> InsertUser(const core::User& u) override;
  absl::Status SetUserDisabled(Id id, bool disabled) override;
  absl::StatusOr<Id> InsertToken(const core::Token& t) override;
  absl::Status RevokeToken(Id id, absl::Time when) override;
  absl::StatusOr<Id> InsertAuditEvent(const core::AuditEvent& e) override;

 private:
  struct Parent {
    const char* table;  // a fixed table name, never input
    core::IdKind kind;
    Id id;
    bool nullable = false;  // a 0 id is stored as NULL and links nothing
  };

  // The row of `sql`'s result for `id`, or NOT_FOUND naming `kind` and `id`.
  template <typename T>
  absl::StatusOr<T> GetOne(const std::string& sql, Id id,
                           T (*from_row)(const Stmt&), core::IdKind kind);

  // Collect(), then `load` completes each row.
  template <typename T>
  absl::StatusOr<std::vector<T>> CollectAndLoad(
      Stmt& st, T (*from_row)(const Stmt&),
      absl::Status (SqliteTransaction::*load)(T&));

  // Runs an INSERT; the new id, or NOT_FOUND naming the first missing
  // parent when a foreign key failed.
  absl::StatusOr<Id> InsertResult(Stmt& st,
                                  std::initializer_list<Parent> parents);

  // Runs an UPDATE or DELETE of row `id`; NOT_FOUND when it changed no row.
  absl::Status ChangeOne(Stmt& st, core::IdKind kind, Id id);

  absl::Status CheckExists(const Parent& p);

  absl::StatusOr<Id> InsertTimeOffRow(Id therapist_id, const core::TimeOff& t);

  // Marks a change to the therapist's free time (see Therapist::generation).
  absl::Status BumpGeneration(Id therapist_id);

  // Modalities, prices and hours of therapist `id` (rows must not exist).
  absl::Status WriteDetails(Id id, const core::Therapist& t);

  // Modalities and prices (by modality), hours (by day, then start) and
  // time off (by start).
  absl::Status LoadDetails(core::Therapist& t);

  // The user's grants, by role.
  absl::Status LoadGrants(core::User& u);

  SqliteConnection& c_;
};

}  // namespace clinic::storage::sqlite

#endif  // CLINIC_SERVICES_STORAGE_SQLITE_TRANSACTION_H_
