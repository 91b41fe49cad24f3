// ProjectionSet: the built-in projections of an event store (`organizations`
// and `audit_log`), each kept by its ProjectionRunner, behind one object:
// open them, wait for a position, rebuild, verify. Views read through it
// (projections/views.h). Thread-safe.
#ifndef ORGLEDGER_PROJECTIONS_PROJECTION_SET_H_
#define ORGLEDGER_PROJECTIONS_PROJECTION_SET_H_

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "projections/runner.h"

namespace orgledger::projections {

struct ProjectionOptions {
  // Follow the log in the background (a writer). False for read-only
  // tools, which only read rows and verify. Default: true.
  bool follow = true;
  // Where projection failures are logged. Default: null = nowhere.
  std::shared_ptr<spdlog::logger> logger;
  // The memory a rebuild gathers rows in (shared by the projections)
  // before it writes them as one sorted file per projection. Default:
  // 64 MiB. 0: batch by batch through the store's writes.
  std::size_t rebuild_memory_bytes = std::size_t{64} << 20;
};

class ProjectionSet {
 public:
  // Opens the projections of `store` (which must outlive the set),
  // rebuilding any whose version changed when `options.follow`.
  static Result<std::unique_ptr<ProjectionSet>> Open(
      eventstore::EventStore* store, ProjectionOptions options);

  ProjectionSet(const ProjectionSet&) = delete;
  ProjectionSet& operator=(const ProjectionSet&) = delete;

  eventstore::EventStore& store() { return *store_; }
  // nullptr for an unknown name.
  ProjectionRunner* Find(std::string_view name);
  const std::vector<std::unique_ptr<ProjectionRunner>>& runners() const {
    return runners_;
  }

  // The position every projection has reached.
  eventstore::Position checkpoint() const;
  // Waits until every projection reached `position`; false on timeout.
  bool WaitFor(eventstore::Position position,
               std::chrono::milliseconds timeout);

  // Rebuilds `name`, or every projection when `name` is empty.
  // kNotFound for an unknown name.
  Status Rebuild(std::string_view name, const ProgressFn& progress);

  // Verifies every projection (ProjectionRunner::Verify).
  Result<std::vector<ProjectionVerifyReport>> Verify();

 private:
  explicit ProjectionSet(eventstore::EventStore* store) : store_(store) {}

  eventstore::EventStore* store_;
  std::vector<std::unique_ptr<ProjectionRunner>> runners_;
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_PROJECTION_SET_H_
