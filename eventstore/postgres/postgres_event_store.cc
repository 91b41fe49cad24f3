// The PostgreSQL EventStore. One writer thread per store drains the append
// queue: each group is one transaction that first locks the log's head row
// (orgledger_head), so that appends of every process take positions one
// transaction at a time and commit in position order; it plans the group
// with the shared GroupPlanner (positions, chain, expected versions,
// idempotency) from heads and outcomes read under that lock, writes it in
// one pipeline and commits (group commit: one transaction, one flush).
// A follower thread LISTENs for other processes' commits and publishes the
// committed position. Reads take a connection from a small pool.
#include "eventstore/postgres/postgres_event_store.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "eventstore/planner.h"
#include "eventstore/postgres/key_rows.h"
#include "eventstore/postgres/pg.h"
#include "eventstore/postgres/recent_records.h"
#include "eventstore/postgres/schema.h"
#include "eventstore/record.h"
#include "eventstore/rocksdb_event_store.h"
#include "eventstore/verifier.h"

namespace orgledger::eventstore {
namespace {

using pg::Param;
using pg::Statement;

constexpr std::chrono::milliseconds kFollowInterval{100};
constexpr std::chrono::milliseconds kReconnectInterval{100};
constexpr std::size_t kVerifyBatch = 10000;
constexpr char kChannel[] = "orgledger_log";
// The file in a state directory naming the database it follows.
constexpr char kStoreIdFile[] = "ORGLEDGER_STORE_ID";
// The file in a state directory with the furthest position (and its hash)
// the process saw, so that a restarted replica still knows it: "P HASH".
constexpr char kSeenFile[] = "ORGLEDGER_SEEN";
// How often the follower rewrites it (while it changes).
constexpr std::chrono::seconds kSeenFileInterval{1};
// How many of the last records the store keeps for its own readers.
constexpr std::size_t kRecentRecords = 16384;
// orgledger_guard's SQLSTATE (schema.cc).
constexpr char kGuardMissed[] = "OLG01";

// Binary array parameters of each item's bytes or integer.
template <typename Range, typename Fn>
Param BytesArray(const Range& items, Fn&& bytes_of) {
  std::vector<std::string_view> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(bytes_of(item));
  return Param::ByteaArray(out);
}

template <typename Range, typename Fn>
Param IntArray(const Range& items, Fn&& int_of) {
  std::vector<std::int64_t> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    out.push_back(static_cast<std::int64_t>(int_of(item)));
  }
  return Param::BigintArray(out);
}

Hash HashOf(std::string_view bytes) {
  Hash h{};
  if (bytes.size() == h.size())
    std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// The log's head from `SELECT position, hash FROM orgledger_head` (binary).
Result<LogHead> HeadOf(const pg::Rows& rows) {
  if (rows.size() != 1) return Corruption("the log's head row is missing");
  return LogHead{static_cast<Position>(rows.Int(0, 0)), HashOf(rows.Get(0, 1))};
}

std::string HashBytes(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

// At most `size` connections for reads, opened as needed; a reader waits
// for a free one rather than opening more (a connection costs the server a
// process). A broken one is dropped, not returned.
class Pool {
 public:
  using Connect = std::function<Result<std::unique_ptr<pg::Connection>>()>;
  Pool(Connect connect, int size)
      : connect_(std::move(connect)), size_(std::max(1, size)) {}

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<pg::Connection> c)
        : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (c_ != nullptr) pool_->Return(std::move(c_));
    }
    pg::Connection* operator->() { return c_.get(); }
    pg::Connection& operator*() { return *c_; }

   private:
    Pool* pool_;
    std::unique_ptr<pg::Connection> c_;
  };

  Result<Lease> Take() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
      if (!idle_.empty()) {
        std::unique_ptr<pg::Connection> c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(c));
      }
      ++open_;
    }
    Result<std::unique_ptr<pg::Connection>> c = connect_();
    if (!c.ok()) {
      Closed();
      return c.status();
    }
    return Lease(this, std::move(*c));
  }

 private:
  void Return(std::unique_ptr<pg::Connection> c) {
    if (!c->ok()) {
      c.reset();
      return Closed();
    }
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(c));
    cv_.notify_one();
  }
  void Closed() {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }

  const Connect connect_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int open_ = 0;  // idle or lent
  std::vector<std::unique_ptr<pg::Connection>> idle_;
};

// What the planner reads, prefetched under the head lock for one group.
class Prefetched final : public CommittedState {
 public:
  std::map<std::string, StreamHead, std::less<>> heads;
  std::map<std::string, std::string, std::less<>> outcomes;

  Result<StreamHead> LoadHead(std::string_view stream) override {
    auto it = heads.find(stream);
    return it == heads.end() ? StreamHead{} : it->second;
  }
  Result<std::optional<std::string>> LoadOutcome(
      std::string_view key) override {
    auto it = outcomes.find(key);
    if (it == outcomes.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
};

class PostgresEventStore final : public EventStore {
 public:
  PostgresEventStore(const StoreOptions& options,
                     const PostgresOptions& postgres)
      : options_(options),
        postgres_(postgres),
        connect_{postgres.url, postgres.timeout},
        pool_([this] { return Connect(); }, postgres.read_connections) {}

  ~PostgresEventStore() override {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (follower_.joinable()) follower_.join();
    WriteSeenFile();
  }

  Status Start() {
    if (postgres_.state_dir.empty()) {
      state_ = NewMemoryStateStore();
    } else {
      Result<std::unique_ptr<StateStore>> local =
          OpenRocksDbStateStore(postgres_.state_dir);
      if (!local.ok()) return local.status();
      state_ = std::move(*local);
    }
    Result<std::unique_ptr<pg::Connection>> c = pg::Connection::Open(connect_);
    if (!c.ok()) return c.status();
    if (Status s = pg::EnsureSchema(**c); !s.ok()) return s;
    if (Status s = CheckStateFollowsThisStore(**c); !s.ok()) return s;
    ReadSeenFile();
    if (Status s = CheckExtends(**c); !s.ok()) return s;
    if (Status s = ReadSettings(**c); !s.ok()) return s;
    Result<LogHead> head = ReadHead(**c);
    if (!head.ok()) return head.status();
    PublishCommitted(head->position);
    writer_conn_ = std::move(*c);
    writer_ = std::thread([this] { WriterLoop(); });
    if (!postgres_.TEST_no_follower) {
      follower_ = std::thread([this] { FollowerLoop(); });
    }
    return Status::Ok();
  }

  void AsyncAppend(AppendRequest request, AppendCallback done) override {
    done = BreakingChain(request, std::move(done));
    if (Status halted = Halted(); !halted.ok()) return done(halted);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (!stopping_) {
        queue_.push_back({std::move(request), std::move(done)});
        queue_cv_.notify_one();
        return;
      }
    }
    done(Unavailable("the store is closing"));
  }

  Result<std::optional<KeptAppend>> FindIdempotencyKey(
      std::string_view stream, std::string_view key) override {
    Result<pg::Rows> r = Read(Statement::Prepared(
        "SELECT value FROM orgledger_outcomes WHERE key = $1",
        {Param::Bytes(OutcomeKey(stream, key))}, true));
    if (!r.ok()) return r.status();
    if (r->size() == 0) return std::optional<KeptAppend>();
    Result<KeptAppend> kept = DecodeKeptAppend(r->Get(0, 0));
    if (!kept.ok()) return kept.status();
    return std::optional<KeptAppend>(std::move(*kept));
  }

  Status PutSnapshot(std::string_view stream, Version version,
                     std::string_view bytes) override {
    // Asynchronous commit: snapshots are a cache (a lost one is rebuilt).
    Result<pg::Rows> r = Read(
        {"WITH s AS (SELECT set_config('synchronous_commit', 'off', true)) "
         "INSERT INTO orgledger_snapshots (stream, version, bytes) "
         "SELECT $1, $2, $3 FROM s ON CONFLICT (stream) DO UPDATE "
         "SET version = EXCLUDED.version, bytes = EXCLUDED.bytes",
         {Param::Bytes(std::string(stream)),
          Param::Int(static_cast<std::int64_t>(version)),
          Param::Bytes(std::string(bytes))}});
    return r.ok() ? Status::Ok() : r.status();
  }

  Result<std::optional<StoredSnapshot>> GetSnapshot(
      std::string_view stream) override {
    Result<pg::Rows> r = Read(Statement::Prepared(
        "SELECT version, bytes FROM orgledger_snapshots WHERE stream = $1",
        {Param::Bytes(std::string(stream))}, true));
    if (!r.ok()) return r.status();
    if (r->size() == 0) return std::optional<StoredSnapshot>();
    return std::optional<StoredSnapshot>(StoredSnapshot{
        static_cast<Version>(r->Int(0, 0)), std::string(r->Get(0, 1))});
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                Version from,
                                                std::size_t max) override {
    Result<pg::Rows> r = Read(Statement::Prepared(
        "SELECT record FROM orgledger_log WHERE stream = $1 AND version >= $2 "
        "ORDER BY version LIMIT $3",
        {Param::Bytes(std::string(stream)),
         Param::Int(static_cast<std::int64_t>(from)), Limit(max)},
        true));
    if (!r.ok()) return r.status();
    return Decode(*r);
  }

  Result<std::vector<RecordedEvent>> ReadAll(Position from,
                                             std::size_t max) override {
    if (Status halted = Halted(); !halted.ok()) return halted;
    const Position until = CommittedPosition();
    if (from > until || max == 0) return std::vector<RecordedEvent>();
    std::vector<RecordedEvent> held = recent_.From(from, until, max);
    if (!held.empty()) return held;
    Result<pg::Rows> r = Read(Statement::Prepared(
        "SELECT record FROM orgledger_log WHERE position >= $1 AND "
        "position <= $2 ORDER BY position LIMIT $3",
        {Param::Int(static_cast<std::int64_t>(from)),
         Param::Int(static_cast<std::int64_t>(until)), Limit(max)},
        true));
    if (!r.ok()) return r.status();
    Result<std::vector<RecordedEvent>> read = Decode(*r);
    if (read.ok() && !read->empty()) {
      recent_.Add(*read);  // for this process's other readers
      Saw(LogHead{read->back().position, read->back().hash});
    }
    return read;
  }

  Result<StreamHead> GetStreamHead(std::string_view stream) override {
    Result<pg::Rows> r = Read(Statement::Prepared(
        "SELECT version, position FROM orgledger_log WHERE stream = $1 "
        "ORDER BY version DESC LIMIT 1",
        {Param::Bytes(std::string(stream))}));
    if (!r.ok()) return r.status();
    if (r->size() == 0) return StreamHead{};
    return StreamHead{static_cast<Version>(r->Int(0, 0)),
                      static_cast<Position>(r->Int(0, 1))};
  }

  Result<LogHead> Head() override {
    if (Status halted = Halted(); !halted.ok()) return halted;
    Result<Pool::Lease> c = pool_.Take();
    if (!c.ok()) return c.status();
    Result<LogHead> head = ReadHead(**c);
    if (head.ok()) Saw(*head);
    return head;
  }

  Status Halted() const override {
    std::lock_guard<std::mutex> lock(seen_mu_);
    return forked_;
  }

  Result<VerifyReport> Verify(Position from, Position to) override;

  bool shared() const override { return true; }

  Status ForEachOutcome(const OutcomeFn& fn) override {
    std::string after;
    for (;;) {
      Result<pg::Rows> r =
          Read({"SELECT key, value FROM orgledger_outcomes WHERE key > $1 "
                "ORDER BY key LIMIT 1000",
                {Param::Bytes(after)},
                true});
      if (!r.ok()) return r.status();
      for (int i = 0; i < r->size(); ++i) {
        if (Status s = fn(r->Get(i, 0), r->Get(i, 1)); !s.ok()) return s;
      }
      if (r->size() < 1000) return Status::Ok();
      after = std::string(r->Get(r->size() - 1, 0));
    }
  }

  Status Import(const std::vector<RecordedEvent>& records,
                const std::vector<KeyValue>& outcomes) override;

  Result<std::string> AdoptSetting(std::string_view name,
                                   std::string_view value) override {
    // Two tries: a first open racing another sees its row only once that
    // one committed (the statement's snapshot predates it).
    for (int attempt = 0; attempt < 2; ++attempt) {
      Result<pg::Rows> r =
          Read({"WITH put AS (INSERT INTO orgledger_meta VALUES ($1, $2) "
                "ON CONFLICT (key) DO NOTHING RETURNING value) "
                "SELECT value FROM put UNION ALL "
                "SELECT value FROM orgledger_meta WHERE key = $1",
                {Param::Text("setting:" + std::string(name)),
                 Param::Bytes(std::string(value))},
                true});
      if (!r.ok()) return r.status();
      if (r->size() > 0) return std::string(r->Get(0, 0));
    }
    return Unavailable("the store's setting " + std::string(name) +
                       " could not be read");
  }

  Result<std::optional<Position>> TakeLease(
      std::string_view name, std::string_view holder,
      std::chrono::milliseconds ttl) override {
    // Taken when free, expired, or already this holder's; the checkpoint
    // stays with the lease.
    Result<pg::Rows> r = Read(Statement::Prepared(
        "INSERT INTO orgledger_leases AS l VALUES "
        "($1::text, $2::text, now() + $3::bigint * interval '1 millisecond', "
        "0) ON CONFLICT (name) DO UPDATE "
        "SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
        "WHERE l.holder = EXCLUDED.holder OR l.expires_at < now() "
        "RETURNING checkpoint",
        {Param::Text(std::string(name)), Param::Text(std::string(holder)),
         Param::Int(ttl.count())}));
    if (!r.ok()) return r.status();
    if (r->size() == 0) return std::optional<Position>();
    return std::optional<Position>(static_cast<Position>(r->Int(0, 0)));
  }

  Result<bool> MoveLease(std::string_view name, std::string_view holder,
                         Position checkpoint) override {
    Result<pg::Rows> r = Read(Statement::Prepared(
        "UPDATE orgledger_leases SET checkpoint = greatest(checkpoint, "
        "$3::bigint) WHERE name = $1::text AND holder = $2::text AND "
        "expires_at >= now() RETURNING 1",
        {Param::Text(std::string(name)), Param::Text(std::string(holder)),
         Param::Int(static_cast<std::int64_t>(checkpoint))}));
    if (!r.ok()) return r.status();
    return r->size() == 1;
  }

  StoreStats Stats() const override {
    std::lock_guard<std::mutex> lock(stats_mu_);
    StoreStats s = stats_;
    s.gauges.push_back({kPostgresFsync, fsync_ ? 1.0 : 0.0});
    s.gauges.push_back(
        {kPostgresSynchronousCommit, synchronous_commit_ ? 1.0 : 0.0});
    s.gauges.push_back(
        {kPostgresOneTripGroups, static_cast<double>(one_trip_groups_)});
    s.gauges.push_back(
        {kPostgresGuardMisses, static_cast<double>(guard_misses_)});
    return s;
  }

  // Each process keeps the projections of the shared log itself: in a
  // local RocksDB (state_dir) or in memory (docs/postgres.md).
  StateStore& state() override { return *state_; }

  Result<std::optional<std::string>> GetKeyRow(std::string_view key) override {
    Result<Pool::Lease> c = TakeUnhalted();
    if (!c.ok()) return c.status();
    return pg::GetKeyRow(**c, key);
  }
  Result<std::vector<KeyValue>> ScanKeyRows(std::string_view prefix) override {
    Result<Pool::Lease> c = TakeUnhalted();
    if (!c.ok()) return c.status();
    return pg::ScanKeyRows(**c, prefix);
  }
  Status WriteKeyRows(const StateBatch& batch, bool /*sync*/) override {
    Result<Pool::Lease> c = TakeUnhalted();
    if (!c.ok()) return c.status();
    return pg::WriteKeyRows(**c, batch);
  }
  // The shared tables, then this replica's own state.
  Status PurgeDeleted() override {
    {
      Result<Pool::Lease> c = TakeUnhalted();
      if (!c.ok()) return c.status();
      if (Status s = pg::VacuumErased(**c); !s.ok()) return s;
    }
    return state_->PurgeDeleted();
  }

 private:
  using Pending = PendingAppend;

  static Param Limit(std::size_t max) {
    return Param::Int(static_cast<std::int64_t>(
        std::min<std::size_t>(max, std::size_t{1} << 62)));
  }

  Result<pg::Rows> Read(const Statement& s) {
    Result<Pool::Lease> c = TakeUnhalted();
    if (!c.ok()) return c.status();
    return (*c)->Exec(s);
  }

  Result<Pool::Lease> TakeUnhalted() {
    if (Status halted = Halted(); !halted.ok()) return halted;
    return pool_.Take();
  }

  static Result<std::vector<RecordedEvent>> Decode(const pg::Rows& rows) {
    std::vector<RecordedEvent> out;
    out.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) {
      Result<RecordedEvent> e = DecodeRecord(rows.Get(i, 0));
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    return out;
  }

  static Result<LogHead> ReadHead(pg::Connection& c) {
    Result<pg::Rows> r = c.Exec(
        {"SELECT position, hash FROM orgledger_head WHERE id = 1", {}, true});
    if (!r.ok()) return r.status();
    return HeadOf(*r);
  }

  // The local state (projections, outbox) is of one database's log: a
  // state directory built from another one, or from before it was marked,
  // is refused rather than followed from a position that means something
  // else here. The database's id is made with its schema; the directory
  // keeps it in a file of its own (not in the state, which is the
  // callers'). In memory there is nothing to check.
  Status CheckStateFollowsThisStore(pg::Connection& c) {
    if (postgres_.state_dir.empty()) return Status::Ok();
    Result<pg::Rows> id =
        c.Exec({"SELECT convert_from(value, 'UTF8') FROM orgledger_meta "
                "WHERE key = 'store_id'"});
    if (!id.ok()) return id.status();
    if (id->size() != 1) return Corruption("the database has no store_id");
    const std::string mine(id->Get(0, 0));
    const std::filesystem::path file =
        std::filesystem::path(postgres_.state_dir) / kStoreIdFile;
    std::ifstream in(file);
    std::string kept;
    if (in && std::getline(in, kept)) {
      if (kept == mine) return Status::Ok();
      return InvalidArgument(
          "the state directory " + postgres_.state_dir +
          " holds the projections of another PostgreSQL database (store id " +
          kept + "; " + c.Describe() + " is " + mine +
          "): give this database its own state directory, or remove that "
          "one to rebuild it from the log");
    }
    Result<std::vector<KeyValue>> any = state_->Scan("", "", 1, false);
    if (!any.ok()) return any.status();
    if (!any->empty()) {
      return InvalidArgument(
          "the state directory " + postgres_.state_dir +
          " holds projections but does not say which database they are of: "
          "remove it to rebuild it from " +
          c.Describe() + "'s log");
    }
    const std::filesystem::path partial = file.string() + ".partial";
    {
      std::ofstream out(partial, std::ios::trunc);
      out << mine << "\n";
      if (!out.flush()) {
        return Unavailable("cannot write " + partial.string());
      }
    }
    std::error_code ec;
    std::filesystem::rename(partial, file, ec);
    if (ec) return Unavailable("cannot write " + file.string());
    return Status::Ok();
  }

  Status ReadSettings(pg::Connection& c) {
    Result<std::string> fsync = c.Setting("fsync");
    if (!fsync.ok()) return fsync.status();
    Result<std::string> sync = c.Setting("synchronous_commit");
    if (!sync.ok()) return sync.status();
    fsync_ = *fsync == "on";
    synchronous_commit_ = *sync != "off";
    if (options_.durability == Durability::kSync) {
      if (!fsync_) {
        return Unavailable("the PostgreSQL server " + c.Describe() +
                           " runs with fsync = off: a commit would not be on "
                           "disk; turn fsync on, or open with buffered "
                           "durability");
      }
      if (!synchronous_commit_) {
        return Unavailable("the PostgreSQL server " + c.Describe() +
                           " runs with synchronous_commit = off: a commit "
                           "would be acknowledged before it is flushed; set "
                           "it to on, or open with buffered durability");
      }
    }
    return Status::Ok();
  }

  // Notes that the log reaches `head` (kept when it is further than
  // what was seen before).
  void Saw(const LogHead& head) {
    std::lock_guard<std::mutex> lock(seen_mu_);
    if (!seen_.has_value() || head.position > seen_->position) seen_ = head;
  }
  // The seen head a state directory kept (none in memory, or when the
  // file is missing or unreadable: then nothing is checked at open).
  void ReadSeenFile() {
    if (postgres_.state_dir.empty()) return;
    std::ifstream in(std::filesystem::path(postgres_.state_dir) / kSeenFile);
    unsigned long long position = 0;
    std::string hex;
    if (!(in >> position >> hex)) return;
    std::optional<Hash> hash = HashFromHex(hex);
    if (hash.has_value()) Saw(LogHead{position, *hash});
  }
  // Rewrites the file when the seen head moved since the last write
  // (replaced by a rename: a crash leaves the old one or the new one).
  void WriteSeenFile() {
    if (postgres_.state_dir.empty()) return;
    std::optional<LogHead> seen;
    {
      std::lock_guard<std::mutex> lock(seen_mu_);
      if (!forked_.ok()) return;
      seen = seen_;
    }
    if (!seen.has_value() || seen->position == seen_written_) return;
    const std::filesystem::path file =
        std::filesystem::path(postgres_.state_dir) / kSeenFile;
    const std::filesystem::path partial = file.string() + ".partial";
    {
      std::ofstream out(partial, std::ios::trunc);
      out << seen->position << " " << HashToHex(seen->hash) << "\n";
      if (!out.flush()) return;
    }
    std::error_code ec;
    std::filesystem::rename(partial, file, ec);
    if (!ec) seen_written_ = seen->position;
  }

  // A new connection, once it is known to hold the log this process has
  // seen (CheckExtends); the store's halt reason when it does not.
  Result<std::unique_ptr<pg::Connection>> Connect();
  // Whether the database `c` reaches still has the record seen_ names,
  // with its hash. On a fork, halts the store and returns why.
  Status CheckExtends(pg::Connection& c);

  void WriterLoop();
  // Answers `group` with `why`, and the appends queued behind it too when
  // the connection is lost (they were not sent).
  void FailGroup(std::vector<Pending>& group, const Status& why);
  void WriteGroup(std::vector<Pending>& group);
  // The group's transaction; fills `results`. On a failure the returned
  // status is every append's answer.
  Status Commit(std::vector<Pending>& group,
                std::vector<Result<AppendResult>>& results,
                Position* last_position);
  // One round trip: the group planned on the head this writer committed
  // last, and on the versions its appends expect, guarded by
  // orgledger_guard. nullopt when it does not apply or the guard found the
  // state moved (nothing written): then CommitLocked plans it.
  std::optional<Status> CommitRemembered(
      std::vector<Pending>& group, std::vector<Result<AppendResult>>& results,
      Position* last_position);
  // Two round trips: lock the head and read what the group touches, then
  // write and commit.
  Status CommitLocked(std::vector<Pending>& group,
                      std::vector<Result<AppendResult>>& results,
                      Position* last_position);
  std::vector<Statement> Begin() const;
  // Appends `statements` and COMMIT (split around the test-only delay);
  // remembers w's head once committed. An unknown outcome is kUnavailable
  // on a broken connection.
  Status WriteAndCommit(pg::Connection& c, std::vector<Statement> statements,
                        const PlannedWrites& w);
  Status Rollback(pg::Connection& c, const Status& why);
  void FollowerLoop();
  Result<Position> VisiblePosition(pg::Connection& c);

  const StoreOptions options_;
  const PostgresOptions postgres_;
  const pg::ConnectOptions connect_;
  Pool pool_;
  bool fsync_ = false;
  bool synchronous_commit_ = false;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  std::unique_ptr<pg::Connection> writer_conn_;  // writer thread only
  // The head this writer last committed or read under the lock (writer
  // thread only); unset after any failure.
  std::optional<LogHead> remembered_;
  // Another writer committed between two of this writer's groups (the
  // guard missed, or the last locked read found the head past the one
  // remembered): while it goes on, the guard's trip would be lost, so
  // groups go straight to CommitLocked (writer thread only).
  bool contended_ = false;
  // The head this writer committed or read under the lock last (kept
  // through failures, unlike remembered_).
  std::optional<Position> last_own_;

  mutable std::mutex stats_mu_;
  StoreStats stats_;
  std::uint64_t one_trip_groups_ = 0;
  std::uint64_t guard_misses_ = 0;

  // The furthest point of the log this process has seen: committed by its
  // writer, read under the head lock or by the follower, returned to a
  // reader. After a failover the database must still hold it (SPEC §7
  // "Forks"); once it does not, forked_ says so and the store halts.
  mutable std::mutex seen_mu_;
  std::optional<LogHead> seen_;
  Status forked_;
  // The position in kSeenFile (follower thread, then the destructor).
  Position seen_written_ = 0;

  std::unique_ptr<StateStore> state_;
  RecentRecords recent_{kRecentRecords};
  std::thread writer_;
  std::thread follower_;
};

Result<std::unique_ptr<pg::Connection>> PostgresEventStore::Connect() {
  if (Status halted = Halted(); !halted.ok()) return halted;
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::Open(connect_);
  if (!c.ok()) return c;
  if (Status s = CheckExtends(**c); !s.ok()) return s;
  return c;
}

Status PostgresEventStore::CheckExtends(pg::Connection& c) {
  std::optional<LogHead> seen;
  {
    std::lock_guard<std::mutex> lock(seen_mu_);
    seen = seen_;
  }
  if (!seen.has_value() || seen->position == 0 ||
      postgres_.TEST_positions_from_sequence) {
    return Status::Ok();
  }
  Result<pg::Rows> r = c.Exec(
      {"SELECT h.position, h.hash, (SELECT record FROM orgledger_log WHERE "
       "position = $1) FROM orgledger_head h WHERE id = 1",
       {Param::Int(static_cast<std::int64_t>(seen->position))},
       true});
  if (!r.ok()) return r.status();
  Result<LogHead> head = HeadOf(*r);
  if (!head.ok()) return head.status();
  Hash there{};
  const bool holds = head->position >= seen->position && !r->IsNull(0, 2) &&
                     PeekRecordHash(r->Get(0, 2), &there) &&
                     there == seen->hash;
  if (holds) return Status::Ok();
  const std::string theirs =
      head->position < seen->position
          ? "its log ends at position " + std::to_string(head->position) +
                " (hash " + HashToHex(head->hash) + ")"
          : "its record at position " + std::to_string(seen->position) +
                " has the hash " + HashToHex(there);
  Status forked = Corruption(
      "the log forked: this replica has seen position " +
      std::to_string(seen->position) + " with the hash " +
      HashToHex(seen->hash) + ", but the database at " + c.Describe() +
      " does not hold it (" + theirs +
      "): commits were lost in a failover (an asynchronous standby promoted "
      "behind its primary?). This process stops serving; find the lost "
      "commits, then restart it (docs/operations.md, \"Forks\")");
  std::lock_guard<std::mutex> lock(seen_mu_);
  if (forked_.ok()) forked_ = forked;
  return forked_;
}

void PostgresEventStore::WriterLoop() {
  for (;;) {
    std::vector<Pending> group;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < options_.max_group_appends) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    WriteGroup(group);
  }
}

void PostgresEventStore::WriteGroup(std::vector<Pending>& group) {
  std::vector<Result<AppendResult>> results;
  Position last = 0;
  Status s = Commit(group, results, &last);
  if (!s.ok()) {
    FailGroup(group, s);
    return;
  }
  PublishCommitted(last);
  const std::uint64_t ok = AnswerGroup(group, results);
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.appends += ok;
}

void PostgresEventStore::FailGroup(std::vector<Pending>& group,
                                   const Status& why) {
  // When the database is out of reach (down, or silent behind a
  // partition), the appends queued behind the group would each wait as long
  // again for the same answer, so a command waits at most one timeout. They
  // are taken before the group is answered: what its callers append next
  // (a retry) is a new attempt.
  std::deque<Pending> queued;
  if (writer_conn_ == nullptr || !writer_conn_->ok()) {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queued.swap(queue_);
  }
  for (Pending& p : group) p.done(why);
  if (queued.empty()) return;
  const Status behind = why.code() == Code::kCorruption
                            ? why
                            : Unavailable(
                                  "append not sent, nothing acknowledged: the "
                                  "group before it failed: " +
                                  why.message());
  for (Pending& p : queued) p.done(behind);
}

// The statement that writes `w`: its records and outcomes (a stream head
// is the last row of its stream in the log), the log's head when
// `move_head` (not in the test-only sequence design), and the notification
// other processes' followers wait for.
Statement WriteStatement(const PlannedWrites& w, bool move_head) {
  return Statement::Prepared(
      "SELECT orgledger_write($1::bigint[], $2::bytea[], $3::bigint[], "
      "$4::bytea[], $5::bytea[], $6::bytea[], $7::bigint, $8::bytea, $9::text)",
      {IntArray(w.records, [](auto& r) { return r.position; }),
       BytesArray(w.records,
                  [](auto& r) -> std::string_view { return r.stream; }),
       IntArray(w.records, [](auto& r) { return r.version; }),
       BytesArray(w.records,
                  [](auto& r) -> std::string_view { return r.value; }),
       BytesArray(w.outcomes,
                  [](auto& o) -> std::string_view { return o.first; }),
       BytesArray(w.outcomes,
                  [](auto& o) -> std::string_view { return o.second; }),
       Param::Int(static_cast<std::int64_t>(w.last_position)),
       move_head ? Param::Bytes(HashBytes(w.last_hash)) : Param::Null(),
       Param::Text(kChannel)});
}

Status PostgresEventStore::Commit(std::vector<Pending>& group,
                                  std::vector<Result<AppendResult>>& results,
                                  Position* last_position) {
  if (writer_conn_ == nullptr || !writer_conn_->ok()) {
    writer_conn_.reset();
    remembered_.reset();
    Result<std::unique_ptr<pg::Connection>> c = Connect();
    if (!c.ok()) {
      if (c.status().code() == Code::kCorruption) return c.status();
      return Unavailable("append failed, nothing acknowledged: " +
                         c.status().message());
    }
    writer_conn_ = std::move(*c);
  }
  if (std::optional<Status> s =
          CommitRemembered(group, results, last_position)) {
    return *s;
  }
  results.clear();
  return CommitLocked(group, results, last_position);
}

std::vector<Statement> PostgresEventStore::Begin() const {
  std::vector<Statement> begin;
  begin.push_back({"BEGIN"});
  if (options_.durability == Durability::kBuffered) {
    begin.push_back({"SET LOCAL synchronous_commit TO off"});
  }
  return begin;
}

Status PostgresEventStore::Rollback(pg::Connection& c, const Status& why) {
  remembered_.reset();
  if (c.ok()) (void)c.Exec("ROLLBACK");
  return Unavailable("append failed, nothing acknowledged: " + why.message());
}

Status PostgresEventStore::WriteAndCommit(pg::Connection& c,
                                          std::vector<Statement> statements,
                                          const PlannedWrites& w) {
  // The keys the records are sealed with, in the same transaction.
  if (!w.key_rows.empty()) {
    statements.push_back(
        pg::PutKeyRows({w.key_rows.begin(), w.key_rows.end()}));
  }
  if (postgres_.TEST_commit_delay.count() > 0) {
    Result<std::vector<pg::Rows>> written = c.Pipeline(statements);
    if (!written.ok()) return Rollback(c, written.status());
    statements.clear();
    std::this_thread::sleep_for(postgres_.TEST_commit_delay);
  }
  statements.push_back({"COMMIT"});
  bool sent = false;
  Result<std::vector<pg::Rows>> written = c.Pipeline(statements, &sent);
  if (!written.ok()) {
    remembered_.reset();
    if (sent && !c.ok()) {
      // The commit went out and its answer did not come back.
      return Unavailable(
          "the connection to PostgreSQL was lost after the commit was sent: "
          "the append's outcome is unknown; retry with the same idempotency "
          "key to learn it (" +
          written.status().message() + ")");
    }
    return Rollback(c, written.status());
  }
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.write_groups += 1;
    if (options_.durability == Durability::kSync) stats_.syncs += 1;
  }
  remembered_ = LogHead{w.last_position, w.last_hash};
  last_own_ = w.last_position;
  Saw(*remembered_);
  // This process's followers read these from memory.
  std::vector<RecordedEvent> committed;
  committed.reserve(w.records.size());
  for (const PlannedRecord& r : w.records) {
    Result<RecordedEvent> e = DecodeRecord(r.value);
    if (!e.ok()) break;
    committed.push_back(std::move(*e));
  }
  recent_.Add(committed);
  return Status::Ok();
}

std::optional<Status> PostgresEventStore::CommitRemembered(
    std::vector<Pending>& group, std::vector<Result<AppendResult>>& results,
    Position* last_position) {
  // Only on the head this writer committed last, when no other process's
  // commit has been seen since, and for appends whose expected version
  // says what their stream holds.
  if (!remembered_.has_value() || contended_ ||
      postgres_.TEST_positions_from_sequence ||
      CommittedPosition() > remembered_->position) {
    return std::nullopt;
  }
  Prefetched assumed;
  std::map<std::string, Version, std::less<>> versions;
  std::set<std::string> keys;
  for (const Pending& p : group) {
    const ExpectedVersion& e = p.request.expected;
    if (e.kind == ExpectedVersion::Kind::kAny || p.request.events.empty()) {
      return std::nullopt;
    }
    const Version v = e.kind == ExpectedVersion::Kind::kExact ? e.version : 0;
    if (versions.emplace(p.request.stream, v).second && v > 0) {
      assumed.heads[p.request.stream] = StreamHead{v, 0};
    }
    if (p.request.idempotency.has_value()) {
      keys.insert(OutcomeKey(p.request.stream, p.request.idempotency->key));
    }
  }
  GroupPlanner planner(&assumed, remembered_->position, remembered_->hash);
  results.reserve(group.size());
  for (const Pending& p : group) results.push_back(planner.Plan(p.request));
  const PlannedWrites& w = planner.writes();
  if (w.empty()) return std::nullopt;

  std::vector<Statement> statements = Begin();
  statements.push_back(Statement::Prepared(
      "SELECT orgledger_guard($1::bigint, $2::bytea, $3::bytea[], "
      "$4::bigint[], $5::bytea[])",
      {Param::Int(static_cast<std::int64_t>(remembered_->position)),
       Param::Bytes(HashBytes(remembered_->hash)),
       BytesArray(versions,
                  [](auto& s) -> std::string_view { return s.first; }),
       IntArray(versions, [](auto& s) { return s.second; }),
       BytesArray(
           keys, [](const std::string& k) -> std::string_view { return k; })}));
  statements.push_back(WriteStatement(w, /*move_head=*/true));
  pg::Connection& c = *writer_conn_;
  Status s = WriteAndCommit(c, std::move(statements), w);
  if (pg::SqlState(s) == kGuardMissed && c.ok()) {
    // Planned on a state that moved: nothing was written (rolled back);
    // plan again under the lock.
    contended_ = true;
    std::lock_guard<std::mutex> lock(stats_mu_);
    guard_misses_ += 1;
    return std::nullopt;
  }
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    one_trip_groups_ += 1;
  }
  *last_position = w.last_position;
  return Status::Ok();
}

Status PostgresEventStore::CommitLocked(
    std::vector<Pending>& group, std::vector<Result<AppendResult>>& results,
    Position* last_position) {
  pg::Connection& c = *writer_conn_;
  // What the planner needs: every touched stream's head, every key's outcome.
  std::set<std::string> streams;
  std::set<std::string> keys;
  for (const Pending& p : group) {
    streams.insert(p.request.stream);
    if (p.request.idempotency.has_value()) {
      keys.insert(OutcomeKey(p.request.stream, p.request.idempotency->key));
    }
  }
  const bool sequence = postgres_.TEST_positions_from_sequence;
  std::vector<Statement> begin = Begin();
  const std::size_t head_at = begin.size();
  if (sequence) {
    // The broken design, for the ordering test: a position from a plain
    // sequence, no lock; the chain is not kept.
    begin.push_back(
        {"SELECT nextval('orgledger_test_position_seq') - 1, "
         "decode(repeat('00', 32), 'hex')",
         {},
         true});
  } else {
    begin.push_back(Statement::Prepared(
        "SELECT position, hash FROM orgledger_head WHERE id = 1 FOR UPDATE", {},
        true));
  }
  auto bytes = [](const std::string& b) -> std::string_view { return b; };
  begin.push_back(Statement::Prepared(
      "SELECT s, l.version, l.position FROM unnest($1::bytea[]) AS s "
      "CROSS JOIN LATERAL (SELECT version, position FROM orgledger_log "
      "WHERE stream = s ORDER BY version DESC LIMIT 1) AS l",
      {BytesArray(streams, bytes)}, true));
  begin.push_back(Statement::Prepared(
      "SELECT key, value FROM orgledger_outcomes WHERE key = ANY($1::bytea[])",
      {BytesArray(keys, bytes)}, true));
  Result<std::vector<pg::Rows>> read = c.Pipeline(begin);
  if (!read.ok()) return Rollback(c, read.status());
  Result<LogHead> locked_head = HeadOf((*read)[head_at]);
  if (!locked_head.ok()) return Rollback(c, locked_head.status());
  const LogHead head = *locked_head;
  Saw(head);
  contended_ = last_own_.has_value() && head.position != *last_own_;
  Prefetched committed;
  const pg::Rows& head_list = (*read)[head_at + 1];
  for (int i = 0; i < head_list.size(); ++i) {
    committed.heads[std::string(head_list.Get(i, 0))] =
        StreamHead{static_cast<Version>(head_list.Int(i, 1)),
                   static_cast<Position>(head_list.Int(i, 2))};
  }
  const pg::Rows& outcome_list = (*read)[head_at + 2];
  for (int i = 0; i < outcome_list.size(); ++i) {
    committed.outcomes[std::string(outcome_list.Get(i, 0))] =
        std::string(outcome_list.Get(i, 1));
  }

  GroupPlanner planner(&committed, head.position, head.hash);
  results.reserve(group.size());
  for (const Pending& p : group) results.push_back(planner.Plan(p.request));
  const PlannedWrites& w = planner.writes();
  if (w.empty()) {
    Result<pg::Rows> r = c.Exec("ROLLBACK");
    if (!r.ok()) return r.status();
    remembered_ = head;
    last_own_ = head.position;
    return Status::Ok();
  }

  Status s = WriteAndCommit(c, {WriteStatement(w, !sequence)}, w);
  if (!s.ok()) return s;
  *last_position = w.last_position;
  return Status::Ok();
}

Status PostgresEventStore::Import(const std::vector<RecordedEvent>& records,
                                  const std::vector<KeyValue>& outcomes) {
  Result<Pool::Lease> lease = pool_.Take();
  if (!lease.ok()) return lease.status();
  pg::Connection& c = **lease;
  auto fail = [&](const Status& s) {
    if (c.ok()) (void)c.Exec("ROLLBACK");
    return s;
  };
  Result<std::vector<pg::Rows>> locked = c.Pipeline(
      {{"BEGIN"},
       {"SELECT position, hash FROM orgledger_head WHERE id = 1 FOR UPDATE",
        {},
        true}});
  if (!locked.ok()) return fail(locked.status());
  Result<LogHead> locked_head = HeadOf((*locked)[1]);
  if (!locked_head.ok()) return fail(locked_head.status());
  LogHead head = *locked_head;
  PlannedWrites w;
  for (const RecordedEvent& e : records) {
    if (e.position != head.position + 1) {
      return fail(InvalidArgument("record " + std::to_string(e.position) +
                                  " does not continue the "
                                  "log at position " +
                                  std::to_string(head.position)));
    }
    const std::string body =
        EncodeBody(e.position, e.stream, e.version,
                   EventData{e.type, e.metadata, e.payload});
    if (ChainHash(head.hash, body) != e.hash) {
      return fail(InvalidArgument("record " + std::to_string(e.position) +
                                  " does not continue the hash chain"));
    }
    w.records.push_back(
        {e.position, e.stream, e.version, EncodeRecord(e.hash, body)});
    w.heads[e.stream] = StreamHead{e.version, e.position};
    head = LogHead{e.position, e.hash};
  }
  w.outcomes.insert(outcomes.begin(), outcomes.end());
  w.last_position = head.position;
  w.last_hash = head.hash;
  Result<std::vector<pg::Rows>> written =
      c.Pipeline({WriteStatement(w, /*move_head=*/true), "COMMIT"});
  if (!written.ok()) return fail(written.status());
  PublishCommitted(head.position);
  return Status::Ok();
}

Result<Position> PostgresEventStore::VisiblePosition(pg::Connection& c) {
  if (postgres_.TEST_positions_from_sequence) {
    // What a sequence-based store reads: the largest position it can see.
    Result<pg::Rows> r =
        c.Exec("SELECT coalesce(max(position), 0) FROM orgledger_log");
    if (!r.ok()) return r.status();
    return static_cast<Position>(r->Int(0, 0));
  }
  Result<LogHead> head = ReadHead(c);
  if (!head.ok()) return head.status();
  Saw(*head);
  return head->position;
}

void PostgresEventStore::FollowerLoop() {
  std::unique_ptr<pg::Connection> c;
  auto stopping = [&] {
    std::lock_guard<std::mutex> lock(queue_mu_);
    return stopping_;
  };
  bool read_head = true;
  auto seen_file_due = std::chrono::steady_clock::now();
  while (!stopping()) {
    if (std::chrono::steady_clock::now() >= seen_file_due) {
      WriteSeenFile();
      seen_file_due = std::chrono::steady_clock::now() + kSeenFileInterval;
    }
    if (c == nullptr || !c->ok()) {
      read_head = true;
      c.reset();
      Result<std::unique_ptr<pg::Connection>> opened = Connect();
      if (!opened.ok() ||
          !(*opened)->Exec(std::string("LISTEN ") + kChannel).ok()) {
        std::this_thread::sleep_for(kReconnectInterval);
        continue;
      }
      c = std::move(*opened);
    }
    if (read_head) {
      // The head row is updated under its lock, in commit order: every
      // position up to the committed head is committed and visible.
      // A failed read is tried again after the wait below.
      Result<Position> visible = VisiblePosition(*c);
      if (visible.ok()) PublishCommitted(*visible);
    }
    Result<std::vector<std::string>> notified =
        c->WaitForNotifications(kFollowInterval);
    if (!notified.ok()) continue;
    // Each payload is a transaction's last position. Positions commit in
    // order and the server delivers a notification only once its
    // transaction is visible, in commit order: everything up to the largest
    // is committed. Without one (the poll's timeout, a notification lost
    // with a connection), or in the test-only sequence design, the head is
    // read instead.
    read_head = notified->empty() || postgres_.TEST_positions_from_sequence;
    Position last = 0;
    for (const std::string& payload : *notified) {
      char* end = nullptr;
      const unsigned long long p = std::strtoull(payload.c_str(), &end, 10);
      if (payload.empty() || *end != '\0') {
        read_head = true;
      } else {
        last = std::max<Position>(last, p);
      }
    }
    if (!read_head) PublishCommitted(last);
  }
}

Result<VerifyReport> PostgresEventStore::Verify(Position from, Position to) {
  Result<Pool::Lease> c = pool_.Take();
  if (!c.ok()) return c.status();
  // One snapshot for the whole check: appends going on do not move it.
  auto finish = [&](auto result) {
    (void)(*c)->Exec("COMMIT");
    return result;
  };
  Result<pg::Rows> began =
      (*c)->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!began.ok()) return began.status();
  Result<LogHead> head = ReadHead(**c);
  if (!head.ok()) return finish(Result<VerifyReport>(head.status()));
  if (from == 0) from = 1;
  Hash prev{};
  if (from > 1) {
    Result<pg::Rows> r =
        (*c)->Exec({"SELECT record FROM orgledger_log WHERE position = $1",
                    {Param::Int(static_cast<std::int64_t>(from - 1))},
                    true});
    if (!r.ok()) return finish(Result<VerifyReport>(r.status()));
    if (r->size() == 0 || !PeekRecordHash(r->Get(0, 0), &prev)) {
      return finish(Result<VerifyReport>(MissingRecordReport(from - 1)));
    }
  }
  ChainVerifier verifier(from, prev);
  const Position end = to == 0 ? head->position : to;
  Position next = from;
  bool going = true;
  while (going && next <= end) {
    Result<pg::Rows> r = (*c)->Exec(
        {"SELECT position, record FROM orgledger_log WHERE position >= $1 "
         "AND position <= $2 ORDER BY position LIMIT $3",
         {Param::Int(static_cast<std::int64_t>(next)),
          Param::Int(static_cast<std::int64_t>(end)),
          Param::Int(static_cast<std::int64_t>(kVerifyBatch))},
         true});
    if (!r.ok()) return finish(Result<VerifyReport>(r.status()));
    for (int i = 0; i < r->size() && going; ++i) {
      going = verifier.Feed(static_cast<Position>(r->Int(i, 0)), r->Get(i, 1));
    }
    if (r->size() < static_cast<int>(kVerifyBatch)) break;
    next = static_cast<Position>(r->Int(r->size() - 1, 0)) + 1;
  }
  if (to == 0) {
    verifier.CheckReachesHead(*head);
  } else {
    verifier.CheckReaches(to);
  }
  return finish(Result<VerifyReport>(verifier.report()));
}

}  // namespace

bool IsPostgresUrl(std::string_view where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

Result<std::unique_ptr<EventStore>> OpenPostgresEventStore(
    const StoreOptions& options, const PostgresOptions& postgres) {
  auto store = std::make_unique<PostgresEventStore>(options, postgres);
  if (Status s = store->Start(); !s.ok()) return s;
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace orgledger::eventstore
