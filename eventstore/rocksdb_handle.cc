#include "eventstore/rocksdb_handle.h"

#include <rocksdb/cache.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "eventstore/rocksdb_layout.h"

namespace orgledger::eventstore {
namespace {

// True in a ThreadSanitizer build (GCC defines the macro; Clang answers
// __has_feature).
#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

bool Has(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// RocksDB's own diagnostics, warnings and errors only, as lines on stderr
// beside the engine's log, instead of its LOG files in the data directory.
// Its file logger aborts the process (an assertion left on in the packaged
// build) on the write after one that failed, so a full disk would crash
// the engine instead of refusing appends.
class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel() ||
        level == rocksdb::InfoLogLevel::HEADER_LEVEL)
      return;
    char buffer[1024];
    std::vsnprintf(buffer, sizeof buffer, format, ap);
    std::string line(buffer);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
      line.pop_back();
    // The first open of a new database: RocksDB reports the directory it
    // is about to create as an error.
    if (line.starts_with("Error when reading") && Has(line, "NotFound")) return;
    // A failing disk makes every retry log the same line: once per 10 s.
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    if (line == last_ && now - last_at_ < std::chrono::seconds(10)) return;
    last_ = line;
    last_at_ = now;
    std::fprintf(stderr, "rocksdb %s: %s\n",
                 level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? "error" : "warn",
                 line.c_str());
  }
  // Headers (build version, options) are for RocksDB's files only.
  void LogHeader(const char*, va_list) override {}

 private:
  std::mutex mu_;
  std::string last_;
  std::chrono::steady_clock::time_point last_at_;
};

}  // namespace

Status AddToWriteBatch(const StateBatch& batch, rocksdb::ColumnFamilyHandle* cf,
                       rocksdb::WriteBatch* wb, const std::string& what) {
  for (const StateBatch::Op& op : batch.ops()) {
    rocksdb::Status s;
    switch (op.kind) {
      case StateBatch::Kind::kPut:
        s = wb->Put(cf, op.key, op.value);
        break;
      case StateBatch::Kind::kDelete:
        s = wb->Delete(cf, op.key);
        break;
      case StateBatch::Kind::kDeleteRange:
        s = wb->DeleteRange(cf, op.key, op.value);
        break;
    }
    if (!s.ok()) return FromRocksDb(s, "prepare " + what);
  }
  return Status::Ok();
}

Status FromRocksDb(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  std::string text = s.ToString();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  // The cause in words first; RocksDB's text after it names the file.
  const char* cause = nullptr;
  if (s.IsCorruption()) {
    cause = "a file is damaged";
  } else if (s.IsNoSpace() || Has(text, "No space left")) {
    cause = "the disk is full";
  } else if (Has(text, "Permission denied")) {
    cause = "permission denied";
  } else if (Has(text, "Read-only file system")) {
    cause = "the file system is read-only";
  } else if (Has(text, "Not a directory")) {
    cause = "a path is not a directory";
  } else if (Has(text, "Too many open files")) {
    cause = "too many open files (raise the limit, ulimit -n)";
  }
  const std::string message =
      what + ": " + (cause ? std::string(cause) + " (" + text + ")" : text);
  if (s.IsCorruption()) return Corruption(message);
  return Unavailable(message);
}

RocksDbHandle::RocksDbHandle(const RocksDbOptions& options, std::string path,
                             Mode mode, std::string scratch_path)
    : options_(options),
      path_(std::move(path)),
      mode_(mode),
      scratch_path_(std::move(scratch_path)) {
  if (options_.TEST_file_system != nullptr) {
    env_ = rocksdb::NewCompositeEnv(options_.TEST_file_system);
  }
  block_cache_ = rocksdb::NewLRUCache(options_.memory_bytes);
  // Memtables are charged to the same cache: one budget for both.
  write_buffers_ = std::make_shared<rocksdb::WriteBufferManager>(
      options_.memory_bytes / 2, block_cache_);
  info_log_ = std::make_shared<StderrLogger>();
}

RocksDbHandle::~RocksDbHandle() { Close(); }

Status RocksDbHandle::Open() {
  if (db_ != nullptr) return Status::Ok();

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = mode_ == Mode::kPrimary;
  db_options.create_missing_column_families = mode_ == Mode::kPrimary;
  if (env_ != nullptr) db_options.env = env_.get();
  db_options.info_log = info_log_;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // A torn WAL tail (power loss mid-write) is dropped; it was never
  // acknowledged because its fsync had not returned.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  if (mode_ == Mode::kSecondary) db_options.max_open_files = -1;
  db_options.write_buffer_manager = write_buffers_;
  // The WAL write of one group overlaps the memtable inserts of the one
  // before, so projection rows queue less behind the log's synced appends
  // (docs/reliability.md, "RocksDB's settings").
  db_options.enable_pipelined_write = true;

  // Index and filter blocks count against the same budget (otherwise they
  // grow with the database, outside any limit), partitioned in 4 KiB
  // pieces so that a point lookup loads only the piece it needs. The
  // top-level index of each file and the newest files' blocks stay pinned;
  // the rest are evicted after data blocks.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache_;
  table.index_type =
      rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // The log and the streams index are read by key ranges and by keys that
  // exist: a bloom filter there would only take cache.
  auto unfiltered = std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(table));
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.partition_filters = true;
  auto filtered = std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(table));
  // Projection rows keep whole-file filters and one index block per file:
  // every view reads them, and partitions' extra cache lookups would slow
  // every query (docs/reliability.md, "RocksDB's settings").
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kBinarySearch;
  table.partition_filters = false;
  auto rows = std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory = filtered;
  // Nine column families: each memtable a sixteenth of the budget, so the
  // busy ones (log, streams, state) flush before the manager must step in.
  cf_options.write_buffer_size =
      std::max<std::size_t>(options_.memory_bytes / 16, std::size_t{1} << 20);

  // Open every column family present (a newer version may have added some)
  // plus the ones this version needs.
  std::vector<std::string> names;
  rocksdb::Status listed =
      rocksdb::DB::ListColumnFamilies(db_options, path_, &names);
  if (!listed.ok()) {
    if (mode_ == Mode::kSecondary) {
      return FromRocksDb(listed, "cannot read event store at " + path_);
    }
    names.clear();
  }
  for (const char* needed :
       {rocksdb::kDefaultColumnFamilyName.c_str(), layout::kLogCf,
        layout::kStreamsCf, layout::kHeadsCf, layout::kIdempotencyCf,
        layout::kMetaCf, layout::kSnapshotsCf, layout::kStateCf,
        layout::kKeysCf}) {
    if (std::find(names.begin(), names.end(), needed) == names.end()) {
      names.emplace_back(needed);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions options = cf_options;
    if (name == layout::kLogCf || name == layout::kStreamsCf) {
      options.table_factory = unfiltered;
    } else if (name == layout::kStateCf) {
      options.table_factory = rows;
      // Projection rows are rewritten often and rebuilt from the log at
      // will: compressing them costs more CPU than the disk it saves.
      options.compression = rocksdb::kNoCompression;
    }
    descriptors.emplace_back(name, options);
  }

  rocksdb::Status s;
  if (mode_ == Mode::kPrimary) {
    s = rocksdb::DB::Open(db_options, path_, descriptors, &handles_, &db_);
  } else {
    s = rocksdb::DB::OpenAsSecondary(db_options, path_, scratch_path_,
                                     descriptors, &handles_, &db_);
  }
  if (!s.ok()) {
    db_ = nullptr;
    handles_.clear();
    std::string text = s.ToString();
    if (text.find("LOCK") != std::string::npos ||
        text.find("lock") != std::string::npos) {
      return Unavailable("event store at " + path_ +
                         " is in use by another process (its RocksDB LOCK "
                         "is held): " +
                         text);
    }
    if (s.IsCorruption()) {
      // A missing, truncated or damaged file: RocksDB names it.
      return Corruption("the event store at " + path_ +
                        " is damaged and was not opened (" + s.ToString() +
                        "); restore it from a backup");
    }
    return FromRocksDb(s, "cannot open event store at " + path_);
  }
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    const std::string& name = h->GetName();
    if (name == layout::kLogCf) log_ = h;
    if (name == layout::kStreamsCf) streams_ = h;
    if (name == layout::kHeadsCf) heads_ = h;
    if (name == layout::kIdempotencyCf) idempotency_ = h;
    if (name == layout::kMetaCf) meta_ = h;
    if (name == layout::kSnapshotsCf) snapshots_ = h;
    if (name == layout::kStateCf) state_ = h;
    if (name == layout::kKeysCf) keys_ = h;
  }
  if (state_ == nullptr) {
    // A secondary instance of a database written before the state column
    // family existed: it has no state yet.
    Close();
    return Unavailable("event store at " + path_ +
                       " has no state column family yet; open it for writing "
                       "once");
  }
  ++epoch_;

  if (mode_ == Mode::kPrimary) {
    std::string format;
    rocksdb::Status got =
        db_->Get(rocksdb::ReadOptions(), meta_, layout::kMetaFormat, &format);
    if (got.IsNotFound()) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      got = db_->Put(wo, meta_, layout::kMetaFormat, layout::kFormatVersion);
    } else if (got.ok() && format != layout::kFormatVersion) {
      Close();
      return Corruption("event store at " + path_ + " has format " + format +
                        ", this version reads format " +
                        layout::kFormatVersion);
    }
    if (!got.ok()) {
      Close();
      return FromRocksDb(got, "cannot initialize event store at " + path_);
    }
    if (Status s = ClearIngestDir(); !s.ok()) {
      Close();
      return s;
    }
  }
  return Status::Ok();
}

Status RocksDbHandle::ClearIngestDir() {
  rocksdb::Env* env = db_->GetEnv();
  const std::string dir = ingest_dir();
  rocksdb::Status s = env->CreateDirIfMissing(dir);
  std::vector<std::string> children;
  if (s.ok()) s = env->GetChildren(dir, &children);
  for (const std::string& name : children) {
    if (!s.ok()) break;
    if (name == "." || name == "..") continue;
    s = env->DeleteFile(dir + "/" + name);
  }
  return FromRocksDb(s, "cannot empty " + dir);
}

void RocksDbHandle::Close() {
  if (db_ == nullptr) return;
  if (mode_ == Mode::kPrimary) {
    // A clean close leaves nothing in the write-ahead log to replay, so the
    // next open takes milliseconds whatever the memtables held (W3). After
    // a crash the replay is bounded by the memtable budget. On a failing
    // disk this fails and changes nothing.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  handles_.clear();
  db_->Close().PermitUncheckedError();
  delete db_;
  db_ = nullptr;
  log_ = streams_ = heads_ = idempotency_ = meta_ = snapshots_ = state_ =
      keys_ = nullptr;
}

Result<LogHead> RocksDbHandle::ReadLogHead(
    const rocksdb::ReadOptions& ro) const {
  std::string value;
  rocksdb::Status s = db_->Get(ro, meta_, layout::kMetaHead, &value);
  LogHead head;
  if (s.IsNotFound()) return head;
  if (!s.ok()) return FromRocksDb(s, "cannot read the log head");
  if (!layout::DecodeLogHead(value, &head)) {
    return Corruption("malformed log head in meta");
  }
  return head;
}

rocksdb::Status RocksDbHandle::Write(const rocksdb::WriteOptions& options,
                                     rocksdb::WriteBatch* batch) {
  if constexpr (kThreadSanitizer) {
    // The packaged RocksDB is not instrumented: its write group hands the
    // leader's buffers (a std::string reused by the next leader) from
    // thread to thread through atomics TSan cannot see, inside libstdc++
    // calls whose stacks keep no RocksDB frame for tests/tsan.supp to
    // name. Taking turns here shows TSan the order RocksDB provides; our
    // code above this call is checked as before.
    std::lock_guard<std::mutex> lock(tsan_write_mu_);
    return db_->Write(options, batch);
  }
  return db_->Write(options, batch);
}

std::size_t RocksDbHandle::table_reader_bytes() const {
  if (db_ == nullptr) return 0;
  std::size_t total = 0;
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    std::uint64_t bytes = 0;
    if (db_->GetIntProperty(
            cf, rocksdb::DB::Properties::kEstimateTableReadersMem, &bytes)) {
      total += bytes;
    }
  }
  return total;
}

std::size_t RocksDbHandle::live_files() const {
  if (db_ == nullptr) return 0;
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  return files.size();
}

}  // namespace orgledger::eventstore
