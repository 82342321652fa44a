// A fresh database per test on the PostgreSQL server that
// scripts/with-postgres starts (or a developer's own server).
#ifndef CLINIC_TESTS_TESTING_POSTGRES_H_
#define CLINIC_TESTS_TESTING_POSTGRES_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace clinic::testing {

// A fresh, empty database on the test PostgreSQL server (CLINIC_TEST_POSTGRES,
// a libpq URI of a role that may CREATE DATABASE), dropped when destroyed.
// Names are unique across concurrent test processes, even on a server that
// several machines share. Thread-safe.
class TestDatabase {
 public:
  // Fails (an error naming CLINIC_TEST_POSTGRES and scripts/with-postgres)
  // when the variable is unset or the server unreachable.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();
  // The same on the server of `server_uri` (a libpq URI or keyword=value
  // string of a role that may CREATE DATABASE), e.g. a PostgresServer's.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> CreateOn(
      const std::string& server_uri);
  ~TestDatabase();  // drops the database (WITH (FORCE)), ignoring errors
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // The new database as a URI, postgresql://user@host:port/name (other
  // connection settings in the query, values percent-encoded): what
  // clinicd's --db takes, and a libpq connection string.
  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }

  // Runs SQL on the new database, on a fresh connection each call. Several
  // statements run as one transaction and the rows are those of the last.
  // Returns the rows as text (row-major, NULL as ""), or an error with the
  // server's message and SQLSTATE.
  absl::StatusOr<std::vector<std::vector<std::string>>> Query(
      const std::string& sql) const;

 private:
  TestDatabase(std::string server_uri, std::string name, std::string uri)
      : server_uri_(std::move(server_uri)),
        name_(std::move(name)),
        uri_(std::move(uri)) {}

  std::string server_uri_;
  std::string name_;
  std::string uri_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_POSTGRES_H_
