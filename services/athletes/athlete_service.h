#ifndef CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_
#define CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_

#include "clinic/v1/athletes.grpc.pb.h"
#include "services/auth/accounts.h"
#include "services/auth/policy.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.AthleteService over a Clinic; Accounts authorizes every call. Both
// must outlive the service.
class AthleteService final : public v1::AthleteService::CallbackService {
 public:
  AthleteService(Clinic* clinic, auth::Accounts* accounts)
      : clinic_(clinic), accounts_(accounts) {}

  grpc::ServerUnaryReactor* CreateAthlete(grpc::CallbackServerContext* ctx,
                                          const v1::CreateAthleteRequest* req,
                                          v1::Athlete* resp) override;
  grpc::ServerUnaryReactor* GetAthlete(grpc::CallbackServerContext* ctx,
                                       const v1::GetAthleteRequest* req,
                                       v1::Athlete* resp) override;
  grpc::ServerUnaryReactor* ListAthletes(
      grpc::CallbackServerContext* ctx, const v1::ListAthletesRequest* req,
      v1::ListAthletesResponse* resp) override;
  grpc::ServerUnaryReactor* AddRace(grpc::CallbackServerContext* ctx,
                                    const v1::AddEventRequest* req,
                                    v1::AddEventResponse* resp) override;
  grpc::ServerUnaryReactor* AddWorkout(grpc::CallbackServerContext* ctx,
                                       const v1::AddEventRequest* req,
                                       v1::AddEventResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteEvent(grpc::CallbackServerContext* ctx,
                                        const v1::DeleteEventRequest* req,
                                        google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx,
                                       const v1::ListEventsRequest* req,
                                       v1::ListEventsResponse* resp) override;
  grpc::ServerUnaryReactor* AddInjury(grpc::CallbackServerContext* ctx,
                                      const v1::AddInjuryRequest* req,
                                      v1::Injury* resp) override;
  grpc::ServerUnaryReactor* ResolveInjury(grpc::CallbackServerContext* ctx,
                                          const v1::ResolveInjuryRequest* req,
                                          v1::Injury* resp) override;

 private:
  absl::Status AddEvent(const auth::Caller& caller, core::EventKind kind,
                        const v1::AddEventRequest& req,
                        v1::AddEventResponse* resp);
  // OK when the caller may read the athlete's record: staff, the athlete,
  // or a therapist with a confirmed session of theirs.
  absl::Status MayRead(const auth::Caller& caller, core::Id athlete_id);

  Clinic* const clinic_;
  auth::Accounts* const accounts_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_
