// What a test's child process tells its parent (tests/testing/child_process.h
// reads it): one line per write(2). A line shorter than PIPE_BUF arrives
// whole, so a SIGKILL never leaves half an acknowledgement. Header-only:
// the children link nothing of the test support library.
#ifndef ORGLEDGER_TESTS_TESTING_CHILD_OUTPUT_H_
#define ORGLEDGER_TESTS_TESTING_CHILD_OUTPUT_H_

#include <unistd.h>

#include <string>

namespace orgledger::testing {

// Writes `line` and a newline to stdout in one write(2); exits with 4 when
// the parent is gone.
inline void WriteLine(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(1, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    ::_exit(4);
  }
}

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_CHILD_OUTPUT_H_
