#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace orgledger::testing {

ChildProcess::ChildProcess(const std::string& binary,
                           const std::vector<std::string>& args,
                           const std::string& stderr_path) {
  const std::string path =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / binary)
          .string();
  int fds[2];
  if (::pipe(fds) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!stderr_path.empty()) {
      const int err =
          ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, 2);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  Kill();
  if (fd_ >= 0) ::close(fd_);
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

ChildProcess::ReadResult ChildProcess::ReadUntil(
    std::chrono::milliseconds timeout, const std::string& marker) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Only the new output is searched (a backlog writes megabytes of lines).
  std::size_t from = 0;
  while (marker.empty() || buffer_.find(marker, from) == std::string::npos) {
    from = buffer_.size() >= marker.size() ? buffer_.size() - marker.size() + 1
                                           : 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ReadResult::kTimedOut;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    if (!ReadSome()) return ReadResult::kClosed;
  }
  return ReadResult::kFound;
}

bool ChildProcess::WaitFor(const std::string& marker,
                           std::chrono::milliseconds timeout) {
  return ReadUntil(timeout, marker) == ReadResult::kFound;
}

bool ChildProcess::ReadFor(std::chrono::milliseconds duration) {
  return ReadUntil(duration, "") == ReadResult::kTimedOut;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  while (ReadSome()) {
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<int> ChildProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (ReadUntil(timeout, "") == ReadResult::kTimedOut) return std::nullopt;
  return Wait();
}

std::string ChildProcess::Stacks() const {
  if (pid_ <= 0) return "(no child process to attach to)";
  const std::string command =
      "timeout 120 gdb -nx -batch -p " + std::to_string(pid_) +
      " -ex 'set pagination off' -ex 'thread apply all bt' 2>&1";
  FILE* gdb = ::popen(command.c_str(), "r");
  if (gdb == nullptr) return "(could not start gdb)";
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof(buf), gdb))
    out.append(buf, n);
  const int status = ::pclose(gdb);
  if (out.find("\nThread ") == std::string::npos &&
      out.rfind("Thread ", 0) != 0) {
    return "(no stacks: gdb exited " + std::to_string(status) +
           "; is it installed? scripts/bootstrap.sh installs it)\n" + out;
  }
  return out;
}

namespace {

// The function of one gdb frame line ("#3  0x... in ns::F (a=1) at x.cc:9"
// or "#0  ns::F () at x.cc:9"), or "" when it is not a frame line.
std::string FrameFunction(const std::string& line) {
  if (line.size() < 2 || line[0] != '#') return "";
  std::size_t at = line.find_first_of(' ');
  if (at == std::string::npos) return "";
  at = line.find_first_not_of(' ', at);
  if (at == std::string::npos) return "";
  if (line.compare(at, 2, "0x") == 0) {
    const std::size_t in = line.find(" in ", at);
    if (in == std::string::npos) return "";
    at = in + 4;
  }
  // Demangled names without debug information carry their parameter types
  // ("f(int) () from lib.so"): cut at the argument list gdb adds.
  std::size_t end = line.find(" (", at);
  std::string name = line.substr(at, end == std::string::npos ? end : end - at);
  // Template arguments make lines unreadable and differ between identical
  // waits: keep the outermost name only.
  std::string flat;
  int depth = 0;
  for (char c : name) {
    if (c == '<') ++depth;
    if (depth == 0) flat.push_back(c);
    if (c == '>' && depth > 0) --depth;
  }
  return flat;
}

// Frames that say only "this thread waits" or "this is a thread" (libc,
// libstdc++'s internals, RocksDB's condition variables): the frames around
// them say what for.
bool IsPlumbing(const std::string& f) {
  static const char* const kPrefixes[] = {"futex_",
                                          "__futex",
                                          "__GI_",
                                          "___pthread",
                                          "__pthread",
                                          "pthread_",
                                          "__lll_",
                                          "lll_",
                                          "syscall",
                                          "__syscall",
                                          "__libc_",
                                          "__poll",
                                          "clock_nanosleep",
                                          "__clock_nanosleep",
                                          "__nanosleep",
                                          "epoll_wait",
                                          "__epoll_wait",
                                          "start_thread",
                                          "clone",
                                          "??",
                                          "operator()",
                                          "std::__",
                                          "std::condition_variable",
                                          "std::mutex::",
                                          "std::thread::",
                                          "std::this_thread::",
                                          "rocksdb::port::CondVar",
                                          "rocksdb::InstrumentedCondVar"};
  for (const char* p : kPrefixes) {
    if (f.rfind(p, 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::string SummarizeStacks(const std::string& gdb_output, int frames) {
  std::map<std::string, int> groups;
  std::istringstream in(gdb_output);
  std::string line;
  std::vector<std::string> current;
  bool in_thread = false;
  auto close = [&] {
    if (!in_thread) return;
    std::string signature;
    for (const std::string& f : current) {
      if (!signature.empty()) signature += " < ";
      signature += f;
    }
    groups[signature.empty() ? "(no frames)" : signature] += 1;
    current.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("Thread ", 0) == 0) {
      close();
      in_thread = true;
      continue;
    }
    if (!in_thread || static_cast<int>(current.size()) >= frames) continue;
    const std::string f = FrameFunction(line);
    if (!f.empty() && !IsPlumbing(f)) current.push_back(f);
  }
  close();
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [signature, n] : groups) sorted.emplace_back(n, signature);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (const auto& [n, signature] : sorted) {
    out += std::to_string(n) + "x " + signature + "\n";
  }
  return out;
}

std::string ChildProcess::DrainAll() {
  while (ReadSome()) {
  }
  return buffer_;
}

bool ChildProcess::ReadSome() {
  char buf[65536];
  const ssize_t n = ::read(fd_, buf, sizeof(buf));
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

}  // namespace orgledger::testing
