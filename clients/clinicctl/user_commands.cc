// clinicctl user ..., token ..., whoami, audit.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/table.h"
#include "clinic/v1/users.grpc.pb.h"

namespace clinic::cli {
namespace {

absl::StatusOr<v1::Role> ParseRole(absl::string_view text) {
  v1::Role role;
  if (!v1::Role_Parse(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text)),
                      &role) ||
      role == v1::ROLE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is not a role: use admin, staff, therapist, athlete "
                     "or service"));
  }
  return role;
}

std::string RoleName(int role) {
  return absl::AsciiStrToLower(v1::Role_Name(static_cast<v1::Role>(role)));
}

std::string Roles(const v1::User& u) {
  std::string roles = RoleName(u.role());
  if (!u.granted_roles().empty()) {
    std::vector<std::string> granted;
    for (int r : u.granted_roles()) granted.push_back(RoleName(r));
    absl::StrAppend(&roles, " (as ", absl::StrJoin(granted, ","), ")");
  }
  return roles;
}

std::string Linked(const v1::User& u) {
  std::vector<std::string> links;
  if (!u.therapist_id().empty()) links.push_back(u.therapist_id());
  if (!u.athlete_id().empty()) links.push_back(u.athlete_id());
  return links.empty() ? "-" : absl::StrJoin(links, ",");
}

std::unique_ptr<v1::UserService::Stub> Users(Session& s) {
  return v1::UserService::NewStub(s.channel());
}

int AddUser(Session& s, const Args& args) {
  v1::CreateUserRequest request;
  v1::User& u = *request.mutable_user();
  u.set_display_name(args.Get("name"));
  auto role = ParseRole(args.Get("role"));
  if (!role.ok()) return s.UsageError(role.status());
  u.set_role(*role);
  if (args.Has("grant")) {
    for (absl::string_view part : absl::StrSplit(args.Get("grant"), ',')) {
      auto granted = ParseRole(part);
      if (!granted.ok()) return s.UsageError(granted.status());
      u.add_granted_roles(*granted);
    }
  }
  u.set_athlete_id(args.Get("athlete"));
  u.set_therapist_id(args.Get("therapist"));
  if (args.Has("clinics")) {
    for (absl::string_view clinic : absl::StrSplit(args.Get("clinics"), ',')) {
      u.add_clinic_ids(std::string(clinic));
    }
  }
  v1::User created;
  if (auto status = Users(s)->CreateUser(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(s, created,
                      absl::StrCat("Added user ", created.display_name(), " (",
                                   Roles(created), ")."),
                      created.id());
}

int ListUsers(Session& s, const Args&) {
  v1::ListUsersResponse all;
  grpc::Status status = FetchAll<v1::ListUsersResponse>(
      [&](const std::string& token, v1::ListUsersResponse* page) {
        v1::ListUsersRequest request;
        request.set_page_size(500);
        request.set_page_token(token);
        return Users(s)->ListUsers(s.Context().get(), request, page);
      },
      &all);
  if (!status.ok()) return s.Fail(status);
  if (s.json()) return s.PrintJson(all);
  Table table({"ID", "NAME", "ROLE", "CLINICS", "LINKED", "STATE"});
  for (const v1::User& u : all.users()) {
    table.AddRow(
        {u.id(), u.display_name(), Roles(u),
         u.clinic_ids().empty() ? "-" : absl::StrJoin(u.clinic_ids(), ","),
         Linked(u), u.disabled() ? "disabled" : "enabled"});
  }
  s.out() << table.Render();
  return kExitOk;
}

int DisableUser(Session& s, const Args& args) {
  v1::DisableUserRequest request;
  request.set_id(args.positional()[0]);
  v1::User u;
  if (auto status = Users(s)->DisableUser(s.Context().get(), request, &u);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(u);
  s.out() << "Disabled " << u.id() << " (" << u.display_name()
          << "); none of its tokens works any more.\n";
  return kExitOk;
}

int CreateToken(Session& s, const Args& args) {
  v1::CreateTokenRequest request;
  request.set_user_id(args.positional()[0]);
  request.set_label(args.Get("label"));
  v1::CreateTokenResponse response;
  if (auto status =
          Users(s)->CreateToken(s.Context().get(), request, &response);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(
      s, response,
      absl::StrCat("Created token ", response.token().id(), " for ",
                   response.token().user_id(),
                   ". It is shown only this once; keep it secret."),
      response.secret());
}

int ListTokens(Session& s, const Args& args) {
  v1::ListTokensRequest request;
  request.set_user_id(args.positional()[0]);
  v1::ListTokensResponse response;
  if (auto status = Users(s)->ListTokens(s.Context().get(), request, &response);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(response);
  Table table({"ID", "LABEL", "CREATED", "REVOKED"});
  for (const v1::Token& t : response.tokens()) {
    table.AddRow({t.id(), t.label(), s.Format(t.create_time()),
                  t.has_revoke_time() ? s.Format(t.revoke_time()) : "-"});
  }
  s.out() << table.Render();
  return kExitOk;
}

int RevokeToken(Session& s, const Args& args) {
  v1::RevokeTokenRequest request;
  request.set_id(args.positional()[0]);
  v1::Token t;
  if (auto status = Users(s)->RevokeToken(s.Context().get(), request, &t);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(t);
  s.out() << "Revoked " << t.id() << " of " << t.user_id() << ".\n";
  return kExitOk;
}

int WhoAmI(Session& s, const Args&) {
  v1::WhoAmIResponse response;
  if (auto status =
          Users(s)->WhoAmI(s.Context().get(), v1::WhoAmIRequest(), &response);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(response);
  const v1::User& u = response.user();
  s.out() << u.id() << " " << u.display_name() << " (" << Roles(u) << ")"
          << (Linked(u) == "-" ? "" : absl::StrCat(" for ", Linked(u)))
          << ", token " << response.token().id() << "\n";
  return kExitOk;
}

int Audit(Session& s, const Args& args) {
  v1::ListAuditEventsResponse all;
  grpc::Status status = FetchAll<v1::ListAuditEventsResponse>(
      [&](const std::string& token, v1::ListAuditEventsResponse* page) {
        v1::ListAuditEventsRequest request;
        request.set_target(args.Get("target"));
        request.set_page_size(500);
        request.set_page_token(token);
        return Users(s)->ListAuditEvents(s.Context().get(), request, page);
      },
      &all);
  if (!status.ok()) return s.Fail(status);
  if (s.json()) return s.PrintJson(all);
  Table table({"WHEN", "USER", "TOKEN", "ACTION", "TARGET", "DETAIL"});
  table.SetMaxWidth(5, 80);
  for (const v1::AuditEvent& e : all.events()) {
    table.AddRow({s.Format(e.time()),
                  e.user_id().empty() ? "clinicd" : e.user_id(),
                  e.token_id().empty() ? "-" : e.token_id(), e.action(),
                  e.target(), e.detail()});
  }
  s.out() << table.Render();
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> UserCommands() {
  return {
      {"user add",
       {},
       "add a user (ADMIN); prints the user id last",
       "ADMIN also does everything STAFF does. A THERAPIST or ATHLETE user is "
       "linked to their record and sees only what is theirs. A SERVICE is "
       "another program; it acts with the roles --grant gives it.",
       {Required({"name", "NAME", "who, e.g. \"Front desk\""}),
        Required(
            {"role", "ROLE", "admin, staff, therapist, athlete or service"}),
        {"athlete", "ID", "the athlete record of an athlete user"},
        {"therapist", "ID", "the therapist record of a therapist user"},
        {"grant", "ROLES", "a service's roles, e.g. staff"},
        {"clinics", "IDS",
         "where an admin, staff or service acts, e.g. cl_1,cl_2 (staff and "
         "services: the only clinic when there is one; an admin with none "
         "manages every clinic)"}},
       {"U=$(clinicctl user add --name \"Front desk\" --role staff | tail -1)",
        "clinicctl user add --name \"Jordan Rivera\" --role athlete --athlete "
        "ath_1",
        "clinicctl user add --name \"Web shop\" --role service --grant staff"},
       AddUser},
      {"user list",
       {},
       "list users (ADMIN)",
       "",
       {},
       {"clinicctl user list"},
       ListUsers},
      {"user disable",
       {"USER_ID"},
       "disable a user and all their tokens (ADMIN)",
       "",
       {},
       {"clinicctl user disable usr_4"},
       DisableUser},
      {"token create",
       {"USER_ID"},
       "make a token for a user (ADMIN); prints the token last, once",
       "Give the token to its user: clinicctl reads it from --token or "
       "CLINIC_TOKEN. The server keeps only its hash.",
       {{"label", "TEXT", "where it is used, e.g. \"front desk laptop\""}},
       {"export CLINIC_TOKEN=$(clinicctl token create usr_2 | tail -1)"},
       CreateToken},
      {"token list",
       {"USER_ID"},
       "list a user's tokens (ADMIN)",
       "",
       {},
       {"clinicctl token list usr_2"},
       ListTokens},
      {"token revoke",
       {"TOKEN_ID"},
       "revoke a token at once (ADMIN)",
       "",
       {},
       {"clinicctl token revoke tok_3"},
       RevokeToken},
      {"whoami",
       {},
       "show the user and token you call as",
       "",
       {},
       {"clinicctl whoami"},
       WhoAmI},
      {"audit",
       {},
       "who created, moved or cancelled what (ADMIN, STAFF)",
       "",
       {{"target", "ID", "only events about this record, e.g. bk_7"}},
       {"clinicctl audit --target bk_7"},
       Audit},
  };
}

}  // namespace clinic::cli
