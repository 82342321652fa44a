// How clinicctl reads and writes the values staff type: times, dates,
// modalities, working hours and prices. Pure functions; every error is
// INVALID_ARGUMENT with a sentence that shows the accepted form.
#ifndef CLINIC_CLIENTS_CLINICCTL_PARSE_H_
#define CLINIC_CLIENTS_CLINICCTL_PARSE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/therapists.pb.h"

namespace clinic::cli {

// WHEN: the clinic's local time "YYYY-MM-DD HH:MM" (a 'T' may replace the
// space), or RFC 3339 with an offset or 'Z' ("2026-12-04T16:00:00-05:00").
// A local time that a DST change skips is an error naming the zone; one it
// repeats is its first occurrence.
absl::StatusOr<absl::Time> ParseWhen(absl::string_view text,
                                     const absl::TimeZone& zone);
// DATE: "YYYY-MM-DD".
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// "deep_tissue", "active_release" (or "art"), "sports"; case does not
// matter and '-' stands for '_'.
absl::StatusOr<v1::Modality> ParseModality(absl::string_view text);
// A comma-separated list of modalities, at least one, no repeats.
absl::StatusOr<std::vector<v1::Modality>> ParseModalities(
    absl::string_view text);
// The flag spelling of `m`: "deep_tissue", "active_release", "sports".
std::string ModalityFlagName(v1::Modality m);

// Weekly hours: "mon-fri 09:00-17:00; sat 09:00-13:00". Each part is days
// (a day, a range "mon-fri" or a list "mon,wed,fri"; 3-letter English names,
// any case) and one span "HH:MM-HH:MM" with start < end, end at most 24:00.
// A day may have several spans (a lunch break) that do not overlap.
absl::StatusOr<std::vector<v1::WorkingHours>> ParseHours(
    absl::string_view text);
// The inverse, consecutive days with equal spans grouped: "mon-fri
// 09:00-12:00; mon-fri 13:00-17:00; sat 09:00-13:00". Empty hours give "".
std::string FormatHours(
    const google::protobuf::RepeatedPtrField<v1::WorkingHours>& hours);

// Prices in cents: "deep_tissue=9000,sports=7000". No modality twice, each
// price in [0, 10^9].
absl::StatusOr<std::vector<v1::ModalityPrice>> ParsePrices(
    absl::string_view text);
// 9000 -> "90.00".
std::string FormatCents(int64_t cents);

// A whole number of minutes in [min, max]; `flag` names it in the error
// ("--duration: ...").
absl::StatusOr<int> ParseMinutes(absl::string_view text, absl::string_view flag,
                                 int min, int max);

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_PARSE_H_
