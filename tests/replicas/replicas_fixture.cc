#include "tests/replicas/replicas_fixture.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"

namespace clinic::testing {

std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  Authorize(*ctx);
  return ctx;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

Stubs::Stubs(const std::string& address) {
  grpc::ChannelArguments args;
  // Channels to one address otherwise share one connection.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args);
  therapists = v1::TherapistService::NewStub(channel);
  athletes = v1::AthleteService::NewStub(channel);
  bookings = v1::BookingService::NewStub(channel);
}

bool IsRuleRejection(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
    return false;
  }
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return false;
  for (const auto& any : rich.details()) {
    if (any.Is<v1::BookingRejection>()) return true;
  }
  return false;
}

bool IsUnanswered(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

ClinicCalendar::ClinicCalendar() {
  EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &zone_));
}

absl::CivilDay ClinicCalendar::FirstDay() const {
  return absl::ToCivilDay(absl::Now(), zone_) + 2;
}

absl::Time ClinicCalendar::At(absl::CivilDay day, int hour, int minute) const {
  return absl::FromCivil(
      absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
      zone_);
}

v1::SessionSpec Session(const std::string& athlete,
                        const std::string& therapist, v1::Modality modality,
                        absl::Time start) {
  v1::SessionSpec spec;
  spec.set_athlete_id(athlete);
  spec.set_therapist_id(therapist);
  spec.set_modality(modality);
  *spec.mutable_start_time() = ToProto(start);
  return spec;
}

std::vector<v1::Slot> FreeSlots(v1::BookingService::Stub& bookings,
                                const ClinicCalendar& calendar,
                                const std::string& therapist,
                                v1::Modality modality, absl::CivilDay day) {
  v1::ListAvailableSlotsRequest req;
  req.set_therapist_id(therapist);
  req.set_modality(modality);
  *req.mutable_start_time() = ToProto(calendar.At(day, 0));
  *req.mutable_end_time() = ToProto(calendar.At(day + 1, 0));
  req.set_page_size(1000);
  v1::ListAvailableSlotsResponse out;
  const grpc::Status s =
      bookings.ListAvailableSlots(CallContext().get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {out.slots().begin(), out.slots().end()};
}

std::string CreateTherapist(Stubs& stubs, const std::string& name) {
  v1::CreateTherapistRequest req;
  v1::Therapist* t = req.mutable_therapist();
  t->set_display_name(name);
  for (v1::Modality m : {v1::DEEP_TISSUE, v1::ACTIVE_RELEASE, v1::SPORTS}) {
    t->add_modalities(m);
  }
  for (int day = v1::MONDAY; day <= v1::SUNDAY; ++day) {
    v1::WorkingHours* h = t->add_working_hours();
    h->set_day(static_cast<v1::DayOfWeek>(day));
    h->mutable_start()->set_hours(8);
    h->mutable_end()->set_hours(20);
  }
  v1::Therapist out;
  const grpc::Status s =
      stubs.therapists->CreateTherapist(CallContext().get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out.id();
}

std::string CreateAthlete(Stubs& stubs, const std::string& name) {
  v1::CreateAthleteRequest req;
  req.mutable_athlete()->set_display_name(name);
  v1::Athlete out;
  const grpc::Status s =
      stubs.athletes->CreateAthlete(CallContext().get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out.id();
}

std::vector<std::string> ClinicdFlags(const RedisServer& redis) {
  return {"--redis=" + redis.url(), "--timezone=America/New_York"};
}

void ReplicasTest::StartReplicas(int count, const std::string& server_uri) {
  absl::StatusOr<std::unique_ptr<TestDatabase>> db =
      server_uri.empty() ? TestDatabase::Create()
                         : TestDatabase::CreateOn(server_uri);
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = *std::move(db);
  const absl::Status redis = redis_.Start();
  ASSERT_TRUE(redis.ok()) << redis;
  // One after the other: the first migrates the schema and creates the
  // admin; the others find both.
  for (int i = 0; i < count; ++i) {
    replicas_.push_back(std::make_unique<ClinicdProcess>(db_->uri()));
    std::string error;
    ASSERT_TRUE(replicas_.back()->Start(ClinicdFlags(redis_), &error))
        << "replica " << i << ": " << error;
  }
  admin_ = std::make_unique<Stubs>(replica(0).address());
  for (int i = 0; i < 3; ++i) {
    therapists_.push_back(
        CreateTherapist(*admin_, absl::StrCat("Therapist ", i)));
  }
  for (int i = 0; i < 4; ++i) {
    athletes_.push_back(CreateAthlete(*admin_, absl::StrCat("Athlete ", i)));
  }
}

std::vector<std::string> ReplicasTest::Addresses() const {
  std::vector<std::string> out;
  for (const auto& r : replicas_) out.push_back(r->address());
  return out;
}

}  // namespace clinic::testing
