#include "commands/state_cache.h"

#include <algorithm>
#include <set>
#include <utility>

namespace orgledger::commands {
namespace {

// What malloc really takes for a request of `n` bytes (glibc on 64-bit: an
// 8-byte header, 16-byte alignment, 32 bytes at least). Other allocators
// round similarly.
constexpr std::size_t Chunk(std::size_t n) {
  return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}

// A node of std::map or std::set: the red-black links (32 bytes) and the
// value, in one allocation.
template <class Value>
constexpr std::size_t kNode = Chunk(32 + sizeof(Value));

std::size_t Heap(const std::string& s) {
  // Short strings live inside the object (small-string optimization).
  return s.capacity() > 15 ? Chunk(s.capacity() + 1) : 0;
}

std::size_t Heap(const domain::Person& p) {
  return Heap(p.user_id) + Heap(p.email) + Heap(p.name);
}

std::size_t Heap(const domain::Invite& i) {
  std::size_t n = Heap(i.invite_id) + Heap(i.email) + Heap(i.token_hash) +
                  Heap(i.invited_by);
  if (i.last_error.has_value()) {
    n += Heap(i.last_error->code) + Heap(i.last_error->actor_id) +
         Heap(i.last_error->actor_email);
  }
  return n;
}

std::size_t Heap(const domain::ClosedInvite& c) { return Heap(c.token_hash); }

std::size_t Heap(const domain::Payment& p) {
  return Heap(p.payment_id) + Heap(p.currency);
}

std::size_t Heap(const std::set<std::string>& ids) {
  std::size_t n = 0;
  for (const std::string& id : ids) n += kNode<std::string> + Heap(id);
  return n;
}

// The nodes of `map` and what its keys and values hold on the heap.
template <class Map>
std::size_t MapBytes(const Map& map) {
  std::size_t n = 0;
  for (const auto& [key, value] : map) {
    n += kNode<typename Map::value_type> + Heap(key) + Heap(value);
  }
  return n;
}

}  // namespace

std::size_t ApproximateBytes(const CachedOrg& entry) {
  const domain::OrgState& s = entry.state;
  std::size_t n = sizeof(entry) + Heap(s.org) + Heap(s.edition);
  n += MapBytes(s.people) + MapBytes(s.invites) +
       MapBytes(s.closed_invites.others) + Heap(s.closed_invites.packed) +
       MapBytes(s.teams) + MapBytes(s.payments);
  if (s.card.has_value()) {
    n += Heap(s.card->processor_token) + Heap(s.card->brand) +
         Heap(s.card->last4) + Heap(s.card->holder_name);
  }
  n += MapBytes(s.index.people_by_email) + MapBytes(s.index.pending_by_email) +
       MapBytes(s.index.links_by_token_hash);
  return n;
}

std::size_t MapEntries(const domain::OrgState& s) {
  return s.people.size() + s.invites.size() + s.closed_invites.size() +
         s.teams.size() + s.payments.size() + s.index.people_by_email.size() +
         s.index.pending_by_email.size() + s.index.links_by_token_hash.size();
}

std::size_t EstimateBytes(CachedOrg& entry) {
  const std::size_t entries = MapEntries(entry.state);
  const std::size_t was = entry.measured_entries;
  const std::size_t slack = was / 8 + 8;
  if (entry.measured_bytes == 0 || entries > was + slack ||
      entries + slack < was) {
    entry.measured_bytes = ApproximateBytes(entry);
    entry.measured_entries = entries;
    return entry.measured_bytes;
  }
  return entry.measured_bytes * (entries + 1) / (was + 1);
}

std::size_t StateCache::SlotBytes(const std::string& org) {
  // The list node around the entry (whose own size EstimateBytes counts),
  // the index's node and bucket, and the org's name in both.
  using IndexNode = std::pair<const std::string, Lru::iterator>;
  return Chunk(2 * sizeof(void*) + sizeof(Slot)) - sizeof(CachedOrg) +
         Chunk(sizeof(void*) + sizeof(IndexNode) + sizeof(std::size_t)) +
         sizeof(void*) + 2 * Heap(org);
}

std::optional<CachedOrg> StateCache::Take(const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(org);
  if (it == index_.end()) return std::nullopt;
  std::optional<CachedOrg> out(std::move(it->second->entry));
  out->charged = it->second->bytes;
  bytes_ -= it->second->bytes;
  taken_bytes_ += it->second->bytes;
  lru_.erase(it->second);
  index_.erase(it);
  return out;
}

void StateCache::Put(const std::string& org, CachedOrg&& entry) {
  const std::size_t charged = std::exchange(entry.charged, 0);
  const bool keeps = capacity_ != 0 && max_bytes_ != 0;
  // Sized outside the lock: the entry is this caller's alone.
  const std::size_t size = keeps ? EstimateBytes(entry) + SlotBytes(org) : 0;
  std::lock_guard<std::mutex> lock(mu_);
  taken_bytes_ -= charged;
  if (!keeps || size > max_bytes_) return;
  if (auto it = index_.find(org); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Slot{org, std::move(entry), size});
  bytes_ += size;
  index_.emplace(org, lru_.begin());
  while (!lru_.empty() &&
         (lru_.size() > capacity_ || bytes_ + taken_bytes_ > max_bytes_)) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().org);
    lru_.pop_back();
  }
}

void StateCache::Release(CachedOrg& entry) {
  const std::size_t charged = std::exchange(entry.charged, 0);
  if (charged == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  taken_bytes_ -= charged;
}

std::size_t StateCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

std::size_t StateCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_ + taken_bytes_;
}

}  // namespace orgledger::commands
