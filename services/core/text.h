// Checking text from outside: UTF-8 validity and length in code points.
#ifndef CLINIC_SERVICES_CORE_TEXT_H_
#define CLINIC_SERVICES_CORE_TEXT_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace clinic::core {

// The number of code points in `s`; nullopt when `s` is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included) or, unless
// `allow_control`, holds a control character (C0, DEL or C1).
std::optional<int> CodePoints(absl::string_view s, bool allow_control);

}  // namespace clinic::core

#endif  // CLINIC_SERVICES_CORE_TEXT_H_
