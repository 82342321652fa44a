// clinicd speaks standard gRPC health checking and server reflection, so
// load balancers and grpcurl-style tools work.
#include "clinic/v1/clinics.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::IsSupersetOf;

TEST_F(ClinicdTest, HealthCheckReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse out;
  ASSERT_TRUE(health->Check(Ctx().get(), req, &out).ok());
  EXPECT_EQ(out.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ClinicdTest, ReflectionListsTheClinicServices) {
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(server_.channel());
  auto ctx = Ctx();
  auto stream = reflection->ServerReflectionInfo(ctx.get());
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse out;
  ASSERT_TRUE(stream->Read(&out));
  std::vector<std::string> names;
  for (const auto& s : out.list_services_response().service()) {
    names.push_back(s.name());
  }
  EXPECT_THAT(
      names,
      IsSupersetOf({"clinic.v1.TherapistService", "clinic.v1.AthleteService",
                    "clinic.v1.BookingService", "grpc.health.v1.Health"}));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ClinicdTest, SigtermShutsDownCleanly) {
  v1::RuleSet rules;
  ASSERT_TRUE(server_.bookings().GetRules(Ctx().get(), {}, &rules).ok());
  const int status = server_.Stop();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DemoTest, SeedsTwoClinicsTheirTherapistsAndAnAthleteWithARaceOnce) {
  TempDir dir;
  ClinicdProcess server(dir.path() + "/demo.db");
  for (int start = 0; start < 2; ++start) {  // a restart seeds nothing more
    std::string error;
    ASSERT_TRUE(server.Start({"--demo"}, &error)) << error;
    v1::ListTherapistsResponse therapists;
    ASSERT_TRUE(
        server.therapists().ListTherapists(Ctx().get(), {}, &therapists).ok());
    ASSERT_EQ(therapists.therapists_size(), 3);
    EXPECT_EQ(therapists.therapists(0).clinic_id(), "cl_1");
    EXPECT_EQ(therapists.therapists(2).clinic_id(), "cl_2");
    v1::ListClinicsResponse clinics;
    ASSERT_TRUE(v1::ClinicService::NewStub(server.channel())
                    ->ListClinics(Ctx().get(), {}, &clinics)
                    .ok());
    ASSERT_EQ(clinics.clinics_size(), 2);
    EXPECT_NE(clinics.clinics(0).time_zone(), clinics.clinics(1).time_zone());
    v1::ListAthletesResponse athletes;
    ASSERT_TRUE(
        server.athletes().ListAthletes(Ctx().get(), {}, &athletes).ok());
    ASSERT_EQ(athletes.athletes_size(), 1);
    v1::ListEventsRequest req;
    req.set_athlete_id(athletes.athletes(0).id());
    v1::ListEventsResponse events;
    ASSERT_TRUE(server.athletes().ListEvents(Ctx().get(), req, &events).ok());
    ASSERT_EQ(events.events_size(), 1);
    EXPECT_EQ(events.events(0).kind(), v1::RACE);
    server.Stop();
  }
}

}  // namespace
}  // namespace clinic::testing
