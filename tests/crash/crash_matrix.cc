// The crash matrix: real processes (crash_child) killed with SIGKILL, and
// simulated power cuts (FaultInjectionFs drops every unsynced byte), at
// random points of eight scenarios: single appends, group commit under 64
// writers, 64 writers on one organization (its commands pipelined),
// projection catch-up, rebuild, snapshot writes, backup and erasure. After each
// cycle the database is reopened and checked:
//  - every acknowledged command is in the log exactly once (found by its
//    idempotency key in the events' metadata), at the stream version its
//    acknowledgment named, and no key twice;
//  - the commands sent but not acknowledged are retried with the same
//    idempotency key: each retry succeeds and leaves its key in the log
//    exactly once (applied at most once, whether it landed before the crash
//    or not);
//  - every stored snapshot equals the fold of its organization's events;
//  - every erasure begun happened whole or not at all (the person's key is
//    gone exactly when the members view no longer shows them), and every
//    acknowledged one happened;
//  - `orgledger verify --projections` passes on the database, and on the
//    last backup that completed (which also holds every command acknowledged
//    before that backup began).
// Prints one line per cycle with --verbose, and a summary table; exits 1 on
// the first failure, leaving its directory for inspection.
//
//   crash_matrix [--cycles N] [--seed S] [--work DIR] [--verbose]
//                [--scenario NAME] [--fault kill|power]
// The work directory (default ./crash-matrix-PID) is removed after a pass.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"
#include "tests/testing/child_process.h"
#include "tests/testing/files.h"

namespace {

using namespace orgledger;
using Clock = std::chrono::steady_clock;

constexpr const char* kScenarios[] = {"single",  "group",   "hot",
                                      "catchup", "rebuild", "snapshot",
                                      "backup",  "erase"};
constexpr const char* kFaults[] = {"kill", "power"};
// A cell's database is started afresh after this many cycles, so that the
// per-cycle checks (a full rebuild) stay short.
constexpr int kCyclesPerDatabase = 6;

struct Sent {
  std::string org;
  std::string key;
  eventstore::Version version = 0;  // acknowledged: its stream version
};

// What a child printed.
struct ChildReport {
  std::vector<Sent> sent;             // in order
  std::map<std::string, Sent> acked;  // key -> command
  // Keys acknowledged before the last completed backup began.
  std::set<std::string> acked_before_backup;
  std::string backup;             // the last completed backup, or ""
  std::set<std::string> erasing;  // erasures begun (emails)
  std::set<std::string> erased;   // erasures acknowledged
  bool cut = false;
};

ChildReport Parse(const std::string& out) {
  ChildReport r;
  std::istringstream in(out);
  std::string line;
  std::map<long, std::set<std::string>> at_start;  // backup n -> acked keys
  std::set<std::string> acked_so_far;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "send") {
      Sent s;
      words >> s.org >> s.key;
      r.sent.push_back(s);
    } else if (word == "ack") {
      Sent s;
      words >> s.org >> s.key >> s.version;
      r.acked[s.key] = s;
      acked_so_far.insert(s.key);
    } else if (word == "backup-start") {
      long n = 0;
      words >> n;
      at_start[n] = acked_so_far;
    } else if (word == "backup") {
      long n = 0;
      words >> n >> r.backup;
      r.acked_before_backup = at_start[n];
    } else if (word == "erase-start") {
      std::string email;
      words >> email;
      r.erasing.insert(email);
    } else if (word == "erased") {
      std::string email;
      words >> email;
      r.erased.insert(email);
    } else if (word == "cut") {
      r.cut = true;
    }
  }
  return r;
}

struct CellStats {
  int cycles = 0;
  long acked = 0;
  long retried = 0;
  long retried_replayed = 0;  // the retry found the command already applied
  long snapshots = 0;
  long backups = 0;
  long erasures = 0;  // begun (each checked whole or not at all)
  // Cycles whose projections were behind the log when it was reopened
  // (the fault came before they caught up).
  long behind = 0;
};

// The first failure ends the run; its message says where. The details
// (a stuck child's last output and stacks) are printed before it, so that
// a log cut to its last lines still ends with the reason.
struct Failure {
  std::string message;
  std::string details;
};

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw Failure{where + ": " + what, ""};
}

// The last `n` lines of `text`, ending with a newline.
std::string LastLines(const std::string& text, int n) {
  if (n <= 0) return "";
  // `nl`: the newline before the n lines (npos: text has no more lines).
  std::size_t nl = text.size();
  if (nl > 0 && text[nl - 1] == '\n') --nl;  // the last line's end
  for (int i = 0; i < n && nl != std::string::npos; ++i) {
    nl = nl == 0 ? std::string::npos : text.rfind('\n', nl - 1);
  }
  std::string tail = nl == std::string::npos ? text : text.substr(nl + 1);
  if (!tail.empty() && tail.back() != '\n') tail.push_back('\n');
  return tail;
}

// A child that ended by itself where it should not have: its exit status
// and the last lines of its stderr (which say why) and of its stdout.
[[noreturn]] void FailExited(int status, const std::string& out,
                             const std::string& err, const std::string& where) {
  std::string stderr_text = orgledger::testing::ReadText(err);
  if (stderr_text.empty()) stderr_text = "(nothing)\n";
  throw Failure{where + ": the child exited " + std::to_string(status) +
                    " (stderr in " + err + ")",
                "the child's last lines:\n" + LastLines(out, 6) +
                    "its stderr ends with:\n" + LastLines(stderr_text, 6)};
}

// A child that stopped making progress: its stacks (gdb, while it still
// runs) and its output go to files beside its database, a summary of both
// into the failure; then it is killed.
[[noreturn]] void FailStuck(orgledger::testing::ChildProcess& child,
                            const std::string& base, const std::string& where,
                            const std::string& what) {
  const std::string stacks = child.Stacks();
  child.Kill();
  const std::string out = child.DrainAll();
  const std::string stacks_file = base + ".stacks";
  const std::string out_file = base + ".stdout";
  orgledger::testing::WriteText(stacks_file, stacks);
  orgledger::testing::WriteText(out_file, out);
  std::string summary = orgledger::testing::SummarizeStacks(stacks);
  if (summary.empty()) summary = LastLines(stacks, 6);
  throw Failure{where + ": " + what + " (output in " + out_file +
                    ", stacks in " + stacks_file + ")",
                "the child's last lines:\n" + LastLines(out, 6) +
                    "the child's threads, by their innermost frames:\n" +
                    summary};
}

using KeyCounts = std::map<std::pair<std::string, std::string>, int>;
using KeyVersions =
    std::map<std::pair<std::string, std::string>, eventstore::Version>;

// Adds to `counts`, per (org, idempotency key), the events carrying it from
// position `from` to the end of the log; and to `versions`, when given, the
// stream version of the last.
void CountKeys(eventstore::EventStore& store, eventstore::Position from,
               KeyCounts& counts, const std::string& where,
               KeyVersions* versions = nullptr) {
  for (;;) {
    auto batch = store.ReadAll(from, 4096);
    if (!batch.ok()) Fail(where, "read: " + batch.status().ToString());
    for (const eventstore::RecordedEvent& e : *batch) {
      auto meta = codec::DecodeMetadata(e.metadata);
      if (!meta.ok()) Fail(where, "metadata at " + std::to_string(e.position));
      if (!meta->idempotency_key.empty()) {
        counts[{e.stream, meta->idempotency_key}] += 1;
        if (versions != nullptr) {
          (*versions)[{e.stream, meta->idempotency_key}] = e.version;
        }
      }
      from = e.position + 1;
    }
    if (batch->size() < 4096) break;
  }
}

// Every stored snapshot equals the fold of its organization's events up to
// its version. Returns the number of snapshots checked.
long CheckSnapshots(eventstore::EventStore& store,
                    const std::set<std::string>& orgs,
                    const std::string& where) {
  long checked = 0;
  for (const std::string& org : orgs) {
    auto snap = store.GetSnapshot(org);
    if (!snap.ok()) Fail(where, "snapshot: " + snap.status().ToString());
    // None, or the empty one an erasure leaves (folded again on load).
    if (!snap->has_value() || (*snap)->version == 0) continue;
    auto state = codec::DecodeState((*snap)->bytes);
    if (!state.ok()) {
      Fail(where, "snapshot of " + org +
                      " does not decode: " + state.status().ToString());
    }
    domain::OrgState folded;
    auto events = store.ReadStream(org, 1, (*snap)->version);
    if (!events.ok()) Fail(where, "read: " + events.status().ToString());
    for (const eventstore::RecordedEvent& recorded : *events) {
      auto e = codec::DecodeEvent(recorded.type, recorded.payload);
      if (!e.ok()) Fail(where, "event does not decode");
      if (!privacy::OpenEvent(privacy::KeysOf(store), *e).ok()) {
        Fail(where, "event does not open with its keys");
      }
      folded = domain::Evolve(std::move(folded), *e);
      folded.version = recorded.version;
    }
    if (folded.version != (*snap)->version || !(folded == *state)) {
      Fail(where, "snapshot of " + org + " at version " +
                      std::to_string((*snap)->version) +
                      " differs from the fold of its events");
    }
    ++checked;
  }
  return checked;
}

// An erasure happened whole or not at all (an interrupted one is finished
// when the engine opens): the person's key is gone exactly when the view
// no longer shows them; an acknowledged one is gone.
void CheckErasures(commands::Engine& engine, const ChildReport& report,
                   const std::string& where) {
  if (report.erasing.empty()) return;
  engine.projections().WaitFor(engine.store().CommittedPosition(),
                               std::chrono::seconds(30));
  projections::ViewRequest members;
  members.view = "members";
  members.org = "e-0";
  members.viewer =
      domain::Actor::Person("u-admin", "admin@example.com", "Admin");
  members.limit = 1000;
  Result<projections::View> view = engine.Query(members);
  if (!view.ok()) Fail(where, "members of e-0: " + view.status().ToString());
  const auto& list = std::get<projections::MembersView>(*view);
  for (const std::string& email : report.erasing) {
    Result<privacy::ErasurePlan> plan =
        privacy::KeysOf(engine.store()).Plan(std::nullopt, email);
    if (!plan.ok()) Fail(where, "keys: " + plan.status().ToString());
    bool shown = false;
    for (const auto& m : list.members) shown = shown || m.email == email;
    const bool key_left = !plan->keys.empty();
    if (key_left != shown) {
      Fail(where, "erasure of " + email + " is half done: key " +
                      (key_left ? "kept" : "destroyed") + ", view " +
                      (shown ? "shows" : "hides") + " the person");
    }
    if (key_left && report.erased.count(email) != 0) {
      Fail(where, "acknowledged erasure of " + email + " is lost");
    }
  }
}

// Runs `orgledger verify --projections --data DIR` as a process.
void RunVerify(const std::string& dir, const std::string& where) {
  orgledger::testing::ChildProcess verify(
      "orgledger", {"verify", "--projections", "--data", dir});
  const int status = verify.Wait();
  if (status != 0) {
    Fail(where, "orgledger verify --projections " + dir + " exited " +
                    std::to_string(status) + ":\n" + verify.DrainAll());
  }
}

std::unique_ptr<commands::Engine> Open(const std::string& dir,
                                       const std::string& where) {
  commands::EngineOptions options;
  options.data_dir = dir;
  auto engine = commands::Engine::Open(options);
  if (!engine.ok()) Fail(where, "open: " + engine.status().ToString());
  return std::move(*engine);
}

// The checks after one cycle (see the file comment).
void Check(const std::string& db, const ChildReport& report, CellStats* stats,
           const std::string& where) {
  std::set<std::string> orgs;
  {
    std::unique_ptr<commands::Engine> engine = Open(db, where);
    // Read before the background catch-up moves it (a lower bound).
    if (engine->projections().checkpoint() <
        engine->store().CommittedPosition()) {
      stats->behind += 1;
    }
    KeyCounts counts;
    KeyVersions versions;
    CountKeys(engine->store(), 1, counts, where, &versions);
    for (const auto& [key, n] : counts) {
      orgs.insert(key.first);
      if (n > 1)
        Fail(where, key.second + " applied " + std::to_string(n) + "x");
    }
    for (const auto& [key, sent] : report.acked) {
      if (counts[{sent.org, key}] != 1) {
        Fail(where, "acknowledged " + sent.org + "/" + key + " is lost");
      }
      // The version an acknowledgment names is where the log has it (a
      // pipelined organization's commands are acknowledged together).
      if (sent.version != 0 && versions[{sent.org, key}] != sent.version) {
        Fail(where, "acknowledged " + sent.org + "/" + key + " at version " +
                        std::to_string(sent.version) +
                        " but the log has it at " +
                        std::to_string(versions[{sent.org, key}]));
      }
    }
    // The retries append after this; only that tail is counted again.
    const eventstore::Position before = engine->store().CommittedPosition();
    std::vector<Sent> retries;
    for (const Sent& s : report.sent) {
      if (report.acked.count(s.key) == 0) retries.push_back(s);
    }
    for (const Sent& s : retries) {
      commands::CommandRequest r;
      r.envelope.org = s.org;
      r.envelope.actor =
          domain::Actor::Person("u-admin", "admin@example.com", "Admin");
      r.envelope.command = domain::CreateTeam{s.key, "Team"};
      r.idempotency_key = s.key;
      commands::CommandOutcome o = engine->Execute(std::move(r));
      if (!o.ok()) {
        Fail(where, "retry of " + s.key + ": " + o.error.ToString());
      }
      stats->retried_replayed += o.replayed ? 1 : 0;
    }
    if (!retries.empty()) {
      CountKeys(engine->store(), before + 1, counts, where);
      for (const Sent& s : retries) {
        const int n = counts[{s.org, s.key}];
        if (n != 1) {
          Fail(where, "retried " + s.key + " is in the log " +
                          std::to_string(n) + "x");
        }
      }
    }
    CheckErasures(*engine, report, where);
    stats->erasures += static_cast<long>(report.erasing.size());
    stats->retried += static_cast<long>(retries.size());
    stats->acked += static_cast<long>(report.acked.size());
    stats->snapshots += CheckSnapshots(engine->store(), orgs, where);
  }
  RunVerify(db, where);
  if (!report.backup.empty()) {
    {
      std::unique_ptr<commands::Engine> copy = Open(report.backup, where);
      KeyCounts counts;
      CountKeys(copy->store(), 1, counts, where + " (backup)");
      for (const std::string& key : report.acked_before_backup) {
        const Sent& sent = report.acked.at(key);
        if (counts[{sent.org, key}] != 1) {
          Fail(where, "backup " + report.backup + " lacks " + key +
                          ", acknowledged before it began");
        }
      }
    }
    RunVerify(report.backup, where + " (backup)");
    stats->backups += 1;
  }
}

struct Args {
  int cycles = 24;
  unsigned seed = 0;
  std::string work;
  bool verbose = false;
  std::string scenario;  // only this scenario ("" = all)
  std::string fault;     // only this fault ("" = both)
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  a.seed = static_cast<unsigned>(
      std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "crash_matrix: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--cycles") {
      a.cycles = std::atoi(value().c_str());
    } else if (arg == "--seed") {
      a.seed =
          static_cast<unsigned>(std::strtoul(value().c_str(), nullptr, 10));
    } else if (arg == "--work") {
      a.work = value();
    } else if (arg == "--scenario") {
      a.scenario = value();
    } else if (arg == "--fault") {
      a.fault = value();
    } else if (arg == "--verbose") {
      a.verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: crash_matrix [--cycles N] [--seed S] [--work DIR] "
                   "[--scenario NAME] [--fault kill|power] [--verbose]\n");
      std::exit(2);
    }
  }
  if (a.work.empty()) {
    a.work = "crash-matrix-" + std::to_string(::getpid());
  }
  return a;
}

void PrintSummary(const std::map<std::string, CellStats>& cells, int cycles,
                  double seconds) {
  std::printf("\n%-9s %-6s %7s %7s %9s %8s %9s %10s %8s %8s %5s %4s\n",
              "scenario", "fault", "cycles", "behind", "acked", "retried",
              "replayed", "snapshots", "backups", "erasures", "lost", "dup");
  CellStats total;
  for (const char* scenario : kScenarios) {
    for (const char* fault : kFaults) {
      const std::string name = std::string(scenario) + "/" + fault;
      auto it = cells.find(name);
      if (it == cells.end()) continue;
      const CellStats& c = it->second;
      std::printf("%-9s %-6s %7d %7ld %9ld %8ld %9ld %10ld %8ld %8ld %5d %4d\n",
                  scenario, fault, c.cycles, c.behind, c.acked, c.retried,
                  c.retried_replayed, c.snapshots, c.backups, c.erasures, 0, 0);
      total.cycles += c.cycles;
      total.behind += c.behind;
      total.acked += c.acked;
      total.retried += c.retried;
      total.retried_replayed += c.retried_replayed;
      total.snapshots += c.snapshots;
      total.backups += c.backups;
      total.erasures += c.erasures;
    }
  }
  std::printf("%-16s %7d %7ld %9ld %8ld %9ld %10ld %8ld %8ld %5d %4d\n",
              "total", total.cycles, total.behind, total.acked, total.retried,
              total.retried_replayed, total.snapshots, total.backups,
              total.erasures, 0, 0);
  std::printf(
      "crash matrix: %d cycles survived in %.0f s: nothing lost, "
      "nothing applied twice, every verify passed\n",
      cycles, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  std::printf("crash matrix: %d cycles, seed %u, work %s\n", args.cycles,
              args.seed, args.work.c_str());
  std::fflush(stdout);
  std::filesystem::remove_all(args.work);
  std::filesystem::create_directories(args.work);
  std::mt19937 rng(args.seed);
  std::map<std::string, CellStats> cells;
  const auto t0 = Clock::now();
  try {
    std::vector<std::pair<std::string, std::string>> matrix;
    for (const char* s : kScenarios) {
      for (const char* f : kFaults) {
        if ((args.scenario.empty() || args.scenario == s) &&
            (args.fault.empty() || args.fault == f)) {
          matrix.emplace_back(s, f);
        }
      }
    }
    if (matrix.empty()) {
      std::fprintf(stderr, "crash_matrix: no such scenario or fault\n");
      return 2;
    }
    for (int cycle = 0; cycle < args.cycles; ++cycle) {
      const auto& [scenario, fault] = matrix[cycle % matrix.size()];
      const std::string cell = scenario + "/" + fault;
      CellStats& stats = cells[cell];
      const int generation = stats.cycles / kCyclesPerDatabase;
      const std::string base = args.work + "/" + scenario + "-" + fault + "-" +
                               std::to_string(generation);
      if (stats.cycles % kCyclesPerDatabase == 0 && generation > 0) {
        const std::string old = args.work + "/" + scenario + "-" + fault + "-" +
                                std::to_string(generation - 1);
        std::filesystem::remove_all(old);
        std::filesystem::remove_all(old + ".backups");
      }
      // Catch-up is over soon after "ready": aim the fault at its start.
      const int max_delay = scenario == "catchup" ? 120 : 400;
      const int delay = 5 + static_cast<int>(rng() % max_delay);
      const std::string tag = "c" + std::to_string(cycle);
      const std::string where = "cycle " + std::to_string(cycle) + " (" + cell +
                                ", " + std::to_string(delay) + " ms, " + base +
                                ")";
      std::string out;
      {
        const std::string err = base + ".stderr";
        orgledger::testing::ChildProcess child(
            "crash_child", {scenario, base, tag, fault, std::to_string(delay)},
            err);
        if (!child.WaitReady(std::chrono::seconds(120))) {
          // Exited (its stdout closed), or still running: stuck.
          const std::optional<int> status =
              child.WaitExit(std::chrono::seconds(5));
          if (!status.has_value()) {
            FailStuck(child, base, where,
                      "the child was not ready after 120 s (see " + err + ")");
          }
          FailExited(*status, child.DrainAll(), err, where);
        }
        if (fault == "kill") {
          // Its stdout closing before the kill: it ended by itself.
          if (!child.ReadFor(std::chrono::milliseconds(delay))) {
            FailExited(child.Wait(), child.DrainAll(), err, where);
          }
          child.Kill();
        } else {
          const std::optional<int> status = child.WaitExit(
              std::chrono::milliseconds(delay) + std::chrono::seconds(120));
          if (!status.has_value()) {
            FailStuck(child, base, where,
                      "the child did not cut its power and exit within 120 s");
          }
          if (*status != 0) FailExited(*status, child.DrainAll(), err, where);
        }
        out = child.DrainAll();
      }
      ChildReport report = Parse(out);
      if (fault == "power" && !report.cut) Fail(where, "no power cut");
      Check(base, report, &stats, where);
      std::filesystem::remove_all(base + ".backups");
      stats.cycles += 1;
      if (args.verbose) {
        std::printf("%s: %zu acked, %zu sent\n", where.c_str(),
                    report.acked.size(), report.sent.size());
      } else if ((cycle + 1) % 12 == 0 || cycle + 1 == args.cycles) {
        std::printf("  %d/%d cycles\n", cycle + 1, args.cycles);
      }
      std::fflush(stdout);
    }
  } catch (const Failure& f) {
    std::printf("%scrash matrix FAILED: %s\n", f.details.c_str(),
                f.message.c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - t0).count();
  PrintSummary(cells, args.cycles, seconds);
  std::filesystem::remove_all(args.work);
  return 0;
}
