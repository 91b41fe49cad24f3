// An organization as it was at a moment (SPEC §10 "As of"): its rows of
// the `organizations` projection taken from the latest as-of mark before
// the moment (marks.h), the events after the mark folded on them in memory
// from the organization's own stream, up to a position or a time, with
// the `audit_log` projection's rows of those events; its older audit rows
// are the live ones. The views then read the folded rows (views.h). Its
// cost grows with the organization's state and the events since the mark,
// never with the log's.
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
#include "projections/projection_set.h"

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
  std::uint64_t events = 0;  // the organization's events, as of the moment
  std::uint64_t folded = 0;  // of those, the ones folded after the mark
  // The projections' rows the fold started from (a snapshot): the
  // organization's audit rows at or before `live_audit_until` are read
  // there, under `live_audit_prefix` (0: none are).
  std::unique_ptr<eventstore::StateReader> live;
  std::string live_audit_prefix;
  eventstore::Position live_audit_until = 0;
};

// Folds `org`'s events as of `as_of`. kInvalidArgument for a position past
// the log's head or a time after `now`; kNotFound (saying as of when) when
// the organization did not exist yet; kUnavailable or kCorruption from
// the store.
Result<FoldedOrg> FoldAsOf(ProjectionSet& set, const std::string& org,
                           const AsOf& as_of, domain::Micros now);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_AS_OF_H_
