// Several clinicd replicas on one PostgreSQL database and one Redis, as
// deploy/local runs them, seeded with a few therapists and athletes; and
// the small helpers the replica tests share. Needs CLINIC_TEST_POSTGRES
// (run under scripts/with-postgres).
#ifndef CLINIC_TESTS_REPLICAS_REPLICAS_FIXTURE_H_
#define CLINIC_TESTS_REPLICAS_REPLICAS_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.grpc.pb.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "clinic/v1/therapists.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_process.h"
#include "tests/testing/postgres.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/redis_server.h"

namespace clinic::testing {

// An authorized context whose call must end within `deadline`.
std::unique_ptr<grpc::ClientContext> CallContext(
    absl::Duration deadline = absl::Seconds(10));

google::protobuf::Timestamp ToProto(absl::Time t);

// Stubs of every service on a channel of their own: a TCP connection not
// shared with other Stubs of the same address.
struct Stubs {
  explicit Stubs(const std::string& address);
  std::unique_ptr<v1::TherapistService::Stub> therapists;
  std::unique_ptr<v1::AthleteService::Stub> athletes;
  std::unique_ptr<v1::BookingService::Stub> bookings;
};

// True for FAILED_PRECONDITION carrying a clinic.v1.BookingRejection: a
// rule (a busy therapist or athlete included) refused the session.
bool IsRuleRejection(const grpc::Status& status);

// True when a call got no answer it can keep: the server may or may not
// have done the work (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, ...), so
// the same request, with its request_id, may be sent again.
bool IsUnanswered(const grpc::Status& status);

// The clinic's zone, America/New_York, and instants on its civil days.
class ClinicCalendar {
 public:
  ClinicCalendar();
  // Two days after today: every hour of it is past the minimum notice.
  absl::CivilDay FirstDay() const;
  absl::Time At(absl::CivilDay day, int hour, int minute = 0) const;

 private:
  absl::TimeZone zone_;
};

v1::SessionSpec Session(const std::string& athlete,
                        const std::string& therapist, v1::Modality modality,
                        absl::Time start);

// The free slots of `therapist` for `modality` starting on `day`, through
// `bookings`; fails the test when the call fails.
std::vector<v1::Slot> FreeSlots(v1::BookingService::Stub& bookings,
                                const ClinicCalendar& calendar,
                                const std::string& therapist,
                                v1::Modality modality, absl::CivilDay day);

// Creates a therapist of every modality working every day 08:00-20:00 (or
// an athlete) through `stubs`; returns the id, or "" after a test failure.
std::string CreateTherapist(Stubs& stubs, const std::string& name);
std::string CreateAthlete(Stubs& stubs, const std::string& name);

// Flags of every clinicd the replica tests start, beyond --db.
std::vector<std::string> ClinicdFlags(const RedisServer& redis);

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override { StartReplicas(3); }

  // Starts one Redis and `count` clinicd replicas on a fresh database of
  // the server `server_uri` (empty: CLINIC_TEST_POSTGRES), one after the
  // other, and seeds 3 therapists and 4 athletes through replica 0.
  void StartReplicas(int count, const std::string& server_uri = "");

  std::vector<std::string> Addresses() const;
  ClinicdProcess& replica(int i) { return *replicas_[i]; }

  ClinicCalendar calendar_;
  // When a test owns its server: declared first, so that it goes last.
  std::unique_ptr<PostgresServer> own_server_;
  std::unique_ptr<TestDatabase> db_;
  RedisServer redis_;
  std::vector<std::unique_ptr<ClinicdProcess>> replicas_;
  std::unique_ptr<Stubs> admin_;  // on replica 0
  std::vector<std::string> therapists_;
  std::vector<std::string> athletes_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_REPLICAS_REPLICAS_FIXTURE_H_
