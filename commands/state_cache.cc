#include "commands/state_cache.h"

#include <utility>

namespace orgledger::commands {
namespace {

// A std::map node: three pointers, a color, padding and malloc's header.
constexpr std::size_t kNode = 48;

std::size_t Heap(const std::string& s) {
  // Short strings live inside the object (small-string optimization).
  return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0;
}

std::size_t Bytes(const domain::Person& p) {
  return sizeof(p) + Heap(p.user_id) + Heap(p.email) + Heap(p.name);
}

std::size_t Bytes(const domain::Invite& i) {
  std::size_t n = sizeof(i) + Heap(i.invite_id) + Heap(i.email) +
                  Heap(i.token_hash) + Heap(i.invited_by);
  if (i.last_error.has_value()) {
    n += Heap(i.last_error->code) + Heap(i.last_error->actor_id) +
         Heap(i.last_error->actor_email);
  }
  return n;
}

template <class Map, class F>
std::size_t MapBytes(const Map& map, F value_bytes) {
  std::size_t n = 0;
  for (const auto& [key, value] : map) {
    n += kNode + sizeof(key) + Heap(key) + value_bytes(value);
  }
  return n;
}

std::size_t IndexBytes(
    const std::map<std::string, std::set<std::string>>& index) {
  return MapBytes(index, [](const std::set<std::string>& ids) {
    std::size_t n = sizeof(ids);
    for (const std::string& id : ids) n += kNode + sizeof(id) + Heap(id);
    return n;
  });
}

}  // namespace

std::size_t ApproximateBytes(const CachedOrg& entry) {
  const domain::OrgState& s = entry.state;
  std::size_t n = sizeof(entry) + Heap(s.org) + Heap(s.edition);
  n += MapBytes(s.people, [](const auto& p) { return Bytes(p); });
  n += MapBytes(s.invites, [](const auto& i) { return Bytes(i); });
  n += MapBytes(s.teams, [](const std::string& name) {
    return sizeof(name) + Heap(name);
  });
  n += MapBytes(s.payments, [](const domain::Payment& p) {
    return sizeof(p) + Heap(p.payment_id) + Heap(p.currency);
  });
  if (s.card.has_value()) {
    n += Heap(s.card->processor_token) + Heap(s.card->brand) +
         Heap(s.card->last4) + Heap(s.card->holder_name);
  }
  n += IndexBytes(s.index.people_by_email) +
       IndexBytes(s.index.pending_by_email);
  return n;
}

std::size_t MapEntries(const domain::OrgState& s) {
  return s.people.size() + s.invites.size() + s.teams.size() +
         s.payments.size() + s.index.people_by_email.size() +
         s.index.pending_by_email.size();
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
  const std::size_t size =
      keeps ? EstimateBytes(entry) + sizeof(Slot) + org.size() : 0;
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
