#ifndef CLINIC_SERVICES_THERAPISTS_THERAPIST_SERVICE_H_
#define CLINIC_SERVICES_THERAPISTS_THERAPIST_SERVICE_H_

#include "clinic/v1/therapists.grpc.pb.h"
#include "services/auth/accounts.h"
#include "services/auth/policy.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.TherapistService over a Clinic; Accounts authorizes every call.
// Both must outlive the service.
class TherapistService final : public v1::TherapistService::CallbackService {
 public:
  TherapistService(Clinic* clinic, auth::Accounts* accounts)
      : clinic_(clinic), accounts_(accounts) {}

  grpc::ServerUnaryReactor* CreateTherapist(
      grpc::CallbackServerContext* ctx, const v1::CreateTherapistRequest* req,
      v1::Therapist* resp) override;
  grpc::ServerUnaryReactor* GetTherapist(grpc::CallbackServerContext* ctx,
                                         const v1::GetTherapistRequest* req,
                                         v1::Therapist* resp) override;
  grpc::ServerUnaryReactor* ListTherapists(
      grpc::CallbackServerContext* ctx, const v1::ListTherapistsRequest* req,
      v1::ListTherapistsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateTherapist(
      grpc::CallbackServerContext* ctx, const v1::UpdateTherapistRequest* req,
      v1::Therapist* resp) override;
  grpc::ServerUnaryReactor* AddTimeOff(grpc::CallbackServerContext* ctx,
                                       const v1::AddTimeOffRequest* req,
                                       v1::TimeOff* resp) override;
  grpc::ServerUnaryReactor* DeleteTimeOff(
      grpc::CallbackServerContext* ctx, const v1::DeleteTimeOffRequest* req,
      google::protobuf::Empty* resp) override;

 private:
  // OK when the caller's staff powers reach the therapist's clinic.
  absl::Status MayManage(const auth::Caller& caller, core::Id therapist_id);

  Clinic* const clinic_;
  auth::Accounts* const accounts_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_THERAPISTS_THERAPIST_SERVICE_H_
