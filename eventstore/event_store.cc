// The backend-independent parts of EventStore: the blocking append,
// subscriptions, and hash hex.
#include "eventstore/event_store.h"

#include <atomic>
#include <future>
#include <thread>

namespace orgledger::eventstore {
namespace {

constexpr std::size_t kSubscriptionBatch = 512;
constexpr std::chrono::milliseconds kPollInterval{50};

// Reads batches up to the committed position and hands them to the handler;
// waits for new appends when caught up. One thread per subscription.
class PollingSubscription final : public Subscription {
 public:
  PollingSubscription(EventStore* store, Position from,
                      EventStore::BatchHandler handler)
      : store_(store),
        next_(from == 0 ? 1 : from),
        handler_(std::move(handler)),
        thread_([this] { Run(); }) {}

  ~PollingSubscription() override {
    stop_.store(true);
    thread_.join();
  }

  Position delivered() const override { return delivered_.load(); }

 private:
  void Run() {
    while (!stop_.load()) {
      Result<std::vector<RecordedEvent>> batch =
          store_->ReadAll(next_, kSubscriptionBatch);
      if (!batch.ok()) {
        // A storage failure: retry, the store recovers by itself.
        std::this_thread::sleep_for(kPollInterval);
        continue;
      }
      if (batch->empty()) {
        store_->WaitForPosition(next_, kPollInterval);
        continue;
      }
      if (!handler_(*batch, stop_)) {
        // Not taken: the same events again after a pause.
        std::this_thread::sleep_for(kPollInterval);
        continue;
      }
      delivered_.store(batch->back().position);
      next_ = batch->back().position + 1;
    }
  }

  EventStore* store_;
  Position next_;
  EventStore::BatchHandler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<Position> delivered_{0};
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

Result<AppendResult> EventStore::Append(AppendRequest request) {
  std::promise<Result<AppendResult>> promise;
  std::future<Result<AppendResult>> future = promise.get_future();
  AsyncAppend(std::move(request), [&promise](Result<AppendResult> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

std::unique_ptr<Subscription> EventStore::Subscribe(Position from,
                                                    EventHandler handler) {
  return SubscribeBatches(from, [handler = std::move(handler)](
                                    const std::vector<RecordedEvent>& batch,
                                    const std::atomic<bool>& stop) {
    for (const RecordedEvent& e : batch) {
      if (stop.load()) return false;
      handler(e);
    }
    return true;
  });
}

std::unique_ptr<Subscription> EventStore::SubscribeBatches(
    Position from, BatchHandler handler) {
  return std::make_unique<PollingSubscription>(this, from, std::move(handler));
}

std::string BytesToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string HashToHex(const Hash& hash) {
  return BytesToHex(std::string_view(reinterpret_cast<const char*>(hash.data()),
                                     hash.size()));
}

std::optional<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Hash h{};
  for (std::size_t i = 0; i < h.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return h;
}

}  // namespace orgledger::eventstore
