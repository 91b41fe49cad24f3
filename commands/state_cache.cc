#include "commands/state_cache.h"

namespace orgledger::commands {

std::optional<CachedOrg> StateCache::Take(const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(org);
  if (it == index_.end()) return std::nullopt;
  std::optional<CachedOrg> out(std::move(it->second->second));
  lru_.erase(it->second);
  index_.erase(it);
  return out;
}

void StateCache::Put(const std::string& org, CachedOrg entry) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(org); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.emplace_front(org, std::move(entry));
  index_.emplace(org, lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::size_t StateCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace orgledger::commands
