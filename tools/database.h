// Opening a database for the tools: for writing (one process at a time; a
// second one is told who holds it), or read-only while a server writes.
#ifndef ORGLEDGER_TOOLS_DATABASE_H_
#define ORGLEDGER_TOOLS_DATABASE_H_

#include <memory>
#include <string>

#include "commands/engine.h"

namespace orgledger::tools {

// Exit codes of SPEC §6.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;

// Where a subcommand's database is (SPEC §6, §7): `--data DIR`, a RocksDB
// database; or `--store URL`, a PostgreSQL database shared by every engine
// (`--data` is then optional: the directory where this process keeps its
// projections' state; without it they are kept in memory).
struct Where {
  std::string data;
  std::string store;
  double store_timeout_s = 5;

  bool postgres() const { return !store.empty(); }
  // For messages and logs: the directory, or the URL without its user,
  // password and parameters.
  std::string Describe() const;
};

// kInvalidArgument unless `where` names a database (--data or --store).
Status CheckWhere(const Where& where);

// Sets the engine's data_dir and postgres options from `where`.
void ApplyWhere(const Where& where, commands::EngineOptions* options);

// Whether opening may make a new database: the writers (exec, serve) do and
// say so on stderr; the operators' jobs (rebuild, backup) never do.
enum class IfMissing { kCreate, kRefuse };

// Opens the engine on `options.data_dir` for writing and records this
// process as its holder (`DIR/HOLDER`: pid and command). When another
// process holds it, the error names that process. A directory with no
// RocksDB database is created (kCreate) or kNotFound naming it (kRefuse).
Result<std::unique_ptr<commands::Engine>> OpenEngine(
    commands::EngineOptions options, const std::string& command,
    IfMissing if_missing);

// A read-only view of a database another process may be writing (a RocksDB
// secondary instance with a private scratch directory, removed on close).
class ReadOnlyDatabase {
 public:
  static Result<std::unique_ptr<ReadOnlyDatabase>> Open(
      const std::string& data);
  // The same for `where`: a PostgreSQL store is opened as is (readers do
  // not disturb its writers), its projections' state at where.data.
  static Result<std::unique_ptr<ReadOnlyDatabase>> Open(const Where& where);
  ~ReadOnlyDatabase();
  eventstore::EventStore& store() { return *store_; }

 private:
  ReadOnlyDatabase() = default;
  std::string scratch_;
  std::unique_ptr<eventstore::EventStore> store_;
};

// Prints "orgledger: <message>" on stderr and returns kExitUsage.
int Fail(const Status& s);

// Reads a whole file; kNotFound/kUnavailable with the path otherwise.
Result<std::string> ReadFile(const std::string& path);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_DATABASE_H_
