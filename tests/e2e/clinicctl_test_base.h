// A fixture for clinicctl end-to-end tests: a real clinicd (clinic zone
// America/New_York, fresh SQLite file) and helpers that drive it only
// through the real clinicctl binary.
#ifndef CLINIC_TESTS_E2E_CLINICCTL_TEST_BASE_H_
#define CLINIC_TESTS_E2E_CLINICCTL_TEST_BASE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.pb.h"
#include "clinic/v1/bookings.pb.h"
#include "clinic/v1/therapists.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/clinicctl_runner.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {

// Exit codes clinicctl documents.
inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;
inline constexpr int kUsage = 2;
inline constexpr int kRejected = 3;

// Parses `text` as exactly one protobuf JSON document of type M (unknown
// fields are errors).
template <typename M>
::testing::AssertionResult ParseJson(const std::string& text, M* message) {
  const auto status = google::protobuf::util::JsonStringToMessage(
      text, message, google::protobuf::util::JsonParseOptions());
  if (!status.ok()) {
    return ::testing::AssertionFailure()
           << "not a " << M::descriptor()->full_name()
           << " JSON document: " << status.ToString() << "\n"
           << text;
  }
  const size_t first = text.find_first_not_of(" \n");
  const size_t last = text.find_last_not_of(" \n");
  if (first == std::string::npos || text[first] != '{' || text[last] != '}') {
    return ::testing::AssertionFailure() << "not one JSON object:\n" << text;
  }
  return ::testing::AssertionSuccess();
}

// Its AddTherapist, AddAthlete, AddRace and AddInjury hide ClinicdTest's:
// every step of these tests goes through clinicctl.
class ClinicctlTest : public ClinicdTest {
 public:
  // Runs clinicctl with --server set to this test's clinicd.
  CliResult Run(const std::vector<std::string>& args, const EnvVars& env = {}) {
    std::vector<std::string> full = {"--server", server_.address()};
    full.insert(full.end(), args.begin(), args.end());
    return RunClinicctl(full, env);
  }

  // Runs a creating command that must succeed and returns the id it prints
  // alone on its last line.
  std::string Create(const std::vector<std::string>& args) {
    const CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, kOk) << absl::StrJoin(args, " ") << "\n" << r;
    return LastLine(r.out);
  }

  // Works Mon-Sat 09:00-18:00 and offers every modality.
  std::string AddTherapist(const std::string& name = "Maya Okafor") {
    return Create({"therapist", "add", "--name", name, "--modalities",
                   "deep_tissue,active_release,sports", "--hours",
                   "mon-sat 09:00-18:00"});
  }

  std::string AddAthlete(const std::string& name = "Jane Runner") {
    return Create({"athlete", "add", "--name", name});
  }

  // "Broad Street Run", 07:00 on `sunday`, 3 h.
  std::string AddRace(const std::string& athlete, absl::CivilDay sunday) {
    return Create({"athlete", "race", athlete, "--name", "Broad Street Run",
                   "--at", When(sunday, 7), "--duration", "180"});
  }

  std::string AddInjury(const std::string& athlete) {
    return Create({"athlete", "injury", athlete, "--region", "left calf",
                   "--note", "scar tissue after a strain"});
  }

  // The flags of a session for `book` and `check`.
  static std::vector<std::string> SessionArgs(const std::string& command,
                                              const std::string& athlete,
                                              const std::string& therapist,
                                              const std::string& modality,
                                              const std::string& when) {
    return {command,      "--athlete", athlete, "--therapist", therapist,
            "--modality", modality,    "--at",  when};
  }

  // Clinic-local "YYYY-MM-DD HH:MM", what --at takes.
  static std::string When(absl::CivilDay day, int hour, int minute = 0) {
    return absl::StrFormat("%04d-%02d-%02d %02d:%02d", day.year(), day.month(),
                           day.day(), hour, minute);
  }

  static std::string Date(absl::CivilDay day) {
    return absl::FormatCivilTime(day);
  }

  // RFC 3339 with the clinic's offset, e.g. "2026-12-04T16:00:00-05:00".
  std::string Rfc3339(absl::Time t) const {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone_);
  }

  // How clinicctl shows an instant and a span, computed here independently
  // of it: "Sun 6 Dec 2026 07:00 EST", "Fri 4 Dec 2026 16:00-17:00 EST".
  std::string Shown(absl::Time t) const {
    return absl::StrCat(absl::FormatTime("%a ", t, zone_),
                        absl::ToCivilDay(t, zone_).day(),
                        absl::FormatTime(" %b %Y %H:%M %Z", t, zone_));
  }
  std::string Shown(absl::Time start, absl::Time end) const {
    return absl::StrCat(absl::FormatTime("%a ", start, zone_),
                        absl::ToCivilDay(start, zone_).day(),
                        absl::FormatTime(" %b %Y %H:%M-", start, zone_),
                        absl::FormatTime("%H:%M %Z", end, zone_));
  }

  // Every booking (cancelled too, any date) through `bookings --json`.
  v1::ListBookingsResponse AllBookings() {
    const CliResult r = Run({"bookings", "--json", "--cancelled", "--from",
                             Date(absl::ToCivilDay(absl::Now(), zone_) - 1)});
    EXPECT_EQ(r.exit_code, kOk) << r;
    v1::ListBookingsResponse list;
    EXPECT_TRUE(ParseJson(r.out, &list));
    return list;
  }

  // The whole store as clinicctl's JSON: therapists, athletes, bookings.
  std::string Snapshot() {
    std::string all;
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{
             {"therapist", "list", "--json"},
             {"athlete", "list", "--json"},
             {"bookings", "--json", "--cancelled", "--from",
              Date(absl::ToCivilDay(absl::Now(), zone_) - 1)}}) {
      const CliResult r = Run(args);
      EXPECT_EQ(r.exit_code, kOk) << r;
      absl::StrAppend(&all, r.out);
    }
    return all;
  }
};

// Lines of `text` without the final empty one.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_E2E_CLINICCTL_TEST_BASE_H_
