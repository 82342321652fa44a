// Every error a caller can get carries a google.rpc.ErrorInfo with a stable
// reason (AIP-193), and a storage failure reaches the caller as a reference
// only, with the details in the server's log.
#include <sqlite3.h>

#include <map>
#include <regex>
#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"
#include "tests/testing/postgres.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Details {
  google::rpc::ErrorInfo info;
  std::optional<google::rpc::ResourceInfo> resource;
};

Details DetailsOf(const grpc::Status& status) {
  Details d;
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(status.error_details()))
      << status.error_message();
  int infos = 0;
  for (const auto& any : rich.details()) {
    infos += any.UnpackTo(&d.info);
    google::rpc::ResourceInfo resource;
    if (any.UnpackTo(&resource)) d.resource = resource;
  }
  EXPECT_EQ(infos, 1) << "one ErrorInfo in " << rich.DebugString();
  EXPECT_EQ(d.info.domain(), "clinic.v1");
  EXPECT_EQ(rich.code(), status.error_code());
  EXPECT_EQ(rich.message(), status.error_message());
  return d;
}

class ErrorDetailsTest : public ClinicdTest {
 protected:
  void SetUp() override {
    ClinicdTest::SetUp();
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
  }
  std::string therapist_, athlete_;
};

TEST_F(ErrorDetailsTest, NotFoundNamesTheResource) {
  v1::GetTherapistRequest req;
  req.set_id("th_404");
  v1::Therapist out;
  const grpc::Status s =
      server_.therapists().GetTherapist(Ctx().get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  const Details d = DetailsOf(s);
  EXPECT_EQ(d.info.reason(), "NOT_FOUND");
  ASSERT_TRUE(d.resource.has_value());
  EXPECT_EQ(d.resource->resource_type(), "clinic.v1.Therapist");
  EXPECT_EQ(d.resource->resource_name(), "th_404");
}

TEST_F(ErrorDetailsTest, RequestIdReusedNamesTheFirstBooking) {
  const absl::CivilDay wednesday = RaceSunday() - 4;
  v1::ReserveSlotResponse out;
  ASSERT_TRUE(
      Reserve(Spec(athlete_, therapist_, v1::SPORTS, Local(wednesday, 10)),
              &out, "req-1")
          .ok());
  const grpc::Status s =
      Reserve(Spec(athlete_, therapist_, v1::SPORTS, Local(wednesday, 14)),
              &out, "req-1");
  ASSERT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  const Details d = DetailsOf(s);
  EXPECT_EQ(d.info.reason(), "REQUEST_ID_REUSED");
  EXPECT_EQ(d.info.metadata().at("booking"), out.booking().id());
}

TEST_F(ErrorDetailsTest, OverlappingTimeOffNamesTheTimeOffItOverlaps) {
  const absl::CivilDay day = RaceSunday() - 4;
  auto add = [&](int from, int to, v1::TimeOff* out) {
    v1::AddTimeOffRequest req;
    req.set_therapist_id(therapist_);
    *req.mutable_time_off()->mutable_start_time() = Ts(Local(day, from));
    *req.mutable_time_off()->mutable_end_time() = Ts(Local(day, to));
    req.mutable_time_off()->set_reason("physio course");
    return server_.therapists().AddTimeOff(Ctx().get(), req, out);
  };
  v1::TimeOff first;
  ASSERT_TRUE(add(9, 13, &first).ok());
  const std::string before = StoreSnapshot(server_);
  v1::TimeOff out;
  const grpc::Status s = add(12, 15, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("overlaps " + first.id()));
  const Details d = DetailsOf(s);
  EXPECT_EQ(d.info.reason(), "TIME_OFF_OVERLAPS");
  EXPECT_EQ(d.info.metadata().at("time_off"), first.id());
  EXPECT_EQ(StoreSnapshot(server_), before);

  // Back to back is fine.
  ASSERT_TRUE(add(13, 15, &out).ok());
  EXPECT_NE(StoreSnapshot(server_), before);
}

TEST_F(ErrorDetailsTest, RuleRejectionsAndCancelledBookingsHaveTheirReasons) {
  const absl::CivilDay sunday = RaceSunday();
  AddEvent(athlete_, v1::RACE, "Broad Street Run", Local(sunday, 7),
           absl::Hours(3));
  v1::ReserveSlotResponse out;
  grpc::Status s = Reserve(
      Spec(athlete_, therapist_, v1::DEEP_TISSUE, Local(sunday - 2, 16)), &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(s).info.reason(), "RECOVERY_RULE_VIOLATED");

  ASSERT_TRUE(
      Reserve(Spec(athlete_, therapist_, v1::SPORTS, Local(sunday - 4, 10)),
              &out)
          .ok());
  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(out.booking().id());
  v1::Booking cancelled;
  ASSERT_TRUE(
      server_.bookings().CancelBooking(Ctx().get(), cancel, &cancelled).ok());
  v1::RescheduleBookingRequest move;
  move.set_booking_id(out.booking().id());
  *move.mutable_start_time() = Ts(Local(sunday - 4, 12));
  v1::ReserveSlotResponse moved;
  s = server_.bookings().RescheduleBooking(Ctx().get(), move, &moved);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(s).info.reason(), "BOOKING_CANCELLED");
}

TEST_F(ErrorDetailsTest, AuthenticationAndPermissionFailuresSayWhich) {
  v1::GetRulesRequest req;
  v1::RuleSet rules;
  grpc::ClientContext none;
  grpc::Status s = server_.bookings().GetRules(&none, req, &rules);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DetailsOf(s).info.reason(), "TOKEN_MISSING");

  grpc::ClientContext unknown;
  Authorize(unknown, "clinic_not-a-real-token");
  s = server_.bookings().GetRules(&unknown, req, &rules);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DetailsOf(s).info.reason(), "TOKEN_UNKNOWN");

  // An athlete's token may not list athletes.
  auto users = v1::UserService::NewStub(server_.channel());
  v1::CreateUserRequest create;
  create.mutable_user()->set_display_name("Jane");
  create.mutable_user()->set_role(v1::ATHLETE);
  create.mutable_user()->set_athlete_id(athlete_);
  v1::User user;
  ASSERT_TRUE(users->CreateUser(Ctx().get(), create, &user).ok());
  v1::CreateTokenRequest token_req;
  token_req.set_user_id(user.id());
  v1::CreateTokenResponse token;
  ASSERT_TRUE(users->CreateToken(Ctx().get(), token_req, &token).ok());
  grpc::ClientContext as_athlete;
  Authorize(as_athlete, token.secret());
  v1::ListAthletesResponse athletes;
  s = server_.athletes().ListAthletes(&as_athlete, v1::ListAthletesRequest(),
                                      &athletes);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const Details d = DetailsOf(s);
  EXPECT_EQ(d.info.reason(), "PERMISSION_DENIED");
  EXPECT_EQ(d.info.metadata().at("role"), "ATHLETE");
  EXPECT_EQ(d.info.metadata().at("method"),
            "clinic.v1.AthleteService/ListAthletes");
}

TEST_F(ErrorDetailsTest, InvalidArgumentKeepsItsBadRequest) {
  v1::GetTherapistRequest req;
  req.set_id("ath_1");
  v1::Therapist out;
  const grpc::Status s =
      server_.therapists().GetTherapist(Ctx().get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(s).info.reason(), "INVALID_ARGUMENT");
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  google::rpc::BadRequest bad;
  bool found = false;
  for (const auto& any : rich.details()) found |= any.UnpackTo(&bad);
  ASSERT_TRUE(found);
  EXPECT_EQ(bad.field_violations(0).field(), "id");
}

// A real storage failure: another process renames the bookings table under
// a running clinicd.
TEST_F(ErrorDetailsTest, StorageFailureGivesTheCallerOnlyAReference) {
  // What the store's error says, in the log only.
  std::string store_error;
  std::string hidden_name;  // of the store, no business of the caller
  if (const TestDatabase* pg = server_.database()) {
    // lock_timeout: a lock clinicd holds must fail the test, not hang it.
    const auto renamed = pg->Query(
        "SET LOCAL lock_timeout = '10s';"
        "ALTER TABLE bookings RENAME TO bookings_gone");
    ASSERT_TRUE(renamed.ok()) << renamed.status();
    store_error = "postgres: relation \"bookings\" does not exist";
    hidden_name = pg->name();
  } else {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() + "/clinic.db").c_str(), &db),
              SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE bookings RENAME TO bookings_gone",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    store_error = "sqlite: no such table";
    hidden_name = dir_.path();
  }

  v1::ListBookingsRequest req;
  v1::ListBookingsResponse out;
  const grpc::Status s =
      server_.bookings().ListBookings(Ctx().get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INTERNAL) << s.error_message();
  std::smatch m;
  const std::string message = s.error_message();
  ASSERT_TRUE(std::regex_match(
      message, m, std::regex("internal error \\(ref ([0-9a-f]{16})\\)")))
      << message;
  const std::string ref = m[1];
  EXPECT_THAT(s.error_details(), Not(HasSubstr("bookings")));
  EXPECT_THAT(s.error_details(), Not(HasSubstr(hidden_name)));
  EXPECT_THAT(s.error_details(), Not(HasSubstr("sqlite")));
  EXPECT_THAT(s.error_details(), Not(HasSubstr("postgres")));
  const Details d = DetailsOf(s);
  EXPECT_EQ(d.info.reason(), "INTERNAL");
  EXPECT_EQ(d.info.metadata().at("ref"), ref);

  const std::string log = server_.stderr_text();
  // The call's one log line (logfmt) names the method, the reference and
  // the error, its quotes escaped.
  const size_t at = log.find("ref=" + ref);
  ASSERT_NE(at, std::string::npos) << log;
  const size_t begin = log.rfind('\n', at) + 1;
  const std::string line = log.substr(begin, log.find('\n', at) - begin);
  EXPECT_THAT(line, HasSubstr("level=error msg=call "
                              "method=clinic.v1.BookingService/ListBookings "
                              "code=INTERNAL "));
  EXPECT_THAT(line,
              HasSubstr(absl::StrReplaceAll(store_error, {{"\"", "\\\""}})));
}

}  // namespace
}  // namespace clinic::testing
