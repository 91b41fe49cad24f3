#include "tests/projections/projected_log.h"

#include <gtest/gtest.h>

#include <chrono>

#include "domain/codec/codec.h"
#include "domain/events.h"

namespace orgledger::testing {

ProjectedLog::ProjectedLog() : store_(eventstore::NewMemoryEventStore({})) {
  Result<std::unique_ptr<projections::ProjectionSet>> opened =
      projections::ProjectionSet::Open(store_.get(), {});
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (opened.ok()) projections_ = std::move(*opened);
}

domain::Decision ProjectedLog::Run(const std::string& org,
                                   const domain::Actor& actor,
                                   domain::Command command) {
  domain::OrgState& state = states_[org];
  domain::CommandEnvelope envelope{org, actor, std::move(command), {}};
  domain::Decision decision = domain::Decide(state, envelope, context_);
  if (decision.events.empty()) return decision;

  eventstore::AppendRequest append;
  append.stream = org;
  append.expected = eventstore::ExpectedVersion::Exact(state.version);
  for (const domain::Event& e : decision.events) {
    codec::EventMetadata meta;
    meta.schema_version = codec::SchemaVersion(e);
    meta.recorded_at = context_.Now();
    meta.actor = actor;
    append.events.push_back({std::string(domain::EventTypeName(e)),
                             codec::EncodeMetadata(meta),
                             codec::EncodeEvent(e)});
  }
  Result<eventstore::AppendResult> appended = store_->Append(std::move(append));
  EXPECT_TRUE(appended.ok()) << appended.status().ToString();
  if (!appended.ok()) return decision;
  eventstore::Version version = state.version;
  for (const domain::Event& e : decision.events) {
    state = domain::Evolve(std::move(state), e);
    state.version = ++version;
  }
  last_ = appended->last_position;
  return decision;
}

Result<projections::View> ProjectedLog::Query(
    const projections::ViewRequest& request) {
  if (projections_ == nullptr)
    return Unavailable("the projections did not open");
  EXPECT_TRUE(projections_->WaitFor(last_, std::chrono::seconds(10)))
      << "the projections did not reach position " << last_;
  return projections::QueryView(*projections_, request, context_.editions(),
                                context_.Now());
}

}  // namespace orgledger::testing
