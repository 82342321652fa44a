#include "tests/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace clinic::testing {
namespace {

// Whom the server's processes run as: user postgres when we are root.
struct ServerUser {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

absl::StatusOr<ServerUser> FindServerUser() {
  if (geteuid() != 0) return ServerUser{};
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, and there is no user postgres to run "
        "PostgreSQL as (it refuses root)");
  }
  return ServerUser{true, pw->pw_uid, pw->pw_gid};
}

// Debian keeps initdb and postgres off PATH; pg_config knows where.
std::string FindBindir() {
  std::string dir;
  if (FILE* out = popen("pg_config --bindir 2>/dev/null", "r")) {
    char line[512] = {};
    if (fgets(line, sizeof line, out) != nullptr) {
      dir = std::string(absl::StripAsciiWhitespace(line));
    }
    pclose(out);
  }
  if (dir.empty() || access((dir + "/initdb").c_str(), X_OK) != 0) {
    dir = "/usr/lib/postgresql/15/bin";
  }
  return dir;
}

// A port below Linux's ephemeral range (32768+) that nobody listens on
// now; the server's bind is the real test.
int PickPort() {
  static std::mt19937 rng{std::random_device()()};
  for (;;) {
    const int port = 15000 + static_cast<int>(rng() % 17000);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool taken =
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (!taken) return port;
  }
}

// Forks and execs `args` as `user`, stdout and stderr appended to `log`.
// The child gets SIGKILL when the calling thread ends. -1 on failure.
pid_t Spawn(std::vector<std::string> args, const std::string& log,
            const ServerUser& user) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return -1;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    if (user.switch_user && (setgroups(0, nullptr) != 0 ||
                             setgid(user.gid) != 0 || setuid(user.uid) != 0)) {
      _exit(126);
    }
    // After the user switch, which clears it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Create() {
  absl::StatusOr<ServerUser> user = FindServerUser();
  if (!user.ok()) return user.status();
  std::string pattern =
      (std::filesystem::temp_directory_path() / "clinic-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("cannot make a temporary folder");
  }
  auto server = absl::WrapUnique(new PostgresServer(pattern));
  server->bindir_ = FindBindir();
  if (user->switch_user && chown(pattern.c_str(), user->uid, user->gid) != 0) {
    return absl::InternalError(absl::StrCat("cannot chown ", pattern));
  }
  // C.UTF-8 and UTC, as scripts/with-postgres: the same text everywhere.
  const std::string data = server->dir_ + "/data";
  const std::string initdb_log = server->dir_ + "/initdb.log";
  const pid_t initdb =
      Spawn({server->bindir_ + "/initdb", "-D", data, "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
             "--no-instructions"},
            initdb_log, *user);
  int status = 0;
  if (initdb < 0 || waitpid(initdb, &status, 0) != initdb ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("initdb failed:\n", ReadFile(initdb_log)));
  }
  // Durability settings keep their defaults: tests check what an
  // acknowledged write survives.
  std::ofstream conf(data + "/postgresql.conf", std::ios::app);
  conf << "listen_addresses = '127.0.0.1'\n"
       << "unix_socket_directories = '" << server->dir_ << "'\n"
       << "max_connections = 100\n"
       << "timezone = 'UTC'\n";
  conf.close();
  if (!conf) return absl::InternalError("cannot write postgresql.conf");
  absl::Status started = server->Start();
  if (!started.ok()) return started;
  return server;
}

PostgresServer::~PostgresServer() {
  Kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status PostgresServer::Start() {
  if (running()) return absl::FailedPreconditionError("already running");
  if (port_ == 0) port_ = PickPort();
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool exited = false;
    if (StartOnce(&exited)) {
      port_proven_ = true;
      return absl::OkStatus();
    }
    if (!exited || port_proven_ ||
        !absl::StrContains(log(), "could not bind")) {
      break;
    }
    port_ = PickPort();  // someone took it meanwhile
  }
  return absl::UnavailableError(absl::StrCat(
      "PostgreSQL did not start on port ", port_, "; log:\n", log()));
}

bool PostgresServer::StartOnce(bool* exited) {
  absl::StatusOr<ServerUser> user = FindServerUser();
  if (!user.ok()) return false;
  pid_ = Spawn({bindir_ + "/postgres", "-D", dir_ + "/data", "-p",
                std::to_string(port_)},
               dir_ + "/server.log", *user);
  if (pid_ < 0) return false;
  const std::string ping =
      absl::StrCat("host=127.0.0.1 port=", port_,
                   " user=postgres dbname=postgres connect_timeout=2");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      *exited = true;
      return false;
    }
    if (PQping(ping.c_str()) == PQPING_OK) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return false;
}

bool PostgresServer::SignalAndWait(int signal, int patience_ms) {
  Thaw();  // a frozen server would not act on it
  kill(pid_, signal);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void PostgresServer::Stop() {
  if (!running()) return;
  if (!SignalAndWait(SIGINT, 30'000)) Kill();
}

void PostgresServer::Kill() {
  if (!running()) return;
  if (SignalAndWait(SIGQUIT, 10'000)) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string PostgresServer::uri() const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/postgres");
}

std::string PostgresServer::log() const {
  return ReadFile(dir_ + "/server.log");
}

void PostgresServer::SignalAll(int signal) {
  if (pid_ <= 0) return;
  // The postmaster first, so that it starts no backend meanwhile.
  kill(pid_, signal);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    // /proc/PID/stat: "PID (name) STATE PPID ..."; the name may hold spaces.
    const std::string stat = ReadFile(entry.path().string() + "/stat");
    const size_t paren = stat.rfind(')');
    pid_t parent = 0;
    if (paren == std::string::npos) continue;
    const std::vector<std::string> fields =
        absl::StrSplit(stat.substr(paren + 2), ' ');
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &parent) &&
        parent == pid_) {
      kill(pid, signal);
    }
  }
}

void PostgresServer::Freeze() { SignalAll(SIGSTOP); }

void PostgresServer::Thaw() { SignalAll(SIGCONT); }

}  // namespace clinic::testing
