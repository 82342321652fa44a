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

// `text` with every byte but RFC 3986's unreserved ones as %XX, which
// libpq decodes in every part of a URI.
std::string PercentEncoded(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      // Upper-case hex digits, as RFC 3986 recommends.
      absl::StrAppend(&out, "%",
                      absl::AsciiStrToUpper(absl::StrCat(absl::Hex(
                          static_cast<unsigned char>(c), absl::kZeroPad2))));
    }
  }
  return out;
}

// `server_uri` (a URI or keyword=value string) with its database replaced
// by `dbname`, as postgresql://user[:password]@host[:port]/dbname with any
// other setting in the query.
absl::StatusOr<std::string> WithDatabase(const std::string& server_uri,
                                         absl::string_view dbname) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(server_uri.c_str(), &error), &PQconninfoFree);
  if (options == nullptr) {
    const std::string message =
        error != nullptr ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("not a libpq connection string: ", message));
  }
  std::string user, password, host, port, query;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const absl::string_view keyword = o->keyword;
    if (keyword == "user") {
      user = PercentEncoded(o->val);
    } else if (keyword == "password") {
      password = PercentEncoded(o->val);
    } else if (keyword == "host") {
      // An IPv6 address goes in brackets; a socket folder's slashes and a
      // list's commas are encoded.
      host = std::strchr(o->val, ':') != nullptr
                 ? absl::StrCat("[", o->val, "]")
                 : PercentEncoded(o->val);
    } else if (keyword == "port" &&
               std::strspn(o->val, "0123456789") == std::strlen(o->val)) {
      port = o->val;
    } else if (keyword != "dbname") {
      absl::StrAppend(&query, query.empty() ? "?" : "&", keyword, "=",
                      PercentEncoded(o->val));
    }
  }
  std::string uri = "postgresql://";
  if (!user.empty() || !password.empty()) {
    absl::StrAppend(&uri, user, password.empty() ? "" : ":", password, "@");
  }
  absl::StrAppend(&uri, host, port.empty() ? "" : ":", port, "/",
                  PercentEncoded(dbname), query);
  return uri;
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
  absl::StatusOr<std::unique_ptr<TestDatabase>> db = CreateOn(server_uri);
  if (!db.ok()) {
    return absl::Status(
        db.status().code(),
        absl::StrCat("CLINIC_TEST_POSTGRES: ", db.status().message(),
                     "; run the tests under scripts/with-postgres for a "
                     "throwaway server"));
  }
  return db;
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::CreateOn(
    const std::string& server_uri) {
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
        absl::StrCat("cannot create a database (", created.message(), ")"));
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
