// PositionWaiters: callbacks that wait for the projections to reach a log
// position, all on one thread of their own, so that a host's threads
// (an HTTP server's I/O threads) never block on read-your-writes.
#ifndef ORGLEDGER_COMMANDS_POSITION_WAITERS_H_
#define ORGLEDGER_COMMANDS_POSITION_WAITERS_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "eventstore/position_notifier.h"
#include "projections/projection_set.h"

namespace orgledger::commands {

class PositionWaiters {
 public:
  using Clock = std::chrono::steady_clock;
  // Called once: true when the projections reached the position, false
  // when the deadline passed first or the waiters stopped.
  using Callback = std::function<void(bool reached)>;

  explicit PositionWaiters(projections::ProjectionSet* projections)
      : projections_(projections) {}
  // Answers what still waits with false, then joins the thread.
  ~PositionWaiters();
  PositionWaiters(const PositionWaiters&) = delete;
  PositionWaiters& operator=(const PositionWaiters&) = delete;

  // Calls `done` on the waiters' thread once every projection reached
  // `position` or at `deadline`, whichever comes first. The thread starts
  // with the first wait.
  void Add(eventstore::Position position, Clock::time_point deadline,
           Callback done);

 private:
  struct Wait {
    eventstore::Position position;
    Clock::time_point deadline;
    Callback done;
  };
  void Run();

  projections::ProjectionSet* const projections_;
  std::mutex mu_;
  std::condition_variable added_;
  std::vector<Wait> waits_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_POSITION_WAITERS_H_
