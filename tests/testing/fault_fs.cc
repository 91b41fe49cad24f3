#include "tests/testing/fault_fs.h"

#include <unistd.h>

#include <filesystem>

namespace orgledger::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

bool IsWal(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
}

// Forwards to the real file, recording appended and synced lengths.
class TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> target,
              FaultInjectionFs* fs,
              std::shared_ptr<FaultInjectionFs::FileState> state)
      : FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        state_(std::move(state)) {}

  IOStatus Append(const Slice& data, const IOOptions& o,
                  IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->Append(data, o, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& o,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->Append(data, o, info, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok()) SetAtLeast(offset + data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& o,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->PositionedAppend(data, offset, o, info, dbg);
    if (s.ok()) SetAtLeast(offset + data.size());
    return s;
  }
  IOStatus Truncate(uint64_t size, const IOOptions& o,
                    IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->Truncate(size, o, dbg);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(fs_->mu());
      state_->size = size;
      if (state_->synced > size) state_->synced = size;
    }
    return s;
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->Sync(o, dbg);
    return s.ok() ? fs_->RecordSync(state_.get()) : s;
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    IOStatus s = target()->Fsync(o, dbg);
    return s.ok() ? fs_->RecordSync(state_.get()) : s;
  }
  IOStatus Flush(const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fs_->CheckWritable(); !s.ok()) return s;
    return target()->Flush(o, dbg);
  }

 private:
  void Grow(std::uint64_t n) {
    std::lock_guard<std::mutex> lock(fs_->mu());
    state_->size += n;
  }
  void SetAtLeast(std::uint64_t n) {
    std::lock_guard<std::mutex> lock(fs_->mu());
    if (state_->size < n) state_->size = n;
  }

  FaultInjectionFs* fs_;
  std::shared_ptr<FaultInjectionFs::FileState> state_;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

IOStatus FaultInjectionFs::CheckWritable() const {
  if (dead_.load()) return IOStatus::IOError("power cut (simulated)");
  switch (fault_.load()) {
    case Fault::kNone:
      return IOStatus::OK();
    case Fault::kIoError:
      return IOStatus::IOError("injected I/O error");
    case Fault::kNoSpace:
      return IOStatus::NoSpace("injected: no space left on device");
  }
  return IOStatus::OK();
}

IOStatus FaultInjectionFs::RecordSync(FileState* state) {
  std::lock_guard<std::mutex> lock(mu_);
  // A sync that loses the race with the cut fails: the cut already fixed
  // what survives, so its caller must not believe the data durable.
  if (dead_.load()) return IOStatus::IOError("power cut (simulated)");
  state->synced = state->size;
  syncs_ += 1;
  if (IsWal(state->name)) wal_syncs_ += 1;
  return IOStatus::OK();
}

IOStatus FaultInjectionFs::Wrap(const std::string& fname,
                                std::uint64_t initial_size,
                                std::unique_ptr<rocksdb::FSWritableFile>* r) {
  auto state = std::make_shared<FileState>();
  state->name = fname;
  state->size = initial_size;
  state->synced = initial_size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_[fname] = state;
  }
  *r = std::make_unique<TrackedFile>(std::move(*r), this, std::move(state));
  return IOStatus::OK();
}

IOStatus FaultInjectionFs::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) {
  if (IOStatus s = CheckWritable(); !s.ok()) return s;
  IOStatus s = target()->NewWritableFile(fname, options, r, dbg);
  if (!s.ok()) return s;
  return Wrap(fname, 0, r);
}

IOStatus FaultInjectionFs::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) {
  if (IOStatus s = CheckWritable(); !s.ok()) return s;
  std::error_code ec;
  std::uint64_t size = std::filesystem::exists(fname, ec)
                           ? std::filesystem::file_size(fname, ec)
                           : 0;
  IOStatus s = target()->ReopenWritableFile(fname, options, r, dbg);
  if (!s.ok()) return s;
  return Wrap(fname, size, r);
}

IOStatus FaultInjectionFs::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname,
    const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) {
  if (IOStatus s = CheckWritable(); !s.ok()) return s;
  IOStatus s = target()->ReuseWritableFile(fname, old_fname, options, r, dbg);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(old_fname);
  }
  return Wrap(fname, 0, r);
}

IOStatus FaultInjectionFs::DeleteFile(const std::string& fname,
                                      const IOOptions& options,
                                      IODebugContext* dbg) {
  if (IOStatus s = CheckWritable(); !s.ok()) return s;
  IOStatus s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(fname);
  }
  return s;
}

IOStatus FaultInjectionFs::RenameFile(const std::string& src,
                                      const std::string& target_name,
                                      const IOOptions& options,
                                      IODebugContext* dbg) {
  if (IOStatus s = CheckWritable(); !s.ok()) return s;
  IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(src);
    if (it != files_.end()) {
      it->second->name = target_name;
      files_[target_name] = it->second;
      files_.erase(src);
    } else {
      files_.erase(target_name);
    }
  }
  return s;
}

void FaultInjectionFs::PowerCut() {
  std::lock_guard<std::mutex> lock(mu_);
  dead_.store(true);
}

std::uint64_t FaultInjectionFs::DropUnsyncedData(bool revive) {
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t dropped = 0;
  for (auto& [name, state] : files_) {
    if (state->size > state->synced) {
      std::error_code ec;
      if (std::filesystem::exists(name, ec)) {
        auto actual = std::filesystem::file_size(name, ec);
        if (!ec && actual > state->synced) {
          dropped += actual - state->synced;
          std::filesystem::resize_file(name, state->synced, ec);
        }
      }
    }
  }
  files_.clear();
  dead_.store(!revive);
  return dropped;
}

}  // namespace orgledger::testing
