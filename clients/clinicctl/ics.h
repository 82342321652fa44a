// An iCalendar (RFC 5545) feed of sessions that calendar programs import.
#ifndef CLINIC_CLIENTS_CLINICCTL_ICS_H_
#define CLINIC_CLIENTS_CLINICCTL_ICS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace clinic::cli {

struct IcsEvent {
  std::string uid;  // globally unique, e.g. "bk_7@clinic.example"
  absl::Time start;
  absl::Time end;
  std::string
      summary;  // e.g. "Deep tissue massage: Jordan Rivera with Maya Okafor"
  std::string description;  // may be empty
  bool cancelled = false;   // STATUS:CANCELLED instead of CONFIRMED
};

// A VCALENDAR (VERSION 2.0, PRODID, CALSCALE GREGORIAN, METHOD PUBLISH,
// X-WR-CALNAME `name`) with one VEVENT per event: UID, DTSTAMP `stamp`,
// DTSTART and DTEND in UTC ("20261204T210000Z"), SUMMARY, DESCRIPTION when
// not empty, STATUS. Text values are escaped (backslash, ';', ',', newline);
// lines end in CRLF and are folded at 75 octets without splitting a UTF-8
// sequence.
std::string RenderIcs(const std::vector<IcsEvent>& events, absl::Time stamp,
                      const std::string& name);

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_ICS_H_
