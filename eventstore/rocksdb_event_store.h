// The RocksDB backend of the event store (SPEC §4): the log, its indexes,
// snapshots and the projections' state in one embedded database that one
// process writes. Its on-disk format is docs/format.md. Public, and free of
// <rocksdb/...> headers.
#ifndef ORGLEDGER_EVENTSTORE_ROCKSDB_EVENT_STORE_H_
#define ORGLEDGER_EVENTSTORE_ROCKSDB_EVENT_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "base/result.h"
#include "eventstore/event_store.h"

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace orgledger::eventstore {

// What only the RocksDB backend takes, beside StoreOptions.
struct RocksDbOptions {
  // Stream heads the writer keeps in memory; others are read from disk.
  // Default: 65536.
  std::size_t head_cache_entries = 65536;

  // RocksDB's memory, one LRU cache for every column family: data blocks,
  // and the memtables, charged to it through a WriteBufferManager that
  // flushes once they pass half of it. Default: 128 MiB.
  std::size_t memory_bytes = 128 << 20;

  // Tests only: the file system RocksDB writes through (fault injection,
  // fsync counting). Default: null, the operating system's.
  std::shared_ptr<rocksdb::FileSystem> TEST_file_system;
};

// The StoreStats::gauges this backend reports: its cache's usage (within
// RocksDbOptions::memory_bytes, memtables included), the pinned part, the
// memtables alone, what the open SST files' readers hold outside the cache,
// and how many SST files are live.
inline constexpr char kRocksDbCacheBytes[] = "rocksdb_cache_bytes";
inline constexpr char kRocksDbPinnedBytes[] = "rocksdb_pinned_bytes";
inline constexpr char kRocksDbMemtableBytes[] = "rocksdb_memtable_bytes";
inline constexpr char kRocksDbTableReaderBytes[] = "rocksdb_table_reader_bytes";
inline constexpr char kRocksDbLiveFiles[] = "rocksdb_live_files";

// Opens (creating if missing) the RocksDB store at `path`, for writing.
// kUnavailable with a clear message when another process holds it.
Result<std::unique_ptr<EventStore>> OpenRocksDbEventStore(
    const StoreOptions& options, const std::string& path,
    const RocksDbOptions& rocksdb = {});

// Opens the store at `path` read-only while its writer may be running (a
// RocksDB secondary instance keeping its own files in `scratch_path`).
// Appends fail with kUnavailable; Refresh() catches up with the writer.
Result<std::unique_ptr<EventStore>> OpenRocksDbEventStoreReadOnly(
    const StoreOptions& options, const std::string& path,
    const std::string& scratch_path, const RocksDbOptions& rocksdb = {});

// A StateStore of its own in a RocksDB database at `path` (created when
// absent): the local state of a store whose log lives elsewhere (the
// PostgreSQL store's projections, docs/postgres.md). Writes are not synced:
// what a power cut takes is recomputed from the log.
Result<std::unique_ptr<StateStore>> OpenRocksDbStateStore(
    const std::string& path, const RocksDbOptions& rocksdb = {});

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_ROCKSDB_EVENT_STORE_H_
