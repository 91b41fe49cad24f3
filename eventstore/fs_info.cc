#include "eventstore/fs_info.h"

#include <sys/vfs.h>

#include <cstdio>

namespace orgledger::eventstore {
namespace {

struct Known {
  unsigned long magic;
  const char* name;
};

// From linux/magic.h.
constexpr Known kKnown[] = {
    {0xEF53, "ext4"},      {0x58465342, "xfs"},   {0x9123683E, "btrfs"},
    {0x01021994, "tmpfs"}, {0x858458f6, "ramfs"}, {0x794c7630, "overlay"},
    {0x2FC12FC1, "zfs"},   {0x6969, "nfs"},       {0xF2F52010, "f2fs"},
    {0x65735546, "fuse"},  {0x01021997, "9p"},    {0x62656572, "sysfs"},
};

}  // namespace

std::string FileSystemTypeName(const std::string& path) {
  struct statfs st {};
  if (statfs(path.c_str(), &st) != 0) return "unknown";
  for (const Known& k : kKnown) {
    if (static_cast<unsigned long>(st.f_type) == k.magic) return k.name;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "unknown(0x%lx)",
                static_cast<unsigned long>(st.f_type));
  return buf;
}

bool IsMemoryFileSystem(const std::string& path) {
  const std::string t = FileSystemTypeName(path);
  return t == "tmpfs" || t == "ramfs";
}

}  // namespace orgledger::eventstore
