#ifndef CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_
#define CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_

#include "clinic/v1/athletes.grpc.pb.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.AthleteService over a Clinic, which must outlive it.
class AthleteService final : public v1::AthleteService::CallbackService {
 public:
  explicit AthleteService(Clinic* clinic) : clinic_(clinic) {}

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
  absl::Status AddEvent(core::EventKind kind, const v1::AddEventRequest& req,
                        v1::AddEventResponse* resp);

  Clinic* const clinic_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_ATHLETES_ATHLETE_SERVICE_H_
