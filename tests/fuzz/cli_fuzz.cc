// Fuzzes clinicctl's reading of what staff type: the value parsers of
// clients/clinicctl/parse.h and the command line of command.h.
//
// Input: plain text. Every parser reads all of it; CommandLine::Parse reads
// it split on '\0' as argv[1..], against the real command table. Results
// are checked against parse.h's contracts and round trips; a broken one
// abort()s (see invariant.h).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/clinicctl/command.h"
#include "clients/clinicctl/commands.h"
#include "clients/clinicctl/parse.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/therapists.pb.h"
#include "google/protobuf/repeated_field.h"
#include "tests/fuzz/invariant.h"

namespace clinic::cli {
namespace {

// Zones with DST on both hemispheres, loaded once.
const std::vector<absl::TimeZone>& Zones() {
  static const auto* zones = [] {
    auto* z = new std::vector<absl::TimeZone>;
    for (const char* name : {"America/New_York", "Australia/Sydney"}) {
      absl::TimeZone zone;
      FUZZ_CHECK(absl::LoadTimeZone(name, &zone));
      z->push_back(zone);
    }
    return z;
  }();
  return *zones;
}

const CommandLine& Line() {
  static const auto* line = [] {
    std::vector<CommandSpec> all;
    for (auto group :
         {TherapistCommands, AthleteCommands, BookingCommands, UserCommands}) {
      for (CommandSpec& c : group()) all.push_back(std::move(c));
    }
    return new CommandLine(std::move(all));
  }();
  return *line;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// parse.h's errors are INVALID_ARGUMENT sentences.
void CheckError(const absl::Status& status) {
  FUZZ_CHECK(!status.ok());
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(!status.message().empty());
}

// `s` as "YYYY-MM-DD HH:MM" (a 'T' or 't' for the space) when it has that
// shape, fields unchecked.
bool LocalForm(absl::string_view s, int* y, int* mo, int* d, int* h, int* mi) {
  if (s.size() != 16) return false;
  for (const int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}) {
    if (!IsDigit(s[i])) return false;
  }
  if (s[4] != '-' || s[7] != '-' || s[13] != ':' ||
      (s[10] != ' ' && s[10] != 'T' && s[10] != 't')) {
    return false;
  }
  auto num = [&](int at, int n) {
    int v = 0;
    for (int i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  *y = num(0, 4);
  *mo = num(5, 2);
  *d = num(8, 2);
  *h = num(11, 2);
  *mi = num(14, 2);
  return true;
}

void CheckWhen(absl::string_view text, const absl::TimeZone& zone) {
  const absl::StatusOr<absl::Time> when = ParseWhen(text, zone);
  if (!when.ok()) {
    CheckError(when.status());
    return;
  }
  // A time is spelled in ASCII, and a NUL ends no time.
  for (const char c : text) {
    FUZZ_CHECK(c != '\0' && static_cast<unsigned char>(c) < 0x80);
  }
  FUZZ_CHECK(*when != absl::InfinitePast() && *when != absl::InfiniteFuture());
  const absl::string_view s = absl::StripAsciiWhitespace(text);
  int y, mo, d, h, mi;
  if (LocalForm(s, &y, &mo, &d, &h, &mi)) {
    // Clinic time: that wall-clock minute in `zone`, its first occurrence
    // when the clocks repeat it.
    const absl::CivilMinute civil(y, mo, d, h, mi);
    FUZZ_CHECK(civil.year() == y && civil.month() == mo && civil.day() == d &&
               civil.hour() == h && civil.minute() == mi);
    const absl::TimeZone::CivilInfo back = zone.At(*when);
    FUZZ_CHECK(back.cs == absl::CivilSecond(civil));
    FUZZ_CHECK(back.subsecond == absl::ZeroDuration());
    const absl::TimeZone::TimeInfo info = zone.At(civil);
    FUZZ_CHECK(info.kind != absl::TimeZone::TimeInfo::SKIPPED);
    FUZZ_CHECK(*when == info.pre);
    // Printed back as clinicctl prints times, it reads as the same instant.
    const std::string local =
        absl::StrFormat("%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
    if (y >= 1000) {
      FUZZ_CHECK(absl::FormatTime("%Y-%m-%d %H:%M", *when, zone) == local);
    }
    const absl::StatusOr<absl::Time> again = ParseWhen(local, zone);
    FUZZ_CHECK(again.ok() && *again == *when);
    return;
  }
  // RFC 3339 with an offset: the same instant in every zone, and again
  // when printed in UTC (years that print in 4 digits).
  for (const absl::TimeZone& other : Zones()) {
    const absl::StatusOr<absl::Time> there = ParseWhen(text, other);
    FUZZ_CHECK(there.ok() && *there == *when);
  }
  const int year = absl::ToCivilYear(*when, absl::UTCTimeZone()).year();
  if (year >= 1000 && year <= 9999) {
    const std::string utc =
        absl::FormatTime(absl::RFC3339_full, *when, absl::UTCTimeZone());
    const absl::StatusOr<absl::Time> again = ParseWhen(utc, zone);
    FUZZ_CHECK(again.ok() && *again == *when);
  }
}

void CheckDate(absl::string_view text) {
  const absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) {
    CheckError(day.status());
    return;
  }
  FUZZ_CHECK(
      absl::StripAsciiWhitespace(text) ==
      absl::StrFormat("%04d-%02d-%02d", day->year(), day->month(), day->day()));
}

// The spelling ParseModality reads: trimmed, lower case, '_' for '-'.
std::string Normalized(absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (char& c : s) {
    if (c == '-') c = '_';
  }
  return s;
}

bool IsModality(v1::Modality m) {
  return m == v1::DEEP_TISSUE || m == v1::ACTIVE_RELEASE || m == v1::SPORTS;
}

void CheckModalities(absl::string_view text) {
  const absl::StatusOr<v1::Modality> one = ParseModality(text);
  if (one.ok()) {
    FUZZ_CHECK(IsModality(*one));
    const std::string name = Normalized(text);
    FUZZ_CHECK(name == ModalityFlagName(*one) ||
               (name == "art" && *one == v1::ACTIVE_RELEASE));
    const absl::StatusOr<v1::Modality> again =
        ParseModality(ModalityFlagName(*one));
    FUZZ_CHECK(again.ok() && *again == *one);
  } else {
    CheckError(one.status());
  }

  const absl::StatusOr<std::vector<v1::Modality>> list = ParseModalities(text);
  if (!list.ok()) {
    CheckError(list.status());
    return;
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  FUZZ_CHECK(list->size() == parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    const absl::StatusOr<v1::Modality> m = ParseModality(parts[i]);
    FUZZ_CHECK(m.ok() && *m == (*list)[i]);
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK((*list)[j] != (*list)[i]);
  }
}

int Minutes(const v1::TimeOfDay& t) { return t.hours() * 60 + t.minutes(); }

void CheckHours(absl::string_view text) {
  const absl::StatusOr<std::vector<v1::WorkingHours>> hours = ParseHours(text);
  if (!hours.ok()) {
    CheckError(hours.status());
    return;
  }
  for (size_t i = 0; i < hours->size(); ++i) {
    const v1::WorkingHours& h = (*hours)[i];
    FUZZ_CHECK(h.day() >= v1::MONDAY && h.day() <= v1::SUNDAY);
    for (const v1::TimeOfDay* t : {&h.start(), &h.end()}) {
      FUZZ_CHECK(t->hours() >= 0 && t->hours() <= 24 && t->minutes() >= 0 &&
                 t->minutes() <= 59);
    }
    FUZZ_CHECK(0 <= Minutes(h.start()) &&
               Minutes(h.start()) < Minutes(h.end()) &&
               Minutes(h.end()) <= 24 * 60);
    if (i > 0) {
      // Sorted by (day, start); spans of a day do not overlap.
      const v1::WorkingHours& prev = (*hours)[i - 1];
      FUZZ_CHECK(prev.day() <= h.day());
      FUZZ_CHECK(prev.day() != h.day() ||
                 Minutes(prev.end()) <= Minutes(h.start()));
    }
  }
  // FormatHours is the inverse: its text reads as the same hours, and
  // prints the same again.
  const google::protobuf::RepeatedPtrField<v1::WorkingHours> field(
      hours->begin(), hours->end());
  const std::string formatted = FormatHours(field);
  FUZZ_CHECK(formatted.empty() == hours->empty());
  const absl::StatusOr<std::vector<v1::WorkingHours>> again =
      ParseHours(formatted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->size() == hours->size());
  for (size_t i = 0; i < hours->size(); ++i) {
    const v1::WorkingHours& a = (*hours)[i];
    const v1::WorkingHours& b = (*again)[i];
    FUZZ_CHECK(a.day() == b.day() && Minutes(a.start()) == Minutes(b.start()) &&
               Minutes(a.end()) == Minutes(b.end()));
  }
  FUZZ_CHECK(FormatHours(google::protobuf::RepeatedPtrField<v1::WorkingHours>(
                 again->begin(), again->end())) == formatted);
}

void CheckPrices(absl::string_view text) {
  const absl::StatusOr<std::vector<v1::ModalityPrice>> prices =
      ParsePrices(text);
  if (!prices.ok()) {
    CheckError(prices.status());
    return;
  }
  const std::vector<absl::string_view> items = absl::StrSplit(text, ',');
  FUZZ_CHECK(prices->size() == items.size());
  std::vector<std::string> canonical;
  for (size_t i = 0; i < prices->size(); ++i) {
    const v1::ModalityPrice& p = (*prices)[i];
    FUZZ_CHECK(IsModality(p.modality()));
    FUZZ_CHECK(p.price_cents() >= 0 && p.price_cents() <= 1'000'000'000);
    for (size_t j = 0; j < i; ++j) {
      FUZZ_CHECK((*prices)[j].modality() != p.modality());
    }
    FUZZ_CHECK(!FormatCents(p.price_cents()).empty());
    canonical.push_back(
        absl::StrCat(ModalityFlagName(p.modality()), "=", p.price_cents()));
  }
  const absl::StatusOr<std::vector<v1::ModalityPrice>> again =
      ParsePrices(absl::StrJoin(canonical, ","));
  FUZZ_CHECK(again.ok() && again->size() == prices->size());
  for (size_t i = 0; i < prices->size(); ++i) {
    FUZZ_CHECK((*again)[i].modality() == (*prices)[i].modality() &&
               (*again)[i].price_cents() == (*prices)[i].price_cents());
  }
}

void CheckMinutes(absl::string_view text, int min, int max) {
  const absl::StatusOr<int> minutes =
      ParseMinutes(text, "--duration", min, max);
  if (!minutes.ok()) {
    CheckError(minutes.status());
    FUZZ_CHECK(absl::StartsWith(minutes.status().message(), "--duration: "));
    return;
  }
  FUZZ_CHECK(*minutes >= min && *minutes <= max);
  // The digits, leading zeros aside, are the number.
  absl::string_view digits = absl::StripAsciiWhitespace(text);
  for (const char c : digits) FUZZ_CHECK(IsDigit(c));
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  FUZZ_CHECK(digits == absl::StrCat(*minutes));
}

void CheckCommandLine(absl::string_view text) {
  const std::vector<std::string> argv =
      absl::StrSplit(text, absl::ByChar('\0'));
  auto env = [](const char* name) {
    return std::string(absl::string_view(name) == "CLINIC_TOKEN" ? "s3cret"
                                                                 : "");
  };
  const CommandLine& line = Line();
  const Invocation inv = line.Parse(argv, env);
  // Parsing is a function of argv and the environment.
  const Invocation again = line.Parse(argv, env);
  FUZZ_CHECK(again.kind == inv.kind && again.command == inv.command &&
             again.error == inv.error && again.group == inv.group);
  FUZZ_CHECK(inv.options.timeout_seconds > 0 &&
             inv.options.timeout_seconds <= 3600);
  switch (inv.kind) {
    case Invocation::kRun: {
      FUZZ_CHECK(inv.command != nullptr);
      FUZZ_CHECK(inv.error.empty());
      FUZZ_CHECK(inv.args.positional().size() ==
                 inv.command->positional.size());
      for (const FlagSpec& f : inv.command->flags) {
        FUZZ_CHECK(!f.required || inv.args.Has(f.name));
        // A switch that is present is on.
        if (f.value.empty() && inv.args.Has(f.name)) {
          FUZZ_CHECK(inv.args.Get(f.name) == "true");
        }
      }
      break;
    }
    case Invocation::kHelp: {
      FUZZ_CHECK(inv.error.empty());
      const std::string help = inv.command != nullptr ? line.Help(*inv.command)
                               : inv.group.empty()    ? line.Overview()
                                                   : line.GroupHelp(inv.group);
      FUZZ_CHECK(!help.empty() && help.back() == '\n');
      break;
    }
    case Invocation::kUsageError: {
      FUZZ_CHECK(!inv.error.empty());
      if (inv.command != nullptr) {
        FUZZ_CHECK(absl::StartsWith(CommandLine::Usage(*inv.command),
                                    "clinicctl " + inv.command->path));
      }
      if (!inv.group.empty()) FUZZ_CHECK(!line.GroupHelp(inv.group).empty());
      break;
    }
  }
}

}  // namespace
}  // namespace clinic::cli

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  clinic::cli::Zones();
  clinic::cli::Line();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cli = clinic::cli;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (const absl::TimeZone& zone : cli::Zones()) cli::CheckWhen(text, zone);
  cli::CheckDate(text);
  cli::CheckModalities(text);
  cli::CheckHours(text);
  cli::CheckPrices(text);
  cli::CheckMinutes(text, 15, 8 * 60);
  cli::CheckMinutes(text, 0, std::numeric_limits<int>::max());
  cli::CheckCommandLine(text);
  return 0;
}
