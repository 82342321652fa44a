#include "services/users/user_service.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/api/authorize.h"
#include "services/api/convert.h"
#include "services/api/status.h"
#include "services/api/unary.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic {
namespace {

using api::Authorized;
using api::IdFromProto;
using api::InvalidField;
using core::FormatId;
using core::IdKind;
using core::Role;

constexpr int kMaxLabelLength = 100;

constexpr auto Method = &api::MethodName<v1::UserService>;

absl::StatusOr<Role> RoleFromProto(int role, absl::string_view field) {
  if (role < v1::ADMIN || role > v1::SERVICE) {
    return InvalidField(field,
                        "must be ADMIN, STAFF, THERAPIST, ATHLETE or SERVICE");
  }
  return static_cast<Role>(role);
}

// A link is needed exactly when the user acts as that role.
absl::Status CheckLink(bool acts_as, const std::string& id,
                       absl::string_view field, absl::string_view role) {
  if (acts_as && id.empty()) {
    return InvalidField(field, absl::StrCat("is required for ", role));
  }
  if (!acts_as && !id.empty()) {
    return InvalidField(field, absl::StrCat("is only for ", role));
  }
  return absl::OkStatus();
}

absl::StatusOr<core::User> UserFromProto(const v1::User& in) {
  core::User u;
  CLINIC_RETURN_IF_ERROR(
      api::CheckName(in.display_name(), "user.display_name"));
  u.name = in.display_name();
  CLINIC_ASSIGN_OR_RETURN(u.role, RoleFromProto(in.role(), "user.role"));
  for (int i = 0; i < in.granted_roles_size(); ++i) {
    const std::string field = absl::StrCat("user.granted_roles[", i, "]");
    if (u.role != Role::kService) {
      return InvalidField(field, "only a SERVICE is granted roles");
    }
    CLINIC_ASSIGN_OR_RETURN(Role r, RoleFromProto(in.granted_roles(i), field));
    if (r == Role::kService) {
      return InvalidField(field, "a SERVICE acts as another role");
    }
    if (std::find(u.granted.begin(), u.granted.end(), r) != u.granted.end()) {
      return InvalidField(field, "names a role twice");
    }
    u.granted.push_back(r);
  }
  if (u.role == Role::kService && u.granted.empty()) {
    return InvalidField("user.granted_roles",
                        "a SERVICE needs at least one role");
  }
  auto acts_as = [&u](Role r) {
    return u.role == r ||
           std::find(u.granted.begin(), u.granted.end(), r) != u.granted.end();
  };
  CLINIC_RETURN_IF_ERROR(CheckLink(acts_as(Role::kTherapist), in.therapist_id(),
                                   "user.therapist_id", "THERAPIST"));
  CLINIC_RETURN_IF_ERROR(CheckLink(acts_as(Role::kAthlete), in.athlete_id(),
                                   "user.athlete_id", "ATHLETE"));
  if (!in.therapist_id().empty()) {
    CLINIC_ASSIGN_OR_RETURN(u.therapist_id,
                            IdFromProto(IdKind::kTherapist, in.therapist_id(),
                                        "user.therapist_id"));
  }
  if (!in.athlete_id().empty()) {
    CLINIC_ASSIGN_OR_RETURN(
        u.athlete_id,
        IdFromProto(IdKind::kAthlete, in.athlete_id(), "user.athlete_id"));
  }
  for (int i = 0; i < in.clinic_ids_size(); ++i) {
    const std::string field = absl::StrCat("user.clinic_ids[", i, "]");
    if (u.role == Role::kTherapist || u.role == Role::kAthlete) {
      return InvalidField(field,
                          "a THERAPIST acts at their therapist's clinic, an "
                          "ATHLETE at every clinic: neither is granted any");
    }
    CLINIC_ASSIGN_OR_RETURN(
        Id clinic, IdFromProto(IdKind::kClinic, in.clinic_ids(i), field));
    if (std::find(u.clinics.begin(), u.clinics.end(), clinic) !=
        u.clinics.end()) {
      return InvalidField(field, "names a clinic twice");
    }
    u.clinics.push_back(clinic);
  }
  std::sort(u.clinics.begin(), u.clinics.end());
  return u;
}

void ToProto(const core::User& u, v1::User* out) {
  out->set_id(FormatId(IdKind::kUser, u.id));
  out->set_display_name(u.name);
  out->set_role(static_cast<v1::Role>(u.role));
  for (Role r : u.granted) out->add_granted_roles(static_cast<v1::Role>(r));
  if (u.therapist_id != 0) {
    out->set_therapist_id(FormatId(IdKind::kTherapist, u.therapist_id));
  }
  if (u.athlete_id != 0) {
    out->set_athlete_id(FormatId(IdKind::kAthlete, u.athlete_id));
  }
  out->set_disabled(u.disabled);
  api::ToProto(u.create_time, out->mutable_create_time());
  for (Id clinic : u.clinics) {
    out->add_clinic_ids(FormatId(IdKind::kClinic, clinic));
  }
}

void ToProto(const core::Token& t, v1::Token* out) {
  out->set_id(FormatId(IdKind::kToken, t.id));
  out->set_user_id(FormatId(IdKind::kUser, t.user_id));
  out->set_label(t.label);
  api::ToProto(t.create_time, out->mutable_create_time());
  if (t.revoke_time.has_value()) {
    api::ToProto(*t.revoke_time, out->mutable_revoke_time());
  }
}

void ToProto(const core::AuditEvent& e, v1::AuditEvent* out) {
  out->set_id(FormatId(IdKind::kAuditEvent, e.id));
  api::ToProto(e.time, out->mutable_time());
  if (e.user_id != 0) out->set_user_id(FormatId(IdKind::kUser, e.user_id));
  if (e.token_id != 0) {
    out->set_token_id(FormatId(IdKind::kToken, e.token_id));
  }
  out->set_action(e.action);
  out->set_target(e.target);
  out->set_detail(e.detail);
}

}  // namespace

grpc::ServerUnaryReactor* UserService::CreateUser(
    grpc::CallbackServerContext* ctx, const v1::CreateUserRequest* req,
    v1::User* resp) {
  return Authorized(
      ctx, *accounts_, Method("CreateUser"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(core::User u, UserFromProto(req->user()));
        if (u.role == Role::kTherapist) {
          CLINIC_ASSIGN_OR_RETURN(const core::Therapist t,
                                  clinic_->GetTherapist(u.therapist_id));
          u.clinics = {t.clinic_id};
        } else if (u.clinics.empty() &&
                   (u.role == Role::kStaff || u.role == Role::kService)) {
          // With one clinic, staff work there unless told otherwise.
          CLINIC_ASSIGN_OR_RETURN(Id only,
                                  clinic_->ClinicOrOnly(0, "user.clinic_ids"));
          u.clinics = {only};
        }
        CLINIC_ASSIGN_OR_RETURN(u, accounts_->CreateUser(u, caller.actor()));
        ToProto(u, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::GetUser(grpc::CallbackServerContext* ctx,
                                               const v1::GetUserRequest* req,
                                               v1::User* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetUser"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                IdFromProto(IdKind::kUser, req->id(), "id"));
        CLINIC_ASSIGN_OR_RETURN(core::User u, accounts_->GetUser(id));
        ToProto(u, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::ListUsers(
    grpc::CallbackServerContext* ctx, const v1::ListUsersRequest* req,
    v1::ListUsersResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListUsers"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(
            storage::PageRequest page,
            api::IdPageFromProto(req->page_size(), req->page_token()));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::User> users,
                                accounts_->ListUsers(page));
        const bool more = api::TrimPage(users, page.limit);
        for (const core::User& u : users) ToProto(u, resp->add_users());
        if (more) resp->set_next_page_token(api::IdPageToken(users.back().id));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::DisableUser(
    grpc::CallbackServerContext* ctx, const v1::DisableUserRequest* req,
    v1::User* resp) {
  return Authorized(
      ctx, *accounts_, Method("DisableUser"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                IdFromProto(IdKind::kUser, req->id(), "id"));
        CLINIC_ASSIGN_OR_RETURN(core::User u,
                                accounts_->DisableUser(id, caller.actor()));
        ToProto(u, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::CreateToken(
    grpc::CallbackServerContext* ctx, const v1::CreateTokenRequest* req,
    v1::CreateTokenResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("CreateToken"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id, IdFromProto(IdKind::kUser, req->user_id(), "user_id"));
        CLINIC_RETURN_IF_ERROR(
            api::CheckText(req->label(), "label", kMaxLabelLength, false));
        CLINIC_ASSIGN_OR_RETURN(
            auth::NewToken t,
            accounts_->CreateToken(id, req->label(), caller.actor()));
        ToProto(t.token, resp->mutable_token());
        resp->set_secret(t.text);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::ListTokens(
    grpc::CallbackServerContext* ctx, const v1::ListTokensRequest* req,
    v1::ListTokensResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListTokens"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id, IdFromProto(IdKind::kUser, req->user_id(), "user_id"));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::Token> tokens,
                                accounts_->ListTokens(id));
        for (const core::Token& t : tokens) ToProto(t, resp->add_tokens());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::RevokeToken(
    grpc::CallbackServerContext* ctx, const v1::RevokeTokenRequest* req,
    v1::Token* resp) {
  return Authorized(
      ctx, *accounts_, Method("RevokeToken"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("users"));
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                IdFromProto(IdKind::kToken, req->id(), "id"));
        CLINIC_ASSIGN_OR_RETURN(core::Token t,
                                accounts_->RevokeToken(id, caller.actor()));
        ToProto(t, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UserService::WhoAmI(grpc::CallbackServerContext* ctx,
                                              const v1::WhoAmIRequest*,
                                              v1::WhoAmIResponse* resp) {
  return Authorized(ctx, *accounts_, Method("WhoAmI"),
                    [=](const auth::Caller& caller) -> absl::Status {
                      ToProto(caller.user(), resp->mutable_user());
                      ToProto(caller.token(), resp->mutable_token());
                      return absl::OkStatus();
                    });
}

grpc::ServerUnaryReactor* UserService::ListAuditEvents(
    grpc::CallbackServerContext* ctx, const v1::ListAuditEventsRequest* req,
    v1::ListAuditEventsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListAuditEvents"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(
            api::CheckText(req->target(), "target", 40, false));
        CLINIC_RETURN_IF_ERROR(MayReadAudit(caller, req->target()));
        CLINIC_ASSIGN_OR_RETURN(
            storage::PageRequest page,
            api::IdPageFromProto(req->page_size(), req->page_token()));
        CLINIC_ASSIGN_OR_RETURN(
            std::vector<core::AuditEvent> events,
            accounts_->ListAuditEvents(req->target(), page));
        const bool trimmed = api::TrimPage(events, page.limit);
        const bool cut = api::FillPage(events, [&](const core::AuditEvent& e) {
          v1::AuditEvent* out = resp->add_events();
          ToProto(e, out);
          return out;
        });
        if (trimmed || cut) {
          resp->set_next_page_token(api::IdPageToken(events.back().id));
        }
        return absl::OkStatus();
      });
}

absl::Status UserService::MayReadAudit(const auth::Caller& caller,
                                       const std::string& target) {
  if (caller.everywhere()) return absl::OkStatus();
  if (absl::StartsWith(target, "bk_")) {
    CLINIC_ASSIGN_OR_RETURN(Id id,
                            IdFromProto(IdKind::kBooking, target, "target"));
    CLINIC_ASSIGN_OR_RETURN(const core::Booking b, clinic_->GetBooking(id));
    return caller.ForClinic(b.clinic_id);
  }
  if (absl::StartsWith(target, "th_")) {
    CLINIC_ASSIGN_OR_RETURN(Id id,
                            IdFromProto(IdKind::kTherapist, target, "target"));
    CLINIC_ASSIGN_OR_RETURN(const core::Therapist t, clinic_->GetTherapist(id));
    return caller.ForClinic(t.clinic_id);
  }
  if (absl::StartsWith(target, "cl_")) {
    CLINIC_ASSIGN_OR_RETURN(Id id,
                            IdFromProto(IdKind::kClinic, target, "target"));
    return caller.ForClinic(id);
  }
  return caller.Denied(
      "without a target at one of its clinics (a booking, therapist or "
      "clinic id)");
}

}  // namespace clinic
