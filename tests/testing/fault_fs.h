// FaultInjectionFs: a RocksDB FileSystemWrapper for durability tests, in the
// spirit of leveldb's FaultInjectionTestEnv.
//  - It tracks, for every file written through it, how many bytes were
//    appended and how many of those an fsync (Sync/Fsync) made durable, and
//    counts fsyncs (WAL files separately).
//  - PowerCut() makes every later write and sync fail, as a machine that lost
//    power; DropUnsyncedData() then truncates every file to its last synced
//    length: what a real power cut leaves of data that sat in the page cache.
//  - InjectErrors() makes writes and syncs fail (I/O error or disk full)
//    until cleared, to test recovery.
// Directory entries are not simulated: a created file survives the cut even
// if its directory was never fsynced (RocksDB fsyncs directories itself).
// Thread-safe.
#ifndef ORGLEDGER_TESTS_TESTING_FAULT_FS_H_
#define ORGLEDGER_TESTS_TESTING_FAULT_FS_H_

#include <rocksdb/file_system.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace orgledger::testing {

class FaultInjectionFs : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kIoError, kNoSpace };

  FaultInjectionFs();

  const char* Name() const override { return "FaultInjectionFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // From now on every write, sync and file creation fails.
  void PowerCut();
  // Truncates every tracked file to its last synced length and forgets
  // them; clears the power cut when `revive` (false: the process is about
  // to end, and nothing may be written after the drop). Returns the number
  // of bytes dropped.
  std::uint64_t DropUnsyncedData(bool revive = true);

  void InjectErrors(Fault fault) { fault_.store(fault); }

  std::uint64_t syncs() const { return syncs_.load(); }
  std::uint64_t wal_syncs() const { return wal_syncs_.load(); }

  // Internal: the per-file state shared with the file wrappers.
  struct FileState {
    std::string name;
    std::uint64_t size = 0;
    std::uint64_t synced = 0;
  };
  rocksdb::IOStatus CheckWritable() const;
  // Marks `state` synced; fails when the power was cut meanwhile.
  rocksdb::IOStatus RecordSync(FileState* state);
  std::mutex& mu() { return mu_; }

 private:
  rocksdb::IOStatus Wrap(const std::string& fname, std::uint64_t initial_size,
                         std::unique_ptr<rocksdb::FSWritableFile>* r);

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  std::atomic<bool> dead_{false};
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> wal_syncs_{0};
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_FAULT_FS_H_
