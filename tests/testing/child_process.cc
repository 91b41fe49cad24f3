#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

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
  while (marker.empty() || buffer_.find(marker) == std::string::npos) {
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
