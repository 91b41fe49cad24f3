// Engine: what a host embeds. Commands in (SPEC §3), outcomes out; the log
// on RocksDB underneath. Loading an organization's state, deciding
// (domain::Decide), idempotency and appending with the expected version
// happen here.
//
// An Engine is safe for concurrent use from multiple threads without
// external synchronization. Commands for one organization are decided one
// at a time in arrival order, each on the state the ones before it leave;
// those queued together are appended together and answered once all are
// durable (docs/architecture.md). Different organizations run in parallel
// on the engine's thread pool. The async API with Asio completion tokens is in
// commands/async_execute.h.
#ifndef ORGLEDGER_COMMANDS_ENGINE_H_
#define ORGLEDGER_COMMANDS_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "commands/erasure.h"
#include "domain/commands.h"
#include "domain/context.h"
#include "domain/decide.h"
#include "domain/editions.h"
#include "eventstore/event_store.h"
#include "eventstore/postgres/postgres_event_store.h"
#include "eventstore/rocksdb_event_store.h"
#include "projections/outbox.h"
#include "projections/projection_set.h"
#include "projections/views.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::commands {

struct EngineOptions {
  // Where the log lives. The RocksDB database directory (created when
  // missing); or, when `postgres.url` is set, a PostgreSQL database that
  // every engine opening it shares (docs/postgres.md), and data_dir is then
  // where this process keeps its projections' state (empty: in memory,
  // rebuilt from the log at open). Open() requires one of the two.
  std::string data_dir;
  eventstore::PostgresOptions postgres;

  // The event store's options: durability (default kSync: acknowledged
  // after fsync, group commit), the group's size.
  eventstore::StoreOptions store;

  // The RocksDB store's own (Open() only): its memory (set from
  // memory_budget_bytes below), the head cache, a test file system.
  eventstore::RocksDbOptions rocksdb;

  // Threads that load state and decide. Default: 0 = the number of cores,
  // at least 2; on a shared (PostgreSQL) store 2 per core, since a load
  // waits for the server. Appends wait on the store's writer, not on these
  // threads.
  std::size_t threads = 0;

  // The engine's memory budget, in one number: half for RocksDB (it sets
  // rocksdb.memory_bytes: data blocks and memtables of every column family),
  // half for the state cache (the approximate bytes of the folded states
  // kept). Default: 256 MiB. 0: rocksdb.memory_bytes as given, and the state
  // cache bounded by state_cache_entries alone.
  std::size_t memory_budget_bytes = 256 << 20;

  // The memory a rebuild of the projections gathers rows in before it
  // writes them to the store as sorted files (on top of the budget above;
  // projections::ProjectionOptions). Default: 64 MiB.
  std::size_t rebuild_memory_bytes = std::size_t{64} << 20;

  // Organizations whose folded state is kept in memory, at most (within
  // the budget above). Default: 100,000. A miss costs a snapshot read plus
  // the events after it.
  std::size_t state_cache_entries = 100000;

  // A snapshot of an organization is written when this many events were
  // appended since its last one. Default: 64. 0 turns snapshots off.
  std::uint64_t snapshot_every = 64;

  // ... or, for a large organization, when one event per this many entries
  // of its state (commands::MapEntries: people, invitations, teams,
  // payments and the email index) was appended,
  // whichever is later: encoding a state costs O(its size), and this keeps
  // that at O(1) per event (an organization of 40,000 entries is
  // snapshotted every 5,000 events, not every 64). Default: 8. 0: every
  // `snapshot_every` events whatever the size.
  std::uint64_t snapshot_entries_per_event = 8;

  // How often a command is re-run when another writer moved the
  // organization between loading and appending. A caller's own
  // expected_version is never retried. Default: 3.
  int max_retries = 3;

  // The edition catalog (SPEC §1.3). Default: the catalog of the spec.
  domain::EditionCatalog editions = domain::EditionCatalog::Default();

  // The clock, ids and tokens. Must be safe for concurrent use. Default:
  // null = the system clock, OpenSSL's CSPRNG and SHA-256 with `editions`.
  std::shared_ptr<domain::Context> context;

  // How long a query waits for the projections to reach its
  // `min_position` before answering not_caught_up. Default: 2 s.
  std::chrono::milliseconds query_timeout{2000};

  // Sends invitation emails (SPEC §1.4: the outbox of InviteSent and
  // InviteResent, at-least-once, with its own checkpoint, surviving
  // restarts). Default: empty = the engine sends nothing.
  projections::InviteEmailSender invite_email_sender;
  // Or a sender that delivers later, in its own order (a mail queue,
  // projections/outbox.h); used instead of invite_email_sender when set.
  // It must stop calling its `done`s before the engine is destroyed.
  projections::InviteEmailAcceptor invite_email_acceptor;
  // The first time the outbox starts on a database that already has
  // invitations, send only those still pending whose last email went out
  // within this long (SPEC §9; serve's --mail-backlog, 7 days). Unset:
  // every email of the log.
  std::optional<std::chrono::microseconds> invite_email_backlog;
  // On a shared store (PostgreSQL), the engines' outboxes take turns
  // through a lease in the store: one delivers, the others take over
  // within this long after it stops renewing (projections/outbox.h).
  std::chrono::milliseconds outbox_lease_ttl{10000};

  // Keep the projections (views) up to date in the background. False for
  // a write-only engine, such as a bulk import: views then answer from the
  // rows as they are, and the next engine opened with true catches them up
  // from their checkpoints. Default: true.
  bool follow_projections = true;

  // Set glibc's malloc for a long-running process when the engine opens
  // (commands/malloc_policy.h): a process-wide setting, once per process;
  // false for a host with its own allocator or policy. The arena limit only
  // holds when set before the process's threads allocate: call
  // orgledger::ApplyMallocPolicy() at the top of main. Default: true.
  bool tune_malloc = true;

  // Where the engine logs storage failures. Default: null = nowhere.
  std::shared_ptr<spdlog::logger> logger;
};

// The PostgreSQL store's options as Engine::Open uses them: options.postgres,
// its state directory defaulting to data_dir/state when data_dir is set.
eventstore::PostgresOptions PostgresOptionsOf(const EngineOptions& options);

// What the engine holds in memory, for hosts' metrics and the soak.
struct EngineStats {
  std::size_t state_cache_entries = 0;
  std::size_t state_cache_bytes = 0;  // approximate (ApproximateBytes)
};

// A command as a host issues it.
struct CommandRequest {
  domain::CommandEnvelope envelope;
  // SPEC §3.1: 1-128 printable ASCII chars, scoped to the organization.
  std::optional<std::string> idempotency_key;
  // Kept in every event's metadata; empty: the command's own id. Else
  // 1-128 printable ASCII chars and no card number (invalid_argument).
  std::string correlation_id;
};

struct EventRef {
  std::string type;
  eventstore::Position position = 0;
  friend bool operator==(const EventRef&, const EventRef&) = default;
};

// The outcome of a command. Intentionally copyable.
struct CommandOutcome {
  // Ok when accepted; else one of the codes of SPEC §3.3 with a message.
  Status error;
  // limit_exceeded only: every violated limit.
  std::vector<domain::Violation> violations;
  // Accepted: the position of the last new event, or the organization's
  // head for a command that changed nothing. A recorded acceptance failure
  // (SPEC §1.4): the position of its InviteAcceptFailed event. Else 0.
  eventstore::Position position = 0;
  // Accepted: the organization's stream version after the command.
  eventstore::Version version = 0;
  // Accepted: the new events (empty for a no-op).
  std::vector<EventRef> events;
  std::optional<std::string> invite_id;
  // A new link's token: returned once, never on a replay.
  std::optional<std::string> token;
  // True when this is the kept outcome of an earlier try with the same
  // idempotency key: nothing was appended now.
  bool replayed = false;

  bool ok() const { return error.ok(); }
};

class Engine {
 public:
  using Callback = std::function<void(CommandOutcome)>;

  // Opens (creating when missing) the database at options.data_dir.
  // kUnavailable when another process holds it or the disk fails;
  // kInvalidArgument for unusable options.
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);

  // Runs on `store` (for example the in-memory store, in tests).
  static Result<std::unique_ptr<Engine>> OpenWithStore(
      EngineOptions options, std::unique_ptr<eventstore::EventStore> store);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Waits for the commands in flight, then closes the store.
  virtual ~Engine() = default;

  // Runs `request` and calls `done` once with its outcome, on an engine
  // thread (`done` must not block). Outcomes are values, never exceptions.
  virtual void ExecuteAsync(CommandRequest request, Callback done) = 0;

  // Blocking form. When no command of the organization is queued, it runs
  // on the calling thread, which also waits for the append itself (two
  // thread hand-offs per command instead of four).
  // REQUIRES: not called from an engine callback.
  virtual CommandOutcome Execute(CommandRequest request);

  // Answers a view (SPEC §2) from the projections, after they reached
  // `min_position` when given (read-your-writes; the position an accepted
  // command returned). Errors: the view's (projections/views.h), or
  // not_caught_up when the projections did not reach `min_position`
  // within options().query_timeout.
  Result<projections::View> Query(
      const projections::ViewRequest& request,
      std::optional<eventstore::Position> min_position = std::nullopt);

  // The same answer, given to `done` without blocking the caller: at once
  // when the projections already reached `min_position` (or none is
  // given), else on the engine's one waiting thread when they reach it or
  // at options().query_timeout. Any number of waits share that thread.
  using ViewCallback = std::function<void(Result<projections::View>)>;
  virtual void QueryAsync(projections::ViewRequest request,
                          std::optional<eventstore::Position> min_position,
                          ViewCallback done) = 0;

  // Erases a person everywhere in the log (SPEC §10, commands/erasure.h):
  // when it returns, their email and name are in no file of the database
  // (nor any key that would open them), the projections show them as
  // erased, and PersonErased is in the stream `_erasures`. A person named
  // in plaintext records (written before sealing existed) is erased
  // everywhere else; the report lists those positions.
  virtual Result<EraseReport> Erase(const EraseRequest& request) = 0;

  // The log, for readers (projections, tools).
  virtual eventstore::EventStore& store() = 0;

  // The projections that views read; rebuild and verify go through them.
  virtual projections::ProjectionSet& projections() = 0;

  virtual const EngineOptions& options() const = 0;

  // The state cache's size; store().Stats() has RocksDB's memory.
  virtual EngineStats stats() const = 0;

 protected:
  Engine() = default;
};

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_ENGINE_H_
