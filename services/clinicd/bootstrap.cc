#include "services/clinicd/bootstrap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/auth/token.h"
#include "services/core/status_macros.h"
#include "services/telemetry/log.h"

namespace clinic {

namespace {

// The first line of `path`, or nullopt when the file does not exist.
absl::StatusOr<std::optional<std::string>> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    return absl::InvalidArgumentError(
        absl::StrCat("--admin_token_file: cannot read ", path));
  }
  std::string line;
  std::getline(in, line);
  line = std::string(absl::StripAsciiWhitespace(line));
  if (line.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--admin_token_file: ", path, " holds no token"));
  }
  return line;
}

}  // namespace

std::string AdminTokenPath(const ServerOptions& options) {
  if (!options.admin_token_file.empty()) return options.admin_token_file;
  if (UsesPostgres(options)) return "";  // no folder of its own
  const std::filesystem::path db(options.db);
  return (db.has_parent_path() ? db.parent_path() / "admin.token"
                               : std::filesystem::path("admin.token"))
      .string();
}

absl::Status BootstrapAdmin(auth::Accounts& accounts,
                            const ServerOptions& options) {
  std::string given = options.admin_token;
  const char* from = "CLINIC_ADMIN_TOKEN";
  const std::string path = AdminTokenPath(options);
  if (given.empty() && !options.admin_token_file.empty()) {
    CLINIC_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadToken(path));
    if (text.has_value()) {
      given = *std::move(text);
      from = "--admin_token_file";
    }
  }
  if (!given.empty()) {
    CLINIC_ASSIGN_OR_RETURN(std::optional<std::string> token,
                            accounts.EnsureFirstAdmin(given));
    if (token.has_value()) {
      telemetry::Log(telemetry::LogLevel::kInfo, "created the first ADMIN user")
          .Field("token_from", from);
    }
    return absl::OkStatus();
  }
  CLINIC_ASSIGN_OR_RETURN(std::vector<core::User> users,
                          accounts.ListUsers({1, 0}));
  if (!users.empty()) return absl::OkStatus();
  if (path.empty()) {
    return absl::FailedPreconditionError(
        "the store has no users yet: give the first ADMIN's token in "
        "CLINIC_ADMIN_TOKEN or name a file for it with --admin_token_file");
  }
  // The token is on disk before its admin is in the store: one that cannot
  // be written must not leave an admin no one can ever use.
  CLINIC_ASSIGN_OR_RETURN(const std::string text, auth::NewTokenText());
  const std::string draft = path + ".new";
  const int fd =
      open(draft.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const std::string line = text + "\n";
  const bool written = fd >= 0 && fchmod(fd, 0600) == 0 &&
                       write(fd, line.data(), line.size()) ==
                           static_cast<ssize_t>(line.size()) &&
                       fsync(fd) == 0;
  const int write_errno = errno;
  if (fd >= 0) close(fd);
  if (!written) {
    std::remove(draft.c_str());
    return absl::UnavailableError(
        absl::StrCat("cannot write the first admin token to ", draft, ": ",
                     std::strerror(write_errno)));
  }
  absl::StatusOr<std::optional<std::string>> token =
      accounts.EnsureFirstAdmin(text);
  if (!token.ok() || !token->has_value()) {  // or another clinicd was first
    std::remove(draft.c_str());
    return token.status();
  }
  if (std::rename(draft.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "created the first ADMIN user, but cannot move its token to ", path,
        " (", std::strerror(errno), "): it is in ", draft));
  }
  telemetry::Log(telemetry::LogLevel::kInfo, "created the first ADMIN user")
      .Field("token_file", path);
  return absl::OkStatus();
}

}  // namespace clinic
