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
  // ApproximateBytes when last measured, and MapEntries then: the cache
  // measures again (O(size)) only when the entries moved by an eighth, and
  // scales the last measure in between (O(1) per command).
  std::size_t measured_bytes = 0;
  std::size_t measured_entries = 0;
  // The bytes the cache still counts for this entry while it is taken out
  // (StateCache::Take); given back by Put or Release.
  std::size_t charged = 0;
  // privacy::PersonKeys::epoch() when its fold began: a state of an
  // earlier epoch may hold an erased person's plaintext.
  std::uint64_t keys_epoch = 0;
};

// The approximate heap bytes of a cached state: strings, map nodes and the
// index, with the allocator's usual overheads. For the cache's budget.
std::size_t ApproximateBytes(const CachedOrg& entry);

// The number of entries in the state's maps and index, in O(1).
std::size_t MapEntries(const domain::OrgState& state);

// ApproximateBytes of `entry`, from its last measure when the state has not
// grown or shrunk much since (then updated in `entry`).
std::size_t EstimateBytes(CachedOrg& entry);

class StateCache {
 public:
  // Keeps at most `capacity` entries of at most `max_bytes` together
  // (ApproximateBytes); 0 for either keeps nothing.
  StateCache(std::size_t capacity, std::size_t max_bytes)
      : capacity_(capacity), max_bytes_(max_bytes) {}
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  // Removes and returns the state of `org`, or nullopt on a miss. Its
  // bytes stay charged to the budget until it is Put back or Released:
  // the hottest organizations are almost always taken out by a running
  // command, and their states (the largest) must not escape the budget.
  std::optional<CachedOrg> Take(const std::string& org);

  // Keeps `entry` as the newest (and gives back its charge); evicts the
  // least recently used until the entries kept and taken out fit the
  // capacity and the byte budget (an entry larger than the whole budget is
  // not kept).
  void Put(const std::string& org, CachedOrg&& entry);

  // Gives back the charge of a taken entry that will not be Put back.
  void Release(CachedOrg& entry);

  std::size_t size() const;
  // The bytes of the entries kept and of those taken out.
  std::size_t bytes() const;

 private:
  struct Slot {
    std::string org;
    CachedOrg entry;
    std::size_t bytes = 0;
  };
  using Lru = std::list<Slot>;
  // What keeping an entry costs besides the entry itself.
  static std::size_t SlotBytes(const std::string& org);

  const std::size_t capacity_;
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::size_t bytes_ = 0;        // kept
  std::size_t taken_bytes_ = 0;  // charged to entries taken out
  Lru lru_;                      // newest first
  std::unordered_map<std::string, Lru::iterator> index_;
};

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_STATE_CACHE_H_
