#include "eventstore/rocksdb_state_store.h"

#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <atomic>

#include "eventstore/rocksdb_event_store.h"
#include "eventstore/rocksdb_key_rows.h"

namespace orgledger::eventstore {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

// Never present: deleted to sync the write-ahead log (docs/format.md).
constexpr char kSyncKey[] = "s";

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

// An SST file of the state column family, written in the database's
// ingest folder and moved into the database by Ingest.
class RocksDbSortedFile final : public SortedStateFile {
 public:
  RocksDbSortedFile(RocksDbHandle* handle, std::shared_mutex* db_mu,
                    std::string path, const rocksdb::Options& options)
      : handle_(handle),
        db_mu_(db_mu),
        path_(std::move(path)),
        env_(options.env),
        epoch_(handle->epoch()),
        writer_(rocksdb::EnvOptions(options), options, handle->state()) {}
  ~RocksDbSortedFile() override {
    if (!ingested_) env_->DeleteFile(path_).PermitUncheckedError();
  }

  Status Open() { return FromRocksDb(writer_.Open(path_), "open " + path_); }

  Status Put(std::string_view key, std::string_view value) override {
    ++entries_;
    return FromRocksDb(writer_.Put(ToSlice(key), ToSlice(value)),
                       "write " + path_);
  }
  Status Delete(std::string_view key) override {
    ++entries_;
    return FromRocksDb(writer_.Delete(ToSlice(key)), "write " + path_);
  }
  Status Ingest() override {
    if (entries_ == 0) return Status::Ok();
    // Finish syncs the file; IngestExternalFile links it in and records it
    // in the MANIFEST, atomically.
    if (rocksdb::Status s = writer_.Finish(); !s.ok()) {
      return FromRocksDb(s, "finish " + path_);
    }
    std::shared_lock<std::shared_mutex> lock(*db_mu_);
    if (!handle_->is_open()) return Unavailable("event store is not open");
    if (handle_->epoch() != epoch_) {
      // Reopened after a failure since this file was begun: the caller
      // gathers again from its last checkpoint taken in.
      return Unavailable("the database was reopened since this file began");
    }
    // The log records the file's rows were computed from, and every state
    // write before them, durable first (the state store's rule): a synced
    // write syncs the whole write-ahead log. (Through the write path, not
    // DB::SyncWAL, which after a failed write trips RocksDB's assertions
    // instead of answering the database's error.) It deletes a key no row
    // uses.
    rocksdb::WriteBatch sync;
    rocksdb::Status s = sync.Delete(handle_->state(), kSyncKey);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (s.ok()) s = handle_->Write(synced, &sync);
    if (!s.ok()) {
      return FromRocksDb(s, "sync the write-ahead log before ingesting");
    }
    rocksdb::IngestExternalFileOptions options;
    options.move_files = true;
    s = handle_->db()->IngestExternalFile(handle_->state(), {path_}, options);
    if (!s.ok()) return FromRocksDb(s, "ingest " + path_);
    ingested_ = true;
    return Status::Ok();
  }

 private:
  RocksDbHandle* const handle_;
  std::shared_mutex* const db_mu_;
  const std::string path_;
  rocksdb::Env* const env_;
  const std::uint64_t epoch_;
  rocksdb::SstFileWriter writer_;
  std::size_t entries_ = 0;
  bool ingested_ = false;
};

}  // namespace

Result<std::unique_ptr<SortedStateFile>> RocksDbStateStore::NewSortedFile() {
  static std::atomic<std::uint64_t> next{0};
  if (read_only_) return Unavailable("event store is opened read-only");
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  const std::string path =
      handle_->ingest_dir() + "/" + std::to_string(++next) + ".sst";
  rocksdb::Options options = handle_->db()->GetOptions(handle_->state());
  // The file is written through the plain file system, not a test's
  // (RocksDbOptions::TEST_file_system): it is not part of the database
  // until ingested, which records it in the MANIFEST through the
  // database's own, so a simulated power cut still falls on everything
  // that decides what the database holds. (A write failed by the cut
  // would leave the file writer in the error state that trips RocksDB's
  // assertions when it is closed, see Ingest.)
  options.env = rocksdb::Env::Default();
  auto file =
      std::make_unique<RocksDbSortedFile>(handle_, db_mu_, path, options);
  if (Status s = file->Open(); !s.ok()) return s;
  return std::unique_ptr<SortedStateFile>(std::move(file));
}

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

Status RocksDbStateStore::PurgeDeleted() {
  if (read_only_) return Unavailable("event store is opened read-only");
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  return PurgeDeletedIn(*handle_);
}

Status RocksDbStateStore::Write(const StateBatch& batch) {
  if (read_only_) return Unavailable("event store is opened read-only");
  std::shared_lock<std::shared_mutex> lock(*db_mu_);
  if (!handle_->is_open()) return Unavailable("event store is not open");
  rocksdb::WriteBatch wb;
  if (Status s = AddToWriteBatch(batch, handle_->state(), &wb, "state write");
      !s.ok()) {
    return s;
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
  Status PurgeDeleted() override { return state_.PurgeDeleted(); }
  bool can_bulk_load() const override { return state_.can_bulk_load(); }
  Result<std::unique_ptr<SortedStateFile>> NewSortedFile() override {
    return state_.NewSortedFile();
  }

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
