// A hostile HTTP/2 client for tests: it opens gRPC calls and sends only
// part of each request message, then never finishes them, holding whatever
// the server buffers for them. It speaks just enough HTTP/2 (RFC 9113) to
// do that politely: it honours flow control and acknowledges SETTINGS and
// PING, so the server has no protocol error to close it for.
#ifndef CLINIC_TESTS_INTEGRATION_STALLING_CLIENT_H_
#define CLINIC_TESTS_INTEGRATION_STALLING_CLIENT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/time/time.h"

namespace clinic::testing {

class StallingClient {
 public:
  // Connects to 127.0.0.1:`port` and sends the connection preface; check
  // connected().
  explicit StallingClient(int port);
  ~StallingClient();
  StallingClient(const StallingClient&) = delete;
  StallingClient& operator=(const StallingClient&) = delete;

  bool connected() const { return fd_ >= 0 && !closed_; }

  // Opens a call of `path` (e.g. "/clinic.v1.AthleteService/CreateAthlete")
  // with no token whose message announces `announced` bytes, and sends
  // `sent` of them (as flow control allows within `patience`). Returns the
  // bytes actually sent; 0, opening nothing, when the server's
  // SETTINGS_MAX_CONCURRENT_STREAMS are open already (as a gRPC client
  // would queue the call).
  int64_t OpenStalledCall(const std::string& path, uint32_t announced,
                          int64_t sent, absl::Duration patience);

  // Reads and answers what the server sent, for up to `wait`.
  void Pump(absl::Duration wait);

  // Calls the server ended (RST_STREAM or trailers), whether it said
  // GOAWAY, and whether it closed the connection.
  int ended_calls() const { return static_cast<int>(ended_.size()); }
  bool got_goaway() const { return goaway_; }
  bool closed() const { return closed_; }

 private:
  void SendFrame(uint8_t type, uint8_t flags, uint32_t stream,
                 const std::string& payload);
  void HandleFrame(uint8_t type, uint8_t flags, uint32_t stream,
                   const std::string& payload);

  int fd_ = -1;
  bool closed_ = false;
  bool goaway_ = false;
  uint32_t next_stream_ = 1;
  std::set<uint32_t> ended_;
  int opened_ = 0;
  int64_t max_streams_ = 1 << 30;
  std::string in_;  // bytes of a frame not yet complete
  // Send windows (RFC 9113 section 6.9).
  int64_t connection_window_ = 65535;
  int64_t initial_stream_window_ = 65535;
  std::map<uint32_t, int64_t> stream_windows_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_STALLING_CLIENT_H_
