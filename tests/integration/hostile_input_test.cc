// Text a hostile or careless client may send: each value is stored exactly
// (read back byte for byte) or refused with INVALID_ARGUMENT naming the
// field, and the store stays whole. Names need a visible character and no
// bidirectional controls. Requests over --max_message_bytes are
// RESOURCE_EXHAUSTED and change nothing.
#include <functional>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/users.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_test_base.h"
#include "tests/integration/store_snapshot.h"

namespace clinic::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;

struct HostileText {
  std::string name;
  std::string text;
  bool valid;           // UTF-8 without control characters
  bool utf8 = true;     // else protobuf cannot even parse the request
  bool name_ok = true;  // else refused in names: bidi embeddings, overrides
  bool blank = false;   // only white space and invisible characters
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

const std::vector<HostileText>& HostileTexts() {
  static const auto* texts = new std::vector<HostileText>{
      {"SQL", "Robert'); DROP TABLE athletes;--", true},
      {"SQL that matches all", "x' OR '1'='1' UNION SELECT * FROM tokens --",
       true},
      {"quotes", "O'Brien \"The Bull\" `backtick`", true},
      {"backslashes", "C:\\Users\\%s\\n \\\\ \\' \\\"", true},
      {"format strings", "%s%n%x {} {0} ${HOME} $(id)", true},
      {"markup", "<script>alert(1)</script> &amp;", true},
      {"emoji", "Zo\u00eb \U0001F3C3\u200D\u2640\uFE0F", true},
      {"right to left", "\u200F\u0633\u0627\u0631\u0629 \u05E9\u05E8\u05D4",
       true},
      {"direction override", "\u202Egnp.exe", true, true, false},
      {"directional isolates", "\u2067Sara\u2069 \u2066Lee\u2069", true, true,
       false},
      {"only Unicode spaces", "\u00A0\u2003\u3000\uFEFF", true, true, true,
       true},
      {"only zero width spaces", "\u200B\u200B", true, true, true, true},
      {"a mark and a space", "\u200F ", true, true, true, true},
      {"combining marks", "Zoe\u0308 e\u0301\u0302\u0303\u0304 n\u0303", true},
      {"spaces around", "  Ann Lee  ", true},
      {"100 four-byte code points", Repeat("\U0001F3C3", 100), true},
      {"101 four-byte code points", Repeat("\U0001F3C3", 101), true},
      {"60 KB (requests are at most 64 KiB)", std::string(60 << 10, 'a'), true},
      {"embedded NUL", std::string("Ann\0Lee", 7), false},
      {"invalid UTF-8", "Ann \xff\xfe Lee", false, false},
      {"overlong UTF-8", "Ann \xc0\xaf Lee", false, false},
      {"UTF-16 surrogate", "Ann \xed\xa0\x80 Lee", false, false},
      {"truncated UTF-8", "Ann \xe2\x82", false, false},
      {"terminal escape", "\x1b[31mred\x1b[0m", false},
      {"newline", "Ann\nLee", false},
      {"tab", "Ann\tLee", false},
      {"DEL", "Ann\x7fLee", false},
      {"C1 control", "Ann\u0085Lee", false},
  };
  return *texts;
}

// Code points of valid UTF-8 text.
int CodePoints(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

grpc::ClientContext* Fresh(std::unique_ptr<grpc::ClientContext>& holder) {
  holder = Ctx();
  return holder.get();
}

class HostileTextTest : public ClinicdTest {
 public:
  void SetUp() override {
    ClinicdTest::SetUp();
    users_ = v1::UserService::NewStub(server_.channel());
    therapist_ = AddTherapist();
    athlete_ = AddAthlete("Events Athlete");
    booker_ = AddAthlete("Booking Athlete");
    race_ = AddEvent(athlete_, v1::RACE, "Broad Street Run",
                     Local(RaceSunday(), 7), absl::Hours(3))
                .event()
                .id();
    AddInjury(athlete_);
    next_day_ = absl::ToCivilDay(absl::Now(), zone_) + 2;
  }

  // A confirmed session of booker_, a different day each time.
  std::string NewBooking() {
    while (absl::GetWeekday(next_day_) == absl::Weekday::sunday) ++next_day_;
    v1::ReserveSlotResponse out;
    const grpc::Status s = Reserve(
        Spec(booker_, therapist_, v1::SPORTS, Local(next_day_++, 10)), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.booking().id();
  }

  // Everything that exists, as text, with the records the test made.
  std::string Snapshot() {
    std::string text;
    std::unique_ptr<grpc::ClientContext> ctx;
    v1::ListTherapistsRequest therapists_req;
    therapists_req.set_page_size(500);
    v1::ListTherapistsResponse therapists;
    EXPECT_TRUE(server_.therapists()
                    .ListTherapists(Fresh(ctx), therapists_req, &therapists)
                    .ok());
    v1::ListAthletesRequest athletes_req;
    athletes_req.set_page_size(500);
    v1::ListAthletesResponse athletes;
    EXPECT_TRUE(server_.athletes()
                    .ListAthletes(Fresh(ctx), athletes_req, &athletes)
                    .ok());
    text += therapists.DebugString() + athletes.DebugString();
    for (const v1::Athlete& a : athletes.athletes()) {
      v1::GetAthleteRequest get;
      get.set_id(a.id());
      v1::Athlete full;
      EXPECT_TRUE(server_.athletes().GetAthlete(Fresh(ctx), get, &full).ok());
      v1::ListEventsRequest events_req;
      events_req.set_athlete_id(a.id());
      v1::ListEventsResponse events;
      EXPECT_TRUE(
          server_.athletes().ListEvents(Fresh(ctx), events_req, &events).ok());
      text += full.DebugString() + events.DebugString();
    }
    v1::ListBookingsRequest bookings_req;
    bookings_req.set_include_cancelled(true);
    for (const v1::Booking& b : ListBookings(bookings_req)) {
      text += b.DebugString();
    }
    v1::ListUsersRequest users_req;
    users_req.set_page_size(500);
    v1::ListUsersResponse users;
    EXPECT_TRUE(users_->ListUsers(Fresh(ctx), users_req, &users).ok());
    v1::ListAuditEventsRequest audit_req;
    audit_req.set_page_size(500);
    v1::ListAuditEventsResponse audit;
    EXPECT_TRUE(users_->ListAuditEvents(Fresh(ctx), audit_req, &audit).ok());
    text += users.DebugString() + audit.DebugString();
    return text;
  }

  std::unique_ptr<v1::UserService::Stub> users_;
  std::string therapist_, athlete_, booker_, race_;
  absl::CivilDay next_day_;
};

// One text field of one record: `store` makes a record with `text` in the
// field and, when that succeeds, puts what reading the record back shows
// in *stored.
struct Field {
  std::string name;     // as errors name it
  std::string request;  // the request's type
  int max_code_points;
  bool required;
  std::function<grpc::Status(HostileTextTest&, const std::string& text,
                             std::string* stored)>
      store;
};

std::vector<Field> Fields() {
  return {
      {"athlete.display_name", "clinic.v1.CreateAthleteRequest", 100, true,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::CreateAthleteRequest req;
         req.mutable_athlete()->set_display_name(text);
         v1::Athlete made;
         grpc::Status s =
             t.server_.athletes().CreateAthlete(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::GetAthleteRequest get;
         get.set_id(made.id());
         v1::Athlete got;
         s = t.server_.athletes().GetAthlete(Fresh(ctx), get, &got);
         *stored = got.display_name();
         return s;
       }},
      {"therapist.display_name", "clinic.v1.CreateTherapistRequest", 100, true,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::CreateTherapistRequest req;
         req.mutable_therapist()->set_display_name(text);
         req.mutable_therapist()->add_modalities(v1::SPORTS);
         v1::Therapist made;
         grpc::Status s =
             t.server_.therapists().CreateTherapist(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::GetTherapistRequest get;
         get.set_id(made.id());
         v1::Therapist got;
         s = t.server_.therapists().GetTherapist(Fresh(ctx), get, &got);
         *stored = got.display_name();
         return s;
       }},
      // A race's name.
      {"name", "clinic.v1.AddEventRequest", 100, true,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::AddEventRequest req;
         req.set_athlete_id(t.athlete_);
         req.set_name(text);
         *req.mutable_start_time() = Ts(t.Local(t.RaceSunday() + 7, 7));
         v1::AddEventResponse made;
         grpc::Status s = t.server_.athletes().AddRace(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::ListEventsRequest list;
         list.set_athlete_id(t.athlete_);
         v1::ListEventsResponse events;
         s = t.server_.athletes().ListEvents(Fresh(ctx), list, &events);
         for (const v1::Event& e : events.events()) {
           if (e.id() == made.event().id()) *stored = e.name();
         }
         return s;
       }},
      {"injury.region", "clinic.v1.AddInjuryRequest", 100, false,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::AddInjuryRequest req;
         req.set_athlete_id(t.athlete_);
         req.mutable_injury()->set_region(text);
         req.mutable_injury()->set_note("tight");
         v1::Injury made;
         grpc::Status s =
             t.server_.athletes().AddInjury(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::GetAthleteRequest get;
         get.set_id(t.athlete_);
         v1::Athlete got;
         s = t.server_.athletes().GetAthlete(Fresh(ctx), get, &got);
         for (const v1::Injury& i : got.injuries()) {
           if (i.id() == made.id()) *stored = i.region();
         }
         return s;
       }},
      {"injury.note", "clinic.v1.AddInjuryRequest", 2000, true,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::AddInjuryRequest req;
         req.set_athlete_id(t.athlete_);
         req.mutable_injury()->set_region("calf");
         req.mutable_injury()->set_note(text);
         v1::Injury made;
         grpc::Status s =
             t.server_.athletes().AddInjury(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::GetAthleteRequest get;
         get.set_id(t.athlete_);
         v1::Athlete got;
         s = t.server_.athletes().GetAthlete(Fresh(ctx), get, &got);
         for (const v1::Injury& i : got.injuries()) {
           if (i.id() == made.id()) *stored = i.note();
         }
         return s;
       }},
      {"reason", "clinic.v1.CancelBookingRequest", 2000,
       false,  // of a cancellation
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         const std::string booking = t.NewBooking();
         v1::CancelBookingRequest req;
         req.set_booking_id(booking);
         req.set_reason(text);
         v1::Booking cancelled;
         grpc::Status s =
             t.server_.bookings().CancelBooking(Fresh(ctx), req, &cancelled);
         v1::GetBookingRequest get;
         get.set_booking_id(booking);
         v1::Booking got;
         EXPECT_TRUE(
             t.server_.bookings().GetBooking(Fresh(ctx), get, &got).ok());
         if (!s.ok()) {
           EXPECT_EQ(got.state(), v1::CONFIRMED);
           EXPECT_EQ(got.cancel_reason(), "");
           return s;
         }
         EXPECT_EQ(got.state(), v1::CANCELLED);
         // The audit log keeps the reason too.
         v1::ListAuditEventsRequest audit_req;
         audit_req.set_target(booking);
         v1::ListAuditEventsResponse audit;
         EXPECT_TRUE(
             t.users_->ListAuditEvents(Fresh(ctx), audit_req, &audit).ok());
         std::vector<std::string> details;
         for (const v1::AuditEvent& e : audit.events()) {
           if (e.action() == "booking.cancel") details.push_back(e.detail());
         }
         EXPECT_THAT(details, Contains(EndsWith(": " + text)));
         *stored = got.cancel_reason();
         return s;
       }},
      {"user.display_name", "clinic.v1.CreateUserRequest", 100, true,
       [](HostileTextTest& t, const std::string& text, std::string* stored) {
         std::unique_ptr<grpc::ClientContext> ctx;
         v1::CreateUserRequest req;
         req.mutable_user()->set_display_name(text);
         req.mutable_user()->set_role(v1::STAFF);
         v1::User made;
         grpc::Status s = t.users_->CreateUser(Fresh(ctx), req, &made);
         if (!s.ok()) return s;
         v1::GetUserRequest get;
         get.set_id(made.id());
         v1::User got;
         s = t.users_->GetUser(Fresh(ctx), get, &got);
         *stored = got.display_name();
         return s;
       }},
  };
}

// Names: of an athlete, therapist, user or event (a race's "name").
bool IsName(const Field& field) {
  return field.name == "name" || absl::EndsWith(field.name, "display_name");
}

// Whether `field` stores `h`: valid text within the field's length, not
// blank where the field is required, without bidi controls in a name.
bool Accepts(const Field& field, const HostileText& h) {
  return h.valid && CodePoints(h.text) <= field.max_code_points &&
         !(h.blank && field.required) && (h.name_ok || !IsName(field));
}

TEST_F(HostileTextTest, IsStoredExactlyOrRefusedNamingTheField) {
  // The records the fixture made, as they read before.
  auto therapist = [this] {
    std::unique_ptr<grpc::ClientContext> ctx;
    v1::GetTherapistRequest get;
    get.set_id(therapist_);
    v1::Therapist t;
    EXPECT_TRUE(server_.therapists().GetTherapist(Fresh(ctx), get, &t).ok());
    return t;
  };
  auto athlete = [this](const std::string& id) {
    std::unique_ptr<grpc::ClientContext> ctx;
    v1::GetAthleteRequest get;
    get.set_id(id);
    v1::Athlete a;
    EXPECT_TRUE(server_.athletes().GetAthlete(Fresh(ctx), get, &a).ok());
    return a;
  };
  const v1::Therapist therapist_before = therapist();
  const v1::Athlete booker_before = athlete(booker_);
  const v1::Athlete athlete_before = athlete(athlete_);
  ASSERT_EQ(athlete_before.injuries_size(), 1);

  std::map<std::string, int> stored_count;
  int refused_cancels = 0;
  for (const Field& field : Fields()) {
    for (const HostileText& h : HostileTexts()) {
      SCOPED_TRACE(absl::StrCat(field.name, " <- ", h.name));
      const bool accept = Accepts(field, h);
      std::string stored;
      const grpc::Status s = field.store(*this, h.text, &stored);
      if (accept) {
        ASSERT_TRUE(s.ok()) << s.error_message();
        EXPECT_EQ(stored.size(), h.text.size());
        EXPECT_TRUE(stored == h.text) << "stored differently";
        ++stored_count[field.name];
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << s.error_message().substr(0, 200);
        // Text that is not UTF-8 fails protobuf's parsing, before clinicd
        // sees which field holds it.
        EXPECT_THAT(s.error_message(),
                    HasSubstr(h.utf8 ? field.name : field.request));
        if (!h.utf8) {
          EXPECT_THAT(s.error_message(), HasSubstr("UTF-8"));
        }
        if (field.name == "reason") ++refused_cancels;
      }
    }
  }

  // Lists show exactly what was stored: nothing lost, dropped or doubled.
  std::unique_ptr<grpc::ClientContext> ctx;
  v1::ListAthletesRequest athletes_req;
  athletes_req.set_page_size(500);
  v1::ListAthletesResponse athletes;
  ASSERT_TRUE(server_.athletes()
                  .ListAthletes(Fresh(ctx), athletes_req, &athletes)
                  .ok());
  EXPECT_EQ(athletes.athletes_size(), 2 + stored_count["athlete.display_name"]);
  std::vector<std::string> names;
  for (const v1::Athlete& a : athletes.athletes()) {
    names.push_back(a.display_name());
  }
  EXPECT_THAT(names, Contains("Robert'); DROP TABLE athletes;--"));
  EXPECT_THAT(names, Contains("Events Athlete"));
  v1::ListTherapistsResponse therapists;
  ASSERT_TRUE(
      server_.therapists().ListTherapists(Fresh(ctx), {}, &therapists).ok());
  EXPECT_EQ(therapists.therapists_size(),
            1 + stored_count["therapist.display_name"]);
  v1::ListEventsRequest events_req;
  events_req.set_athlete_id(athlete_);
  v1::ListEventsResponse events;
  ASSERT_TRUE(
      server_.athletes().ListEvents(Fresh(ctx), events_req, &events).ok());
  EXPECT_EQ(events.events_size(), 1 + stored_count["name"]);
  EXPECT_EQ(events.events(0).id(), race_);
  EXPECT_EQ(events.events(0).name(), "Broad Street Run");
  const v1::Athlete athlete_after = athlete(athlete_);
  EXPECT_EQ(athlete_after.injuries_size(),
            1 + stored_count["injury.region"] + stored_count["injury.note"]);
  EXPECT_EQ(athlete_after.display_name(), athlete_before.display_name());
  EXPECT_EQ(athlete_after.injuries(0).DebugString(),
            athlete_before.injuries(0).DebugString());
  v1::ListBookingsRequest bookings_req;
  bookings_req.set_include_cancelled(true);
  int confirmed = 0, cancelled = 0;
  for (const v1::Booking& b : ListBookings(bookings_req)) {
    ++(b.state() == v1::CONFIRMED ? confirmed : cancelled);
  }
  EXPECT_EQ(cancelled, stored_count["reason"]);
  EXPECT_EQ(confirmed, refused_cancels);
  v1::ListUsersRequest users_req;
  users_req.set_page_size(500);
  v1::ListUsersResponse users;
  ASSERT_TRUE(users_->ListUsers(Fresh(ctx), users_req, &users).ok());
  EXPECT_EQ(users.users_size(), 1 + stored_count["user.display_name"]);

  EXPECT_EQ(therapist().DebugString(), therapist_before.DebugString());
  EXPECT_EQ(athlete(booker_).DebugString(), booker_before.DebugString());
}

TEST_F(HostileTextTest, ARefusedRecordChangesNothing) {
  const std::string before = Snapshot();
  for (const Field& field : Fields()) {
    for (const HostileText& h : HostileTexts()) {
      if (Accepts(field, h) || field.name == "reason") continue;
      SCOPED_TRACE(absl::StrCat(field.name, " <- ", h.name));
      std::string stored;
      EXPECT_EQ(field.store(*this, h.text, &stored).error_code(),
                grpc::StatusCode::INVALID_ARGUMENT);
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

// Calls `method` with `payload` as the request's bytes, whatever they are.
grpc::Status CallWithBytes(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method,
                           const std::string& payload) {
  grpc::GenericStub stub(channel);
  std::unique_ptr<grpc::ClientContext> ctx = Ctx();
  grpc::Slice slice(payload);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

TEST_F(HostileTextTest, BytesThatAreNotTheRequestAreInvalidArgument) {
  const std::string before = Snapshot();
  // Field 2 (display_name) of field 1 (athlete), length 4, not UTF-8.
  grpc::Status s = CallWithBytes(
      server_.channel(), "/clinic.v1.AthleteService/CreateAthlete",
      std::string("\x0a\x06\x12\x04\xff\xfe\xfd\xfc", 8));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("clinic.v1.CreateAthleteRequest"));
  // Not protobuf at all.
  s = CallWithBytes(server_.channel(),
                    "/clinic.v1.TherapistService/CreateTherapist",
                    "\xff\xff\xff\xff");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("clinic.v1.CreateTherapistRequest"));
  // A method clinicd does not have is still UNIMPLEMENTED.
  s = CallWithBytes(server_.channel(), "/clinic.v1.AthleteService/Delete", "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << s.error_message();
  s = CallWithBytes(server_.channel(), "/clinic.v1.AthleteService/Delete",
                    std::string("\xff\xfe", 2));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << s.error_message();
  EXPECT_EQ(Snapshot(), before);

  // The same bytes, well formed, work.
  s = CallWithBytes(server_.channel(),
                    "/clinic.v1.AthleteService/CreateAthlete",
                    std::string("\x0a\x06\x12\x04Jane", 8));
  EXPECT_TRUE(s.ok()) << s.error_message();
  v1::ListAthletesResponse athletes;
  ASSERT_TRUE(server_.athletes().ListAthletes(Ctx().get(), {}, &athletes).ok());
  EXPECT_EQ(athletes.athletes(athletes.athletes_size() - 1).display_name(),
            "Jane");
}

class MessageSizeTest : public HostileTextTest {
 public:
  std::vector<std::string> ExtraFlags() override {
    return {"--max_message_bytes=65536"};
  }
};

TEST_F(MessageSizeTest, ALargerRequestIsResourceExhaustedAndChangesNothing) {
  const std::string booking = NewBooking();
  const std::string before = Snapshot();
  const std::string big(100 * 1024, 'a');
  for (const Field& field : Fields()) {
    if (field.name == "reason") continue;  // it books a session first
    SCOPED_TRACE(field.name);
    std::string stored;
    const grpc::Status s = field.store(*this, big, &stored);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << s.error_message();
  }
  v1::CancelBookingRequest cancel;
  cancel.set_booking_id(booking);
  cancel.set_reason(big);
  v1::Booking cancelled;
  const grpc::Status c =
      server_.bookings().CancelBooking(Ctx().get(), cancel, &cancelled);
  EXPECT_EQ(c.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << c.error_message();
  // Under the limit, the field's own limit answers.
  std::string stored;
  const grpc::Status s =
      Fields()[0].store(*this, std::string(60 * 1024, 'a'), &stored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("athlete.display_name"));
  EXPECT_EQ(Snapshot(), before);
}

// Time off is bounded per therapist (100 entries not yet ended), and a
// list page stops once it holds 1 MiB, so a page of therapists stays far
// below the 4 MiB message limit however long their time off's reasons:
// six therapists with full time off are 4.8 MB, which one page of 50
// could not carry.
using LargeListTest = ClinicdTest;

TEST_F(LargeListTest, TimeOffIsBoundedAndAPageStopsAtOneMebibyte) {
  const std::string reason = Repeat("\U0001F3C3", 2000);  // 8,000 bytes
  const absl::CivilDay first = absl::ToCivilDay(absl::Now(), zone_) + 2;
  auto add_time_off = [&](const std::string& therapist, int day) {
    v1::AddTimeOffRequest req;
    req.set_therapist_id(therapist);
    *req.mutable_time_off()->mutable_start_time() = Ts(Local(first + day, 12));
    *req.mutable_time_off()->mutable_end_time() = Ts(Local(first + day, 13));
    req.mutable_time_off()->set_reason(reason);
    v1::TimeOff out;
    return server_.therapists().AddTimeOff(Ctx().get(), req, &out);
  };
  std::vector<std::string> therapists;
  for (int t = 0; t < 6; ++t) {
    therapists.push_back(AddTherapist(absl::StrCat("Busy ", t)));
    for (int day = 0; day < 100; ++day) {
      const grpc::Status s = add_time_off(therapists.back(), day);
      ASSERT_TRUE(s.ok()) << t << " " << day << ": " << s.error_message();
    }
  }
  therapists.push_back(AddTherapist("Idle"));
  const std::string before = StoreSnapshot(server_);
  const grpc::Status refused = add_time_off(therapists[0], 100);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << refused.error_message();
  EXPECT_THAT(refused.error_message(),
              HasSubstr("already has 100 upcoming time off entries"));
  EXPECT_EQ(StoreSnapshot(server_), before);

  v1::GetTherapistRequest get;
  get.set_id(therapists[0]);
  v1::Therapist full;
  ASSERT_TRUE(server_.therapists().GetTherapist(Ctx().get(), get, &full).ok());
  EXPECT_EQ(full.time_off_size(), 100);
  EXPECT_GT(full.ByteSizeLong(), 800'000u);
  EXPECT_LT(full.ByteSizeLong(), 1u << 20);

  // Each page ends after the therapist that took it past 1 MiB.
  v1::ListTherapistsRequest list;  // the default page size, 50
  std::vector<std::vector<std::string>> pages;
  do {
    v1::ListTherapistsResponse page;
    const grpc::Status s =
        server_.therapists().ListTherapists(Ctx().get(), list, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LT(page.ByteSizeLong(), 2u << 20);
    pages.emplace_back();
    for (const v1::Therapist& t : page.therapists()) {
      pages.back().push_back(t.id());
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty() && pages.size() < 10);
  EXPECT_THAT(pages, ElementsAre(ElementsAre(therapists[0], therapists[1]),
                                 ElementsAre(therapists[2], therapists[3]),
                                 ElementsAre(therapists[4], therapists[5]),
                                 ElementsAre(therapists[6])));
}

}  // namespace
}  // namespace clinic::testing
