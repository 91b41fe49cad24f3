#include "tests/tools/tool_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"

namespace orgledger::testing {
namespace {

void WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string OrgledgerBinary() {
  const char* dir = std::getenv("ORGLEDGER_BIN_DIR");
  if (dir != nullptr) return std::string(dir) + "/orgledger";
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() /
          "orgledger")
      .string();
}

ToolResult RunOrgledger(const std::vector<std::string>& args,
                        const std::string& input) {
  static TestDir scratch;
  static int counter = 0;
  const std::string base = scratch.Sub("run" + std::to_string(++counter));
  {
    std::ofstream in(base + ".in", std::ios::binary);
    in << input;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen((base + ".in").c_str(), "rb", stdin);
    std::freopen((base + ".out").c_str(), "wb", stdout);
    std::freopen((base + ".err").c_str(), "wb", stderr);
    const std::string bin = OrgledgerBinary();
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(base + ".out");
  r.err = ReadText(base + ".err");
  return r;
}

ExecSession::ExecSession(const std::string& data) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::close(to_child[0]);
    ::close(to_child[1]);
    ::close(from_child[0]);
    ::close(from_child[1]);
    const std::string bin = OrgledgerBinary();
    ::execl(bin.c_str(), bin.c_str(), "exec", "--data", data.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  in_ = to_child[1];
  out_ = from_child[0];
}

ExecSession::~ExecSession() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (in_ >= 0) ::close(in_);
  if (out_ >= 0) ::close(out_);
}

std::string ExecSession::SendRaw(const std::string& line) {
  WriteAll(in_, line + "\n");
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string response = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return response;
    }
    char buf[65536];
    const ssize_t n = ::read(out_, buf, sizeof(buf));
    if (n <= 0) return "";
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

boost::json::object ExecSession::Send(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(SendRaw(line), ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

int ExecSession::Close() {
  ::close(in_);
  in_ = -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace orgledger::testing
