// ChildProcess: a test's child process (a binary beside the test) whose
// stdout is a pipe to the test, for crash tests that kill it with SIGKILL
// and read what it acknowledged before dying.
#ifndef ORGLEDGER_TESTS_TESTING_CHILD_PROCESS_H_
#define ORGLEDGER_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace orgledger::testing {

class ChildProcess {
 public:
  // Starts `binary` (a file name in this test's directory) with `args`;
  // its stderr goes to `stderr_path` when given, else to the test's.
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::string& stderr_path = "");
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Reads until a whole line "ready" arrived; false after `timeout` or when
  // the child closed its stdout.
  bool WaitReady(std::chrono::milliseconds timeout) {
    return WaitFor("ready\n", timeout);
  }
  // Reads until `marker` appeared in the output; false after `timeout` or
  // when the child closed its stdout.
  bool WaitFor(const std::string& marker, std::chrono::milliseconds timeout);
  // Reads the child's output for `duration` (so that it never blocks on a
  // full pipe meanwhile); false when the child closed its stdout.
  bool ReadFor(std::chrono::milliseconds duration);
  // What the child wrote so far.
  const std::string& output() const { return buffer_; }
  // Its process id (-1 once reaped).
  pid_t pid() const { return pid_; }

  // Sends `signal` (the child keeps running until it exits by itself).
  void Signal(int signal);

  // SIGKILL, then reaps the child. A no-op once done.
  void Kill();

  // Reads its output until the child closes it, then waits for the child
  // to exit by itself; its exit status (or -1).
  int Wait();
  // Like Wait(), but gives up after `timeout` (nullopt; the child still
  // runs, for Stacks()).
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);

  // The stacks of all the child's threads, from `gdb -batch` attached to
  // it (while it runs: before Kill()), for a test that found it stuck; an
  // explanation instead when gdb is not installed or cannot attach.
  std::string Stacks() const;

  // After Kill() or Wait(): everything the child wrote.
  std::string DrainAll();

 private:
  enum class ReadResult { kFound, kTimedOut, kClosed };
  // Reads until `marker` (never, when empty) is in the output, for at most
  // `timeout`, or until the child closes its stdout.
  ReadResult ReadUntil(std::chrono::milliseconds timeout,
                       const std::string& marker);
  bool ReadSome();

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

// gdb's "thread apply all bt" output condensed for a failure message:
// threads with the same innermost `frames` functions (waits and thread
// plumbing inside libc, libstdc++ and RocksDB skipped) on one line each,
// the most common first, e.g.
//   "57x rocksdb::WriteThread::AwaitState < rocksdb::DBImpl::WriteImpl < ..."
std::string SummarizeStacks(const std::string& gdb_output, int frames = 4);

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_CHILD_PROCESS_H_
