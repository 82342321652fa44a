// A loopback TCP proxy in front of clinicd that loses one answer after the
// server has given it in full: a lost response over a flaky link, after the
// server committed.
#ifndef CLINIC_TESTS_E2E_LOSSY_PROXY_H_
#define CLINIC_TESTS_E2E_LOSSY_PROXY_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace clinic::testing {

class LossyProxy {
 public:
  // What happens to the connections after the first.
  enum class Later {
    kForward,  // forwarded both ways: the link is back
    kIgnore,   // left unanswered in the backlog: the server is gone
  };

  // Listens on 127.0.0.1, an ephemeral port, for clients of `target`
  // ("127.0.0.1:PORT"). On the first connection it reads the server's bytes
  // as HTTP/2 frames and drops every frame of client stream `lost_stream`
  // (the client's calls on a connection are streams 1, 3, 5...); when the
  // server ends that stream it closes the connection, so the client sees
  // it break. Everything else is forwarded untouched.
  LossyProxy(const std::string& target, uint32_t lost_stream,
             Later later = Later::kForward);
  ~LossyProxy();  // closes every connection and joins the thread

  std::string address() const;
  // Whether the answer was lost: the server ended `lost_stream`.
  bool lost() const { return lost_; }

 private:
  void Run();

  int target_port_ = 0;
  const uint32_t lost_stream_;
  const Later later_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // a byte on wake_[1] stops Run
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_E2E_LOSSY_PROXY_H_
