// RocksDbHandle: one open RocksDB database with the event store's column
// families: opening (primary or secondary), closing, reopening, and the
// translation of rocksdb::Status into Status. The only place that knows how
// the database is configured.
//
// Not thread-safe: its owner serializes Open/Close against every use.
#ifndef ORGLEDGER_EVENTSTORE_ROCKSDB_HANDLE_H_
#define ORGLEDGER_EVENTSTORE_ROCKSDB_HANDLE_H_

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_buffer_manager.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "eventstore/event_store.h"
#include "eventstore/rocksdb_event_store.h"

namespace orgledger::eventstore {

// rocksdb::Status -> Status: I/O errors, a full disk and a held lock become
// kUnavailable (with `what` in the message); corruption stays corruption.
Status FromRocksDb(const rocksdb::Status& s, const std::string& what);

// Adds `batch`'s puts, deletes and range deletes, in column family `cf`,
// to `wb`; `what` names the write in an error.
Status AddToWriteBatch(const StateBatch& batch, rocksdb::ColumnFamilyHandle* cf,
                       rocksdb::WriteBatch* wb, const std::string& what);

class RocksDbHandle {
 public:
  enum class Mode { kPrimary, kSecondary };

  RocksDbHandle(const RocksDbOptions& options, std::string path, Mode mode,
                std::string scratch_path = "");
  RocksDbHandle(const RocksDbHandle&) = delete;
  RocksDbHandle& operator=(const RocksDbHandle&) = delete;
  ~RocksDbHandle();

  // Opens the database (creating it and its column families in primary
  // mode). kUnavailable when another process holds it.
  Status Open();
  // Closes it; a no-op when closed.
  void Close();
  bool is_open() const { return db_ != nullptr; }

  rocksdb::DB* db() const { return db_; }
  // Where sorted files are written before they are ingested (a folder of
  // the database directory, emptied at every primary open: a file found
  // there was never ingested).
  std::string ingest_dir() const { return path_ + "/ingest"; }
  // db()->Write: every write goes through here. Thread-safe; in a
  // ThreadSanitizer build writes take one mutex in turn (see the .cc).
  rocksdb::Status Write(const rocksdb::WriteOptions& options,
                        rocksdb::WriteBatch* batch);
  rocksdb::ColumnFamilyHandle* log() const { return log_; }
  rocksdb::ColumnFamilyHandle* streams() const { return streams_; }
  rocksdb::ColumnFamilyHandle* heads() const { return heads_; }
  rocksdb::ColumnFamilyHandle* idempotency() const { return idempotency_; }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  rocksdb::ColumnFamilyHandle* snapshots() const { return snapshots_; }
  rocksdb::ColumnFamilyHandle* state() const { return state_; }
  // nullptr on a secondary instance of a database without key rows yet.
  rocksdb::ColumnFamilyHandle* keys() const { return keys_; }
  // Counts successful opens: a RocksDB snapshot taken under one epoch must
  // not be released under another (the database it belonged to is gone).
  std::uint64_t epoch() const { return epoch_; }

  // RocksDB's memory: what its cache holds (blocks, index and filter
  // blocks, memtable reservations), the part of it pinned, and memtables.
  std::size_t cache_bytes() const { return block_cache_->GetUsage(); }
  std::size_t pinned_bytes() const { return block_cache_->GetPinnedUsage(); }
  std::size_t memtable_bytes() const { return write_buffers_->memory_usage(); }
  // What the open SST files' readers hold outside the cache (summed over
  // the column families; RocksDB's estimate), and how many files are live.
  std::size_t table_reader_bytes() const;
  std::size_t live_files() const;

  // Reads the recorded log head from `meta` (zero for a new database).
  Result<LogHead> ReadLogHead(const rocksdb::ReadOptions& ro) const;

 private:
  Status ClearIngestDir();

  RocksDbOptions options_;
  std::string path_;
  Mode mode_;
  std::string scratch_path_;
  std::unique_ptr<rocksdb::Env> env_;  // wraps TEST_file_system when set
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  // RocksDB's diagnostics on stderr, one logger across reopens (it drops
  // repeats).
  std::shared_ptr<rocksdb::Logger> info_log_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* log_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* heads_ = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  rocksdb::ColumnFamilyHandle* keys_ = nullptr;
  std::uint64_t epoch_ = 0;
  std::mutex tsan_write_mu_;  // used by ThreadSanitizer builds only
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_ROCKSDB_HANDLE_H_
