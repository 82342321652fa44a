// Runs a real clinicd binary for a test: its own SQLite file in a fresh
// temporary folder, an ephemeral loopback port, stubs to talk to it.
//
// With CLINIC_TEST_STORE=postgres in the environment (ctest's "postgres."
// tests, run under scripts/with-postgres), a file path given for the store
// stands for a fresh PostgreSQL database instead: the same tests run on both
// stores.
#ifndef CLINIC_TESTS_INTEGRATION_CLINICD_PROCESS_H_
#define CLINIC_TESTS_INTEGRATION_CLINICD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/athletes.grpc.pb.h"
#include "clinic/v1/bookings.grpc.pb.h"
#include "clinic/v1/therapists.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/postgres.h"

namespace clinic::testing {

// The first ADMIN's token of every clinicd a test starts (unless the test
// sets another with set_admin_token).
inline constexpr char kAdminToken[] = "clinic_test-admin-token-not-a-secret";

// Sends `token` with the call as "authorization: Bearer <token>".
inline void Authorize(grpc::ClientContext& ctx,
                      const std::string& token = kAdminToken) {
  ctx.AddMetadata("authorization", "Bearer " + token);
}

// A fresh temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One scrape of clinicd's metrics (Prometheus text format).
class Scrape {
 public:
  explicit Scrape(const std::string& text);
  // The sum over the series of `name` that carry every label of `labels`.
  double Sum(absl::string_view name,
             const std::map<std::string, std::string>& labels = {}) const;
  bool empty() const { return series_.empty(); }

 private:
  // Each series as printed (`name{label="value",...}`) and its value.
  std::vector<std::pair<std::string, double>> series_;
};

// What the shell command printed (stdout and stderr) and, when asked, its
// exit status as pclose gives it.
std::string CommandOutput(const std::string& command, int* status = nullptr);

class ClinicdProcess {
 public:
  // Does not start the process; see Start(). `db_path` is a SQLite file or
  // a postgresql:// URI. With CLINIC_TEST_STORE=postgres, a file path is
  // mapped to a PostgreSQL database made on the first Start of any
  // ClinicdProcess given that path and shared by all of them (replicas on
  // one path share one store); it lives while one of them does.
  explicit ClinicdProcess(std::string db_path);
  ~ClinicdProcess();  // SIGKILLs a running process

  // Whether CLINIC_TEST_STORE asks for PostgreSQL in place of SQLite files.
  static bool MapsFilesToPostgres();

  // Starts clinicd with --db, --listen=127.0.0.1:0, metrics on another
  // ephemeral port (see Metrics) and `extra_flags`, and
  // waits until it serves. False (with the process's stderr in *error) when
  // it exits or does not serve within 20 s, or when the PostgreSQL database
  // for a file path cannot be made (the reason in *error).
  bool Start(const std::vector<std::string>& extra_flags = {},
             std::string* error = nullptr);
  // SIGTERM and wait; returns the exit status as waitpid gives it.
  int Stop();
  // SIGKILL and wait: a crash.
  void Kill();

  // CLINIC_ADMIN_TOKEN of the next Start; empty: unset, so clinicd makes
  // a token and writes it to admin.token beside the database.
  void set_admin_token(std::string token) { admin_token_ = std::move(token); }

  std::string address() const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string stderr_text() const;  // what clinicd logged so far
  // Its metrics now, fetched with curl as Prometheus would.
  Scrape Metrics() const;
  // The PostgreSQL database a file path was mapped to (after Start); null
  // on SQLite and for a postgresql:// URI given by the test.
  const TestDatabase* database() const { return database_.get(); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::TherapistService::Stub& therapists() { return *therapists_; }
  v1::AthleteService::Stub& athletes() { return *athletes_; }
  v1::BookingService::Stub& bookings() { return *bookings_; }

 private:
  std::string db_path_;
  std::shared_ptr<TestDatabase> database_;  // see database()
  TempDir run_dir_;                         // port file and logs
  std::string admin_token_ = kAdminToken;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TherapistService::Stub> therapists_;
  std::unique_ptr<v1::AthleteService::Stub> athletes_;
  std::unique_ptr<v1::BookingService::Stub> bookings_;
};

// Runs clinicd with `flags` (and CLINIC_ADMIN_TOKEN=kAdminToken) to
// completion, for flag errors; returns its exit code and fills *stderr_text.
int RunClinicdToExit(const std::vector<std::string>& flags,
                     std::string* stderr_text);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_CLINICD_PROCESS_H_
