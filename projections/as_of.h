// An organization as it was at a moment (SPEC §10 "As of"): the
// `organizations` and `audit_log` projections folded in memory from that
// organization's own stream, up to a position or a time. The views then
// read the folded rows (views.h). Its cost grows with the organization's
// events, never with the log's.
#ifndef ORGLEDGER_PROJECTIONS_AS_OF_H_
#define ORGLEDGER_PROJECTIONS_AS_OF_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "domain/types.h"
#include "eventstore/event_store.h"
#include "eventstore/state_store.h"

namespace orgledger::projections {

// A moment of the log: right after a position, or the longest prefix of a
// stream recorded at or before a time. Exactly one is set.
struct AsOf {
  std::optional<std::uint64_t> position;
  std::optional<domain::Micros> time;
};

struct FoldedOrg {
  std::unique_ptr<eventstore::StateStore> state;
  // The prefixes the two projections' rows are under in `state`.
  std::string organizations_prefix;
  std::string audit_log_prefix;
  // The moment's time: the time given, or the recorded time of the event
  // at the position (a view's "now", for rum).
  domain::Micros moment = 0;
  std::uint64_t events = 0;  // the organization's events folded
};

// Folds `org`'s events as of `as_of`. kInvalidArgument for a position past
// the log's head or a time after `now`; kNotFound (saying as of when) when
// the organization did not exist yet; kUnavailable or kCorruption from
// the store.
Result<FoldedOrg> FoldAsOf(eventstore::EventStore& store,
                           const std::string& org, const AsOf& as_of,
                           domain::Micros now);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_AS_OF_H_
