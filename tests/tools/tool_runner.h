// Running the real `orgledger` binary from tests: one-shot runs with stdin
// from a string, and an interactive `exec` session that answers one request
// line at a time (a process that holds the database meanwhile).
#ifndef ORGLEDGER_TESTS_TOOLS_TOOL_RUNNER_H_
#define ORGLEDGER_TESTS_TOOLS_TOOL_RUNNER_H_

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace orgledger::testing {

struct ToolResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The path of build/bin/orgledger ($ORGLEDGER_BIN_DIR, else beside the test).
std::string OrgledgerBinary();

// Runs `orgledger args...` with `input` on stdin; waits for it to exit.
ToolResult RunOrgledger(const std::vector<std::string>& args,
                        const std::string& input = "");

// `orgledger exec --data DIR` kept running: Send() writes one line and
// returns the response line, parsed.
class ExecSession {
 public:
  explicit ExecSession(const std::string& data);
  ExecSession(const ExecSession&) = delete;
  ExecSession& operator=(const ExecSession&) = delete;
  ~ExecSession();

  boost::json::object Send(const std::string& line);
  std::string SendRaw(const std::string& line);  // the response line as is
  // Closes stdin and waits; the exit code.
  int Close();

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TOOLS_TOOL_RUNNER_H_
