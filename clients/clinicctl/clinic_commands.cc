// clinicctl clinic ...
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/parse.h"
#include "clients/clinicctl/table.h"
#include "google/protobuf/text_format.h"

namespace clinic::cli {
namespace {

const FlagSpec kName{"name", "NAME", "display name, e.g. \"London Bridge\""};
const FlagSpec kZone{"zone", "ZONE",
                     "IANA time zone of its hours and times, e.g. "
                     "Europe/London"};
const FlagSpec kRules{"rules", "FILE",
                      "a clinic.v1.RuleSet in protobuf text format; fields "
                      "not in it keep their value (RULES.md's on add)"};

// Fills the fields of *c that `args` sets and names them in *mask; a usage
// error's exit code otherwise.
std::optional<int> ReadClinic(Session& s, const Args& args, v1::Clinic* c,
                              google::protobuf::FieldMask* mask) {
  if (args.Has("name")) {
    c->set_display_name(args.Get("name"));
    mask->add_paths("display_name");
  }
  if (args.Has("zone")) {
    c->set_time_zone(args.Get("zone"));
    mask->add_paths("time_zone");
  }
  if (args.Has("rules")) {
    std::ifstream in(args.Get("rules"));
    if (!in) {
      return s.UsageError(absl::InvalidArgumentError(
          absl::StrCat("--rules: cannot read \"", args.Get("rules"), "\"")));
    }
    std::stringstream text;
    text << in.rdbuf();
    if (!google::protobuf::TextFormat::ParseFromString(text.str(),
                                                       c->mutable_rules())) {
      return s.UsageError(absl::InvalidArgumentError(
          absl::StrCat("--rules: \"", args.Get("rules"),
                       "\" is not a clinic.v1.RuleSet in text format")));
    }
    mask->add_paths("rules");
  }
  return std::nullopt;
}

int PrintClinic(Session& s, const v1::Clinic& c) {
  if (s.json()) return s.PrintJson(c);
  s.InClinic(c.id());
  s.out() << "ID:       " << c.id() << "\n"
          << "Name:     " << c.display_name() << "\n"
          << "Since:    " << s.Format(c.create_time()) << "\n\n";
  return PrintRules(s, c.rules());
}

grpc::Status Get(Session& s, const std::string& id, v1::Clinic* c) {
  v1::GetClinicRequest request;
  request.set_id(id);
  return s.clinics().GetClinic(s.Context().get(), request, c);
}

int Add(Session& s, const Args& args) {
  v1::CreateClinicRequest request;
  google::protobuf::FieldMask mask;
  if (auto rc = ReadClinic(s, args, request.mutable_clinic(), &mask)) {
    return *rc;
  }
  v1::Clinic created;
  if (auto status =
          s.clinics().CreateClinic(s.Context().get(), request, &created);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintCreated(s, created,
                      absl::StrCat("Added clinic ", created.display_name(),
                                   " (", created.time_zone(), ")."),
                      created.id());
}

int List(Session& s, const Args&) {
  v1::ListClinicsRequest request;
  v1::ListClinicsResponse all;
  grpc::Status status = FetchAll<v1::ListClinicsResponse>(
      [&](const std::string& token, v1::ListClinicsResponse* page) {
        request.set_page_token(token);
        request.set_page_size(500);
        return s.clinics().ListClinics(s.Context().get(), request, page);
      },
      &all);
  if (!status.ok()) return s.Fail(status);
  if (s.json()) return s.PrintJson(all);
  Table table({"ID", "NAME", "TIME ZONE"});
  for (const v1::Clinic& c : all.clinics()) {
    table.AddRow({c.id(), c.display_name(), c.time_zone()});
  }
  s.out() << table.Render();
  return kExitOk;
}

int Show(Session& s, const Args& args) {
  v1::Clinic c;
  if (auto status = Get(s, args.positional()[0], &c); !status.ok()) {
    return s.Fail(status);
  }
  return PrintClinic(s, c);
}

int Rules(Session& s, const Args& args) {
  v1::Clinic c;
  if (auto status = Get(s, args.positional()[0], &c); !status.ok()) {
    return s.Fail(status);
  }
  return PrintRules(s, c.rules());
}

int Update(Session& s, const Args& args) {
  v1::UpdateClinicRequest request;
  request.mutable_clinic()->set_id(args.positional()[0]);
  if (auto rc = ReadClinic(s, args, request.mutable_clinic(),
                           request.mutable_update_mask())) {
    return *rc;
  }
  if (request.update_mask().paths().empty()) {
    return s.UsageError(absl::InvalidArgumentError(
        "nothing to change: give --name, --zone or --rules"));
  }
  v1::Clinic updated;
  if (auto status =
          s.clinics().UpdateClinic(s.Context().get(), request, &updated);
      !status.ok()) {
    return s.Fail(status);
  }
  return PrintClinic(s, updated);
}

}  // namespace

std::vector<CommandSpec> ClinicCommands() {
  return {
      {"clinic add",
       {},
       "add a clinic (ADMIN); prints the new id last",
       "A new clinic starts with the rules of RULES.md, and --rules changes "
       "some of them.",
       {Required(kName), Required(kZone), kRules},
       {"clinicctl clinic add --name \"London Bridge\" --zone Europe/London",
        "CL=$(clinicctl clinic add --name Boston --zone America/New_York "
        "--rules boston.textproto | tail -1)"},
       Add},
      {"clinic list",
       {},
       "list clinics with their time zones",
       "",
       {},
       {"clinicctl clinic list"},
       List},
      {"clinic show",
       {"ID"},
       "show a clinic and its rules",
       "",
       {},
       {"clinicctl clinic show cl_2"},
       Show},
      {"clinic update",
       {"ID"},
       "rename a clinic, change its zone or its rules (ADMIN)",
       "New rules apply to the next booking, on every replica. A new zone is "
       "refused while the clinic has sessions not yet ended: they would move "
       "in local time.",
       {kName, kZone, kRules},
       {"clinicctl clinic update cl_2 --rules london.textproto",
        "clinicctl clinic update cl_2 --name \"London Bridge\""},
       Update},
      {"clinic rules",
       {"ID"},
       "show the recovery rules a clinic books by",
       "",
       {},
       {"clinicctl clinic rules cl_2"},
       Rules},
  };
}

}  // namespace clinic::cli
