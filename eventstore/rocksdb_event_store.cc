// The RocksDB EventStore. One writer thread drains the append queue: it
// plans the whole group (positions, hash chain, expected versions,
// idempotency), writes it as one WriteBatch with one fsync (group commit),
// then publishes the committed position and completes every waiting append.
// Readers read only up to the published position.
//
// After a failed write the writer closes and reopens the database before the
// next group, so that in-memory state (heads, chain head) is rebuilt from
// what is actually on disk; readers hold db_mu_ shared, the reopen holds it
// exclusively.
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "eventstore/event_store.h"
#include "eventstore/planner.h"
#include "eventstore/record.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/rocksdb_key_rows.h"
#include "eventstore/rocksdb_layout.h"
#include "eventstore/rocksdb_state_store.h"
#include "eventstore/verifier.h"

namespace orgledger::eventstore {
namespace {

using Clock = std::chrono::steady_clock;

// While the database is broken (a failed write), how often the writer tries
// to reopen it when no append comes to trigger it.
constexpr std::chrono::milliseconds kReopenInterval{100};

class RocksDbEventStore final : public EventStore, private CommittedState {
 public:
  RocksDbEventStore(const StoreOptions& options, const RocksDbOptions& rocksdb,
                    std::string path, RocksDbHandle::Mode mode,
                    std::string scratch)
      : options_(options),
        rocksdb_options_(rocksdb),
        handle_(rocksdb, std::move(path), mode, std::move(scratch)),
        read_only_(mode == RocksDbHandle::Mode::kSecondary) {}

  ~RocksDbEventStore() override {
    if (writer_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(queue_mu_);
        stopping_ = true;
      }
      queue_cv_.notify_all();
      writer_.join();
    }
    std::unique_lock<std::shared_mutex> lock(db_mu_);
    if (handle_.is_open() && !read_only_ && unsynced_) {
      handle_.db()->SyncWAL().PermitUncheckedError();
    }
    handle_.Close();
  }

  Status Start() {
    if (Status s = handle_.Open(); !s.ok()) return s;
    Result<LogHead> head = handle_.ReadLogHead(rocksdb::ReadOptions());
    if (!head.ok()) return head.status();
    last_ = *head;
    PublishCommitted(last_.position);
    if (!read_only_) writer_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  void AsyncAppend(AppendRequest request, AppendCallback done) override {
    done = BreakingChain(request, std::move(done));
    if (read_only_) {
      done(Unavailable("event store is opened read-only"));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      queue_.push_back(Pending{std::move(request), std::move(done)});
    }
    queue_cv_.notify_one();
  }

  // With `sync` durability, an append that finds the writer idle, nothing
  // queued and appends coming one at a time (`last_group_`) is written here, by
  // its caller holding the writer's token (`writing_`), rather than handed to
  // the writer thread and back: one append alone then costs its write and
  // fsync, not two thread wake-ups more. Appends arriving meanwhile queue for
  // the writer thread.
  Result<AppendResult> Append(AppendRequest request) override {
    if (read_only_ || options_.durability != Durability::kSync) {
      return EventStore::Append(std::move(request));
    }
    bool here = false;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      here = !writing_ && queue_.empty() && !stopping_ && last_group_ <= 1;
      writing_ = writing_ || here;
    }
    if (!here) return EventStore::Append(std::move(request));
    Result<AppendResult> out = Status(Code::kInternal, "not answered");
    std::vector<Pending> group;
    AppendCallback done = [&out](Result<AppendResult> r) {
      out = std::move(r);
    };
    done = BreakingChain(request, std::move(done));
    group.push_back(Pending{std::move(request), std::move(done)});
    WriteGroup(group);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      writing_ = false;
      ++handed_back_;
    }
    queue_cv_.notify_all();  // the appends queued meanwhile, a broken store
    return out;
  }

  Result<std::optional<KeptAppend>> FindIdempotencyKey(
      std::string_view stream, std::string_view key) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    Result<std::optional<std::string>> stored =
        LoadOutcome(OutcomeKey(stream, key));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return std::optional<KeptAppend>();
    Result<KeptAppend> kept = DecodeKeptAppend(**stored);
    if (!kept.ok()) return kept.status();
    return std::optional<KeptAppend>(std::move(*kept));
  }

  Status PutSnapshot(std::string_view stream, Version version,
                     std::string_view bytes) override {
    if (read_only_) return Unavailable("event store is opened read-only");
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    std::string value;
    PutFixed64BE(&value, version);
    value.append(bytes);
    rocksdb::Status s =
        handle_.db()->Put(rocksdb::WriteOptions(), handle_.snapshots(),
                          rocksdb::Slice(stream.data(), stream.size()), value);
    return s.ok() ? Status::Ok() : FromRocksDb(s, "write snapshot");
  }

  Result<std::optional<StoredSnapshot>> GetSnapshot(
      std::string_view stream) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    std::string value;
    rocksdb::Status s =
        handle_.db()->Get(rocksdb::ReadOptions(), handle_.snapshots(),
                          rocksdb::Slice(stream.data(), stream.size()), &value);
    if (s.IsNotFound()) return std::optional<StoredSnapshot>();
    if (!s.ok()) return FromRocksDb(s, "read snapshot");
    std::string_view in = value;
    StoredSnapshot snapshot;
    if (!GetFixed64BE(&in, &snapshot.version)) {
      return Corruption("malformed snapshot of stream " + std::string(stream));
    }
    snapshot.bytes = std::string(in);
    return std::optional<StoredSnapshot>(std::move(snapshot));
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                Version from,
                                                std::size_t max) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    std::vector<RecordedEvent> out;
    std::string prefix(stream);
    prefix.push_back('\0');
    std::unique_ptr<rocksdb::Iterator> it(
        handle_.db()->NewIterator(rocksdb::ReadOptions(), handle_.streams()));
    std::vector<std::string> keys;
    for (it->Seek(layout::StreamKey(stream, from == 0 ? 1 : from));
         it->Valid() && it->key().starts_with(prefix) && keys.size() < max;
         it->Next()) {
      keys.push_back(it->value().ToString());
    }
    if (!it->status().ok()) return FromRocksDb(it->status(), "read stream");
    // One batched lookup: the positions ascend, so RocksDB reads each
    // block they share once.
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    handle_.db()->MultiGet(rocksdb::ReadOptions(), handle_.log(), keys.size(),
                           slices.data(), values.data(), statuses.data(),
                           /*sorted_input=*/true);
    out.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!statuses[i].ok()) {
        return FromRocksDb(statuses[i], "read stream record");
      }
      Result<RecordedEvent> e = DecodeRecord(values[i].ToStringView());
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    return out;
  }

  Result<std::vector<RecordedEvent>> ReadAll(Position from,
                                             std::size_t max) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    std::vector<RecordedEvent> out;
    const Position committed = CommittedPosition();
    if (from == 0) from = 1;
    if (from > committed) return out;
    const std::string upper = layout::LogKey(committed + 1);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handle_.db()->NewIterator(ro, handle_.log()));
    for (it->Seek(layout::LogKey(from)); it->Valid() && out.size() < max;
         it->Next()) {
      Result<RecordedEvent> e = DecodeRecord(
          std::string_view(it->value().data(), it->value().size()));
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    if (!it->status().ok()) return FromRocksDb(it->status(), "read log");
    return out;
  }

  Status ForEachOutcome(const OutcomeFn& fn) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    std::unique_ptr<rocksdb::Iterator> it(handle_.db()->NewIterator(
        rocksdb::ReadOptions(), handle_.idempotency()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Status s = fn(std::string_view(it->key().data(), it->key().size()),
                    std::string_view(it->value().data(), it->value().size()));
      if (!s.ok()) return s;
    }
    return it->status().ok() ? Status::Ok()
                             : FromRocksDb(it->status(), "read keys");
  }

  Result<StreamHead> GetStreamHead(std::string_view stream) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return ReadHead(stream);
  }

  Result<LogHead> Head() override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return handle_.ReadLogHead(rocksdb::ReadOptions());
  }

  Result<VerifyReport> Verify(Position from, Position to) override;

  Status Refresh() override {
    if (!read_only_) return Status::Ok();
    std::unique_lock<std::shared_mutex> lock(db_mu_);
    rocksdb::Status s = handle_.db()->TryCatchUpWithPrimary();
    if (!s.ok()) return FromRocksDb(s, "catch up with the writer");
    Result<LogHead> head = handle_.ReadLogHead(rocksdb::ReadOptions());
    if (!head.ok()) return head.status();
    PublishCommitted(head->position);
    return Status::Ok();
  }

  StoreStats Stats() const override {
    StoreStats stats;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats = stats_;
    }
    auto gauge = [&](const char* name, std::size_t value) {
      stats.gauges.push_back({name, static_cast<double>(value)});
    };
    gauge(kRocksDbCacheBytes, handle_.cache_bytes());
    gauge(kRocksDbPinnedBytes, handle_.pinned_bytes());
    gauge(kRocksDbMemtableBytes, handle_.memtable_bytes());
    std::shared_lock<std::shared_mutex> lock(db_mu_);  // vs. a reopen
    gauge(kRocksDbTableReaderBytes, handle_.table_reader_bytes());
    gauge(kRocksDbLiveFiles, handle_.live_files());
    return stats;
  }

  StateStore& state() override { return state_; }

  Result<std::optional<std::string>> GetKeyRow(std::string_view key) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return GetKeyRowIn(handle_, key);
  }
  Result<std::vector<KeyValue>> ScanKeyRows(std::string_view prefix) override {
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return ScanKeyRowsIn(handle_, prefix);
  }
  Status WriteKeyRows(const StateBatch& batch, bool sync) override {
    if (read_only_) return Unavailable("event store is opened read-only");
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return WriteKeyRowsIn(handle_, batch, sync);
  }
  Status PurgeDeleted() override {
    if (read_only_) return Unavailable("event store is opened read-only");
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    return PurgeDeletedIn(handle_);
  }

  Status Checkpoint(const std::string& dir) override {
    if (std::filesystem::exists(dir)) {
      return InvalidArgument("backup target " + dir + " already exists");
    }
    std::shared_lock<std::shared_mutex> lock(db_mu_);
    if (!handle_.is_open()) return Unavailable("event store is not open");
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(handle_.db(), &raw);
    if (!s.ok()) return FromRocksDb(s, "start a backup");
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // Flushes the memtables first, so the copy needs no WAL replay beyond
    // what it carries.
    s = checkpoint->CreateCheckpoint(dir, 0);
    return FromRocksDb(s, "back up to " + dir);
  }

 private:
  using Pending = PendingAppend;

  // Reads a head from disk. REQUIRES: the database is open.
  Result<StreamHead> ReadHead(std::string_view stream) {
    std::string value;
    rocksdb::Status s =
        handle_.db()->Get(rocksdb::ReadOptions(), handle_.heads(),
                          rocksdb::Slice(stream.data(), stream.size()), &value);
    StreamHead head;
    if (s.IsNotFound()) return head;
    if (!s.ok()) return FromRocksDb(s, "read stream head");
    if (!layout::DecodeHead(value, &head)) {
      return Corruption("malformed head of stream " + std::string(stream));
    }
    return head;
  }

  // CommittedState, called by the writer thread only.
  Result<StreamHead> LoadHead(std::string_view stream) override {
    if (auto it = head_cache_.find(std::string(stream));
        it != head_cache_.end()) {
      return it->second;
    }
    Result<StreamHead> head = ReadHead(stream);
    if (head.ok()) CacheHead(std::string(stream), *head);
    return head;
  }

  Result<std::optional<std::string>> LoadOutcome(
      std::string_view outcome_key) override {
    std::string value;
    rocksdb::Status s = handle_.db()->Get(
        rocksdb::ReadOptions(), handle_.idempotency(),
        rocksdb::Slice(outcome_key.data(), outcome_key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocksDb(s, "read idempotency record");
    return std::optional<std::string>(std::move(value));
  }

  void CacheHead(std::string stream, const StreamHead& head) {
    // A crude bound: the cache only saves disk reads, so dropping it whole
    // when full is correct and keeps memory flat with millions of streams.
    if (head_cache_.size() >= rocksdb_options_.head_cache_entries)
      head_cache_.clear();
    head_cache_[std::move(stream)] = head;
  }

  void WriterLoop();
  void WriteGroup(std::vector<Pending>& group);
  Status Reopen();
  void SyncBufferedIfDue();

  StoreOptions options_;
  RocksDbOptions rocksdb_options_;
  RocksDbHandle handle_;
  const bool read_only_;
  // Shared: any use of handle_ (Stats too, hence mutable); unique: reopen.
  mutable std::shared_mutex db_mu_;
  RocksDbStateStore state_{&handle_, &db_mu_, read_only_};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  // The writer's token: held by the writer thread while it writes a group,
  // or by a caller writing its own append (Append).
  bool writing_ = false;
  std::uint64_t handed_back_ = 0;  // by a caller, each time
  // The size of the last group the writer thread wrote: a caller writes
  // its own append only while appends come one at a time, never taking
  // an fsync alone from a busy store's group commits.
  std::size_t last_group_ = 1;

  // The token's holder only.
  LogHead last_;
  std::unordered_map<std::string, StreamHead> head_cache_;
  bool broken_ = false;
  Clock::time_point last_reopen_;  // of the last Reopen() while broken_
  Status reopen_error_;            // its outcome
  // The next append reopens at once; later ones wait for the interval.
  void MarkBroken() {
    broken_ = true;
    last_reopen_ = Clock::time_point();
  }
  // Reopens the database now, keeping the outcome for the appends that
  // come before the next try.
  void TryReopen() {
    last_reopen_ = Clock::now();
    reopen_error_ = Reopen();
  }
  bool unsynced_ = false;
  Clock::time_point last_sync_ = Clock::now();

  mutable std::mutex stats_mu_;
  StoreStats stats_;

  std::thread writer_;
};

void RocksDbEventStore::WriterLoop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    // The writer's state (last_, broken_, unsynced_, ...) belongs to the
    // holder of the token: read it only once no caller holds it (Append).
    queue_cv_.wait(lock, [&] { return !writing_; });
    // A caller's write may change that state (break the store): the wait
    // ends when it hands the token back, to look again.
    const std::uint64_t handed_back = handed_back_;
    auto ready = [&] {
      return stopping_ ||
             (!writing_ && (!queue_.empty() || handed_back_ != handed_back));
    };
    if (broken_) {
      // Readers fail while the database is closed: retry the reopen on
      // a timer too, not only when the next append comes.
      queue_cv_.wait_for(lock, kReopenInterval, ready);
    } else if (unsynced_) {
      queue_cv_.wait_until(lock, last_sync_ + options_.buffered_sync_interval,
                           ready);
    } else {
      queue_cv_.wait(lock, ready);
    }
    if (writing_) continue;  // timed out while a caller writes
    if (queue_.empty() && stopping_) return;
    std::vector<Pending> group;
    while (!queue_.empty() && group.size() < options_.max_group_appends) {
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    writing_ = true;
    if (!group.empty()) last_group_ = group.size();
    lock.unlock();
    if (!group.empty()) {
      WriteGroup(group);
    } else if (broken_) {
      // Still failing: readers keep answering unavailable.
      TryReopen();
    }
    SyncBufferedIfDue();
    lock.lock();
    writing_ = false;
  }
}

void RocksDbEventStore::WriteGroup(std::vector<Pending>& group) {
  auto fail_all = [&](const Status& s) {
    for (Pending& p : group) p.done(s);
  };
  if (broken_) {
    // At most one reopen per interval: on a disk that stays full, the
    // appends in between fail at once with the last reopen's error.
    if (Clock::now() - last_reopen_ >= kReopenInterval) TryReopen();
    if (!reopen_error_.ok()) {
      fail_all(Unavailable("storage failure, not recovered yet: " +
                           reopen_error_.message()));
      return;
    }
  }

  GroupPlanner planner(this, last_.position, last_.hash);
  std::vector<Result<AppendResult>> results;
  results.reserve(group.size());
  for (const Pending& p : group) results.push_back(planner.Plan(p.request));

  const PlannedWrites& w = planner.writes();
  if (!w.empty()) {
    rocksdb::WriteBatch batch;
    for (const PlannedRecord& r : w.records) {
      const std::string position = layout::LogKey(r.position);
      batch.Put(handle_.log(), position, r.value);
      batch.Put(handle_.streams(), layout::StreamKey(r.stream, r.version),
                position);
    }
    for (const auto& [stream, head] : w.heads) {
      batch.Put(handle_.heads(), stream, layout::EncodeHead(head));
    }
    for (const auto& [key, value] : w.outcomes) {
      batch.Put(handle_.idempotency(), key, value);
    }
    for (const auto& [key, value] : w.key_rows) {
      batch.Put(handle_.keys(), key, value);
    }
    const LogHead next{w.last_position, w.last_hash};
    batch.Put(handle_.meta(), layout::kMetaHead, layout::EncodeLogHead(next));

    rocksdb::WriteOptions wo;
    wo.sync = options_.durability == Durability::kSync;
    rocksdb::Status s = handle_.Write(wo, &batch);
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.write_groups += 1;
      if (wo.sync) stats_.syncs += 1;
    }
    if (!s.ok()) {
      // The batch may or may not be on disk; reopening will tell.
      MarkBroken();
      head_cache_.clear();
      fail_all(FromRocksDb(s, "append failed, nothing acknowledged"));
      return;
    }
    if (!wo.sync) unsynced_ = true;
    for (const auto& [stream, head] : w.heads) CacheHead(stream, head);
    last_ = next;
    PublishCommitted(last_.position);
  }

  const std::uint64_t ok = AnswerGroup(group, results);
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.appends += ok;
}

Status RocksDbEventStore::Reopen() {
  std::unique_lock<std::shared_mutex> lock(db_mu_);
  handle_.Close();
  head_cache_.clear();
  if (Status s = handle_.Open(); !s.ok()) return s;
  Result<LogHead> head = handle_.ReadLogHead(rocksdb::ReadOptions());
  if (!head.ok()) {
    handle_.Close();
    return head.status();
  }
  // A failed batch that reached the WAL before the failure is now part of
  // the log: publish it too, so the log and the position agree.
  last_ = *head;
  PublishCommitted(last_.position);
  broken_ = false;
  unsynced_ = false;
  return Status::Ok();
}

void RocksDbEventStore::SyncBufferedIfDue() {
  if (!unsynced_ || broken_) return;
  const Clock::time_point now = Clock::now();
  if (now - last_sync_ < options_.buffered_sync_interval) return;
  rocksdb::Status s = handle_.db()->SyncWAL();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.syncs += 1;
  }
  last_sync_ = now;
  if (s.ok()) {
    unsynced_ = false;
  } else {
    MarkBroken();
  }
}

Result<VerifyReport> RocksDbEventStore::Verify(Position from, Position to) {
  std::shared_lock<std::shared_mutex> lock(db_mu_);
  if (!handle_.is_open()) return Unavailable("event store is not open");
  rocksdb::DB* db = handle_.db();
  // One snapshot, so that the records and the recorded head agree even
  // while the writer appends. A secondary has no snapshots, and needs none:
  // it changes only in Refresh(), which the shared lock held here excludes.
  const rocksdb::Snapshot* snapshot = read_only_ ? nullptr : db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() {
      if (s != nullptr) db->ReleaseSnapshot(s);
    }
  } release{db, snapshot};
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;

  if (from == 0) from = 1;
  Hash prev{};
  if (from > 1) {
    std::string value;
    rocksdb::Status s =
        db->Get(ro, handle_.log(), layout::LogKey(from - 1), &value);
    if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "verify");
    if (s.IsNotFound() || !PeekRecordHash(value, &prev)) {
      return MissingRecordReport(from - 1);
    }
  }
  ChainVerifier verifier(from, prev);
  std::string upper;
  rocksdb::Slice upper_slice;
  if (to != 0) {
    upper = layout::LogKey(to + 1);
    upper_slice = rocksdb::Slice(upper);
    ro.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handle_.log()));
  for (it->Seek(layout::LogKey(from)); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    Position position = 0;
    if (!GetFixed64BE(&key, &position) || !key.empty()) {
      return Corruption("malformed log key");
    }
    if (!verifier.Feed(
            position, std::string_view(it->value().data(), it->value().size())))
      break;
  }
  if (it->status().IsCorruption()) {
    // Damage below the records (a block, a file): a failed check with the
    // position where reading stopped, not an error.
    verifier.FailUnreadable(it->status().ToString());
    return verifier.report();
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "verify");
  if (to == 0) {
    Result<LogHead> recorded = handle_.ReadLogHead(ro);
    if (!recorded.ok()) return recorded.status();
    verifier.CheckReachesHead(*recorded);
  } else {
    verifier.CheckReaches(to);
  }
  return verifier.report();
}

}  // namespace

Result<std::unique_ptr<EventStore>> OpenRocksDbEventStore(
    const StoreOptions& options, const std::string& path,
    const RocksDbOptions& rocksdb) {
  auto store = std::make_unique<RocksDbEventStore>(
      options, rocksdb, path, RocksDbHandle::Mode::kPrimary, "");
  if (Status s = store->Start(); !s.ok()) return s;
  return std::unique_ptr<EventStore>(std::move(store));
}

Result<std::unique_ptr<EventStore>> OpenRocksDbEventStoreReadOnly(
    const StoreOptions& options, const std::string& path,
    const std::string& scratch_path, const RocksDbOptions& rocksdb) {
  auto store = std::make_unique<RocksDbEventStore>(
      options, rocksdb, path, RocksDbHandle::Mode::kSecondary, scratch_path);
  if (Status s = store->Start(); !s.ok()) return s;
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace orgledger::eventstore
