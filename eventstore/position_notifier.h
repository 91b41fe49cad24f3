// PositionNotifier: the committed position, published by the writer and
// awaited by readers. Thread-safe.
#ifndef ORGLEDGER_EVENTSTORE_POSITION_NOTIFIER_H_
#define ORGLEDGER_EVENTSTORE_POSITION_NOTIFIER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace orgledger::eventstore {

// Global log position; 0 means "none" (before the first record).
using Position = std::uint64_t;

class PositionNotifier {
 public:
  Position Get() const { return position_.load(std::memory_order_acquire); }

  // Moves the position forward to `p` and wakes the waiters; a `p` at or
  // below the current position changes nothing (a position learnt late,
  // or from two sources, never moves it back).
  void Publish(Position p) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (p <= position_.load(std::memory_order_relaxed)) return;
      position_.store(p, std::memory_order_release);
    }
    cv_.notify_all();
  }

  bool WaitFor(Position p, std::chrono::milliseconds timeout) {
    if (Get() >= p) return true;
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return Get() >= p; });
  }

 private:
  std::atomic<Position> position_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_POSITION_NOTIFIER_H_
