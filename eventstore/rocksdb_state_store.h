// The StateStore of a RocksDB event store: the `state` column family of
// the same database. Internal to eventstore/.
#ifndef ORGLEDGER_EVENTSTORE_ROCKSDB_STATE_STORE_H_
#define ORGLEDGER_EVENTSTORE_ROCKSDB_STATE_STORE_H_

#include <shared_mutex>

#include "eventstore/rocksdb_handle.h"
#include "eventstore/state_store.h"

namespace orgledger::eventstore {

// Uses `handle` under `db_mu` (shared for every use; the owner reopens the
// handle under the exclusive lock). Both outlive this object.
class RocksDbStateStore final : public StateStore {
 public:
  RocksDbStateStore(RocksDbHandle* handle, std::shared_mutex* db_mu,
                    bool read_only)
      : handle_(handle), db_mu_(db_mu), read_only_(read_only) {}

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) override;
  Status Write(const StateBatch& batch) override;
  std::unique_ptr<StateReader> Snapshot() override;
  Status PurgeDeleted() override;
  // An SST file (rocksdb::SstFileWriter) in the database's ingest/ folder,
  // ingested into the state column family (docs/format.md).
  bool can_bulk_load() const override { return !read_only_; }
  Result<std::unique_ptr<SortedStateFile>> NewSortedFile() override;

 private:
  RocksDbHandle* const handle_;
  std::shared_mutex* const db_mu_;
  const bool read_only_;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_ROCKSDB_STATE_STORE_H_
