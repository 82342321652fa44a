#include "services/storage/postgres/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/core/deadline.h"
#include "services/core/status_macros.h"

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
  // Every statement is prepared once and run many times with different
  // values: plan it once too (PostgreSQL's default replans some each time).
  const char* keys[] = {"dbname", "connect_timeout", "application_name",
                        "options", nullptr};
  const char* values[] = {uri.c_str(), seconds.c_str(), "clinicd",
                          "-c plan_cache_mode=force_generic_plan", nullptr};
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
  if (timed_out_) {
    status = absl::DeadlineExceededError(
        "the database did not answer by the call's deadline");
  } else if (!healthy() || absl::StartsWith(sqlstate, "08") ||
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
  if (PQsendQuery(conn_, sql.c_str()) != 1) return Error(nullptr, sql);
  PGresult* last = nullptr;
  while (PGresult* result = NextResult()) {
    PQclear(last);
    last = result;
  }
  return Check(last, sql).status();
}

PGresult* Connection::NextResult() {
  const absl::Time deadline = core::CallDeadline::Current() + kAnswerSlack;
  while (PQisBusy(conn_) == 1) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out_ = broken_ = true;
      return nullptr;
    }
    pollfd ready = {PQsocket(conn_), POLLIN, 0};
    const int ms = left == absl::InfiniteDuration()
                       ? -1
                       : static_cast<int>(std::min<int64_t>(
                             absl::ToInt64Milliseconds(left) + 1, 60'000));
    if (poll(&ready, 1, ms) < 0 && errno != EINTR) {
      broken_ = true;
      return nullptr;
    }
    // Reads what arrived; fails when the connection is gone.
    if (PQconsumeInput(conn_) != 1) return nullptr;
  }
  return PQgetResult(conn_);
}

bool Connection::Send(const Statement& s, std::vector<Command>& sent) {
  const std::vector<const char*> values = s.params.values();
  const std::vector<int> lengths = s.params.lengths();
  if (!s.prepare) {
    sent.push_back({});
    return PQsendQueryParams(conn_, s.sql.c_str(), s.params.size(), nullptr,
                             values.data(), lengths.data(),
                             s.params.formats().data(),
                             /*resultFormat=*/0) == 1;
  }
  auto it = prepared_.find(s.sql);
  if (it == prepared_.end()) {
    it = prepared_.emplace(s.sql, absl::StrCat("s", ++statements_)).first;
    sent.push_back({&it->first});
    if (PQsendPrepare(conn_, it->second.c_str(), s.sql.c_str(), 0, nullptr) !=
        1) {
      return false;
    }
  }
  sent.push_back({});
  return PQsendQueryPrepared(conn_, it->second.c_str(), s.params.size(),
                             values.data(), lengths.data(),
                             s.params.formats().data(),
                             /*resultFormat=*/0) == 1;
}

absl::StatusOr<std::vector<Rows>> Connection::Run(
    const std::vector<Statement>& batch) {
  if (PQenterPipelineMode(conn_) != 1) return Error(nullptr, "a batch");
  std::vector<Command> sent;
  bool queued = true;
  for (const Statement& s : batch) {
    if (!Send(s, sent)) {
      queued = false;
      break;
    }
  }
  queued = queued && PQpipelineSync(conn_) == 1;

  // Each command answers with one result and a null; the first that fails
  // sets the batch's error, and those after it answer "aborted". Then the
  // sync.
  std::vector<Rows> out;
  absl::Status status;
  std::vector<std::string> unprepared;  // PREPAREs not known to have worked
  for (const Command& command : sent) {
    PGresult* result = queued ? NextResult() : nullptr;
    if (result == nullptr) queued = false;  // the connection is lost
    while (queued) {  // to the null that ends the command's results
      PGresult* more = NextResult();
      if (more == nullptr) break;
      PQclear(more);
    }
    const bool aborted = PQresultStatus(result) == PGRES_PIPELINE_ABORTED;
    absl::StatusOr<Rows> rows = Check(result, "a batch");
    if (!rows.ok() && command.prepare != nullptr) {
      unprepared.push_back(*command.prepare);
    }
    if (rows.ok() && command.prepare == nullptr) {
      out.push_back(*std::move(rows));
    } else if (!rows.ok() && !aborted && status.ok()) {
      status = rows.status();
    }
  }
  if (queued) {
    PGresult* sync = NextResult();
    queued = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
  }
  if (status.ok() && (!queued || out.size() != batch.size())) {
    status = Error(nullptr, "a batch");
  }
  for (const std::string& sql : unprepared) prepared_.erase(sql);
  // Out of step with the server: only closing it is safe.
  if (PQexitPipelineMode(conn_) != 1) broken_ = true;
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Rows> Connection::Query(std::string sql, Params params) {
  std::vector<Statement> batch;
  batch.push_back({std::move(sql), std::move(params)});
  CLINIC_ASSIGN_OR_RETURN(std::vector<Rows> rows, Run(batch));
  return std::move(rows.front());
}

}  // namespace clinic::storage::postgres
