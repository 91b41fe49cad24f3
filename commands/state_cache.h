// StateCache: a bounded LRU of folded organization states, so that a
// command does not replay its organization's stream. Safe for concurrent
// use from multiple threads.
//
// The engine takes a state out while one of its commands runs and puts it
// back afterwards: an organization's commands are serialized, so the state
// taken is owned by that command alone and is never copied.
#ifndef ORGLEDGER_COMMANDS_STATE_CACHE_H_
#define ORGLEDGER_COMMANDS_STATE_CACHE_H_

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/state.h"

namespace orgledger::commands {

// A folded state and where its last snapshot stands.
struct CachedOrg {
  domain::OrgState state;  // state.version is the stream version folded to
  std::uint64_t snapshot_version = 0;
};

class StateCache {
 public:
  // capacity 0 keeps nothing.
  explicit StateCache(std::size_t capacity) : capacity_(capacity) {}
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  // Removes and returns the state of `org`, or nullopt on a miss.
  std::optional<CachedOrg> Take(const std::string& org);

  // Keeps `entry` as the newest; evicts the least recently used past the
  // capacity.
  void Put(const std::string& org, CachedOrg entry);

  std::size_t size() const;

 private:
  using Lru = std::list<std::pair<std::string, CachedOrg>>;

  const std::size_t capacity_;
  mutable std::mutex mu_;
  Lru lru_;  // newest first
  std::unordered_map<std::string, Lru::iterator> index_;
};

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_STATE_CACHE_H_
