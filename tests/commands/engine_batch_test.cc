// A hot organization's commands, pipelined (commands/engine.cc, RunBatch):
// the commands queued behind the running one are decided on the state it
// leaves and appended with it as one chain. On a real RocksDB store under
// 64 writers they share group commits and every acknowledgment matches the
// log; behind a gate that holds the first append (so that the others
// queue, deterministically), an append that is not made sends the ones
// after it to be decided again, or answered unavailable when the store
// failed, and rejections and replays are answered as the log has it.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "eventstore/planner.h"
#include "tests/commands/engine_fixture.h"
#include "tests/eventstore/store_factories.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using domain::CreateOrganization;
using domain::CreateTeam;
using domain::DeleteTeam;

TEST(EngineBatch, AHotOrganizationsCommandsShareGroupCommitsAndMatchTheLog) {
  orgledger::testing::TestDir dir;
  EngineOptions options;
  options.data_dir = dir.Sub("db");
  options.context = std::make_shared<TestContext>();
  options.threads = 2;
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE((*engine)
                  ->Execute(Request("acme", Admin("acme"),
                                    CreateOrganization{"enterprise"}))
                  .ok());
  const std::uint64_t groups_before = (*engine)->store().Stats().write_groups;

  constexpr int kWriters = 64;
  constexpr int kEach = 20;
  std::mutex mu;
  std::map<eventstore::Version, std::string> acknowledged;  // version -> team
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const std::string team =
            "t" + std::to_string(w) + "-" + std::to_string(i);
        CommandOutcome o = (*engine)->Execute(
            Request("acme", Admin("acme"), CreateTeam{team, team}));
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(o.ok()) << o.error.ToString();
        EXPECT_TRUE(acknowledged.emplace(o.version, team).second)
            << "version " << o.version << " acknowledged twice";
      }
    });
  }
  for (std::thread& t : writers) t.join();
  constexpr std::uint64_t kCommands = kWriters * kEach;
  ASSERT_EQ(acknowledged.size(), kCommands);

  // Every acknowledgment is the log's: the team at the version it names.
  auto events = (*engine)->store().ReadStream("acme", 2, kCommands + 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), kCommands);
  for (const eventstore::RecordedEvent& e : *events) {
    Result<domain::Event> decoded = codec::DecodeEvent(e.type, e.payload);
    ASSERT_TRUE(decoded.ok());
    const auto* created = std::get_if<domain::TeamCreated>(&*decoded);
    ASSERT_NE(created, nullptr) << e.type;
    EXPECT_EQ(acknowledged[e.version], created->team) << e.version;
  }
  // Pipelined: far fewer group commits than commands (one each, queued
  // one at a time).
  const std::uint64_t groups =
      (*engine)->store().Stats().write_groups - groups_before;
  EXPECT_LT(groups * 4, kCommands) << groups << " group commits";

  // The state after them all is the one the log folds to, after a restart.
  engine->reset();
  engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok());
  CommandOutcome again = (*engine)->Execute(
      Request("acme", Admin("acme"), CreateTeam{"t7-19", "again"}));
  EXPECT_EQ(again.error.code(), Code::kAlreadyExists);
  CommandOutcome next = (*engine)->Execute(
      Request("acme", Admin("acme"), CreateTeam{"last", "last"}));
  ASSERT_TRUE(next.ok()) << next.error.ToString();
  EXPECT_EQ(next.version, kCommands + 2);
  auto verified = (*engine)->store().Verify(1, 0);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
}

// Holds the appends handed to it while `Hold()`, so that the engine's
// next commands queue behind the first; `before(n)` runs before the n-th
// append (from 1) is handed on and may answer it unavailable instead.
class GatedStore final : public eventstore::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::function<bool(int)> before;

  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = true;
  }
  void WaitHeld(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_.size() >= n; });
  }
  void Release() {
    std::vector<eventstore::PendingAppend> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      holding_ = false;
      held.swap(held_);
    }
    for (eventstore::PendingAppend& p : held) {
      HandOn(std::move(p.request), std::move(p.done));
    }
  }
  int appends() const { return appends_.load(); }

  void AsyncAppend(eventstore::AppendRequest r, AppendCallback d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (holding_) {
        held_.push_back({std::move(r), std::move(d)});
        cv_.notify_all();
        return;
      }
    }
    HandOn(std::move(r), std::move(d));
  }

 private:
  void HandOn(eventstore::AppendRequest r, AppendCallback d) {
    const int n = ++appends_;
    if (before && !before(n)) {
      // As a store answers a failure: the chain breaks with it.
      eventstore::BreakingChain(
          r, std::move(d))(Unavailable("injected storage failure"));
      return;
    }
    inner().AsyncAppend(std::move(r), std::move(d));
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  std::vector<eventstore::PendingAppend> held_;
  std::atomic<int> appends_{0};
};

class EngineBatchGated : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gated = std::make_unique<GatedStore>(memory_.get());
    gate_ = gated.get();
    EngineOptions options;
    options.context = context_;
    options.threads = 2;
    auto engine = Engine::OpenWithStore(options, std::move(gated));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    ASSERT_TRUE(engine_
                    ->Execute(Request("acme", Admin("acme"),
                                      CreateOrganization{"enterprise"}))
                    .ok());
  }

  // Runs `requests` with the first one's append held until the others are
  // queued behind it; their outcomes, in order.
  std::vector<CommandOutcome> RunQueued(std::vector<CommandRequest> requests) {
    gate_->Hold();
    std::vector<std::future<CommandOutcome>> outcomes;
    auto submit = [&](CommandRequest r) {
      auto p = std::make_shared<std::promise<CommandOutcome>>();
      outcomes.push_back(p->get_future());
      engine_->ExecuteAsync(
          std::move(r), [p](CommandOutcome o) { p->set_value(std::move(o)); });
    };
    submit(std::move(requests.front()));
    gate_->WaitHeld(1);
    for (std::size_t i = 1; i < requests.size(); ++i) {
      submit(std::move(requests[i]));
    }
    gate_->Release();
    std::vector<CommandOutcome> got;
    for (auto& f : outcomes) got.push_back(f.get());
    return got;
  }

  CommandRequest Team(const std::string& team) {
    return Request("acme", Admin("acme"), CreateTeam{team, team});
  }

  // The types of acme's events after its creation, with the team named.
  std::vector<std::string> Log() {
    std::vector<std::string> out;
    auto events = memory_->ReadStream("acme", 2, 1000);
    EXPECT_TRUE(events.ok());
    for (const eventstore::RecordedEvent& e : *events) {
      Result<domain::Event> d = codec::DecodeEvent(e.type, e.payload);
      EXPECT_TRUE(d.ok());
      std::string team;
      if (const auto* c = std::get_if<domain::TeamCreated>(&*d)) team = c->team;
      if (const auto* x = std::get_if<domain::TeamDeleted>(&*d)) team = x->team;
      out.push_back(e.type + " " + team);
    }
    return out;
  }

  // Another writer's event, straight into the store (as a replica would).
  void SneakIn(const std::string& team) {
    domain::Event e = domain::TeamCreated{team, team};
    eventstore::AppendRequest a;
    a.stream = "acme";
    a.events.push_back(
        {"TeamCreated", codec::EncodeMetadata({}), codec::EncodeEvent(e)});
    ASSERT_TRUE(memory_->Append(std::move(a)).ok());
  }

  std::unique_ptr<eventstore::EventStore> memory_ =
      eventstore::NewMemoryEventStore({});
  GatedStore* gate_ = nullptr;
  std::shared_ptr<TestContext> context_ = std::make_shared<TestContext>();
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineBatchGated, EachIsDecidedOnTheStateTheOnesBeforeItLeave) {
  const int before = gate_->appends();
  std::vector<CommandOutcome> o =
      RunQueued({Team("t0"), Team("a"),
                 Request("acme", Admin("acme"), DeleteTeam{"a"}), Team("a")});
  for (const CommandOutcome& x : o) ASSERT_TRUE(x.ok()) << x.error.ToString();
  EXPECT_EQ(o[1].version + 1, o[2].version);
  EXPECT_EQ(o[2].version + 1, o[3].version);
  EXPECT_EQ(Log(),
            (std::vector<std::string>{"TeamCreated t0", "TeamCreated a",
                                      "TeamDeleted a", "TeamCreated a"}));
  EXPECT_EQ(gate_->appends() - before, 4);
}

// The batch's first append conflicts (another writer's event came first);
// the second expects the version the stream is now at, but was decided on
// a team the log never got: it is not made, and both are decided again.
TEST_F(EngineBatchGated, AfterAnAppendNotMadeTheNextOnesAreDecidedAgain) {
  const int first = gate_->appends() + 2;  // t0's, then the batch's first
  gate_->before = [&](int n) {
    if (n == first) SneakIn("sneaky");
    return true;
  };
  std::vector<CommandOutcome> o =
      RunQueued({Team("t0"), Team("a"),
                 Request("acme", Admin("acme"), DeleteTeam{"a"}), Team("b")});
  for (const CommandOutcome& x : o) ASSERT_TRUE(x.ok()) << x.error.ToString();
  EXPECT_EQ(Log(), (std::vector<std::string>{
                       "TeamCreated t0", "TeamCreated sneaky", "TeamCreated a",
                       "TeamDeleted a", "TeamCreated b"}));
  EXPECT_EQ(o[3].version, 6u);
  // Three appends, then the same three again.
  EXPECT_EQ(gate_->appends() - first, 5);
}

TEST_F(EngineBatchGated,
       AfterAStorageFailureTheNextOnesAreAnsweredUnavailable) {
  const int first = gate_->appends() + 2;
  gate_->before = [&](int n) { return n != first; };
  std::vector<CommandOutcome> o =
      RunQueued({Team("t0"), Team("a"), Team("b"), Team("c")});
  EXPECT_TRUE(o[0].ok());
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(o[i].error.code(), Code::kUnavailable) << i;
  }
  EXPECT_EQ(Log(), (std::vector<std::string>{"TeamCreated t0"}));
  // Nothing was left half-decided: the next command sees the log.
  gate_->before = nullptr;
  EXPECT_TRUE(engine_->Execute(Team("a")).ok());
}

// A rejection is answered on the state the log holds: it ends the batch and
// runs after it; a retry of a command in flight replays its outcome.
TEST_F(EngineBatchGated, RejectionsAndReplaysAreAnsweredAsTheLogHasThem) {
  std::vector<CommandOutcome> o =
      RunQueued({Team("t0"), WithKey(Team("a"), "k1"), Team("a"), Team("b"),
                 WithKey(Team("a"), "k1")});
  EXPECT_TRUE(o[0].ok());
  ASSERT_TRUE(o[1].ok()) << o[1].error.ToString();
  EXPECT_EQ(o[2].error.code(), Code::kAlreadyExists);
  EXPECT_TRUE(o[3].ok());
  ASSERT_TRUE(o[4].ok()) << o[4].error.ToString();
  EXPECT_TRUE(o[4].replayed);
  EXPECT_EQ(o[4].version, o[1].version);
  EXPECT_EQ(Log(), (std::vector<std::string>{"TeamCreated t0", "TeamCreated a",
                                             "TeamCreated b"}));
}

}  // namespace
}  // namespace orgledger::commands::testing
