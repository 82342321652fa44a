#include "services/athletes/athlete_service.h"

#include "absl/strings/str_cat.h"
#include "services/api/convert.h"
#include "services/api/status.h"
#include "services/api/unary.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace clinic {

using api::Authorized;
using api::IdFromProto;
using api::InvalidField;
using core::IdKind;

namespace {

constexpr auto Method = &api::MethodName<v1::AthleteService>;

}  // namespace

grpc::ServerUnaryReactor* AthleteService::CreateAthlete(
    grpc::CallbackServerContext* ctx, const v1::CreateAthleteRequest* req,
    v1::Athlete* resp) {
  return Authorized(
      ctx, *accounts_, Method("CreateAthlete"),
      [=](const auth::Caller& caller) -> absl::Status {
        const v1::Athlete& in = req->athlete();
        CLINIC_RETURN_IF_ERROR(
            api::CheckName(in.display_name(), "athlete.display_name"));
        CLINIC_RETURN_IF_ERROR(api::CheckText(in.email(), "athlete.email",
                                              api::kMaxEmailLength, false));
        if (!in.email().empty() && !core::IsEmailAddress(in.email())) {
          return InvalidField("athlete.email",
                              "must be an email address: a local part, one "
                              "'@' and a domain with a dot, no spaces");
        }
        core::Athlete a;
        a.name = in.display_name();
        a.email = in.email();
        CLINIC_ASSIGN_OR_RETURN(a, clinic_->CreateAthlete(std::move(a)));
        api::ToProto(a, {}, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AthleteService::GetAthlete(
    grpc::CallbackServerContext* ctx, const v1::GetAthleteRequest* req,
    v1::Athlete* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetAthlete"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                IdFromProto(IdKind::kAthlete, req->id(), "id"));
        CLINIC_RETURN_IF_ERROR(MayRead(caller, id));
        CLINIC_ASSIGN_OR_RETURN(core::Athlete a, clinic_->GetAthlete(id));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Injury> injuries,
                                clinic_->ListInjuries(id));
        api::ToProto(a, injuries, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AthleteService::ListAthletes(
    grpc::CallbackServerContext* ctx, const v1::ListAthletesRequest* req,
    v1::ListAthletesResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListAthletes"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            storage::PageRequest page,
            api::IdPageFromProto(req->page_size(), req->page_token()));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Athlete> list,
                                clinic_->ListAthletes(page));
        const bool more = api::TrimPage(list, page.limit);
        for (const core::Athlete& a : list) {
          api::ToProto(a, {}, resp->add_athletes());
        }
        if (more) resp->set_next_page_token(api::IdPageToken(list.back().id));
        return absl::OkStatus();
      });
}

absl::Status AthleteService::MayRead(const auth::Caller& caller,
                                     core::Id athlete_id) {
  if (caller.ForAthlete(athlete_id).ok()) return absl::OkStatus();
  if (const std::optional<core::Id> therapist = caller.therapist()) {
    storage::BookingFilter booked_with;
    booked_with.athlete_id = athlete_id;
    booked_with.therapist_id = *therapist;
    booked_with.confirmed_only = true;
    CLINIC_ASSIGN_OR_RETURN(std::vector<core::Booking> bookings,
                            clinic_->ListBookings(booked_with, {}, 1));
    if (!bookings.empty()) return absl::OkStatus();
  }
  return caller.Denied(absl::StrCat(
      "for athlete ", core::FormatId(IdKind::kAthlete, athlete_id)));
}

absl::Status AthleteService::AddEvent(const auth::Caller& caller,
                                      core::EventKind kind,
                                      const v1::AddEventRequest& req,
                                      v1::AddEventResponse* resp) {
  core::Event e;
  e.kind = kind;
  CLINIC_ASSIGN_OR_RETURN(
      e.athlete_id,
      IdFromProto(IdKind::kAthlete, req.athlete_id(), "athlete_id"));
  CLINIC_RETURN_IF_ERROR(caller.ForAthlete(e.athlete_id));
  CLINIC_RETURN_IF_ERROR(api::CheckName(req.name(), "name"));
  e.name = req.name();
  if (!req.has_start_time()) return InvalidField("start_time", "is required");
  CLINIC_ASSIGN_OR_RETURN(e.start,
                          api::MinuteFromProto(req.start_time(), "start_time"));
  absl::Duration length =
      kind == core::EventKind::kRace
          ? core::RuleTable::Defaults().default_race_duration
          : core::RuleTable::Defaults().default_workout_duration;
  if (req.has_duration()) {
    CLINIC_ASSIGN_OR_RETURN(
        length, api::MinutesFromProto(req.duration(), "duration",
                                      absl::Minutes(1), core::kMaxEventLength));
  }
  e.end = e.start + length;
  CLINIC_ASSIGN_OR_RETURN(EventOutcome out, clinic_->AddEvent(std::move(e)));
  api::ToProto(out.event, resp->mutable_event());
  for (const AtRiskSession& s : out.at_risk) {
    v1::AtRiskSession* risk = resp->add_at_risk();
    api::ToProto(s.booking, risk->mutable_booking());
    for (const core::Finding& f : s.violations) {
      api::ToProto(f, risk->add_violations());
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AthleteService::AddRace(
    grpc::CallbackServerContext* ctx, const v1::AddEventRequest* req,
    v1::AddEventResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("AddRace"), [=](const auth::Caller& caller) {
        return AddEvent(caller, core::EventKind::kRace, *req, resp);
      });
}

grpc::ServerUnaryReactor* AthleteService::AddWorkout(
    grpc::CallbackServerContext* ctx, const v1::AddEventRequest* req,
    v1::AddEventResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("AddWorkout"), [=](const auth::Caller& caller) {
        return AddEvent(caller, core::EventKind::kHardWorkout, *req, resp);
      });
}

grpc::ServerUnaryReactor* AthleteService::DeleteEvent(
    grpc::CallbackServerContext* ctx, const v1::DeleteEventRequest* req,
    google::protobuf::Empty*) {
  return Authorized(
      ctx, *accounts_, Method("DeleteEvent"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kEvent, req->event_id(), "event_id"));
        CLINIC_ASSIGN_OR_RETURN(core::Event e, clinic_->GetEvent(id));
        CLINIC_RETURN_IF_ERROR(caller.ForAthlete(e.athlete_id));
        return clinic_->DeleteEvent(id);
      });
}

grpc::ServerUnaryReactor* AthleteService::ListEvents(
    grpc::CallbackServerContext* ctx, const v1::ListEventsRequest* req,
    v1::ListEventsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListEvents"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kAthlete, req->athlete_id(), "athlete_id"));
        CLINIC_RETURN_IF_ERROR(MayRead(caller, id));
        absl::Time from = absl::InfinitePast();
        absl::Time to = absl::InfiniteFuture();
        CLINIC_RETURN_IF_ERROR(api::TimeRangeFromProto(
            req->has_start_time() ? &req->start_time() : nullptr,
            req->has_end_time() ? &req->end_time() : nullptr, &from, &to));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Event> events,
                                clinic_->ListEvents(id, from, to));
        for (const core::Event& e : events) api::ToProto(e, resp->add_events());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AthleteService::AddInjury(
    grpc::CallbackServerContext* ctx, const v1::AddInjuryRequest* req,
    v1::Injury* resp) {
  return Authorized(
      ctx, *accounts_, Method("AddInjury"),
      [=](const auth::Caller& caller) -> absl::Status {
        core::Injury i;
        CLINIC_ASSIGN_OR_RETURN(
            i.athlete_id,
            IdFromProto(IdKind::kAthlete, req->athlete_id(), "athlete_id"));
        CLINIC_RETURN_IF_ERROR(caller.ForAthlete(i.athlete_id));
        const v1::Injury& in = req->injury();
        CLINIC_RETURN_IF_ERROR(api::CheckText(in.region(), "injury.region",
                                              api::kMaxNameLength, false));
        CLINIC_RETURN_IF_ERROR(api::CheckText(in.note(), "injury.note",
                                              api::kMaxNoteLength, true));
        i.region = in.region();
        i.note = in.note();
        i.since = clinic_->Now();
        if (in.has_since_time()) {
          CLINIC_ASSIGN_OR_RETURN(
              i.since,
              api::TimeFromProto(in.since_time(), "injury.since_time"));
        }
        CLINIC_ASSIGN_OR_RETURN(i, clinic_->AddInjury(std::move(i)));
        api::ToProto(i, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AthleteService::ResolveInjury(
    grpc::CallbackServerContext* ctx, const v1::ResolveInjuryRequest* req,
    v1::Injury* resp) {
  return Authorized(
      ctx, *accounts_, Method("ResolveInjury"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kInjury, req->injury_id(), "injury_id"));
        CLINIC_ASSIGN_OR_RETURN(core::Injury injury, clinic_->GetInjury(id));
        CLINIC_RETURN_IF_ERROR(caller.ForAthlete(injury.athlete_id));
        CLINIC_ASSIGN_OR_RETURN(core::Injury i, clinic_->ResolveInjury(id));
        api::ToProto(i, resp);
        return absl::OkStatus();
      });
}

}  // namespace clinic
