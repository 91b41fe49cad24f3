// The operator's subcommands: rebuild and backup, on a database no server
// holds (a running `serve` offers both through its admin endpoints).
#ifndef ORGLEDGER_TOOLS_OPERATE_H_
#define ORGLEDGER_TOOLS_OPERATE_H_

#include <string>

#include "commands/erasure.h"
#include "tools/database.h"

namespace orgledger::tools {

// Rebuilds `projection` (empty: all) with a progress bar on a terminal,
// plain lines otherwise.
int RunRebuild(const Where& where, const std::string& projection);

// Erases a person (SPEC §10) and prints what was done, one JSON object:
// exit 0, or 1 when plaintext records name them (listed), or when nothing
// names them (not_found).
int RunErase(const Where& where, const commands::EraseRequest& request);

// A consistent copy of `where` in `to` (a RocksDB checkpoint), verified.
// A PostgreSQL store is backed up with PostgreSQL's own tools.
int RunBackup(const Where& where, const std::string& to);

// Copies the RocksDB database at where.data (the log, the idempotency keys
// with their outcomes and the person keys; not the snapshots, a cache)
// into the empty
// PostgreSQL store at where.store, then verifies the copy and prints both
// heads, which must be equal. The source is read as a secondary instance.
int RunMigrate(const Where& where);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_OPERATE_H_
