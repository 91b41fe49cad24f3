// HeapTrimmer: gives the C heap's free pages back to the operating system
// every so often, from a thread of its own.
//
// Why: glibc's malloc keeps freed memory inside its arenas and returns it
// only from the top of each heap. A long-running engine churns through
// allocations of every size (evicted organization states, RocksDB blocks
// and memtables), so its free memory ends up scattered: the soak of issue 7
// saw the heap in use stay flat at ~240 MB while malloc's free memory grew
// from 18 to 62 MB in five minutes, all of it resident. malloc_trim(0)
// releases every whole free page in every arena (MADV_DONTNEED).
//
// A process-wide action: a host with its own allocator or its own policy
// turns it off (EngineOptions::heap_trim_interval = 0). A no-op where the C
// library has no malloc_trim.
#ifndef ORGLEDGER_BASE_HEAP_TRIM_H_
#define ORGLEDGER_BASE_HEAP_TRIM_H_

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace orgledger {

// Releases the C heap's whole free pages now. False where not supported.
bool TrimHeap();

class HeapTrimmer {
 public:
  // Trims every `interval` until destroyed; `interval` must be positive.
  explicit HeapTrimmer(std::chrono::milliseconds interval);
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;
  ~HeapTrimmer();  // stops the thread (without a last trim)

  // Trims done so far.
  std::uint64_t trims() const;

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::uint64_t trims_ = 0;
  std::thread thread_;
};

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_HEAP_TRIM_H_
