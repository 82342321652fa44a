// clinicctl therapist ...
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/parse.h"
#include "clients/clinicctl/table.h"

namespace clinic::cli {
namespace {

constexpr char kDefaultHours[] = "mon-fri 09:00-17:00";

std::string Modalities(const v1::Therapist& t) {
  std::vector<std::string> names;
  for (int m : t.modalities()) {
    names.push_back(ModalityFlagName(static_cast<v1::Modality>(m)));
  }
  return absl::StrJoin(names, ",");
}

std::string Prices(const v1::Therapist& t) {
  std::vector<std::string> prices;
  for (const v1::ModalityPrice& p : t.prices()) {
    prices.push_back(absl::StrCat(ModalityFlagName(p.modality()), " ",
                                  FormatCents(p.price_cents())));
  }
  return prices.empty() ? "-" : absl::StrJoin(prices, ", ");
}

// Fills the fields of *t that `args` sets and names them in *mask; a usage
// error's exit code otherwise. `current` holds the prices to keep.
std::optional<int> ReadTherapist(Session& s, const Args& args,
                                 const v1::Therapist& current, v1::Therapist* t,
                                 google::protobuf::FieldMask* mask) {
  if (args.Has("name")) {
    t->set_display_name(args.Get("name"));
    mask->add_paths("display_name");
  }
  if (args.Has("modalities")) {
    auto modalities = ParseModalities(args.Get("modalities"));
    if (!modalities.ok()) return s.UsageError(modalities.status());
    for (v1::Modality m : *modalities) t->add_modalities(m);
    mask->add_paths("modalities");
  }
  if (args.Has("price")) {
    auto prices = ParsePrices(args.Get("price"));
    if (!prices.ok()) return s.UsageError(prices.status());
    // Prices not named keep their current value.
    *t->mutable_prices() = current.prices();
    for (const v1::ModalityPrice& p : *prices) {
      auto it =
          std::find_if(t->mutable_prices()->begin(), t->mutable_prices()->end(),
                       [&](const v1::ModalityPrice& q) {
                         return q.modality() == p.modality();
                       });
      *(it == t->mutable_prices()->end() ? t->add_prices() : &*it) = p;
    }
    mask->add_paths("prices");
  }
  if (args.Has("hours")) {
    auto hours = ParseHours(args.Get("hours"));
    if (!hours.ok()) return s.UsageError(hours.status());
    for (const v1::WorkingHours& h : *hours) *t->add_working_hours() = h;
    mask->add_paths("working_hours");
  }
  if (args.Has("buffer")) {
    auto minutes = ParseMinutes(args.Get("buffer"), "--buffer", 0, 240);
    if (!minutes.ok()) return s.UsageError(minutes.status());
    t->mutable_turnover_buffer()->set_seconds(int64_t{*minutes} * 60);
    mask->add_paths("turnover_buffer");
  }
  return std::nullopt;
}

int PrintTherapist(Session& s, const v1::Therapist& t) {
  if (s.json()) return s.PrintJson(t);
  s.InClinic(t.clinic_id());
  std::ostream& out = s.out();
  out << "ID:          " << t.id() << "\n"
      << "Name:        " << t.display_name() << "\n"
      << "Clinic:      " << t.clinic_id() << "\n"
      << "Modalities:  " << Modalities(t) << "\n"
      << "Prices:      " << Prices(t) << "\n"
      << "Hours:       " << FormatHours(t.working_hours()) << "\n"
      << "Buffer:      " << t.turnover_buffer().seconds() / 60 << " min\n";
  if (t.time_off().empty()) return kExitOk;
  Table table({"ID", "FROM", "TO", "REASON"});
  for (const v1::TimeOff& off : t.time_off()) {
    table.AddRow({off.id(), s.Format(off.start_time()),
                  s.Format(off.end_time()), off.reason()});
  }
  out << "\nTime off:\n" << table.Render();
  return kExitOk;
}

const FlagSpec kName{"name", "NAME", "display name, e.g. \"Maya Okafor\""};
const FlagSpec kModalities{
    "modalities", "LIST",
    "what they offer: deep_tissue, active_release (art), sports, "
    "comma-separated"};
const FlagSpec kPrice{"price", "MODALITY=CENTS",
                      "price in cents, e.g. deep_tissue=9000,sports=7000"};
const FlagSpec kHours{"hours", "HOURS",
                      "weekly hours in clinic time, e.g. \"mon-fri "
                      "09:00-17:00; sat 09:00-13:00\""};
const FlagSpec kBuffer{"buffer", "MINUTES",
                       "turnover between sessions (server default when unset)"};

int Add(Session& s, const Args& args) {
  v1::CreateTherapistRequest request;
  google::protobuf::FieldMask mask;
  if (auto rc = ReadTherapist(s, args, v1::Therapist(),
                              request.mutable_therapist(), &mask)) {
    return *rc;
  }
  request.mutable_therapist()->set_clinic_id(s.clinic());
  if (!args.Has("hours")) {
    const std::vector<v1::WorkingHours> hours =
        ParseHours(kDefaultHours).value();
    for (const v1::WorkingHours& h : hours) {
      *request.mutable_therapist()->add_working_hours() = h;
    }
  }
  v1::Therapist created;
  if (auto status =
          s.therapists().CreateTherapist(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(
      s, created, absl::StrCat("Added therapist ", created.display_name(), "."),
      created.id());
}

int List(Session& s, const Args& args) {
  v1::ListTherapistsRequest request;
  request.set_clinic_id(s.clinic());
  if (args.Has("modality")) {
    auto m = ParseModality(args.Get("modality"));
    if (!m.ok()) return s.UsageError(m.status());
    request.set_modality(*m);
  }
  v1::ListTherapistsResponse all;
  grpc::Status status = FetchAll<v1::ListTherapistsResponse>(
      [&](const std::string& token, v1::ListTherapistsResponse* page) {
        request.set_page_token(token);
        request.set_page_size(500);
        return s.therapists().ListTherapists(s.Context().get(), request, page);
      },
      &all);
  if (!status.ok()) return s.Fail(status);
  if (s.json()) return s.PrintJson(all);
  Table table({"ID", "CLINIC", "NAME", "MODALITIES", "HOURS", "BUFFER"});
  table.SetMaxWidth(3, 40);
  table.SetMaxWidth(4, 48);
  for (const v1::Therapist& t : all.therapists()) {
    table.AddRow({t.id(), t.clinic_id(), t.display_name(), Modalities(t),
                  FormatHours(t.working_hours()),
                  absl::StrCat(t.turnover_buffer().seconds() / 60, " min")});
  }
  if (table.empty()) {
    s.err() << "No therapists yet; add one with 'clinicctl therapist add'.\n";
    return kExitOk;
  }
  s.out() << table.Render();
  return kExitOk;
}

grpc::Status Get(Session& s, const std::string& id, v1::Therapist* t) {
  v1::GetTherapistRequest request;
  request.set_id(id);
  return s.therapists().GetTherapist(s.Context().get(), request, t);
}

int Show(Session& s, const Args& args) {
  v1::Therapist t;
  if (auto status = Get(s, args.positional()[0], &t); !status.ok()) {
    return s.Fail(status);
  }
  return PrintTherapist(s, t);
}

int Update(Session& s, const Args& args) {
  v1::UpdateTherapistRequest request;
  v1::Therapist current;
  if (args.Has("price")) {
    if (auto status = Get(s, args.positional()[0], &current); !status.ok()) {
      return s.Fail(status);
    }
  }
  if (auto rc = ReadTherapist(s, args, current, request.mutable_therapist(),
                              request.mutable_update_mask())) {
    return *rc;
  }
  if (request.update_mask().paths().empty()) {
    return s.UsageError(absl::InvalidArgumentError(
        "nothing to change: give --name, --modalities, --price, --hours or "
        "--buffer"));
  }
  request.mutable_therapist()->set_id(args.positional()[0]);
  v1::Therapist updated;
  if (auto status =
          s.therapists().UpdateTherapist(s.Context().get(), request, &updated);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintTherapist(s, updated);
}

int TimeOff(Session& s, const Args& args) {
  v1::AddTimeOffRequest request;
  request.set_therapist_id(args.positional()[0]);
  s.InClinicOfTherapist(request.therapist_id());  // --from/--to in its time
  absl::Time from, to;
  if (auto rc = s.ReadWhen(args, "from", &from)) return *rc;
  if (auto rc = s.ReadWhen(args, "to", &to)) return *rc;
  *request.mutable_time_off()->mutable_start_time() = ToProto(from);
  *request.mutable_time_off()->mutable_end_time() = ToProto(to);
  request.mutable_time_off()->set_reason(args.Get("reason"));
  v1::TimeOff created;
  if (auto status =
          s.therapists().AddTimeOff(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(s, created,
                      absl::StrCat("Added time off for ",
                                   s.TherapistName(created.therapist_id()),
                                   ": ", s.Format(created.start_time()), " to ",
                                   s.Format(created.end_time()), "."),
                      created.id());
}

int TimeOffDelete(Session& s, const Args& args) {
  v1::DeleteTimeOffRequest request;
  request.set_therapist_id(args.positional()[0]);
  request.set_time_off_id(args.positional()[1]);
  google::protobuf::Empty empty;
  if (auto status =
          s.therapists().DeleteTimeOff(s.Context().get(), request, &empty);
      !status.ok()) {
    return s.Fail(status);
  }
  if (s.json()) return s.PrintJson(empty);
  s.out() << "Deleted time off " << request.time_off_id() << ".\n";
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> TherapistCommands() {
  return {
      {"therapist add",
       {},
       "add a therapist; prints the new id last",
       "Working hours default to \"mon-fri 09:00-17:00\" in clinic time.",
       {Required(kName), Required(kModalities), kPrice, kHours, kBuffer},
       {"clinicctl therapist add --name \"Maya Okafor\" --modalities "
        "deep_tissue,sports --price deep_tissue=9000",
        "TH=$(clinicctl therapist add --name \"Sam Lindqvist\" --modalities "
        "active_release --hours \"mon-fri 09:00-17:00; sat 09:00-13:00\" "
        "--buffer 15 | tail -1)"},
       Add},
      {"therapist list",
       {},
       "list therapists",
       "",
       {{"modality", "MODALITY", "only those offering it"}},
       {"clinicctl therapist list", "clinicctl therapist list --modality art"},
       List},
      {"therapist show",
       {"ID"},
       "show a therapist with their time off",
       "",
       {},
       {"clinicctl therapist show th_1"},
       Show},
      {"therapist update",
       {"ID"},
       "change a therapist's name, modalities, prices, hours or buffer",
       "Only the flags given change. --price changes the named modalities' "
       "prices and keeps the others.",
       {kName, kModalities, kPrice, kHours, kBuffer},
       {"clinicctl therapist update th_1 --hours \"tue-sat 10:00-18:00\"",
        "clinicctl therapist update th_1 --price sports=7500"},
       Update},
      {"therapist timeoff",
       {"ID"},
       "block time off (holiday, course); prints the time-off id last",
       "Bookings already inside the time off stay; list them with "
       "'clinicctl bookings --therapist ID'.",
       {{"from", "WHEN", "first instant off, e.g. \"2026-12-24 09:00\"", true},
        {"to", "WHEN", "back at, e.g. \"2026-12-28 09:00\"", true},
        {"reason", "TEXT", "shown to staff, e.g. \"holiday\""}},
       {"clinicctl therapist timeoff th_1 --from \"2026-12-24 09:00\" --to "
        "\"2026-12-28 09:00\" --reason holiday"},
       TimeOff},
      {"therapist timeoff-delete",
       {"ID", "TIMEOFF_ID"},
       "remove time off",
       "",
       {},
       {"clinicctl therapist timeoff-delete th_1 off_3"},
       TimeOffDelete},
  };
}

int PrintCreated(Session& s, const google::protobuf::Message& created,
                 const std::string& done, const std::string& id) {
  if (s.json()) return s.PrintJson(created);
  s.out() << done << "\n" << id << "\n";
  return kExitOk;
}

}  // namespace clinic::cli
