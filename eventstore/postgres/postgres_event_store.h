// The PostgreSQL EventStore (SPEC §7): the same records, hash chain and
// guarantees as the RocksDB store, in a PostgreSQL 15 database that any
// number of engines, in any number of processes, append to at once.
// Positions are gapless and in commit order across all of them
// (docs/postgres.md says how). Reached through libpq; credentials come from
// the URL or libpq's passfile and never appear in errors, logs or stats.
#ifndef ORGLEDGER_EVENTSTORE_POSTGRES_POSTGRES_EVENT_STORE_H_
#define ORGLEDGER_EVENTSTORE_POSTGRES_POSTGRES_EVENT_STORE_H_

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "eventstore/event_store.h"

namespace orgledger::eventstore {

// The version of the tables this build creates and reads.
inline constexpr int kPostgresSchemaVersion = 2;

struct PostgresOptions {
  // A libpq connection URI (postgresql://...) or key=value string, also the
  // multi-host form with target_session_attrs=read-write.
  std::string url;
  // For connecting and for every statement; past it the operation is
  // kUnavailable. Default: 5 s.
  std::chrono::milliseconds timeout{5000};
  // Where this process keeps the projections' state (a local RocksDB
  // database, docs/postgres.md). Empty: in memory, rebuilt from the log at
  // every open.
  std::string state_dir;
  // The most connections for reads (each reader takes one for a
  // statement, and waits when all are lent). Default: 8.
  int read_connections = 8;
  // Test only: positions from a plain sequence instead of the log head's
  // lock, the design every PostgreSQL event store that shipped the
  // ordering bug used (docs/postgres.md). Never in production.
  bool TEST_positions_from_sequence = false;
  // Test only: how long the writer holds each group's transaction open
  // after writing it and before committing.
  std::chrono::milliseconds TEST_commit_delay{0};
  // Test only: no follower, so this store learns of no other process's
  // commit and plans every group on the head it remembers (the guard then
  // catches each stale plan, deterministically).
  bool TEST_no_follower = false;
};

// Gauges of StoreStats (1 or 0): the server's settings read at open.
inline constexpr char kPostgresFsync[] = "postgres_fsync";
inline constexpr char kPostgresSynchronousCommit[] =
    "postgres_synchronous_commit";
// Counters: groups committed in one round trip, planned on the head the
// writer remembers; and such plans the guard found stale (another process
// had appended, a stream was not at the expected version, or a key was
// used), then planned again under the lock.
inline constexpr char kPostgresOneTripGroups[] = "postgres_one_trip_groups";
inline constexpr char kPostgresGuardMisses[] = "postgres_guard_misses";

// Opens (and on first use creates) the store's tables. kUnavailable when
// the server cannot be reached, for a schema newer than this build knows,
// or for `sync` durability on a server that would not flush a commit
// (fsync or synchronous_commit off), naming the setting.
Result<std::unique_ptr<EventStore>> OpenPostgresEventStore(
    const StoreOptions& options, const PostgresOptions& postgres);

// Whether `where` names a PostgreSQL store (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view where);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_POSTGRES_POSTGRES_EVENT_STORE_H_
