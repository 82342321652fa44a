#include "services/clinicd/demo.h"

#include "absl/strings/str_cat.h"
#include "services/api/rules_text.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/core/time_format.h"

namespace clinic {
namespace {

using core::Modality;

core::Therapist DemoTherapist(std::string name, std::vector<Modality> offers,
                              int first_day, int last_day, int from_hour,
                              int to_hour) {
  core::Therapist t;
  t.name = std::move(name);
  t.modalities = std::move(offers);
  for (Modality m : t.modalities) {
    t.prices.push_back({m, m == Modality::kActiveRelease ? 9500 : 8500});
  }
  for (int d = first_day; d <= last_day; ++d) {
    t.hours.push_back(
        {static_cast<absl::Weekday>(d), from_hour * 60, to_hour * 60});
  }
  return t;
}

// The command line that reaches clinicd at `address` from the repository.
std::string Clinicctl(const std::string& address) {
  return address == "127.0.0.1:50051"
             ? "build/bin/clinicctl"
             : absl::StrCat("build/bin/clinicctl --server ", address);
}

}  // namespace

absl::StatusOr<std::string> SeedDemo(Clinic& clinic, core::Id clinic_id,
                                     const std::string& address) {
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::Therapist> existing,
                          clinic.ListTherapists(std::nullopt, 0, {1, 0}));
  if (!existing.empty()) {
    return absl::StrCat("the store already has a clinic; try '",
                        Clinicctl(address), " therapist list' or '",
                        Clinicctl(address), " help'.");
  }

  core::Therapist maya = DemoTherapist(
      "Maya Okafor",
      {Modality::kDeepTissue, Modality::kActiveRelease, Modality::kSports}, 0,
      5, 9, 18);  // Mon-Sat 09:00-18:00
  core::Therapist sam =
      DemoTherapist("Sam Lindqvist", {Modality::kDeepTissue, Modality::kSports},
                    1, 6, 10, 19);  // Tue-Sun 10:00-19:00
  maya.clinic_id = sam.clinic_id = clinic_id;
  CLINIC_ASSIGN_OR_RETURN(maya, clinic.CreateTherapist(std::move(maya)));
  CLINIC_ASSIGN_OR_RETURN(sam, clinic.CreateTherapist(std::move(sam)));
  // A second location, in another zone, where the same athlete books too.
  const core::Actor server;  // the server itself
  CLINIC_ASSIGN_OR_RETURN(
      const core::ClinicInfo london,
      clinic.CreateClinic(
          {0, "London Bridge", "Europe/London",
           api::RuleSetText(core::RuleTable::Defaults()), absl::Time()},
          server));
  core::Therapist ana =
      DemoTherapist("Ana Reyes", {Modality::kDeepTissue, Modality::kSports}, 0,
                    4, 8, 17);  // Mon-Fri 08:00-17:00 London time
  ana.clinic_id = london.id;
  CLINIC_ASSIGN_OR_RETURN(ana, clinic.CreateTherapist(std::move(ana)));
  core::Athlete jordan;
  jordan.name = "Jordan Rivera";
  jordan.email = "jordan@example.com";
  CLINIC_ASSIGN_OR_RETURN(jordan, clinic.CreateAthlete(jordan));

  // The race: 07:00 on the first Sunday at least five days ahead.
  CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                          clinic.LocalOf(clinic_id));
  const absl::TimeZone zone = local->zone;
  absl::CivilDay day =
      absl::ToCivilDay(clinic.Now() + absl::Hours(5 * 24), zone);
  while (absl::GetWeekday(day) != absl::Weekday::sunday) ++day;
  core::Event race;
  race.athlete_id = jordan.id;
  race.kind = core::EventKind::kRace;
  race.name = "Harbor Half Marathon";
  race.start = absl::FromCivil(absl::CivilHour(day) + 7, zone);
  race.end = race.start + core::RuleTable::Defaults().default_race_duration;
  CLINIC_RETURN_IF_ERROR(clinic.AddEvent(race).status());

  // What to try: the Friday before the race is too close for deep tissue.
  const absl::Time friday =
      absl::FromCivil(absl::CivilHour(day - 2) + 16, zone);
  // The clinicctl line that checks deep tissue for Jordan with `therapist`
  // at `when` (local time of the therapist's clinic).
  auto check = [&](const core::Therapist& therapist, const std::string& when) {
    return absl::StrCat(Clinicctl(address), " check --athlete ",
                        core::FormatId(core::IdKind::kAthlete, jordan.id),
                        " --therapist ",
                        core::FormatId(core::IdKind::kTherapist, therapist.id),
                        " --modality deep_tissue --at \"", when, "\"");
  };
  return absl::StrCat(
      "demo clinics: ", core::FormatId(core::IdKind::kClinic, clinic_id), " (",
      local->info.name, ", ", local->info.time_zone, ") and ",
      core::FormatId(core::IdKind::kClinic, london.id), " (", london.name, ", ",
      london.time_zone, ", therapist ",
      core::FormatId(core::IdKind::kTherapist, ana.id), " ", ana.name,
      ");\ntherapists ", core::FormatId(core::IdKind::kTherapist, maya.id),
      " (", maya.name, ") and ",
      core::FormatId(core::IdKind::kTherapist, sam.id), " (", sam.name,
      "); athlete ", core::FormatId(core::IdKind::kAthlete, jordan.id), " (",
      jordan.name, ") races \"", race.name, "\" ",
      core::FormatInstant(race.start, zone),
      ".\ntry, in another terminal: a deep tissue massage two days before the "
      "race is rejected, naming the race and suggesting slots:\n  ",
      check(maya, absl::FormatTime("%Y-%m-%d %H:%M", friday, zone)),
      "\nthe same athlete's race counts in London too (times there are "
      "London's):\n  ",
      check(ana, absl::FormatTime("%Y-%m-%d 14:00", friday, zone)), "\nthen '",
      Clinicctl(address), " clinic list' and '", Clinicctl(address),
      " help' for everything else.");
}

}  // namespace clinic
