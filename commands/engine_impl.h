// The Engine's implementation, shared by its source files (not part of
// the library's interface; hosts include commands/engine.h):
//   engine.cc        opening, the per-organization queues, views
//   engine_run.cc    one command's steps: admit, decide, append, answer
//   engine_batch.cc  a hot organization's queue, pipelined
//   engine_state.cc  an organization's state: cache, snapshot, log
//
// The path of one command (docs/architecture.md):
//   ExecuteAsync -> the organization's queue -> Run on a pool thread:
//   load state -> Decide -> AsyncAppend (the store checks the key)
//   -> (store thread)
//   Appended posted to the pool -> evolve the cached state -> done -> next.
// An organization's queue runs one command at a time, from its arrival to
// its completion, including the wait for the append to be durable, except
// that the commands queued behind a running one are decided after it and
// appended with it (RunBatch); the pool threads never block on an fsync. A
// blocking Execute whose organization has nothing queued runs the same
// steps on its own thread and waits for the append there: no pool thread
// is involved.
#ifndef ORGLEDGER_COMMANDS_ENGINE_IMPL_H_
#define ORGLEDGER_COMMANDS_ENGINE_IMPL_H_

#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/engine.h"
#include "commands/position_waiters.h"
#include "commands/state_cache.h"
#include "domain/codec/codec.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"

namespace orgledger::commands {

struct Running;

struct Pending {
  CommandRequest request;
  Engine::Callback done;
  // A command taken back from a batch to be decided again: its attempts
  // so far.
  std::shared_ptr<Running> resumed;
};

// One command while it runs: everything its steps share.
struct Running {
  std::string org;
  CommandRequest request;
  Engine::Callback done;
  std::string fingerprint;  // when it carries a key
  int attempt = 0;
  // A create decided on the empty state without reading the store (Load's
  // `guess_new`): `guessed` once tried, `guessing` while its append is out.
  bool guessed = false;
  bool guessing = false;
  // A state the log has moved past (a conflict, or a head ahead of it):
  // the next attempt reads only the events after it, not the whole
  // organization again.
  std::optional<CachedOrg> behind;
  // Runs on the thread of a blocking Execute, appends included.
  bool on_caller = false;
};

class EngineImpl final : public Engine {
 public:
  EngineImpl(EngineOptions options,
             std::unique_ptr<eventstore::EventStore> store,
             std::unique_ptr<projections::ProjectionSet> projections,
             std::unique_ptr<projections::Outbox> outbox);
  ~EngineImpl() override;

  void QueryAsync(projections::ViewRequest request,
                  std::optional<eventstore::Position> min_position,
                  ViewCallback done) override;

  void ExecuteAsync(CommandRequest request, Callback done) override;

  CommandOutcome Execute(CommandRequest request) override;

  Result<EraseReport> Erase(const EraseRequest& request) override;

  Status FinishInterruptedErasures();

  eventstore::EventStore& store() override { return *store_; }
  projections::ProjectionSet& projections() override { return *projections_; }
  const EngineOptions& options() const override { return options_; }
  EngineStats stats() const override;

 private:
  ErasureParts ErasurePartsOf();

  // REQUIRES: mu_ held; `queue` is the queue of `org`, not empty.
  void StartFront(const std::string& org, std::deque<Pending>& queue);

  // Completes the running command of `run->org` and starts the next.
  void Finish(const std::shared_ptr<Running>& run, CommandOutcome outcome);

  // One command's steps (engine_run.cc).

  // The checks of a request before its state is read: its correlation id
  // and idempotency key; the key's fingerprint.
  static Status Admit(Running& run);

  // Whether `decision` is kept under the request's idempotency key.
  static bool Keeps(const Running& run, const domain::Decision& decision);

  void Run(const std::shared_ptr<Running>& run);

  // The append of `decision`, decided on `state` (which it expects): its
  // records with their metadata and, when `keep`, the kept outcome; their
  // personal fields sealed (SPEC §10), the key rows that makes new
  // added to `key_rows` and the append.
  Status BuildAppend(const Running& run, const domain::OrgState& state,
                     const domain::Decision& decision, bool keep,
                     eventstore::AppendRequest* append,
                     privacy::KeyRows* key_rows);

  // Batches (engine_batch.cc).

  // The commands queued behind the running one of `org`, taken out of its
  // queue (at most a store group's worth).
  std::vector<Pending> TakeFollowers(const std::string& org);

  // Puts `pending` back behind the running command of `org`, in order.
  void PutBack(const std::string& org, std::vector<Pending> pending);

  // A hot organization's queue, pipelined (engine_batch.cc): `run`, decided
  // as `decision` on `entry` and ready as `append`, and the `followers`
  // queued behind it, decided in order and appended as one chain.
  struct Member;
  struct Batch;
  void RunBatch(const std::shared_ptr<Running>& run,
                std::shared_ptr<CachedOrg> entry, domain::Decision decision,
                eventstore::AppendRequest append, privacy::KeyRows key_rows,
                std::vector<Pending> followers);

  // Answers a batch's members once every append is answered, in order.
  void Complete(Batch& batch);

  // The state the command was decided on is behind the log (another
  // process appended): decide again on a state loaded afresh (the stale one
  // is not put back in the cache), as after a lost race.
  void DecideAgain(const std::shared_ptr<Running>& run, CachedOrg* stale);

  // Continues a command after its append, on a pool thread.
  void Appended(const std::shared_ptr<Running>& run,
                const std::shared_ptr<CachedOrg>& entry,
                const domain::Decision& decision,
                const Result<eventstore::AppendResult>& r);

  CommandOutcome Replay(const std::shared_ptr<Running>& run,
                        const eventstore::KeptAppend& found);

  // A kept outcome as the caller gets it again: its message opened (an
  // erased person's reads as "[erased]").
  Result<codec::KeptOutcome> OpenKept(std::string_view bytes);

  static Status KeyConflict(const std::shared_ptr<Running>& run);

  // An organization's state: the cache, snapshots, the log (engine_state.cc).

  // A stale entry's state, to be caught up (its cache charge stays with
  // the entry, given back when that is dropped).
  static CachedOrg Behind(CachedOrg& stale);

  // `entry` with the events of `org` after its version folded in.
  Result<CachedOrg> CatchUp(const std::string& org, CachedOrg entry);

  // Folds the events of `org` after `state`'s version into it, in batches,
  // until version `until` or the end of the stream.
  Status ReadOn(const std::string& org, eventstore::Version until,
                domain::OrgState* state);

  Status Fold(const std::vector<eventstore::RecordedEvent>& events,
              domain::OrgState* state);

  // The state of `org`: the cache, else its snapshot and the events after;
  // or, on a miss with `guess_new`, the empty state unread (`*guessed`).
  Result<CachedOrg> Load(const std::string& org, bool guess_new, bool* guessed);

  void MaybeSnapshot(const std::string& org, CachedOrg* entry);

  // Storage trouble reaches the caller as unavailable (SPEC §3.3); the
  // details go to the log.
  CommandOutcome StorageFailure(const Status& s);

  const EngineOptions options_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<projections::ProjectionSet> projections_;
  std::unique_ptr<projections::Outbox> outbox_;  // null without a sender
  // The store's person keys (privacy::KeysOf), looked up once.
  privacy::PersonKeys& keys_;
  StateCache cache_;
  boost::asio::thread_pool pool_;
  std::optional<PositionWaiters> waiters_;

  std::mutex mu_;
  std::condition_variable idle_;
  bool stopping_ = false;
  std::size_t in_flight_ = 0;
  // Commands waiting per organization; the front one is running.
  std::unordered_map<std::string, std::deque<Pending>> queues_;
};

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_ENGINE_IMPL_H_
