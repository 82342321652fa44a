#include "tests/integration/stalling_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/time/clock.h"

namespace clinic::testing {
namespace {

constexpr uint8_t kData = 0x0, kHeaders = 0x1, kRstStream = 0x3,
                  kSettings = 0x4, kPing = 0x6, kGoAway = 0x7,
                  kWindowUpdate = 0x8;
constexpr uint8_t kAck = 0x1, kEndStream = 0x1, kEndHeaders = 0x4;
constexpr int64_t kMaxFrame = 16384;

uint32_t Read32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3]));
}

void Append32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    s.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// HPACK "literal header field without indexing, new name" (RFC 7541
// section 6.2.2), plain strings; names and values under 127 bytes.
void AppendHeader(std::string& block, const std::string& name,
                  const std::string& value) {
  block.push_back(0);
  block.push_back(static_cast<char>(name.size()));
  block += name;
  block.push_back(static_cast<char>(value.size()));
  block += value;
}

}  // namespace

StallingClient::StallingClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  if (send(fd_, preface.data(), preface.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(preface.size())) {
    closed_ = true;
  }
  SendFrame(kSettings, 0, 0, "");
}

StallingClient::~StallingClient() {
  if (fd_ >= 0) close(fd_);
}

void StallingClient::SendFrame(uint8_t type, uint8_t flags, uint32_t stream,
                               const std::string& payload) {
  if (!connected()) return;
  std::string frame;
  const auto size = static_cast<uint32_t>(payload.size());
  frame.push_back(static_cast<char>((size >> 16) & 0xff));
  frame.push_back(static_cast<char>((size >> 8) & 0xff));
  frame.push_back(static_cast<char>(size & 0xff));
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(flags));
  Append32(frame, stream & 0x7fffffff);
  frame += payload;
  const char* data = frame.data();
  size_t left = frame.size();
  while (left > 0) {
    const ssize_t n = send(fd_, data, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

int64_t StallingClient::OpenStalledCall(const std::string& path,
                                        uint32_t announced, int64_t sent,
                                        absl::Duration patience) {
  Pump(absl::ZeroDuration());
  if (opened_ - static_cast<int>(ended_.size()) >= max_streams_) return 0;
  const uint32_t stream = next_stream_;
  next_stream_ += 2;
  ++opened_;
  std::string block;
  AppendHeader(block, ":method", "POST");
  AppendHeader(block, ":scheme", "http");
  AppendHeader(block, ":path", path);
  AppendHeader(block, ":authority", "127.0.0.1");
  AppendHeader(block, "content-type", "application/grpc");
  AppendHeader(block, "te", "trailers");
  SendFrame(kHeaders, kEndHeaders, stream, block);
  stream_windows_[stream] = initial_stream_window_;

  // The gRPC message prefix: not compressed, then the announced length.
  std::string message(1, '\0');
  Append32(message, announced);
  message.append(static_cast<size_t>(std::max<int64_t>(sent - 5, 0)), 'a');
  size_t at = 0;
  const absl::Time give_up = absl::Now() + patience;
  while (at < message.size() && connected() && absl::Now() < give_up &&
         ended_.count(stream) == 0) {
    const int64_t room =
        std::min({connection_window_, stream_windows_[stream], kMaxFrame,
                  static_cast<int64_t>(message.size() - at)});
    if (room <= 0) {
      Pump(absl::Milliseconds(10));
      continue;
    }
    SendFrame(kData, 0, stream, message.substr(at, static_cast<size_t>(room)));
    connection_window_ -= room;
    stream_windows_[stream] -= room;
    at += static_cast<size_t>(room);
    Pump(absl::ZeroDuration());
  }
  return static_cast<int64_t>(at);
}

void StallingClient::Pump(absl::Duration wait) {
  const absl::Time until = absl::Now() + wait;
  while (connected()) {
    pollfd p{fd_, POLLIN, 0};
    const int timeout_ms = static_cast<int>(
        std::max<int64_t>(absl::ToInt64Milliseconds(until - absl::Now()), 0));
    if (poll(&p, 1, timeout_ms) <= 0) return;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return;
    }
    in_.append(buf, static_cast<size_t>(n));
    while (in_.size() >= 9) {
      const size_t length = (static_cast<uint8_t>(in_[0]) << 16) |
                            (static_cast<uint8_t>(in_[1]) << 8) |
                            static_cast<uint8_t>(in_[2]);
      if (in_.size() < 9 + length) break;
      HandleFrame(static_cast<uint8_t>(in_[3]), static_cast<uint8_t>(in_[4]),
                  Read32(in_, 5) & 0x7fffffff, in_.substr(9, length));
      in_.erase(0, 9 + length);
    }
  }
}

void StallingClient::HandleFrame(uint8_t type, uint8_t flags, uint32_t stream,
                                 const std::string& payload) {
  switch (type) {
    case kSettings:
      if ((flags & kAck) != 0) return;
      for (size_t i = 0; i + 6 <= payload.size(); i += 6) {
        const int id = (static_cast<uint8_t>(payload[i]) << 8) |
                       static_cast<uint8_t>(payload[i + 1]);
        if (id == 0x3) max_streams_ = Read32(payload, i + 2);
        if (id == 0x4) {  // SETTINGS_INITIAL_WINDOW_SIZE
          const int64_t window = Read32(payload, i + 2);
          for (auto& [s, w] : stream_windows_) {
            w += window - initial_stream_window_;
          }
          initial_stream_window_ = window;
        }
      }
      SendFrame(kSettings, kAck, 0, "");
      return;
    case kPing:
      if ((flags & kAck) == 0) SendFrame(kPing, kAck, 0, payload);
      return;
    case kWindowUpdate:
      if (payload.size() == 4) {
        const int64_t more = Read32(payload, 0) & 0x7fffffff;
        (stream == 0 ? connection_window_ : stream_windows_[stream]) += more;
      }
      return;
    case kRstStream:
      ended_.insert(stream);
      return;
    case kHeaders:  // trailers end a call; response headers alone do not
      if ((flags & kEndStream) != 0) ended_.insert(stream);
      return;
    case kGoAway:
      goaway_ = true;
      return;
    default:
      return;
  }
}

}  // namespace clinic::testing
