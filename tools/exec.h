// `orgledger exec`: JSON Lines requests on stdin, one response line each on
// stdout, in order (SPEC §6).
#ifndef ORGLEDGER_TOOLS_EXEC_H_
#define ORGLEDGER_TOOLS_EXEC_H_

#include <iosfwd>
#include <string>

#include "tools/database.h"

namespace orgledger::tools {

struct ExecOptions {
  Where where;
  std::string editions_file;  // empty: the default catalog
  std::string durability = "sync";
};

// Returns the exit code: 0 when every line was answered (whatever the
// answers), 2 when the database cannot be opened.
int RunExec(const ExecOptions& options, std::istream& in, std::ostream& out);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_EXEC_H_
