// Random appends, restarts included, against a simple in-memory model of
// SPEC §4's rules, on any backend (instantiated per backend like
// tests/eventstore/conformance_suite.h). The seed is printed;
// ORGLEDGER_SEED replays a run.
#ifndef ORGLEDGER_TESTS_EVENTSTORE_PROPERTY_SUITE_H_
#define ORGLEDGER_TESTS_EVENTSTORE_PROPERTY_SUITE_H_

#include <map>
#include <random>
#include <tuple>

#include "tests/eventstore/store_factories.h"

namespace orgledger::eventstore::conformance {

struct ModelEvent {
  std::string stream;
  Version version;
  std::string payload;
};

struct ModelOutcome {
  std::string fingerprint;
  std::string blob;
  Position first;
  Position last;
  Version version;
};

// The rules, written again from the spec, independently of the planner.
class Model {
 public:
  // Returns the expected code (kOk on success) and fills `expected`.
  Code Apply(const AppendRequest& r, AppendResult* expected) {
    if (r.idempotency) {
      auto it = outcomes_.find({r.stream, r.idempotency->key});
      if (it != outcomes_.end()) {
        if (it->second.fingerprint != r.idempotency->fingerprint) {
          return Code::kIdempotencyConflict;
        }
        expected->replayed = true;
        expected->outcome = it->second.blob;
        expected->first_position = it->second.first;
        expected->last_position = it->second.last;
        expected->head.version = it->second.version;
        return Code::kOk;
      }
    }
    Version current = heads_[r.stream];
    bool holds =
        r.expected.kind == ExpectedVersion::Kind::kAny ||
        (r.expected.kind == ExpectedVersion::Kind::kNoStream && current == 0) ||
        (r.expected.kind == ExpectedVersion::Kind::kExact &&
         current == r.expected.version);
    if (!holds) return Code::kConcurrencyConflict;
    for (const EventData& e : r.events) {
      log_.push_back({r.stream, ++current, e.payload});
      if (expected->first_position == 0) expected->first_position = log_.size();
      expected->last_position = log_.size();
    }
    heads_[r.stream] = current;
    expected->head.version = current;
    if (r.idempotency) {
      outcomes_[{r.stream, r.idempotency->key}] = {
          r.idempotency->fingerprint, r.idempotency->outcome,
          expected->first_position, expected->last_position, current};
    }
    return Code::kOk;
  }

  Version head(const std::string& s) { return heads_[s]; }
  const std::vector<ModelEvent>& log() const { return log_; }

 private:
  std::vector<ModelEvent> log_;
  std::map<std::string, Version> heads_;
  std::map<std::pair<std::string, std::string>, ModelOutcome> outcomes_;
};

template <typename Factory>
class EventStoreProperty : public ::testing::Test {};
TYPED_TEST_SUITE_P(EventStoreProperty);

TYPED_TEST_P(EventStoreProperty, RandomAppendsMatchTheModel) {
  const unsigned seed = testing::TestSeed();
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  TypeParam factory;
  auto store = factory.Open();
  Model model;
  constexpr int kOps = 1500;
  for (int op = 0; op < kOps; ++op) {
    if (TypeParam::kDurable && pick(100) == 0) {
      store.reset();
      store = factory.Open();
      ASSERT_NE(store, nullptr);
    }
    AppendRequest r;
    r.stream = "s" + std::to_string(pick(6));
    const Version head = model.head(r.stream);
    switch (pick(10)) {
      case 0:
      case 1:
      case 2:
        r.expected = ExpectedVersion::Any();
        break;
      case 3:
        r.expected = ExpectedVersion::NoStream();
        break;
      case 4:
        r.expected = ExpectedVersion::Exact(head + 1 + pick(3));
        break;
      default:
        r.expected = ExpectedVersion::Exact(head);
    }
    if (pick(3) == 0) {
      r.idempotency = IdempotencyInput{"k" + std::to_string(pick(8)),
                                       "fp" + std::to_string(pick(2)),
                                       "blob" + std::to_string(op)};
    }
    const int events = r.idempotency ? pick(4) : 1 + pick(3);
    for (int e = 0; e < events; ++e) {
      r.events.push_back(
          Event("E", std::to_string(op) + "." + std::to_string(e)));
    }
    AppendResult expected;
    const Code code = model.Apply(r, &expected);
    Result<AppendResult> got = store->Append(r);
    ASSERT_EQ(got.ok() ? Code::kOk : got.status().code(), code)
        << "op " << op << " seed " << seed << ": " << got.status().ToString();
    if (code != Code::kOk) continue;
    EXPECT_EQ(got->replayed, expected.replayed) << "op " << op;
    EXPECT_EQ(got->first_position, expected.first_position) << "op " << op;
    EXPECT_EQ(got->last_position, expected.last_position) << "op " << op;
    EXPECT_EQ(got->head.version, expected.head.version) << "op " << op;
    if (expected.replayed) {
      EXPECT_EQ(got->outcome, expected.outcome);
    }
  }
  const auto& log = model.log();
  EXPECT_EQ(store->CommittedPosition(), log.size());
  auto all = store->ReadAll(1, log.size() + 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ((*all)[i].position, i + 1);
    EXPECT_EQ((*all)[i].stream, log[i].stream);
    EXPECT_EQ((*all)[i].version, log[i].version);
    EXPECT_EQ((*all)[i].payload, log[i].payload);
  }
  for (int s = 0; s < 6; ++s) {
    const std::string stream = "s" + std::to_string(s);
    auto events = store->ReadStream(stream, 1, 100000);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->size(), model.head(stream));
  }
  auto report = store->Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

REGISTER_TYPED_TEST_SUITE_P(EventStoreProperty, RandomAppendsMatchTheModel);

}  // namespace orgledger::eventstore::conformance

#endif  // ORGLEDGER_TESTS_EVENTSTORE_PROPERTY_SUITE_H_
