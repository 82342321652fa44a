#include "tests/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace clinic::testing {
namespace {

// A loopback port that was free a moment ago: bind to port 0, then close.
int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReplyText(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply.str, reply.len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply.integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ERROR:
      return absl::StrCat("(error) ", std::string(reply.str, reply.len));
    case REDIS_REPLY_ARRAY: {
      std::string text;
      for (size_t i = 0; i < reply.elements; ++i) {
        absl::StrAppend(&text, ReplyText(*reply.element[i]), "\n");
      }
      return text;
    }
  }
  return "(unknown reply)";
}

}  // namespace

RedisServer::RedisServer() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "clinic-redis-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
  port_ = PickFreePort();
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

absl::Status RedisServer::Start() {
  if (dir_.empty()) return absl::InternalError("no temporary folder");
  if (running()) return absl::FailedPreconditionError("already running");
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool exited = false;
    if (StartOnce(&exited)) {
      port_proven_ = true;
      return absl::OkStatus();
    }
    if (!exited || port_proven_) break;
    port_ = PickFreePort();  // most likely a clash on the port
  }
  return absl::UnavailableError(absl::StrCat(
      "redis-server did not start on port ", port_, "; log:\n", log()));
}

bool RedisServer::StartOnce(bool* exited) {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {"redis-server",
                                   "--port",
                                   port,
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log_path = dir_ + "/redis.log";
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return false;

  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan if the test dies
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) return false;

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      *exited = true;
      return false;
    }
    if (Command("PING") == "PONG") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return false;
}

absl::Status RedisServer::Restart() {
  Stop();
  return Start();
}

void RedisServer::Stop() {
  if (!running()) return;
  kill(pid_, SIGTERM);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Kill();
}

void RedisServer::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string RedisServer::url() const {
  return absl::StrCat("redis://127.0.0.1:", port_);
}

std::string RedisServer::Command(const std::string& command) const {
  return Command(std::vector<std::string>(
      absl::StrSplit(command, ' ', absl::SkipEmpty())));
}

std::string RedisServer::Command(const std::vector<std::string>& args) const {
  std::unique_ptr<redisContext, void (*)(redisContext*)> c(
      redisConnectWithTimeout("127.0.0.1", port_, {1, 0}), redisFree);
  if (c == nullptr) return "(failed) cannot allocate";
  if (c->err == 0) redisSetTimeout(c.get(), {5, 0});
  if (c->err != 0) return absl::StrCat("(failed) ", c->errstr);
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* raw = redisCommandArgv(c.get(), static_cast<int>(argv.size()),
                               argv.data(), lengths.data());
  if (raw == nullptr) return absl::StrCat("(failed) ", c->errstr);
  std::unique_ptr<redisReply, void (*)(void*)> reply(
      static_cast<redisReply*>(raw), freeReplyObject);
  return ReplyText(*reply);
}

std::string RedisServer::log() const {
  std::ifstream in(dir_ + "/redis.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace clinic::testing
