// Failover on PostgreSQL (SPEC §7 "Failover", "Forks"), with real servers
// and real processes.
//
// Synchronous standby: a primary and its synchronous streaming standby on
// loopback; two replicas (crash_child processes, 8 writers each) connected
// with the multi-host URI and target_session_attrs=read-write. Under their
// load the primary's postmaster is SIGKILLed and the standby promoted, as
// an HA manager would; the replicas answer unavailable in between and
// reconnect by themselves. Then every acknowledged command is in the new
// primary's log exactly once, the chain verifies across the failover, and
// the replicas went on committing on the new primary. A new standby is made
// from the new primary and the next cycle fails it over in turn.
// Cycles: ORGLEDGER_PG_FAILOVERS (default 10).
//
// The outbox's lease across a failover: its holder goes away with the
// primary; the other replica takes the lease over on the new primary and
// delivers, so every invitation is emailed.
//
// Asynchronous standby promoted behind its primary: the engine that saw
// the lost commits refuses to go on, naming both positions; so does one
// whose last position now holds another record.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "eventstore/postgres/postgres_event_store.h"
#include "tests/crash/child_said.h"
#include "tests/testing/child_process.h"
#include "tests/testing/files.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/test_dir.h"

namespace orgledger::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kOrgs = 4;
constexpr char kDb[] = "ledger";

std::string Org(int i) { return "p-" + std::to_string(i); }

// The URL naming both servers; libpq takes the one that accepts writes.
std::string BothUrl(const PostgresServer& a, const PostgresServer& b) {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(a.port()) +
         ",127.0.0.1:" + std::to_string(b.port()) + "/" + kDb +
         "?target_session_attrs=read-write";
}

std::size_t Acks(const std::string& out) {
  std::size_t n = 0;
  for (std::size_t at = out.find("\nack "); at != std::string::npos;
       at = out.find("\nack ", at + 1)) {
    ++n;
  }
  return n;
}

// The checker: an engine on the current primary alone, that counts each
// team (each command's key) in the log.
class Checker {
 public:
  explicit Checker(const PostgresServer& primary) {
    commands::EngineOptions options;
    options.postgres.url = primary.Url(kDb);
    options.follow_projections = false;
    auto engine = commands::Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (engine.ok()) engine_ = std::move(*engine);
  }
  bool ok() const { return engine_ != nullptr; }
  commands::Engine& engine() { return *engine_; }

  // How many times each key is in the log.
  std::map<std::string, int> Teams() {
    std::map<std::string, int> teams;
    for (int i = 0; i < kOrgs; ++i) {
      for (eventstore::Version from = 1;;) {
        auto events = engine_->store().ReadStream(Org(i), from, 1000);
        EXPECT_TRUE(events.ok()) << events.status().ToString();
        if (!events.ok()) return teams;
        for (const auto& e : *events) {
          from = e.version + 1;
          if (e.type != "TeamCreated") continue;
          auto event = codec::DecodeEvent(e.type, e.payload);
          EXPECT_TRUE(event.ok());
          if (event.ok()) teams[std::get<domain::TeamCreated>(*event).team]++;
        }
        if (events->size() < 1000) break;
      }
    }
    return teams;
  }

  commands::CommandOutcome Retry(const std::string& org,
                                 const std::string& key) {
    return engine_->Execute(ChildCommand(org, key));
  }

 private:
  std::unique_ptr<commands::Engine> engine_;
};

TEST(PostgresFailover,
     ASynchronousStandbyTakesOverAndNothingAcknowledgedIsLost) {
  int cycles = 10;
  if (const char* env = std::getenv("ORGLEDGER_PG_FAILOVERS")) {
    cycles = std::atoi(env);
  }
  const unsigned seed = TestSeed();
  std::mt19937 rng(seed);
  int node = 0;
  auto name = [&] { return "n" + std::to_string(node++); };
  std::unique_ptr<PostgresServer> primary = PostgresServer::NewPrimary(name());
  ASSERT_NE(primary, nullptr);
  primary->Query(std::string("CREATE DATABASE ") + kDb);
  std::string standby_name = name();
  std::unique_ptr<PostgresServer> standby = primary->NewStandby(standby_name);
  ASSERT_NE(standby, nullptr);
  primary->SetSynchronousStandby(standby_name);
  ASSERT_TRUE(primary->WaitForStandby(standby_name, "sync", 30s));
  {
    Checker setup(*primary);
    ASSERT_TRUE(setup.ok());
    for (int i = 0; i < kOrgs; ++i) {
      commands::CommandRequest r;
      r.envelope.org = Org(i);
      r.envelope.actor = ChildAdmin();
      r.envelope.command = domain::CreateOrganization{"enterprise"};
      ASSERT_TRUE(setup.engine().Execute(r).ok());
    }
  }

  TestDir dir;
  std::uint64_t acked_total = 0, after_total = 0, unavailable_total = 0,
                retried = 0;
  std::chrono::milliseconds outage_total{0};
  for (int cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    const std::string url = BothUrl(*primary, *standby);
    const std::string tag = "c" + std::to_string(cycle);
    ChildProcess a("crash_child", {"failover", url, tag + "a", "kill", "0"},
                   dir.Sub(tag + "a.stderr"));
    ChildProcess b("crash_child", {"failover", url, tag + "b", "kill", "0"},
                   dir.Sub(tag + "b.stderr"));
    auto ended = [&](const char* when) {
      return std::string("a replica ended by itself ") + when +
             "; stderr of a: " + ReadText(dir.Sub(tag + "a.stderr")) +
             " stderr of b: " + ReadText(dir.Sub(tag + "b.stderr"));
    };
    ASSERT_TRUE(a.WaitReady(60s)) << ended("before ready");
    ASSERT_TRUE(b.WaitReady(60s)) << ended("before ready");
    // Load on the primary, then the machine is lost mid-commit.
    for (auto until = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(200 + rng() % 400);
         std::chrono::steady_clock::now() < until;) {
      ASSERT_TRUE(a.ReadFor(5ms)) << ended("under load");
      ASSERT_TRUE(b.ReadFor(5ms)) << ended("under load");
    }
    const auto lost = std::chrono::steady_clock::now();
    primary->Kill();
    // The HA manager notices after a while; meanwhile commands are
    // unavailable.
    for (auto until = lost + std::chrono::milliseconds(rng() % 300);
         std::chrono::steady_clock::now() < until;) {
      ASSERT_TRUE(a.ReadFor(5ms)) << ended("with no primary");
      ASSERT_TRUE(b.ReadFor(5ms)) << ended("with no primary");
    }
    ASSERT_TRUE(standby->Promote());
    // The new primary has no standby yet: it commits alone (as Patroni's
    // synchronous_mode does when no standby is left, unless strict).
    standby->SetSynchronousStandby("");
    const std::size_t acks_before = Acks(a.output()) + Acks(b.output());
    // Both replicas go on by themselves on the new primary.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (Acks(a.output()) + Acks(b.output()) < acks_before + 50 &&
           std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(a.ReadFor(5ms)) << ended("after the promotion");
      ASSERT_TRUE(b.ReadFor(5ms)) << ended("after the promotion");
    }
    const std::size_t after = Acks(a.output()) + Acks(b.output()) - acks_before;
    EXPECT_GE(after, 50u) << "cycle " << cycle
                          << ": the replicas did not go on committing on "
                             "the promoted standby";
    after_total += after;
    outage_total += std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - lost);
    a.Kill();
    b.Kill();

    primary = std::move(standby);
    Checker checker(*primary);
    ASSERT_TRUE(checker.ok());
    std::map<std::string, int> teams = checker.Teams();
    std::vector<std::pair<std::string, std::string>> open;
    for (ChildProcess* child : {&a, &b}) {
      Said said = ParseSaid(child->output());
      unavailable_total += said.unavailable;
      for (const auto& [key, org] : said.acked) {
        ++acked_total;
        EXPECT_EQ(teams[key], 1)
            << "cycle " << cycle << ": acknowledged " << key << " on " << org
            << " is in the new primary's log " << teams[key] << " times (seed "
            << seed << ")";
      }
      for (const auto& [key, org] : said.lost) {
        EXPECT_EQ(teams[key], 0)
            << "cycle " << cycle << ": " << key << " was refused but applied";
      }
      for (const auto& [key, org] : said.open) {
        EXPECT_LE(teams[key], 1) << "cycle " << cycle << ": " << key;
        open.emplace_back(key, org);
      }
    }
    for (const auto& [key, org] : open) {
      commands::CommandOutcome o = checker.Retry(org, key);
      EXPECT_TRUE(o.ok()) << key << ": " << o.error.ToString();
      ++retried;
    }
    teams = checker.Teams();
    for (const auto& [key, org] : open) {
      EXPECT_EQ(teams[key], 1) << "cycle " << cycle << ": retried " << key
                               << " applied " << teams[key] << " times";
    }
    auto report = checker.engine().store().Verify(1, 0);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->ok) << "cycle " << cycle << ": " << report->problem;

    // The next standby, from the new primary.
    standby_name = name();
    standby = primary->NewStandby(standby_name);
    ASSERT_NE(standby, nullptr);
    primary->SetSynchronousStandby(standby_name);
    ASSERT_TRUE(primary->WaitForStandby(standby_name, "sync", 30s));
  }
  std::printf(
      "[postgres failover] %d failovers, seed %u: %llu acknowledged, none "
      "lost or doubled; %llu answered unavailable while no primary "
      "accepted writes; %llu answered on the new primaries; %llu retried "
      "after the replicas were killed; from the kill to 50 answers on the "
      "new primary %lld ms on average\n",
      cycles, seed, static_cast<unsigned long long>(acked_total),
      static_cast<unsigned long long>(unavailable_total),
      static_cast<unsigned long long>(after_total),
      static_cast<unsigned long long>(retried),
      static_cast<long long>(cycles > 0 ? outage_total.count() / cycles : 0));
  EXPECT_GT(acked_total, 0u);
}

// --- Forks -----------------------------------------------------------------

eventstore::AppendRequest Create(const std::string& stream) {
  eventstore::AppendRequest r;
  r.stream = stream;
  r.expected = eventstore::ExpectedVersion::NoStream();
  r.events.push_back({"OrganizationCreated", "{}", "{}"});
  return r;
}

Result<eventstore::AppendResult> Append(eventstore::EventStore& store,
                                        eventstore::AppendRequest request) {
  std::promise<Result<eventstore::AppendResult>> done;
  auto answer = done.get_future();
  store.AsyncAppend(std::move(request),
                    [&](Result<eventstore::AppendResult> r) {
                      done.set_value(std::move(r));
                    });
  return answer.get();
}

// What one replica's outbox handed over: invitation ids.
struct Outbox {
  std::mutex mu;
  std::set<std::string> sent;
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return sent.size();
  }
};

std::unique_ptr<commands::Engine> OpenMailing(const std::string& url,
                                              Outbox* box) {
  commands::EngineOptions options;
  options.postgres.url = url;
  options.postgres.timeout = 2s;
  options.outbox_lease_ttl = 600ms;
  options.invite_email_sender = [box](const projections::InviteEmail& e) {
    std::lock_guard<std::mutex> lock(box->mu);
    box->sent.insert(e.invite_id);
    return true;
  };
  auto engine = commands::Engine::Open(std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(*engine) : nullptr;
}

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 600 && !done(); ++i) std::this_thread::sleep_for(50ms);
  return done();
}

TEST(PostgresFailover, TheOutboxLeaseMovesWhenItsHolderDiesWithThePrimary) {
  std::unique_ptr<PostgresServer> primary = PostgresServer::NewPrimary("o0");
  ASSERT_NE(primary, nullptr);
  primary->Query(std::string("CREATE DATABASE ") + kDb);
  std::unique_ptr<PostgresServer> standby = primary->NewStandby("o1");
  ASSERT_NE(standby, nullptr);
  primary->SetSynchronousStandby("o1");
  ASSERT_TRUE(primary->WaitForStandby("o1", "sync", 30s));
  const std::string url = BothUrl(*primary, *standby);
  Outbox first_box, second_box;
  std::unique_ptr<commands::Engine> first = OpenMailing(url, &first_box);
  ASSERT_NE(first, nullptr);
  std::set<std::string> invited;
  auto invite = [&](commands::Engine& engine, int i) {
    commands::CommandRequest r;
    r.envelope.org = Org(0);
    r.envelope.actor = ChildAdmin();
    r.envelope.command = domain::InviteMember{
        "p" + std::to_string(i) + "@acme.example", "member"};
    r.idempotency_key = "invite-" + std::to_string(i);
    // Sent again with its key while no primary accepts writes.
    commands::CommandOutcome o = engine.Execute(r);
    for (int tries = 0;
         tries < 600 && !o.ok() && o.error.code() == Code::kUnavailable;
         ++tries) {
      std::this_thread::sleep_for(50ms);
      o = engine.Execute(r);
    }
    ASSERT_TRUE(o.ok()) << o.error.ToString();
    invited.insert(o.invite_id.value_or(""));
  };
  {
    commands::CommandRequest r;
    r.envelope.org = Org(0);
    r.envelope.actor = ChildAdmin();
    r.envelope.command = domain::CreateOrganization{"enterprise"};
    ASSERT_TRUE(first->Execute(r).ok());
  }
  for (int i = 0; i < 3; ++i) invite(*first, i);
  ASSERT_TRUE(Eventually([&] { return first_box.size() == 3; }));
  std::unique_ptr<commands::Engine> second = OpenMailing(url, &second_box);
  ASSERT_NE(second, nullptr);
  const std::string holder = primary->Query(
      "SELECT holder FROM orgledger_leases WHERE name = 'invite_email'", kDb);

  // The primary's machine is lost, and the replica holding the lease with
  // it; the standby is promoted.
  primary->Kill();
  first.reset();
  ASSERT_TRUE(standby->Promote());
  for (int i = 3; i < 6; ++i) invite(*second, i);
  ASSERT_TRUE(Eventually([&] { return second_box.size() >= 3; }))
      << "the lease did not move: " << second_box.size() << " sent";
  std::set<std::string> delivered = first_box.sent;
  {
    std::lock_guard<std::mutex> lock(second_box.mu);
    delivered.insert(second_box.sent.begin(), second_box.sent.end());
  }
  EXPECT_EQ(delivered, invited);
  EXPECT_NE(standby->Query("SELECT holder FROM orgledger_leases WHERE name = "
                           "'invite_email'",
                           kDb),
            holder);
}

// `follow`: with a follower, which reconnects within 100 ms of a failover
// (and so finds a fork at once); without, the store reconnects only when it
// is next used.
Result<std::unique_ptr<eventstore::EventStore>> TryOpen(
    const std::string& url, const std::string& state_dir = "",
    bool follow = true) {
  eventstore::StoreOptions options;
  eventstore::PostgresOptions postgres;
  postgres.url = url;
  postgres.timeout = 2s;
  postgres.state_dir = state_dir;
  postgres.TEST_no_follower = !follow;
  return eventstore::OpenPostgresEventStore(options, postgres);
}

std::unique_ptr<eventstore::EventStore> Open(const std::string& url,
                                             const std::string& state_dir = "",
                                             bool follow = true) {
  auto store = TryOpen(url, state_dir, follow);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// Retries `op` while the database is unreachable (the failover in
// progress), for at most 30 s; the first other answer.
template <typename Op>
auto UntilReachable(Op op) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  auto r = op();
  while (!r.ok() && r.status().code() == Code::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    r = op();
  }
  return r;
}

// A store's refusal of a database that forked: kCorruption, its message
// naming each of `parts`.
void ExpectFork(const Status& status,
                std::initializer_list<const char*> parts) {
  EXPECT_EQ(status.code(), Code::kCorruption) << status.ToString();
  for (const char* part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "no \"" << part << "\" in: " << status.message();
  }
}

TEST(PostgresFailover, AnAsynchronousStandbyPromotedBehindIsAForkAndIsRefused) {
  std::unique_ptr<PostgresServer> primary = PostgresServer::NewPrimary("a0");
  ASSERT_NE(primary, nullptr);
  primary->Query(std::string("CREATE DATABASE ") + kDb);
  std::unique_ptr<PostgresServer> standby = primary->NewStandby("a1");
  ASSERT_NE(standby, nullptr);
  const std::string url = BothUrl(*primary, *standby);

  std::unique_ptr<eventstore::EventStore> writer =
      Open(url, "", /*follow=*/false);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Append(*writer, Create("s-" + std::to_string(i))).ok());
  }
  // The standby has the first 10 records, then falls behind: the next
  // 5 are acknowledged on the primary alone (asynchronous replication).
  ASSERT_TRUE(primary->WaitForStandby("a1", "async", 30s));
  standby->StopStreaming();
  for (int i = 10; i < 15; ++i) {
    ASSERT_TRUE(Append(*writer, Create("s-" + std::to_string(i))).ok());
  }
  // A reader saw position 15 too.
  std::unique_ptr<eventstore::EventStore> reader = Open(url);
  ASSERT_NE(reader, nullptr);
  auto seen = reader->Head();
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->position, 15u);
  // A replica with a state directory saw it as well, and then stopped.
  TestDir dir;
  {
    std::unique_ptr<eventstore::EventStore> stopped =
        Open(url, dir.Sub("state"));
    ASSERT_NE(stopped, nullptr);
    ASSERT_EQ(stopped->Head()->position, 15u);
  }

  primary->Kill();
  ASSERT_TRUE(standby->Promote());
  // The reader: the new primary's log ends at 10, before what it saw.
  Result<eventstore::LogHead> head =
      UntilReachable([&] { return reader->Head(); });
  ASSERT_FALSE(head.ok());
  ExpectFork(head.status(),
             {"has seen position 15", "its log ends at position 10"});

  // The stopped replica, started again, remembers what it saw.
  auto restarted =
      UntilReachable([&] { return TryOpen(url, dir.Sub("state")); });
  ASSERT_FALSE(restarted.ok());
  ExpectFork(restarted.status(), {"has seen position 15"});

  // A replica that knows nothing (in memory, or new) writes on: positions
  // 11-20 hold other records now.
  std::unique_ptr<eventstore::EventStore> fresh = Open(standby->Url(kDb));
  ASSERT_NE(fresh, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Append(*fresh, Create("t-" + std::to_string(i))).ok());
  }
  ASSERT_EQ(fresh->Head()->position, 20u);

  // The writer saw position 15 with its hash: the database's record 15 is
  // another one. It stops, naming both.
  Result<eventstore::AppendResult> appended =
      UntilReachable([&] { return Append(*writer, Create("s-next")); });
  ASSERT_FALSE(appended.ok());
  ExpectFork(appended.status(), {"the log forked", "has seen position 15",
                                 "its record at position 15 has the hash"});
  // And stays stopped: reads and appends fail with the same reason, and
  // nothing more is written.
  EXPECT_EQ(writer->Halted().code(), Code::kCorruption);
  EXPECT_EQ(writer->ReadAll(1, 10).status().code(), Code::kCorruption);
  EXPECT_EQ(Append(*writer, Create("s-again")).status().code(),
            Code::kCorruption);
  EXPECT_EQ(fresh->Head()->position, 20u) << "a halted store appended";
}

}  // namespace
}  // namespace orgledger::testing
