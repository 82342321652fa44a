#include "services/bookings/booking_service.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "services/api/convert.h"
#include "services/api/status.h"
#include "services/api/unary.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic {
namespace {

constexpr auto Method = &api::MethodName<v1::BookingService>;

// Only staff learn which booking holds a therapist's time: others see the
// clash, its times and the therapist, never whose session it is. Nor do
// staff learn which session of the athlete at a clinic beyond their reach
// a finding is about (the sentence names no clinic either).
void HideOthersSessions(const auth::Caller& caller, core::Verdict& verdict) {
  for (std::vector<core::Finding>* findings :
       {&verdict.violations, &verdict.warnings}) {
    for (core::Finding& f : *findings) {
      if ((!caller.staff() && f.rule_id == core::kRuleTherapistBusy) ||
          (f.clinic_id != 0 && !caller.AtClinic(f.clinic_id))) {
        f.booking_id = 0;
      }
    }
  }
}

// ATHLETE and THERAPIST callers list only their own sessions: the filter is
// narrowed to them (a therapist asking for an athlete gets their sessions
// with that athlete); naming another athlete (therapist) is
// PERMISSION_DENIED.
absl::Status ScopeToCaller(const auth::Caller& caller,
                           storage::BookingFilter& filter) {
  if (caller.staff()) return absl::OkStatus();
  auto narrow = [&](std::optional<core::Id> own, core::Id& id) {
    if (id == 0) id = *own;
    return id == *own ? absl::OkStatus()
                      : caller.Denied("for another's bookings");
  };
  if (const std::optional<core::Id> athlete = caller.athlete()) {
    return narrow(athlete, filter.athlete_id);
  }
  if (const std::optional<core::Id> therapist = caller.therapist()) {
    return narrow(therapist, filter.therapist_id);
  }
  return caller.Denied("");
}

// Reading a booking: staff, its athlete or its therapist.
absl::Status MayRead(const auth::Caller& caller, const core::Booking& b) {
  if (caller.staff()) return caller.ForClinic(b.clinic_id);
  if (caller.athlete() == b.athlete_id ||
      caller.therapist() == b.therapist_id) {
    return absl::OkStatus();
  }
  return caller.Denied(absl::StrCat(
      "for booking ", core::FormatId(core::IdKind::kBooking, b.id)));
}

// The clinic check of the use cases for `caller`.
std::function<absl::Status(core::Id)> AtClinic(const auth::Caller& caller) {
  return [&caller](core::Id clinic) { return caller.ForClinic(clinic); };
}

using api::Authorized;
using api::IdFromProto;
using api::InvalidField;
using core::IdKind;

absl::StatusOr<SessionSpec> SpecFromProto(const v1::SessionSpec& in) {
  SessionSpec spec;
  CLINIC_ASSIGN_OR_RETURN(
      spec.athlete_id,
      IdFromProto(IdKind::kAthlete, in.athlete_id(), "session.athlete_id"));
  CLINIC_ASSIGN_OR_RETURN(spec.therapist_id,
                          IdFromProto(IdKind::kTherapist, in.therapist_id(),
                                      "session.therapist_id"));
  CLINIC_ASSIGN_OR_RETURN(
      spec.modality, api::ModalityFromProto(in.modality(), "session.modality"));
  if (!in.has_start_time()) {
    return InvalidField("session.start_time", "is required");
  }
  CLINIC_ASSIGN_OR_RETURN(
      spec.start, api::MinuteFromProto(in.start_time(), "session.start_time"));
  if (in.has_duration()) {
    CLINIC_ASSIGN_OR_RETURN(
        spec.duration,
        api::MinutesFromProto(in.duration(), "session.duration",
                              absl::Minutes(15), core::kMaxSessionLength));
  }
  return spec;
}

void FindingsToProto(const std::vector<core::Finding>& findings,
                     google::protobuf::RepeatedPtrField<v1::Finding>* out) {
  for (const core::Finding& f : findings) api::ToProto(f, out->Add());
}

constexpr absl::Duration kMaxSlotRange = absl::Hours(31 * 24);
constexpr absl::Duration kDefaultSlotRange = absl::Hours(7 * 24);
constexpr int kDefaultSlotPage = 100;
constexpr int kMaxSlotPage = 1000;

absl::StatusOr<SlotQuery> SlotQueryFromProto(
    const v1::ListAvailableSlotsRequest& in, absl::Time now) {
  SlotQuery q;
  if (!in.therapist_id().empty()) {
    CLINIC_ASSIGN_OR_RETURN(
        q.therapist_id,
        IdFromProto(IdKind::kTherapist, in.therapist_id(), "therapist_id"));
  }
  if (in.modality() != v1::MODALITY_UNSPECIFIED) {
    CLINIC_ASSIGN_OR_RETURN(q.modality,
                            api::ModalityFromProto(in.modality(), "modality"));
  }
  if (q.therapist_id == 0 && !q.modality.has_value()) {
    return InvalidField("therapist_id",
                        "a therapist, a modality or both is required");
  }
  if (!in.athlete_id().empty()) {
    CLINIC_ASSIGN_OR_RETURN(
        q.athlete_id,
        IdFromProto(IdKind::kAthlete, in.athlete_id(), "athlete_id"));
  }
  q.from = now;
  q.to = absl::InfiniteFuture();
  CLINIC_RETURN_IF_ERROR(api::TimeRangeFromProto(
      in.has_start_time() ? &in.start_time() : nullptr,
      in.has_end_time() ? &in.end_time() : nullptr, &q.from, &q.to));
  if (!in.has_end_time()) q.to = q.from + kDefaultSlotRange;
  if (q.to - q.from > kMaxSlotRange) {
    return InvalidField("end_time", "must be at most 31 days after start_time");
  }
  return q;
}

}  // namespace

absl::StatusOr<core::Id> BookingService::BookingToChange(
    const auth::Caller& caller, const std::string& booking_id) {
  CLINIC_ASSIGN_OR_RETURN(
      core::Id id, IdFromProto(IdKind::kBooking, booking_id, "booking_id"));
  if (caller.staff()) return id;  // no need to read whose it is
  CLINIC_ASSIGN_OR_RETURN(core::Booking b, clinic_->GetBooking(id));
  CLINIC_RETURN_IF_ERROR(caller.ForAthlete(b.athlete_id));
  return id;
}

absl::Status BookingService::Respond(const Reservation& r,
                                     const SessionSpec& spec,
                                     v1::ReserveSlotResponse* resp) {
  if (!r.verdict.allowed()) {
    // Suggestions are a courtesy: the rejection stands without them.
    absl::StatusOr<std::vector<core::Slot>> suggestions =
        clinic_->Suggest(spec);
    return api::RejectionStatus(
        r.verdict, suggestions.ok() ? *suggestions : std::vector<core::Slot>{});
  }
  api::ToProto(r.booking, resp->mutable_booking());
  FindingsToProto(r.verdict.warnings, resp->mutable_warnings());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* BookingService::CheckBooking(
    grpc::CallbackServerContext* ctx, const v1::CheckBookingRequest* req,
    v1::CheckBookingResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("CheckBooking"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(SessionSpec spec,
                                SpecFromProto(req->session()));
        CLINIC_RETURN_IF_ERROR(caller.ForAthlete(spec.athlete_id));
        CLINIC_ASSIGN_OR_RETURN(core::Verdict verdict,
                                clinic_->Check(spec, AtClinic(caller)));
        HideOthersSessions(caller, verdict);
        resp->set_allowed(verdict.allowed());
        FindingsToProto(verdict.violations, resp->mutable_violations());
        FindingsToProto(verdict.warnings, resp->mutable_warnings());
        resp->set_omitted_violations(verdict.omitted_violations);
        resp->set_omitted_warnings(verdict.omitted_warnings);
        if (!verdict.allowed()) {
          resp->set_message(
              std::string(api::RejectionStatus(verdict).message()));
        }
        if (!verdict.allowed() || !verdict.warnings.empty()) {
          CLINIC_ASSIGN_OR_RETURN(std::vector<core::Slot> suggestions,
                                  clinic_->Suggest(spec));
          for (const core::Slot& s : suggestions) {
            api::ToProto(s, resp->add_suggestions());
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BookingService::ReserveSlot(
    grpc::CallbackServerContext* ctx, const v1::ReserveSlotRequest* req,
    v1::ReserveSlotResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ReserveSlot"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(api::CheckText(req->request_id(), "request_id",
                                              api::kMaxRequestIdLength, false));
        if (api::CallNote* note = api::CurrentCallNote();
            note != nullptr && !req->request_id().empty()) {
          note->request_id = req->request_id();
        }
        CLINIC_ASSIGN_OR_RETURN(SessionSpec spec,
                                SpecFromProto(req->session()));
        CLINIC_RETURN_IF_ERROR(caller.ForAthlete(spec.athlete_id));
        CLINIC_ASSIGN_OR_RETURN(
            Reservation r, clinic_->Reserve(spec, req->request_id(),
                                            caller.actor(), AtClinic(caller)));
        HideOthersSessions(caller, r.verdict);
        return Respond(r, spec, resp);
      });
}

grpc::ServerUnaryReactor* BookingService::CancelBooking(
    grpc::CallbackServerContext* ctx, const v1::CancelBookingRequest* req,
    v1::Booking* resp) {
  return Authorized(
      ctx, *accounts_, Method("CancelBooking"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                BookingToChange(caller, req->booking_id()));
        CLINIC_RETURN_IF_ERROR(api::CheckText(req->reason(), "reason",
                                              api::kMaxNoteLength, false));
        CLINIC_ASSIGN_OR_RETURN(
            core::Booking b, clinic_->Cancel(id, req->reason(), caller.actor(),
                                             AtClinic(caller)));
        api::ToProto(b, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BookingService::RescheduleBooking(
    grpc::CallbackServerContext* ctx, const v1::RescheduleBookingRequest* req,
    v1::ReserveSlotResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("RescheduleBooking"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                BookingToChange(caller, req->booking_id()));
        if (!req->has_start_time()) {
          return InvalidField("start_time", "is required");
        }
        CLINIC_ASSIGN_OR_RETURN(
            absl::Time start,
            api::MinuteFromProto(req->start_time(), "start_time"));
        CLINIC_ASSIGN_OR_RETURN(
            Reservation r,
            clinic_->Reschedule(id, start, caller.actor(), AtClinic(caller)));
        HideOthersSessions(caller, r.verdict);
        SessionSpec spec;
        spec.athlete_id = r.booking.athlete_id;
        spec.therapist_id = r.booking.therapist_id;
        spec.modality = r.booking.modality;
        spec.start = start;
        return Respond(r, spec, resp);
      });
}

grpc::ServerUnaryReactor* BookingService::GetBooking(
    grpc::CallbackServerContext* ctx, const v1::GetBookingRequest* req,
    v1::Booking* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetBooking"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kBooking, req->booking_id(), "booking_id"));
        CLINIC_ASSIGN_OR_RETURN(core::Booking b, clinic_->GetBooking(id));
        CLINIC_RETURN_IF_ERROR(MayRead(caller, b));
        api::ToProto(b, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BookingService::ListBookings(
    grpc::CallbackServerContext* ctx, const v1::ListBookingsRequest* req,
    v1::ListBookingsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListBookings"),
      [=](const auth::Caller& caller) -> absl::Status {
        storage::BookingFilter filter;
        if (!req->athlete_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              filter.athlete_id,
              IdFromProto(IdKind::kAthlete, req->athlete_id(), "athlete_id"));
        }
        if (!req->therapist_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              filter.therapist_id,
              IdFromProto(IdKind::kTherapist, req->therapist_id(),
                          "therapist_id"));
        }
        if (!req->clinic_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              filter.clinic_id,
              IdFromProto(IdKind::kClinic, req->clinic_id(), "clinic_id"));
        }
        CLINIC_RETURN_IF_ERROR(api::TimeRangeFromProto(
            req->has_start_time() ? &req->start_time() : nullptr,
            req->has_end_time() ? &req->end_time() : nullptr, &filter.from,
            &filter.to));
        CLINIC_RETURN_IF_ERROR(ScopeToCaller(caller, filter));
        CLINIC_ASSIGN_OR_RETURN(
            filter.clinic_id, caller.ListScope(filter.clinic_id, "clinic_id"));
        filter.at_risk_only = req->at_risk_only();
        filter.confirmed_only = !req->include_cancelled();
        CLINIC_ASSIGN_OR_RETURN(int limit,
                                api::PageSizeFromProto(req->page_size()));
        CLINIC_ASSIGN_OR_RETURN(
            storage::BookingCursor after,
            api::BookingCursorFromPageToken(req->page_token()));
        CLINIC_ASSIGN_OR_RETURN(
            std::vector<core::Booking> list,
            clinic_->ListBookings(filter, after, limit + 1));
        const bool trimmed = api::TrimPage(list, limit + 1);
        const bool cut = api::FillPage(list, [&](const core::Booking& b) {
          v1::Booking* out = resp->add_bookings();
          api::ToProto(b, out);
          return out;
        });
        if (trimmed || cut) {
          resp->set_next_page_token(api::BookingPageToken(list.back()));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BookingService::GetRules(
    grpc::CallbackServerContext* ctx, const v1::GetRulesRequest* req,
    v1::RuleSet* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetRules"),
      [=](const auth::Caller& caller) -> absl::Status {
        core::Id id = 0;
        if (!req->clinic_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              id, IdFromProto(IdKind::kClinic, req->clinic_id(), "clinic_id"));
        }
        CLINIC_ASSIGN_OR_RETURN(id, clinic_->ClinicOrOnly(id, "clinic_id"));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(id));
        api::ToProto(local->rules, resp);
        resp->set_time_zone(local->zone.name());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BookingService::ListAvailableSlots(
    grpc::CallbackServerContext* ctx, const v1::ListAvailableSlotsRequest* req,
    v1::ListAvailableSlotsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListAvailableSlots"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(SlotQuery q,
                                SlotQueryFromProto(*req, clinic_->Now()));
        if (q.therapist_id != 0 && !caller.everywhere()) {
          // Staff granted some clinics: the therapist must be at one.
          CLINIC_ASSIGN_OR_RETURN(const core::Therapist t,
                                  clinic_->GetTherapist(q.therapist_id));
          CLINIC_RETURN_IF_ERROR(caller.ForClinic(t.clinic_id));
        }
        if (q.therapist_id == 0) {
          if (!req->clinic_id().empty()) {
            CLINIC_ASSIGN_OR_RETURN(
                q.clinic_id,
                IdFromProto(IdKind::kClinic, req->clinic_id(), "clinic_id"));
          }
          CLINIC_ASSIGN_OR_RETURN(q.clinic_id,
                                  caller.ListScope(q.clinic_id, "clinic_id"));
          CLINIC_ASSIGN_OR_RETURN(
              q.clinic_id, clinic_->ClinicOrOnly(q.clinic_id, "clinic_id"));
        }
        if (q.athlete_id != 0) {
          CLINIC_RETURN_IF_ERROR(caller.ForAthlete(q.athlete_id));
        }
        if (req->page_size() < 0) {
          return InvalidField("page_size", "must not be negative");
        }
        const int page_size = req->page_size() == 0
                                  ? kDefaultSlotPage
                                  : std::min(req->page_size(), kMaxSlotPage);
        CLINIC_ASSIGN_OR_RETURN(std::optional<core::Slot> after,
                                api::SlotFromPageToken(req->page_token()));
        if (after.has_value()) q.from = std::max(q.from, after->start);
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Slot> slots,
                                clinic_->ListAvailableSlots(q));
        auto it = slots.begin();
        if (after.has_value()) {
          it = std::upper_bound(slots.begin(), slots.end(), *after,
                                core::SlotBefore);
        }
        for (int n = 0; it != slots.end() && n < page_size; ++it, ++n) {
          api::ToProto(*it, resp->add_slots());
        }
        if (it != slots.end()) {
          resp->set_next_page_token(api::SlotPageToken(*std::prev(it)));
        }
        return absl::OkStatus();
      });
}

}  // namespace clinic
