#include "clients/clinicctl/ics.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi),
                         absl::UTCTimeZone());
}

IcsEvent Session() {
  IcsEvent e;
  e.uid = "bk_7@clinic.example";
  e.start = Utc(2026, 12, 4, 21, 0);
  e.end = Utc(2026, 12, 4, 22, 0);
  e.summary = "Deep tissue massage: Jordan Rivera with Maya Okafor";
  return e;
}

// Whether `s` is well-formed UTF-8 on its own (no cut sequences).
bool IsUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t n = c < 0x80    ? 1
                     : c >= 0xF0 ? 4
                     : c >= 0xE0 ? 3
                     : c >= 0xC0 ? 2
                                 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(RenderIcsTest, ExactCalendar) {
  IcsEvent cancelled = Session();
  cancelled.uid = "bk_8@clinic.example";
  cancelled.description = "Bring race results";
  cancelled.cancelled = true;
  EXPECT_EQ(RenderIcs({Session(), cancelled}, Utc(2026, 11, 30, 12, 5),
                      "Maya Okafor"),
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//clinic//clinicctl//EN\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-CALNAME:Maya Okafor\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:bk_7@clinic.example\r\n"
            "DTSTAMP:20261130T120500Z\r\n"
            "DTSTART:20261204T210000Z\r\n"
            "DTEND:20261204T220000Z\r\n"
            "SUMMARY:Deep tissue massage: Jordan Rivera with Maya Okafor\r\n"
            "STATUS:CONFIRMED\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:bk_8@clinic.example\r\n"
            "DTSTAMP:20261130T120500Z\r\n"
            "DTSTART:20261204T210000Z\r\n"
            "DTEND:20261204T220000Z\r\n"
            "SUMMARY:Deep tissue massage: Jordan Rivera with Maya Okafor\r\n"
            "DESCRIPTION:Bring race results\r\n"
            "STATUS:CANCELLED\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST(RenderIcsTest, NoEvents) {
  EXPECT_EQ(RenderIcs({}, Utc(2026, 11, 30, 12, 5), "Clinic"),
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "PRODID:-//clinic//clinicctl//EN\r\nCALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\nX-WR-CALNAME:Clinic\r\nEND:VCALENDAR\r\n");
}

TEST(RenderIcsTest, EscapesTextValues) {
  IcsEvent e = Session();
  e.summary = "Sports; legs, back\\hips";
  e.description = "Line one\nLine two\r\nLine three";
  const std::string ics =
      RenderIcs({e}, Utc(2026, 11, 30, 12, 5), "Maya, Okafor; Clinic");
  EXPECT_THAT(ics, HasSubstr("\r\nSUMMARY:Sports\\; legs\\, back\\\\hips\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nDESCRIPTION:Line one\\nLine two\\nLine "
                             "three\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nX-WR-CALNAME:Maya\\, Okafor\\; Clinic\r\n"));
}

TEST(RenderIcsTest, FoldsLongUtf8LinesAt75Octets) {
  IcsEvent e = Session();
  e.summary =
      "Sports massage: Zoë Ångström with Maya Okafor — récupération après le "
      "marathon ✓, ещё раз 🏃 ";
  e.summary += e.summary;
  const std::string ics = RenderIcs({e}, Utc(2026, 11, 30, 12, 5), "Clinic");

  ASSERT_TRUE(absl::EndsWith(ics, "\r\n"));
  EXPECT_THAT(absl::StrReplaceAll(ics, {{"\r\n", ""}}), Not(HasSubstr("\n")));
  EXPECT_THAT(absl::StrReplaceAll(ics, {{"\r\n", ""}}), Not(HasSubstr("\r")));
  std::vector<std::string> lines = absl::StrSplit(ics, "\r\n");
  lines.pop_back();  // after the final CRLF
  int continuations = 0;
  for (const std::string& line : lines) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_TRUE(IsUtf8(line)) << line;
    if (absl::StartsWith(line, " ")) ++continuations;
  }
  EXPECT_GE(continuations, 2);
  const std::string unfolded = absl::StrReplaceAll(ics, {{"\r\n ", ""}});
  EXPECT_THAT(
      unfolded,
      HasSubstr("\r\nSUMMARY:" +
                absl::StrReplaceAll(e.summary, {{",", "\\,"}}) + "\r\n"));
}

TEST(RenderIcsTest, FoldBacksOffToACodePointBoundary) {
  IcsEvent e = Session();
  // "SUMMARY:" and 66 'a's fill 74 octets; "é" would straddle octet 75.
  e.summary = std::string(66, 'a') + "é" + std::string(80, 'b');
  const std::string ics = RenderIcs({e}, Utc(2026, 11, 30, 12, 5), "Clinic");
  EXPECT_THAT(ics, HasSubstr("\r\nSUMMARY:" + std::string(66, 'a') + "\r\n é" +
                             std::string(72, 'b') + "\r\n " +
                             std::string(8, 'b') + "\r\n"));
}

}  // namespace
}  // namespace clinic::cli
