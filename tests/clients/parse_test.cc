#include "clients/clinicctl/parse.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace clinic::cli {
namespace {

using ::clinic::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::TimeZone NewYork() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &zone));
  return zone;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi),
                         absl::UTCTimeZone());
}

std::string NotATime(const std::string& text) {
  return "\"" + text +
         "\" is not a time: use \"YYYY-MM-DD HH:MM\" (clinic time) or RFC "
         "3339 like \"2026-12-04T16:00:00-05:00\"";
}

TEST(ParseWhenTest, ClinicTimeWithSpaceOrT) {
  const absl::TimeZone zone = NewYork();
  const absl::Time want = Utc(2026, 12, 4, 21, 0);  // 16:00 EST
  EXPECT_EQ(ParseWhen("2026-12-04 16:00", zone).value(), want);
  EXPECT_EQ(ParseWhen("2026-12-04T16:00", zone).value(), want);
  EXPECT_EQ(ParseWhen("  2026-12-04 16:00\n", zone).value(), want);
}

TEST(ParseWhenTest, Rfc3339WithOffsetOrZ) {
  const absl::TimeZone zone = NewYork();
  const absl::Time want = Utc(2026, 12, 4, 21, 0);
  EXPECT_EQ(ParseWhen("2026-12-04T16:00:00-05:00", zone).value(), want);
  EXPECT_EQ(ParseWhen("2026-12-04T21:00:00Z", zone).value(), want);
  EXPECT_EQ(ParseWhen("2026-12-05T06:00:00+09:00", zone).value(), want);
  EXPECT_EQ(ParseWhen("2026-12-04T21:00:00.5Z", zone).value(),
            want + absl::Milliseconds(500));
}

TEST(ParseWhenTest, RejectsFieldsThatAreNotReal) {
  const absl::TimeZone zone = NewYork();
  EXPECT_THAT(ParseWhen("2026-13-01 09:00", zone),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       NotATime("2026-13-01 09:00")));
  EXPECT_THAT(ParseWhen("2026-02-30 09:00", zone),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       NotATime("2026-02-30 09:00")));
  EXPECT_THAT(ParseWhen("2026-12-04 24:00", zone),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       NotATime("2026-12-04 24:00")));
  EXPECT_THAT(ParseWhen("2026-12-04 16:60", zone),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       NotATime("2026-12-04 16:60")));
  EXPECT_THAT(ParseWhen("2026-02-30T09:00:00Z", zone),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       NotATime("2026-02-30T09:00:00Z")));
}

TEST(ParseWhenTest, RejectsOtherShapes) {
  const absl::TimeZone zone = NewYork();
  for (const char* text :
       {"2026-12-04 16:00x", "2026-12-04 16:00 EST", "2026-12-04",
        "2026-12-4 16:00", "2026-12-04 9:00", "2026-12-04 16:00:00",
        "2026-12-04 16:00:00-05:00", "2026-12-04T16:00-05:00",
        "2026-12-04T16:00:00-05:00 x", "infinite-future", "tomorrow", ""}) {
    EXPECT_THAT(ParseWhen(text, zone),
                StatusIs(absl::StatusCode::kInvalidArgument, NotATime(text)))
        << text;
  }
}

TEST(ParseWhenTest, Rfc3339WithoutOffsetSaysSo) {
  EXPECT_THAT(
      ParseWhen("2026-12-04T16:00:00", NewYork()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "\"2026-12-04T16:00:00\" has no UTC offset: end it in \"Z\" or "
               "an offset like \"-05:00\", or use \"YYYY-MM-DD HH:MM\" for "
               "clinic time"));
  EXPECT_THAT(ParseWhen("2026-12-04T16:00:00.250", NewYork()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("has no UTC offset")));
}

TEST(ParseWhenTest, SkippedLocalTimeNamesTheZone) {
  EXPECT_THAT(ParseWhen("2027-03-14 02:30", NewYork()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "2027-03-14 02:30 does not exist in America/New_York "
                       "(the clocks skip it)"));
}

TEST(ParseWhenTest, RepeatedLocalTimeIsItsFirstOccurrence) {
  // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
  EXPECT_EQ(ParseWhen("2026-11-01 01:30", NewYork()).value(),
            Utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(ParseWhen("2026-11-01T01:30:00-05:00", NewYork()).value(),
            Utc(2026, 11, 1, 6, 30));
}

TEST(ParseDateTest, AcceptsRealDays) {
  EXPECT_EQ(ParseDate("2026-12-04").value(), absl::CivilDay(2026, 12, 4));
  EXPECT_EQ(ParseDate(" 2028-02-29 ").value(), absl::CivilDay(2028, 2, 29));
}

TEST(ParseDateTest, RejectsOthers) {
  for (const char* text : {"2026-02-29", "2026-13-01", "2026-00-10",
                           "2026-1-01", "2026-12-04x", "2026-12-04 10:00"}) {
    EXPECT_THAT(ParseDate(text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "\"" + std::string(text) +
                             "\" is not a date: use \"YYYY-MM-DD\""))
        << text;
  }
}

TEST(ParseModalityTest, NamesAnyCaseAndDashes) {
  EXPECT_EQ(ParseModality("deep_tissue").value(), v1::DEEP_TISSUE);
  EXPECT_EQ(ParseModality("Deep-Tissue").value(), v1::DEEP_TISSUE);
  EXPECT_EQ(ParseModality("active_release").value(), v1::ACTIVE_RELEASE);
  EXPECT_EQ(ParseModality("ART").value(), v1::ACTIVE_RELEASE);
  EXPECT_EQ(ParseModality(" sports ").value(), v1::SPORTS);
}

TEST(ParseModalityTest, ErrorListsTheNames) {
  EXPECT_THAT(ParseModality("swedish"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"swedish\" is not a modality: use deep_tissue, "
                       "active_release (or art) or sports"));
}

TEST(ModalityFlagNameTest, RoundTrips) {
  for (v1::Modality m : {v1::DEEP_TISSUE, v1::ACTIVE_RELEASE, v1::SPORTS}) {
    EXPECT_EQ(ParseModality(ModalityFlagName(m)).value(), m);
  }
  EXPECT_EQ(ModalityFlagName(v1::ACTIVE_RELEASE), "active_release");
}

TEST(ParseModalitiesTest, ListInOrder) {
  EXPECT_THAT(ParseModalities("sports, art,deep_tissue").value(),
              ElementsAre(v1::SPORTS, v1::ACTIVE_RELEASE, v1::DEEP_TISSUE));
}

TEST(ParseModalitiesTest, Errors) {
  EXPECT_THAT(ParseModalities("art,active_release"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "active_release is named twice"));
  EXPECT_THAT(ParseModalities(" "),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"deep_tissue,sports\"")));
  EXPECT_THAT(ParseModalities("sports,,art"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"\" is not a modality")));
}

MATCHER_P3(IsHours, day, start, end, "") {
  const std::string got =
      absl::StrFormat("%d %02d:%02d-%02d:%02d", static_cast<int>(arg.day()),
                      arg.start().hours(), arg.start().minutes(),
                      arg.end().hours(), arg.end().minutes());
  *result_listener << got;
  return got == absl::StrFormat("%d %s-%s", day, start, end);
}

TEST(ParseHoursTest, RangesListsAndSingleDaysSortedByDay) {
  EXPECT_THAT(
      ParseHours("  Sat 09:00 - 13:00 ;MON, wed ,fri 8:30-24:00; sun-sun "
                 "10:00-11:00;")
          .value(),
      ElementsAre(IsHours(1, "08:30", "24:00"), IsHours(3, "08:30", "24:00"),
                  IsHours(5, "08:30", "24:00"), IsHours(6, "09:00", "13:00"),
                  IsHours(7, "10:00", "11:00")));
  EXPECT_THAT(
      ParseHours("mon-wed 09:00-17:00").value(),
      ElementsAre(IsHours(1, "09:00", "17:00"), IsHours(2, "09:00", "17:00"),
                  IsHours(3, "09:00", "17:00")));
  EXPECT_THAT(ParseHours("").value(), ElementsAre());
}

TEST(ParseHoursTest, Errors) {
  const auto error = [](const char* text) { return ParseHours(text).status(); };
  const std::string span_form =
      " is not a span: use \"HH:MM-HH:MM\" with the start before the end, "
      "ending at 24:00 at the latest";
  EXPECT_THAT(error("mon 24:00-24:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"24:00-24:00\"" + span_form));
  EXPECT_THAT(error("mon 17:00-09:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"17:00-09:00\"" + span_form));
  EXPECT_THAT(error("mon 09:00-24:30"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"09:00-24:30\"" + span_form));
  EXPECT_THAT(error("mon 09:00-17:00x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"09:00-17:00x\"" + span_form));
  EXPECT_THAT(error("mon 09:00"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "\"09:00\"" + span_form));
  EXPECT_THAT(error("monday 09:00-10:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"monday\" is not a day: use mon, tue, wed, thu, fri, "
                       "sat or sun"));
  EXPECT_THAT(error("mon-wed 09:00-12:00; TUE 11:00-17:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tue has overlapping spans: give a day separate "
                       "spans, like \"mon 09:00-12:00; mon 13:00-17:00\""));
  EXPECT_THAT(error("fri-mon 09:00-10:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"fri-mon\" is not a day range: name the earlier day "
                       "first, like \"mon-fri\""));
  EXPECT_THAT(error("09:00-17:00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"09:00-17:00\" is not working hours: use days and a "
                       "span, like \"mon-fri 09:00-17:00; sat 09:00-13:00\""));
  EXPECT_THAT(error("mon"), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("is not working hours")));
}

std::string Reformat(const char* text) {
  const std::vector<v1::WorkingHours> hours = ParseHours(text).value();
  google::protobuf::RepeatedPtrField<v1::WorkingHours> field(hours.begin(),
                                                             hours.end());
  return FormatHours(field);
}

TEST(FormatHoursTest, GroupsConsecutiveDaysWithEqualSpans) {
  EXPECT_EQ(Reformat("mon,tue,wed,thu,fri 09:00-17:00;sat 09:00-13:00"),
            "mon-fri 09:00-17:00; sat 09:00-13:00");
  EXPECT_EQ(Reformat("mon,wed 09:00-17:00"),
            "mon 09:00-17:00; wed 09:00-17:00");
  EXPECT_EQ(Reformat("thu-fri 9:00-17:00; mon-tue 09:00-17:00; wed "
                     "10:00-17:00; sun 00:00-24:00"),
            "mon-tue 09:00-17:00; wed 10:00-17:00; thu-fri 09:00-17:00; sun "
            "00:00-24:00");
  EXPECT_EQ(Reformat(""), "");
}

TEST(FormatHoursTest, RoundTripsItsOwnOutput) {
  for (const char* text :
       {"mon-fri 09:00-17:00; sat 09:00-13:00", "sat-sun 08:15-12:45",
        "mon 00:00-24:00; tue 06:00-07:00; wed-sun 06:00-07:30",
        "mon-sat 09:00-12:00; mon-fri 13:00-17:00"}) {
    EXPECT_EQ(Reformat(text), text);
  }
}

TEST(FormatHoursTest, SortsUnorderedInput) {
  google::protobuf::RepeatedPtrField<v1::WorkingHours> hours;
  for (v1::DayOfWeek day : {v1::WEDNESDAY, v1::MONDAY, v1::TUESDAY}) {
    v1::WorkingHours* h = hours.Add();
    h->set_day(day);
    h->mutable_start()->set_hours(9);
    h->mutable_end()->set_hours(17);
  }
  EXPECT_EQ(FormatHours(hours), "mon-wed 09:00-17:00");
}

TEST(ParsePricesTest, PairsInOrder) {
  const std::vector<v1::ModalityPrice> prices =
      ParsePrices(" deep_tissue=9000, sports = 7000,art=0").value();
  ASSERT_EQ(prices.size(), 3u);
  EXPECT_EQ(prices[0].modality(), v1::DEEP_TISSUE);
  EXPECT_EQ(prices[0].price_cents(), 9000);
  EXPECT_EQ(prices[1].modality(), v1::SPORTS);
  EXPECT_EQ(prices[1].price_cents(), 7000);
  EXPECT_EQ(prices[2].modality(), v1::ACTIVE_RELEASE);
  EXPECT_EQ(prices[2].price_cents(), 0);
  EXPECT_EQ(ParsePrices("sports=1000000000").value()[0].price_cents(),
            1000000000);
}

TEST(ParsePricesTest, Errors) {
  const auto error = [](const char* text) {
    return ParsePrices(text).status();
  };
  EXPECT_THAT(
      error("sports=7000,sports=8000"),
      StatusIs(absl::StatusCode::kInvalidArgument, "sports is priced twice"));
  EXPECT_THAT(error("sports=1000000001"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sports: a price must be between 0 and 1000000000 "
                       "cents"));
  EXPECT_THAT(error("sports=99999999999999999999999"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("between 0 and 1000000000")));
  EXPECT_THAT(error("sports=90.00"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"sports=90.00\" is not a price: give whole cents, "
                       "like \"deep_tissue=9000\" for 90.00"));
  EXPECT_THAT(error("sports=-5"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("give whole cents")));
  EXPECT_THAT(error("sports"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"sports\" is not a price: use modality=cents, like "
                       "\"deep_tissue=9000\""));
  EXPECT_THAT(error("thai=5000"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("is not a modality")));
  EXPECT_THAT(error(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("no price given")));
}

TEST(FormatCentsTest, TwoDecimals) {
  EXPECT_EQ(FormatCents(9000), "90.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(0), "0.00");
  EXPECT_EQ(FormatCents(123456), "1234.56");
  EXPECT_EQ(FormatCents(-250), "-2.50");
}

TEST(ParseMinutesTest, InRange) {
  EXPECT_EQ(ParseMinutes("60", "--duration", 1, 1440).value(), 60);
  EXPECT_EQ(ParseMinutes(" 1 ", "--duration", 1, 1440).value(), 1);
  EXPECT_EQ(ParseMinutes("1440", "--duration", 1, 1440).value(), 1440);
}

TEST(ParseMinutesTest, Errors) {
  for (const char* text : {"abc", "1.5", "", "-5", "+5", "6 0", "60m"}) {
    EXPECT_THAT(ParseMinutes(text, "--duration", 1, 1440),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "--duration: \"" + std::string(text) +
                             "\" is not a whole number of minutes"))
        << text;
  }
  for (const char* text : {"0", "1441", "99999999999999999999999"}) {
    EXPECT_THAT(ParseMinutes(text, "--duration", 1, 1440),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "--duration: must be between 1 and 1440 minutes"))
        << text;
  }
}

}  // namespace
}  // namespace clinic::cli
