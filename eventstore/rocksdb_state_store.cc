#include "eventstore/rocksdb_state_store.h"

#include <rocksdb/write_batch.h>

#include "eventstore/rocksdb_event_store.h"

namespace orgledger::eventstore {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

// REQUIRES: the caller holds db_mu shared and the handle is open.
Result<std::optional<std::string>> GetAt(RocksDbHandle* handle,
                                         const rocksdb::Snapshot* snapshot,
                                         std::string_view key) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  rocksdb::Status s =
      handle->db()->Get(ro, handle->state(), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDb(s, "read state");
  return std::optional<std::string>(std::move(value));
}

// REQUIRES: as GetAt.
Result<std::vector<KeyValue>> ScanAt(RocksDbHandle* handle,
                                     const rocksdb::Snapshot* snapshot,
                                     std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) {
  std::vector<KeyValue> out;
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  rocksdb::Slice lower = ToSlice(begin);
  rocksdb::Slice upper = ToSlice(end);
  ro.iterate_lower_bound = &lower;
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      handle->db()->NewIterator(ro, handle->state()));
  if (reverse) {
    if (end.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(upper);
      if (it->Valid() && it->key() == upper) it->Prev();
    }
  } else {
    it->Seek(lower);
  }
  for (; it->Valid() && out.size() < limit; reverse ? it->Prev() : it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "scan state");
  return out;
}

// A RocksDB snapshot of the state. On a read-only (secondary) instance,
// which changes only under Refresh's exclusive lock, it reads directly.
class RocksDbStateSnapshot final : public StateReader {
 public:
  RocksDbStateSnapshot(RocksDbHandle* handle, std::shared_mutex* db_mu,
                       const rocksdb::Snapshot* snapshot)
      : handle_(handle),
        db_mu_(db_mu),
        snapshot_(snapshot),
        epoch_(handle->epoch()) {}
  ~RocksDbStateSnapshot() override {
    std::shared_lock<std::shared_mutex> lock(*db_mu_);
    if (snapshot_ != nullptr && handle_->is_open() &&
        handle_->epoch() == epoch_) {
      handle_->db()->ReleaseSnapshot(snapshot_);
    }
  }
  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::shared_lock<std::shared_mutex> lock(*db_mu_);
    if (Status s = Usable(); !s.ok()) return s;
    return GetAt(handle_, snapshot_, key);
  }
  Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) override {
    std::shared_lock<std::shared_mutex> lock(*db_mu_);
    if (Status s = Usable(); !s.ok()) return s;
    return ScanAt(handle_, snapshot_, begin, end, limit, reverse);
  }

 private:
  Status Usable() const {
    if (!handle_->is_open() || handle_->epoch() != epoch_) {
      return Unavailable("the database was reopened since this snapshot");
    }
    return Status::Ok();
  }

  RocksDbHandle* const handle_;
  std::shared_mutex* const db_mu_;
  const rocksdb::Snapshot* const snapshot_;
  const std::uint64_t epoch_;
};

}  // namespace

Result<std::optional<std::string>> RocksDbStateStore::Get(
    std::string_view key) {
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  return GetAt(handle_, nullptr, key);
}

Result<std::vector<KeyValue>> RocksDbStateStore::Scan(std::string_view begin,
                                                      std::string_view end,
                                                      std::size_t limit,
                                                      bool reverse) {
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  return ScanAt(handle_, nullptr, begin, end, limit, reverse);
}

Status RocksDbStateStore::Write(const StateBatch& batch) {
  if (read_only_) return Unavailable("event store is opened read-only");
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  rocksdb::WriteBatch wb;
  for (const StateBatch::Op& op : batch.ops()) {
    rocksdb::Status s;
    switch (op.kind) {
      case StateBatch::Kind::kPut:
        s = wb.Put(handle_->state(), op.key, op.value);
        break;
      case StateBatch::Kind::kDelete:
        s = wb.Delete(handle_->state(), op.key);
        break;
      case StateBatch::Kind::kDeleteRange:
        s = wb.DeleteRange(handle_->state(), op.key, op.value);
        break;
    }
    if (!s.ok()) return FromRocksDb(s, "prepare state write");
  }
  // Not synced: the state shares the log's WAL (state_store.h).
  rocksdb::Status s = handle_->Write(rocksdb::WriteOptions(), &wb);
  return FromRocksDb(s, "write state");
}

std::unique_ptr<StateReader> RocksDbStateStore::Snapshot() {
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  const rocksdb::Snapshot* snapshot = nullptr;
  if (!read_only_ && handle_->is_open()) {
    snapshot = handle_->db()->GetSnapshot();
  }
  return std::make_unique<RocksDbStateSnapshot>(handle_, db_mu_, snapshot);
}

namespace {

// The database, its lock and the state store over them, owned together.
class LocalStateStore final : public StateStore {
 public:
  LocalStateStore(const RocksDbOptions& options, std::string path)
      : handle_(options, std::move(path), RocksDbHandle::Mode::kPrimary) {}
  Status Open() { return handle_.Open(); }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    return state_.Get(key);
  }
  Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) override {
    return state_.Scan(begin, end, limit, reverse);
  }
  Status Write(const StateBatch& batch) override { return state_.Write(batch); }
  std::unique_ptr<StateReader> Snapshot() override { return state_.Snapshot(); }

 private:
  RocksDbHandle handle_;
  std::shared_mutex db_mu_;
  RocksDbStateStore state_{&handle_, &db_mu_, false};
};

}  // namespace

Result<std::unique_ptr<StateStore>> OpenRocksDbStateStore(
    const std::string& path, const RocksDbOptions& rocksdb) {
  auto store = std::make_unique<LocalStateStore>(rocksdb, path);
  if (Status s = store->Open(); !s.ok()) return s;
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace orgledger::eventstore
