// Loopback ports where no clinicd answers, for tests of an unreachable
// server.
#ifndef CLINIC_TESTS_E2E_DEAD_PORTS_H_
#define CLINIC_TESTS_E2E_DEAD_PORTS_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace clinic::testing {

// A loopback port bound but not listening: connecting is refused, and no
// other process can take the port while this lives.
class RefusingPort {
 public:
  RefusingPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 protected:
  int fd_;
  int port_ = 0;
};

// A port that accepts connections into its backlog and never answers.
class SilentPort : public RefusingPort {
 public:
  SilentPort() { EXPECT_EQ(listen(fd_, 16), 0); }
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_E2E_DEAD_PORTS_H_
