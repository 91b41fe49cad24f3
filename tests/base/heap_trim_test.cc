// HeapTrimmer: free pages inside the heap go back to the system, on a timer.
#include "base/heap_trim.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace orgledger {
namespace {

double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
TEST(HeapTrim, ReleasesFreePagesInsideTheHeap) {
  // 64 MiB in 16 KiB blocks (below malloc's mmap threshold: inside the
  // heap), touched; all freed but the last, which keeps them from the top
  // of the heap, where malloc would give them back by itself.
  std::vector<char*> blocks;
  for (int i = 0; i < 4096; ++i) {
    char* b = static_cast<char*>(std::malloc(16 << 10));
    std::memset(b, 1, 16 << 10);
    blocks.push_back(b);
  }
  for (std::size_t i = 0; i + 1 < blocks.size(); ++i) std::free(blocks[i]);
  const double before = RssMb();
  ASSERT_TRUE(TrimHeap());
  const double after = RssMb();
  std::free(blocks.back());
  EXPECT_GT(before - after, 32) << before << " MB -> " << after << " MB";
}
#endif

TEST(HeapTrim, TrimsOnItsIntervalAndStops) {
  HeapTrimmer trimmer(std::chrono::milliseconds(5));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (trimmer.trims() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
#if defined(__GLIBC__)
  EXPECT_GE(trimmer.trims(), 3u);
#else
  EXPECT_EQ(trimmer.trims(), 0u);
#endif
}

TEST(HeapTrim, StopsAtOnceWithALongInterval) {
  const auto start = std::chrono::steady_clock::now();
  { HeapTrimmer trimmer(std::chrono::hours(1)); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace orgledger
