#include "services/core/text.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace clinic::core {
namespace {

// Decodes the code point at s[*i] and advances *i past it; false (with *i
// unchanged) when the bytes there are not valid UTF-8.
bool NextCodePoint(absl::string_view s, size_t* i, uint32_t* out) {
  const unsigned char c = s[*i];
  uint32_t cp;
  size_t len;
  if (c < 0x80) {
    cp = c;
    len = 1;
  } else if ((c & 0xE0) == 0xC0) {
    cp = c & 0x1F;
    len = 2;
  } else if ((c & 0xF0) == 0xE0) {
    cp = c & 0x0F;
    len = 3;
  } else if ((c & 0xF8) == 0xF0) {
    cp = c & 0x07;
    len = 4;
  } else {
    return false;
  }
  if (*i + len > s.size()) return false;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char cc = s[*i + k];
    if ((cc & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  *i += len;
  *out = cp;
  return true;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

bool IsBidiControl(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Unicode's White_Space and (most of) Default_Ignorable_Code_Point: what
// renders as nothing, or as blank space.
bool IsInvisible(uint32_t cp) {
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kInvisible[] = {
      {0x0000, 0x0020},    // C0 controls and space
      {0x007F, 0x00A0},    // DEL, C1 controls, no-break space
      {0x00AD, 0x00AD},    // soft hyphen
      {0x034F, 0x034F},    // combining grapheme joiner
      {0x061C, 0x061C},    // Arabic letter mark
      {0x115F, 0x1160},    // Hangul choseong and jungseong fillers
      {0x1680, 0x1680},    // Ogham space mark
      {0x17B4, 0x17B5},    // Khmer inherent vowels
      {0x180B, 0x180F},    // Mongolian variation selectors, vowel separator
      {0x2000, 0x200F},    // spaces, zero width space, joiners, LRM, RLM
      {0x2028, 0x202F},    // separators, bidi controls, narrow no-break
      {0x205F, 0x206F},    // math space, word joiner, invisible operators
      {0x3000, 0x3000},    // ideographic space
      {0x3164, 0x3164},    // Hangul filler
      {0xFE00, 0xFE0F},    // variation selectors
      {0xFEFF, 0xFEFF},    // zero width no-break space (BOM)
      {0xFFA0, 0xFFA0},    // halfwidth Hangul filler
      {0x1D173, 0x1D17A},  // musical formatting controls
      {0xE0000, 0xE0FFF},  // tags, variation selectors supplement
  };
  for (const Range& r : kInvisible) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

}  // namespace

std::optional<int> CodePoints(absl::string_view s, bool allow_control) {
  int code_points = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    if (!NextCodePoint(s, &i, &cp)) return std::nullopt;
    if (!allow_control && IsControl(cp)) return std::nullopt;
    ++code_points;
  }
  return code_points;
}

bool IsBlank(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    if (!NextCodePoint(s, &i, &cp) || !IsInvisible(cp)) return false;
  }
  return true;
}

bool HasBidiControl(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    if (!NextCodePoint(s, &i, &cp)) {
      ++i;  // not UTF-8: no control here, look on
      continue;
    }
    if (IsBidiControl(cp)) return true;
  }
  return false;
}

bool IsEmailAddress(absl::string_view s) {
  const size_t at = s.find('@');
  if (at == absl::string_view::npos || at == 0 ||
      s.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view domain = s.substr(at + 1);
  if (!absl::StrContains(domain, '.') || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    if (!NextCodePoint(s, &i, &cp) || IsInvisible(cp)) return false;
  }
  return true;
}

std::string Excerpt(absl::string_view s) {
  // An input byte escapes to 1 to 4 bytes: take the longest prefix that
  // fits (the escape of a longer prefix is never shorter).
  size_t n = std::min(s.size(), kMaxExcerptBytes);
  std::string quoted = absl::CHexEscape(s.substr(0, n));
  while (quoted.size() > kMaxExcerptBytes) {
    quoted = absl::CHexEscape(s.substr(0, --n));
  }
  if (n < s.size()) quoted += "...";
  return quoted;
}

}  // namespace clinic::core
