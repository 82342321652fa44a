#include "clients/loadgen/workload.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace clinic::loadgen {
namespace {

constexpr const char* kShortNames[kMethods] = {
    "slots", "check", "reserve", "reschedule", "cancel", "race"};

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

absl::Status Failed(const char* what, const grpc::Status& s) {
  return absl::UnavailableError(
      absl::StrCat(what, ": ", s.error_code(), " ", s.error_message()));
}

template <typename T>
const T& Pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[rng() % from.size()];
}

}  // namespace

const char* MethodName(Method method) {
  static constexpr const char* kNames[kMethods] = {
      "ListAvailableSlots", "CheckBooking",  "ReserveSlot",
      "RescheduleBooking",  "CancelBooking", "AddRace"};
  return kNames[static_cast<int>(method)];
}

absl::StatusOr<std::vector<double>> ParseMix(const std::string& text) {
  std::vector<double> weights(kMethods, 0);
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, '=');
    int method = 0;
    while (method < kMethods && kv.first != kShortNames[method]) ++method;
    double weight = 0;
    if (method == kMethods || !absl::SimpleAtod(kv.second, &weight) ||
        weight < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--mix: \"", part,
          "\" is not NAME=WEIGHT with NAME one of slots, check, reserve, "
          "reschedule, cancel, race"));
    }
    weights[method] = weight;
  }
  double total = 0;
  for (double w : weights) total += w;
  if (total <= 0) return absl::InvalidArgumentError("--mix: all weights are 0");
  return weights;
}

absl::StatusOr<std::unique_ptr<Workload>> Workload::Seed(
    const std::shared_ptr<grpc::Channel>& channel,
    const WorkloadOptions& options) {
  auto bookings = v1::BookingService::NewStub(channel);
  v1::GetRulesRequest rules_req;
  rules_req.set_clinic_id(options.clinic_id);
  v1::RuleSet rules;
  grpc::Status s =
      bookings->GetRules(Context(options.token).get(), rules_req, &rules);
  if (!s.ok()) return Failed("GetRules", s);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(rules.time_zone(), &zone)) {
    return absl::InternalError("unknown zone " + rules.time_zone());
  }
  std::unique_ptr<Workload> w(new Workload(options, zone));
  auto therapists = v1::TherapistService::NewStub(channel);
  auto athletes = v1::AthleteService::NewStub(channel);
  for (int i = 0; i < options.therapists; ++i) {
    v1::CreateTherapistRequest req;
    v1::Therapist* t = req.mutable_therapist();
    t->set_display_name(absl::StrCat("Load therapist ", i));
    t->set_clinic_id(options.clinic_id);
    t->add_modalities(v1::SPORTS);
    t->add_modalities(v1::DEEP_TISSUE);
    for (int d = v1::MONDAY; d <= v1::SATURDAY; ++d) {
      v1::WorkingHours* h = t->add_working_hours();
      h->set_day(static_cast<v1::DayOfWeek>(d));
      h->mutable_start()->set_hours(8);
      h->mutable_end()->set_hours(20);
    }
    v1::Therapist out;
    s = therapists->CreateTherapist(Context(options.token).get(), req, &out);
    if (!s.ok()) return Failed("CreateTherapist", s);
    w->therapists_.push_back(out.id());
  }
  for (int i = 0; i < options.athletes; ++i) {
    v1::CreateAthleteRequest req;
    req.mutable_athlete()->set_display_name(absl::StrCat("Load athlete ", i));
    v1::Athlete out;
    s = athletes->CreateAthlete(Context(options.token).get(), req, &out);
    if (!s.ok()) return Failed("CreateAthlete", s);
    w->athletes_.push_back(out.id());
  }
  return w;
}

absl::Time Workload::RandomStart(std::mt19937_64& rng, int first_hour,
                                 int last_hour) const {
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone_) + 1 +
                             static_cast<int>(rng() % options_.days);
  const int64_t quarters = int64_t{4} * (last_hour - first_hour);
  const auto quarter = static_cast<int64_t>(rng() % quarters);
  return absl::FromCivil(
      absl::CivilMinute(day) + int64_t{60} * first_hour + 15 * quarter, zone_);
}

v1::SessionSpec Workload::Session(std::mt19937_64& rng) const {
  v1::SessionSpec spec;
  spec.set_athlete_id(Pick(rng, athletes_));
  spec.set_therapist_id(Pick(rng, therapists_));
  spec.set_modality(rng() % 5 == 0 ? v1::DEEP_TISSUE : v1::SPORTS);
  *spec.mutable_start_time() = Ts(RandomStart(rng, 8, 18));
  return spec;
}

v1::ListAvailableSlotsRequest Workload::Slots(std::mt19937_64& rng) const {
  v1::ListAvailableSlotsRequest req;
  req.set_therapist_id(Pick(rng, therapists_));
  const absl::Time start = RandomStart(rng, 0, 1);
  *req.mutable_start_time() = Ts(start);
  *req.mutable_end_time() = Ts(start + absl::Hours(24 * 7));
  return req;
}

v1::CheckBookingRequest Workload::Check(std::mt19937_64& rng) const {
  v1::CheckBookingRequest req;
  *req.mutable_session() = Session(rng);
  return req;
}

v1::ReserveSlotRequest Workload::Reserve(std::mt19937_64& rng) const {
  v1::ReserveSlotRequest req;
  *req.mutable_session() = Session(rng);
  req.set_request_id(absl::StrCat("load-", rng()));
  return req;
}

bool Workload::Reschedule(std::mt19937_64& rng,
                          v1::RescheduleBookingRequest* out) {
  absl::MutexLock lock(&mu_);
  if (booked_.empty()) return false;
  out->set_booking_id(Pick(rng, booked_));
  *out->mutable_start_time() = Ts(RandomStart(rng, 8, 18));
  return true;
}

bool Workload::Cancel(std::mt19937_64& rng, v1::CancelBookingRequest* out) {
  absl::MutexLock lock(&mu_);
  if (booked_.empty()) return false;
  const size_t i = rng() % booked_.size();
  out->set_booking_id(booked_[i]);
  out->set_reason("load generator");
  booked_[i] = booked_.back();  // cancelled once
  booked_.pop_back();
  return true;
}

v1::AddEventRequest Workload::Race(std::mt19937_64& rng) const {
  v1::AddEventRequest req;
  req.set_athlete_id(Pick(rng, athletes_));
  req.set_name("Load race");
  *req.mutable_start_time() = Ts(RandomStart(rng, 7, 8));
  return req;
}

void Workload::Booked(const std::string& id) {
  absl::MutexLock lock(&mu_);
  booked_.push_back(id);
}

}  // namespace clinic::loadgen
