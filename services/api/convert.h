// Conversions between clinic.v1 messages and domain types. Every *FromProto
// validates as it converts: a bad field is INVALID_ARGUMENT naming it by its
// path in the request (e.g. "session.start_time"), with a
// google.rpc.BadRequest detail.
#ifndef CLINIC_SERVICES_API_CONVERT_H_
#define CLINIC_SERVICES_API_CONVERT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/v1/athletes.pb.h"
#include "clinic/v1/bookings.pb.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/therapists.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/core/availability.h"
#include "services/core/ids.h"
#include "services/core/rule_table.h"
#include "services/core/rules.h"
#include "services/core/types.h"
#include "services/storage/store.h"

namespace clinic::api {

// Length limits, in Unicode code points.
inline constexpr int kMaxNameLength = 100;
inline constexpr int kMaxEmailLength = 254;
inline constexpr int kMaxNoteLength = 2000;
inline constexpr int kMaxRequestIdLength = 128;
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;
// Working-hours spans a therapist may have on one weekday.
inline constexpr int kMaxSpansPerDay = 4;

// --- Scalars --------------------------------------------------------------

absl::StatusOr<core::Id> IdFromProto(core::IdKind kind, absl::string_view id,
                                     absl::string_view field);
// A timestamp inside google.protobuf.Timestamp's valid range.
absl::StatusOr<absl::Time> TimeFromProto(const google::protobuf::Timestamp& t,
                                         absl::string_view field);
// A TimeFromProto on a whole minute from 2000-01-01T00:00:00Z to
// 2100-01-01T00:00:00Z: sessions, events and time off start and end on the
// minute, so every instant the store keeps and the cache encodes is exact,
// and within this century, so that the end computed from a start and a
// length is a valid Timestamp too. INVALID_ARGUMENT naming the field
// otherwise.
absl::StatusOr<absl::Time> MinuteFromProto(const google::protobuf::Timestamp& t,
                                           absl::string_view field);
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
// The [from, to) of a request's optional start_time and end_time (null when
// unset): *from and *to hold the defaults on entry. INVALID_ARGUMENT naming
// the field when a bound is out of range or end_time is not after
// start_time.
absl::Status TimeRangeFromProto(const google::protobuf::Timestamp* start,
                                const google::protobuf::Timestamp* end,
                                absl::Time* from, absl::Time* to);
// A well-formed duration in [min, max].
absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& d, absl::string_view field,
    absl::Duration min, absl::Duration max);
// A DurationFromProto of whole minutes.
absl::StatusOr<absl::Duration> MinutesFromProto(
    const google::protobuf::Duration& d, absl::string_view field,
    absl::Duration min, absl::Duration max);
void ToProto(absl::Duration d, google::protobuf::Duration* out);
absl::StatusOr<core::Modality> ModalityFromProto(int m,
                                                 absl::string_view field);
v1::Modality ToProto(core::Modality m);
v1::EventKind ToProto(core::EventKind k);

// OK when `text` is valid UTF-8 without control characters, at most
// `max_chars` code points, and, when `required`, not blank (core::IsBlank:
// white space and invisible characters alone are blank).
absl::Status CheckText(absl::string_view text, absl::string_view field,
                       int max_chars, bool required);
// A display name (of a therapist, athlete, user or event): a required
// CheckText of at most kMaxNameLength code points without bidirectional
// embedding, override or isolate controls (core::HasBidiControl), which
// would make the name show as other text. LRM and RLM are allowed.
absl::Status CheckName(absl::string_view text, absl::string_view field);

// page_size: 0 means the default, larger than the cap means the cap.
absl::StatusOr<int> PageSizeFromProto(int32_t page_size);
// The store's page for an id-ordered list: one row more than the page, so
// that the extra row tells whether another page follows (see TrimPage).
absl::StatusOr<storage::PageRequest> IdPageFromProto(
    int32_t page_size, absl::string_view page_token);
// Drops the extra row of a list fetched with `fetched` = page size + 1;
// true when there was one, i.e. another page follows.
template <typename T>
bool TrimPage(std::vector<T>& rows, int fetched) {
  if (static_cast<int>(rows.size()) < fetched) return false;
  rows.resize(fetched - 1);
  return true;
}
// A list page's byte budget: a page stops early once the items in it reach
// this many bytes, and says so with a next_page_token, so that a page of
// large items (therapists with much time off, bookings with long reasons)
// stays far below the default 4 MiB --max_message_bytes. A page holds at
// least one item, whatever its size.
inline constexpr size_t kMaxPageBytes = size_t{1} << 20;
// Adds `rows` to a page in order with `add` (which appends a row's message
// to the response and returns it) until the page holds kMaxPageBytes; drops
// the rows it left out and returns true when there were any, i.e. another
// page follows from the last row added.
template <typename T, typename Add>
bool FillPage(std::vector<T>& rows, Add add) {
  size_t bytes = 0;
  size_t n = 0;
  while (n < rows.size() && bytes < kMaxPageBytes) {
    bytes += add(rows[n])->ByteSizeLong();
    ++n;
  }
  const bool cut = n < rows.size();
  rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(n), rows.end());
  return cut;
}
std::string IdPageToken(core::Id last_id);
absl::StatusOr<core::Id> IdFromPageToken(absl::string_view token);
std::string BookingPageToken(const core::Booking& last);
// Slot lists are ordered by (start, therapist, modality).
std::string SlotPageToken(const core::Slot& last);
// The slot after which a page starts; nullopt for an empty token.
absl::StatusOr<std::optional<core::Slot>> SlotFromPageToken(
    absl::string_view token);
absl::StatusOr<storage::BookingCursor> BookingCursorFromPageToken(
    absl::string_view token);

// --- Resources ------------------------------------------------------------

void ToProto(const core::Therapist& t, v1::Therapist* out);
void ToProto(const core::TimeOff& t, v1::TimeOff* out);
void ToProto(const core::Athlete& a, const std::vector<core::Injury>& injuries,
             v1::Athlete* out);
void ToProto(const core::Event& e, v1::Event* out);
void ToProto(const core::Injury& i, v1::Injury* out);
void ToProto(const core::Booking& b, v1::Booking* out);
void ToProto(const core::Finding& f, v1::Finding* out);
void ToProto(const core::RuleTable& rules, v1::RuleSet* out);
void ToProto(const core::Slot& s, v1::Slot* out);

// The rule table: `base` with every field that `in` sets replaced.
// INVALID_ARGUMENT naming the field when the result is not a valid table.
absl::StatusOr<core::RuleTable> RulesFromProto(const v1::RuleSet& in,
                                               core::RuleTable base);

// The therapist fields an update mask may name.
inline constexpr const char* kTherapistFields[] = {
    "display_name", "modalities", "prices", "working_hours", "turnover_buffer"};

// The fields an UpdateTherapist changes (AIP-134): those `mask` names;
// every field for "*"; with an empty mask, the fields `in` sets (a
// non-empty name or list, a present turnover_buffer), so that an update
// never blanks what it leaves out.
std::vector<std::string> TherapistUpdatePaths(
    const google::protobuf::FieldMask& mask, const v1::Therapist& in);

// Validates the fields of `in` that `paths` name and copies them into
// `out`; a named turnover_buffer that `in` leaves unset becomes
// `default_turnover`. Field names in errors are prefixed with "therapist.";
// working hours have at most kMaxSpansPerDay spans a weekday; an unknown
// path is INVALID_ARGUMENT naming update_mask and quoting an Excerpt of it.
absl::Status ApplyTherapistFields(const v1::Therapist& in,
                                  const std::vector<std::string>& paths,
                                  absl::Duration default_turnover,
                                  core::Therapist* out);
// Cross-field checks: prices only for offered modalities.
absl::Status CheckTherapist(const core::Therapist& t);

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_CONVERT_H_
