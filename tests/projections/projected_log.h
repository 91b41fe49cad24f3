// A log and its projections in memory, without the engine: commands are
// decided against states folded here and their events appended to the
// memory store; views answer from the projections once they reached the
// last append. For projection and view tests that do not need RocksDB.
#ifndef ORGLEDGER_TESTS_PROJECTIONS_PROJECTED_LOG_H_
#define ORGLEDGER_TESTS_PROJECTIONS_PROJECTED_LOG_H_

#include <map>
#include <memory>
#include <string>

#include "domain/decide.h"
#include "domain/state.h"
#include "eventstore/event_store.h"
#include "projections/projection_set.h"
#include "projections/views.h"
#include "tests/testing/fake_context.h"

namespace orgledger::testing {

class ProjectedLog {
 public:
  // Opens the memory store and its projections (ASSERTs on failure).
  ProjectedLog();

  // Decides `command` in `org` as `actor` and appends what it decided;
  // returns the decision (a rejection appends nothing).
  domain::Decision Run(const std::string& org, const domain::Actor& actor,
                       domain::Command command);

  // The view, once every projection reached the last append.
  Result<projections::View> Query(const projections::ViewRequest& request);

  FakeContext& context() { return context_; }
  // REQUIRES: the projections opened.
  projections::ProjectionSet& projections() { return *projections_; }
  eventstore::Position last_position() const { return last_; }

 private:
  FakeContext context_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<projections::ProjectionSet> projections_;
  std::map<std::string, domain::OrgState> states_;
  eventstore::Position last_ = 0;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_PROJECTIONS_PROJECTED_LOG_H_
