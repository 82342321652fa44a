// clinicctl's commands against a real clinicd: what each prints, in which
// stream, and that what it reports is what the server stored.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_test_base.h"

namespace clinic::testing {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// A week ahead with a race on Sunday: therapist, athlete, race.
class CommandsTest : public ClinicctlTest {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    if (HasFatalFailure()) return;
    sunday_ = RaceSunday();
    wednesday_ = sunday_ - 4;
    therapist_ = AddTherapist();
    athlete_ = AddAthlete();
    race_ = AddRace(athlete_, sunday_);
  }

  // Books a sports massage (no rule trouble on Wednesday) and returns its id.
  std::string Book(int hour, const std::string& athlete = "",
                   const std::string& therapist = "") {
    return Create(SessionArgs("book", athlete.empty() ? athlete_ : athlete,
                              therapist.empty() ? therapist_ : therapist,
                              "sports", When(wednesday_, hour)));
  }

  v1::Booking GetBooking(const std::string& id) {
    const CliResult r = Run({"bookings", "show", id, "--json"});
    EXPECT_EQ(r.exit_code, kOk) << r;
    v1::Booking b;
    EXPECT_TRUE(ParseJson(r.out, &b));
    return b;
  }

  absl::CivilDay sunday_, wednesday_;
  std::string therapist_, athlete_, race_;
};

TEST_F(CommandsTest, CreatingCommandsPrintTheNewIdAloneOnTheLastLine) {
  struct Creation {
    std::vector<std::string> args;
    std::string id_pattern;
  };
  const std::vector<Creation> creations = {
      {{"therapist", "add", "--name", "Sam Lindqvist", "--modalities", "art"},
       "th_[0-9]+"},
      {{"athlete", "add", "--name", "Jordan Rivera", "--email",
        "jordan@example.com"},
       "ath_[0-9]+"},
      {{"athlete", "race", athlete_, "--name", "Turkey Trot", "--at",
        When(sunday_ + 4, 8)},
       "ev_[0-9]+"},
      {{"athlete", "workout", athlete_, "--name", "Hill repeats", "--at",
        When(sunday_ + 6, 18), "--duration", "60"},
       "ev_[0-9]+"},
      {{"athlete", "injury", athlete_, "--region", "left hamstring", "--note",
        "tight after long run"},
       "inj_[0-9]+"},
      {SessionArgs("book", athlete_, therapist_, "sports",
                   When(wednesday_, 10)),
       "bk_[0-9]+"},
      {{"therapist", "timeoff", therapist_, "--from", When(sunday_ + 8, 9),
        "--to", When(sunday_ + 10, 9), "--reason", "course"},
       "off_[0-9]+"},
  };
  for (const Creation& c : creations) {
    const CliResult r = Run(c.args);
    const std::string command = absl::StrJoin(c.args, " ");
    ASSERT_EQ(r.exit_code, kOk) << command << "\n" << r;
    EXPECT_EQ(r.err, "") << command;
    ASSERT_THAT(Lines(r.out), SizeIs(2)) << command << "\n" << r;
    EXPECT_THAT(Lines(r.out)[0], EndsWith(".")) << "a sentence first";
    EXPECT_THAT(LastLine(r.out), MatchesRegex(c.id_pattern)) << command;
  }
}

TEST_F(CommandsTest, CreatedThingsShowUpWhereStaffLookForThem) {
  const std::string therapist = Create(
      {"therapist", "add", "--name", "Sam Lindqvist", "--modalities", "art"});
  const CliResult shown = Run({"therapist", "show", therapist});
  ASSERT_EQ(shown.exit_code, kOk) << shown;
  EXPECT_THAT(shown.out, StartsWith(absl::StrCat("ID:          ", therapist,
                                                 "\nName:        Sam "
                                                 "Lindqvist\n")));
  EXPECT_THAT(shown.out, HasSubstr("\nModalities:  active_release\n"));
  EXPECT_THAT(shown.out, HasSubstr("\nHours:       mon-fri 09:00-17:00\n"))
      << "the documented default hours";

  const std::string workout =
      Create({"athlete", "workout", athlete_, "--name", "Hill repeats", "--at",
              When(sunday_ + 6, 18), "--duration", "60"});
  const std::string injury =
      Create({"athlete", "injury", athlete_, "--region", "left hamstring",
              "--note", "tight after long run"});
  const std::string booking = Book(10);
  const CliResult athlete = Run({"athlete", "show", athlete_});
  ASSERT_EQ(athlete.exit_code, kOk) << athlete;
  EXPECT_EQ(athlete.err, "");
  EXPECT_THAT(athlete.out, StartsWith(absl::StrCat("ID:     ", athlete_,
                                                   "\nName:   Jane Runner\n")));
  EXPECT_THAT(athlete.out,
              AllOf(HasSubstr("\nInjuries:\n"),
                    MatchesRegex(absl::StrCat("(.|\n)*\n", injury,
                                              " +left hamstring +tight after "
                                              "long run(.|\n)*"))));
  // The race and the workout, each with its id and time in clinic time.
  EXPECT_THAT(athlete.out, HasSubstr("\nUpcoming races and hard workouts:\n"));
  EXPECT_THAT(athlete.out,
              MatchesRegex(absl::StrCat(
                  "(.|\n)*\n", race_, " +race +Broad Street Run +",
                  Shown(Local(sunday_, 7), Local(sunday_, 10)), "\n(.|\n)*")));
  EXPECT_THAT(
      athlete.out,
      MatchesRegex(absl::StrCat(
          "(.|\n)*\n", workout, " +hard workout +Hill repeats +",
          Shown(Local(sunday_ + 6, 18), Local(sunday_ + 6, 19)), "\n(.|\n)*")));
  EXPECT_THAT(athlete.out, HasSubstr("\nUpcoming sessions:\n"));
  EXPECT_THAT(athlete.out,
              MatchesRegex(absl::StrCat(
                  "(.|\n)*\n", booking, " +",
                  Shown(Local(wednesday_, 10), Local(wednesday_, 11)),
                  " +Jane Runner +Maya Okafor +sports +confirmed\n(.|\n)*")));

  const CliResult listed = Run({"bookings"});
  ASSERT_EQ(listed.exit_code, kOk) << listed;
  EXPECT_THAT(Lines(listed.out),
              ElementsAre(StartsWith("BOOKING "), StartsWith(booking + " ")));

  const std::string off = Create({"therapist", "timeoff", therapist_, "--from",
                                  When(sunday_ + 8, 9), "--to",
                                  When(sunday_ + 10, 9), "--reason", "course"});
  const CliResult with_off = Run({"therapist", "show", therapist_});
  ASSERT_EQ(with_off.exit_code, kOk) << with_off;
  EXPECT_THAT(with_off.out, MatchesRegex(absl::StrCat(
                                "(.|\n)*\nTime off:\n[^\n]*\n", off, " +",
                                Shown(Local(sunday_ + 8, 9)), " +",
                                Shown(Local(sunday_ + 10, 9)), " +course\n")));
}

TEST_F(CommandsTest, JsonIsExactlyOneDocumentOfTheResponseType) {
  const std::string booking = Book(10);
  auto json = [&](std::vector<std::string> args) {
    args.push_back("--json");
    const CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, kOk) << absl::StrJoin(args, " ") << "\n" << r;
    EXPECT_EQ(r.err, "") << absl::StrJoin(args, " ");
    return r.out;
  };
  v1::Therapist therapist;
  EXPECT_TRUE(
      ParseJson(json({"therapist", "add", "--name", "Sam", "--modalities",
                      "sports,art", "--hours", "tue-sat 10:00-18:00"}),
                &therapist));
  EXPECT_THAT(therapist.id(), MatchesRegex("th_[0-9]+"));
  EXPECT_EQ(therapist.display_name(), "Sam");
  EXPECT_THAT(therapist.working_hours(), SizeIs(5));
  v1::Athlete athlete;
  EXPECT_TRUE(
      ParseJson(json({"athlete", "add", "--name", "Jordan"}), &athlete));
  EXPECT_THAT(athlete.id(), MatchesRegex("ath_[0-9]+"));
  v1::AddEventResponse race;
  EXPECT_TRUE(ParseJson(json({"athlete", "race", athlete.id(), "--name",
                              "Turkey Trot", "--at", When(sunday_, 8)}),
                        &race));
  EXPECT_THAT(race.event().id(), MatchesRegex("ev_[0-9]+"));
  EXPECT_EQ(FromTs(race.event().start_time()), Local(sunday_, 8));
  v1::Injury injury;
  EXPECT_TRUE(ParseJson(
      json({"athlete", "injury", athlete.id(), "--note", "sore calf"}),
      &injury));
  EXPECT_THAT(injury.id(), MatchesRegex("inj_[0-9]+"));
  v1::ReserveSlotResponse reserved;
  EXPECT_TRUE(ParseJson(json(SessionArgs("book", athlete.id(), therapist_,
                                         "sports", When(wednesday_, 14))),
                        &reserved));
  EXPECT_THAT(reserved.booking().id(), MatchesRegex("bk_[0-9]+"));
  EXPECT_EQ(FromTs(reserved.booking().start_time()), Local(wednesday_, 14));
  v1::Booking shown;
  EXPECT_TRUE(ParseJson(json({"bookings", "show", booking}), &shown));
  EXPECT_EQ(shown.id(), booking);
  v1::ListBookingsResponse bookings;
  EXPECT_TRUE(ParseJson(json({"bookings"}), &bookings));
  EXPECT_THAT(bookings.bookings(), SizeIs(2));
  v1::ListTherapistsResponse therapists;
  EXPECT_TRUE(ParseJson(json({"therapist", "list"}), &therapists));
  EXPECT_THAT(therapists.therapists(), SizeIs(2));
  v1::ListAthletesResponse athletes;
  EXPECT_TRUE(ParseJson(json({"athlete", "list"}), &athletes));
  EXPECT_THAT(athletes.athletes(), SizeIs(2));
  v1::Athlete athlete_shown;
  EXPECT_TRUE(ParseJson(json({"athlete", "show", athlete_}), &athlete_shown));
  EXPECT_EQ(athlete_shown.display_name(), "Jane Runner");
  v1::RuleSet rules;
  EXPECT_TRUE(ParseJson(json({"rules"}), &rules));
  EXPECT_EQ(rules.time_zone(), "America/New_York");
  v1::ListAvailableSlotsResponse slots;
  EXPECT_TRUE(ParseJson(json({"slots", "--therapist", therapist_, "--from",
                              Date(wednesday_), "--days", "1"}),
                        &slots));
  EXPECT_THAT(slots.slots(), Not(IsEmpty()));
  v1::TimeOff off;
  EXPECT_TRUE(
      ParseJson(json({"therapist", "timeoff", therapist_, "--from",
                      When(sunday_ + 8, 9), "--to", When(sunday_ + 9, 9)}),
                &off));
  EXPECT_THAT(off.id(), MatchesRegex("off_[0-9]+"));
  v1::ReserveSlotResponse moved;
  EXPECT_TRUE(ParseJson(
      json({"reschedule", booking, "--at", When(wednesday_, 16)}), &moved));
  EXPECT_EQ(moved.booking().id(), booking);
  v1::Booking cancelled;
  EXPECT_TRUE(ParseJson(json({"cancel", booking}), &cancelled));
  EXPECT_EQ(cancelled.state(), v1::CANCELLED);
}

TEST_F(CommandsTest, WhenIsClinicLocalTimeOrRfc3339WithAnOffset) {
  // Three sessions at one instant, each with its own athlete and therapist,
  // written three ways.
  const absl::Time start = Local(wednesday_, 10);
  const std::string local = Book(10);
  const std::vector<std::string> forms = {
      Rfc3339(start),  // e.g. 2026-12-02T10:00:00-05:00
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", start, absl::UTCTimeZone())};
  for (const std::string& when : forms) {
    const CliResult r =
        Run(SessionArgs("book", AddAthlete("Jordan Rivera"),
                        AddTherapist("Sam Lindqvist"), "sports", when));
    ASSERT_EQ(r.exit_code, kOk) << when << "\n" << r;
    EXPECT_EQ(FromTs(GetBooking(LastLine(r.out)).start_time()), start) << when;
  }
  EXPECT_EQ(FromTs(GetBooking(local).start_time()), start);

  // Shown in the clinic's zone with its abbreviation, though the client
  // runs with TZ=Asia/Tokyo.
  const std::string abbreviation = absl::FormatTime("%Z", start, zone_);
  ASSERT_THAT(abbreviation, AnyOf("EST", "EDT"));
  const CliResult shown = Run({"bookings", "show", local});
  ASSERT_EQ(shown.exit_code, kOk) << shown;
  EXPECT_THAT(
      shown.out,
      HasSubstr(absl::StrCat(
          "\nWhen:       ", Shown(start, start + absl::Hours(1)), "\n")));
  EXPECT_THAT(shown.out, HasSubstr(" 10:00-11:00 " + abbreviation + "\n"));
  for (const char* tz : {"UTC", "America/Los_Angeles", "Asia/Kolkata"}) {
    EXPECT_EQ(
        RunClinicctl({"--server", server_.address(), "bookings", "show", local},
                     {{"TZ", tz}})
            .out,
        shown.out)
        << "TZ=" << tz;
  }
}

TEST_F(CommandsTest, LocalTimeThatDstSkipsIsAUsageError) {
  // The next spring-forward in New York, whatever the date of the run.
  absl::TimeZone::CivilTransition jump;
  absl::Time from = absl::Now();
  do {
    ASSERT_TRUE(zone_.NextTransition(from, &jump));
    from = absl::FromCivil(jump.from, zone_) + absl::Hours(24);
  } while (jump.to <= jump.from);
  const absl::CivilMinute skipped(jump.from + 30 * 60);  // 02:30
  const std::string when = absl::StrFormat(
      "%04d-%02d-%02d %02d:%02d", skipped.year(), skipped.month(),
      skipped.day(), skipped.hour(), skipped.minute());
  const CliResult r =
      Run(SessionArgs("check", athlete_, therapist_, "sports", when));
  EXPECT_EQ(r.exit_code, kUsage) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(when + " does not exist in America/New_York"));
}

TEST_F(CommandsTest, RescheduleMovesTheBookingAndPrintsItsIdLast) {
  const std::string booking = Book(10);
  const CliResult moved =
      Run({"reschedule", booking, "--at", When(wednesday_, 15)});
  ASSERT_EQ(moved.exit_code, kOk) << moved;
  EXPECT_EQ(moved.err, "");
  EXPECT_EQ(LastLine(moved.out), booking);
  EXPECT_THAT(moved.out,
              HasSubstr(Shown(Local(wednesday_, 15), Local(wednesday_, 16))));
  EXPECT_EQ(FromTs(GetBooking(booking).start_time()), Local(wednesday_, 15));

  // Onto a rule: rejected with the reason, a way out, and left where it was.
  const CliResult rejected =
      Run({"reschedule", booking, "--at", When(sunday_ - 1, 10)});
  EXPECT_EQ(rejected.exit_code, kRejected) << rejected;
  EXPECT_EQ(rejected.out, "");
  EXPECT_THAT(rejected.err, StartsWith("Rejected: "));
  EXPECT_THAT(rejected.err,
              HasSubstr("ends 20 h before race \"Broad Street Run\""));
  EXPECT_THAT(rejected.err, HasSubstr("\nViolations:\n"));
  EXPECT_THAT(rejected.err,
              HasSubstr(absl::StrCat("To book the first: clinicctl reschedule ",
                                     booking, " --at \"")));
  EXPECT_EQ(FromTs(GetBooking(booking).start_time()), Local(wednesday_, 15));
}

TEST_F(CommandsTest, CancelledBookingsShowOnlyWhenAskedFor) {
  const std::string booking = Book(10);
  const CliResult cancelled =
      Run({"cancel", booking, "--reason", "athlete is ill"});
  ASSERT_EQ(cancelled.exit_code, kOk) << cancelled;
  EXPECT_EQ(cancelled.err, "");
  EXPECT_THAT(cancelled.out, StartsWith("Cancelled " + booking + " "));

  const CliResult upcoming = Run({"bookings"});
  EXPECT_EQ(upcoming.exit_code, kOk) << upcoming;
  EXPECT_EQ(upcoming.out, "");
  EXPECT_EQ(upcoming.err, "No bookings match.\n");

  const CliResult all = Run({"bookings", "--cancelled"});
  ASSERT_EQ(all.exit_code, kOk) << all;
  EXPECT_THAT(Lines(all.out),
              ElementsAre(StartsWith("BOOKING "),
                          MatchesRegex(booking + " .* sports +cancelled")));

  const CliResult shown = Run({"bookings", "show", booking});
  ASSERT_EQ(shown.exit_code, kOk) << shown;
  EXPECT_THAT(shown.out, HasSubstr("\nState:      cancelled\n"));
  EXPECT_THAT(shown.out, HasSubstr("\nReason:     athlete is ill\n"));
}

TEST_F(CommandsTest, TherapistUpdateChangesOnlyWhatIsGiven) {
  const std::string therapist = Create(
      {"therapist", "add", "--name", "Sam Lindqvist", "--modalities",
       "deep_tissue,sports", "--price", "deep_tissue=9000,sports=7000",
       "--hours", "mon-fri 09:00-17:00; sat 09:00-13:00", "--buffer", "10"});
  const CliResult updated = Run({"therapist", "update", therapist, "--name",
                                 "Sam L.", "--price", "sports=7500"});
  ASSERT_EQ(updated.exit_code, kOk) << updated;
  EXPECT_EQ(updated.err, "");
  const CliResult shown = Run({"therapist", "show", therapist});
  ASSERT_EQ(shown.exit_code, kOk) << shown;
  EXPECT_EQ(shown.out, updated.out);
  EXPECT_EQ(shown.out,
            absl::StrCat("ID:          ", therapist,
                         "\n"
                         "Name:        Sam L.\n"
                         "Clinic:      cl_1\n"
                         "Modalities:  deep_tissue,sports\n"
                         "Prices:      deep_tissue 90.00, sports 75.00\n"
                         "Hours:       mon-fri 09:00-17:00; sat 09:00-13:00\n"
                         "Buffer:      10 min\n"));

  const CliResult listed =
      Run({"therapist", "list", "--modality", "deep_tissue"});
  ASSERT_EQ(listed.exit_code, kOk) << listed;
  EXPECT_THAT(Lines(listed.out), SizeIs(3));  // header, Maya, Sam
  EXPECT_THAT(listed.out,
              MatchesRegex(absl::StrCat("(.|\n)*\n", therapist,
                                        " +cl_1 +Sam L\\. +deep_tissue,sports +"
                                        "mon-fri 09:00-17:00; sat "
                                        "09:00-13:00 +10 min\n")));
  const CliResult art = Run({"therapist", "list", "--modality", "art"});
  ASSERT_EQ(art.exit_code, kOk) << art;
  EXPECT_THAT(art.out, Not(HasSubstr(therapist)));
  EXPECT_THAT(art.out, HasSubstr(therapist_));
}

TEST_F(CommandsTest, SlotsOfAWorkingDayStartAtNineClinicTime) {
  const absl::CivilDay monday = sunday_ - 6;
  const CliResult text =
      Run({"slots", "--therapist", therapist_, "--modality", "deep_tissue",
           "--from", Date(monday), "--days", "1", "--limit", "0"});
  ASSERT_EQ(text.exit_code, kOk) << text;
  ASSERT_THAT(Lines(text.out), SizeIs(::testing::Gt(1))) << text;
  EXPECT_THAT(Lines(text.out)[1],
              StartsWith(absl::StrCat(
                  Shown(Local(monday, 9), Local(monday, 10)), "  Maya Okafor (",
                  therapist_, ")  deep_tissue")));
  EXPECT_THAT(Lines(text.out).back(),
              StartsWith(Shown(Local(monday, 17), Local(monday, 18))));

  const CliResult json =
      Run({"slots", "--therapist", therapist_, "--modality", "deep_tissue",
           "--from", Date(monday), "--days", "1", "--limit", "0", "--json"});
  ASSERT_EQ(json.exit_code, kOk) << json;
  v1::ListAvailableSlotsResponse slots;
  ASSERT_TRUE(ParseJson(json.out, &slots));
  ASSERT_THAT(slots.slots(), Not(IsEmpty()));
  EXPECT_EQ(FromTs(slots.slots(0).start_time()), Local(monday, 9));
  EXPECT_EQ(FromTs(slots.slots().rbegin()->end_time()), Local(monday, 18));
  EXPECT_EQ(slots.slots_size(), static_cast<int>(Lines(text.out).size()) - 1);
  for (const v1::Slot& slot : slots.slots()) {
    EXPECT_GE(FromTs(slot.start_time()), Local(monday, 9));
    EXPECT_LE(FromTs(slot.end_time()), Local(monday, 18));
    EXPECT_EQ(slot.therapist_id(), therapist_);
  }
}

TEST_F(CommandsTest, RulesShowTheClinicZoneAndTheRuleTable) {
  const CliResult r = Run({"rules"});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, StartsWith("Clinic time zone:  America/New_York\n"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*\ndeep_tissue +1 h +48 h +72 h +24 h "
                                  "+48 h +no +28 days\n(.|\n)*"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*\nactive_release +45 min +48 h +72 h "
                                  "+24 h +48 h +yes +-\n(.|\n)*"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*\nsports +1 h +24 h +48 h +24 h "
                                  "+48 h +no +-\n(.|\n)*"));
}

// The VEVENT blocks of an iCalendar text, by UID.
std::map<std::string, std::vector<std::string>> Events(const std::string& ics) {
  std::map<std::string, std::vector<std::string>> events;
  std::vector<std::string> current;
  for (absl::string_view line : absl::StrSplit(ics, "\r\n")) {
    if (line == "BEGIN:VEVENT") current.clear();
    current.emplace_back(line);
    if (line == "END:VEVENT") {
      for (const std::string& l : current) {
        if (absl::StartsWith(l, "UID:")) events[l.substr(4)] = current;
      }
    }
  }
  return events;
}

TEST_F(CommandsTest, ExportIcsIsOneEventPerBookingInUtc) {
  const std::string first = Book(10);
  const std::string second = Book(15);
  const std::string other_athlete = AddAthlete("Jordan Rivera");
  Book(12, other_athlete);  // not Jane's

  const CliResult r = Run({"export", "ics", "--athlete", athlete_});
  ASSERT_EQ(r.exit_code, kOk) << r;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, StartsWith("BEGIN:VCALENDAR\r\n"));
  EXPECT_THAT(r.out, EndsWith("END:VCALENDAR\r\n"));
  for (size_t at = r.out.find('\n'); at != std::string::npos;
       at = r.out.find('\n', at + 1)) {
    ASSERT_GT(at, 0u);
    ASSERT_EQ(r.out[at - 1], '\r') << "a bare LF at " << at;
  }
  const auto events = Events(r.out);
  ASSERT_THAT(events, SizeIs(2));
  for (const auto& [id, hour] :
       std::vector<std::pair<std::string, int>>{{first, 10}, {second, 15}}) {
    const auto it = std::find_if(
        events.begin(), events.end(),
        // C++17 lambdas cannot capture a structured binding (clang rejects it).
        [&id = id](const auto& e) { return absl::StrContains(e.first, id); });
    ASSERT_NE(it, events.end()) << "no UID with " << id;
    EXPECT_THAT(it->second,
                Contains(absl::StrCat(
                    "DTSTART:",
                    absl::FormatTime("%Y%m%dT%H%M%SZ", Local(wednesday_, hour),
                                     absl::UTCTimeZone()))));
  }
}

TEST_F(CommandsTest, BookWithTheSameRequestIdBooksOnce) {
  std::vector<std::string> args =
      SessionArgs("book", athlete_, therapist_, "sports", When(wednesday_, 10));
  args.insert(args.end(), {"--request-id", "front-desk-42"});
  const CliResult first = Run(args);
  ASSERT_EQ(first.exit_code, kOk) << first;
  const CliResult retry = Run(args);
  ASSERT_EQ(retry.exit_code, kOk) << retry;
  EXPECT_THAT(LastLine(first.out), MatchesRegex("bk_[0-9]+"));
  EXPECT_EQ(LastLine(retry.out), LastLine(first.out));
  const v1::ListBookingsResponse all = AllBookings();
  ASSERT_THAT(all.bookings(), SizeIs(1));
  EXPECT_EQ(all.bookings(0).request_id(), "front-desk-42");
}

}  // namespace
}  // namespace clinic::testing
