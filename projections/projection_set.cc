#include "projections/projection_set.h"

#include <algorithm>
#include <future>
#include <vector>

#include "projections/builtin.h"

namespace orgledger::projections {
namespace {

constexpr std::size_t kRebuildBatch = 4096;

}  // namespace

Result<std::unique_ptr<ProjectionSet>> ProjectionSet::Open(
    eventstore::EventStore* store, ProjectionOptions options) {
  std::unique_ptr<ProjectionSet> set(new ProjectionSet(store));
  set->runners_.push_back(std::make_unique<ProjectionRunner>(
      store, NewOrganizationsProjection(), options.logger));
  set->runners_.push_back(std::make_unique<ProjectionRunner>(
      store, NewAuditLogProjection(), options.logger));
  for (auto& runner : set->runners_) {
    // The rebuild's memory, shared by the projections.
    runner->set_rebuild_budget(options.rebuild_memory_bytes /
                               set->runners_.size());
    if (Status s = runner->Start(options.follow); !s.ok()) return s;
  }
  return set;
}

ProjectionRunner* ProjectionSet::Find(std::string_view name) {
  for (auto& runner : runners_) {
    if (runner->projection().name() == name) return runner.get();
  }
  return nullptr;
}

eventstore::Position ProjectionSet::checkpoint() const {
  eventstore::Position p = UINT64_MAX;
  for (const auto& runner : runners_) p = std::min(p, runner->checkpoint());
  return runners_.empty() ? 0 : p;
}

bool ProjectionSet::WaitFor(eventstore::Position position,
                            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& runner : runners_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!runner->WaitFor(position,
                         std::max(left, std::chrono::milliseconds(0)))) {
      return false;
    }
  }
  return true;
}

Status ProjectionSet::Rebuild(std::string_view name,
                              const ProgressFn& progress) {
  if (!name.empty()) {
    ProjectionRunner* runner = Find(name);
    if (runner == nullptr) {
      return NotFound("no projection named " + std::string(name) +
                      " (known: organizations, audit_log)");
    }
    return runner->Rebuild(progress);
  }
  // Every projection from one read and one decoding of the log.
  std::vector<ProjectionRunner::RebuildCursor> cursors;
  eventstore::Position from = UINT64_MAX;
  for (auto& runner : runners_) {
    Result<ProjectionRunner::RebuildCursor> c = runner->BeginRebuild();
    if (!c.ok()) return c.status();
    from = std::min(from, c->checkpoint + 1);
    cursors.push_back(std::move(*c));
  }
  const eventstore::Position until = store_->CommittedPosition();
  // The next batch is read and decoded on a second thread while this one
  // applies the current batch to every projection and writes their rows.
  using Batch = std::vector<ProjectedEvent>;
  auto read = [this](eventstore::Position at) -> Result<Batch> {
    Result<std::vector<eventstore::RecordedEvent>> records =
        store_->ReadAll(at, kRebuildBatch);
    if (!records.ok()) return records.status();
    privacy::PersonKeys& keys = privacy::KeysOf(*store_);
    Batch batch;
    batch.reserve(records->size());
    for (const eventstore::RecordedEvent& r : *records) {
      Result<ProjectedEvent> e = DecodeProjected(r, keys, ActorFields::kEmpty);
      if (!e.ok()) return e.status();
      batch.push_back(std::move(*e));
    }
    return batch;
  };
  std::future<Result<Batch>> next;
  if (from <= until) next = std::async(std::launch::async, read, from);
  while (next.valid()) {
    Result<Batch> batch = next.get();
    if (!batch.ok()) return batch.status();
    if (batch->empty()) break;
    from = batch->back().position + 1;
    if (from <= until) next = std::async(std::launch::async, read, from);
    // The projections are independent: each folds the batch on its own
    // thread (the first on this one).
    std::vector<std::future<Status>> others;
    for (std::size_t i = 1; i < runners_.size(); ++i) {
      others.push_back(std::async(std::launch::async, [&, i] {
        return runners_[i]->ApplyRebuild(cursors[i], *batch, until);
      }));
    }
    Status first = runners_[0]->ApplyRebuild(cursors[0], *batch, until);
    for (std::future<Status>& other : others) {
      Status s = other.get();
      if (first.ok()) first = s;
    }
    if (!first.ok()) return first;  // after `next` is done: it waits
    if (progress) progress(std::min(from - 1, until), until);
  }
  for (std::size_t i = 0; i < runners_.size(); ++i) {
    if (Status s = runners_[i]->FinishRebuild(cursors[i], nullptr); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Result<std::vector<ProjectionVerifyReport>> ProjectionSet::Verify() {
  std::vector<ProjectionVerifyReport> reports;
  for (auto& runner : runners_) {
    Result<ProjectionVerifyReport> r = runner->Verify();
    if (!r.ok()) return r.status();
    reports.push_back(std::move(*r));
  }
  return reports;
}

}  // namespace orgledger::projections
