#include "domain/arena.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>
#include <utility>

namespace orgledger::domain {

StateArena::~StateArena() {
  while (chunks_ != nullptr) {
    Chunk* next = chunks_->next;
    std::free(chunks_);
    chunks_ = next;
  }
}

void* StateArena::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (bytes > kMaxSmall || alignment > kGrain) {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, alignment);
    bytes_ += bytes;
    return p;
  }
  const std::size_t rounded = Round(bytes);
  FreeBlock*& head = free_[Class(rounded)];
  if (head != nullptr) {
    return std::exchange(head, head->next);
  }
  if (static_cast<std::size_t>(end_ - cur_) >= rounded) {
    return std::exchange(cur_, cur_ + rounded);
  }
  return Grow(rounded);
}

void StateArena::do_deallocate(void* p, std::size_t bytes,
                               std::size_t alignment) {
  if (bytes > kMaxSmall || alignment > kGrain) {
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    bytes_ -= bytes;
    return;
  }
  FreeBlock*& head = free_[Class(Round(bytes))];
  head = ::new (p) FreeBlock{head};
}

void* StateArena::Grow(std::size_t rounded) {
  // What is left of the current chunk is smaller than `rounded`, so at
  // most kMaxSmall - kGrain: it has a list of its size.
  if (const auto left = static_cast<std::size_t>(end_ - cur_); left > 0) {
    do_deallocate(cur_, left, kGrain);
  }
  // Powers of two (less malloc's own header), so that the chunks evicted
  // states give back to malloc fit the chunks of the states loaded next
  // exactly, and a mapped chunk fills its pages.
  const std::size_t size =
      std::bit_ceil(std::clamp(bytes_ / 2, kFirstChunk, kMaxChunk)) -
      kMallocOverhead;
  void* raw = std::malloc(size);
  if (raw == nullptr) throw std::bad_alloc();
  chunks_ = ::new (raw) Chunk{chunks_, size};
  bytes_ += size;
  cur_ = static_cast<char*>(raw) + sizeof(Chunk);
  end_ = static_cast<char*>(raw) + size;
  return std::exchange(cur_, cur_ + rounded);
}

}  // namespace orgledger::domain
