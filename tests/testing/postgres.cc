#include "tests/testing/postgres.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace clinic::testing {
namespace {

using Rows = std::vector<std::vector<std::string>>;

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message));
}

// A value for a keyword=value connection string: in single quotes, with
// quotes and backslashes escaped by a backslash.
std::string QuoteConninfoValue(absl::string_view value) {
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

// `server_uri` (a URI or keyword=value string) with its database replaced
// by `dbname`, as a keyword=value string.
absl::StatusOr<std::string> WithDatabase(const std::string& server_uri,
                                         absl::string_view dbname) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(server_uri.c_str(), &error), &PQconninfoFree);
  if (options == nullptr) {
    const std::string message =
        error != nullptr ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat(
        "CLINIC_TEST_POSTGRES is not a libpq connection string: ", message));
  }
  std::string conninfo;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::strcmp(o->keyword, "dbname") == 0) continue;
    absl::StrAppend(&conninfo, o->keyword, "=", QuoteConninfoValue(o->val),
                    " ");
  }
  absl::StrAppend(&conninfo, "dbname=", QuoteConninfoValue(dbname));
  return conninfo;
}

// Runs `sql` on a new connection to `conninfo`: Unavailable when it cannot
// connect, InvalidArgument when the server rejects the SQL.
absl::StatusOr<Rows> RunSql(const std::string& conninfo,
                            const std::string& sql) {
  // A server that drops packets must fail the test, not hang it; a
  // connect_timeout in `conninfo` (expanded after this one) wins.
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {"10", conninfo.c_str(), nullptr};
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(
      PQconnectdbParams(keywords, values, /*expand_dbname=*/1), &PQfinish);
  if (conn == nullptr) return absl::ResourceExhaustedError("out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to PostgreSQL: ", Trimmed(PQerrorMessage(conn.get()))));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(conn.get(), sql.c_str()), &PQclear);
  if (result == nullptr) {
    return absl::UnavailableError(Trimmed(PQerrorMessage(conn.get())));
  }
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK &&
      status != PGRES_EMPTY_QUERY) {
    // The SQLSTATE lets tests tell, say, a constraint violation (23xxx)
    // from a typo (42xxx) without matching wording.
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    std::string message = Trimmed(PQresultErrorMessage(result.get()));
    if (message.empty()) message = PQresStatus(status);  // e.g. COPY
    return absl::InvalidArgumentError(absl::StrCat(
        "SQLSTATE ", sqlstate != nullptr ? sqlstate : "none", ": ", message));
  }
  Rows rows(PQntuples(result.get()));
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      rows[r].emplace_back(PQgetvalue(result.get(), r, c));  // NULL: ""
    }
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  const char* server_uri = std::getenv("CLINIC_TEST_POSTGRES");
  if (server_uri == nullptr || *server_uri == '\0') {
    return absl::FailedPreconditionError(
        "CLINIC_TEST_POSTGRES is unset: run the tests under "
        "scripts/with-postgres (it starts a throwaway PostgreSQL server), or "
        "set it to the libpq URI of a role that may CREATE DATABASE");
  }
  // The pid and counter keep names apart on one machine; the random part
  // keeps them apart on a server that several machines or containers share.
  static std::atomic<int> counter{0};
  std::string name =
      absl::StrCat("clinic_test_", getpid(), "_", counter++, "_",
                   absl::Hex(std::random_device()(), absl::kZeroPad8));
  absl::StatusOr<std::string> uri = WithDatabase(server_uri, name);
  if (!uri.ok()) return uri.status();
  // template0: empty even when the server's template1 has gained objects.
  const absl::Status created =
      RunSql(server_uri,
             absl::StrCat("CREATE DATABASE ", name, " TEMPLATE template0"))
          .status();
  if (!created.ok()) {
    return absl::Status(
        created.code(),
        absl::StrCat("cannot create a database on the server of "
                     "CLINIC_TEST_POSTGRES (",
                     created.message(),
                     "); run the tests under scripts/with-postgres for a "
                     "throwaway server"));
  }
  return absl::WrapUnique(
      new TestDatabase(server_uri, std::move(name), *std::move(uri)));
}

TestDatabase::~TestDatabase() {
  // FORCE: connections a test leaked (or a clinicd it left running) must
  // not keep the database alive.
  RunSql(server_uri_,
         absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"))
      .status()
      .IgnoreError();
}

absl::StatusOr<Rows> TestDatabase::Query(const std::string& sql) const {
  return RunSql(uri_, sql);
}

}  // namespace clinic::testing
