// StateArena: the memory of one organization's state (domain::OrgState),
// taken from malloc in chunks that grow with the state and given back whole
// when the state is destroyed.
//
// Why: a state is hundreds of small map nodes and strings. Allocated one by
// one, the states the engine's cache loads and evicts leave their freed
// nodes scattered between the nodes of states that stay, and malloc can
// give none of that memory back (issue 7's soak: RSS grew while the live
// heap did not; docs/reliability.md). In an arena, the nodes of one state
// share a few chunks, so evicting the state frees whole chunks; chunks of
// 128 KiB or more are mapped by malloc (base/malloc_policy.h) and go
// straight back to the system.
//
// Blocks a state frees (an erased node, a string that grew) go to lists by
// size and are reused by the same state. Not thread-safe: a state has one
// owner at a time.
#ifndef ORGLEDGER_DOMAIN_ARENA_H_
#define ORGLEDGER_DOMAIN_ARENA_H_

#include <array>
#include <cstddef>
#include <memory_resource>

namespace orgledger::domain {

class StateArena final : public std::pmr::memory_resource {
 public:
  StateArena() = default;
  StateArena(const StateArena&) = delete;
  StateArena& operator=(const StateArena&) = delete;
  // Frees every chunk. Blocks larger than a chunk's must have been
  // deallocated (the containers using the arena are destroyed first).
  ~StateArena() override;

  // The bytes taken from malloc: chunks and large blocks. What the state
  // costs, for the state cache's budget.
  std::size_t bytes() const { return bytes_; }

 private:
  // Blocks are multiples of 16 bytes (malloc's alignment); blocks of more
  // than kMaxSmall bytes, or aligned more strictly, come from malloc.
  static constexpr std::size_t kGrain = 16;
  static constexpr std::size_t kMaxSmall = 512;
  // The first chunk holds a small organization; each next one is half of
  // what the arena holds, rounded up to a power of two, up to kMaxChunk:
  // above the size from which malloc maps a block of its own and unmaps it
  // when freed (128 KiB, base/malloc_policy.h), so that most chunks of
  // large states never stay in malloc's heap. Less kMallocOverhead, what
  // malloc adds to a block (glibc: 8 bytes, rounded to 16; a mapped block
  // then takes exactly its pages).
  static constexpr std::size_t kFirstChunk = 1024;
  static constexpr std::size_t kMaxChunk = 256 << 10;
  static constexpr std::size_t kMallocOverhead = 32;

  struct Chunk {
    Chunk* next;
    std::size_t size;  // with this header
  };
  static_assert(sizeof(Chunk) % kGrain == 0);
  static_assert(kFirstChunk - kMallocOverhead >= sizeof(Chunk) + kMaxSmall);

  struct FreeBlock {
    FreeBlock* next;
  };

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes,
                     std::size_t alignment) override;
  bool do_is_equal(const memory_resource& other) const noexcept override {
    return this == &other;
  }

  static std::size_t Round(std::size_t bytes) {
    return bytes == 0 ? kGrain : (bytes + kGrain - 1) & ~(kGrain - 1);
  }
  static std::size_t Class(std::size_t rounded) {
    return rounded / kGrain - 1;
  }
  // A block of `rounded` bytes from a new chunk (the rest of the current
  // one goes to its size's list).
  void* Grow(std::size_t rounded);

  std::array<FreeBlock*, kMaxSmall / kGrain> free_{};
  Chunk* chunks_ = nullptr;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_ARENA_H_
