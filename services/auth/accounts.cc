#include "services/auth/accounts.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/auth/policy.h"
#include "services/auth/token.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic::auth {
namespace {

using core::FormatId;
using core::IdKind;
using core::WithReason;

absl::Status UserDisabled(core::Id id) {
  return WithReason(absl::UnauthenticatedError(absl::StrCat(
                        "user ", FormatId(IdKind::kUser, id), " is disabled")),
                    {core::kReasonUserDisabled, {}});
}

}  // namespace

core::AuditEvent Audit(const core::Actor& by, absl::Time now,
                       std::string action, std::string target,
                       std::string detail) {
  core::AuditEvent e;
  e.time = now;
  e.user_id = by.user_id;
  e.token_id = by.token_id;
  e.action = std::move(action);
  e.target = std::move(target);
  e.detail = std::move(detail);
  return e;
}

Accounts::Accounts(storage::Store* store, const core::Clock* clock)
    : store_(store), clock_(clock) {}

absl::StatusOr<Principal> Accounts::Authenticate(absl::string_view text) {
  const std::string hash = HashToken(text);
  Principal p;
  bool found = false;
  CLINIC_RETURN_IF_ERROR(store_->Read([&](storage::Reader& r) -> absl::Status {
    CLINIC_ASSIGN_OR_RETURN(std::vector<core::Token> candidates,
                            r.FindTokens(hash.substr(0, kHashPrefixBytes)));
    for (core::Token& t : candidates) {
      if (SameHash(t.hash, hash)) {
        p.token = std::move(t);
        found = true;
      }
    }
    if (!found) return absl::OkStatus();
    CLINIC_ASSIGN_OR_RETURN(p.user, r.GetUser(p.token.user_id));
    return absl::OkStatus();
  }));
  if (!found) {
    return WithReason(absl::UnauthenticatedError("unknown token"),
                      {core::kReasonTokenUnknown, {}});
  }
  if (p.token.revoke_time.has_value()) {
    return WithReason(
        absl::UnauthenticatedError(absl::StrCat(
            "token ", FormatId(IdKind::kToken, p.token.id), " was revoked")),
        {core::kReasonTokenRevoked, {}});
  }
  if (p.user.disabled) return UserDisabled(p.user.id);
  return p;
}

absl::StatusOr<core::User> Accounts::CreateUser(core::User user,
                                                const core::Actor& by) {
  user.create_time = clock_->Now();
  user.disabled = false;
  CLINIC_RETURN_IF_ERROR(store_->Write(
      storage::Touches::Users(), [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(user.id, tx.InsertUser(user));
        return tx
            .InsertAuditEvent(Audit(
                by, user.create_time, "user.create",
                FormatId(IdKind::kUser, user.id),
                absl::StrCat(RoleName(user.role), " \"", user.name, "\"")))
            .status();
      }));
  return user;
}

absl::StatusOr<core::User> Accounts::GetUser(Id id) {
  return storage::InRead(store_,
                         [&](storage::Reader& r) { return r.GetUser(id); });
}

absl::StatusOr<std::vector<core::User>> Accounts::ListUsers(
    const storage::PageRequest& page) {
  return storage::InRead(store_,
                         [&](storage::Reader& r) { return r.ListUsers(page); });
}

absl::StatusOr<core::User> Accounts::DisableUser(Id id, const core::Actor& by) {
  core::User user;
  CLINIC_RETURN_IF_ERROR(store_->Write(
      storage::Touches::Users(), [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(user, tx.GetUser(id));
        if (user.disabled) return absl::OkStatus();
        if (user.role == Role::kAdmin) {
          int enabled_admins = 0;
          storage::PageRequest page{500, 0};
          for (;;) {
            CLINIC_ASSIGN_OR_RETURN(std::vector<core::User> batch,
                                    tx.ListUsers(page));
            for (const core::User& u : batch) {
              enabled_admins += u.role == Role::kAdmin && !u.disabled;
            }
            if (static_cast<int>(batch.size()) < page.limit) break;
            page.after_id = batch.back().id;
          }
          if (enabled_admins <= 1) {
            return WithReason(
                absl::FailedPreconditionError(absl::StrCat(
                    "user ", FormatId(IdKind::kUser, id),
                    " is the last enabled ADMIN; create another admin first")),
                {core::kReasonLastAdmin, {}});
          }
        }
        user.disabled = true;
        CLINIC_RETURN_IF_ERROR(tx.SetUserDisabled(id, true));
        return tx
            .InsertAuditEvent(Audit(by, clock_->Now(), "user.disable",
                                    FormatId(IdKind::kUser, id), user.name))
            .status();
      }));
  return user;
}

absl::StatusOr<NewToken> Accounts::InsertToken(storage::Transaction& tx,
                                               Id user_id, std::string label,
                                               std::string text,
                                               const core::Actor& by) {
  NewToken t;
  t.text = std::move(text);
  t.token.user_id = user_id;
  t.token.hash = HashToken(t.text);
  t.token.label = std::move(label);
  t.token.create_time = clock_->Now();
  CLINIC_ASSIGN_OR_RETURN(t.token.id, tx.InsertToken(t.token));
  CLINIC_RETURN_IF_ERROR(
      tx.InsertAuditEvent(
            Audit(by, t.token.create_time, "token.create",
                  FormatId(IdKind::kToken, t.token.id),
                  absl::StrCat("for ", FormatId(IdKind::kUser, user_id))))
          .status());
  return t;
}

absl::StatusOr<NewToken> Accounts::CreateToken(Id user_id, std::string label,
                                               const core::Actor& by) {
  CLINIC_ASSIGN_OR_RETURN(std::string text, NewTokenText());
  NewToken created;
  CLINIC_RETURN_IF_ERROR(store_->Write(
      storage::Touches::Users(), [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(core::User user, tx.GetUser(user_id));
        if (user.disabled) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  "user ", FormatId(IdKind::kUser, user_id), " is disabled")),
              {core::kReasonUserDisabled, {}});
        }
        CLINIC_ASSIGN_OR_RETURN(created,
                                InsertToken(tx, user_id, label, text, by));
        return absl::OkStatus();
      }));
  return created;
}

absl::StatusOr<std::vector<core::Token>> Accounts::ListTokens(Id user_id) {
  return storage::InRead(
      store_,
      [&](storage::Reader& r) -> absl::StatusOr<std::vector<core::Token>> {
        CLINIC_RETURN_IF_ERROR(r.GetUser(user_id).status());
        return r.ListTokens(user_id);
      });
}

absl::StatusOr<core::Token> Accounts::RevokeToken(Id id,
                                                  const core::Actor& by) {
  core::Token token;
  CLINIC_RETURN_IF_ERROR(store_->Write(
      storage::Touches::Users(), [&](storage::Transaction& tx) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(token, tx.GetToken(id));
        if (token.revoke_time.has_value()) return absl::OkStatus();
        token.revoke_time = clock_->Now();
        CLINIC_RETURN_IF_ERROR(tx.RevokeToken(id, *token.revoke_time));
        return tx
            .InsertAuditEvent(Audit(
                by, *token.revoke_time, "token.revoke",
                FormatId(IdKind::kToken, id),
                absl::StrCat("of ", FormatId(IdKind::kUser, token.user_id))))
            .status();
      }));
  return token;
}

absl::StatusOr<std::vector<core::AuditEvent>> Accounts::ListAuditEvents(
    const std::string& target, const storage::PageRequest& page) {
  return storage::InRead(store_, [&](storage::Reader& r) {
    return r.ListAuditEvents(target, page);
  });
}

absl::StatusOr<std::optional<std::string>> Accounts::EnsureFirstAdmin(
    const std::string& text) {
  std::string token_text = text;
  if (token_text.empty()) {
    CLINIC_ASSIGN_OR_RETURN(token_text, NewTokenText());
  }
  bool created = false;
  CLINIC_RETURN_IF_ERROR(store_->Write(
      storage::Touches::Users(), [&](storage::Transaction& tx) -> absl::Status {
        created = false;  // this may run again
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::User> users,
                                tx.ListUsers({1, 0}));
        if (!users.empty()) return absl::OkStatus();
        core::User admin;
        admin.name = "admin";
        admin.role = Role::kAdmin;
        admin.create_time = clock_->Now();
        const core::Actor clinicd;  // the server itself
        CLINIC_ASSIGN_OR_RETURN(admin.id, tx.InsertUser(admin));
        CLINIC_RETURN_IF_ERROR(
            tx.InsertAuditEvent(Audit(clinicd, admin.create_time, "user.create",
                                      FormatId(IdKind::kUser, admin.id),
                                      "the first ADMIN, on an empty store"))
                .status());
        CLINIC_RETURN_IF_ERROR(
            InsertToken(tx, admin.id, "first admin", token_text, clinicd)
                .status());
        created = true;
        return absl::OkStatus();
      }));
  if (!created) return std::nullopt;
  return token_text;
}

}  // namespace clinic::auth
