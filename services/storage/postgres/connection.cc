#include "services/storage/postgres/connection.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace clinic::storage::postgres {
namespace {

// Where a status from Connection keeps the server's SQLSTATE and
// constraint: "SQLSTATE constraint".
constexpr char kServerErrorPayload[] = "clinic.storage/postgres";

}  // namespace

std::string Params::Push(std::optional<std::string> v, int format) {
  values_.push_back(std::move(v));
  formats_.push_back(format);
  return absl::StrCat("$", values_.size());
}

std::vector<const char*> Params::values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const std::optional<std::string>& v : values_) {
    out.push_back(v.has_value() ? v->data() : nullptr);
  }
  return out;
}

std::vector<int> Params::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const std::optional<std::string>& v : values_) {
    out.push_back(v.has_value() ? static_cast<int>(v->size()) : 0);
  }
  return out;
}

int64_t Rows::affected() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_.get()), &n) ? n : 0;
}

int64_t Rows::GetInt(int row, int col) const {
  int64_t v = 0;
  return absl::SimpleAtoi(PQgetvalue(result_.get(), row, col), &v) ? v : 0;
}

std::string Rows::GetBytes(int row, int col) const {
  absl::string_view text(PQgetvalue(result_.get(), row, col),
                         PQgetlength(result_.get(), row, col));
  if (!absl::ConsumePrefix(&text, "\\x")) return "";
  return absl::HexStringToBytes(text);
}

ServerError ServerErrorOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kServerErrorPayload);
  if (!payload.has_value()) return {};
  std::pair<std::string, std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(' ', 1));
  return {parts.first, parts.second};
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& uri, absl::Duration timeout) {
  // libpq counts whole seconds and takes at least 2.
  const std::string seconds =
      absl::StrCat(std::max<int64_t>(2, absl::ToInt64Seconds(timeout)));
  const char* keys[] = {"dbname", "connect_timeout", "application_name",
                        nullptr};
  const char* values[] = {uri.c_str(), seconds.c_str(), "clinicd", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::unique_ptr<Connection> c(new Connection(conn));
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message =
        conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Server notices ("relation ... already exists, skipping") are not
  // errors; libpq would print them to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

absl::Status Connection::Error(const PGresult* result,
                               absl::string_view context) const {
  // The primary message alone: one line, without the query excerpt.
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)
                        : nullptr;
  std::string message = primary != nullptr ? primary : PQerrorMessage(conn_);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  const char* state = result != nullptr
                          ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                          : nullptr;
  const char* constraint =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME)
                        : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string text =
      absl::StrCat("postgres: ", message, " (", context, ")");
  absl::Status status;
  if (!healthy() || absl::StartsWith(sqlstate, "08") ||
      absl::StartsWith(sqlstate, "57P")) {
    // Connection exceptions and the server shutting down.
    status = absl::UnavailableError(text);
  } else if (sqlstate == kQueryCanceled) {
    status = absl::DeadlineExceededError(
        "the call's deadline passed waiting for the database");
  } else {
    status = absl::InternalError(text);
  }
  if (!sqlstate.empty()) {
    status.SetPayload(
        kServerErrorPayload,
        absl::Cord(absl::StrCat(sqlstate, " ",
                                constraint != nullptr ? constraint : "")));
  }
  return status;
}

absl::StatusOr<Rows> Connection::Check(PGresult* result,
                                       absl::string_view context) {
  const ExecStatusType s =
      result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return Rows(result);
  absl::Status status = Error(result, context);
  PQclear(result);
  return status;
}

absl::Status Connection::Exec(const std::string& sql) {
  PGresult* last = PQexec(conn_, sql.c_str());
  return Check(last, sql).status();
}

absl::StatusOr<Rows> Connection::Query(const std::string& sql,
                                       const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = absl::StrCat("s", prepared_.size() + 1);
    absl::StatusOr<Rows> prepared =
        Check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), sql);
    if (!prepared.ok()) return prepared.status();
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const std::vector<const char*> values = params.values();
  const std::vector<int> lengths = params.lengths();
  return Check(PQexecPrepared(conn_, it->second.c_str(), params.size(),
                              values.data(), lengths.data(),
                              params.formats().data(), /*resultFormat=*/0),
               sql);
}

}  // namespace clinic::storage::postgres
