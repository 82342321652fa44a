#ifndef CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_
#define CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_

#include "clinic/v1/bookings.grpc.pb.h"
#include "services/auth/accounts.h"
#include "services/auth/policy.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.BookingService over a Clinic; Accounts authorizes every call. Both
// must outlive the service.
class BookingService final : public v1::BookingService::CallbackService {
 public:
  BookingService(Clinic* clinic, auth::Accounts* accounts)
      : clinic_(clinic), accounts_(accounts) {}

  grpc::ServerUnaryReactor* CheckBooking(
      grpc::CallbackServerContext* ctx, const v1::CheckBookingRequest* req,
      v1::CheckBookingResponse* resp) override;
  grpc::ServerUnaryReactor* ReserveSlot(grpc::CallbackServerContext* ctx,
                                        const v1::ReserveSlotRequest* req,
                                        v1::ReserveSlotResponse* resp) override;
  grpc::ServerUnaryReactor* CancelBooking(grpc::CallbackServerContext* ctx,
                                          const v1::CancelBookingRequest* req,
                                          v1::Booking* resp) override;
  grpc::ServerUnaryReactor* RescheduleBooking(
      grpc::CallbackServerContext* ctx, const v1::RescheduleBookingRequest* req,
      v1::ReserveSlotResponse* resp) override;
  grpc::ServerUnaryReactor* GetBooking(grpc::CallbackServerContext* ctx,
                                       const v1::GetBookingRequest* req,
                                       v1::Booking* resp) override;
  grpc::ServerUnaryReactor* ListBookings(
      grpc::CallbackServerContext* ctx, const v1::ListBookingsRequest* req,
      v1::ListBookingsResponse* resp) override;
  grpc::ServerUnaryReactor* GetRules(grpc::CallbackServerContext* ctx,
                                     const v1::GetRulesRequest* req,
                                     v1::RuleSet* resp) override;
  grpc::ServerUnaryReactor* ListAvailableSlots(
      grpc::CallbackServerContext* ctx,
      const v1::ListAvailableSlotsRequest* req,
      v1::ListAvailableSlotsResponse* resp) override;

 private:
  // The id of the booking `booking_id` names, when the caller may move or
  // cancel it (staff, or its athlete).
  absl::StatusOr<core::Id> BookingToChange(const auth::Caller& caller,
                                           const std::string& booking_id);
  // The response of a reservation or a move of `spec`, or its rejection
  // status with suggestions.
  absl::Status Respond(const Reservation& r, const SessionSpec& spec,
                       v1::ReserveSlotResponse* resp);

  Clinic* const clinic_;
  auth::Accounts* const accounts_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_
