// StateStore: ordered key-value state kept beside the log, in the same
// database (projection state and checkpoints, consumer checkpoints). Keys
// and values are bytes; the store knows nothing of what they mean.
//
// Writes are atomic per batch and are not fsynced: they share the log's
// write-ahead log, so a write that survives a power cut is never ahead of
// the log records it was computed from, and a lost one is recomputed from
// the durable log. A StateStore is safe for concurrent use from multiple
// threads without external synchronization.
#ifndef ORGLEDGER_EVENTSTORE_STATE_STORE_H_
#define ORGLEDGER_EVENTSTORE_STATE_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace orgledger::eventstore {

// Puts, deletes and range deletes applied together. Intentionally copyable.
class StateBatch {
 public:
  enum class Kind { kPut, kDelete, kDeleteRange };
  struct Op {
    Kind kind;
    std::string key;    // kDeleteRange: the first key deleted
    std::string value;  // kDeleteRange: the first key kept (exclusive end)
  };

  void Put(std::string key, std::string value) {
    ops_.push_back({Kind::kPut, std::move(key), std::move(value)});
  }
  void Delete(std::string key) {
    ops_.push_back({Kind::kDelete, std::move(key), {}});
  }
  // Deletes every key in [begin, end).
  void DeleteRange(std::string begin, std::string end) {
    ops_.push_back({Kind::kDeleteRange, std::move(begin), std::move(end)});
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

using KeyValue = std::pair<std::string, std::string>;

class StateReader {
 public:
  virtual ~StateReader() = default;

  // The value of `key`, or nullopt. kUnavailable on a storage failure.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;

  // At most `limit` entries with begin <= key < end (end empty: no upper
  // bound), in ascending key order, or descending when `reverse`.
  virtual Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                             std::string_view end,
                                             std::size_t limit,
                                             bool reverse) = 0;
};

// Writes gathered in key order and added to a store at once: bulk loading,
// for state no reader looks at yet (a projection's generation being
// rebuilt). The store takes the file whole, without its memtables,
// write-ahead log or the compactions that rows written in random key order
// cost. Not thread-safe; one use.
class SortedStateFile {
 public:
  virtual ~SortedStateFile() = default;
  // Keys in strictly ascending bytewise order, each once.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Adds every entry to the store, atomically and durably, once everything
  // written to the store before is durable too: state added this way is
  // never ahead of the log records it was computed from (as for Write).
  // Nothing happens for a file without entries. A file not ingested is
  // deleted when destroyed.
  virtual Status Ingest() = 0;
};

class StateStore : public StateReader {
 public:
  // Applies `batch` atomically. kUnavailable on a storage failure or a
  // read-only instance.
  virtual Status Write(const StateBatch& batch) = 0;

  // A consistent view of the state as of now, unaffected by later writes.
  virtual std::unique_ptr<StateReader> Snapshot() = 0;

  // Makes what was deleted or overwritten before this call unrecoverable
  // from the store's files (EventStore::PurgeDeleted). Default (memory):
  // nothing to do.
  virtual Status PurgeDeleted() { return Status::Ok(); }

  // Whether NewSortedFile works (otherwise Write is the way).
  virtual bool can_bulk_load() const { return false; }
  // A new sorted file for this store.
  virtual Result<std::unique_ptr<SortedStateFile>> NewSortedFile() {
    return Unavailable("this state store has no bulk loading");
  }
};

// An in-memory StateStore (tests, and in-memory rebuilds for verification).
std::unique_ptr<StateStore> NewMemoryStateStore();

// The smallest key greater than every key starting with `prefix` (for
// Scan's `end`); empty when there is none (a prefix of 0xFF bytes).
std::string PrefixEnd(std::string_view prefix);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_STATE_STORE_H_
