// A real redis-server for tests, run as a child process: loopback only, a
// free port, no persistence, its own temporary folder (holding its log),
// removed on destruction. Not thread-safe: one test thread drives it.
#ifndef CLINIC_TESTS_TESTING_REDIS_SERVER_H_
#define CLINIC_TESTS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace clinic::testing {

class RedisServer {
 public:
  // Picks a free loopback port; does not start the server.
  RedisServer();
  ~RedisServer();  // Stop()s it and removes its folder.
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server on port() and waits (5 s at most) until it answers
  // PING. Until a first start succeeds, a port that someone else took
  // meanwhile is replaced by a new one; later starts reuse port(). Returns
  // an error with the server's log when it does not come up.
  absl::Status Start();
  // Stop(), then Start() on the same port.
  absl::Status Restart();
  // SIGTERM and wait (SIGKILL after 5 s). Does nothing when not running.
  void Stop();
  // SIGKILL and wait: a crash. Does nothing when not running.
  void Kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:PORT

  // Runs one command on a fresh connection. The string form splits on
  // spaces (no quoting). The reply as text: a string or status as it is,
  // an integer in decimal, nil as "(nil)", an error as "(error) MESSAGE",
  // an array as its elements each followed by "\n", and a failure to talk
  // to the server as "(failed) REASON".
  std::string Command(const std::string& command) const;
  std::string Command(const std::vector<std::string>& args) const;

  std::string log() const;  // what the server printed, all runs

 private:
  // One attempt to start; false when the process exited (*exited set) or
  // did not answer in time.
  bool StartOnce(bool* exited);

  std::string dir_;
  int port_ = 0;
  bool port_proven_ = false;  // a start on port_ succeeded
  pid_t pid_ = -1;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_REDIS_SERVER_H_
