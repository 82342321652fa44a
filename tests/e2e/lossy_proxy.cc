#include "tests/e2e/lossy_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace clinic::testing {
namespace {

constexpr size_t kFrameHeader = 9;  // RFC 9113 section 4.1
constexpr unsigned char kEndStream = 0x1;

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// Writes all of `data` to `fd`; false when the peer is gone.
bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// One client's connection and the proxy's own to the server; fd -1 once
// closed. On the lossy one, the server's bytes not yet read as whole frames.
struct Link {
  int client = -1;
  int server = -1;
  bool lossy = false;
  std::string from_server;

  void Close() {
    close(client);
    close(server);
    client = server = -1;
  }
};

// Forwards the whole frames in l.from_server but those of `lost_stream`.
// False when the link is to close: the server ended `lost_stream` (then
// *lost is set) or the client is gone. Dropping HEADERS leaves the client's
// HPACK table behind the server's, which is harmless only because the
// connection ends with that stream and clinicctl's calls do not overlap.
bool ForwardFrames(Link& l, uint32_t lost_stream, std::atomic<bool>* lost) {
  size_t at = 0;
  while (l.from_server.size() - at >= kFrameHeader) {
    const auto* h =
        reinterpret_cast<const unsigned char*>(l.from_server.data() + at);
    const size_t size = kFrameHeader + (h[0] << 16 | h[1] << 8 | h[2]);
    if (l.from_server.size() - at < size) break;
    const uint32_t stream = static_cast<uint32_t>(h[5] & 0x7f) << 24 |
                            h[6] << 16 | h[7] << 8 | h[8];
    if (stream == lost_stream) {
      // Only DATA and HEADERS, the frames that end a stream, have flag 0x1
      // on a stream other than 0.
      if (h[4] & kEndStream) {
        *lost = true;
        return false;
      }
    } else if (!SendAll(l.client, l.from_server.data() + at, size)) {
      return false;
    }
    at += size;
  }
  l.from_server.erase(0, at);
  return true;
}

}  // namespace

LossyProxy::LossyProxy(const std::string& target, uint32_t lost_stream,
                       Later later)
    : lost_stream_(lost_stream), later_(later) {
  EXPECT_TRUE(
      absl::SimpleAtoi(target.substr(target.rfind(':') + 1), &target_port_))
      << target;
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), len), 0);
  EXPECT_EQ(listen(listener_, 16), 0);
  EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len),
            0);
  port_ = ntohs(addr.sin_port);
  EXPECT_EQ(pipe2(wake_, O_CLOEXEC), 0);
  thread_ = std::thread([this] { Run(); });
}

LossyProxy::~LossyProxy() {
  EXPECT_EQ(write(wake_[1], "x", 1), 1);
  thread_.join();
  close(wake_[0]);
  close(wake_[1]);
  close(listener_);
}

std::string LossyProxy::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void LossyProxy::Run() {
  std::vector<Link> links;
  bool first = true;
  char buf[16384];
  for (;;) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {-1, POLLIN, 0}};
    if (first || later_ == Later::kForward) fds[1].fd = listener_;
    for (const Link& l : links) {
      fds.push_back({l.client, POLLIN, 0});
      fds.push_back({l.server, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;
    for (size_t i = 0; i < links.size(); ++i) {
      Link& l = links[i];
      if (fds[2 + 2 * i].revents != 0) {
        const ssize_t n = read(l.client, buf, sizeof buf);
        if (n <= 0 || !SendAll(l.server, buf, static_cast<size_t>(n))) {
          l.Close();
          continue;
        }
      }
      if (fds[3 + 2 * i].revents != 0) {
        const ssize_t n = read(l.server, buf, sizeof buf);
        bool open = n > 0;
        if (open && l.lossy) {
          l.from_server.append(buf, static_cast<size_t>(n));
          open = ForwardFrames(l, lost_stream_, &lost_);
        } else if (open) {
          open = SendAll(l.client, buf, static_cast<size_t>(n));
        }
        if (!open) l.Close();
      }
    }
    links.erase(std::remove_if(links.begin(), links.end(),
                               [](const Link& l) { return l.client < 0; }),
                links.end());
    if (fds[1].fd >= 0 && fds[1].revents != 0) {
      Link l;
      l.client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      l.server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const sockaddr_in to = Loopback(target_port_);
      l.lossy = first;
      first = false;
      if (connect(l.server, reinterpret_cast<const sockaddr*>(&to),
                  sizeof to) == 0) {
        links.push_back(std::move(l));
      } else {
        l.Close();
      }
    }
  }
  for (Link& l : links) l.Close();
}

}  // namespace clinic::testing
