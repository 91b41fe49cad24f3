// The malloc policy: large blocks stay mapped however large the blocks
// freed before them were (glibc's dynamic mmap threshold is off), threads
// share one arena per core, and small blocks freed are not kept in
// fastbins.
#include "commands/malloc_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

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

// Small blocks freed are coalesced, not kept in fastbins (glibc keeps
// chunks of up to 128 bytes there by default once the thread's cache for
// their size is full).
TEST(MallocPolicy, SmallBlocksFreedAreNotKeptInFastbins) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) {
    GTEST_SKIP() << "the environment sets malloc's parameters";
  }
  ASSERT_TRUE(ApplyMallocPolicy());
  std::vector<void*> blocks;
  // Every other block stays, so the freed ones have live neighbours and
  // would sit in fastbins rather than merge into the top of the heap.
  for (int i = 0; i < 2000; ++i) blocks.push_back(Touched(48));
  for (std::size_t i = 0; i < blocks.size(); i += 2) std::free(blocks[i]);
  EXPECT_EQ(::mallinfo2().fsmblks, 0u);
  for (std::size_t i = 1; i < blocks.size(); i += 2) std::free(blocks[i]);
}

// Applied before the process's threads allocate, the arena limit holds:
// eight threads that allocate at once share at most one arena per core.
TEST(MallocPolicy, ThreadsShareOneArenaPerCore) {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr ||
      std::getenv("GLIBC_TUNABLES") != nullptr) {
    GTEST_SKIP() << "the environment sets malloc's parameters";
  }
  ASSERT_TRUE(ApplyMallocPolicy());
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::vector<void*> blocks;
      for (int i = 0; i < 100; ++i) blocks.push_back(Touched(64));
      ++started;
      while (started.load() < 8) std::this_thread::yield();
      for (void* b : blocks) std::free(b);
    });
  }
  for (std::thread& t : threads) t.join();
  // malloc_info lists one <heap nr="..."> per arena.
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = ::open_memstream(&text, &size);
  ASSERT_EQ(::malloc_info(0, out), 0);
  std::fclose(out);
  int arenas = 0;
  for (const char* p = text; (p = std::strstr(p, "<heap nr=")) != nullptr;
       ++p) {
    ++arenas;
  }
  std::free(text);
  const int cores =
      std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_GE(arenas, 1);
  EXPECT_LE(arenas, cores);
}
#endif

}  // namespace
}  // namespace orgledger
