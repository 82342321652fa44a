// clinicctl slots, check, book, reschedule, cancel, bookings, export, rules.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/ics.h"
#include "clients/clinicctl/parse.h"
#include "clients/clinicctl/table.h"
#include "services/core/time_format.h"

namespace clinic::cli {
namespace {

// "Deep tissue massage": the core's noun (its enum mirrors clinic.v1's).
std::string SessionNoun(v1::Modality m) {
  return core::SessionNoun(static_cast<core::Modality>(m));
}

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// The command line that books `slot` for `athlete`.
Session::BookHint BookFor(Session& s, const std::string& athlete) {
  return [&s, athlete](const v1::Slot& slot) {
    return absl::StrCat("clinicctl book --athlete ", athlete, " --therapist ",
                        slot.therapist_id(), " --modality ",
                        ModalityFlagName(slot.modality()), " --at ",
                        Quote(s.WhenArg(FromProto(slot.start_time()))));
  };
}

// Reads --athlete, --therapist, --modality and --at into a session.
std::optional<int> ReadSession(Session& s, const Args& args,
                               v1::SessionSpec* spec) {
  auto modality = ParseModality(args.Get("modality"));
  if (!modality.ok()) return s.UsageError(modality.status());
  s.InClinicOfTherapist(args.Get("therapist"));  // --at is in its time
  absl::Time at;
  if (auto rc = s.ReadWhen(args, "at", &at)) return *rc;
  spec->set_athlete_id(args.Get("athlete"));
  spec->set_therapist_id(args.Get("therapist"));
  spec->set_modality(*modality);
  *spec->mutable_start_time() = ToProto(at);
  return std::nullopt;
}

std::vector<FlagSpec> SessionFlags() {
  return {Required({"athlete", "ID", "who the session is for, e.g. ath_1"}),
          Required({"therapist", "ID", "who gives it, e.g. th_1"}),
          Required({"modality", "MODALITY",
                    "deep_tissue, active_release (art) or sports"}),
          Required({"at", "WHEN", "start, e.g. \"2026-12-04 16:00\""})};
}

int Check(Session& s, const Args& args) {
  v1::CheckBookingRequest request;
  if (auto rc = ReadSession(s, args, request.mutable_session())) return *rc;
  v1::CheckBookingResponse response;
  if (auto status =
          s.bookings().CheckBooking(s.Context().get(), request, &response);
      !status.ok()) {
    return s.Fail(status);
  }
  const int code = response.allowed() ? kExitOk : kExitRejected;
  if (s.json()) return s.PrintJson(response) == kExitOk ? code : kExitFailure;
  if (response.allowed()) {
    s.out() << "Allowed"
            << (response.warnings().empty() ? "." : ", with warnings.") << "\n";
    s.PrintWarnings(response.warnings());
    return kExitOk;
  }
  v1::BookingRejection rejection;
  *rejection.mutable_violations() = response.violations();
  *rejection.mutable_warnings() = response.warnings();
  *rejection.mutable_suggestions() = response.suggestions();
  s.PrintRejection(s.out(), response.message(), rejection,
                   BookFor(s, args.Get("athlete")));
  return kExitRejected;
}

int Book(Session& s, const Args& args) {
  v1::ReserveSlotRequest request;
  if (auto rc = ReadSession(s, args, request.mutable_session())) return *rc;
  request.set_request_id(args.Get("request-id"));
  if (request.request_id().empty()) {
    absl::StatusOr<std::string> made_up = NewRequestId();
    if (!made_up.ok()) {
      s.err() << "clinicctl: cannot make a request id ("
              << made_up.status().message() << "); pass --request-id KEY\n";
      return kExitFailure;
    }
    request.set_request_id(*std::move(made_up));
  }
  v1::ReserveSlotResponse response;
  if (auto status = s.CallRetryingOnce(
          [&](grpc::ClientContext* context) {
            return s.bookings().ReserveSlot(context, request, &response);
          },
          request.request_id());
      !status.ok()) {
    return s.Fail(status, BookFor(s, args.Get("athlete")));
  }
  s.PrintWarnings(response.warnings());
  const v1::Booking& b = response.booking();
  return PrintCreated(
      s, response,
      absl::StrCat("Booked: ", SessionNoun(b.modality()), " ",
                   s.FormatSpan(b.start_time(), b.end_time()), " for ",
                   s.AthleteName(b.athlete_id()), " with ",
                   s.TherapistName(b.therapist_id()), "."),
      b.id());
}

int Reschedule(Session& s, const Args& args) {
  v1::RescheduleBookingRequest request;
  request.set_booking_id(args.positional()[0]);
  s.InClinicOfBooking(request.booking_id());  // --at is in its clinic's time
  absl::Time at;
  if (auto rc = s.ReadWhen(args, "at", &at)) return *rc;
  *request.mutable_start_time() = ToProto(at);
  v1::ReserveSlotResponse response;
  // Safe to retry without a request id: a repeat moves the booking to where
  // the first attempt put it, which passes again because the server leaves
  // the booking itself out of its conflict checks.
  if (auto status = s.CallRetryingOnce(
          [&](grpc::ClientContext* context) {
            return s.bookings().RescheduleBooking(context, request, &response);
          },
          "");
      !status.ok()) {
    const std::string& id = request.booking_id();
    return s.Fail(status, [&s, id](const v1::Slot& slot) {
      return absl::StrCat("clinicctl reschedule ", id, " --at ",
                          Quote(s.WhenArg(FromProto(slot.start_time()))));
    });
  }
  s.PrintWarnings(response.warnings());
  const v1::Booking& b = response.booking();
  if (s.json()) return s.PrintJson(response);
  s.out() << "Moved " << b.id() << " to "
          << s.FormatSpan(b.start_time(), b.end_time()) << ".\n"
          << b.id() << "\n";
  return kExitOk;
}

int Cancel(Session& s, const Args& args) {
  v1::CancelBookingRequest request;
  request.set_booking_id(args.positional()[0]);
  request.set_reason(args.Get("reason"));
  v1::Booking b;
  if (auto status = s.bookings().CancelBooking(s.Context().get(), request, &b);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(b);
  s.InClinic(b.clinic_id());
  s.out() << "Cancelled " << b.id() << " (" << ModalityFlagName(b.modality())
          << ", " << s.FormatSpan(b.start_time(), b.end_time()) << ", "
          << s.AthleteName(b.athlete_id()) << " with "
          << s.TherapistName(b.therapist_id()) << ").\n";
  return kExitOk;
}

// Reads --athlete, --therapist, --from DATE and --to DATE (inclusive).
std::optional<int> ReadBookingsQuery(Session& s, const Args& args,
                                     v1::ListBookingsRequest* request) {
  request->set_athlete_id(args.Get("athlete"));
  request->set_therapist_id(args.Get("therapist"));
  request->set_clinic_id(s.clinic());
  s.InClinicOfTherapist(args.Get("therapist"));
  absl::Time from = absl::Now();
  if (args.Has("from")) {
    if (auto rc = s.ReadDate(args, "from", false, &from)) return *rc;
  }
  *request->mutable_start_time() = ToProto(from);
  if (args.Has("to")) {
    absl::Time to;
    if (auto rc = s.ReadDate(args, "to", true, &to)) return *rc;
    if (to <= from) {
      return s.UsageError(absl::InvalidArgumentError(
          "--to: must not be before --from (today when not given)"));
    }
    *request->mutable_end_time() = ToProto(to);
  }
  return std::nullopt;
}

grpc::Status ListAll(Session& s, v1::ListBookingsRequest request,
                     v1::ListBookingsResponse* all) {
  return FetchAll<v1::ListBookingsResponse>(
      [&](const std::string& token, v1::ListBookingsResponse* page) {
        request.set_page_size(500);
        request.set_page_token(token);
        return s.bookings().ListBookings(s.Context().get(), request, page);
      },
      all);
}

int Bookings(Session& s, const Args& args) {
  v1::ListBookingsRequest request;
  if (auto rc = ReadBookingsQuery(s, args, &request)) return *rc;
  request.set_at_risk_only(args.Has("at-risk"));
  request.set_include_cancelled(args.Has("cancelled"));
  v1::ListBookingsResponse all;
  if (auto status = ListAll(s, request, &all); !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(all);
  if (all.bookings().empty()) {
    s.err() << "No bookings match.\n";
    return kExitOk;
  }
  s.out() << BookingsTable(s, all.bookings());
  return kExitOk;
}

int ShowBooking(Session& s, const Args& args) {
  v1::GetBookingRequest request;
  request.set_booking_id(args.positional()[0]);
  v1::Booking b;
  if (auto status = s.bookings().GetBooking(s.Context().get(), request, &b);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(b);
  s.InClinic(b.clinic_id());
  std::ostream& out = s.out();
  out << "ID:         " << b.id() << "\n"
      << "Clinic:     " << b.clinic_id() << "\n"
      << "When:       " << s.FormatSpan(b.start_time(), b.end_time()) << "\n"
      << "Modality:   " << ModalityFlagName(b.modality()) << "\n"
      << "Athlete:    " << s.AthleteName(b.athlete_id()) << " ("
      << b.athlete_id() << ")\n"
      << "Therapist:  " << s.TherapistName(b.therapist_id()) << " ("
      << b.therapist_id() << ")\n"
      << "State:      "
      << (b.state() == v1::CANCELLED ? "cancelled" : "confirmed") << "\n";
  if (b.at_risk()) out << "At risk:    " << b.at_risk_reason() << "\n";
  if (!b.cancel_reason().empty()) {
    out << "Reason:     " << b.cancel_reason() << "\n";
  }
  if (!b.request_id().empty()) out << "Request id: " << b.request_id() << "\n";
  return kExitOk;
}

int ExportIcs(Session& s, const Args& args) {
  if (args.Has("athlete") == args.Has("therapist")) {
    return s.UsageError(absl::InvalidArgumentError(
        "give exactly one of --therapist and --athlete"));
  }
  if (s.json()) {
    return s.UsageError(
        absl::InvalidArgumentError("export ics writes iCalendar, not JSON"));
  }
  v1::ListBookingsRequest request;
  if (auto rc = ReadBookingsQuery(s, args, &request)) return *rc;
  v1::ListBookingsResponse all;
  if (auto status = ListAll(s, request, &all); !status.ok()) {
    return s.Fail(status);
  }
  std::vector<IcsEvent> events;
  for (const v1::Booking& b : all.bookings()) {
    IcsEvent e;
    e.uid = absl::StrCat(b.id(), "@clinic");
    e.start = FromProto(b.start_time());
    e.end = FromProto(b.end_time());
    e.summary = absl::StrCat(SessionNoun(b.modality()), ": ",
                             s.AthleteName(b.athlete_id()), " with ",
                             s.TherapistName(b.therapist_id()));
    e.description = absl::StrCat("Booking ", b.id(), " (", b.athlete_id(), ", ",
                                 b.therapist_id(), ")");
    if (b.at_risk()) {
      absl::StrAppend(&e.description, "\nAt risk: ", b.at_risk_reason());
    }
    events.push_back(std::move(e));
  }
  const std::string who = args.Has("therapist")
                              ? s.TherapistName(args.Get("therapist"))
                              : s.AthleteName(args.Get("athlete"));
  s.out() << RenderIcs(events, absl::Now(),
                       absl::StrCat("Massage sessions: ", who));
  return kExitOk;
}

int Slots(Session& s, const Args& args) {
  v1::ListAvailableSlotsRequest request;
  if (!args.Has("therapist") && !args.Has("modality")) {
    return s.UsageError(
        absl::InvalidArgumentError("give --therapist, --modality or both"));
  }
  request.set_therapist_id(args.Get("therapist"));
  request.set_athlete_id(args.Get("athlete"));
  request.set_clinic_id(s.clinic());
  s.InClinicOfTherapist(args.Get("therapist"));
  if (args.Has("modality")) {
    auto m = ParseModality(args.Get("modality"));
    if (!m.ok()) return s.UsageError(m.status());
    request.set_modality(*m);
  }
  int days = 7;
  if (args.Has("days")) {
    auto n = ParseMinutes(args.Get("days"), "--days", 1, 31);
    if (!n.ok()) {
      return s.UsageError(absl::InvalidArgumentError(
          "--days: a whole number of days from 1 to 31"));
    }
    days = *n;
  }
  int limit = 100;
  if (args.Has("limit")) {
    auto n = ParseMinutes(args.Get("limit"), "--limit", 0, 100000);
    if (!n.ok()) {
      return s.UsageError(absl::InvalidArgumentError(
          "--limit: a whole number, 0 for no limit"));
    }
    limit = *n;
  }
  absl::Time from = absl::Now();
  if (args.Has("from")) {
    if (auto rc = s.ReadDate(args, "from", false, &from)) return *rc;
  }
  *request.mutable_start_time() = ToProto(from);
  *request.mutable_end_time() = ToProto(from + absl::Hours(24) * days);

  v1::ListAvailableSlotsResponse all;
  bool more = false;
  std::string token;
  do {
    v1::ListAvailableSlotsResponse page;
    request.set_page_token(token);
    request.set_page_size(
        limit == 0 ? 1000 : std::min(1000, limit - all.slots_size()));
    if (auto status =
            s.bookings().ListAvailableSlots(s.Context().get(), request, &page);
        !status.ok()) {
      return s.Fail(status);
    }
    token = page.next_page_token();
    page.clear_next_page_token();
    all.MergeFrom(page);
    more = !token.empty() && limit != 0 && all.slots_size() >= limit;
  } while (!token.empty() && !more);
  if (s.json()) return s.PrintJson(all);
  if (all.slots().empty()) {
    s.err() << "No free slots in that range.\n";
    return kExitOk;
  }
  Table table({"WHEN", "THERAPIST", "MODALITY", "WARNINGS"});
  table.SetMaxWidth(3, 64);
  for (const v1::Slot& slot : all.slots()) {
    std::vector<std::string> warnings;
    for (const v1::Finding& w : slot.warnings()) {
      warnings.push_back(w.rule_id());
    }
    table.AddRow({s.FormatSpan(slot.start_time(), slot.end_time()),
                  absl::StrCat(s.TherapistName(slot.therapist_id()), " (",
                               slot.therapist_id(), ")"),
                  ModalityFlagName(slot.modality()),
                  absl::StrJoin(warnings, ", ")});
  }
  s.out() << table.Render();
  if (more) {
    s.err() << "Showing the first " << limit
            << " slots; raise --limit (0: all) or narrow --days.\n";
  }
  return kExitOk;
}

int Rules(Session& s, const Args&) {
  v1::GetRulesRequest request;
  request.set_clinic_id(s.clinic());
  v1::RuleSet rules;
  if (auto status = s.bookings().GetRules(s.Context().get(), request, &rules);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintRules(s, rules);
}

const FlagSpec kFromDate{"from", "DATE",
                         "first day, YYYY-MM-DD (default: from now)"};
const FlagSpec kToDate{"to", "DATE", "last day, inclusive, YYYY-MM-DD"};

}  // namespace

int PrintRules(Session& s, const v1::RuleSet& rules) {
  if (s.json()) return s.PrintJson(rules);
  auto gap = [](const google::protobuf::Duration& d) {
    return d.seconds() == 0 && d.nanos() == 0 ? "-"
                                              : core::FormatGap(FromProto(d));
  };
  Table table({"MODALITY", "LENGTH", "BEFORE EVENT", "ADVISED BEFORE",
               "AFTER EVENT", "ADVISED AFTER", "NEEDS INJURY",
               "CADENCE WARNING"});
  for (const v1::ModalityRule& r : rules.modalities()) {
    table.AddRow({ModalityFlagName(r.modality()), gap(r.length()),
                  gap(r.min_gap_before()), gap(r.advised_gap_before()),
                  gap(r.min_gap_after()), gap(r.advised_gap_after()),
                  r.requires_active_injury() ? "yes" : "no",
                  gap(r.cadence_warning())});
  }
  s.out() << "Clinic time zone:  " << rules.time_zone() << "\n"
          << "Minimum notice:    " << gap(rules.min_notice()) << "\n"
          << "Booking horizon:   " << gap(rules.horizon()) << "\n"
          << "Default turnover:  " << gap(rules.default_turnover()) << "\n"
          << "Race lasts:        " << gap(rules.default_race_duration())
          << " unless given\n"
          << "Workout lasts:     " << gap(rules.default_workout_duration())
          << " unless given\n\n"
          << table.Render();
  return kExitOk;
}

std::string BookingsTable(
    Session& s, const google::protobuf::RepeatedPtrField<v1::Booking>& list) {
  Table table({"BOOKING", "WHEN", "ATHLETE", "THERAPIST", "MODALITY", "STATE"});
  table.SetMaxWidth(5, 64);
  for (const v1::Booking& b : list) {
    std::string state = b.state() == v1::CANCELLED ? "cancelled" : "confirmed";
    if (b.at_risk()) state = absl::StrCat("AT RISK: ", b.at_risk_reason());
    table.AddRow({b.id(), s.FormatSpan(b.start_time(), b.end_time()),
                  s.AthleteName(b.athlete_id()),
                  s.TherapistName(b.therapist_id()),
                  ModalityFlagName(b.modality()), state});
  }
  return table.empty() ? "" : table.Render();
}

std::vector<CommandSpec> BookingCommands() {
  return {
      {"slots",
       {},
       "list free slots of a therapist or a modality",
       "With --athlete, only slots that pass every recovery rule for that "
       "athlete are listed, each with its warnings.",
       {{"therapist", "ID", "whose slots (a therapist, a modality, or both)"},
        {"modality", "MODALITY", "deep_tissue, active_release (art) or sports"},
        {"athlete", "ID", "only slots this athlete may book"},
        {"from", "DATE", "first day, YYYY-MM-DD (default: from now)"},
        {"days", "N", "how many days, 1 to 31 (default 7)"},
        {"limit", "N", "at most this many slots (default 100; 0: all)"}},
       {"clinicctl slots --therapist th_1 --days 3",
        "clinicctl slots --modality deep_tissue --athlete ath_1 --from "
        "2026-12-01"},
       Slots},
      {"check",
       {},
       "check a session against the recovery rules without booking it",
       "Prints the verdict: exit 0 when allowed (warnings on stderr), 3 when "
       "a rule rejects it, with the conflicting race or workout and "
       "suggested slots.",
       SessionFlags(),
       {"clinicctl check --athlete ath_1 --therapist th_1 --modality "
        "deep_tissue --at \"2026-12-04 16:00\""},
       Check},
      {"book",
       {},
       "reserve a session; prints the booking id last",
       "A session a recovery rule forbids is rejected (exit 3) with the "
       "conflicting race or workout and suggested slots. A lost answer is "
       "retried once with the same --request-id (made up when not given), "
       "so it never books twice; the same key returns the first booking.",
       [] {
         std::vector<FlagSpec> flags = SessionFlags();
         flags.push_back({"request-id", "KEY",
                          "idempotency key (default: a random one); "
                          "retrying with it never books twice"});
         return flags;
       }(),
       {"BK=$(clinicctl book --athlete ath_1 --therapist th_1 --modality "
        "sports --at \"2026-12-01 10:00\" | tail -1)"},
       Book},
      {"reschedule",
       {"BOOKING_ID"},
       "move a booking; prints its id last",
       "The new time is checked like a new booking; a rejection leaves the "
       "booking where it was. A lost answer is retried once: moving it to the "
       "same time again changes nothing.",
       {Required({"at", "WHEN", "new start, e.g. \"2026-12-02 11:00\""})},
       {"clinicctl reschedule bk_3 --at \"2026-12-02 11:00\""},
       Reschedule},
      {"cancel",
       {"BOOKING_ID"},
       "cancel a booking",
       "",
       {{"reason", "TEXT", "why, kept with the booking"}},
       {"clinicctl cancel bk_3 --reason \"athlete is ill\""},
       Cancel},
      {"bookings",
       {},
       "list bookings (upcoming unless --from is given)",
       "",
       {{"athlete", "ID", "only this athlete's"},
        {"therapist", "ID", "only this therapist's"},
        kFromDate,
        kToDate,
        {"at-risk", "", "only sessions a later race or workout put at risk"},
        {"cancelled", "", "include cancelled bookings"}},
       {"clinicctl bookings --therapist th_1 --from 2026-12-01 --to "
        "2026-12-07",
        "clinicctl bookings --at-risk"},
       Bookings},
      {"bookings show",
       {"BOOKING_ID"},
       "show one booking",
       "",
       {},
       {"clinicctl bookings show bk_3"},
       ShowBooking},
      {"export ics",
       {},
       "write sessions as an iCalendar (.ics) feed to stdout",
       "Import the file into any calendar program. Times are in UTC; the "
       "calendar shows them in its own zone.",
       {{"therapist", "ID", "this therapist's sessions"},
        {"athlete", "ID", "this athlete's sessions"},
        kFromDate,
        kToDate},
       {"clinicctl export ics --therapist th_1 > maya.ics"},
       ExportIcs},
      {"rules",
       {},
       "show the recovery rules the clinic enforces",
       "",
       {},
       {"clinicctl rules"},
       Rules},
  };
}

}  // namespace clinic::cli
