// The permission matrix: every clinic.v1 RPC, called by every kind of caller,
// gets exactly the gRPC code the access policy gives it. A refused call
// changes nothing in the store and says who was refused what; an allowed
// change to a booking is audited under the caller's user and token.
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.grpc.pb.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "clinic/v1/clinics.grpc.pb.h"
#include "clinic/v1/therapists.grpc.pb.h"
#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/empty.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/auth/policy.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// Who calls: one column of the matrix each.
enum Column {
  kAdmin,           // the bootstrap ADMIN (kAdminToken)
  kStaff,           // a STAFF user
  kTherapist,       // a THERAPIST user of T1
  kAthlete,         // an ATHLETE user of A1
  kServiceStaff,    // a SERVICE granted STAFF
  kServiceAthlete,  // a SERVICE granted ATHLETE, of A1
  kOtherClinic,     // a STAFF user of clinic C2 only
  kNoToken,         // no authorization header
  kMalformed,       // "authorization: Basic xyz"
  kUnknownToken,    // a token clinicd never issued
  kRevoked,         // a revoked token of the STAFF user
  kDisabled,        // the token of a disabled STAFF user
  kColumnCount,
};

constexpr const char* kColumnNames[kColumnCount] = {
    "ADMIN",
    "STAFF",
    "THERAPIST of T1",
    "ATHLETE of A1",
    "SERVICE granted STAFF",
    "SERVICE granted ATHLETE of A1",
    "STAFF of C2",
    "no token",
    "\"Basic xyz\"",
    "an unknown token",
    "a revoked token",
    "a disabled user's token",
};

// One row of the matrix: a method called on one target, and the code each
// column gets, in the column order above.
struct Row {
  const char* method;
  const char* target;  // whose record the request names; "" for none
  const char* want;
};

// The records: clinics C1 and C2; therapists T1 and T2 (at C1); athletes A1
// and A2 (at no clinic), each with an event and an injury; B1 is A1's
// session with T1 and B2 A2's with T2, so A1 is booked with T1 and A2 never
// is. Staff of C2 reach athletes, not C1's therapists, sessions or audit.
// THERAPIST acts as T1, ATHLETE and the SERVICE granted ATHLETE act as A1:
// their "own" records are T1's and A1's. A write acts on records made for its
// cell alone ("A1's event" is a fresh event of A1, "A1 with T1" a fresh session
// or slot), so every cell sends a valid request and no cell depends on another.
//
// Columns:   AD ADMIN (platform)  SS SERVICE granted STAFF  no no token
//            ST STAFF of C1       SA SERVICE granted        Ba "Basic xyz"
//            TH THERAPIST of T1      ATHLETE of A1          un unknown token
//            AT ATHLETE of A1     C2 STAFF of C2 only       rv revoked token
//                                                           ds disabled user
// Codes:     ok OK   PD PERMISSION_DENIED   UN UNAUTHENTICATED
//
// clang-format off
constexpr Row kClinicServiceRows[] = {
//   method                target        AD ST TH AT SS SA C2  no Ba un rv ds
    {"CreateClinic",       "",          "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"GetClinic",          "C1",        "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListClinics",        "",          "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"UpdateClinic",       "C1",        "ok PD PD PD PD PD PD  UN UN UN UN UN"},
};

constexpr Row kTherapistServiceRows[] = {
//   method                target        AD ST TH AT SS SA C2  no Ba un rv ds
    {"CreateTherapist",    "",          "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"GetTherapist",       "T2",        "ok ok ok ok ok ok PD  UN UN UN UN UN"},
    {"ListTherapists",     "",          "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"UpdateTherapist",    "T1",        "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"AddTimeOff",         "T1",        "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"DeleteTimeOff",      "T1 time off", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
};

constexpr Row kAthleteServiceRows[] = {
//   method                target        AD ST TH AT SS SA C2  no Ba un rv ds
    {"CreateAthlete",      "",          "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"GetAthlete",         "A1",        "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"GetAthlete",         "A2",        "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"ListAthletes",       "",          "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"AddRace",            "A1",        "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"AddRace",            "A2",        "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"AddWorkout",         "A1",        "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"AddWorkout",         "A2",        "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"DeleteEvent",        "A1's event", "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"DeleteEvent",        "A2's event", "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"ListEvents",         "A1",        "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListEvents",         "A2",        "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"AddInjury",          "A1",        "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"AddInjury",          "A2",        "ok ok PD PD ok PD ok  UN UN UN UN UN"},
    {"ResolveInjury",      "A1's injury", "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"ResolveInjury",      "A2's injury", "ok ok PD PD ok PD ok  UN UN UN UN UN"},
};

constexpr Row kBookingServiceRows[] = {
//   method                target        AD ST TH AT SS SA C2  no Ba un rv ds
    {"CheckBooking",       "A1 with T1", "ok ok PD ok ok ok PD  UN UN UN UN UN"},
    {"CheckBooking",       "A2 with T2", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"ReserveSlot",        "A1 with T1", "ok ok PD ok ok ok PD  UN UN UN UN UN"},
    {"ReserveSlot",        "A2 with T2", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"CancelBooking",      "A1 with T1", "ok ok PD ok ok ok PD  UN UN UN UN UN"},
    {"CancelBooking",      "A2 with T2", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"RescheduleBooking",  "A1 with T1", "ok ok PD ok ok ok PD  UN UN UN UN UN"},
    {"RescheduleBooking",  "A2 with T2", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"GetBooking",         "B1",        "ok ok ok ok ok ok PD  UN UN UN UN UN"},
    {"GetBooking",         "B2",        "ok ok PD PD ok PD PD  UN UN UN UN UN"},
    {"ListBookings",       "",          "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListBookings",       "athlete A1", "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListBookings",       "athlete A2", "ok ok ok PD ok PD ok  UN UN UN UN UN"},
    {"ListBookings",       "therapist T1", "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListBookings",       "therapist T2", "ok ok PD ok ok ok ok  UN UN UN UN UN"},
    {"GetRules",           "",          "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListAvailableSlots", "T1",        "ok ok ok ok ok ok PD  UN UN UN UN UN"},
    {"ListAvailableSlots", "T1 for A1", "ok ok PD ok ok ok PD  UN UN UN UN UN"},
    {"ListAvailableSlots", "T2 for A2", "ok ok PD PD ok PD PD  UN UN UN UN UN"},
};

constexpr Row kUserServiceRows[] = {
//   method                target        AD ST TH AT SS SA C2  no Ba un rv ds
    {"CreateUser",         "",          "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"GetUser",            "ATHLETE's", "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"ListUsers",          "",          "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"DisableUser",        "a new user", "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"CreateToken",        "spare user", "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"ListTokens",         "STAFF's",   "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"RevokeToken",        "a new token", "ok PD PD PD PD PD PD  UN UN UN UN UN"},
    {"WhoAmI",             "",          "ok ok ok ok ok ok ok  UN UN UN UN UN"},
    {"ListAuditEvents",    "B1",        "ok ok PD PD ok PD PD  UN UN UN UN UN"},
};
// clang-format on

using Codes = std::array<grpc::StatusCode, kColumnCount>;

struct MatrixRow {
  std::string rpc;     // "clinic.v1.BookingService/GetBooking"
  std::string target;  // as in the table
  Codes want;
};

Codes ParseCodes(absl::string_view text) {
  Codes codes;
  codes.fill(grpc::StatusCode::UNKNOWN);
  const std::vector<absl::string_view> words =
      absl::StrSplit(text, ' ', absl::SkipEmpty());
  EXPECT_EQ(words.size(), static_cast<size_t>(kColumnCount)) << text;
  for (size_t i = 0; i < words.size() && i < codes.size(); ++i) {
    if (words[i] == "ok") {
      codes[i] = grpc::StatusCode::OK;
    } else if (words[i] == "PD") {
      codes[i] = grpc::StatusCode::PERMISSION_DENIED;
    } else if (words[i] == "UN") {
      codes[i] = grpc::StatusCode::UNAUTHENTICATED;
    } else {
      ADD_FAILURE() << "unknown code \"" << words[i] << "\" in " << text;
    }
  }
  return codes;
}

// The whole table, rows in order.
std::vector<MatrixRow> Matrix() {
  std::vector<MatrixRow> matrix;
  auto add = [&](const char* service, const auto& rows) {
    for (const Row& r : rows) {
      matrix.push_back({absl::StrCat("clinic.v1.", service, "/", r.method),
                        r.target, ParseCodes(r.want)});
    }
  };
  add("ClinicService", kClinicServiceRows);
  add("TherapistService", kTherapistServiceRows);
  add("AthleteService", kAthleteServiceRows);
  add("BookingService", kBookingServiceRows);
  add("UserService", kUserServiceRows);
  return matrix;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    default:
      return absl::StrCat("code ", static_cast<int>(code));
  }
}

// The lines between the common head and tail of two snapshots: what a call
// changed.
std::string Changes(const std::string& before, const std::string& after) {
  const std::vector<absl::string_view> a = absl::StrSplit(before, '\n');
  const std::vector<absl::string_view> b = absl::StrSplit(after, '\n');
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  std::string text;
  for (size_t i = head; i < a.size() - tail; ++i) {
    absl::StrAppend(&text, "- ", a[i], "\n");
  }
  for (size_t i = head; i < b.size() - tail; ++i) {
    absl::StrAppend(&text, "+ ", b[i], "\n");
  }
  return text;
}

// How a column's calls authenticate, and what a refusal says about them.
struct Credential {
  std::string header;           // the "authorization" value; empty: none sent
  std::string user_id;          // of a valid token
  std::string token_id;         // of a valid token
  std::string role;             // as PERMISSION_DENIED names it
  std::string unauthenticated;  // what UNAUTHENTICATED says
};

// An allowed change to a booking, which the audit log must show.
struct Audited {
  std::string booking;
  std::string action;  // "booking.create", ...
  Column by;
};

class PermissionTest : public ClinicdTest {
 public:
  // One call of the matrix.
  struct Cell {
    Column column;
    grpc::ClientContext* ctx;  // carries the column's credentials
    std::string id;            // what the action's prepare returned
  };

  struct Action {
    // Optional. Runs as ADMIN before the call: makes the record the call
    // acts on, fresh for the cell, and returns its id.
    std::function<std::string(PermissionTest&)> prepare;
    std::function<grpc::Status(PermissionTest&, Cell&)> call;
  };

  // The call behind each row of the matrix, by (rpc, target).
  using Actions = std::map<std::pair<std::string, std::string>, Action>;
  static const Actions& AllActions();

  void SetUp() override {
    ClinicdTest::SetUp();
    if (HasFatalFailure()) return;
    users_ = v1::UserService::NewStub(server_.channel());
    slot_day_ = absl::ToCivilDay(absl::Now(), zone_) + 2;
    far_day_ = slot_day_ + 45;

    t1_ = AddTherapist("Tess One");
    t2_ = AddTherapist("Theo Two");
    a1_ = AddAthlete("Ada One");
    a2_ = AddAthlete("Abe Two");
    b1_ = Book(a1_, t1_);
    b2_ = Book(a2_, t2_);
    AddEvent(a1_, v1::RACE, "Harbor Half", NextFarTime(), absl::Hours(2));
    AddEvent(a2_, v1::HARD_WORKOUT, "Track 12x400", NextFarTime(),
             absl::Hours(2));
    NewInjury(a1_);
    NewInjury(a2_);
    v1::CreateClinicRequest c2;
    c2.mutable_clinic()->set_display_name("Clinic Two");
    c2.mutable_clinic()->set_time_zone("Europe/London");
    v1::Clinic made;
    ASSERT_TRUE(v1::ClinicService::NewStub(server_.channel())
                    ->CreateClinic(Ctx().get(), c2, &made)
                    .ok());

    v1::WhoAmIResponse admin;
    ASSERT_TRUE(users_->WhoAmI(Ctx().get(), {}, &admin).ok());
    cred_[kAdmin] = {absl::StrCat("Bearer ", kAdminToken), admin.user().id(),
                     admin.token().id(), "ADMIN", ""};
    const v1::User staff = NewUser(v1::STAFF, "Sam Staff");
    cred_[kStaff] = Valid(staff, "STAFF");
    const v1::User therapist = NewUser(v1::THERAPIST, "Tess One", {}, t1_);
    cred_[kTherapist] = Valid(therapist, "THERAPIST");
    const v1::User athlete = NewUser(v1::ATHLETE, "Ada One", {}, "", a1_);
    cred_[kAthlete] = Valid(athlete, "ATHLETE");
    const v1::User front_desk =
        NewUser(v1::SERVICE, "front desk kiosk", {v1::STAFF});
    cred_[kServiceStaff] = Valid(front_desk, "SERVICE (granted STAFF)");
    const v1::User watch_app =
        NewUser(v1::SERVICE, "Ada's watch app", {v1::ATHLETE}, "", a1_);
    cred_[kServiceAthlete] = Valid(watch_app, "SERVICE (granted ATHLETE)");
    const v1::User other =
        NewUser(v1::STAFF, "Olga Other", {}, "", "", made.id());
    cred_[kOtherClinic] = Valid(other, "STAFF");

    cred_[kNoToken].unauthenticated = "missing token";
    cred_[kMalformed] = {"Basic xyz", "", "", "",
                         "the authorization header must be \"Bearer <token>\""};
    cred_[kUnknownToken] = {"Bearer clinic_0123456789abcdef-never-issued", "",
                            "", "", "unknown token"};

    const v1::CreateTokenResponse revoked = NewToken(staff.id());
    v1::RevokeTokenRequest revoke;
    revoke.set_id(revoked.token().id());
    v1::Token out;
    ASSERT_TRUE(users_->RevokeToken(Ctx().get(), revoke, &out).ok());
    cred_[kRevoked] = {
        absl::StrCat("Bearer ", revoked.secret()), "", "", "",
        absl::StrCat("token ", revoked.token().id(), " was revoked")};

    const v1::User leaver = NewUser(v1::STAFF, "Lee Leaver");
    const v1::CreateTokenResponse leaver_token = NewToken(leaver.id());
    DisableUser(leaver.id());
    cred_[kDisabled] = {absl::StrCat("Bearer ", leaver_token.secret()), "", "",
                        "", absl::StrCat("user ", leaver.id(), " is disabled")};

    spare_user_ = NewUser(v1::STAFF, "Spare Sue").id();

    // Each valid token is who the matrix says it is.
    for (Column c : {kAdmin, kStaff, kTherapist, kAthlete, kServiceStaff,
                     kServiceAthlete, kOtherClinic}) {
      v1::WhoAmIResponse me;
      ASSERT_TRUE(users_->WhoAmI(ContextFor(c).get(), {}, &me).ok())
          << kColumnNames[c];
      EXPECT_EQ(me.user().id(), cred_[c].user_id) << kColumnNames[c];
      EXPECT_EQ(me.token().id(), cred_[c].token_id) << kColumnNames[c];
    }
  }

  std::unique_ptr<grpc::ClientContext> ContextFor(Column c) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(20));
    if (!cred_[c].header.empty()) {
      ctx->AddMetadata("authorization", cred_[c].header);
    }
    return ctx;
  }

  // A slot no session has used: Mon-Sat in T1's and T2's working hours
  // (09:00-18:00), from two days ahead, 90 minutes apart so no turnover
  // clashes, weeks before any race, workout or time off.
  absl::Time NextSlot() {
    constexpr int kSlotsPerDay = 6;
    if (slot_in_day_ == kSlotsPerDay) {
      slot_in_day_ = 0;
      ++slot_day_;
    }
    while (absl::GetWeekday(slot_day_) == absl::Weekday::sunday) ++slot_day_;
    EXPECT_LT(slot_day_, far_day_ - 7) << "out of slots";
    const int minute = 9 * 60 + 90 * slot_in_day_++;
    return Local(slot_day_, minute / 60, minute % 60);
  }

  // For races, workouts and time off, 6 hours apart, far from every slot.
  absl::Time NextFarTime() {
    return Local(far_day_, 0) + absl::Hours(6) * far_count_++;
  }

  // A session as ADMIN at a fresh slot; its id.
  std::string Book(const std::string& athlete, const std::string& therapist) {
    v1::ReserveSlotResponse out;
    const grpc::Status s =
        Reserve(Spec(athlete, therapist, v1::SPORTS, NextSlot()), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.booking().id();
  }

  std::string NewInjury(const std::string& athlete) {
    v1::AddInjuryRequest req;
    req.set_athlete_id(athlete);
    req.mutable_injury()->set_region("left calf");
    req.mutable_injury()->set_note("tight after intervals");
    v1::Injury out;
    const grpc::Status s = server_.athletes().AddInjury(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  std::string NewTimeOff() {
    v1::AddTimeOffRequest req;
    req.set_therapist_id(t1_);
    const absl::Time start = NextFarTime();
    *req.mutable_time_off()->mutable_start_time() = Ts(start);
    *req.mutable_time_off()->mutable_end_time() = Ts(start + absl::Hours(2));
    req.mutable_time_off()->set_reason("course");
    v1::TimeOff out;
    const grpc::Status s =
        server_.therapists().AddTimeOff(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  // STAFF and SERVICE users act at `clinic`.
  v1::User NewUser(v1::Role role, const std::string& name,
                   std::vector<v1::Role> granted = {},
                   const std::string& therapist = "",
                   const std::string& athlete = "",
                   const std::string& clinic = "cl_1") {
    v1::CreateUserRequest req;
    req.mutable_user()->set_display_name(name);
    req.mutable_user()->set_role(role);
    for (v1::Role r : granted) req.mutable_user()->add_granted_roles(r);
    req.mutable_user()->set_therapist_id(therapist);
    req.mutable_user()->set_athlete_id(athlete);
    if (role == v1::STAFF || role == v1::SERVICE) {
      req.mutable_user()->add_clinic_ids(clinic);
    }
    v1::User out;
    const grpc::Status s = users_->CreateUser(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::CreateTokenResponse NewToken(const std::string& user) {
    v1::CreateTokenRequest req;
    req.set_user_id(user);
    req.set_label("permission test");
    v1::CreateTokenResponse out;
    const grpc::Status s = users_->CreateToken(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  void DisableUser(const std::string& user) {
    v1::DisableUserRequest req;
    req.set_id(user);
    v1::User out;
    const grpc::Status s = users_->DisableUser(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  Credential Valid(const v1::User& user, const std::string& role) {
    const v1::CreateTokenResponse token = NewToken(user.id());
    return {absl::StrCat("Bearer ", token.secret()), user.id(),
            token.token().id(), role, ""};
  }

  v1::UserService::Stub& users() { return *users_; }

  // ListBookings as the cell's caller. When allowed, the caller sees only
  // what is theirs: an ATHLETE (or a SERVICE granted ATHLETE) only A1's
  // sessions, a THERAPIST only T1's, staff of C2 none; and every other list
  // shows B1 and B2 when they match it.
  grpc::Status ListAs(Cell& c, v1::ListBookingsRequest req) {
    req.set_page_size(500);
    v1::ListBookingsResponse out;
    const grpc::Status s = server_.bookings().ListBookings(c.ctx, req, &out);
    if (!s.ok()) return s;
    EXPECT_TRUE(out.next_page_token().empty());
    std::set<std::string> ids;
    for (const v1::Booking& b : out.bookings()) {
      ids.insert(b.id());
      if (c.column == kAthlete || c.column == kServiceAthlete) {
        EXPECT_EQ(b.athlete_id(), a1_) << b.id() << " is not theirs";
      }
      if (c.column == kTherapist) {
        EXPECT_EQ(b.therapist_id(), t1_) << b.id() << " is not theirs";
      }
      if (!req.athlete_id().empty()) {
        EXPECT_EQ(b.athlete_id(), req.athlete_id());
      }
      if (!req.therapist_id().empty()) {
        EXPECT_EQ(b.therapist_id(), req.therapist_id());
      }
    }
    if (c.column == kOtherClinic) {  // every session is at C1
      EXPECT_THAT(ids, ::testing::IsEmpty());
      return s;
    }
    const bool own = c.column == kAthlete || c.column == kServiceAthlete ||
                     c.column == kTherapist;
    if (req.athlete_id() != a2_ && req.therapist_id() != t2_) {
      EXPECT_THAT(ids, Contains(b1_));
    }
    if (!own && req.athlete_id() != a1_ && req.therapist_id() != t1_) {
      EXPECT_THAT(ids, Contains(b2_));
    }
    return s;
  }

  std::unique_ptr<v1::UserService::Stub> users_;
  std::string t1_, t2_, a1_, a2_, b1_, b2_, spare_user_;
  std::array<Credential, kColumnCount> cred_;
  std::vector<Audited> audited_;

 private:
  absl::CivilDay slot_day_, far_day_;
  int slot_in_day_ = 0;
  int far_count_ = 0;
};

// Shorthands for the actions below.
using T = PermissionTest;
using Cell = PermissionTest::Cell;

v1::AddEventRequest EventRequest(T& t, const std::string& athlete) {
  v1::AddEventRequest req;
  req.set_athlete_id(athlete);
  req.set_name("Ridge Trail 25K");
  *req.mutable_start_time() = Ts(t.NextFarTime());
  req.mutable_duration()->set_seconds(2 * 3600);
  return req;
}

const PermissionTest::Actions& PermissionTest::AllActions() {
  static const auto* const actions = new Actions{
      // TherapistService.
      {{"clinic.v1.ClinicService/CreateClinic", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CreateClinicRequest req;
          req.mutable_clinic()->set_display_name("Clinic of a cell");
          req.mutable_clinic()->set_time_zone("Europe/London");
          v1::Clinic out;
          return v1::ClinicService::NewStub(t.server_.channel())
              ->CreateClinic(c.ctx, req, &out);
        }}},
      {{"clinic.v1.ClinicService/GetClinic", "C1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetClinicRequest req;
          req.set_id("cl_1");
          v1::Clinic out;
          return v1::ClinicService::NewStub(t.server_.channel())
              ->GetClinic(c.ctx, req, &out);
        }}},
      {{"clinic.v1.ClinicService/ListClinics", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListClinicsResponse out;
          return v1::ClinicService::NewStub(t.server_.channel())
              ->ListClinics(c.ctx, {}, &out);
        }}},
      {{"clinic.v1.ClinicService/UpdateClinic", "C1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::UpdateClinicRequest req;
          req.mutable_clinic()->set_id("cl_1");
          req.mutable_clinic()->set_display_name("Renamed by a cell");
          v1::Clinic out;
          return v1::ClinicService::NewStub(t.server_.channel())
              ->UpdateClinic(c.ctx, req, &out);
        }}},
      {{"clinic.v1.TherapistService/CreateTherapist", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CreateTherapistRequest req;
          req.mutable_therapist()->set_display_name("Nia New");
          req.mutable_therapist()->add_modalities(v1::SPORTS);
          req.mutable_therapist()->set_clinic_id("cl_1");
          v1::Therapist out;
          return t.server_.therapists().CreateTherapist(c.ctx, req, &out);
        }}},
      {{"clinic.v1.TherapistService/GetTherapist", "T2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetTherapistRequest req;
          req.set_id(t.t2_);
          v1::Therapist out;
          return t.server_.therapists().GetTherapist(c.ctx, req, &out);
        }}},
      {{"clinic.v1.TherapistService/ListTherapists", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListTherapistsResponse out;
          return t.server_.therapists().ListTherapists(c.ctx, {}, &out);
        }}},
      {{"clinic.v1.TherapistService/UpdateTherapist", "T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::UpdateTherapistRequest req;
          req.mutable_therapist()->set_id(t.t1_);
          v1::ModalityPrice* price = req.mutable_therapist()->add_prices();
          price->set_modality(v1::SPORTS);
          price->set_price_cents(9000 + c.column);
          req.mutable_update_mask()->add_paths("prices");
          v1::Therapist out;
          return t.server_.therapists().UpdateTherapist(c.ctx, req, &out);
        }}},
      {{"clinic.v1.TherapistService/AddTimeOff", "T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddTimeOffRequest req;
          req.set_therapist_id(t.t1_);
          const absl::Time start = t.NextFarTime();
          *req.mutable_time_off()->mutable_start_time() = Ts(start);
          *req.mutable_time_off()->mutable_end_time() =
              Ts(start + absl::Hours(2));
          v1::TimeOff out;
          return t.server_.therapists().AddTimeOff(c.ctx, req, &out);
        }}},
      {{"clinic.v1.TherapistService/DeleteTimeOff", "T1 time off"},
       {[](T& t) { return t.NewTimeOff(); },
        [](T& t, Cell& c) {
          v1::DeleteTimeOffRequest req;
          req.set_therapist_id(t.t1_);
          req.set_time_off_id(c.id);
          google::protobuf::Empty out;
          return t.server_.therapists().DeleteTimeOff(c.ctx, req, &out);
        }}},

      // AthleteService.
      {{"clinic.v1.AthleteService/CreateAthlete", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CreateAthleteRequest req;
          req.mutable_athlete()->set_display_name("Noor New");
          v1::Athlete out;
          return t.server_.athletes().CreateAthlete(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/GetAthlete", "A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetAthleteRequest req;
          req.set_id(t.a1_);
          v1::Athlete out;
          return t.server_.athletes().GetAthlete(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/GetAthlete", "A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetAthleteRequest req;
          req.set_id(t.a2_);
          v1::Athlete out;
          return t.server_.athletes().GetAthlete(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/ListAthletes", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListAthletesResponse out;
          return t.server_.athletes().ListAthletes(c.ctx, {}, &out);
        }}},
      {{"clinic.v1.AthleteService/AddRace", "A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddEventResponse out;
          return t.server_.athletes().AddRace(c.ctx, EventRequest(t, t.a1_),
                                              &out);
        }}},
      {{"clinic.v1.AthleteService/AddRace", "A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddEventResponse out;
          return t.server_.athletes().AddRace(c.ctx, EventRequest(t, t.a2_),
                                              &out);
        }}},
      {{"clinic.v1.AthleteService/AddWorkout", "A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddEventResponse out;
          return t.server_.athletes().AddWorkout(c.ctx, EventRequest(t, t.a1_),
                                                 &out);
        }}},
      {{"clinic.v1.AthleteService/AddWorkout", "A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddEventResponse out;
          return t.server_.athletes().AddWorkout(c.ctx, EventRequest(t, t.a2_),
                                                 &out);
        }}},
      {{"clinic.v1.AthleteService/DeleteEvent", "A1's event"},
       {[](T& t) {
          return t
              .AddEvent(t.a1_, v1::RACE, "Fun Run", t.NextFarTime(),
                        absl::Hours(1))
              .event()
              .id();
        },
        [](T& t, Cell& c) {
          v1::DeleteEventRequest req;
          req.set_event_id(c.id);
          google::protobuf::Empty out;
          return t.server_.athletes().DeleteEvent(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/DeleteEvent", "A2's event"},
       {[](T& t) {
          return t
              .AddEvent(t.a2_, v1::RACE, "Fun Run", t.NextFarTime(),
                        absl::Hours(1))
              .event()
              .id();
        },
        [](T& t, Cell& c) {
          v1::DeleteEventRequest req;
          req.set_event_id(c.id);
          google::protobuf::Empty out;
          return t.server_.athletes().DeleteEvent(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/ListEvents", "A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListEventsRequest req;
          req.set_athlete_id(t.a1_);
          v1::ListEventsResponse out;
          const grpc::Status s =
              t.server_.athletes().ListEvents(c.ctx, req, &out);
          if (s.ok()) {
            EXPECT_GT(out.events_size(), 0);
          }
          return s;
        }}},
      {{"clinic.v1.AthleteService/ListEvents", "A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListEventsRequest req;
          req.set_athlete_id(t.a2_);
          v1::ListEventsResponse out;
          return t.server_.athletes().ListEvents(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/AddInjury", "A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddInjuryRequest req;
          req.set_athlete_id(t.a1_);
          req.mutable_injury()->set_note("sore right knee");
          v1::Injury out;
          return t.server_.athletes().AddInjury(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/AddInjury", "A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::AddInjuryRequest req;
          req.set_athlete_id(t.a2_);
          req.mutable_injury()->set_note("sore right knee");
          v1::Injury out;
          return t.server_.athletes().AddInjury(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/ResolveInjury", "A1's injury"},
       {[](T& t) { return t.NewInjury(t.a1_); },
        [](T& t, Cell& c) {
          v1::ResolveInjuryRequest req;
          req.set_injury_id(c.id);
          v1::Injury out;
          return t.server_.athletes().ResolveInjury(c.ctx, req, &out);
        }}},
      {{"clinic.v1.AthleteService/ResolveInjury", "A2's injury"},
       {[](T& t) { return t.NewInjury(t.a2_); },
        [](T& t, Cell& c) {
          v1::ResolveInjuryRequest req;
          req.set_injury_id(c.id);
          v1::Injury out;
          return t.server_.athletes().ResolveInjury(c.ctx, req, &out);
        }}},

      // BookingService.
      {{"clinic.v1.BookingService/CheckBooking", "A1 with T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CheckBookingRequest req;
          *req.mutable_session() =
              T::Spec(t.a1_, t.t1_, v1::SPORTS, t.NextSlot());
          v1::CheckBookingResponse out;
          const grpc::Status s =
              t.server_.bookings().CheckBooking(c.ctx, req, &out);
          if (s.ok()) {
            EXPECT_TRUE(out.allowed()) << out.message();
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/CheckBooking", "A2 with T2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CheckBookingRequest req;
          *req.mutable_session() =
              T::Spec(t.a2_, t.t2_, v1::SPORTS, t.NextSlot());
          v1::CheckBookingResponse out;
          const grpc::Status s =
              t.server_.bookings().CheckBooking(c.ctx, req, &out);
          if (s.ok()) {
            EXPECT_TRUE(out.allowed()) << out.message();
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/ReserveSlot", "A1 with T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ReserveSlotRequest req;
          *req.mutable_session() =
              T::Spec(t.a1_, t.t1_, v1::SPORTS, t.NextSlot());
          v1::ReserveSlotResponse out;
          const grpc::Status s =
              t.server_.bookings().ReserveSlot(c.ctx, req, &out);
          if (s.ok()) {
            t.audited_.push_back(
                {out.booking().id(), "booking.create", c.column});
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/ReserveSlot", "A2 with T2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ReserveSlotRequest req;
          *req.mutable_session() =
              T::Spec(t.a2_, t.t2_, v1::SPORTS, t.NextSlot());
          v1::ReserveSlotResponse out;
          const grpc::Status s =
              t.server_.bookings().ReserveSlot(c.ctx, req, &out);
          if (s.ok()) {
            t.audited_.push_back(
                {out.booking().id(), "booking.create", c.column});
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/CancelBooking", "A1 with T1"},
       {[](T& t) { return t.Book(t.a1_, t.t1_); },
        [](T& t, Cell& c) {
          v1::CancelBookingRequest req;
          req.set_booking_id(c.id);
          req.set_reason("cannot make it");
          v1::Booking out;
          const grpc::Status s =
              t.server_.bookings().CancelBooking(c.ctx, req, &out);
          if (s.ok()) t.audited_.push_back({c.id, "booking.cancel", c.column});
          return s;
        }}},
      {{"clinic.v1.BookingService/CancelBooking", "A2 with T2"},
       {[](T& t) { return t.Book(t.a2_, t.t2_); },
        [](T& t, Cell& c) {
          v1::CancelBookingRequest req;
          req.set_booking_id(c.id);
          req.set_reason("cannot make it");
          v1::Booking out;
          const grpc::Status s =
              t.server_.bookings().CancelBooking(c.ctx, req, &out);
          if (s.ok()) t.audited_.push_back({c.id, "booking.cancel", c.column});
          return s;
        }}},
      {{"clinic.v1.BookingService/RescheduleBooking", "A1 with T1"},
       {[](T& t) { return t.Book(t.a1_, t.t1_); },
        [](T& t, Cell& c) {
          v1::RescheduleBookingRequest req;
          req.set_booking_id(c.id);
          *req.mutable_start_time() = Ts(t.NextSlot());
          v1::ReserveSlotResponse out;
          const grpc::Status s =
              t.server_.bookings().RescheduleBooking(c.ctx, req, &out);
          if (s.ok()) {
            t.audited_.push_back({c.id, "booking.reschedule", c.column});
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/RescheduleBooking", "A2 with T2"},
       {[](T& t) { return t.Book(t.a2_, t.t2_); },
        [](T& t, Cell& c) {
          v1::RescheduleBookingRequest req;
          req.set_booking_id(c.id);
          *req.mutable_start_time() = Ts(t.NextSlot());
          v1::ReserveSlotResponse out;
          const grpc::Status s =
              t.server_.bookings().RescheduleBooking(c.ctx, req, &out);
          if (s.ok()) {
            t.audited_.push_back({c.id, "booking.reschedule", c.column});
          }
          return s;
        }}},
      {{"clinic.v1.BookingService/GetBooking", "B1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetBookingRequest req;
          req.set_booking_id(t.b1_);
          v1::Booking out;
          return t.server_.bookings().GetBooking(c.ctx, req, &out);
        }}},
      {{"clinic.v1.BookingService/GetBooking", "B2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetBookingRequest req;
          req.set_booking_id(t.b2_);
          v1::Booking out;
          return t.server_.bookings().GetBooking(c.ctx, req, &out);
        }}},
      {{"clinic.v1.BookingService/ListBookings", ""},
       {nullptr, [](T& t, Cell& c) { return t.ListAs(c, {}); }}},
      {{"clinic.v1.BookingService/ListBookings", "athlete A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListBookingsRequest req;
          req.set_athlete_id(t.a1_);
          return t.ListAs(c, req);
        }}},
      {{"clinic.v1.BookingService/ListBookings", "athlete A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListBookingsRequest req;
          req.set_athlete_id(t.a2_);
          return t.ListAs(c, req);
        }}},
      {{"clinic.v1.BookingService/ListBookings", "therapist T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListBookingsRequest req;
          req.set_therapist_id(t.t1_);
          return t.ListAs(c, req);
        }}},
      {{"clinic.v1.BookingService/ListBookings", "therapist T2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListBookingsRequest req;
          req.set_therapist_id(t.t2_);
          return t.ListAs(c, req);
        }}},
      {{"clinic.v1.BookingService/GetRules", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetRulesRequest req;
          req.set_clinic_id("cl_1");
          v1::RuleSet out;
          return t.server_.bookings().GetRules(c.ctx, req, &out);
        }}},
      {{"clinic.v1.BookingService/ListAvailableSlots", "T1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListAvailableSlotsRequest req;
          req.set_therapist_id(t.t1_);
          v1::ListAvailableSlotsResponse out;
          return t.server_.bookings().ListAvailableSlots(c.ctx, req, &out);
        }}},
      {{"clinic.v1.BookingService/ListAvailableSlots", "T1 for A1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListAvailableSlotsRequest req;
          req.set_therapist_id(t.t1_);
          req.set_athlete_id(t.a1_);
          v1::ListAvailableSlotsResponse out;
          return t.server_.bookings().ListAvailableSlots(c.ctx, req, &out);
        }}},
      {{"clinic.v1.BookingService/ListAvailableSlots", "T2 for A2"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListAvailableSlotsRequest req;
          req.set_therapist_id(t.t2_);
          req.set_athlete_id(t.a2_);
          v1::ListAvailableSlotsResponse out;
          return t.server_.bookings().ListAvailableSlots(c.ctx, req, &out);
        }}},

      // UserService.
      {{"clinic.v1.UserService/CreateUser", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CreateUserRequest req;
          req.mutable_user()->set_display_name("Nat New");
          req.mutable_user()->set_role(v1::STAFF);
          req.mutable_user()->add_clinic_ids("cl_1");
          v1::User out;
          return t.users().CreateUser(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/GetUser", "ATHLETE's"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::GetUserRequest req;
          req.set_id(t.cred_[kAthlete].user_id);
          v1::User out;
          return t.users().GetUser(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/ListUsers", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListUsersResponse out;
          return t.users().ListUsers(c.ctx, {}, &out);
        }}},
      {{"clinic.v1.UserService/DisableUser", "a new user"},
       {[](T& t) { return t.NewUser(v1::STAFF, "Tim Temp").id(); },
        [](T& t, Cell& c) {
          v1::DisableUserRequest req;
          req.set_id(c.id);
          v1::User out;
          return t.users().DisableUser(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/CreateToken", "spare user"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::CreateTokenRequest req;
          req.set_user_id(t.spare_user_);
          req.set_label("laptop");
          v1::CreateTokenResponse out;
          return t.users().CreateToken(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/ListTokens", "STAFF's"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListTokensRequest req;
          req.set_user_id(t.cred_[kStaff].user_id);
          v1::ListTokensResponse out;
          return t.users().ListTokens(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/RevokeToken", "a new token"},
       {[](T& t) { return t.NewToken(t.spare_user_).token().id(); },
        [](T& t, Cell& c) {
          v1::RevokeTokenRequest req;
          req.set_id(c.id);
          v1::Token out;
          return t.users().RevokeToken(c.ctx, req, &out);
        }}},
      {{"clinic.v1.UserService/WhoAmI", ""},
       {nullptr,
        [](T& t, Cell& c) {
          v1::WhoAmIResponse out;
          const grpc::Status s = t.users().WhoAmI(c.ctx, {}, &out);
          if (s.ok()) {
            EXPECT_EQ(out.user().id(), t.cred_[c.column].user_id);
            EXPECT_EQ(out.token().id(), t.cred_[c.column].token_id);
          }
          return s;
        }}},
      {{"clinic.v1.UserService/ListAuditEvents", "B1"},
       {nullptr,
        [](T& t, Cell& c) {
          v1::ListAuditEventsRequest req;
          req.set_target(t.b1_);
          v1::ListAuditEventsResponse out;
          return t.users().ListAuditEvents(c.ctx, req, &out);
        }}},
  };
  return *actions;
}

TEST_F(PermissionTest, EveryCallerGetsExactlyItsCodeAndARefusalChangesNothing) {
  const Actions& actions = AllActions();
  const std::vector<MatrixRow> matrix = Matrix();
  const std::set<std::string> kAuditedRpcs = {
      "clinic.v1.BookingService/ReserveSlot",
      "clinic.v1.BookingService/CancelBooking",
      "clinic.v1.BookingService/RescheduleBooking"};
  int calls = 0;
  int allowed_booking_changes = 0;
  // The store as of the last snapshot, while nothing has changed it since.
  std::optional<std::string> store;
  for (const MatrixRow& row : matrix) {
    const auto action = actions.find({row.rpc, row.target});
    ASSERT_NE(action, actions.end())
        << "no action for " << row.rpc << " " << row.target;
    for (int col = 0; col < kColumnCount; ++col) {
      const Column column = static_cast<Column>(col);
      const grpc::StatusCode want = row.want[col];
      SCOPED_TRACE(absl::StrCat(row.rpc, " (", row.target, ") as ",
                                kColumnNames[col], ": want ", CodeName(want)));
      Cell cell{column, nullptr, ""};
      if (action->second.prepare) {
        cell.id = action->second.prepare(*this);
        store.reset();
      }
      if (want != grpc::StatusCode::OK && !store) {
        store = StoreSnapshot(server_);
      }
      const std::unique_ptr<grpc::ClientContext> ctx = ContextFor(column);
      cell.ctx = ctx.get();
      const grpc::Status s = action->second.call(*this, cell);
      ++calls;
      EXPECT_EQ(CodeName(s.error_code()), CodeName(want)) << s.error_message();
      if (want == grpc::StatusCode::OK) {
        store.reset();
        allowed_booking_changes +=
            static_cast<int>(kAuditedRpcs.count(row.rpc));
        continue;
      }
      if (want == grpc::StatusCode::PERMISSION_DENIED) {
        EXPECT_THAT(s.error_message(),
                    HasSubstr(absl::StrCat("role ", cred_[col].role,
                                           " may not call ", row.rpc)));
      } else {
        EXPECT_THAT(s.error_message(), HasSubstr(cred_[col].unauthenticated));
      }
      std::string after = StoreSnapshot(server_);
      EXPECT_TRUE(after == *store) << "a refused call changed the store:\n"
                                   << Changes(*store, after);
      store = std::move(after);
    }
  }
  EXPECT_EQ(calls, static_cast<int>(matrix.size()) * kColumnCount);
  RecordProperty("rows", static_cast<int>(matrix.size()));
  RecordProperty("columns", kColumnCount);
  RecordProperty("calls", calls);

  // Each allowed ReserveSlot, CancelBooking and RescheduleBooking is in the
  // audit log of its booking under the caller's user and token.
  EXPECT_EQ(static_cast<int>(audited_.size()), allowed_booking_changes);
  for (const Audited& a : audited_) {
    SCOPED_TRACE(
        absl::StrCat(a.action, " of ", a.booking, " by ", kColumnNames[a.by]));
    v1::ListAuditEventsRequest req;
    req.set_target(a.booking);
    v1::ListAuditEventsResponse out;
    ASSERT_TRUE(users().ListAuditEvents(Ctx().get(), req, &out).ok());
    int found = 0;
    for (const v1::AuditEvent& e : out.events()) {
      EXPECT_EQ(e.target(), a.booking);
      if (e.action() != a.action) continue;
      ++found;
      EXPECT_EQ(e.user_id(), cred_[a.by].user_id);
      EXPECT_EQ(e.token_id(), cred_[a.by].token_id);
    }
    EXPECT_EQ(found, 1) << out.DebugString();
  }
}

// The guarantee README's "Users and security" gives: once RevokeToken has
// answered, every call that starts with the token is UNAUTHENTICATED
// (TOKEN_REVOKED) and writes nothing; a call already under way may still
// finish. Each round revokes a token while another thread keeps writing
// with it over its own connection, so that a race would show.
using RevocationTest = ClinicdTest;

TEST_F(RevocationTest, CallsStartedAfterTheRevokeAnsweredAreRefused) {
  using Clock = std::chrono::steady_clock;
  auto users = v1::UserService::NewStub(server_.channel());
  v1::CreateUserRequest make;
  make.mutable_user()->set_display_name("Front Desk");
  make.mutable_user()->set_role(v1::STAFF);
  v1::User staff;
  ASSERT_TRUE(users->CreateUser(Ctx().get(), make, &staff).ok());
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      server_.address(), grpc::InsecureChannelCredentials());
  auto athletes = v1::AthleteService::NewStub(channel);

  struct Attempt {
    Clock::time_point start;
    grpc::Status status;
  };
  int answered_ok = 0;  // athletes the token's calls said they created
  int refused_after = 0;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    v1::CreateTokenRequest make_token;
    make_token.set_user_id(staff.id());
    make_token.set_label(absl::StrCat("round ", round));
    v1::CreateTokenResponse token;
    ASSERT_TRUE(users->CreateToken(Ctx().get(), make_token, &token).ok());

    std::atomic<int> started{0};
    std::atomic<Clock::rep> revoke_answered{0};  // 0: not yet
    std::vector<Attempt> attempts;
    std::thread writer([&] {
      int after = 0;  // calls started after the revoke answered
      for (int i = 0; after < 3 && i < 1000; ++i) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
        Authorize(ctx, token.secret());
        v1::CreateAthleteRequest req;
        req.mutable_athlete()->set_display_name(
            absl::StrCat("Walk-in ", round, ".", i));
        v1::Athlete out;
        const Clock::time_point start = Clock::now();
        const Clock::rep answered = revoke_answered.load();
        if (answered != 0 && start.time_since_epoch().count() > answered) {
          ++after;
        }
        ++started;
        attempts.push_back({start, athletes->CreateAthlete(&ctx, req, &out)});
      }
    });
    // Revoke once the writer is under way, at a different point each round.
    while (started.load() < 1 + round % 4) std::this_thread::yield();
    v1::RevokeTokenRequest revoke;
    revoke.set_id(token.token().id());
    v1::Token revoked;
    const grpc::Status r = users->RevokeToken(Ctx().get(), revoke, &revoked);
    revoke_answered.store(Clock::now().time_since_epoch().count());
    writer.join();
    ASSERT_TRUE(r.ok()) << r.error_message();

    const Clock::time_point answered{Clock::duration(revoke_answered.load())};
    for (const Attempt& a : attempts) {
      if (a.status.ok()) {
        EXPECT_LT(a.start, answered) << "a call after the revoke succeeded";
        ++answered_ok;
        continue;
      }
      EXPECT_EQ(a.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << a.status.error_message();
      google::rpc::Status rich;
      ASSERT_TRUE(rich.ParseFromString(a.status.error_details()));
      google::rpc::ErrorInfo info;
      for (const auto& any : rich.details()) {
        if (any.Is<google::rpc::ErrorInfo>()) {
          ASSERT_TRUE(any.UnpackTo(&info));
        }
      }
      EXPECT_EQ(info.reason(), "TOKEN_REVOKED");
      if (a.start > answered) ++refused_after;
    }
  }
  EXPECT_GE(refused_after, 20 * 3);

  // Every athlete in the store is one a call was told it made: no refused
  // call wrote.
  v1::ListAthletesRequest list;
  list.set_page_size(500);
  int stored = 0;
  do {
    v1::ListAthletesResponse page;
    ASSERT_TRUE(server_.athletes().ListAthletes(Ctx().get(), list, &page).ok());
    stored += page.athletes_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(stored, answered_ok);
}

// Load balancers and tools check health and list services without a token;
// the clinic.v1 API on the same channel refuses a call without one.
using PublicServicesTest = ClinicdTest;

TEST_F(PublicServicesTest, HealthAndReflectionNeedNoToken) {
  auto no_token = [] {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(20));
    return ctx;
  };
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  grpc::health::v1::HealthCheckResponse serving;
  const grpc::Status checked = health->Check(no_token().get(), {}, &serving);
  ASSERT_TRUE(checked.ok()) << checked.error_message();
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(server_.channel());
  const std::unique_ptr<grpc::ClientContext> ctx = no_token();
  auto stream = reflection->ServerReflectionInfo(ctx.get());
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  grpc::reflection::v1alpha::ServerReflectionRequest file;
  file.set_file_containing_symbol("clinic.v1.BookingService");
  ASSERT_TRUE(stream->Write(file));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse services;
  ASSERT_TRUE(stream->Read(&services));
  std::vector<std::string> names;
  for (const auto& s : services.list_services_response().service()) {
    names.push_back(s.name());
  }
  EXPECT_THAT(names, Contains("clinic.v1.UserService"));
  grpc::reflection::v1alpha::ServerReflectionResponse files;
  ASSERT_TRUE(stream->Read(&files));
  EXPECT_GT(files.file_descriptor_response().file_descriptor_proto_size(), 0)
      << files.DebugString();
  const grpc::Status finished = stream->Finish();
  EXPECT_TRUE(finished.ok()) << finished.error_message();

  v1::RuleSet rules;
  const grpc::Status refused =
      server_.bookings().GetRules(no_token().get(), {}, &rules);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// A new RPC fails here until the matrix has a row for it (and the policy
// names it); a row for an RPC that is gone fails too.
TEST(PermissionMatrixTest, CoversEveryRpcOfTheApiAndThePolicyTable) {
  std::set<std::string> api;
  for (const google::protobuf::FileDescriptor* file :
       {v1::Clinic::descriptor()->file(), v1::Therapist::descriptor()->file(),
        v1::Athlete::descriptor()->file(), v1::Booking::descriptor()->file(),
        v1::User::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        api.insert(absl::StrCat(service->full_name(), "/",
                                service->method(m)->name()));
      }
    }
  }
  ASSERT_FALSE(api.empty());

  std::set<std::string> in_matrix;
  std::set<std::pair<std::string, std::string>> rows;
  for (const MatrixRow& row : Matrix()) {
    in_matrix.insert(row.rpc);
    EXPECT_TRUE(rows.insert({row.rpc, row.target}).second)
        << "two rows for " << row.rpc << " " << row.target;
    EXPECT_EQ(PermissionTest::AllActions().count({row.rpc, row.target}), 1u)
        << "no action for " << row.rpc << " " << row.target;
  }
  for (const auto& [key, action] : PermissionTest::AllActions()) {
    EXPECT_EQ(rows.count(key), 1u)
        << "an action without a row: " << key.first << " " << key.second;
  }
  for (const std::string& rpc : api) {
    EXPECT_EQ(in_matrix.count(rpc), 1u) << rpc << " has no row in the matrix";
  }
  for (const std::string& rpc : in_matrix) {
    EXPECT_EQ(api.count(rpc), 1u) << rpc << " is not an RPC of the API";
  }
  const std::vector<std::string> policy = auth::PolicyMethods();
  EXPECT_EQ(std::set<std::string>(policy.begin(), policy.end()), api)
      << "the policy table and the API name different methods";
}

}  // namespace
}  // namespace clinic::testing
