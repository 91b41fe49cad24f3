// The event store of SPEC §4: an append-only log of records ordered by a
// gapless global position (1, 2, 3, ...) and, within a stream, by a stream
// version (1, 2, 3, ...). It knows streams, versions, positions, bytes and
// metadata; it knows nothing of the domain.
//
// An EventStore is safe for concurrent use from multiple threads without
// external synchronization.
#ifndef ORGLEDGER_EVENTSTORE_EVENT_STORE_H_
#define ORGLEDGER_EVENTSTORE_EVENT_STORE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "eventstore/position_notifier.h"
#include "eventstore/state_store.h"

namespace orgledger::eventstore {

// Stream version: the number of events in the stream; 0 = no stream.
using Version = std::uint64_t;
// SHA-256 of a record and its predecessor's hash (the hash chain).
using Hash = std::array<std::uint8_t, 32>;

// The largest stream id the store accepts, in bytes.
inline constexpr std::size_t kMaxStreamIdBytes = 1024;

struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kExact };

  static ExpectedVersion Any() { return {Kind::kAny, 0}; }
  static ExpectedVersion NoStream() { return {Kind::kNoStream, 0}; }
  // Exact(0) is the same as NoStream().
  static ExpectedVersion Exact(Version v) { return {Kind::kExact, v}; }

  Kind kind = Kind::kAny;
  Version version = 0;
};

// One event to append: opaque bytes with a type name and metadata.
struct EventData {
  std::string type;      // non-empty
  std::string metadata;  // opaque to the store
  std::string payload;   // opaque to the store
};

// An idempotency key carried by an append (SPEC §3.1). The store keeps, with
// the key (scoped to the stream), the fingerprint and the outcome, written in
// the same batch as the events.
struct IdempotencyInput {
  std::string key;          // 1..1024 bytes
  std::string fingerprint;  // computed by the caller from the request
  std::string outcome;      // opaque blob returned on a replay
};

// Appends that depend on each other, in the order they are handed to
// AsyncAppend: each was decided on the state the ones before it leave. Once
// one of them is answered with anything but a new append (an error, or a
// replay of its idempotency key), every later one fails with
// kConcurrencyConflict, unplanned: a later append can never land on a state
// an earlier one did not make, even when another writer's events happen to
// bring the stream to the version it expects. Only the store touches it.
struct AppendChain {
  std::atomic<bool> broken{false};
};

struct AppendRequest {
  std::string stream;  // 1..kMaxStreamIdBytes bytes, no NUL byte
  ExpectedVersion expected = ExpectedVersion::Any();
  // May be empty: then only the idempotency record (if any) is written, as
  // for a rejected command whose outcome must be kept.
  std::vector<EventData> events;
  std::optional<IdempotencyInput> idempotency;
  // Key rows (GetKeyRow) put in the same atomic write as the events, when
  // they are appended: the keys their fields are sealed with, which must
  // be durable exactly when the records are.
  std::vector<KeyValue> key_rows;
  // Null, or the chain this append continues (AppendChain).
  std::shared_ptr<AppendChain> chain;
};

// The head of one stream: its version and the position of its last event.
struct StreamHead {
  Version version = 0;
  Position position = 0;
  friend bool operator==(const StreamHead&, const StreamHead&) = default;
};

struct AppendResult {
  // Positions of the first and last appended events; 0 when none.
  Position first_position = 0;
  Position last_position = 0;
  // The stream after the append (or, on a replay, after the first append).
  StreamHead head;
  // True when the idempotency key was seen before with the same fingerprint:
  // nothing was appended and `outcome` is the stored blob.
  bool replayed = false;
  std::string outcome;
};

struct RecordedEvent {
  Position position = 0;
  std::string stream;
  Version version = 0;
  std::string type;
  std::string metadata;
  std::string payload;
  Hash hash{};  // the chain hash h(position)

  friend bool operator==(const RecordedEvent&, const RecordedEvent&) = default;
};

// What an idempotency key holds (SPEC §3.1).
struct KeptAppend {
  std::string fingerprint;
  // As the first append returned it, with replayed = true and its outcome.
  AppendResult result;
};

// A stream's snapshot: opaque bytes of its state at `version`.
struct StoredSnapshot {
  Version version = 0;
  std::string bytes;
};

// The last record of the log: what an auditor keeps as an anchor.
struct LogHead {
  Position position = 0;
  Hash hash{};  // all zero for an empty log
};

struct VerifyReport {
  bool ok = true;
  // The first position that fails a check (0 when ok).
  Position first_bad = 0;
  // What failed there, for a person.
  std::string problem;
  // How many records were checked.
  std::uint64_t records = 0;
  // The last position checked successfully.
  Position verified_through = 0;
};

enum class Durability {
  // Acknowledge an append only after fsync; concurrent appends share one
  // fsync (group commit).
  kSync,
  // Acknowledge after the write-ahead log write; fsync at least every
  // `buffered_sync_interval`. Loses at most that window on power loss.
  kBuffered,
};

struct StoreOptions {
  // Default: kSync. Change only when losing the last interval of appends on
  // power loss is acceptable.
  Durability durability = Durability::kSync;

  // kBuffered only: the longest time an acknowledged append stays unsynced.
  // Default: 100 ms.
  std::chrono::milliseconds buffered_sync_interval{100};

  // The most appends the writer puts into one group commit (one write and
  // one flush). Default: 1024.
  std::size_t max_group_appends = 1024;
};

// One figure a backend reports of itself (its memory, its server's
// settings), by a stable snake_case name prefixed with the backend's.
struct StoreGauge {
  std::string name;
  double value = 0;
  friend bool operator==(const StoreGauge&, const StoreGauge&) = default;
};

// Counters, for tests, benchmarks and metrics.
struct StoreStats {
  std::uint64_t appends = 0;       // requests completed with success
  std::uint64_t write_groups = 0;  // group commits written
  std::uint64_t syncs = 0;         // flushes to disk requested by the store
  // What only this backend knows (each backend's header names its own).
  std::vector<StoreGauge> gauges;

  // The gauge called `name`, or 0 when the backend has none.
  double Gauge(std::string_view name) const {
    for (const StoreGauge& g : gauges) {
      if (g.name == name) return g.value;
    }
    return 0;
  }
};

// A running subscription; destroying it stops delivery (and waits for the
// handler to return).
class Subscription {
 public:
  virtual ~Subscription() = default;
  // The position of the last event handed to the handler.
  virtual Position delivered() const = 0;
};

class EventStore {
 public:
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  using EventHandler = std::function<void(const RecordedEvent&)>;
  // Takes a batch of consecutive events and returns true, or returns false
  // to get the same batch again after a pause (it could not take it yet,
  // for example on a storage failure). `stopping` turns true when the
  // subscription is being destroyed: a handler that waits should give up.
  using BatchHandler =
      std::function<bool(const std::vector<RecordedEvent>& batch,
                         const std::atomic<bool>& stopping)>;

  EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;
  virtual ~EventStore() = default;

  // Appends all of `request.events` or none, atomically, and calls `done`
  // once: on success after the append is durable as StoreOptions::durability
  // says. `done` runs on a store thread and must not block.
  // Failures: kInvalidArgument (a bad stream id, event type or key),
  // kConcurrencyConflict (expected version does not hold),
  // kIdempotencyConflict (the key was used with another fingerprint),
  // kUnavailable (storage failure: nothing was acknowledged; the store
  // recovers by itself when the failure clears).
  virtual void AsyncAppend(AppendRequest request, AppendCallback done) = 0;

  // Blocking form of AsyncAppend. A store may write the append on the
  // calling thread when nothing else is being written (no hand-over to its
  // writer thread and back); the result is the same.
  virtual Result<AppendResult> Append(AppendRequest request);

  // What `key` holds in `stream`, or nullopt when the key is unused. Lets a
  // caller answer a retry before deciding anything again. An append with
  // the key still checks atomically (AppendResult::replayed).
  virtual Result<std::optional<KeptAppend>> FindIdempotencyKey(
      std::string_view stream, std::string_view key) = 0;

  // Keeps `bytes` as the snapshot of `stream` at `version`, replacing the
  // previous one. Snapshots are a cache: written without fsync, they may be
  // lost on power loss (never ahead of the log they summarize, which shares
  // their write-ahead log). kUnavailable on a storage failure or a
  // read-only instance.
  virtual Status PutSnapshot(std::string_view stream, Version version,
                             std::string_view bytes) = 0;

  // The latest snapshot of `stream`, or nullopt.
  virtual Result<std::optional<StoredSnapshot>> GetSnapshot(
      std::string_view stream) = 0;

  // Events of `stream` with version >= `from`, at most `max`.
  virtual Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                        Version from,
                                                        std::size_t max) = 0;

  // Events with position >= `from` up to the committed position, at most
  // `max`, in position order. kCorruption if a record fails its CRC.
  virtual Result<std::vector<RecordedEvent>> ReadAll(Position from,
                                                     std::size_t max) = 0;

  // The head of `stream`; version 0 when it does not exist.
  virtual Result<StreamHead> GetStreamHead(std::string_view stream) = 0;

  // The position up to which appends are acknowledged and readable.
  // Virtual only for wrappers: a backend publishes it (PublishCommitted).
  virtual Position CommittedPosition() const { return committed_.Get(); }

  // Waits until CommittedPosition() >= `position` or `timeout` passes.
  // Returns whether the position was reached.
  virtual bool WaitForPosition(Position position,
                               std::chrono::milliseconds timeout) {
    return committed_.WaitFor(position, timeout);
  }

  // The last record's position and hash.
  virtual Result<LogHead> Head() = 0;

  // Checks positions [from, to] (to = 0: up to the end): contiguous
  // positions, CRC32C, the hash chain, stream versions, and that the log
  // still reaches its recorded head. Only storage failures are errors; a
  // failed check is reported in VerifyReport.
  // Verifying from `from` > 1 trusts the hash stored in record from - 1.
  virtual Result<VerifyReport> Verify(Position from, Position to) = 0;

  // Whether other processes append to this store too (PostgreSQL): a state
  // folded from it earlier may then be behind without this process having
  // appended anything. Default: false (one writing process).
  virtual bool shared() const { return false; }

  // Keeps `value` under `name` in the database when it holds none yet, and
  // returns what it holds: how engines sharing a store agree on a setting
  // (the edition catalog). Default (a store one process owns): `value`,
  // nothing kept.
  virtual Result<std::string> AdoptSetting(std::string_view name,
                                           std::string_view value) {
    (void)name;
    return std::string(value);
  }

  // A named lease among the processes sharing the store, with the
  // checkpoint of the work it guards (the outbox's deliveries: one replica
  // at a time, docs/postgres.md). TakeLease takes `name` for `holder` for
  // `ttl`, or renews it when `holder` has it, and returns the lease's
  // checkpoint; nullopt while another holder's lease has not expired.
  // MoveLease raises the checkpoint to `checkpoint` (never lowers it) and
  // returns false when `holder` no longer has the lease. Time is the
  // database's, so processes' clocks need not agree. Defaults (a store one
  // process owns): unsupported; callers check shared() first.
  virtual Result<std::optional<Position>> TakeLease(
      std::string_view name, std::string_view holder,
      std::chrono::milliseconds ttl) {
    (void)name, (void)holder, (void)ttl;
    return Unavailable("this store has no leases");
  }
  virtual Result<bool> MoveLease(std::string_view name, std::string_view holder,
                                 Position checkpoint) {
    (void)name, (void)holder, (void)checkpoint;
    return Unavailable("this store has no leases");
  }

  // Moving a log between backends (`orgledger migrate`).
  //
  // Calls `fn` with every kept idempotency outcome (its key as
  // planner.h's OutcomeKey, its stored value), in key order, until `fn`
  // fails. Default: kUnavailable.
  using OutcomeFn =
      std::function<Status(std::string_view key, std::string_view value)>;
  virtual Status ForEachOutcome(const OutcomeFn& fn) {
    (void)fn;
    return Unavailable("this store cannot list its idempotency keys");
  }
  // Writes `records` (read from another store: their positions continue
  // this log's head, their hashes its chain) and `outcomes`, atomically,
  // byte for byte as they were. kInvalidArgument when the records do not
  // continue the log. Default: kUnavailable.
  virtual Status Import(const std::vector<RecordedEvent>& records,
                        const std::vector<KeyValue>& outcomes) {
    (void)records;
    (void)outcomes;
    return Unavailable("this store cannot import a log");
  }

  // Ok while the store may be used. Once it must not be (a PostgreSQL
  // database that no longer holds the log this process has seen: a
  // failover lost commits), the reason, naming both heads: every append,
  // read and view then fails with it until the process is restarted.
  virtual Status Halted() const { return Status::Ok(); }

  // For a read-only instance: catch up with the writer. Default: no-op.
  virtual Status Refresh() { return Status::Ok(); }

  // Writes a consistent copy of the whole database (log, indexes, state)
  // into `dir`, which must not exist, while appends go on (hard links
  // where the backend can). kInvalidArgument when `dir` exists;
  // kUnavailable on a storage failure or a store without files.
  virtual Status Checkpoint(const std::string& dir) {
    return Unavailable("this store cannot be copied to " + dir);
  }

  virtual StoreStats Stats() const = 0;

  // Key rows: a small ordered table of bytes beside the log, one for every
  // process on the store, that holds the per-person keys of SPEC §10
  // (privacy/person_keys.h) and nothing a person can be recognised by.
  //
  // GetKeyRow reads one row; ScanKeyRows every row starting with `prefix`,
  // in key order. WriteKeyRows applies the puts and deletes of `batch`
  // (no range deletes) atomically; with `sync` it is durable on return,
  // otherwise it is durable before any record appended after it. kUnavailable
  // on a storage failure or a read-only instance.
  virtual Result<std::optional<std::string>> GetKeyRow(
      std::string_view key) = 0;
  virtual Result<std::vector<KeyValue>> ScanKeyRows(
      std::string_view prefix) = 0;
  virtual Status WriteKeyRows(const StateBatch& batch, bool sync) = 0;

  // Makes what was deleted or overwritten before this call unrecoverable
  // from the database's files (its write-ahead log, its table files; on
  // PostgreSQL its dead rows): key rows, snapshots, idempotency outcomes and
  // the state beside the log. Slow (it rewrites files); for erasure.
  virtual Status PurgeDeleted() = 0;

  // The key-value state kept beside the log in the same database
  // (projections). Lives as long as the store.
  virtual StateStore& state() = 0;

  // Delivers every event from `from` on, in order, with no gap and no
  // duplicate: first the existing ones (catch-up), then live appends. The
  // handler runs on the subscription's own thread.
  std::unique_ptr<Subscription> Subscribe(Position from, EventHandler handler);

  // The same delivery in batches, as read (up to 512 events each).
  std::unique_ptr<Subscription> SubscribeBatches(Position from,
                                                 BatchHandler handler);

  // An object of a layer above kept with the store and destroyed with it
  // (privacy's key cache, one for every reader of the store in a process):
  // the one attached under `name`, made by `make` on first use.
  // Thread-safe.
  template <class T, class Make>
  T& Attached(const std::string& name, Make make) {
    std::lock_guard<std::mutex> lock(attached_mu_);
    std::shared_ptr<void>& slot = attached_[name];
    if (slot == nullptr) slot = std::shared_ptr<T>(make());
    return *static_cast<T*>(slot.get());
  }

 protected:
  // Makes appends through `position` readable and wakes their waiters; a
  // position below an earlier call's changes nothing.
  void PublishCommitted(Position position) { committed_.Publish(position); }

 private:
  PositionNotifier committed_;
  std::mutex attached_mu_;
  std::map<std::string, std::shared_ptr<void>> attached_;
};

// The in-memory store: the same semantics, nothing durable. For tests.
// Durable backends have a header of their own (docs/backends.md).
std::unique_ptr<EventStore> NewMemoryEventStore(const StoreOptions& options);

// Hex of `bytes`, lower case.
std::string BytesToHex(std::string_view bytes);
// Hex of a hash, lower case.
std::string HashToHex(const Hash& hash);
// Parses 64 hex digits; nullopt otherwise.
std::optional<Hash> HashFromHex(std::string_view hex);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_EVENT_STORE_H_
