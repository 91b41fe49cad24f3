// The operator's subcommands: rebuild and backup, on a database no server
// holds (a running `serve` offers both through its admin endpoints).
#ifndef ORGLEDGER_TOOLS_OPERATE_H_
#define ORGLEDGER_TOOLS_OPERATE_H_

#include <string>

#include "tools/database.h"

namespace orgledger::tools {

// Rebuilds `projection` (empty: all) with a progress bar on a terminal,
// plain lines otherwise.
int RunRebuild(const Where& where, const std::string& projection);

// A consistent copy of `where` in `to` (a RocksDB checkpoint), verified.
// A PostgreSQL store is backed up with PostgreSQL's own tools.
int RunBackup(const Where& where, const std::string& to);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_OPERATE_H_
