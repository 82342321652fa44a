// What clients/loadgen sends: therapists and athletes it seeds in a clinic,
// and random requests over them, each kind as a Method of the mix.
#ifndef CLINIC_CLIENTS_LOADGEN_WORKLOAD_H_
#define CLINIC_CLIENTS_LOADGEN_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.grpc.pb.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "clinic/v1/therapists.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace clinic::loadgen {

enum class Method {
  kListAvailableSlots,
  kCheckBooking,
  kReserveSlot,
  kRescheduleBooking,
  kCancelBooking,
  kAddRace,
};
inline constexpr int kMethods = 6;
const char* MethodName(Method method);

// "reserve=40,slots=30,check=15,reschedule=5,cancel=5,race=5": weights by
// method (short names: slots, check, reserve, reschedule, cancel, race).
absl::StatusOr<std::vector<double>> ParseMix(const std::string& text);

struct WorkloadOptions {
  std::string token;
  std::string clinic_id;  // empty: the only clinic
  int therapists = 20;
  int athletes = 200;
  int days = 60;  // sessions and slots within this many days from tomorrow
};

// The seeded clinic and random requests over it. Thread-safe.
class Workload {
 public:
  // Seeds `options.therapists` therapists (Monday to Saturday, 08:00 to
  // 20:00, sports and deep tissue) and `options.athletes` athletes through
  // `channel`.
  static absl::StatusOr<std::unique_ptr<Workload>> Seed(
      const std::shared_ptr<grpc::Channel>& channel,
      const WorkloadOptions& options);

  // A random request of each kind; Reschedule and Cancel take a booking
  // made earlier (false when there is none yet).
  v1::ListAvailableSlotsRequest Slots(std::mt19937_64& rng) const;
  v1::CheckBookingRequest Check(std::mt19937_64& rng) const;
  v1::ReserveSlotRequest Reserve(std::mt19937_64& rng) const;
  bool Reschedule(std::mt19937_64& rng, v1::RescheduleBookingRequest* out);
  bool Cancel(std::mt19937_64& rng, v1::CancelBookingRequest* out);
  v1::AddEventRequest Race(std::mt19937_64& rng) const;

  // A booking ReserveSlot made, for later moves and cancellations.
  void Booked(const std::string& id);

 private:
  Workload(WorkloadOptions options, absl::TimeZone zone)
      : options_(std::move(options)), zone_(zone) {}
  v1::SessionSpec Session(std::mt19937_64& rng) const;
  absl::Time RandomStart(std::mt19937_64& rng, int first_hour,
                         int last_hour) const;

  const WorkloadOptions options_;
  const absl::TimeZone zone_;
  std::vector<std::string> therapists_;
  std::vector<std::string> athletes_;
  absl::Mutex mu_;
  std::vector<std::string> booked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic::loadgen

#endif  // CLINIC_CLIENTS_LOADGEN_WORKLOAD_H_
