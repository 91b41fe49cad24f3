// As-of marks: the `organizations` projection keeps, now and then, a copy
// of one organization's rows as they were right after one of its events,
// so that a view as of a moment (as_of.h) starts from the latest mark at
// or before it and folds only the events after it, not the whole stream.
//
// A mark is due every kMarkEvery versions at first; after a mark of B
// bytes, the next is due B / kMarkBytesPerEvent versions later (at least
// kMarkEvery). The marks of an organization then weigh about
// kMarkBytesPerEvent bytes per event, and a fold from one reads about as
// many bytes of events as the mark holds: both grow with the
// organization's state, never with the log. Marks are rows of the
// projection like any other: a pure function of the log, rebuilt with it,
// deleted and made again by an erasure (Projection::OrgRanges).
#ifndef ORGLEDGER_PROJECTIONS_MARKS_H_
#define ORGLEDGER_PROJECTIONS_MARKS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "domain/types.h"
#include "eventstore/state_store.h"
#include "projections/projection.h"
#include "projections/rows.h"

namespace orgledger::projections {

inline constexpr std::uint64_t kMarkEvery = 16;
inline constexpr std::size_t kMarkBytesPerEvent = 128;

// The kinds of an organization's rows a mark copies (with its "o" row),
// and the kinds of the marks themselves.
inline constexpr char kMarkedKinds[] = "pmyYr";
inline constexpr char kMarkKinds[] = "ht";

// Called by the projection after folding `e` into `org` (its version
// already set): writes a mark of the organization's rows when one is due.
Status MaybeMark(const ProjectedEvent& e, StateTx& tx, OrgRow& org);

struct Mark {
  eventstore::Position position = 0;
  MarkRow row;
};

struct MarksAround {
  // The latest mark at or before the moment, if any.
  std::optional<Mark> before;
  // The version of the first mark after the moment, 0 if none: the
  // moment is before that version.
  std::uint64_t after_version = 0;
};

// The marks of `org` around a moment, in the rows under `prefix` (the
// projection's live generation): the latest at or before `position` (the
// organization's rows right after its last event at or before it), or
// whose events were all recorded at or before `time`, and the first after.
// Marks past `bound` are not taken as `before`.
Result<MarksAround> FindMarks(eventstore::StateReader& reader,
                              const std::string& prefix, const std::string& org,
                              std::optional<eventstore::Position> position,
                              std::optional<domain::Micros> time,
                              eventstore::Position bound);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_MARKS_H_
