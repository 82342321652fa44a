#include "services/telemetry/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace clinic::telemetry {
namespace {

std::atomic<LogFormat> log_format{LogFormat::kLogfmt};
std::atomic<LogLevel> log_level{LogLevel::kInfo};
std::atomic<int> log_fd{STDERR_FILENO};

constexpr const char* kLevelNames[] = {"debug", "info", "warning", "error"};

// JSON string escaping; logfmt quotes the same way (Go's strconv.Quote
// subset that logfmt readers accept).
void AppendQuoted(absl::string_view text, std::string& out) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// logfmt leaves a value bare when it has no space, quote, '=' or control
// character.
bool NeedsQuotes(absl::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool AbslParseFlag(absl::string_view text, LogLevel* level,
                   std::string* error) {
  const std::string name = absl::AsciiStrToLower(text);
  for (int i = 0; i < 4; ++i) {
    if (name == kLevelNames[i]) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  if (name == "warn") {
    *level = LogLevel::kWarning;
    return true;
  }
  *error = "must be debug, info, warning or error";
  return false;
}

std::string AbslUnparseFlag(LogLevel level) {
  return kLevelNames[static_cast<int>(level)];
}

bool AbslParseFlag(absl::string_view text, LogFormat* format,
                   std::string* error) {
  const std::string name = absl::AsciiStrToLower(text);
  if (name == "logfmt") {
    *format = LogFormat::kLogfmt;
  } else if (name == "json") {
    *format = LogFormat::kJson;
  } else {
    *error = "must be logfmt or json";
    return false;
  }
  return true;
}

std::string AbslUnparseFlag(LogFormat format) {
  return format == LogFormat::kJson ? "json" : "logfmt";
}

void SetLogOptions(LogFormat format, LogLevel level, int fd) {
  log_format = format;
  log_level = level;
  log_fd = fd;
}

bool LogEnabled(LogLevel level) { return level >= log_level.load(); }

LogLine::LogLine(LogLevel level, absl::string_view message)
    : enabled_(LogEnabled(level)) {
  if (!enabled_) return;
  line_.reserve(256);
  if (log_format == LogFormat::kJson) line_ += '{';
  Raw("time",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      true);
  Raw("level", kLevelNames[static_cast<int>(level)], true);
  Raw("msg", message, true);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  line_ += log_format == LogFormat::kJson ? "}\n" : "\n";
  // One write(2) per line: lines of concurrent calls never interleave.
  const ssize_t ignored = write(log_fd, line_.data(), line_.size());
  (void)ignored;
}

LogLine& LogLine::Field(absl::string_view key, absl::string_view value) {
  if (enabled_ && !value.empty()) Raw(key, value, true);
  return *this;
}

LogLine& LogLine::Field(absl::string_view key, int64_t value) {
  if (enabled_) Raw(key, absl::StrCat(value), false);
  return *this;
}

LogLine& LogLine::Millis(absl::string_view key, absl::Duration value) {
  if (enabled_) {
    Raw(absl::StrCat(key, "_ms"),
        absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(value)), false);
  }
  return *this;
}

void LogLine::Raw(absl::string_view key, absl::string_view text, bool quote) {
  if (log_format == LogFormat::kJson) {
    if (line_.size() > 1) line_ += ',';
    AppendQuoted(key, line_);
    line_ += ':';
    if (quote) {
      AppendQuoted(text, line_);
    } else {
      line_.append(text.data(), text.size());
    }
    return;
  }
  if (!line_.empty()) line_ += ' ';
  line_.append(key.data(), key.size());
  line_ += '=';
  if (quote && NeedsQuotes(text)) {
    AppendQuoted(text, line_);
  } else {
    line_.append(text.data(), text.size());
  }
}

}  // namespace clinic::telemetry
