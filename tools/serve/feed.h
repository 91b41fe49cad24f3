// The events feed (GET /v1/events): the log as Server-Sent Events for hosts
// in any language. This part has no sockets: what a follower asked for,
// the messages of a batch of records, and the hub that reads the log and
// wakes idle followers when it grows (feed_session.h writes to them).
#ifndef ORGLEDGER_TOOLS_SERVE_FEED_H_
#define ORGLEDGER_TOOLS_SERVE_FEED_H_

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "eventstore/event_store.h"
#include "privacy/person_keys.h"

namespace orgledger::serve {

// What a follower asked for.
struct FeedRequest {
  eventstore::Position next = 1;  // the first position to send
  std::string org;                // only this organization; empty: all
};

// From the target's query (`from=P`, inclusive; `org=ORG`) and the
// Last-Event-ID header (resume after that position; it wins over `from`).
// kInvalidRequest naming the parameter and what it takes.
Result<FeedRequest> ParseFeedRequest(std::string_view target,
                                     std::string_view last_event_id);

// The messages of `records` that `org` follows ("id: P\ndata: JSON\n\n"
// each, JSON as `replay --format json`: never a token or its hash).
// Personal fields opened with `keys`. kCorruption when a record does not
// decode.
Result<std::string> FeedMessages(
    const std::vector<eventstore::RecordedEvent>& records,
    const std::string& org, privacy::PersonKeys& keys);

// Reads the log for the followers on threads of its own (a read may wait
// on PostgreSQL) and keeps the idle ones in a table, not on a thread each:
// one thread waits for the committed position to move and wakes those it
// reached. Thread-safe.
class FeedHub {
 public:
  explicit FeedHub(eventstore::EventStore* store);
  // Stop()s.
  ~FeedHub();
  FeedHub(const FeedHub&) = delete;
  FeedHub& operator=(const FeedHub&) = delete;

  eventstore::Position committed() const { return store_->CommittedPosition(); }
  privacy::PersonKeys& keys() { return privacy::KeysOf(*store_); }
  // The records from `from` (at most `max`) read on a reader thread, given
  // to `done` there.
  using ReadDone =
      std::function<void(Result<std::vector<eventstore::RecordedEvent>>)>;
  void Read(eventstore::Position from, std::size_t max, ReadDone done);

  // Calls `ready(true)` once when the committed position reaches
  // `position` (at once, on the caller's thread, when it has; else on the
  // hub's), `ready(false)` when the hub stops first. Returns a ticket for
  // Cancel (which drops `ready` uncalled; 0: called already).
  using Ticket = std::uint64_t;
  Ticket WhenCommitted(eventstore::Position position,
                       std::function<void(bool)> ready);
  void Cancel(Ticket ticket);

  // Followers waiting now (a gauge).
  std::size_t idle() const;
  // Followers streaming now (a gauge), kept by the sessions.
  std::size_t followers() const { return followers_.load(); }
  void Joined() { ++followers_; }
  void Left() { --followers_; }

  // Wakes every waiting follower with false and joins the threads; reads
  // still queued run first.
  void Stop();

 private:
  void WaitLoop();

  eventstore::EventStore* const store_;
  boost::asio::thread_pool readers_{2};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  Ticket next_ticket_ = 1;
  struct Waiter {
    eventstore::Position position;
    std::function<void(bool)> ready;
  };
  std::map<Ticket, Waiter> waiting_;
  std::atomic<std::size_t> followers_{0};
  std::thread waiter_;
};

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_FEED_H_
