#include "clients/clinicctl/session.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/clinicctl/parse.h"
#include "clients/clinicctl/table.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/core/time_format.h"

namespace clinic::cli {
namespace {

std::string EventKindName(v1::EventKind kind) {
  return kind == v1::HARD_WORKOUT ? "hard workout" : "race";
}

// "UNAVAILABLE": gRPC's codes are absl's.
std::string CodeName(const grpc::Status& status) {
  return absl::StatusCodeToString(
      static_cast<absl::StatusCode>(status.error_code()));
}

// The rejection a FAILED_PRECONDITION carries, if it is one.
bool RejectionOf(const grpc::Status& status, google::rpc::Status* details,
                 v1::BookingRejection* rejection) {
  if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION ||
      !details->ParseFromString(status.error_details())) {
    return false;
  }
  for (const google::protobuf::Any& any : details->details()) {
    if (any.UnpackTo(rejection)) return true;
  }
  return false;
}

// TLS verifying clinicd against the CA the options name, with the client
// certificate when given; plaintext without a CA.
std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const GlobalOptions& options) {
  if (options.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_ca;
  ssl.pem_private_key = options.tls_key;
  ssl.pem_cert_chain = options.tls_cert;
  return grpc::SslCredentials(ssl);
}

// One channel over every address of --server (gRPC's target syntax, e.g.
// ipv4:127.0.0.1:7001,127.0.0.1:7002): calls take turns among the replicas
// that answer, and a replica that is down is left out.
std::shared_ptr<grpc::Channel> Channel(const GlobalOptions& options) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(ServiceConfigJson());
  return grpc::CreateCustomChannel(options.server, Credentials(options), args);
}

}  // namespace

std::string ServiceConfigJson() {
  std::vector<std::string> reads;
  for (const char* name :
       {"clinic.v1.ClinicService", "clinic.v1.TherapistService",
        "clinic.v1.AthleteService", "clinic.v1.BookingService",
        "clinic.v1.UserService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      const std::string& method = service->method(i)->name();
      if (absl::StartsWith(method, "Get") || absl::StartsWith(method, "List") ||
          method == "CheckBooking" || method == "WhoAmI") {
        reads.push_back(absl::StrCat(R"({"service":")", name, R"(","method":")",
                                     method, R"("})"));
      }
    }
  }
  // A read that found no replica, or lost its connection before any
  // answer, is sent again (to the next replica): up to 3 tries, 0.1 to
  // 0.4 s apart, within the call's --timeout.
  return absl::StrCat(
      R"({"loadBalancingConfig":[{"round_robin":{}}],"methodConfig":[{"name":[)",
      absl::StrJoin(reads, ","),
      R"(],"retryPolicy":{"maxAttempts":3,"initialBackoff":"0.1s",)",
      R"("maxBackoff":"0.4s","backoffMultiplier":2,)",
      R"("retryableStatusCodes":["UNAVAILABLE"]}}]})");
}

absl::StatusOr<std::string> NewRequestId() {
  char bits[16];
  for (size_t got = 0; got < sizeof bits;) {
    const ssize_t n = getrandom(bits + got, sizeof bits - got, 0);
    if (n < 0 && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("getrandom: ", std::strerror(errno)));
    }
    if (n > 0) got += static_cast<size_t>(n);
  }
  return absl::BytesToHexString(absl::string_view(bits, sizeof bits));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t seconds = absl::ToUnixSeconds(t);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return out;
}

Session::Session(const CommandSpec& command, GlobalOptions options,
                 std::ostream& out, std::ostream& err)
    : command_(command),
      options_(std::move(options)),
      out_(out),
      err_(err),
      channel_(Channel(options_)),
      therapists_(v1::TherapistService::NewStub(channel_)),
      athletes_(v1::AthleteService::NewStub(channel_)),
      bookings_(v1::BookingService::NewStub(channel_)),
      clinics_(v1::ClinicService::NewStub(channel_)),
      zone_clinic_(options_.clinic) {}

void Session::InClinic(const std::string& id) {
  if (!zone_.has_value() && !id.empty()) zone_clinic_ = id;
}

void Session::InClinicOfBooking(const std::string& id) {
  if (zone_.has_value() || id.empty()) return;
  v1::GetBookingRequest req;
  req.set_booking_id(id);
  v1::Booking b;
  if (bookings_->GetBooking(Context().get(), req, &b).ok()) {
    InClinic(b.clinic_id());
  }
}

void Session::InClinicOfTherapist(const std::string& id) {
  if (zone_.has_value() || id.empty()) return;
  v1::GetTherapistRequest req;
  req.set_id(id);
  v1::Therapist t;
  if (therapists_->GetTherapist(Context().get(), req, &t).ok()) {
    InClinic(t.clinic_id());
  }
}

std::unique_ptr<grpc::ClientContext> Session::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(
      absl::Now() + absl::Seconds(options_.timeout_seconds)));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options_.token));
  }
  return context;
}

grpc::Status Session::CallRetryingOnce(
    const std::function<grpc::Status(grpc::ClientContext*)>& call,
    const std::string& request_id) {
  grpc::Status status = call(Context().get());
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
      status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return status;
  }
  err_ << "clinicctl: no answer from clinicd (" << CodeName(status) << ": "
       << status.error_message() << "); retrying once"
       << (request_id.empty() ? "" : " with --request-id ") << request_id
       << "\n";
  return call(Context().get());
}

grpc::Status Session::Zone(absl::TimeZone* zone) {
  if (!zone_.has_value()) {
    v1::GetRulesRequest req;
    req.set_clinic_id(zone_clinic_);
    v1::RuleSet rules;
    grpc::Status status = bookings_->GetRules(Context().get(), req, &rules);
    if (!status.ok()) return status;
    absl::TimeZone loaded;
    if (!absl::LoadTimeZone(rules.time_zone(), &loaded)) {
      return grpc::Status(
          grpc::StatusCode::INTERNAL,
          absl::StrCat("the clinic's time zone \"", rules.time_zone(),
                       "\" is not in this machine's tzdata"));
    }
    zone_ = loaded;
  }
  *zone = *zone_;
  return grpc::Status::OK;
}

std::string Session::Name(
    std::map<std::string, std::string>& cache, const std::string& id,
    const std::function<grpc::Status(grpc::ClientContext*, std::string*)>&
        get) {
  auto it = cache.find(id);
  if (it == cache.end()) {
    std::string name;
    if (!get(Context().get(), &name).ok() || name.empty()) name = id;
    it = cache.emplace(id, std::move(name)).first;
  }
  return it->second;
}

std::string Session::TherapistName(const std::string& id) {
  return Name(therapist_names_, id,
              [&](grpc::ClientContext* context, std::string* name) {
                v1::GetTherapistRequest request;
                request.set_id(id);
                v1::Therapist therapist;
                grpc::Status status =
                    therapists_->GetTherapist(context, request, &therapist);
                *name = therapist.display_name();
                return status;
              });
}

std::string Session::AthleteName(const std::string& id) {
  return Name(
      athlete_names_, id, [&](grpc::ClientContext* context, std::string* name) {
        v1::GetAthleteRequest request;
        request.set_id(id);
        v1::Athlete athlete;
        grpc::Status status = athletes_->GetAthlete(context, request, &athlete);
        *name = athlete.display_name();
        return status;
      });
}

std::optional<int> Session::ReadWhen(const Args& args, const char* flag,
                                     absl::Time* out) {
  const std::string text = args.Get(flag);
  auto with_flag = [flag](const absl::Status& s) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", s.message()));
  };
  if (absl::StatusOr<absl::Time> form = ParseWhen(text, absl::UTCTimeZone());
      !form.ok()) {
    return UsageError(with_flag(form.status()));
  }
  absl::TimeZone zone;
  if (grpc::Status status = Zone(&zone); !status.ok()) return Fail(status);
  absl::StatusOr<absl::Time> when = ParseWhen(text, zone);
  if (!when.ok()) return UsageError(with_flag(when.status()));
  *out = *when;
  return std::nullopt;
}

std::optional<int> Session::ReadDate(const Args& args, const char* flag,
                                     bool end_of_day, absl::Time* out) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(args.Get(flag));
  if (!day.ok()) {
    return UsageError(absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", day.status().message())));
  }
  absl::TimeZone zone;
  if (grpc::Status status = Zone(&zone); !status.ok()) return Fail(status);
  *out = absl::FromCivil(end_of_day ? *day + 1 : *day, zone);
  return std::nullopt;
}

int Session::UsageError(const absl::Status& status) {
  err_ << "clinicctl: " << status.message() << "\n"
       << "Usage: " << CommandLine::Usage(command_) << "\n"
       << "Run 'clinicctl " << command_.path << " --help' for more.\n";
  return kExitUsage;
}

int Session::Fail(const grpc::Status& status, const BookHint& book) {
  google::rpc::Status details;
  v1::BookingRejection rejection;
  if (RejectionOf(status, &details, &rejection)) {
    if (json()) {
      if (PrintJson(details) != kExitOk) return kExitFailure;
      err_ << "clinicctl: rejected: " << status.error_message() << "\n";
    } else {
      PrintRejection(err_, status.error_message(), rejection, book);
    }
    return kExitRejected;
  }
  const std::string code = CodeName(status);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      err_ << "clinicctl: cannot reach clinicd at " << options_.server << " ("
           << code << ": " << status.error_message()
           << "); is it running? Set --server or CLINIC_SERVER"
           << (options_.tls_ca.empty()
                   ? ", and --tls-ca if it serves TLS.\n"
                   : "; check that --tls-ca signed its certificate.\n");
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      err_ << "clinicctl: clinicd at " << options_.server
           << " did not answer within " << options_.timeout_seconds << " s ("
           << code << "); raise --timeout or check the address.\n";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      err_ << "clinicctl: " << code << ": " << status.error_message()
           << (options_.token.empty()
                   ? "; pass --token TOKEN or set CLINIC_TOKEN\n"
                   : "\n");
      break;
    default:
      err_ << "clinicctl: " << code << ": " << status.error_message() << "\n";
  }
  return kExitFailure;
}

void Session::PrintRejection(std::ostream& os, const std::string& message,
                             const v1::BookingRejection& rejection,
                             const BookHint& book) {
  os << "Rejected: " << message << "\n";
  if (!rejection.violations().empty()) {
    Table table({"RULE", "CONFLICT", "AT", "NEEDS", "HAS"});
    for (const v1::Finding& v : rejection.violations()) {
      std::string conflict = "-";
      if (!v.event_id().empty()) {
        conflict = absl::StrCat(EventKindName(v.event_kind()), " \"",
                                v.event_name(), "\" (", v.event_id(), ")");
      } else if (!v.booking_id().empty()) {
        conflict = absl::StrCat("booking ", v.booking_id());
      }
      table.AddRow(
          {v.rule_id(), conflict,
           v.has_event_start_time() ? Format(v.event_start_time()) : "",
           v.has_required_gap() ? core::FormatGap(FromProto(v.required_gap()))
                                : "",
           v.has_actual_gap() ? core::FormatGap(FromProto(v.actual_gap()))
                              : ""});
    }
    table.SetMaxWidth(1, 48);
    os << "\nViolations:\n" << table.Render();
  }
  if (!rejection.warnings().empty()) {
    os << "\nWarnings:\n";
    for (const v1::Finding& w : rejection.warnings()) {
      os << "  " << w.message() << "\n";
    }
  }
  if (rejection.suggestions().empty()) {
    os << "\nNo nearby slot passes the rules; try 'clinicctl slots'.\n";
    return;
  }
  Table table({"WHEN", "THERAPIST", "MODALITY", "NOTE"});
  for (const v1::Slot& slot : rejection.suggestions()) {
    std::string note;
    for (const v1::Finding& w : slot.warnings()) {
      absl::StrAppend(&note, note.empty() ? "warning: " : ", ", w.rule_id());
    }
    table.AddRow({FormatSpan(slot.start_time(), slot.end_time()),
                  absl::StrCat(TherapistName(slot.therapist_id()), " (",
                               slot.therapist_id(), ")"),
                  ModalityFlagName(slot.modality()), note});
  }
  os << "\nSuggested slots:\n" << table.Render();
  if (book) {
    os << "\nTo book the first: " << book(rejection.suggestions(0)) << "\n";
  }
}

void Session::PrintWarnings(
    const google::protobuf::RepeatedPtrField<v1::Finding>& warnings) {
  for (const v1::Finding& w : warnings) {
    err_ << "warning: " << w.message() << "\n";
  }
}

int Session::PrintJson(const google::protobuf::Message& message) {
  // The printer resolves the types inside google.protobuf.Any through the
  // generated pool; naming the detail types links them in.
  google::rpc::ErrorInfo::descriptor();
  google::rpc::BadRequest::descriptor();
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options)
           .ok()) {
    err_ << "clinicctl: cannot print the response as JSON\n";
    return kExitFailure;
  }
  out_ << text;
  return kExitOk;
}

absl::TimeZone Session::DisplayZone() {
  absl::TimeZone zone;
  if (!Zone(&zone).ok()) zone = absl::UTCTimeZone();
  return zone;
}

std::string Session::WhenArg(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, DisplayZone());
}

std::string Session::Format(const google::protobuf::Timestamp& t) {
  return core::FormatInstant(FromProto(t), DisplayZone());
}

std::string Session::FormatSpan(const google::protobuf::Timestamp& start,
                                const google::protobuf::Timestamp& end) {
  return core::FormatSpan(FromProto(start), FromProto(end), DisplayZone());
}

}  // namespace clinic::cli
