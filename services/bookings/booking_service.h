#ifndef CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_
#define CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_

#include "clinic/v1/bookings.grpc.pb.h"
#include "services/clinic/clinic.h"

namespace clinic {

// clinic.v1.BookingService over a Clinic, which must outlive it.
class BookingService final : public v1::BookingService::CallbackService {
 public:
  explicit BookingService(Clinic* clinic) : clinic_(clinic) {}

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
  // The response of a reservation or a move of `spec`, or its rejection
  // status with suggestions.
  absl::Status Respond(const Reservation& r, const SessionSpec& spec,
                       v1::ReserveSlotResponse* resp);

  Clinic* const clinic_;
};

}  // namespace clinic

#endif  // CLINIC_SERVICES_BOOKINGS_BOOKING_SERVICE_H_
