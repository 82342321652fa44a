#ifndef CLINIC_SERVICES_USERS_USER_SERVICE_H_
#define CLINIC_SERVICES_USERS_USER_SERVICE_H_

#include "clinic/v1/users.grpc.pb.h"
#include "services/auth/accounts.h"
#include "services/auth/policy.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.UserService over Accounts, which must outlive it.
class UserService final : public v1::UserService::CallbackService {
 public:
  // Both must outlive the service.
  UserService(Clinic* clinic, auth::Accounts* accounts)
      : clinic_(clinic), accounts_(accounts) {}

  grpc::ServerUnaryReactor* CreateUser(grpc::CallbackServerContext* ctx,
                                       const v1::CreateUserRequest* req,
                                       v1::User* resp) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* ctx,
                                    const v1::GetUserRequest* req,
                                    v1::User* resp) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* ctx,
                                      const v1::ListUsersRequest* req,
                                      v1::ListUsersResponse* resp) override;
  grpc::ServerUnaryReactor* DisableUser(grpc::CallbackServerContext* ctx,
                                        const v1::DisableUserRequest* req,
                                        v1::User* resp) override;
  grpc::ServerUnaryReactor* CreateToken(grpc::CallbackServerContext* ctx,
                                        const v1::CreateTokenRequest* req,
                                        v1::CreateTokenResponse* resp) override;
  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* ctx,
                                       const v1::ListTokensRequest* req,
                                       v1::ListTokensResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* ctx,
                                        const v1::RevokeTokenRequest* req,
                                        v1::Token* resp) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx,
                                   const v1::WhoAmIRequest* req,
                                   v1::WhoAmIResponse* resp) override;
  grpc::ServerUnaryReactor* ListAuditEvents(
      grpc::CallbackServerContext* ctx, const v1::ListAuditEventsRequest* req,
      v1::ListAuditEventsResponse* resp) override;

 private:
  // OK when the caller's staff powers reach the record an audit `target`
  // ("bk_7") names; only a platform admin reads users', tokens' or the
  // whole log.
  absl::Status MayReadAudit(const auth::Caller& caller,
                            const std::string& target);

  Clinic* const clinic_;
  auth::Accounts* const accounts_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_USERS_USER_SERVICE_H_
