#include "tools/operate.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "projections/outbox.h"
#include "tools/database.h"
#include "tools/wire/response.h"

namespace orgledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

// A progress bar with events/s and ETA on a terminal; a plain line every
// few seconds otherwise.
class Progress {
 public:
  explicit Progress(std::string name)
      : name_(std::move(name)), tty_(::isatty(2)), start_(Clock::now()) {}

  void operator()(eventstore::Position done, eventstore::Position total) {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - start_).count();
    const bool last = done >= total;
    if (last && done == shown_done_) return;  // said already
    if (!last && now - shown_ < (tty_ ? std::chrono::milliseconds(200)
                                      : std::chrono::seconds(5))) {
      return;
    }
    shown_ = now;
    shown_done_ = done;
    const double rate = s > 0 ? done / s : 0;
    const double eta = rate > 0 ? (total - done) / rate : 0;
    const double frac = total > 0 ? static_cast<double>(done) / total : 1;
    if (tty_) {
      const int width = 30;
      const int filled = static_cast<int>(frac * width);
      std::fprintf(stderr, "\r%-13s [%s%s] %3.0f%% %10.0f events/s ETA %5.0fs",
                   name_.c_str(), std::string(filled, '#').c_str(),
                   std::string(width - filled, '.').c_str(), frac * 100, rate,
                   eta);
      if (last) std::fprintf(stderr, "\n");
    } else {
      std::fprintf(stderr, "%s: %llu/%llu events, %.0f events/s, ETA %.0fs\n",
                   name_.c_str(), static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total), rate, eta);
    }
  }

 private:
  std::string name_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point shown_{};
  eventstore::Position shown_done_ = 0;
};

// The engine of an operator's job on a database no server holds; when one
// does, the error ends with `hint`: what the server offers instead.
Result<std::unique_ptr<commands::Engine>> OpenForJob(const Where& where,
                                                     const char* job,
                                                     const std::string& hint) {
  commands::EngineOptions options;
  ApplyWhere(where, &options);
  auto engine = OpenEngine(options, job, IfMissing::kRefuse);
  if (!engine.ok()) {
    return Status(engine.status().code(),
                  engine.status().message() + "; " + hint);
  }
  return engine;
}

}  // namespace

int RunRebuild(const Where& where, const std::string& projection) {
  auto engine = OpenForJob(where, "rebuild",
                           "a running server rebuilds with POST "
                           "/v1/admin/rebuild");
  if (!engine.ok()) return Fail(engine.status());
  projections::ProjectionSet& set = (*engine)->projections();
  for (const auto& runner : set.runners()) {
    const std::string name(runner->projection().name());
    if (!projection.empty() && name != projection) continue;
    Progress progress(name);
    const auto t0 = Clock::now();
    Status s = runner->Rebuild(std::ref(progress));
    if (!s.ok()) return Fail(s);
    const double secs =
        std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("rebuild: %s rebuilt through position %llu in %.3f s\n",
                name.c_str(),
                static_cast<unsigned long long>(runner->checkpoint()), secs);
  }
  if (!projection.empty() && set.Find(projection) == nullptr) {
    return Fail(NotFound("no projection named " + projection +
                         " (known: organizations, audit_log)"));
  }
  return kExitOk;
}

int RunErase(const Where& where, const commands::EraseRequest& request) {
  auto engine = OpenForJob(where, "erase",
                           "a running server erases with POST "
                           "/v1/admin/erase");
  if (!engine.ok()) return Fail(engine.status());
  Result<commands::EraseReport> report = (*engine)->Erase(request);
  if (!report.ok()) return Fail(report.status());
  std::printf("%s\n", wire::ToLine(wire::EncodeEraseReport(*report)).c_str());
  if (!report->plaintext.empty()) {
    std::fprintf(stderr,
                 "erase: %zu records written before personal fields were "
                 "sealed name this person in plaintext and cannot be erased "
                 "without breaking the hash chain (listed in "
                 "\"plaintext_positions\"); everything else is erased\n",
                 report->plaintext.size());
    return kExitCheckFailed;
  }
  return kExitOk;
}

int RunBackup(const Where& where, const std::string& to) {
  if (where.postgres()) {
    return Fail(InvalidArgument(
        "backup copies a RocksDB database; back up a PostgreSQL store with "
        "PostgreSQL's tools (pg_dump, or pg_basebackup for the cluster)"));
  }
  auto engine = OpenForJob(where, "backup",
                           "back up a live database with POST "
                           "/v1/admin/backup on its server");
  if (!engine.ok()) return Fail(engine.status());
  Status s = (*engine)->store().Checkpoint(to);
  engine->reset();
  if (!s.ok()) return Fail(s);
  auto copy = ReadOnlyDatabase::Open(to);
  if (!copy.ok()) return Fail(copy.status());
  auto report = (*copy)->store().Verify(1, 0);
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "backup: the copy FAILED verification at position "
              << report->first_bad << ": " << report->problem << "\n";
    return kExitCheckFailed;
  }
  std::cout << "backup: " << to << " holds " << report->records
            << " records, verified\n";
  return kExitOk;
}

// How long the migrated outbox's checkpoint is held before the first
// replica may take the lease (it then starts from that checkpoint).
constexpr std::chrono::milliseconds kHandOverLease{1000};

int RunMigrate(const Where& where) {
  if (where.data.empty() || !where.postgres()) {
    return Fail(InvalidArgument(
        "migrate copies --data DIR (RocksDB) into --store URL (PostgreSQL)"));
  }
  auto from = ReadOnlyDatabase::Open(where.data);
  if (!from.ok()) return Fail(from.status());
  Where target = where;
  target.data.clear();  // the copy's projections are each replica's own
  auto to = ReadOnlyDatabase::Open(target);
  if (!to.ok()) return Fail(to.status());
  eventstore::EventStore& source = (*from)->store();
  eventstore::EventStore& copy = (*to)->store();
  Result<eventstore::LogHead> start = copy.Head();
  if (!start.ok()) return Fail(start.status());
  if (start->position != 0) {
    return Fail(InvalidArgument(
        "the store at " + where.Describe() + " already holds a log (position " +
        std::to_string(start->position) + "): migrate into an empty database"));
  }
  Result<eventstore::LogHead> source_head = source.Head();
  if (!source_head.ok()) return Fail(source_head.status());
  // The person keys first: the records' personal fields are sealed with
  // them, and without them would read as erased.
  Result<std::vector<eventstore::KeyValue>> key_rows = source.ScanKeyRows("");
  if (!key_rows.ok()) return Fail(key_rows.status());
  for (std::size_t i = 0; i < key_rows->size();) {
    eventstore::StateBatch batch;
    for (std::size_t n = 0; n < 4096 && i < key_rows->size(); ++n, ++i) {
      batch.Put((*key_rows)[i].first, (*key_rows)[i].second);
    }
    if (Status s = copy.WriteKeyRows(batch, /*sync=*/true); !s.ok()) {
      return Fail(s);
    }
  }
  Progress progress("migrate");
  const auto t0 = Clock::now();
  for (eventstore::Position next = 1;;) {
    Result<std::vector<eventstore::RecordedEvent>> batch =
        source.ReadAll(next, 4096);
    if (!batch.ok()) return Fail(batch.status());
    if (batch->empty()) break;
    if (Status s = copy.Import(*batch, {}); !s.ok()) return Fail(s);
    next = batch->back().position + 1;
    progress(batch->back().position, source_head->position);
  }
  std::vector<eventstore::KeyValue> outcomes;
  std::uint64_t keys = 0;
  Status listed =
      source.ForEachOutcome([&](std::string_view k, std::string_view v) {
        outcomes.emplace_back(std::string(k), std::string(v));
        ++keys;
        if (outcomes.size() < 4096) return Status::Ok();
        Status s = copy.Import({}, outcomes);
        outcomes.clear();
        return s;
      });
  if (!listed.ok()) return Fail(listed);
  if (!outcomes.empty()) {
    if (Status s = copy.Import({}, outcomes); !s.ok()) return Fail(s);
  }
  // The outbox goes on where the old store's had delivered to.
  Result<eventstore::Position> delivered = projections::ReadOutboxCheckpoint(
      source.state(), projections::kInviteOutbox);
  if (!delivered.ok()) return Fail(delivered.status());
  if (Status s = projections::HandOverOutbox(copy, projections::kInviteOutbox,
                                             *delivered, kHandOverLease);
      !s.ok()) {
    return Fail(s);
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  auto report = copy.Verify(1, 0);
  if (!report.ok()) return Fail(report.status());
  Result<eventstore::LogHead> copied = copy.Head();
  if (!copied.ok()) return Fail(copied.status());
  const std::string a = std::to_string(source_head->position) + ":" +
                        eventstore::HashToHex(source_head->hash);
  const std::string b = std::to_string(copied->position) + ":" +
                        eventstore::HashToHex(copied->hash);
  if (!report->ok || a != b) {
    std::cout << "migrate: the copy FAILED verification"
              << (report->ok
                      ? ""
                      : " at position " + std::to_string(report->first_bad) +
                            ": " + report->problem)
              << "\n  source head " << a << "\n  copy head   " << b << "\n";
    return kExitCheckFailed;
  }
  std::printf(
      "migrate: %llu records and %llu idempotency keys in %.1f s, "
      "verified\n  head %s on both\n  invitation emails delivered up to "
      "position %llu: the replicas' outbox goes on from there\n",
      static_cast<unsigned long long>(report->records),
      static_cast<unsigned long long>(keys), secs, a.c_str(),
      static_cast<unsigned long long>(*delivered));
  return kExitOk;
}

}  // namespace orgledger::tools
