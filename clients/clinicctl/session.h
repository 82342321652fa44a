// One clinicctl run against clinicd: the channel, per-call contexts, the
// clinic's time zone, name lookups, and how results and failures print.
#ifndef CLINIC_CLIENTS_CLINICCTL_SESSION_H_
#define CLINIC_CLIENTS_CLINICCTL_SESSION_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/clinicctl/command.h"
#include "clinic/v1/athletes.grpc.pb.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "clinic/v1/clinics.grpc.pb.h"
#include "clinic/v1/therapists.grpc.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace clinic::cli {

class Session {
 public:
  // Output goes to `out` (results) and `err` (errors, warnings, notes).
  Session(const CommandSpec& command, GlobalOptions options, std::ostream& out,
          std::ostream& err);

  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // A context for one call: the --timeout deadline and, with a token, an
  // "authorization: Bearer" header.
  std::unique_ptr<grpc::ClientContext> Context() const;
  v1::TherapistService::Stub& therapists() { return *therapists_; }
  v1::AthleteService::Stub& athletes() { return *athletes_; }
  v1::BookingService::Stub& bookings() { return *bookings_; }
  v1::ClinicService::Stub& clinics() { return *clinics_; }

  // The clinic of --clinic or $CLINIC_CLINIC, for requests that name one;
  // "" for none (the server then takes the only clinic).
  const std::string& clinic() const { return options_.clinic; }
  // Makes `id`, the clinic of the records a command names, the one whose
  // zone times are read and shown in (else clinic()), unless the zone was
  // already used.
  void InClinic(const std::string& id);
  // InClinic of therapist `id`'s clinic, asked of the server; does nothing
  // when that fails (the command's own call then says why).
  void InClinicOfTherapist(const std::string& id);
  // InClinic of booking `id`'s clinic, likewise.
  void InClinicOfBooking(const std::string& id);
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // Makes a call that is safe to repeat: with a fresh Context(), and when
  // its answer is lost (UNAVAILABLE or DEADLINE_EXCEEDED, so the server may
  // have acted), once more with another after a note on stderr naming
  // `request_id` (none when ""). Returns the last attempt's status.
  grpc::Status CallRetryingOnce(
      const std::function<grpc::Status(grpc::ClientContext*)>& call,
      const std::string& request_id);

  // The time zone of the clinic concerned (see InClinic), asked of the
  // server once.
  grpc::Status Zone(absl::TimeZone* zone);
  // Display names, looked up once per id; the id itself when that fails.
  std::string TherapistName(const std::string& id);
  std::string AthleteName(const std::string& id);

  // Readers of flag values: nullopt when read, else the exit code after
  // printing what is wrong. A WHEN's form is checked before the server is
  // asked for the zone, so a typo is a usage error even with no server.
  std::optional<int> ReadWhen(const Args& args, const char* flag,
                              absl::Time* out);
  // DATE, the start of that day in the clinic's zone (`end_of_day`: the
  // start of the next day).
  std::optional<int> ReadDate(const Args& args, const char* flag,
                              bool end_of_day, absl::Time* out);

  // Prints `status` as a usage error: the message, the command's usage
  // line, and where to read more. Returns kExitUsage.
  int UsageError(const absl::Status& status);
  // Prints a failed call and returns its exit code: a recovery-rule
  // rejection prints as PrintRejection does (kExitRejected); anything else
  // prints the code in words and the server's message (kExitFailure), and
  // an unreachable server is named by its address. `book` is as for
  // PrintRejection.
  using BookHint = std::function<std::string(const v1::Slot&)>;
  int Fail(const grpc::Status& status, const BookHint& book = nullptr);
  // The verdict for people: the server's sentences, each violation, the
  // warnings, and the suggested slots as a table, then `book` of the first
  // suggestion (a command line that books it) when given.
  void PrintRejection(std::ostream& os, const std::string& message,
                      const v1::BookingRejection& rejection,
                      const BookHint& book);
  // One "warning: <sentence>" line on stderr per finding.
  void PrintWarnings(
      const google::protobuf::RepeatedPtrField<v1::Finding>& warnings);
  // Protobuf's JSON mapping of `message` on stdout; kExitOk.
  int PrintJson(const google::protobuf::Message& message);

  // Local "YYYY-MM-DD HH:MM" of `t`: what --at takes.
  std::string WhenArg(absl::Time t);
  // "Fri 4 Dec 2026 16:00 EST" and "Fri 4 Dec 2026 16:00-17:00 EST".
  std::string Format(const google::protobuf::Timestamp& t);
  std::string FormatSpan(const google::protobuf::Timestamp& start,
                         const google::protobuf::Timestamp& end);

 private:
  // The clinic's zone, or UTC (shown as such) when the server cannot say:
  // for printing only, after a call has already reached the server.
  absl::TimeZone DisplayZone();
  std::string Name(std::map<std::string, std::string>& cache,
                   const std::string& id,
                   const std::function<grpc::Status(grpc::ClientContext*,
                                                    std::string*)>& get);

  const CommandSpec& command_;
  const GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TherapistService::Stub> therapists_;
  std::unique_ptr<v1::AthleteService::Stub> athletes_;
  std::unique_ptr<v1::BookingService::Stub> bookings_;
  std::unique_ptr<v1::ClinicService::Stub> clinics_;
  std::string zone_clinic_;  // whose zone Zone() gives
  std::optional<absl::TimeZone> zone_;
  std::map<std::string, std::string> therapist_names_;
  std::map<std::string, std::string> athlete_names_;
};

// A new idempotency key: 128 bits from getrandom(2) as 32 lowercase hex
// characters.
absl::StatusOr<std::string> NewRequestId();

// The gRPC service config of clinicctl's channel, for other clients to
// copy: round robin over the replicas of --server, and the reads of
// clinic.v1 (Get*, List*, CheckBooking, WhoAmI) retried on UNAVAILABLE.
std::string ServiceConfigJson();

// The instant of a protobuf Timestamp, and back; the length of a Duration.
absl::Time FromProto(const google::protobuf::Timestamp& t);
absl::Duration FromProto(const google::protobuf::Duration& d);
google::protobuf::Timestamp ToProto(absl::Time t);

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_SESSION_H_
