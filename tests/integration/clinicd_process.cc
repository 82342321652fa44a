#include "tests/integration/clinicd_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace clinic::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `fork_and_exec` on one thread that lives as long as the process:
// PR_SET_PDEATHSIG fires when the thread that forked ends, so a server
// started from a test's short-lived thread would die with that thread.
pid_t OnSpawnerThread(const std::function<pid_t()>& fork_and_exec) {
  struct Spawner {
    std::mutex mu;
    std::condition_variable cv;
    const std::function<pid_t()>* job = nullptr;
    pid_t pid = -1;
    std::thread thread{[this] {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        cv.wait(lock, [this] { return job != nullptr; });
        pid = (*job)();
        job = nullptr;
        cv.notify_all();
      }
    }};
  };
  static auto* const spawner = new Spawner();  // never joined
  static std::mutex one_at_a_time;
  const std::lock_guard<std::mutex> turn(one_at_a_time);
  std::unique_lock<std::mutex> lock(spawner->mu);
  spawner->job = &fork_and_exec;
  spawner->cv.notify_all();
  spawner->cv.wait(lock, [] { return spawner->job == nullptr; });
  return spawner->pid;
}

// Forks and execs clinicd with `args`, stdout and stderr to files.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out,
            const std::string& err, const std::string& admin_token) {
  std::vector<char*> argv;
  static std::string binary = CLINICD_PATH;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  return OnSpawnerThread([&] {
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      // clinicd dies with the thread that started it: a test or benchmark
      // that exits, crashes or is interrupted leaves no server behind.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
      if (!freopen(out.c_str(), "w", stdout) ||
          !freopen(err.c_str(), "w", stderr)) {
        _exit(126);
      }
      if (admin_token.empty()) {
        unsetenv("CLINIC_ADMIN_TOKEN");
      } else {
        setenv("CLINIC_ADMIN_TOKEN", admin_token.c_str(), 1);
      }
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    return pid;
  });
}

bool IsPostgresUri(const std::string& db) {
  return absl::StartsWith(db, "postgresql://") ||
         absl::StartsWith(db, "postgres://");
}

// The PostgreSQL databases that file paths stand for, shared by every
// ClinicdProcess given the same path while one of them holds it.
absl::StatusOr<std::shared_ptr<TestDatabase>> DatabaseFor(
    const std::string& path) {
  static std::mutex mu;
  static auto* databases =
      new std::map<std::string, std::weak_ptr<TestDatabase>>();
  std::lock_guard<std::mutex> lock(mu);
  // Forget the databases no one holds any more (already dropped).
  for (auto it = databases->begin(); it != databases->end();) {
    it = it->second.expired() ? databases->erase(it) : std::next(it);
  }
  std::weak_ptr<TestDatabase>& slot = (*databases)[path];
  if (std::shared_ptr<TestDatabase> db = slot.lock()) return db;
  absl::StatusOr<std::unique_ptr<TestDatabase>> made = TestDatabase::Create();
  if (!made.ok()) {
    databases->erase(path);
    return made.status();
  }
  std::shared_ptr<TestDatabase> db = *std::move(made);
  slot = db;
  return db;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "clinic-test-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ClinicdProcess::ClinicdProcess(std::string db_path)
    : db_path_(std::move(db_path)) {}

ClinicdProcess::~ClinicdProcess() { Kill(); }

bool ClinicdProcess::MapsFilesToPostgres() {
  const char* store = std::getenv("CLINIC_TEST_STORE");
  return store != nullptr && std::strcmp(store, "postgres") == 0;
}

bool ClinicdProcess::Start(const std::vector<std::string>& extra_flags,
                           std::string* error) {
  const std::string port_file = run_dir_.path() + "/port";
  const std::string err_file = run_dir_.path() + "/stderr";
  std::filesystem::remove(port_file);
  std::string db = db_path_;
  if (MapsFilesToPostgres() && !IsPostgresUri(db_path_)) {
    if (database_ == nullptr) {
      absl::StatusOr<std::shared_ptr<TestDatabase>> made =
          DatabaseFor(db_path_);
      if (!made.ok()) {
        if (error != nullptr) {
          *error = absl::StrCat("no PostgreSQL database for ", db_path_, ": ",
                                made.status().ToString());
        }
        return false;
      }
      database_ = *std::move(made);
    }
    db = database_->uri();
  }
  std::vector<std::string> args = {
      "--db=" + db, "--listen=127.0.0.1:0", "--port_file=" + port_file,
      "--metrics_listen=127.0.0.1:0",
      "--metrics_port_file=" + run_dir_.path() + "/metrics.port"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  pid_ = Spawn(args, run_dir_.path() + "/stdout", err_file, admin_token_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::ifstream in(port_file);
    if (in >> port_) {
      channel_ =
          grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
      therapists_ = v1::TherapistService::NewStub(channel_);
      athletes_ = v1::AthleteService::NewStub(channel_);
      bookings_ = v1::BookingService::NewStub(channel_);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (error != nullptr) *error = ReadFile(err_file);
  Kill();
  return false;
}

int ClinicdProcess::Stop() {
  if (pid_ <= 0) return -1;
  // Hang up first: the server drains open connections for a while.
  therapists_.reset();
  athletes_.reset();
  bookings_.reset();
  channel_.reset();
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void ClinicdProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Scrape::Scrape(const std::string& text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    series_.emplace_back(std::string(line.substr(0, space)), value);
  }
}

double Scrape::Sum(absl::string_view name,
                   const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const auto& [series, value] : series_) {
    if (series != name && !absl::StartsWith(series, absl::StrCat(name, "{"))) {
      continue;
    }
    bool all = true;
    for (const auto& [key, want] : labels) {
      all = all &&
            absl::StrContains(series, absl::StrCat(key, "=\"", want, "\""));
    }
    if (all) sum += value;
  }
  return sum;
}

std::string CommandOutput(const std::string& command, int* status) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int code = pclose(pipe);
  if (status != nullptr) *status = code;
  return out;
}

Scrape ClinicdProcess::Metrics() const {
  const std::string port = ReadFile(run_dir_.path() + "/metrics.port");
  return Scrape(CommandOutput("curl -sS --max-time 5 http://127.0.0.1:" +
                              port.substr(0, port.find('\n')) + "/metrics"));
}

std::string ClinicdProcess::stderr_text() const {
  return ReadFile(run_dir_.path() + "/stderr");
}

std::string ClinicdProcess::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

int RunClinicdToExit(const std::vector<std::string>& flags,
                     std::string* stderr_text) {
  TempDir dir;
  const pid_t pid =
      Spawn(flags, dir.path() + "/stdout", dir.path() + "/stderr", kAdminToken);
  int status = 0;
  waitpid(pid, &status, 0);
  *stderr_text = ReadFile(dir.path() + "/stderr");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace clinic::testing
