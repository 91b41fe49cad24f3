// The backends the event-store suites run against (conformance_suite.h,
// state_store_suite.h, property_suite.h). A factory is what a backend gives
// the suites:
//   static constexpr bool kDurable;   // survives a reopen (a restart)
//   std::unique_ptr<EventStore> Open(const StoreOptions& = {});
// Each owns what its store needs (a directory for RocksDB) and can reopen
// the store, as a restart would (a no-op for the memory store, which keeps
// its state). Adding a backend: docs/backends.md.
#ifndef ORGLEDGER_TESTS_EVENTSTORE_STORE_FACTORIES_H_
#define ORGLEDGER_TESTS_EVENTSTORE_STORE_FACTORIES_H_

#include <gtest/gtest.h>

#include <memory>

#include "eventstore/event_store.h"
#include "eventstore/rocksdb_event_store.h"
#include "tests/testing/test_dir.h"

namespace orgledger::eventstore {

// A store that hands every call to another one (not owned): the memory
// factory's "reopened" store, and the base of tests' wrappers that change
// one call.
class ForwardingStore : public EventStore {
 public:
  explicit ForwardingStore(EventStore* s) : s_(s) {}
  void AsyncAppend(AppendRequest r, AppendCallback d) override {
    s_->AsyncAppend(std::move(r), std::move(d));
  }
  Result<std::optional<KeptAppend>> FindIdempotencyKey(
      std::string_view s, std::string_view k) override {
    return s_->FindIdempotencyKey(s, k);
  }
  Status PutSnapshot(std::string_view s, Version v,
                     std::string_view b) override {
    return s_->PutSnapshot(s, v, b);
  }
  Result<std::optional<StoredSnapshot>> GetSnapshot(
      std::string_view s) override {
    return s_->GetSnapshot(s);
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view s, Version f,
                                                std::size_t m) override {
    return s_->ReadStream(s, f, m);
  }
  Result<std::vector<RecordedEvent>> ReadAll(Position f,
                                             std::size_t m) override {
    return s_->ReadAll(f, m);
  }
  Result<StreamHead> GetStreamHead(std::string_view s) override {
    return s_->GetStreamHead(s);
  }
  Result<std::optional<std::string>> GetKeyRow(std::string_view k) override {
    return s_->GetKeyRow(k);
  }
  Result<std::vector<KeyValue>> ScanKeyRows(std::string_view p) override {
    return s_->ScanKeyRows(p);
  }
  Status WriteKeyRows(const StateBatch& b, bool sync) override {
    return s_->WriteKeyRows(b, sync);
  }
  Status PurgeDeleted() override { return s_->PurgeDeleted(); }
  Position CommittedPosition() const override {
    return s_->CommittedPosition();
  }
  bool WaitForPosition(Position p, std::chrono::milliseconds t) override {
    return s_->WaitForPosition(p, t);
  }
  Result<LogHead> Head() override { return s_->Head(); }
  Result<VerifyReport> Verify(Position f, Position t) override {
    return s_->Verify(f, t);
  }
  StoreStats Stats() const override { return s_->Stats(); }
  StateStore& state() override { return s_->state(); }

 protected:
  EventStore& inner() { return *s_; }

 private:
  EventStore* s_;
};

struct MemoryStoreFactory {
  static constexpr bool kDurable = false;
  // Hands out the one kept store, so that "reopening" keeps its contents.
  std::unique_ptr<EventStore> Open(const StoreOptions& o = {}) {
    if (!kept_) kept_ = NewMemoryEventStore(o);
    return std::unique_ptr<EventStore>(new ForwardingStore(kept_.get()));
  }

 private:
  std::unique_ptr<EventStore> kept_;
};

struct RocksDbStoreFactory {
  static constexpr bool kDurable = true;
  std::unique_ptr<EventStore> Open(const StoreOptions& o = {},
                                   const RocksDbOptions& r = {}) {
    auto store = OpenRocksDbEventStore(o, dir.Sub("db"), r);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  testing::TestDir dir;
};

// Test helpers shared by the suites.
inline EventData Event(std::string type, std::string payload) {
  return EventData{std::move(type), "meta", std::move(payload)};
}

inline AppendRequest Request(std::string stream, ExpectedVersion expected,
                             std::vector<EventData> events) {
  AppendRequest r;
  r.stream = std::move(stream);
  r.expected = expected;
  r.events = std::move(events);
  return r;
}

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_TESTS_EVENTSTORE_STORE_FACTORIES_H_
