// The auditor's subcommands: head, verify, replay. All read a database
// read-only, also while a server writes it.
#ifndef ORGLEDGER_TOOLS_INSPECT_H_
#define ORGLEDGER_TOOLS_INSPECT_H_

#include <optional>
#include <string>

#include "tools/database.h"

namespace orgledger::tools {

int RunHead(const Where& where);

struct VerifyOptions {
  Where where;
  bool projections = false;
  std::string anchor;  // "POSITION:HASH", empty: none
};
int RunVerify(const VerifyOptions& options);

struct ReplayOptions {
  Where where;
  std::string org;
  std::string since;  // RFC 3339
  std::string until;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::string actor;  // a user id or "system:<service>"
  std::string type;
  std::string format = "text";  // or "json"
  bool verify = false;
};
int RunReplay(const ReplayOptions& options);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_INSPECT_H_
