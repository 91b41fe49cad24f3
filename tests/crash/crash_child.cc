// The child process of the crash matrix (tests/crash/crash_matrix.cc): runs
// one scenario on the engine (sync durability) until it is killed, or until
// it cuts its own power. Every command is a CreateTeam whose slug is its
// idempotency key, so the parent can re-issue any of them.
//
//   crash_child SCENARIO DIR TAG FAULT DELAY_MS
//
// SCENARIO: single (one writer), group (64 writers, group commit), hot (64
// writers on one organization, h-0: its queued commands pipelined), catchup
// (a backlog written with the projections stopped, then an engine that
// catches them up while writers go on), rebuild (writers while every
// projection is rebuilt over and over), snapshot (a snapshot after every
// command, a state cache of two organizations so loads read them), backup
// (writers while RocksDB checkpoints are taken into DIR.backups/),
// postgres (DIR is a PostgreSQL store's URL: 4 writers on organizations
// p-0..p-3, which the parent created and other children write at the same
// time; the projections are not followed), failover (the same with 8
// writers, two on each organization, and a URL naming a primary and its
// standby: a command answered unavailable is sent again with its key until
// it is answered; a log that forked ends the process), erase (writers
// while, over and over, a new person is invited to e-0, accepts, and is
// erased by email).
// FAULT: kill (the parent sends SIGKILL) or power (DELAY_MS after "ready"
// this process makes every write fail, drops every unsynced byte through
// FaultInjectionFs and exits 0 without closing anything).
//
// Output, one write(2) per line so a kill never leaves half a line:
//   ready | send ORG KEY | ack ORG KEY VERSION | conflict ORG KEY |
//   unavailable ORG KEY |
//   backup-start N |
//   backup N PATH | erase-start EMAIL | erased EMAIL | cut
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands/engine.h"
#include "tests/testing/child_output.h"
#include "tests/testing/fault_fs.h"

namespace {

using namespace orgledger;

using testing::WriteLine;

// Set just before this process cuts its own power: from then on, and only
// then, storage errors are expected.
std::atomic<bool> g_power_cut{false};

// The packaged RocksDB keeps its assertions on, and asserts on a write to
// a file after an earlier write to it failed. After the power cut any of
// its threads may do that before this process has dropped the unsynced
// bytes and exited; the machine is off from the cut on, so such an abort
// is part of the cut, not a failure: the aborting thread waits for the
// exit instead. An abort before the cut is a failure as always.
extern "C" void OnAbort(int sig) {
  if (g_power_cut.load()) {
    for (;;) ::pause();
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "crash_child: %s\n", what.c_str());
  std::fflush(stderr);
  ::_exit(3);
}

const domain::Actor& Admin() {
  static const domain::Actor admin =
      domain::Actor::Person("u-admin", "admin@example.com", "Admin");
  return admin;
}

// Creates `org` unless it exists (before "ready": not part of the matrix).
void EnsureOrganization(commands::Engine& engine, const std::string& org) {
  auto head = engine.store().GetStreamHead(org);
  if (!head.ok()) Die("head: " + head.status().ToString());
  if (head->version > 0) return;
  commands::CommandRequest r;
  r.envelope.org = org;
  r.envelope.actor = Admin();
  r.envelope.command = domain::CreateOrganization{"enterprise"};
  commands::CommandOutcome o = engine.Execute(std::move(r));
  if (!o.ok()) Die("create " + org + ": " + o.error.ToString());
}

// One writer: CreateTeam commands on `org`, each announced before it runs
// and acknowledged after. Stops after `limit` commands (0: never) or when
// `stop` is set. After the power cut commands fail with unavailable; the
// writer then waits for the process to end. Any other failure ends the
// process (exit 3, the reason on stderr): the parent reports it.
void Writer(commands::Engine& engine, const std::string& org,
            const std::string& prefix, long limit,
            const std::atomic<bool>& stop, bool retry_unavailable) {
  for (long i = 0; (limit == 0 || i < limit) && !stop.load(); ++i) {
    const std::string key = prefix + "-" + std::to_string(i);
    WriteLine("send " + org + " " + key);
    commands::CommandRequest r;
    r.envelope.org = org;
    r.envelope.actor = Admin();
    r.envelope.command = domain::CreateTeam{key, "Team"};
    r.idempotency_key = key;
    commands::CommandOutcome o = engine.Execute(r);
    // During a failover: the same command again, with its key, as a host
    // would, until the new primary answers it.
    while (retry_unavailable && !o.ok() &&
           o.error.code() == Code::kUnavailable) {
      WriteLine("unavailable " + org + " " + key);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      o = engine.Execute(r);
    }
    if (o.ok()) {
      WriteLine("ack " + org + " " + key + " " + std::to_string(o.version));
      continue;
    }
    // Replicas racing for one organization may lose every retry: a
    // definite answer, nothing appended.
    if (o.error.code() == Code::kConcurrencyConflict) {
      WriteLine("conflict " + org + " " + key);
      continue;
    }
    if (o.error.code() != Code::kUnavailable || !g_power_cut.load()) {
      Die("command " + key + " on " + org + ": " + o.error.ToString());
    }
    // The disk is gone (power cut): hold still until the process ends.
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

struct Scenario {
  int writers = 4;
  long backlog = 0;  // catchup: commands written before "ready"
};

Scenario ScenarioFor(const std::string& name) {
  if (name == "single") return {1, 0};
  if (name == "group") return {64, 0};
  if (name == "hot") return {64, 0};
  if (name == "catchup") return {4, 12000};
  if (name == "snapshot") return {8, 0};
  if (name == "failover") return {8, 0};
  return {4, 0};  // rebuild, backup
}

std::unique_ptr<commands::Engine> OpenEngine(
    const std::string& scenario, const std::string& dir,
    const std::shared_ptr<testing::FaultInjectionFs>& fs, bool follow) {
  commands::EngineOptions options;
  options.data_dir = dir;
  options.rocksdb.TEST_file_system = fs;
  options.follow_projections = follow;
  if (scenario == "postgres" || scenario == "failover") {
    options.data_dir.clear();
    options.postgres.url = dir;
    options.follow_projections = false;
  }
  // The harness's own check: acknowledging before fsync must make the
  // power-cut cells fail (tests/CMakeLists.txt runs this and expects it).
  if (std::getenv("ORGLEDGER_CRASH_CHILD_UNSAFE") != nullptr) {
    options.store.durability = eventstore::Durability::kBuffered;
  }
  if (scenario == "rebuild") {
    // Many sorted files per rebuild, so that cuts fall between ingestions.
    options.rebuild_memory_bytes = 64 << 10;
  }
  if (scenario == "snapshot") {
    options.snapshot_every = 1;
    options.snapshot_entries_per_event = 0;  // every command, at any size
    options.state_cache_entries = 2;
  }
  auto engine = commands::Engine::Open(options);
  if (!engine.ok()) Die("open: " + engine.status().ToString());
  return std::move(*engine);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: crash_child SCENARIO DIR TAG kill|power MS\n");
    return 2;
  }
  // The parent may attach gdb to take the stacks of a child that hangs
  // (where Yama allows only ancestors to attach).
  ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  const std::string scenario = argv[1];
  const std::string dir = argv[2];
  const std::string tag = argv[3];
  const bool power = std::string(argv[4]) == "power";
  const int delay_ms = std::atoi(argv[5]);
  const Scenario shape = ScenarioFor(scenario);
  auto fs = power ? std::make_shared<testing::FaultInjectionFs>() : nullptr;
  static_assert(std::atomic<bool>::is_always_lock_free);  // read in OnAbort
  if (power) std::signal(SIGABRT, OnAbort);
  std::atomic<bool> stop{false};

  // In failover, two writers on each of the four organizations of
  // postgres (p-0..p-3).
  auto org_of = [&](int w) {
    if (scenario == "failover") return "p-" + std::to_string(w % 4);
    if (scenario == "hot") return std::string("h-0");
    return scenario.substr(0, 1) + "-" + std::to_string(w);
  };
  auto prefix_of = [&](int w, const char* phase) {
    return tag + phase + std::to_string(w);
  };

  if (shape.backlog > 0) {
    // The backlog: 64 writers with the projections stopped, so the next
    // engine has `backlog` events to catch up.
    auto engine = OpenEngine(scenario, dir, fs, /*follow=*/false);
    std::vector<std::thread> threads;
    for (int w = 0; w < 64; ++w) EnsureOrganization(*engine, org_of(w));
    for (int w = 0; w < 64; ++w) {
      threads.emplace_back([&, w] {
        Writer(*engine, org_of(w), prefix_of(w, "b"), shape.backlog / 64, stop,
               false);
      });
    }
    for (auto& t : threads) t.join();
  }

  std::unique_ptr<commands::Engine> engine =
      OpenEngine(scenario, dir, fs, /*follow=*/true);
  for (int w = 0; w < shape.writers; ++w) {
    EnsureOrganization(*engine, org_of(w));
  }
  std::vector<std::thread> threads;
  if (scenario == "rebuild") {
    threads.emplace_back([&] {
      while (!stop.load()) (void)engine->projections().Rebuild("", nullptr);
    });
  }
  if (scenario == "erase") {
    threads.emplace_back([&] {
      for (long n = 0; !stop.load(); ++n) {
        const std::string user = "u-" + tag + "-" + std::to_string(n);
        const std::string email =
            "erased-" + tag + "-" + std::to_string(n) + "@example.com";
        commands::CommandRequest invite;
        invite.envelope.org = "e-0";
        invite.envelope.actor = Admin();
        invite.envelope.command = domain::InviteMember{email, "member"};
        commands::CommandOutcome sent = engine->Execute(invite);
        if (!sent.ok()) break;  // the cut came first (writers say why not)
        commands::CommandRequest accept;
        accept.envelope.org = "e-0";
        accept.envelope.actor =
            domain::Actor::Person(user, email, "Erased Person");
        accept.envelope.command = domain::AcceptInvite{sent.invite_id, {}};
        if (!engine->Execute(accept).ok()) break;
        WriteLine("erase-start " + email);
        commands::EraseRequest erase;
        erase.email = email;
        erase.by = "crash-matrix";
        Result<commands::EraseReport> done = engine->Erase(erase);
        if (!done.ok()) {
          if (g_power_cut.load()) break;
          Die("erase: " + done.status().ToString());
        }
        WriteLine("erased " + email);
      }
    });
  }
  if (scenario == "backup") {
    threads.emplace_back([&] {
      const std::string backups = dir + ".backups";
      std::filesystem::create_directories(backups);
      for (long n = 0; !stop.load(); ++n) {
        const std::string path = backups + "/" + tag + "-" + std::to_string(n);
        WriteLine("backup-start " + std::to_string(n));
        Status s = engine->store().Checkpoint(path);
        if (!s.ok()) {
          if (g_power_cut.load()) break;  // the cut came first
          Die("backup: " + s.ToString());
        }
        WriteLine("backup " + std::to_string(n) + " " + path);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  for (int w = 0; w < shape.writers; ++w) {
    threads.emplace_back([&, w] {
      Writer(*engine, org_of(w), prefix_of(w, "w"), 0, stop,
             scenario == "failover");
    });
  }
  WriteLine("ready");
  if (!power) {
    for (auto& t : threads) t.join();  // until SIGKILL
    return 0;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  g_power_cut.store(true);
  fs->PowerCut();
  fs->DropUnsyncedData(/*revive=*/false);
  WriteLine("cut");
  ::_exit(0);
}
