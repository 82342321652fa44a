// clinicctl athlete ...
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/parse.h"
#include "clients/clinicctl/table.h"

namespace clinic::cli {
namespace {

int Add(Session& s, const Args& args) {
  v1::CreateAthleteRequest request;
  request.mutable_athlete()->set_display_name(args.Get("name"));
  request.mutable_athlete()->set_email(args.Get("email"));
  v1::Athlete created;
  if (auto status =
          s.athletes().CreateAthlete(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(
      s, created, absl::StrCat("Added athlete ", created.display_name(), "."),
      created.id());
}

int ActiveInjuries(const v1::Athlete& a) {
  int active = 0;
  for (const v1::Injury& i : a.injuries()) active += !i.has_resolved_time();
  return active;
}

int List(Session& s, const Args&) {
  v1::ListAthletesResponse all;
  grpc::Status status = FetchAll<v1::ListAthletesResponse>(
      [&](const std::string& token, v1::ListAthletesResponse* page) {
        v1::ListAthletesRequest request;
        request.set_page_token(token);
        request.set_page_size(500);
        return s.athletes().ListAthletes(s.Context().get(), request, page);
      },
      &all);
  if (!status.ok()) return s.Fail(status);
  if (s.json()) return s.PrintJson(all);
  if (all.athletes().empty()) {
    s.err() << "No athletes yet; add one with 'clinicctl athlete add'.\n";
    return kExitOk;
  }
  Table table({"ID", "NAME", "EMAIL", "ACTIVE INJURIES"});
  for (const v1::Athlete& a : all.athletes()) {
    table.AddRow(
        {a.id(), a.display_name(), a.email(), absl::StrCat(ActiveInjuries(a))});
  }
  s.out() << table.Render();
  return kExitOk;
}

int Show(Session& s, const Args& args) {
  v1::GetAthleteRequest get;
  get.set_id(args.positional()[0]);
  v1::Athlete a;
  if (auto status = s.athletes().GetAthlete(s.Context().get(), get, &a);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(a);
  // What is coming up: races and workouts, and sessions booked.
  v1::ListEventsRequest events_request;
  events_request.set_athlete_id(a.id());
  *events_request.mutable_start_time() = ToProto(absl::Now());
  v1::ListEventsResponse events;
  if (auto status =
          s.athletes().ListEvents(s.Context().get(), events_request, &events);
      !status.ok()) {
    return s.Fail(status);
  }
  v1::ListBookingsResponse bookings;
  grpc::Status status = FetchAll<v1::ListBookingsResponse>(
      [&](const std::string& token, v1::ListBookingsResponse* page) {
        v1::ListBookingsRequest request;
        request.set_athlete_id(a.id());
        *request.mutable_start_time() = ToProto(absl::Now());
        request.set_page_size(500);
        request.set_page_token(token);
        return s.bookings().ListBookings(s.Context().get(), request, page);
      },
      &bookings);
  if (!status.ok()) return s.Fail(status);

  std::ostream& out = s.out();
  out << "ID:     " << a.id() << "\n"
      << "Name:   " << a.display_name() << "\n"
      << "Email:  " << (a.email().empty() ? "-" : a.email()) << "\n";
  if (!a.injuries().empty()) {
    Table table({"INJURY", "REGION", "NOTE", "SINCE", "RESOLVED"});
    table.SetMaxWidth(2, 48);
    for (const v1::Injury& i : a.injuries()) {
      table.AddRow({i.id(), i.region(), i.note(), s.Format(i.since_time()),
                    i.has_resolved_time() ? s.Format(i.resolved_time()) : "-"});
    }
    out << "\nInjuries:\n" << table.Render();
  }
  out << "\nUpcoming races and hard workouts:\n";
  if (events.events().empty()) out << "  none\n";
  Table table({"EVENT", "KIND", "NAME", "WHEN"});
  for (const v1::Event& e : events.events()) {
    table.AddRow({e.id(), e.kind() == v1::RACE ? "race" : "hard workout",
                  e.name(), s.FormatSpan(e.start_time(), e.end_time())});
  }
  if (!table.empty()) out << table.Render();
  out << "\nUpcoming sessions:\n";
  if (bookings.bookings().empty()) out << "  none\n";
  out << BookingsTable(s, bookings.bookings());
  return kExitOk;
}

// AddRace or AddWorkout.
int AddEvent(Session& s, const Args& args, bool race) {
  v1::AddEventRequest request;
  request.set_athlete_id(args.positional()[0]);
  request.set_name(args.Get("name"));
  if (args.Has("duration")) {
    auto minutes =
        ParseMinutes(args.Get("duration"), "--duration", 1, 14 * 24 * 60);
    if (!minutes.ok()) return s.UsageError(minutes.status());
    request.mutable_duration()->set_seconds(int64_t{*minutes} * 60);
  }
  absl::Time at;
  if (auto rc = s.ReadWhen(args, "at", &at)) return *rc;
  *request.mutable_start_time() = ToProto(at);
  v1::AddEventResponse response;
  grpc::Status status =
      race ? s.athletes().AddRace(s.Context().get(), request, &response)
           : s.athletes().AddWorkout(s.Context().get(), request, &response);
  if (!status.ok()) return s.Fail(status);
  for (const v1::AtRiskSession& risk : response.at_risk()) {
    const v1::Booking& b = risk.booking();
    s.err() << "warning: booking " << b.id() << " ("
            << ModalityFlagName(b.modality()) << ", "
            << s.FormatSpan(b.start_time(), b.end_time())
            << ") is now at risk:";
    for (const v1::Finding& v : risk.violations()) {
      s.err() << " " << v.message();
    }
    s.err() << "\n";
  }
  const v1::Event& e = response.event();
  return PrintCreated(
      s, response,
      absl::StrCat("Added ", race ? "race \"" : "hard workout \"", e.name(),
                   "\" ", s.FormatSpan(e.start_time(), e.end_time()), " for ",
                   s.AthleteName(e.athlete_id()), "."),
      e.id());
}

int Injury(Session& s, const Args& args) {
  v1::AddInjuryRequest request;
  request.set_athlete_id(args.positional()[0]);
  request.mutable_injury()->set_note(args.Get("note"));
  request.mutable_injury()->set_region(args.Get("region"));
  v1::Injury created;
  if (auto status =
          s.athletes().AddInjury(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(
      s, created,
      absl::StrCat("Added injury",
                   created.region().empty()
                       ? ""
                       : absl::StrCat(" (", created.region(), ")"),
                   " for ", s.AthleteName(created.athlete_id()), "."),
      created.id());
}

int ResolveInjury(Session& s, const Args& args) {
  v1::ResolveInjuryRequest request;
  request.set_injury_id(args.positional()[0]);
  v1::Injury resolved;
  if (auto status =
          s.athletes().ResolveInjury(s.Context().get(), request, &resolved);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(resolved);
  s.out() << "Resolved injury " << resolved.id() << " of "
          << s.AthleteName(resolved.athlete_id()) << ".\n";
  return kExitOk;
}

int DeleteEvent(Session& s, const Args& args) {
  v1::DeleteEventRequest request;
  request.set_event_id(args.positional()[0]);
  google::protobuf::Empty empty;
  if (auto status =
          s.athletes().DeleteEvent(s.Context().get(), request, &empty);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(empty);
  s.out() << "Deleted event " << request.event_id() << ".\n";
  return kExitOk;
}

std::vector<FlagSpec> EventFlags(const char* example) {
  return {Required({"name", "NAME", absl::StrCat("e.g. \"", example, "\"")}),
          Required({"at", "WHEN", "start, e.g. \"2026-12-06 07:00\""}),
          {"duration", "MINUTES",
           "how long it lasts (the server's default when unset)"}};
}

}  // namespace

std::vector<CommandSpec> AthleteCommands() {
  return {
      {"athlete add",
       {},
       "add an athlete; prints the new id last",
       "",
       {Required({"name", "NAME", "display name, e.g. \"Jordan Rivera\""}),
        {"email", "EMAIL", "contact address"}},
       {"ATH=$(clinicctl athlete add --name \"Jordan Rivera\" --email "
        "jordan@example.com | tail -1)"},
       Add},
      {"athlete list",
       {},
       "list athletes",
       "",
       {},
       {"clinicctl athlete list"},
       List},
      {"athlete show",
       {"ID"},
       "show an athlete: injuries, upcoming races, workouts and sessions",
       "",
       {},
       {"clinicctl athlete show ath_1"},
       Show},
      {"athlete race",
       {"ID"},
       "add a race; prints the event id last",
       "Sessions already booked that the race now conflicts with are "
       "marked at risk and named on stderr.",
       EventFlags("Broad Street Run"),
       {"clinicctl athlete race ath_1 --name \"Broad Street Run\" --at "
        "\"2026-12-06 07:00\" --duration 120"},
       [](Session& s, const Args& a) { return AddEvent(s, a, true); }},
      {"athlete workout",
       {"ID"},
       "add a hard workout; prints the event id last",
       "Sessions already booked that the workout now conflicts with are "
       "marked at risk and named on stderr.",
       EventFlags("10 x 400 m at the track"),
       {"clinicctl athlete workout ath_1 --name \"Track intervals\" --at "
        "\"2026-12-02 18:00\""},
       [](Session& s, const Args& a) { return AddEvent(s, a, false); }},
      {"athlete injury",
       {"ID"},
       "record an injury (ART needs one on file); prints its id last",
       "",
       {Required({"note", "TEXT", "what the athlete reports"}),
        {"region", "REGION", "e.g. \"left hamstring\""}},
       {"clinicctl athlete injury ath_1 --region \"left hamstring\" --note "
        "\"tight after long run\""},
       Injury},
      {"athlete injury-resolve",
       {"INJURY_ID"},
       "mark an injury healed",
       "",
       {},
       {"clinicctl athlete injury-resolve inj_2"},
       ResolveInjury},
      {"athlete event-delete",
       {"EVENT_ID"},
       "delete a race or workout (e.g. a race not run)",
       "",
       {},
       {"clinicctl athlete event-delete ev_4"},
       DeleteEvent},
  };
}

}  // namespace clinic::cli
