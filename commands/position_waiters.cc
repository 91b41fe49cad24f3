#include "commands/position_waiters.h"

#include <algorithm>
#include <utility>

namespace orgledger::commands {
namespace {

// The longest the thread sleeps without looking at the deadlines.
constexpr std::chrono::milliseconds kSlice{50};

}  // namespace

PositionWaiters::~PositionWaiters() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  added_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Wait& w : waits_) w.done(false);
}

void PositionWaiters::Add(eventstore::Position position,
                          Clock::time_point deadline, Callback done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      waits_.push_back(Wait{position, deadline, std::move(done)});
      if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
      done = nullptr;
    }
  }
  if (done) return done(false);
  added_.notify_all();
}

void PositionWaiters::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const eventstore::Position at = projections_->checkpoint();
    const Clock::time_point now = Clock::now();
    std::vector<std::pair<Callback, bool>> ready;
    std::erase_if(waits_, [&](Wait& w) {
      const bool reached = at >= w.position;
      if (!reached && now < w.deadline) return false;
      ready.emplace_back(std::move(w.done), reached);
      return true;
    });
    if (!ready.empty()) {
      lock.unlock();
      for (auto& [done, reached] : ready) done(reached);
      lock.lock();
      continue;
    }
    if (waits_.empty()) {
      added_.wait(lock);
      continue;
    }
    // Every wait is past `at`, so waiting for one event more wakes on the
    // first advance that can answer any of them. (A wait added after `at`
    // was read, for a position at or below it, is answered within a slice.)
    Clock::time_point first = waits_.front().deadline;
    for (const Wait& w : waits_) first = std::min(first, w.deadline);
    lock.unlock();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        first - now + std::chrono::milliseconds(1));
    projections_->WaitFor(at + 1, std::min(left, kSlice));
    lock.lock();
  }
}

}  // namespace orgledger::commands
