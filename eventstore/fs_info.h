// What kind of file system a directory is on. Durability tests and
// benchmarks print it and refuse tmpfs, where fsync costs nothing.
#ifndef ORGLEDGER_EVENTSTORE_FS_INFO_H_
#define ORGLEDGER_EVENTSTORE_FS_INFO_H_

#include <string>

namespace orgledger::eventstore {

// "ext4", "xfs", "btrfs", "tmpfs", "overlay", ... or "unknown(0x...)".
std::string FileSystemTypeName(const std::string& path);

// True for file systems held in memory (tmpfs, ramfs).
bool IsMemoryFileSystem(const std::string& path);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_FS_INFO_H_
