#include "services/therapists/therapist_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/api/convert.h"
#include "services/api/status.h"
#include "services/api/unary.h"
#include "services/core/status_macros.h"

namespace clinic {

using api::Authorized;
using api::IdFromProto;

namespace {

constexpr auto Method = &api::MethodName<v1::TherapistService>;

// Why a therapist is off is for staff and the therapist; others see when.
void ToProtoFor(const auth::Caller& caller, const core::Therapist& t,
                v1::Therapist* out) {
  api::ToProto(t, out);
  if (caller.staff() || caller.therapist() == t.id) return;
  for (v1::TimeOff& off : *out->mutable_time_off()) off.clear_reason();
}

}  // namespace
using core::IdKind;

absl::Status TherapistService::MayManage(const auth::Caller& caller,
                                         core::Id therapist_id) {
  if (caller.everywhere()) return absl::OkStatus();
  CLINIC_ASSIGN_OR_RETURN(const core::Therapist t,
                          clinic_->GetTherapist(therapist_id));
  return caller.ForClinic(t.clinic_id);
}

grpc::ServerUnaryReactor* TherapistService::CreateTherapist(
    grpc::CallbackServerContext* ctx, const v1::CreateTherapistRequest* req,
    v1::Therapist* resp) {
  return Authorized(
      ctx, *accounts_, Method("CreateTherapist"),
      [=](const auth::Caller& caller) -> absl::Status {
        core::Therapist t;
        if (!req->therapist().clinic_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              t.clinic_id,
              IdFromProto(IdKind::kClinic, req->therapist().clinic_id(),
                          "therapist.clinic_id"));
        }
        CLINIC_ASSIGN_OR_RETURN(
            t.clinic_id, caller.ListScope(t.clinic_id, "therapist.clinic_id"));
        CLINIC_ASSIGN_OR_RETURN(
            t.clinic_id,
            clinic_->ClinicOrOnly(t.clinic_id, "therapist.clinic_id"));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(t.clinic_id));
        CLINIC_RETURN_IF_ERROR(
            api::ApplyTherapistFields(req->therapist(),
                                      {std::begin(api::kTherapistFields),
                                       std::end(api::kTherapistFields)},
                                      local->rules.default_turnover, &t));
        CLINIC_RETURN_IF_ERROR(api::CheckTherapist(t));
        CLINIC_ASSIGN_OR_RETURN(t, clinic_->CreateTherapist(std::move(t)));
        api::ToProto(t, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TherapistService::GetTherapist(
    grpc::CallbackServerContext* ctx, const v1::GetTherapistRequest* req,
    v1::Therapist* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetTherapist"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id, IdFromProto(IdKind::kTherapist, req->id(), "id"));
        CLINIC_ASSIGN_OR_RETURN(core::Therapist t, clinic_->GetTherapist(id));
        CLINIC_RETURN_IF_ERROR(caller.ForClinic(t.clinic_id));
        ToProtoFor(caller, t, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TherapistService::ListTherapists(
    grpc::CallbackServerContext* ctx, const v1::ListTherapistsRequest* req,
    v1::ListTherapistsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListTherapists"),
      [=](const auth::Caller& caller) -> absl::Status {
        std::optional<core::Modality> offering;
        if (req->modality() != v1::MODALITY_UNSPECIFIED) {
          CLINIC_ASSIGN_OR_RETURN(
              offering, api::ModalityFromProto(req->modality(), "modality"));
        }
        CLINIC_ASSIGN_OR_RETURN(
            storage::PageRequest page,
            api::IdPageFromProto(req->page_size(), req->page_token()));
        core::Id clinic_id = 0;
        if (!req->clinic_id().empty()) {
          CLINIC_ASSIGN_OR_RETURN(
              clinic_id,
              IdFromProto(IdKind::kClinic, req->clinic_id(), "clinic_id"));
        }
        CLINIC_ASSIGN_OR_RETURN(clinic_id,
                                caller.ListScope(clinic_id, "clinic_id"));
        CLINIC_ASSIGN_OR_RETURN(
            std::vector<core::Therapist> list,
            clinic_->ListTherapists(offering, clinic_id, page));
        const bool trimmed = api::TrimPage(list, page.limit);
        const bool cut = api::FillPage(list, [&](const core::Therapist& t) {
          v1::Therapist* out = resp->add_therapists();
          ToProtoFor(caller, t, out);
          return out;
        });
        const bool more = trimmed || cut;
        if (more) resp->set_next_page_token(api::IdPageToken(list.back().id));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TherapistService::UpdateTherapist(
    grpc::CallbackServerContext* ctx, const v1::UpdateTherapistRequest* req,
    v1::Therapist* resp) {
  return Authorized(
      ctx, *accounts_, Method("UpdateTherapist"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id, IdFromProto(IdKind::kTherapist, req->therapist().id(),
                                     "therapist.id"));
        const std::vector<std::string> paths =
            api::TherapistUpdatePaths(req->update_mask(), req->therapist());
        CLINIC_ASSIGN_OR_RETURN(const core::Therapist before,
                                clinic_->GetTherapist(id));
        CLINIC_RETURN_IF_ERROR(caller.ForClinic(before.clinic_id));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(before.clinic_id));
        CLINIC_ASSIGN_OR_RETURN(
            core::Therapist t,
            clinic_->UpdateTherapist(
                id, [&](core::Therapist& t) -> absl::Status {
                  CLINIC_RETURN_IF_ERROR(api::ApplyTherapistFields(
                      req->therapist(), paths, local->rules.default_turnover,
                      &t));
                  return api::CheckTherapist(t);
                }));
        api::ToProto(t, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TherapistService::AddTimeOff(
    grpc::CallbackServerContext* ctx, const v1::AddTimeOffRequest* req,
    v1::TimeOff* resp) {
  return Authorized(
      ctx, *accounts_, Method("AddTimeOff"),
      [=](const auth::Caller& caller) -> absl::Status {
        core::TimeOff off;
        CLINIC_ASSIGN_OR_RETURN(
            off.therapist_id, IdFromProto(IdKind::kTherapist,
                                          req->therapist_id(), "therapist_id"));
        const v1::TimeOff& in = req->time_off();
        if (!in.has_start_time()) {
          return api::InvalidField("time_off.start_time", "is required");
        }
        if (!in.has_end_time()) {
          return api::InvalidField("time_off.end_time", "is required");
        }
        CLINIC_ASSIGN_OR_RETURN(
            off.start,
            api::MinuteFromProto(in.start_time(), "time_off.start_time"));
        CLINIC_ASSIGN_OR_RETURN(
            off.end, api::MinuteFromProto(in.end_time(), "time_off.end_time"));
        if (off.end <= off.start) {
          return api::InvalidField("time_off.end_time",
                                   "must be after start_time");
        }
        // Ended time off changes nothing and is not shown (Clinic); refusing
        // it keeps a therapist's time off from growing unseen.
        if (off.end <= clinic_->Now()) {
          return api::InvalidField("time_off.end_time",
                                   "must be in the future");
        }
        CLINIC_RETURN_IF_ERROR(api::CheckText(in.reason(), "time_off.reason",
                                              api::kMaxNoteLength, false));
        off.reason = in.reason();
        CLINIC_RETURN_IF_ERROR(MayManage(caller, off.therapist_id));
        CLINIC_ASSIGN_OR_RETURN(off, clinic_->AddTimeOff(std::move(off)));
        api::ToProto(off, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TherapistService::DeleteTimeOff(
    grpc::CallbackServerContext* ctx, const v1::DeleteTimeOffRequest* req,
    google::protobuf::Empty*) {
  return Authorized(
      ctx, *accounts_, Method("DeleteTimeOff"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            core::Id therapist_id,
            IdFromProto(IdKind::kTherapist, req->therapist_id(),
                        "therapist_id"));
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kTimeOff, req->time_off_id(), "time_off_id"));
        CLINIC_RETURN_IF_ERROR(MayManage(caller, therapist_id));
        return clinic_->DeleteTimeOff(therapist_id, id);
      });
}

}  // namespace clinic
