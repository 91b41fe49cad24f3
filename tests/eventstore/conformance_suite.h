// The event-store conformance suite (SPEC §4): the contract every backend
// passes. A backend instantiates it with its factory
// (INSTANTIATE_TYPED_TEST_SUITE_P, tests/eventstore/memory_store_test.cc);
// what a factory provides is in tests/eventstore/store_factories.h and
// docs/backends.md.
#ifndef ORGLEDGER_TESTS_EVENTSTORE_CONFORMANCE_SUITE_H_
#define ORGLEDGER_TESTS_EVENTSTORE_CONFORMANCE_SUITE_H_

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "eventstore/record.h"
#include "tests/eventstore/store_factories.h"

namespace orgledger::eventstore::conformance {

template <typename Factory>
class EventStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = factory_.Open(); }

  AppendResult MustAppend(AppendRequest r) {
    Result<AppendResult> result = store_->Append(std::move(r));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : AppendResult{};
  }

  Factory factory_;
  std::unique_ptr<EventStore> store_;
};

TYPED_TEST_SUITE_P(EventStoreConformance);

TYPED_TEST_P(EventStoreConformance, PositionsAreGaplessFromOne) {
  auto a = this->MustAppend(Request("s1", ExpectedVersion::NoStream(),
                                    {Event("A", "1"), Event("B", "2")}));
  auto b = this->MustAppend(
      Request("s2", ExpectedVersion::NoStream(), {Event("C", "3")}));
  EXPECT_EQ(a.first_position, 1u);
  EXPECT_EQ(a.last_position, 2u);
  EXPECT_EQ(a.head, (StreamHead{2, 2}));
  EXPECT_EQ(b.first_position, 3u);
  EXPECT_EQ(b.head, (StreamHead{1, 3}));
  EXPECT_EQ(this->store_->CommittedPosition(), 3u);

  auto all = this->store_->ReadAll(1, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].position, i + 1);
  }
  EXPECT_EQ((*all)[0].stream, "s1");
  EXPECT_EQ((*all)[0].type, "A");
  EXPECT_EQ((*all)[0].metadata, "meta");
  EXPECT_EQ((*all)[1].payload, "2");
  EXPECT_EQ((*all)[2].version, 1u);
}

TYPED_TEST_P(EventStoreConformance, ExpectedVersionIsEnforced) {
  this->MustAppend(Request("s", ExpectedVersion::NoStream(), {Event("A", "")}));

  auto again = this->store_->Append(
      Request("s", ExpectedVersion::NoStream(), {Event("A", "")}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConcurrencyConflict);

  auto stale = this->store_->Append(
      Request("s", ExpectedVersion::Exact(5), {Event("A", "")}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConcurrencyConflict);

  auto exact = this->MustAppend(
      Request("s", ExpectedVersion::Exact(1), {Event("B", "")}));
  EXPECT_EQ(exact.head.version, 2u);
  auto any =
      this->MustAppend(Request("s", ExpectedVersion::Any(), {Event("C", "")}));
  EXPECT_EQ(any.head.version, 3u);

  // The rejected appends left nothing behind.
  EXPECT_EQ(this->store_->CommittedPosition(), 3u);
  auto stream = this->store_->ReadStream("s", 1, 10);
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), 3u);
  EXPECT_EQ((*stream)[2].type, "C");
}

TYPED_TEST_P(EventStoreConformance, ReadStreamFromVersionWithLimit) {
  for (int i = 0; i < 5; ++i) {
    this->MustAppend(
        Request("s", ExpectedVersion::Any(), {Event("E", std::to_string(i))}));
    this->MustAppend(
        Request("other", ExpectedVersion::Any(), {Event("O", "")}));
  }
  auto tail = this->store_->ReadStream("s", 3, 2);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].version, 3u);
  EXPECT_EQ((*tail)[0].payload, "2");
  EXPECT_EQ((*tail)[1].version, 4u);
  auto none = this->store_->ReadStream("missing", 1, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto head = this->store_->GetStreamHead("s");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, (StreamHead{5, 9}));
  auto missing = this->store_->GetStreamHead("missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->version, 0u);
}

TYPED_TEST_P(EventStoreConformance, ReadAllFromPositionWithLimit) {
  for (int i = 0; i < 10; ++i) {
    this->MustAppend(Request("s" + std::to_string(i % 3),
                             ExpectedVersion::Any(),
                             {Event("E", std::to_string(i))}));
  }
  auto page = this->store_->ReadAll(4, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].position, 4u);
  EXPECT_EQ((*page)[2].position, 6u);
  auto beyond = this->store_->ReadAll(11, 10);
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->empty());
}

TYPED_TEST_P(EventStoreConformance, RecordsFormAHashChain) {
  for (int i = 0; i < 4; ++i) {
    this->MustAppend(Request("s", ExpectedVersion::Any(), {Event("E", "x")}));
  }
  auto all = this->store_->ReadAll(1, 10);
  ASSERT_TRUE(all.ok());
  Hash prev{};
  for (const RecordedEvent& e : *all) {
    EventData data{e.type, e.metadata, e.payload};
    EXPECT_EQ(e.hash, ChainHash(prev, EncodeBody(e.position, e.stream,
                                                 e.version, data)));
    prev = e.hash;
  }
  auto head = this->store_->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->position, 4u);
  EXPECT_EQ(head->hash, prev);
  auto report = this->store_->Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->records, 4u);
  auto middle = this->store_->Verify(2, 3);
  ASSERT_TRUE(middle.ok());
  EXPECT_TRUE(middle->ok) << middle->problem;
  EXPECT_EQ(middle->records, 2u);
}

TYPED_TEST_P(EventStoreConformance, IdempotentRetryReturnsStoredOutcome) {
  AppendRequest first =
      Request("org", ExpectedVersion::NoStream(), {Event("Created", "p")});
  first.idempotency = IdempotencyInput{"key-1", "fp-A", "outcome-blob"};
  auto a = this->MustAppend(first);
  EXPECT_FALSE(a.replayed);

  // A retry carries other event bytes (times, ids differ between tries).
  AppendRequest retry =
      Request("org", ExpectedVersion::NoStream(), {Event("Created", "q")});
  retry.idempotency = IdempotencyInput{"key-1", "fp-A", "other-outcome"};
  auto b = this->MustAppend(retry);
  EXPECT_TRUE(b.replayed);
  EXPECT_EQ(b.outcome, "outcome-blob");
  EXPECT_EQ(b.first_position, a.first_position);
  EXPECT_EQ(b.head, a.head);
  EXPECT_EQ(this->store_->CommittedPosition(), 1u);

  AppendRequest conflicting =
      Request("org", ExpectedVersion::Any(), {Event("Created", "p")});
  conflicting.idempotency = IdempotencyInput{"key-1", "fp-B", ""};
  auto c = this->store_->Append(conflicting);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kIdempotencyConflict);

  // Keys are scoped to their stream.
  AppendRequest elsewhere =
      Request("org2", ExpectedVersion::NoStream(), {Event("Created", "p")});
  elsewhere.idempotency = IdempotencyInput{"key-1", "fp-B", "x"};
  EXPECT_FALSE(this->MustAppend(elsewhere).replayed);
  EXPECT_EQ(this->store_->CommittedPosition(), 2u);
}

TYPED_TEST_P(EventStoreConformance, OutcomeWithoutEventsIsKept) {
  this->MustAppend(Request("org", ExpectedVersion::Any(), {Event("A", "")}));
  AppendRequest rejected = Request("org", ExpectedVersion::Any(), {});
  rejected.idempotency = IdempotencyInput{"k", "fp", "rejected:last_admin"};
  auto a = this->MustAppend(rejected);
  EXPECT_FALSE(a.replayed);
  EXPECT_EQ(a.first_position, 0u);
  EXPECT_EQ(a.head, (StreamHead{1, 1}));
  auto b = this->MustAppend(rejected);
  EXPECT_TRUE(b.replayed);
  EXPECT_EQ(b.outcome, "rejected:last_admin");
  EXPECT_EQ(this->store_->CommittedPosition(), 1u);
}

TYPED_TEST_P(EventStoreConformance, ConflictIsNotKeptUnderTheKey) {
  this->MustAppend(Request("org", ExpectedVersion::Any(), {Event("A", "")}));
  AppendRequest stale =
      Request("org", ExpectedVersion::Exact(7), {Event("B", "")});
  stale.idempotency = IdempotencyInput{"k", "fp", "o"};
  auto a = this->store_->Append(stale);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kConcurrencyConflict);
  // The retry runs again rather than replaying the conflict.
  stale.expected = ExpectedVersion::Exact(1);
  auto b = this->MustAppend(stale);
  EXPECT_FALSE(b.replayed);
  EXPECT_EQ(b.head.version, 2u);
}

TYPED_TEST_P(EventStoreConformance, BadInputIsInvalidArgument) {
  std::vector<AppendRequest> bad;
  bad.push_back(Request("", ExpectedVersion::Any(), {Event("A", "")}));
  bad.push_back(Request(std::string("a\0b", 3), ExpectedVersion::Any(),
                        {Event("A", "")}));
  bad.push_back(Request(std::string(kMaxStreamIdBytes + 1, 's'),
                        ExpectedVersion::Any(), {Event("A", "")}));
  bad.push_back(Request("s", ExpectedVersion::Any(), {Event("", "")}));
  AppendRequest no_key = Request("s", ExpectedVersion::Any(), {Event("A", "")});
  no_key.idempotency = IdempotencyInput{"", "fp", ""};
  bad.push_back(no_key);
  for (AppendRequest& r : bad) {
    auto result = this->store_->Append(std::move(r));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(this->store_->CommittedPosition(), 0u);
}

TYPED_TEST_P(EventStoreConformance, RestartKeepsEverything) {
  AppendRequest r =
      Request("org", ExpectedVersion::NoStream(), {Event("A", "1")});
  r.idempotency = IdempotencyInput{"k", "fp", "blob"};
  this->MustAppend(r);
  this->MustAppend(
      Request("org", ExpectedVersion::Exact(1), {Event("B", "2")}));
  this->store_.reset();
  this->store_ = this->factory_.Open();
  EXPECT_EQ(this->store_->CommittedPosition(), 2u);
  auto replay = this->MustAppend(r);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.outcome, "blob");
  auto next = this->MustAppend(
      Request("org", ExpectedVersion::Exact(2), {Event("C", "")}));
  EXPECT_EQ(next.first_position, 3u);
  auto report = this->store_->Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TYPED_TEST_P(EventStoreConformance, FindIdempotencyKeyAnswersBeforeAnAppend) {
  auto none = this->store_->FindIdempotencyKey("org", "k");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  AppendRequest r =
      Request("org", ExpectedVersion::NoStream(), {Event("A", "1")});
  r.idempotency = IdempotencyInput{"k", "fp", "blob"};
  auto first = this->MustAppend(r);
  this->store_.reset();
  this->store_ = this->factory_.Open();
  auto kept = this->store_->FindIdempotencyKey("org", "k");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->fingerprint, "fp");
  EXPECT_TRUE((*kept)->result.replayed);
  EXPECT_EQ((*kept)->result.outcome, "blob");
  EXPECT_EQ((*kept)->result.first_position, first.first_position);
  EXPECT_EQ((*kept)->result.head, first.head);
  // Scoped to the stream.
  auto other = this->store_->FindIdempotencyKey("org2", "k");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TYPED_TEST_P(EventStoreConformance, SnapshotsAreKeptPerStreamAndReplaced) {
  auto none = this->store_->GetSnapshot("org");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(this->store_->PutSnapshot("org", 3, "state@3").ok());
  ASSERT_TRUE(
      this->store_->PutSnapshot("org", 7, std::string("s\0@7", 4)).ok());
  ASSERT_TRUE(this->store_->PutSnapshot("org2", 1, "other").ok());
  this->store_.reset();
  this->store_ = this->factory_.Open();
  auto got = this->store_->GetSnapshot("org");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->version, 7u);
  EXPECT_EQ((*got)->bytes, std::string("s\0@7", 4));
  auto other = this->store_->GetSnapshot("org2");
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->bytes, "other");
  // Snapshots are not events.
  EXPECT_EQ(this->store_->CommittedPosition(), 0u);
}

TYPED_TEST_P(EventStoreConformance, AsyncAppendCallsBackOnce) {
  std::atomic<int> calls{0};
  std::atomic<Position> position{0};
  this->store_->AsyncAppend(
      Request("s", ExpectedVersion::Any(), {Event("A", "")}),
      [&](Result<AppendResult> r) {
        calls += 1;
        if (r.ok()) position = r->last_position;
      });
  ASSERT_TRUE(this->store_->WaitForPosition(1, std::chrono::seconds(5)));
  for (int i = 0; i < 100 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(position.load(), 1u);
  EXPECT_FALSE(this->store_->WaitForPosition(2, std::chrono::milliseconds(20)));
}

// Subscriptions deliver the existing events and then live appends from 64
// concurrent appenders, in order, with no gap and no duplicate.
TYPED_TEST_P(EventStoreConformance, SubscriptionCatchesUpThenFollowsLive) {
  constexpr int kBefore = 300;
  constexpr int kThreads = 64;
  constexpr int kPerThread = 20;
  for (int i = 0; i < kBefore; ++i) {
    this->MustAppend(Request("pre" + std::to_string(i % 7),
                             ExpectedVersion::Any(), {Event("E", "")}));
  }
  std::mutex mu;
  std::vector<RecordedEvent> seen;
  auto sub = this->store_->Subscribe(1, [&](const RecordedEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e);
  });
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = this->store_->Append(Request("t" + std::to_string(t),
                                              ExpectedVersion::Exact(i),
                                              {Event("E", std::to_string(i))}));
        if (!r.ok()) failures += 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const Position total = kBefore + kThreads * kPerThread;
  EXPECT_EQ(this->store_->CommittedPosition(), total);
  for (int i = 0; i < 500 && sub->delivered() < total; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sub.reset();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), total);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].position, i + 1) << "gap or duplicate at index " << i;
  }
  // What the subscription saw is what the log holds.
  auto all = this->store_->ReadAll(1, total);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, seen);
  // Per stream, versions arrive in order.
  std::map<std::string, Version> last;
  for (const RecordedEvent& e : seen) {
    EXPECT_EQ(e.version, last[e.stream] + 1);
    last[e.stream] = e.version;
  }
}

TYPED_TEST_P(EventStoreConformance, SubscriptionFromTheMiddle) {
  for (int i = 0; i < 10; ++i) {
    this->MustAppend(Request("s", ExpectedVersion::Any(), {Event("E", "")}));
  }
  std::mutex mu;
  std::vector<Position> seen;
  auto sub = this->store_->Subscribe(6, [&](const RecordedEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e.position);
  });
  this->MustAppend(Request("s", ExpectedVersion::Any(), {Event("E", "")}));
  for (int i = 0; i < 300 && sub->delivered() < 11; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sub.reset();
  EXPECT_EQ(seen, (std::vector<Position>{6, 7, 8, 9, 10, 11}));
}

// A chain (AppendChain): appends decided one after another on the state the
// earlier ones leave. Once one is not made, the later ones are not either,
// even when the stream happens to be at the version they expect.
TYPED_TEST_P(EventStoreConformance, AChainStopsAtItsFirstAppendNotMade) {
  auto chained = [](std::shared_ptr<AppendChain> chain, Version expected,
                    std::string payload) {
    AppendRequest r = Request("org", ExpectedVersion::Exact(expected),
                              {Event("E", std::move(payload))});
    r.chain = std::move(chain);
    return r;
  };
  // Made whole: handed over back to back, as one organization's pipeline.
  auto made = std::make_shared<AppendChain>();
  std::promise<Result<AppendResult>> first, second;
  this->store_->AsyncAppend(chained(made, 0, "a"),
                            [&](auto r) { first.set_value(std::move(r)); });
  this->store_->AsyncAppend(chained(made, 1, "b"),
                            [&](auto r) { second.set_value(std::move(r)); });
  ASSERT_TRUE(first.get_future().get().ok());
  ASSERT_TRUE(second.get_future().get().ok());

  // The first expects version 1 (the stream is at 2): not made. The second
  // expects 2, which holds, but it was decided after the first.
  auto lost = std::make_shared<AppendChain>();
  std::promise<Result<AppendResult>> stale, after;
  this->store_->AsyncAppend(chained(lost, 1, "c"),
                            [&](auto r) { stale.set_value(std::move(r)); });
  this->store_->AsyncAppend(chained(lost, 2, "d"),
                            [&](auto r) { after.set_value(std::move(r)); });
  EXPECT_EQ(stale.get_future().get().status().code(),
            Code::kConcurrencyConflict);
  Result<AppendResult> later = after.get_future().get();
  EXPECT_EQ(later.status().code(), Code::kConcurrencyConflict);
  EXPECT_NE(later.status().message().find("decided after"), std::string::npos)
      << later.status().ToString();
  // Broken for good: answered in an earlier group too.
  EXPECT_EQ(this->store_->Append(chained(lost, 2, "e")).status().code(),
            Code::kConcurrencyConflict);

  // A replay is not a new append: what follows it is not made either.
  AppendRequest keyed = Request("other", ExpectedVersion::Any(), {});
  keyed.idempotency = IdempotencyInput{"k", "fp", "kept"};
  this->MustAppend(keyed);
  auto replayed = std::make_shared<AppendChain>();
  keyed.chain = replayed;
  EXPECT_TRUE(this->MustAppend(keyed).replayed);
  EXPECT_EQ(this->store_->Append(chained(replayed, 2, "f")).status().code(),
            Code::kConcurrencyConflict);

  Result<StreamHead> head = this->store_->GetStreamHead("org");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->version, 2u);
  // A new chain starts afresh.
  EXPECT_TRUE(
      this->store_->Append(chained(std::make_shared<AppendChain>(), 2, "g"))
          .ok());
}

REGISTER_TYPED_TEST_SUITE_P(
    EventStoreConformance, PositionsAreGaplessFromOne,
    ExpectedVersionIsEnforced, ReadStreamFromVersionWithLimit,
    ReadAllFromPositionWithLimit, RecordsFormAHashChain,
    IdempotentRetryReturnsStoredOutcome, OutcomeWithoutEventsIsKept,
    ConflictIsNotKeptUnderTheKey, BadInputIsInvalidArgument,
    RestartKeepsEverything, FindIdempotencyKeyAnswersBeforeAnAppend,
    SnapshotsAreKeptPerStreamAndReplaced, AsyncAppendCallsBackOnce,
    SubscriptionCatchesUpThenFollowsLive, SubscriptionFromTheMiddle,
    AChainStopsAtItsFirstAppendNotMade);

}  // namespace orgledger::eventstore::conformance

#endif  // ORGLEDGER_TESTS_EVENTSTORE_CONFORMANCE_SUITE_H_
