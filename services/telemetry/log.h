// clinicd's log: one line per event on stderr, in logfmt or JSON, so that
// journald, a container runtime or a log shipper can index its fields.
// Never pass a token, a password or a database URI as a field.
#ifndef CLINIC_SERVICES_TELEMETRY_LOG_H_
#define CLINIC_SERVICES_TELEMETRY_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clinic::telemetry {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kLogfmt, kJson };

// "debug", "info", "warning" (or "warn"), "error"; "logfmt", "json".
// Abseil flags parse them through these (absl/flags/marshalling.h).
bool AbslParseFlag(absl::string_view text, LogLevel* level, std::string* error);
std::string AbslUnparseFlag(LogLevel level);
bool AbslParseFlag(absl::string_view text, LogFormat* format,
                   std::string* error);
std::string AbslUnparseFlag(LogFormat format);

// Set once before serving; lines below `level` are dropped, the others
// written to file descriptor `fd`. Default: info, logfmt, stderr.
void SetLogOptions(LogFormat format, LogLevel level, int fd = 2);
bool LogEnabled(LogLevel level);

// One line, written whole when the LogLine is destroyed:
//   Log(LogLevel::kInfo, "call").Field("method", m).Field("code", "OK");
// gives
//   time=2026-11-30T06:00:00.123Z level=info msg=call method=... code=OK
// (or the same as one JSON object). Values are quoted and escaped as the
// format needs; empty string fields are left out.
class LogLine {
 public:
  LogLine(LogLevel level, absl::string_view message);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(absl::string_view key, absl::string_view value);
  LogLine& Field(absl::string_view key, const char* value) {
    return Field(key, absl::string_view(value));
  }
  LogLine& Field(absl::string_view key, int64_t value);
  // In milliseconds, with microsecond precision, as `key` "_ms".
  LogLine& Millis(absl::string_view key, absl::Duration value);

 private:
  void Raw(absl::string_view key, absl::string_view text, bool quote);

  const bool enabled_;
  std::string line_;
};

inline LogLine Log(LogLevel level, absl::string_view message) {
  return LogLine(level, message);
}

}  // namespace clinic::telemetry

#endif  // CLINIC_SERVICES_TELEMETRY_LOG_H_
