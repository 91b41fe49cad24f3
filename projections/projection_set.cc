#include "projections/projection_set.h"

#include <algorithm>

#include "projections/builtin.h"

namespace orgledger::projections {

Result<std::unique_ptr<ProjectionSet>> ProjectionSet::Open(
    eventstore::EventStore* store, ProjectionOptions options) {
  std::unique_ptr<ProjectionSet> set(new ProjectionSet(store));
  set->runners_.push_back(std::make_unique<ProjectionRunner>(
      store, NewOrganizationsProjection(), options.logger));
  set->runners_.push_back(std::make_unique<ProjectionRunner>(
      store, NewAuditLogProjection(), options.logger));
  for (auto& runner : set->runners_) {
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
  for (auto& runner : runners_) {
    if (Status s = runner->Rebuild(progress); !s.ok()) return s;
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
