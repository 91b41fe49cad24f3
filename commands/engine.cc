// The Engine: opening it on a store, the per-organization command queues
// on a thread pool, and views (engine_impl.h says where the rest is).
#include <spdlog/logger.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/defer.hpp>
#include <filesystem>
#include <future>
#include <limits>
#include <thread>
#include <utility>

#include "commands/engine_impl.h"
#include "commands/malloc_policy.h"
#include "commands/outcome.h"
#include "commands/system_context.h"
#include "domain/codec/codec.h"
#include "privacy/person_keys.h"
#include "projections/builtin.h"

namespace orgledger::commands {
namespace {

// This engine among those sharing a store: host, process, and a random
// part (a restarted process with the same pid is another holder).
std::string LeaseHolderName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" +
         RandomBase64Url(6);
}

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

EngineImpl::EngineImpl(EngineOptions options,
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

EngineImpl::~EngineImpl() {
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

void EngineImpl::QueryAsync(projections::ViewRequest request,
                            std::optional<eventstore::Position> min_position,
                            ViewCallback done) {
  if (!min_position.has_value() ||
      projections_->checkpoint() >= *min_position) {
    return done(Answer(*projections_, options_, request));
  }
  const eventstore::Position wanted = *min_position;
  waiters_->Add(wanted, PositionWaiters::Clock::now() + options_.query_timeout,
                [this, request = std::move(request), wanted,
                 done = std::move(done)](bool reached) {
                  if (!reached) return done(NotCaughtUp(*projections_, wanted));
                  done(Answer(*projections_, options_, request));
                });
}

void EngineImpl::ExecuteAsync(CommandRequest request, Callback done) {
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

CommandOutcome EngineImpl::Execute(CommandRequest request) {
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

Result<EraseReport> EngineImpl::Erase(const EraseRequest& request) {
  return commands::Erase(ErasurePartsOf(), request);
}

Status EngineImpl::FinishInterruptedErasures() {
  return commands::FinishInterruptedErasures(ErasurePartsOf());
}

EngineStats EngineImpl::stats() const {
  return EngineStats{cache_.size(), cache_.bytes()};
}

ErasureParts EngineImpl::ErasurePartsOf() {
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

void EngineImpl::StartFront(const std::string& org,
                            std::deque<Pending>& queue) {
  std::shared_ptr<Running> run = std::move(queue.front().resumed);
  if (run == nullptr) run = std::make_shared<Running>();
  run->org = org;
  run->request = std::move(queue.front().request);
  run->done = std::move(queue.front().done);
  // From a pool thread (a command finishing) it runs on that thread once
  // the current handler returns, waking no other; else like post.
  boost::asio::defer(pool_, [this, run] { Run(run); });
}

void EngineImpl::Finish(const std::shared_ptr<Running>& run,
                        CommandOutcome outcome) {
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
