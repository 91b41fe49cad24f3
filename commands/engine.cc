// The Engine: per-organization command queues on a thread pool, the state
// cache and snapshots, idempotency keys and optimistic appends.
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
// blocking Execute whose organization has nothing queued runs the same steps on
// its own thread and waits for the append there: no pool thread is involved.
#include "commands/engine.h"

#include <spdlog/logger.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "commands/malloc_policy.h"
#include "commands/outcome.h"
#include "commands/position_waiters.h"
#include "commands/state_cache.h"
#include "commands/system_context.h"
#include "domain/codec/codec.h"
#include "domain/validation.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"
#include "projections/builtin.h"

namespace orgledger::commands {
namespace {

constexpr std::size_t kReadBatch = 1024;

// This engine among those sharing a store: host, process, and a random
// part (a restarted process with the same pid is another holder).
std::string LeaseHolderName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" +
         RandomBase64Url(6);
}

struct Running;

struct Pending {
  CommandRequest request;
  Engine::Callback done;
  // A command taken back from a batch to be decided again: its attempts
  // so far.
  std::shared_ptr<Running> resumed;
};

Status NotCaughtUp(projections::ProjectionSet& projections,
                   eventstore::Position wanted) {
  return Status(Code::kNotCaughtUp,
                "the views have not reached position " +
                    std::to_string(wanted) + " yet (they are at " +
                    std::to_string(projections.checkpoint()) + "); try again");
}

Result<projections::View> Answer(projections::ProjectionSet& projections,
                                 const EngineOptions& options,
                                 const projections::ViewRequest& request) {
  // Views of a log the database no longer holds are not served.
  if (Status halted = projections.store().Halted(); !halted.ok()) {
    return halted;
  }
  return projections::QueryView(projections, request,
                                options.context->editions(),
                                options.context->Now());
}

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
             std::unique_ptr<projections::Outbox> outbox)
      : options_(std::move(options)),
        store_(std::move(store)),
        projections_(std::move(projections)),
        outbox_(std::move(outbox)),
        keys_(privacy::KeysOf(*store_)),
        cache_(options_.state_cache_entries,
               options_.memory_budget_bytes != 0
                   ? options_.memory_budget_bytes / 2
                   : std::numeric_limits<std::size_t>::max()),
        pool_(options_.threads),
        waiters_(projections_.get()) {}

  ~EngineImpl() override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      stopping_ = true;
      idle_.wait(lock, [&] { return in_flight_ == 0; });
    }
    pool_.join();
    waiters_.reset();  // answers the views still waiting
    outbox_.reset();   // both stop following before the store closes
    projections_.reset();
    store_.reset();
  }

  void QueryAsync(projections::ViewRequest request,
                  std::optional<eventstore::Position> min_position,
                  ViewCallback done) override {
    if (!min_position.has_value() ||
        projections_->checkpoint() >= *min_position) {
      return done(Answer(*projections_, options_, request));
    }
    const eventstore::Position wanted = *min_position;
    waiters_->Add(wanted,
                  PositionWaiters::Clock::now() + options_.query_timeout,
                  [this, request = std::move(request), wanted,
                   done = std::move(done)](bool reached) {
                    if (!reached)
                      return done(NotCaughtUp(*projections_, wanted));
                    done(Answer(*projections_, options_, request));
                  });
  }

  void ExecuteAsync(CommandRequest request, Callback done) override {
    std::string org = request.envelope.org;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) {
      lock.unlock();
      done(Rejected(Unavailable("the engine is shutting down")));
      return;
    }
    ++in_flight_;
    std::deque<Pending>& queue = queues_[org];
    queue.push_back(Pending{std::move(request), std::move(done), nullptr});
    if (queue.size() == 1) StartFront(org, queue);
  }

  CommandOutcome Execute(CommandRequest request) override {
    auto run = std::make_shared<Running>();
    run->org = request.envelope.org;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_ || queues_.contains(run->org)) {
        // Shutting down, or behind another command of the organization.
        lock.unlock();
        return Engine::Execute(std::move(request));
      }
      ++in_flight_;
      // An empty front: the command running here; later ones queue behind.
      queues_[run->org].emplace_back();
    }
    CommandOutcome outcome;
    run->request = std::move(request);
    run->on_caller = true;
    run->done = [&outcome](CommandOutcome o) { outcome = std::move(o); };
    Run(run);
    return outcome;
  }

  Result<EraseReport> Erase(const EraseRequest& request) override {
    return commands::Erase(ErasurePartsOf(), request);
  }

  Status FinishInterruptedErasures() {
    return commands::FinishInterruptedErasures(ErasurePartsOf());
  }

  eventstore::EventStore& store() override { return *store_; }
  projections::ProjectionSet& projections() override { return *projections_; }
  const EngineOptions& options() const override { return options_; }
  EngineStats stats() const override {
    return EngineStats{cache_.size(), cache_.bytes()};
  }

 private:
  ErasureParts ErasurePartsOf() {
    ErasureParts parts;
    parts.store = store_.get();
    parts.projections = projections_.get();
    parts.context = options_.context.get();
    parts.follow = options_.follow_projections;
    parts.evict = [this](const std::string& org) {
      if (std::optional<CachedOrg> hit = cache_.Take(org)) {
        cache_.Release(*hit);
      }
    };
    return parts;
  }

  // REQUIRES: mu_ held; `queue` is the queue of `org`, not empty.
  void StartFront(const std::string& org, std::deque<Pending>& queue) {
    std::shared_ptr<Running> run = std::move(queue.front().resumed);
    if (run == nullptr) run = std::make_shared<Running>();
    run->org = org;
    run->request = std::move(queue.front().request);
    run->done = std::move(queue.front().done);
    // From a pool thread (a command finishing) it runs on that thread once
    // the current handler returns, waking no other; else like post.
    boost::asio::defer(pool_, [this, run] { Run(run); });
  }

  // Completes the running command of `run->org` and starts the next.
  void Finish(const std::shared_ptr<Running>& run, CommandOutcome outcome) {
    run->done(std::move(outcome));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queues_.find(run->org);
    it->second.pop_front();
    if (it->second.empty()) {
      queues_.erase(it);
    } else {
      StartFront(run->org, it->second);
    }
    if (--in_flight_ == 0) idle_.notify_all();
  }

  // The checks of a request before its state is read: its correlation id
  // and idempotency key; the key's fingerprint.
  static Status Admit(Running& run) {
    const std::optional<std::string>& key = run.request.idempotency_key;
    if (const std::string& id = run.request.correlation_id; !id.empty()) {
      if (Status s = domain::ValidateCorrelationId(id); !s.ok()) return s;
    }
    // A key is only kept for a request the store can scope it to.
    if (key.has_value()) {
      if (Status s = domain::ValidateIdempotencyKey(*key); !s.ok()) return s;
      if (run.fingerprint.empty() &&
          domain::ValidateSlug("org", run.request.envelope.org).ok()) {
        run.fingerprint = Fingerprint(run.request.envelope);
      }
    }
    return Status::Ok();
  }

  // Whether `decision` is kept under the request's idempotency key.
  static bool Keeps(const Running& run, const domain::Decision& decision) {
    return run.request.idempotency_key.has_value() &&
           !run.fingerprint.empty() &&
           (decision.accepted() || decision.recorded_failure() ||
            KeptRejection(decision.error.code()));
  }

  void Run(const std::shared_ptr<Running>& run) {
    const domain::CommandEnvelope& envelope = run->request.envelope;
    const std::optional<std::string>& key = run->request.idempotency_key;

    if (Status s = Admit(*run); !s.ok()) {
      return Finish(run, Rejected(std::move(s)));
    }

    // A create of an organization not in the cache is decided on the empty
    // state without a read: its append expects a new stream, which the
    // store checks; a conflict, or any decision but an acceptance, is
    // decided again on the state read from the store.
    const bool guess_new =
        !run->guessed &&
        std::holds_alternative<domain::CreateOrganization>(envelope.command);
    run->guessing = false;
    Result<CachedOrg> loaded =
        run->behind.has_value()
            ? CatchUp(run->org, *std::exchange(run->behind, std::nullopt))
            : Load(run->org, guess_new, &run->guessing);
    run->guessed = run->guessed || run->guessing;
    if (!loaded.ok()) return Finish(run, StorageFailure(loaded.status()));
    // A state not put back (a failed append) gives back its cache charge.
    std::shared_ptr<CachedOrg> entry(new CachedOrg(std::move(*loaded)),
                                     [this](CachedOrg* e) {
                                       cache_.Release(*e);
                                       delete e;
                                     });

    domain::Context& context = *options_.context;
    auto decision = std::make_shared<domain::Decision>(
        domain::Decide(entry->state, envelope, context));

    if (run->guessing && !decision->accepted()) return Run(run);

    const bool keep = Keeps(*run, *decision);
    // A decision that reaches the store with its key has the key checked
    // there, atomically with the append (a used key is answered as
    // `replayed`): no lookup before. One that does not is looked up here.
    if (!keep && !run->fingerprint.empty()) {
      Result<std::optional<eventstore::KeptAppend>> found =
          store_->FindIdempotencyKey(envelope.org, *key);
      if (!found.ok()) return Finish(run, StorageFailure(found.status()));
      if (found->has_value()) {
        cache_.Put(run->org, std::move(*entry));  // unchanged, still good
        return Finish(run, Replay(run, **found));
      }
    }
    if (!decision->accepted() && !decision->recorded_failure() && !keep) {
      // Nothing is appended, so no expected version catches a state another
      // process moved on: on a shared store the head is checked instead.
      if (store_->shared()) {
        Result<eventstore::StreamHead> head = store_->GetStreamHead(run->org);
        if (!head.ok()) return Finish(run, StorageFailure(head.status()));
        if (head->version != entry->state.version) {
          return DecideAgain(run, entry.get());
        }
      }
      cache_.Put(run->org, std::move(*entry));
      return Finish(run, OutcomeOf(*decision, eventstore::AppendResult{}));
    }
    if (decision->events.empty() && !keep) {
      // A no-op: nothing to write; answer with the organization's head.
      Result<eventstore::StreamHead> head = store_->GetStreamHead(run->org);
      if (head.ok() && head->version != entry->state.version) {
        // decided on a state another process moved
        return DecideAgain(run, entry.get());
      }
      cache_.Put(run->org, std::move(*entry));
      if (!head.ok()) return Finish(run, StorageFailure(head.status()));
      eventstore::AppendResult none;
      none.head = *head;
      return Finish(run, OutcomeOf(*decision, none));
    }

    eventstore::AppendRequest append;
    privacy::KeyRows key_rows;
    if (Status s = BuildAppend(*run, entry->state, *decision, keep, &append,
                               &key_rows);
        !s.ok()) {
      return Finish(run, StorageFailure(s));
    }
    // Commands of the organization queued behind this one are decided on
    // the state it leaves and appended with it (RunBatch).
    if (!run->on_caller && !run->guessing) {
      std::vector<Pending> followers = TakeFollowers(run->org);
      if (!followers.empty()) {
        return RunBatch(run, std::move(entry), std::move(*decision),
                        std::move(append), std::move(key_rows),
                        std::move(followers));
      }
    }
    privacy::PersonKeys& keys = keys_;
    // The new keys and links are durable once the records are: not added
    // to later appends.
    // Never on the store's thread, which every group commit waits for.
    auto confirm =
        [&keys, rows = std::make_shared<privacy::KeyRows>(std::move(key_rows))](
            const Result<eventstore::AppendResult>& r) {
          if (r.ok() && !r->replayed && !rows->empty()) keys.Confirm(*rows);
        };
    if (run->on_caller) {
      const Result<eventstore::AppendResult> r =
          store_->Append(std::move(append));
      confirm(r);
      return Appended(run, entry, *decision, r);
    }
    store_->AsyncAppend(
        std::move(append), [this, run, entry, decision,
                            confirm](Result<eventstore::AppendResult> r) {
          boost::asio::post(
              pool_, [this, run, entry, decision, confirm, r = std::move(r)] {
                confirm(r);
                Appended(run, entry, *decision, r);
              });
        });
  }

  // The append of `decision`, decided on `state` (which it expects): its
  // records with their metadata and, when `keep`, the kept outcome; their
  // personal fields sealed (SPEC §10), the key rows that makes new
  // added to `key_rows` and the append.
  Status BuildAppend(const Running& run, const domain::OrgState& state,
                     const domain::Decision& decision, bool keep,
                     eventstore::AppendRequest* append,
                     privacy::KeyRows* key_rows) {
    const domain::CommandEnvelope& envelope = run.request.envelope;
    append->stream = run.org;
    append->expected = eventstore::ExpectedVersion::Exact(state.version);
    const std::string causation = "cmd_" + RandomBase64Url(12);
    privacy::PersonKeys& keys = keys_;
    codec::EventMetadata meta;
    meta.recorded_at = options_.context->Now();
    meta.actor = envelope.actor;
    if (Status s = privacy::SealActor(keys, run.org, meta.actor, key_rows);
        !s.ok()) {
      return s;
    }
    meta.correlation_id = run.request.correlation_id.empty()
                              ? causation
                              : run.request.correlation_id;
    meta.causation_id = causation;
    meta.idempotency_key = run.request.idempotency_key.value_or("");
    for (const domain::Event& e : decision.events) {
      domain::Event sealed = e;
      if (Status s = privacy::SealEvent(keys, run.org, state, envelope.actor,
                                        sealed, key_rows);
          !s.ok()) {
        return s;
      }
      meta.schema_version = codec::SchemaVersion(e);
      append->events.push_back({std::string(domain::EventTypeName(e)),
                                codec::EncodeMetadata(meta),
                                codec::EncodeEvent(sealed)});
    }
    if (keep) {
      codec::KeptOutcome kept = KeepableOutcome(decision);
      if (Status s = SealKept(keys, run.org, envelope, &kept, key_rows);
          !s.ok()) {
        return s;
      }
      append->idempotency = eventstore::IdempotencyInput{
          *run.request.idempotency_key, run.fingerprint,
          codec::EncodeOutcome(kept)};
    }
    append->key_rows.assign(key_rows->begin(), key_rows->end());
    return Status::Ok();
  }

  // The commands queued behind the running one of `org`, taken out of its
  // queue (at most a store group's worth).
  std::vector<Pending> TakeFollowers(const std::string& org) {
    std::vector<Pending> followers;
    std::lock_guard<std::mutex> lock(mu_);
    std::deque<Pending>& queue = queues_.at(org);
    const std::size_t n =
        std::min(queue.size() - 1, options_.store.max_group_appends - 1);
    for (std::size_t i = 1; i <= n; ++i) {
      followers.push_back(std::move(queue[i]));
    }
    queue.erase(queue.begin() + 1, queue.begin() + 1 + n);
    return followers;
  }

  // Puts `pending` back behind the running command of `org`, in order.
  void PutBack(const std::string& org, std::vector<Pending> pending) {
    if (pending.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    std::deque<Pending>& queue = queues_.at(org);
    queue.insert(queue.begin() + 1, std::make_move_iterator(pending.begin()),
                 std::make_move_iterator(pending.end()));
  }

  // One command of a batch: its decision, then its append's answer (a
  // rejection that appends nothing has none).
  struct Member {
    std::shared_ptr<Running> run;
    domain::Decision decision;
    bool appends = true;
    std::shared_ptr<privacy::KeyRows> key_rows;
    Result<eventstore::AppendResult> result =
        Status(Code::kInternal, "not answered");
  };

  // A hot organization's queue, pipelined (docs/architecture.md): the
  // running command and the followers queued behind it are decided in
  // order, each on the state that includes the ones before it, and handed
  // to the store together as one chain (eventstore::AppendChain), so that
  // they share a group commit. None is acknowledged before every append
  // of the batch is answered; if one is not made, the ones after it are
  // not either (the chain), and they are decided again on the state read
  // afresh, or answered unavailable when the store failed.
  struct Batch {
    std::shared_ptr<CachedOrg> entry;  // the state after every member
    std::vector<Member> members;
    std::size_t appends = 0;
    std::atomic<std::size_t> answered{0};
  };

  void RunBatch(const std::shared_ptr<Running>& run,
                std::shared_ptr<CachedOrg> entry, domain::Decision decision,
                eventstore::AppendRequest append, privacy::KeyRows key_rows,
                std::vector<Pending> followers) {
    auto batch = std::make_shared<Batch>();
    batch->entry = std::move(entry);
    domain::OrgState& state = batch->entry->state;
    auto chain = std::make_shared<eventstore::AppendChain>();
    std::vector<eventstore::AppendRequest> appends;
    auto add = [&](std::shared_ptr<Running> member, domain::Decision d,
                   eventstore::AppendRequest a, privacy::KeyRows rows) {
      for (const domain::Event& e : d.events) {
        state = domain::Evolve(std::move(state), e);
        state.version += 1;
      }
      a.chain = chain;
      appends.push_back(std::move(a));
      batch->members.push_back(
          Member{std::move(member), std::move(d), true,
                 std::make_shared<privacy::KeyRows>(std::move(rows))});
    };
    add(run, std::move(decision), std::move(append), std::move(key_rows));

    // Followers join while their decisions append, or reject without a key
    // on a store no other process writes (answered once the appends before
    // them are made: nothing else can move the organization). The first
    // that does neither (a no-op, a rejection whose answer needs the
    // store) and those behind it go back to the queue, to run after the
    // batch.
    std::size_t joined = 0;
    for (; joined < followers.size(); ++joined) {
      Pending& p = followers[joined];
      std::shared_ptr<Running> member =
          p.resumed != nullptr ? p.resumed : std::make_shared<Running>();
      member->org = run->org;
      member->request = p.request;
      if (!Admit(*member).ok()) break;
      domain::Decision d =
          domain::Decide(state, member->request.envelope, *options_.context);
      const bool keep = Keeps(*member, d);
      const bool appends_something =
          keep || d.recorded_failure() || (d.accepted() && !d.events.empty());
      if (!appends_something) {
        if (d.accepted() || store_->shared() ||
            member->request.idempotency_key.has_value()) {
          break;
        }
        member->done = std::move(p.done);
        batch->members.push_back(Member{std::move(member), std::move(d), false,
                                        std::make_shared<privacy::KeyRows>()});
        continue;
      }
      eventstore::AppendRequest a;
      privacy::KeyRows rows;
      if (!BuildAppend(*member, state, d, keep, &a, &rows).ok()) break;
      member->done = std::move(p.done);
      add(std::move(member), std::move(d), std::move(a), std::move(rows));
    }
    PutBack(run->org, std::vector<Pending>(
                          std::make_move_iterator(followers.begin() + joined),
                          std::make_move_iterator(followers.end())));

    batch->appends = appends.size();
    std::size_t next = 0;
    for (std::size_t i = 0; i < batch->members.size(); ++i) {
      if (!batch->members[i].appends) continue;
      store_->AsyncAppend(
          std::move(appends[next++]),
          [this, batch, i](Result<eventstore::AppendResult> r) {
            batch->members[i].result = std::move(r);
            if (batch->answered.fetch_add(1, std::memory_order_acq_rel) + 1 ==
                batch->appends) {
              boost::asio::post(pool_, [this, batch] { Complete(*batch); });
            }
          });
    }
  }

  // Answers a batch's members once every append is answered, in order.
  void Complete(Batch& batch) {
    std::vector<std::pair<Engine::Callback, CommandOutcome>> answers;
    std::vector<Pending> again;      // decided again, in order
    const Member* broken = nullptr;  // the first not made
    for (Member& m : batch.members) {
      Result<eventstore::AppendResult>& r = m.result;
      if (r.ok() && !r->replayed && !m.key_rows->empty()) {
        keys_.Confirm(*m.key_rows);
      }
      std::optional<CommandOutcome> outcome;
      if (!m.appends) {
        if (broken == nullptr) {
          outcome = OutcomeOf(m.decision, eventstore::AppendResult{});
        }
      } else if (broken == nullptr) {
        if (r.ok() && !r->replayed) {
          outcome = OutcomeOf(m.decision, *r);
        } else if (r.ok()) {
          broken = &m;
          Result<codec::KeptOutcome> kept = OpenKept(r->outcome);
          outcome = kept.ok() ? ReplayedOutcome(*kept, *r)
                              : StorageFailure(kept.status());
        } else {
          broken = &m;
          const Code code = r.status().code();
          if (code == Code::kIdempotencyConflict) {
            outcome = Rejected(KeyConflict(m.run));
          } else if (code != Code::kConcurrencyConflict) {
            outcome = StorageFailure(r.status());
          } else if (++m.run->attempt > options_.max_retries) {
            outcome = Rejected(r.status());
          }
        }
      } else if (!broken->result.ok() &&
                 broken->result.status().code() != Code::kConcurrencyConflict &&
                 broken->result.status().code() != Code::kIdempotencyConflict) {
        outcome = StorageFailure(broken->result.status());
      }
      if (outcome.has_value()) {
        answers.emplace_back(std::move(m.run->done), std::move(*outcome));
      } else {
        m.run->behind.reset();
        m.run->guessing = false;
        again.push_back(
            Pending{std::move(m.run->request), std::move(m.run->done), m.run});
      }
    }
    if (broken == nullptr) {
      // Every append was made: the state is the log's.
      MaybeSnapshot(batch.members.front().run->org, batch.entry.get());
      cache_.Put(batch.members.front().run->org, std::move(*batch.entry));
    }
    // Otherwise the state is dropped (its charge given back with it).
    batch.entry.reset();
    for (auto& [done, outcome] : answers) done(std::move(outcome));

    const std::string& org = batch.members.front().run->org;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queues_.find(org);
    it->second.pop_front();  // the batch's first, running
    it->second.insert(it->second.begin(),
                      std::make_move_iterator(again.begin()),
                      std::make_move_iterator(again.end()));
    if (it->second.empty()) {
      queues_.erase(it);
    } else {
      StartFront(org, it->second);
    }
    in_flight_ -= answers.size();
    if (in_flight_ == 0) idle_.notify_all();
  }

  // The state the command was decided on is behind the log (another
  // process appended): decide again on a state loaded afresh (the stale one
  // is not put back in the cache), as after a lost race.
  void DecideAgain(const std::shared_ptr<Running>& run, CachedOrg* stale) {
    if (run->attempt < options_.max_retries) {
      ++run->attempt;
      run->behind = Behind(*stale);
      return Run(run);
    }
    Finish(run, Rejected(Status(Code::kConcurrencyConflict,
                                "the organization kept changing on other "
                                "replicas; try again")));
  }

  // Continues a command after its append, on a pool thread.
  void Appended(const std::shared_ptr<Running>& run,
                const std::shared_ptr<CachedOrg>& entry,
                const domain::Decision& decision,
                const Result<eventstore::AppendResult>& r) {
    if (!r.ok()) {
      if (r.status().code() == Code::kConcurrencyConflict && run->guessing) {
        return Run(run);  // the organization exists: read it, decide again
      }
      // The cached state is not trusted after a failure: reload next time.
      if (r.status().code() == Code::kConcurrencyConflict &&
          run->attempt < options_.max_retries) {
        ++run->attempt;
        run->behind = Behind(*entry);
        return Run(run);
      }
      if (r.status().code() == Code::kConcurrencyConflict) {
        return Finish(run, Rejected(r.status()));
      }
      if (r.status().code() == Code::kIdempotencyConflict) {
        return Finish(run, Rejected(KeyConflict(run)));
      }
      return Finish(run, StorageFailure(r.status()));
    }
    if (r->replayed) {
      // Another try with the same key won the race; its state is on disk.
      // The state it was decided on is unchanged: still good to cache,
      // unless it was guessed (the organization exists).
      if (!run->guessing) cache_.Put(run->org, std::move(*entry));
      Result<codec::KeptOutcome> kept = OpenKept(r->outcome);
      if (!kept.ok()) return Finish(run, StorageFailure(kept.status()));
      return Finish(run, ReplayedOutcome(*kept, *r));
    }
    eventstore::Version version = entry->state.version;
    for (const domain::Event& e : decision.events) {
      entry->state = domain::Evolve(std::move(entry->state), e);
      entry->state.version = ++version;
    }
    MaybeSnapshot(run->org, entry.get());
    cache_.Put(run->org, std::move(*entry));
    Finish(run, OutcomeOf(decision, *r));
  }

  CommandOutcome Replay(const std::shared_ptr<Running>& run,
                        const eventstore::KeptAppend& found) {
    if (found.fingerprint != run->fingerprint) {
      return Rejected(KeyConflict(run));
    }
    Result<codec::KeptOutcome> kept = OpenKept(found.result.outcome);
    if (!kept.ok()) return StorageFailure(kept.status());
    return ReplayedOutcome(*kept, found.result);
  }

  // A kept outcome as the caller gets it again: its message opened (an
  // erased person's reads as "[erased]").
  Result<codec::KeptOutcome> OpenKept(std::string_view bytes) {
    Result<codec::KeptOutcome> kept = codec::DecodeOutcome(bytes);
    if (!kept.ok()) return kept;
    if (Status s = privacy::OpenText(keys_, kept->message); !s.ok()) {
      return s;
    }
    return kept;
  }

  static Status KeyConflict(const std::shared_ptr<Running>& run) {
    return Status(Code::kIdempotencyConflict,
                  "idempotency key " + *run->request.idempotency_key +
                      " was already used with a different request");
  }

  // A stale entry's state, to be caught up (its cache charge stays with
  // the entry, given back when that is dropped).
  static CachedOrg Behind(CachedOrg& stale) {
    CachedOrg behind;
    behind.state = std::move(stale.state);
    behind.snapshot_version = stale.snapshot_version;
    behind.keys_epoch = stale.keys_epoch;
    return behind;
  }

  // `entry` with the events of `org` after its version folded in.
  Result<CachedOrg> CatchUp(const std::string& org, CachedOrg entry) {
    if (entry.keys_epoch != keys_.epoch()) {
      bool unused = false;
      return Load(org, /*guess_new=*/false, &unused);
    }
    const auto all = std::numeric_limits<eventstore::Version>::max();
    if (Status s = ReadOn(org, all, &entry.state); !s.ok()) return s;
    MaybeSnapshot(org, &entry);
    return entry;
  }

  // Folds the events of `org` after `state`'s version into it, in batches,
  // until version `until` or the end of the stream.
  Status ReadOn(const std::string& org, eventstore::Version until,
                domain::OrgState* state) {
    while (state->version < until) {
      Result<std::vector<eventstore::RecordedEvent>> events =
          store_->ReadStream(org, state->version + 1, kReadBatch);
      if (!events.ok()) return events.status();
      if (Status s = Fold(*events, state); !s.ok()) return s;
      if (events->size() < kReadBatch) break;
    }
    return Status::Ok();
  }

  Status Fold(const std::vector<eventstore::RecordedEvent>& events,
              domain::OrgState* state) {
    privacy::PersonKeys& keys = keys_;
    for (const eventstore::RecordedEvent& recorded : events) {
      Result<domain::Event> e =
          codec::DecodeEvent(recorded.type, recorded.payload);
      if (!e.ok()) {
        return Corruption("event at position " +
                          std::to_string(recorded.position) +
                          " does not decode: " + e.status().message());
      }
      if (Status s = privacy::OpenEvent(keys, *e); !s.ok()) {
        return Status(s.code(), "event at position " +
                                    std::to_string(recorded.position) + ": " +
                                    s.message());
      }
      *state = domain::Evolve(std::move(*state), *e);
      state->version = recorded.version;
    }
    return Status::Ok();
  }

  // The state of `org`: the cache, else its snapshot and the events after;
  // or, on a miss with `guess_new`, the empty state unread (`*guessed`).
  Result<CachedOrg> Load(const std::string& org, bool guess_new,
                         bool* guessed) {
    const std::uint64_t epoch = keys_.epoch();
    if (std::optional<CachedOrg> hit = cache_.Take(org)) {
      if (hit->keys_epoch == epoch) return *std::move(hit);
      cache_.Release(*hit);  // folded before an erasure: fold again
    }
    CachedOrg entry;
    entry.keys_epoch = epoch;
    if (guess_new) {
      *guessed = true;
      return entry;
    }
    if (!domain::ValidateSlug("org", org).ok()) return entry;  // Decide says
    // The head first: a point lookup the bloom filters answer for a new
    // organization, where reading its stream would seek every level.
    Result<eventstore::StreamHead> head = store_->GetStreamHead(org);
    if (!head.ok()) return head.status();
    if (head->version == 0) return entry;
    Result<std::optional<eventstore::StoredSnapshot>> snap =
        store_->GetSnapshot(org);
    if (!snap.ok()) return snap.status();
    if (snap->has_value()) {
      Result<domain::OrgState> state = codec::DecodeState((*snap)->bytes);
      if (state.ok() && state->version == (*snap)->version) {
        entry.state = std::move(*state);
        entry.snapshot_version = entry.state.version;
      }
      // Otherwise (another schema, or damaged) it is rebuilt from the log.
    }
    if (Status s = ReadOn(org, head->version, &entry.state); !s.ok()) return s;
    if (entry.state.version < head->version) {
      return Corruption("stream " + org + " ends at version " +
                        std::to_string(entry.state.version) +
                        " but its head is at " + std::to_string(head->version));
    }
    MaybeSnapshot(org, &entry);
    return entry;
  }

  void MaybeSnapshot(const std::string& org, CachedOrg* entry) {
    std::uint64_t every = options_.snapshot_every;
    if (every == 0) return;
    // Never a state folded before an erasure (it may hold plaintext).
    if (entry->keys_epoch != keys_.epoch()) return;
    if (const std::uint64_t ratio = options_.snapshot_entries_per_event) {
      every = std::max<std::uint64_t>(every, MapEntries(entry->state) / ratio);
    }
    if (entry->state.version < entry->snapshot_version + every) return;
    Status s = store_->PutSnapshot(org, entry->state.version,
                                   codec::EncodeState(entry->state));
    if (s.ok()) {
      entry->snapshot_version = entry->state.version;
    } else if (options_.logger) {
      options_.logger->warn("snapshot of {} not written: {}", org,
                            s.ToString());
    }
  }

  // Storage trouble reaches the caller as unavailable (SPEC §3.3); the
  // details go to the log.
  CommandOutcome StorageFailure(const Status& s) {
    if (options_.logger)
      options_.logger->error("command failed: {}", s.ToString());
    if (s.code() == Code::kUnavailable) return Rejected(s);
    return Rejected(Unavailable("storage failure: " + s.message()));
  }

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

// A catalog lacking an edition some organization is on would leave that
// organization without limits (a second billing manager on a Team that is
// no longer in the catalog): refuse to open, naming both. On a store one
// process owns, the projections first catch up with the log; a shared
// store adopts one catalog for good (AdoptSetting), so what its
// projections have read is enough.
Status CheckEditionsInUse(projections::ProjectionSet& projections,
                          eventstore::EventStore& store,
                          const domain::EditionCatalog& editions) {
  constexpr std::size_t kExamples = 5;
  if (!store.shared()) {
    projections.WaitFor(store.CommittedPosition(), std::chrono::seconds(60));
  }
  Result<std::vector<projections::EditionInUse>> in_use =
      projections::EditionsInUse(projections, kExamples);
  if (!in_use.ok()) return in_use.status();
  std::string missing;
  for (const projections::EditionInUse& use : *in_use) {
    if (editions.Find(use.edition) != nullptr) continue;
    std::string orgs;
    for (const std::string& org : use.orgs) {
      orgs += (orgs.empty() ? "" : ", ") + org;
    }
    if (use.more) orgs += " and others";
    missing += (missing.empty() ? "" : "; ") +
               ("\"" + use.edition + "\" (organizations " + orgs + ")");
  }
  if (missing.empty()) return Status::Ok();
  return InvalidArgument(
      "the edition catalog lacks editions that organizations are on: " +
      missing + "; the catalog has " + editions.Names() +
      ": add the missing ones to it (their limits would otherwise be lost)");
}

std::size_t DefaultThreads(std::size_t threads, bool shared_store) {
  if (threads != 0) return threads;
  const std::size_t cores =
      std::max<std::size_t>(2, std::thread::hardware_concurrency());
  return shared_store ? 2 * cores : cores;
}

}  // namespace

eventstore::PostgresOptions PostgresOptionsOf(const EngineOptions& options) {
  eventstore::PostgresOptions postgres = options.postgres;
  if (postgres.state_dir.empty() && !options.data_dir.empty()) {
    postgres.state_dir = options.data_dir + "/state";
  }
  return postgres;
}

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  const bool postgres = !options.postgres.url.empty();
  if (options.data_dir.empty() && !postgres) {
    return InvalidArgument(
        "EngineOptions needs data_dir (RocksDB) or postgres.url (PostgreSQL)");
  }
  if (!options.data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      return Unavailable("cannot create " + options.data_dir + ": " +
                         ec.message());
    }
  }
  // Before the store starts its threads, so that they share the arenas.
  if (options.tune_malloc) ApplyMallocPolicy();
  if (options.memory_budget_bytes != 0) {
    options.rocksdb.memory_bytes = options.memory_budget_bytes / 2;
  }
  Result<std::unique_ptr<eventstore::EventStore>> store =
      Status(Code::kInternal, "no store");
  if (postgres) {
    store = eventstore::OpenPostgresEventStore(options.store,
                                               PostgresOptionsOf(options));
  } else {
    store = eventstore::OpenRocksDbEventStore(options.store, options.data_dir,
                                              options.rocksdb);
  }
  if (!store.ok()) return store.status();
  return OpenWithStore(std::move(options), std::move(*store));
}

Result<std::unique_ptr<Engine>> Engine::OpenWithStore(
    EngineOptions options, std::unique_ptr<eventstore::EventStore> store) {
  if (store == nullptr) return InvalidArgument("no event store");
  if (options.max_retries < 0) {
    return InvalidArgument("EngineOptions::max_retries must be >= 0");
  }
  options.threads = DefaultThreads(options.threads, store->shared());
  // One catalog for every engine of a shared store (SPEC §7).
  const std::string catalog = domain::CatalogText(options.editions);
  Result<std::string> held = store->AdoptSetting("editions", catalog);
  if (!held.ok()) return held.status();
  if (*held != catalog) {
    return InvalidArgument(
        "this engine's edition catalog (" + catalog +
        ") differs from the one the store was first opened with (" + *held +
        "): every engine on one store must be given the same catalog");
  }
  if (options.context == nullptr) {
    options.context = NewSystemContext(options.editions);
  }
  projections::ProjectionOptions popts;
  popts.logger = options.logger;
  popts.follow = options.follow_projections;
  popts.rebuild_memory_bytes = options.rebuild_memory_bytes;
  Result<std::unique_ptr<projections::ProjectionSet>> projections =
      projections::ProjectionSet::Open(store.get(), popts);
  if (!projections.ok()) return projections.status();
  if (Status s = CheckEditionsInUse(**projections, *store, options.editions);
      !s.ok()) {
    return s;
  }
  std::unique_ptr<projections::Outbox> outbox;
  if (options.invite_email_sender || options.invite_email_acceptor) {
    projections::OutboxBacklog backlog{
        options.invite_email_backlog,
        [context = options.context] { return context->Now(); }};
    Result<std::unique_ptr<projections::Outbox>> started =
        projections::Outbox::Start(
            store.get(), projections::kInviteOutbox,
            options.invite_email_acceptor
                ? options.invite_email_acceptor
                : projections::AcceptorOf(options.invite_email_sender),
            options.logger,
            projections::OutboxLease{LeaseHolderName(),
                                     options.outbox_lease_ttl},
            std::move(backlog));
    if (!started.ok()) return started.status();
    outbox = std::move(*started);
  }
  // Before any record is appended: records from here on seal personal
  // fields (an older database's earlier ones may not).
  if (Result<eventstore::Position> before =
          privacy::KeysOf(*store).PlaintextBefore();
      !before.ok()) {
    return before.status();
  }
  auto engine =
      std::make_unique<EngineImpl>(std::move(options), std::move(store),
                                   std::move(*projections), std::move(outbox));
  if (Status s = engine->FinishInterruptedErasures(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

Result<projections::View> Engine::Query(
    const projections::ViewRequest& request,
    std::optional<eventstore::Position> min_position) {
  if (min_position.has_value() &&
      !projections().WaitFor(*min_position, options().query_timeout)) {
    return NotCaughtUp(projections(), *min_position);
  }
  return Answer(projections(), options(), request);
}

CommandOutcome Engine::Execute(CommandRequest request) {
  std::promise<CommandOutcome> promise;
  std::future<CommandOutcome> future = promise.get_future();
  ExecuteAsync(std::move(request), [&promise](CommandOutcome outcome) {
    promise.set_value(std::move(outcome));
  });
  return future.get();
}

}  // namespace orgledger::commands
