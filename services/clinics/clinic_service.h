#ifndef CLINIC_SERVICES_CLINICS_CLINIC_SERVICE_H_
#define CLINIC_SERVICES_CLINICS_CLINIC_SERVICE_H_

#include "clinic/v1/clinics.grpc.pb.h"
#include "services/auth/accounts.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.ClinicService over a Clinic; Accounts authorizes every call.
// Both must outlive the service.
class ClinicService final : public v1::ClinicService::CallbackService {
 public:
  ClinicService(Clinic* clinic, auth::Accounts* accounts)
      : clinic_(clinic), accounts_(accounts) {}

  grpc::ServerUnaryReactor* CreateClinic(grpc::CallbackServerContext* ctx,
                                         const v1::CreateClinicRequest* req,
                                         v1::Clinic* resp) override;
  grpc::ServerUnaryReactor* GetClinic(grpc::CallbackServerContext* ctx,
                                      const v1::GetClinicRequest* req,
                                      v1::Clinic* resp) override;
  grpc::ServerUnaryReactor* ListClinics(grpc::CallbackServerContext* ctx,
                                        const v1::ListClinicsRequest* req,
                                        v1::ListClinicsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateClinic(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateClinicRequest* req,
                                         v1::Clinic* resp) override;

 private:
  Clinic* const clinic_;
  auth::Accounts* const accounts_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICS_CLINIC_SERVICE_H_
