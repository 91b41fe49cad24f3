// BulkGeneration: the StateStore a rebuild writes its fresh generation of
// rows through. A rebuild folds the log in position order, so its rows come
// in random key order; written one batch at a time they would pass through
// the memtables and be rewritten by compaction at every level (the profile
// in bench/README.md). Here they gather in memory, in key order, and
// every `budget` bytes (and at Flush) go to the store as one sorted file
// (SortedStateFile), ingested atomically. The generation's checkpoint is
// written in the same batches as its rows, so each file carries the
// checkpoint of the rows it holds: a rebuild interrupted by a crash resumes
// from the last file ingested, as it did from the last batch written.
//
// Reads see the gathered writes first. A fresh generation (nothing of it in
// the store yet) answers a key it has not gathered as missing without
// reading the store. REQUIRES: the store can_bulk_load(). Not thread-safe:
// one rebuild owns it.
#ifndef ORGLEDGER_PROJECTIONS_BULK_GENERATION_H_
#define ORGLEDGER_PROJECTIONS_BULK_GENERATION_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/state_store.h"

namespace orgledger::projections {

class BulkGeneration final : public eventstore::StateStore {
 public:
  // `prefix`: the generation's key prefix; `fresh`: the store holds no key
  // under it yet; `budget`: the bytes gathered before a file is written.
  BulkGeneration(eventstore::StateStore* store, std::string prefix, bool fresh,
                 std::size_t budget);

  Result<std::optional<std::string>> Get(std::string_view key) override;
  // The store's rows under the gathered ones (a fresh generation's own
  // range: the gathered ones only), without writing a file.
  Result<std::vector<eventstore::KeyValue>> Scan(std::string_view begin,
                                                 std::string_view end,
                                                 std::size_t limit,
                                                 bool reverse) override;
  Status Write(const eventstore::StateBatch& batch) override;
  // Flushes first.
  std::unique_ptr<eventstore::StateReader> Snapshot() override;
  // Flushes first, then purges the store.
  Status PurgeDeleted() override;

  // Writes what is gathered to the store (one ingested file).
  Status Flush();

  std::size_t files() const { return files_; }
  std::size_t gathered_bytes() const { return bytes_; }

 private:
  bool InGeneration(std::string_view key) const {
    return key.substr(0, prefix_.size()) == prefix_;
  }

  eventstore::StateStore* const store_;
  const std::string prefix_;
  const std::size_t budget_;
  bool fresh_;
  // nullopt: deleted (a tombstone for what an earlier file may hold).
  std::map<std::string, std::optional<std::string>, std::less<>> gathered_;
  std::size_t bytes_ = 0;
  std::size_t files_ = 0;
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_BULK_GENERATION_H_
