#include "clients/clinicctl/ics.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace clinic::cli {
namespace {

constexpr size_t kMaxLineOctets = 75;

// A TEXT value (RFC 5545 3.3.11): '\', ';' and ',' escaped, line breaks
// as "\n", other control characters but tab dropped.
std::string EscapeText(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '\\':
      case ';':
      case ',':
        out += '\\';
        out += c;
        break;
      case '\r':
        if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        [[fallthrough]];
      case '\n':
        out += "\\n";
        break;
      default:
        if ((static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) || c == '\t') {
          out += c;
        }
    }
  }
  return out;
}

std::string UtcStamp(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

// Appends content line `line` to `out`, folded (RFC 5545 3.1) so that no
// line exceeds 75 octets and no UTF-8 sequence is split.
void AppendLine(absl::string_view line, std::string* out) {
  size_t room = kMaxLineOctets;
  while (line.size() > room) {
    size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    if (cut == 0) cut = room;  // not UTF-8; fold anywhere
    absl::StrAppend(out, line.substr(0, cut), "\r\n ");
    line.remove_prefix(cut);
    room = kMaxLineOctets - 1;  // the leading space counts
  }
  absl::StrAppend(out, line, "\r\n");
}

}  // namespace

std::string RenderIcs(const std::vector<IcsEvent>& events, absl::Time stamp,
                      const std::string& name) {
  std::string out;
  AppendLine("BEGIN:VCALENDAR", &out);
  AppendLine("VERSION:2.0", &out);
  AppendLine("PRODID:-//clinic//clinicctl//EN", &out);
  AppendLine("CALSCALE:GREGORIAN", &out);
  AppendLine("METHOD:PUBLISH", &out);
  AppendLine(absl::StrCat("X-WR-CALNAME:", EscapeText(name)), &out);
  for (const IcsEvent& e : events) {
    AppendLine("BEGIN:VEVENT", &out);
    AppendLine(absl::StrCat("UID:", EscapeText(e.uid)), &out);
    AppendLine(absl::StrCat("DTSTAMP:", UtcStamp(stamp)), &out);
    AppendLine(absl::StrCat("DTSTART:", UtcStamp(e.start)), &out);
    AppendLine(absl::StrCat("DTEND:", UtcStamp(e.end)), &out);
    AppendLine(absl::StrCat("SUMMARY:", EscapeText(e.summary)), &out);
    if (!e.description.empty()) {
      AppendLine(absl::StrCat("DESCRIPTION:", EscapeText(e.description)), &out);
    }
    AppendLine(e.cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED", &out);
    AppendLine("END:VEVENT", &out);
  }
  AppendLine("END:VCALENDAR", &out);
  return out;
}

}  // namespace clinic::cli
