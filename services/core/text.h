// Checking text from outside: UTF-8 validity and length in code points,
// what a name or an email address must hold, and how errors quote it.
#ifndef CLINIC_SERVICES_CORE_TEXT_H_
#define CLINIC_SERVICES_CORE_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace clinic::core {

// The number of code points in `s`; nullopt when `s` is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included) or, unless
// `allow_control`, holds a control character (C0, DEL or C1).
std::optional<int> CodePoints(absl::string_view s, bool allow_control);

// True when `s` shows nothing: it is empty or holds only white space
// (U+0020, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000, and the C0/C1 spaces) and invisible format characters
// (zero-width spaces and joiners, direction marks and controls, U+FEFF,
// soft hyphens, variation selectors, Hangul fillers, tags). `s` must be
// valid UTF-8 (see CodePoints); invalid bytes count as visible.
bool IsBlank(absl::string_view s);

// True when valid UTF-8 `s` holds a bidirectional embedding, override or
// isolate control (U+202A-U+202E, U+2066-U+2069), which reorder the text
// shown after them ("\u202Egnp.exe" shows as "exe.png"). The marks
// U+200E (LRM) and U+200F (RLM) are not controls of this kind and do not
// count: right-to-left names need them.
bool HasBidiControl(absl::string_view s);

// A deliberately simple email check: exactly one '@', a non-empty local
// part, a domain with a '.' that neither starts nor ends it, and no white
// space or invisible character anywhere (those of IsBlank). False for text
// that is not valid UTF-8. It does not try to be RFC 5322: quoted local
// parts and IP literals are refused, and a domain is not looked up.
bool IsEmailAddress(absl::string_view s);

// The longest quote of client input an error message holds, escaped, in
// bytes (before any "...").
inline constexpr size_t kMaxExcerptBytes = 40;

// How an error message quotes input it did not accept: the longest prefix
// of `s` whose C escape (absl::CHexEscape: quotes and backslashes escaped,
// every byte outside printable ASCII as \xNN, so no control, bidi or
// invalid text reaches a terminal or log) is at most kMaxExcerptBytes
// long, that escape, and "..." when `s` was longer. At most
// kMaxExcerptBytes + 3 bytes of printable ASCII, whatever `s` holds.
std::string Excerpt(absl::string_view s);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_TEXT_H_
