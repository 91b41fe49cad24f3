// The in-memory EventStore: one mutex, the same planner and record format as
// the RocksDB store, nothing durable. For fast unit tests.
#include <map>
#include <mutex>
#include <unordered_map>

#include "eventstore/event_store.h"
#include "eventstore/planner.h"
#include "eventstore/record.h"
#include "eventstore/verifier.h"

namespace orgledger::eventstore {
namespace {

class MemoryEventStore final : public EventStore, private CommittedState {
 public:
  explicit MemoryEventStore(const StoreOptions& /*options*/) {}

  void AsyncAppend(AppendRequest request, AppendCallback done) override {
    done = BreakingChain(request, std::move(done));
    Result<AppendResult> result = Status(Code::kInternal, "not run");
    {
      std::lock_guard<std::mutex> lock(mu_);
      GroupPlanner planner(this, head_.position, head_.hash);
      result = planner.Plan(request);
      if (result.ok()) {
        Apply(planner.writes());
        stats_.appends += 1;
        if (!planner.writes().empty()) stats_.write_groups += 1;
        // Under the lock: appenders publish in the order they appended
        // (published after it, a slower one could move the position back).
        PublishCommitted(head_.position);
      }
    }
    done(std::move(result));
  }

  Result<std::optional<KeptAppend>> FindIdempotencyKey(
      std::string_view stream, std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = outcomes_.find(OutcomeKey(stream, key));
    if (it == outcomes_.end()) return std::optional<KeptAppend>();
    Result<KeptAppend> kept = DecodeKeptAppend(it->second);
    if (!kept.ok()) return kept.status();
    return std::optional<KeptAppend>(std::move(*kept));
  }

  Status PutSnapshot(std::string_view stream, Version version,
                     std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    snapshots_[std::string(stream)] =
        StoredSnapshot{version, std::string(bytes)};
    return Status::Ok();
  }

  Result<std::optional<StoredSnapshot>> GetSnapshot(
      std::string_view stream) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = snapshots_.find(stream);
    if (it == snapshots_.end()) return std::optional<StoredSnapshot>();
    return std::optional<StoredSnapshot>(it->second);
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                Version from,
                                                std::size_t max) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RecordedEvent> out;
    auto it = streams_.find(std::string(stream));
    if (it == streams_.end()) return out;
    const std::vector<Position>& positions = it->second;
    for (Version v = from == 0 ? 1 : from;
         v <= positions.size() && out.size() < max; ++v) {
      Result<RecordedEvent> e = DecodeRecord(log_.at(positions[v - 1]));
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    return out;
  }

  Result<std::vector<RecordedEvent>> ReadAll(Position from,
                                             std::size_t max) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RecordedEvent> out;
    for (auto it = log_.lower_bound(from); it != log_.end() && out.size() < max;
         ++it) {
      Result<RecordedEvent> e = DecodeRecord(it->second);
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    return out;
  }

  Result<StreamHead> GetStreamHead(std::string_view stream) override {
    std::lock_guard<std::mutex> lock(mu_);
    return LoadHead(stream);
  }

  Result<LogHead> Head() override {
    std::lock_guard<std::mutex> lock(mu_);
    return head_;
  }

  Result<VerifyReport> Verify(Position from, Position to) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (from == 0) from = 1;
    Hash prev{};
    if (from > 1) {
      auto it = log_.find(from - 1);
      if (it == log_.end() || !PeekRecordHash(it->second, &prev)) {
        return MissingRecordReport(from - 1);
      }
    }
    ChainVerifier verifier(from, prev);
    for (auto it = log_.lower_bound(from);
         it != log_.end() && (to == 0 || it->first <= to); ++it) {
      if (!verifier.Feed(it->first, it->second)) break;
    }
    if (to == 0) {
      verifier.CheckReachesHead(head_);
    } else {
      verifier.CheckReaches(to);
    }
    return verifier.report();
  }

  StoreStats Stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

  StateStore& state() override { return *state_; }

  Result<std::optional<std::string>> GetKeyRow(std::string_view key) override {
    return keys_->Get(key);
  }
  Result<std::vector<KeyValue>> ScanKeyRows(std::string_view prefix) override {
    return keys_->Scan(prefix, PrefixEnd(prefix), SIZE_MAX, false);
  }
  Status WriteKeyRows(const StateBatch& batch, bool /*sync*/) override {
    return keys_->Write(batch);
  }
  // Nothing of memory outlives a delete.
  Status PurgeDeleted() override { return Status::Ok(); }

 private:
  // CommittedState, called with mu_ held.
  Result<StreamHead> LoadHead(std::string_view stream) override {
    auto it = heads_.find(stream);
    return it == heads_.end() ? StreamHead{} : it->second;
  }
  Result<std::optional<std::string>> LoadOutcome(
      std::string_view outcome_key) override {
    auto it = outcomes_.find(outcome_key);
    if (it == outcomes_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  void Apply(const PlannedWrites& w) {
    for (const PlannedRecord& r : w.records) {
      log_[r.position] = r.value;
      streams_[r.stream].push_back(r.position);
    }
    for (const auto& [stream, head] : w.heads) heads_[stream] = head;
    for (const auto& [key, value] : w.outcomes) outcomes_[key] = value;
    if (!w.key_rows.empty()) {
      StateBatch keys;
      for (const auto& [key, value] : w.key_rows) keys.Put(key, value);
      (void)keys_->Write(keys);  // memory: never fails
    }
    head_.position = w.last_position;
    head_.hash = w.last_hash;
  }

  mutable std::mutex mu_;
  std::map<Position, std::string> log_;
  std::unordered_map<std::string, std::vector<Position>> streams_;
  std::map<std::string, StreamHead, std::less<>> heads_;
  std::map<std::string, std::string, std::less<>> outcomes_;
  std::map<std::string, StoredSnapshot, std::less<>> snapshots_;
  LogHead head_;
  StoreStats stats_;
  std::unique_ptr<StateStore> state_ = NewMemoryStateStore();
  std::unique_ptr<StateStore> keys_ = NewMemoryStateStore();
};

}  // namespace

std::unique_ptr<EventStore> NewMemoryEventStore(const StoreOptions& options) {
  return std::make_unique<MemoryEventStore>(options);
}

}  // namespace orgledger::eventstore
