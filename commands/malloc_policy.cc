#include "commands/malloc_policy.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace orgledger {
namespace {

constexpr int kMmapThreshold = 128 << 10;

bool Apply() {
#if defined(__GLIBC__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return false;
  bool changed = false;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
    changed |= ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  }
  // No fastbins: small freed chunks coalesce with their neighbours instead
  // of waiting in per-size lists (docs/reliability.md).
  changed |= ::mallopt(M_MXFAST, 0) == 1;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    const int arenas =
        std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    changed |= ::mallopt(M_ARENA_MAX, arenas) == 1;
  }
  return changed;
#else
  return false;
#endif
}

}  // namespace

bool ApplyMallocPolicy() {
  static std::once_flag once;
  static bool changed = false;
  std::call_once(once, [] { changed = Apply(); });
  return changed;
}

}  // namespace orgledger
