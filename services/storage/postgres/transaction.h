// The Reader and Transaction of the PostgreSQL store, over one connection
// inside a transaction the store began. The counterpart of
// sqlite/transaction.h; the checks every store makes come from
// storage/checks.h, and the database's own constraints back them.
#ifndef CLINIC_SERVICES_STORAGE_POSTGRES_TRANSACTION_H_
#define CLINIC_SERVICES_STORAGE_POSTGRES_TRANSACTION_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/ids.h"
#include "services/core/types.h"
#include "services/storage/postgres/connection.h"
#include "services/storage/store.h"

namespace clinic::storage::postgres {

// Valid only for the duration of one Read/Write callback.
class PgTransaction final : public Transaction {
 public:
  // `begin` (BEGIN, its settings and locks) goes with the first statement
  // the callback runs, in the same round trip.
  PgTransaction(Connection& c, std::vector<Statement> begin)
      : c_(c), begin_(std::move(begin)) {}

  // Whether `begin` was sent: until then the connection holds no
  // transaction, and a callback that ran nothing has nothing to commit.
  bool begun() const { return begin_.empty(); }

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
  // One round trip.
  absl::StatusOr<SessionContext> GetSessionContext(
      const SessionQuery& q) override;

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
  absl::Status PutSetting(const std::string& name,
                          const std::string& value) override;

 private:
  template <typename T>
  absl::StatusOr<T> GetOne(const std::string& sql, Id id,
                           T (*from_row)(const Rows&, int), core::IdKind kind);
  // A row an insert links to: its column (foreign keys are named
  // <table>_<column>_fkey), kind and id.
  struct Parent {
    const char* column;
    core::IdKind kind;
    Id id;
  };
  // Runs an INSERT ... RETURNING id. A foreign key failure is NOT_FOUND
  // naming the parent.
  absl::StatusOr<Id> Insert(const std::string& sql, const Params& params,
                            std::initializer_list<Parent> parents);
  // Runs an UPDATE or DELETE of row `id`; NOT_FOUND when it changed none.
  absl::Status ChangeOne(const std::string& sql, const Params& params,
                         core::IdKind kind, Id id);
  absl::Status BumpGeneration(Id therapist_id);
  absl::Status WriteDetails(Id id, const core::Therapist& t);
  // The therapists of `ids` (ascending), whole; missing ones are left out.
  absl::StatusOr<std::vector<core::Therapist>> LoadTherapists(
      const std::vector<Id>& ids);
  // An exclusion violation of bookings as the busy error of the contract.
  absl::Status BusyOr(absl::Status status, const core::Booking& b);

  // Runs `batch` on the connection, after `begin_` if it has not run.
  absl::StatusOr<std::vector<Rows>> Run(std::vector<Statement> batch);
  absl::StatusOr<Rows> Query(Statement statement);
  absl::StatusOr<Rows> Query(std::string sql, Params params = Params());

  Connection& c_;
  std::vector<Statement> begin_;
};

}  // namespace clinic::storage::postgres

#endif  // CLINIC_SERVICES_STORAGE_POSTGRES_TRANSACTION_H_
