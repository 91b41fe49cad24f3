#include <map>
#include <mutex>

#include "eventstore/state_store.h"

namespace orgledger::eventstore {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;

std::optional<std::string> FindInMap(const Map& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<KeyValue>> ScanMap(const Map& map, std::string_view begin,
                                      std::string_view end, std::size_t limit,
                                      bool reverse) {
  std::vector<KeyValue> out;
  auto lo = map.lower_bound(begin);
  auto hi = end.empty() ? map.end() : map.lower_bound(end);
  if (!reverse) {
    for (auto it = lo; it != hi && out.size() < limit; ++it) {
      out.emplace_back(it->first, it->second);
    }
  } else {
    for (auto it = hi; it != lo && out.size() < limit;) {
      --it;
      out.emplace_back(it->first, it->second);
    }
  }
  return out;
}

class MemorySnapshot final : public StateReader {
 public:
  explicit MemorySnapshot(Map map) : map_(std::move(map)) {}
  Result<std::optional<std::string>> Get(std::string_view key) override {
    return FindInMap(map_, key);
  }
  Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) override {
    return ScanMap(map_, begin, end, limit, reverse);
  }

 private:
  const Map map_;
};

class MemoryStateStore final : public StateStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    return FindInMap(map_, key);
  }
  Result<std::vector<KeyValue>> Scan(std::string_view begin,
                                     std::string_view end, std::size_t limit,
                                     bool reverse) override {
    std::lock_guard<std::mutex> lock(mu_);
    return ScanMap(map_, begin, end, limit, reverse);
  }
  Status Write(const StateBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const StateBatch::Op& op : batch.ops()) {
      switch (op.kind) {
        case StateBatch::Kind::kPut:
          map_[op.key] = op.value;
          break;
        case StateBatch::Kind::kDelete:
          map_.erase(op.key);
          break;
        case StateBatch::Kind::kDeleteRange:
          map_.erase(map_.lower_bound(op.key), map_.lower_bound(op.value));
          break;
      }
    }
    return Status::Ok();
  }
  std::unique_ptr<StateReader> Snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::make_unique<MemorySnapshot>(map_);
  }

 private:
  std::mutex mu_;
  Map map_;
};

}  // namespace

std::unique_ptr<StateStore> NewMemoryStateStore() {
  return std::make_unique<MemoryStateStore>();
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace orgledger::eventstore
