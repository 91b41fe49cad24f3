// GroupPlanner: decides a group of appends against the committed state and
// produces the writes, backend-neutral. Both store backends run every append
// through it, so they share one definition of expected versions,
// idempotency, position assignment and the hash chain.
//
// Not thread-safe: the single writer of a store owns its planner.
#ifndef ORGLEDGER_EVENTSTORE_PLANNER_H_
#define ORGLEDGER_EVENTSTORE_PLANNER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "eventstore/event_store.h"

namespace orgledger::eventstore {

// Read access to what is committed, as the planner needs it.
class CommittedState {
 public:
  virtual ~CommittedState() = default;
  // The head of `stream` (version 0 when absent).
  virtual Result<StreamHead> LoadHead(std::string_view stream) = 0;
  // The encoded outcome stored under `outcome_key`, if any.
  virtual Result<std::optional<std::string>> LoadOutcome(
      std::string_view outcome_key) = 0;
};

struct PlannedRecord {
  Position position = 0;
  std::string stream;
  Version version = 0;
  std::string value;  // the encoded record
};

// Everything one group writes; applied atomically by the backend.
struct PlannedWrites {
  std::vector<PlannedRecord> records;
  std::map<std::string, StreamHead, std::less<>> heads;  // touched streams
  std::map<std::string, std::string, std::less<>> outcomes;
  std::map<std::string, std::string, std::less<>> key_rows;  // puts
  Position last_position = 0;
  Hash last_hash{};

  bool empty() const { return records.empty() && outcomes.empty(); }
};

// The idempotency record's key: stream, 0x00, key.
std::string OutcomeKey(std::string_view stream, std::string_view key);

// Decodes what CommittedState::LoadOutcome returned. kCorruption when
// malformed.
Result<KeptAppend> DecodeKeptAppend(std::string_view stored);

// Checks a request's shape (stream id, event types, key).
Status ValidateAppend(const AppendRequest& request);

// `done`, breaking `request`'s chain (AppendChain) first when the answer is
// not a new append. Every backend wraps the callbacks of the appends it
// queues with it; it answers an append before it plans any append queued
// after it, so a chain is broken before its next append is planned (the
// planner breaks it within one group).
EventStore::AppendCallback BreakingChain(const AppendRequest& request,
                                         EventStore::AppendCallback done);

// An append waiting in a store's queue for its group commit.
struct PendingAppend {
  AppendRequest request;
  EventStore::AppendCallback done;
};

// Answers each append of a written group with its result (`results[i]` for
// `group[i]`); returns how many succeeded.
std::uint64_t AnswerGroup(std::vector<PendingAppend>& group,
                          std::vector<Result<AppendResult>>& results);

class GroupPlanner {
 public:
  // REQUIRES: `state` outlives the planner.
  GroupPlanner(CommittedState* state, Position last_position,
               const Hash& last_hash);

  // Plans `request` on top of the committed state and the requests planned
  // before it in this group. On an error nothing of `request` is planned.
  // An append whose chain is broken, here or by an earlier answer, fails
  // with kConcurrencyConflict.
  Result<AppendResult> Plan(const AppendRequest& request);

  const PlannedWrites& writes() const { return writes_; }

 private:
  Result<AppendResult> PlanUnchained(const AppendRequest& request);
  Result<StreamHead> Head(std::string_view stream);

  CommittedState* state_;
  PlannedWrites writes_;
  // Chains broken by this group's plans (answered once it is written).
  std::set<const AppendChain*> broken_;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_PLANNER_H_
