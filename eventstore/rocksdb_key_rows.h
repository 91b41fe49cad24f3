// The key rows of a RocksDB event store (EventStore::GetKeyRow and the
// rest): the `keys` column family of the same database, and the purge that
// erasure asks for. Internal to eventstore/.
#ifndef ORGLEDGER_EVENTSTORE_ROCKSDB_KEY_ROWS_H_
#define ORGLEDGER_EVENTSTORE_ROCKSDB_KEY_ROWS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/state_store.h"

namespace orgledger::eventstore {

// REQUIRES: `handle` is open and its owner's lock is held shared.
Result<std::optional<std::string>> GetKeyRowIn(RocksDbHandle& handle,
                                               std::string_view key);
Result<std::vector<KeyValue>> ScanKeyRowsIn(RocksDbHandle& handle,
                                            std::string_view prefix);
Status WriteKeyRowsIn(RocksDbHandle& handle, const StateBatch& batch,
                      bool sync);

// Flushes every column family (the write-ahead log files that held
// deleted bytes are then obsolete and deleted), then rewrites the files of
// the families erasure changes (keys, state, snapshots, idempotency) down
// to the bottom level, where a delete and what it hid are both dropped.
// The log's own files are left: its records hold personal fields sealed.
Status PurgeDeletedIn(RocksDbHandle& handle);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_ROCKSDB_KEY_ROWS_H_
