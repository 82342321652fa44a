// A private PostgreSQL server for tests that stop, start or crash it (the
// shared one of scripts/with-postgres must stay up for other tests): a
// fresh cluster made by initdb in its own temporary folder, loopback only,
// a free port, role postgres without password. The server is a child
// process of the test, run as user postgres when the test runs as root
// (PostgreSQL refuses root), and dies with the thread that started it.
// Not thread-safe: one test thread drives it.
#ifndef CLINIC_TESTS_TESTING_POSTGRES_SERVER_H_
#define CLINIC_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace clinic::testing {

class PostgresServer {
 public:
  // Makes the cluster (initdb, a few seconds) and starts it. Fails with
  // initdb's or the server's log.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Create();
  ~PostgresServer();  // Kill()s it and removes its folder.
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server on port() and waits (30 s at most) until it accepts
  // connections. Until a first start succeeds, a port that someone else
  // took meanwhile is replaced by a new one; later starts reuse port().
  // Returns an error with the server's log when it does not come up.
  absl::Status Start();
  // Fast shutdown (SIGINT): ends every session, checkpoints, exits; waits
  // (falls back to Kill() after 30 s). Does nothing when not running.
  void Stop();
  // Immediate shutdown (SIGQUIT): every process quits at once without a
  // checkpoint, as after a crash; the next Start() runs recovery. Waits.
  // (Not SIGKILL: orphaned backends would keep the next start from
  // binding.) Does nothing when not running.
  void Kill();
  // SIGSTOP to the server and its backends: connections stay open and
  // nothing answers, as when its host hangs. Thaw() sends SIGCONT.
  void Freeze();
  void Thaw();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:PORT/postgres
  std::string uri() const;
  std::string log() const;  // what the server printed, all runs

 private:
  explicit PostgresServer(std::string dir) : dir_(std::move(dir)) {}

  // One attempt to start; false when the process exited (*exited set) or
  // did not accept connections in time.
  bool StartOnce(bool* exited);
  // Sends `signal` to the server and waits `patience` for it to exit;
  // false when it did not.
  bool SignalAndWait(int signal, int patience_ms);
  // Sends `signal` to the server and every process it started.
  void SignalAll(int signal);

  std::string dir_;  // holds data/, the log and the socket
  std::string bindir_;
  int port_ = 0;
  bool port_proven_ = false;  // a start on port_ succeeded
  pid_t pid_ = -1;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_POSTGRES_SERVER_H_
