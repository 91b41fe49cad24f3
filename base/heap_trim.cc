#include "base/heap_trim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace orgledger {

bool TrimHeap() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
  return true;
#else
  return false;
#endif
}

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds interval)
    : interval_(interval), thread_([this] { Loop(); }) {}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t HeapTrimmer::trims() const {
  std::lock_guard<std::mutex> lock(mu_);
  return trims_;
}

void HeapTrimmer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (wake_.wait_for(lock, interval_, [this] { return stop_; })) return;
    lock.unlock();
    const bool trimmed = TrimHeap();  // not under mu_: it may take a while
    lock.lock();
    if (trimmed) ++trims_;
  }
}

}  // namespace orgledger
