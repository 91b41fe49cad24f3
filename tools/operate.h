// The operator's subcommands: rebuild and backup, on a database no server
// holds (a running `serve` offers both through its admin endpoints).
#ifndef ORGLEDGER_TOOLS_OPERATE_H_
#define ORGLEDGER_TOOLS_OPERATE_H_

#include <string>

namespace orgledger::tools {

// Rebuilds `projection` (empty: all) with a progress bar on a terminal,
// plain lines otherwise.
int RunRebuild(const std::string& data, const std::string& projection);

// A consistent copy of `data` in `to` (a RocksDB checkpoint), verified.
int RunBackup(const std::string& data, const std::string& to);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_OPERATE_H_
