// Early-return helpers for absl::Status / absl::StatusOr.
#ifndef CLINIC_SERVICES_CORE_STATUS_MACROS_H_
#define CLINIC_SERVICES_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CLINIC_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    absl::Status _clinic_status = (expr);            \
    if (!_clinic_status.ok()) return _clinic_status; \
  } while (0)

#define CLINIC_CONCAT_INNER_(a, b) a##b
#define CLINIC_CONCAT_(a, b) CLINIC_CONCAT_INNER_(a, b)

// CLINIC_ASSIGN_OR_RETURN(lhs, expr): evaluates the StatusOr `expr`,
// returns its status on error, otherwise moves its value into `lhs` (which
// may be a declaration).
#define CLINIC_ASSIGN_OR_RETURN(lhs, expr)                                  \
  CLINIC_ASSIGN_OR_RETURN_IMPL_(CLINIC_CONCAT_(_clinic_or_, __LINE__), lhs, \
                                expr)
// `tmp` is a name and `lhs` may be a declaration: neither can be
// parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CLINIC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // CLINIC_SERVICES_CORE_STATUS_MACROS_H_
