// The malloc policy: large blocks stay mapped however large the blocks
// freed before them were (glibc's dynamic mmap threshold is off).
#include "base/malloc_policy.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace orgledger {
namespace {

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
void* volatile sink;  // keeps the compiler from removing malloc/free pairs

void* Touched(std::size_t bytes) {
  void* p = std::malloc(bytes);
  std::memset(p, 1, bytes);
  sink = p;
  return p;
}

TEST(MallocPolicy, LargeBlocksStayMappedAfterLargerOnesWereFreed) {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("GLIBC_TUNABLES") != nullptr) {
    GTEST_SKIP() << "the environment sets malloc's parameters";
  }
  ASSERT_TRUE(ApplyMallocPolicy());
  ASSERT_TRUE(ApplyMallocPolicy());  // the first call's answer again
  // Without the policy, freeing a mapped 4 MiB block raises the threshold
  // to 4 MiB and the next 512 KiB block comes from the heap.
  std::free(Touched(4 << 20));
  const std::size_t mapped = ::mallinfo2().hblks;
  void* block = Touched(512 << 10);
  EXPECT_EQ(::mallinfo2().hblks, mapped + 1);
  std::free(block);
  EXPECT_EQ(::mallinfo2().hblks, mapped);  // unmapped: back to the system
}
#endif

}  // namespace
}  // namespace orgledger
