// A hot organization's queue, pipelined (docs/architecture.md): the
// running command and the followers queued behind it are decided in order,
// each on the state that includes the ones before it, and handed to the
// store together as one chain (eventstore::AppendChain), so that they
// share a group commit. None is acknowledged before every append of the
// batch is answered; if one is not made, the ones after it are not either
// (the chain), and they are decided again on the state read afresh, or
// answered unavailable when the store failed.
#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <iterator>
#include <utility>

#include "commands/engine_impl.h"
#include "commands/outcome.h"

namespace orgledger::commands {

// One command of a batch: its decision, then its append's answer (a
// rejection that appends nothing has none).
struct EngineImpl::Member {
  std::shared_ptr<Running> run;
  domain::Decision decision;
  bool appends = true;
  std::shared_ptr<privacy::KeyRows> key_rows;
  Result<eventstore::AppendResult> result =
      Status(Code::kInternal, "not answered");
};

// The state after its members, and their answers.
struct EngineImpl::Batch {
  std::shared_ptr<CachedOrg> entry;  // the state after every member
  std::vector<Member> members;
  std::size_t appends = 0;
  std::atomic<std::size_t> answered{0};
};

std::vector<Pending> EngineImpl::TakeFollowers(const std::string& org) {
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

void EngineImpl::PutBack(const std::string& org, std::vector<Pending> pending) {
  if (pending.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<Pending>& queue = queues_.at(org);
  queue.insert(queue.begin() + 1, std::make_move_iterator(pending.begin()),
               std::make_move_iterator(pending.end()));
}

void EngineImpl::RunBatch(const std::shared_ptr<Running>& run,
                          std::shared_ptr<CachedOrg> entry,
                          domain::Decision decision,
                          eventstore::AppendRequest append,
                          privacy::KeyRows key_rows,
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

void EngineImpl::Complete(Batch& batch) {
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
  it->second.insert(it->second.begin(), std::make_move_iterator(again.begin()),
                    std::make_move_iterator(again.end()));
  if (it->second.empty()) {
    queues_.erase(it);
  } else {
    StartFront(org, it->second);
  }
  in_flight_ -= answers.size();
  if (in_flight_ == 0) idle_.notify_all();
}

}  // namespace orgledger::commands
