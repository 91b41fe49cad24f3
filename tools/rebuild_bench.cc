// orgledger_rebuild_bench: the rebuild rate of every projection against a
// raw RocksDB scan of the same log, measured in one run (issue 4).
// Populates DIR with the W1 onboarding workload (BENCH.md) when it holds
// no log yet, with 64 writers and buffered durability.
//
//   orgledger_rebuild_bench [--dir DIR] [--orgs N] [--allow-tmpfs]
#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "commands/engine.h"
#include "eventstore/fs_info.h"

namespace {

using namespace orgledger;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// W1: create_organization, invite_billing_manager, accept_invite per org.
bool Populate(commands::Engine& engine, long orgs) {
  std::atomic<long> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 64; ++w) {
    writers.emplace_back([&] {
      for (long i = next++; i < orgs && !failed; i = next++) {
        const std::string org = "org-" + std::to_string(i);
        const std::string n = std::to_string(i);
        auto request = [&](const domain::Actor& a, domain::Command c) {
          commands::CommandRequest r;
          r.envelope.org = org;
          r.envelope.actor = a;
          r.envelope.command = std::move(c);
          return r;
        };
        const auto admin = domain::Actor::Person(
            "u-admin-" + n, "admin" + n + "@example.com", "Admin " + n);
        const auto bill = domain::Actor::Person(
            "u-bill-" + n, "billing" + n + "@example.com", "Billing " + n);
        auto a =
            engine.Execute(request(admin, domain::CreateOrganization{"team"}));
        auto b =
            engine.Execute(request(admin, domain::InviteBillingManager{
                                              "billing" + n + "@example.com"}));
        auto c = engine.Execute(
            request(bill, domain::AcceptInvite{b.invite_id, std::nullopt}));
        if (!a.ok() || !b.ok() || !c.ok()) {
          std::fprintf(stderr, "populate failed: %s %s %s\n",
                       a.error.ToString().c_str(), b.error.ToString().c_str(),
                       c.error.ToString().c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  return !failed;
}

// Keys per second of a forward iteration over the `log` column family.
double RawScan(const std::string& db_path, std::uint64_t* keys) {
  std::vector<std::string> names;
  rocksdb::Options options;
  if (!rocksdb::DB::ListColumnFamilies(options, db_path, &names).ok()) return 0;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names)
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, db_path, cfs, &handles, &db)
           .ok()) {
    return 0;
  }
  rocksdb::ColumnFamilyHandle* log = nullptr;
  for (auto* h : handles) {
    if (h->GetName() == "log") log = h;
  }
  const auto t0 = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), log));
  std::uint64_t n = 0, bytes = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++n;
    bytes += it->value().size();
  }
  const double s = Seconds(Clock::now() - t0);
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  *keys = n;
  return s > 0 ? n / s : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "bench-data/rebuild";
  long orgs = 340000;
  bool allow_tmpfs = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--orgs") && i + 1 < argc) {
      orgs = std::atol(argv[++i]);
    } else if (!std::strcmp(argv[i], "--allow-tmpfs")) {
      allow_tmpfs = true;
    } else {
      std::fprintf(stderr,
                   "usage: orgledger_rebuild_bench [--dir DIR] [--orgs N] "
                   "[--allow-tmpfs]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  const std::string fs_type = eventstore::FileSystemTypeName(dir);
  if (fs_type == "tmpfs" && !allow_tmpfs) {
    std::fprintf(stderr, "%s is on tmpfs; pass --allow-tmpfs\n", dir.c_str());
    return 2;
  }
  const std::string db = dir + "/db";
  commands::EngineOptions options;
  options.data_dir = db;
  options.store.durability = eventstore::Durability::kBuffered;
  auto engine = commands::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 2;
  }
  if ((*engine)->store().CommittedPosition() == 0) {
    std::fprintf(stderr, "populating %ld organizations (W1)...\n", orgs);
    const auto t0 = Clock::now();
    if (!Populate(**engine, orgs)) return 1;
    std::fprintf(stderr, "populated in %.1f s\n", Seconds(Clock::now() - t0));
  }
  const std::uint64_t events = (*engine)->store().CommittedPosition();
  (*engine)->projections().WaitFor(events, std::chrono::minutes(10));
  engine->reset();

  std::uint64_t scanned = 0;
  const double raw = RawScan(db, &scanned);

  engine = commands::Engine::Open(options);
  if (!engine.ok()) return 2;
  const auto t0 = Clock::now();
  Status s = (*engine)->projections().Rebuild("", nullptr);
  const double seconds = Seconds(Clock::now() - t0);
  if (!s.ok()) {
    std::fprintf(stderr, "rebuild: %s\n", s.ToString().c_str());
    return 1;
  }
  const double rate = events / seconds;
  std::printf(
      "{\"workload\":\"replay\",\"fs\":\"%s\",\"events\":%llu,"
      "\"rebuild_events_per_s\":%.0f,\"rebuild_s\":%.2f,"
      "\"rocksdb_scan_per_s\":%.0f,\"ratio_to_ceiling\":%.3f}\n",
      fs_type.c_str(), static_cast<unsigned long long>(events), rate, seconds,
      raw, raw > 0 ? rate / raw : 0);
  std::fprintf(stderr,
               "fs %s | %llu events | rebuild (all projections) %.0f events/s "
               "in %.2f s | raw RocksDB scan %.0f keys/s | ratio %.3f\n",
               fs_type.c_str(), static_cast<unsigned long long>(events), rate,
               seconds, raw, raw > 0 ? rate / raw : 0);
  return 0;
}
