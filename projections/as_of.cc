#include "projections/as_of.h"

#include <algorithm>

#include "base/time.h"
#include "projections/builtin.h"
#include "projections/marks.h"
#include "projections/projection.h"

namespace orgledger::projections {
namespace {

// Without a mark after the moment, reads of the stream start small (a
// mark is at most a few dozen events behind most moments) and double.
constexpr std::size_t kFirstRead = 16;
constexpr std::size_t kMaxRead = 512;

std::string Described(const AsOf& as_of) {
  return as_of.position.has_value()
             ? "position " + std::to_string(*as_of.position)
             : FormatRfc3339(*as_of.time);
}

// The moment's time: the time given, or the recorded time of the record at
// the position, whichever stream it is in.
Result<domain::Micros> Moment(eventstore::EventStore& store,
                              privacy::PersonKeys& keys, const AsOf& as_of,
                              domain::Micros now) {
  if (as_of.time.has_value()) {
    if (*as_of.time > now) {
      return InvalidArgument("as_of: " + FormatRfc3339(*as_of.time) +
                             " is in the future (now is " + FormatRfc3339(now) +
                             ")");
    }
    return *as_of.time;
  }
  const eventstore::Position head = store.CommittedPosition();
  if (*as_of.position < 1 || *as_of.position > head) {
    return InvalidArgument("as_of: position " +
                           std::to_string(*as_of.position) +
                           " is not in the log (its positions are 1.." +
                           std::to_string(head) + ")");
  }
  Result<std::vector<eventstore::RecordedEvent>> at =
      store.ReadAll(*as_of.position, 1);
  if (!at.ok()) return at.status();
  if (at->empty()) return Unavailable("as_of: the log ended early");
  Result<ProjectedEvent> e =
      DecodeProjected(at->front(), keys, ActorFields::kEmpty);
  if (!e.ok()) return e.status();
  return e->meta.recorded_at;
}

}  // namespace

Result<FoldedOrg> FoldAsOf(ProjectionSet& set, const std::string& org,
                           const AsOf& as_of, domain::Micros now) {
  eventstore::EventStore& store = set.store();
  privacy::PersonKeys& keys = privacy::KeysOf(store);
  FoldedOrg out;
  Result<domain::Micros> moment = Moment(store, keys, as_of, now);
  if (!moment.ok()) return moment.status();
  out.moment = *moment;

  // The latest mark the live rows hold before the moment, among those the
  // audit log's live rows have reached too.
  out.live = store.state().Snapshot();
  ProjectionRunner* organizations_runner = set.Find(kOrganizations);
  ProjectionRunner* audit_runner = set.Find(kAuditLog);
  Result<std::string> orgs_prefix = organizations_runner->LivePrefix(*out.live);
  if (!orgs_prefix.ok()) return orgs_prefix.status();
  Result<std::string> audit_prefix = audit_runner->LivePrefix(*out.live);
  if (!audit_prefix.ok()) return audit_prefix.status();
  Result<eventstore::Position> audit_reached =
      audit_runner->LiveCheckpoint(*out.live);
  if (!audit_reached.ok()) return audit_reached.status();
  Result<MarksAround> marks = FindMarks(
      *out.live, *orgs_prefix, org, as_of.position, as_of.time, *audit_reached);
  if (!marks.ok()) return marks.status();

  out.state = eventstore::NewMemoryStateStore();
  out.organizations_prefix = "O";
  out.audit_log_prefix = "A";
  eventstore::Version from = 1;
  if (marks->before.has_value()) {
    const Mark& m = *marks->before;
    eventstore::StateBatch rows;
    for (const MarkEntry& row : m.row.rows) {
      rows.Put(out.organizations_prefix + row.key, row.value);
    }
    if (Status s = out.state->Write(rows); !s.ok()) return s;
    from = m.row.version + 1;
    out.events = m.row.version;
    out.live_audit_prefix = std::move(*audit_prefix);
    out.live_audit_until = m.position;
  }

  std::unique_ptr<Projection> organizations =
      NewOrganizationsProjection(/*marks=*/false);
  std::unique_ptr<Projection> audit_log = NewAuditLogProjection();
  // One transaction per projection for the whole fold: rows stay decoded
  // from one event to the next and are encoded once.
  StateTx organizations_tx(out.state.get(), out.organizations_prefix);
  StateTx audit_log_tx(out.state.get(), out.audit_log_prefix);
  // The moment is before the next mark's version, when there is one: the
  // reads stop there.
  const eventstore::Version last = marks->after_version > 0
                                       ? marks->after_version - 1
                                       : eventstore::Version{UINT64_MAX};
  auto next_read = [&](std::size_t previous) {
    if (last == UINT64_MAX) return std::min(previous * 2, kMaxRead);
    return static_cast<std::size_t>(
        std::min<eventstore::Version>(last - from + 1, kMaxRead));
  };
  std::size_t read = next_read(kFirstRead / 2);
  bool done = false;
  while (!done && from <= last) {
    Result<std::vector<eventstore::RecordedEvent>> batch =
        store.ReadStream(org, from, read);
    if (!batch.ok()) return batch.status();
    for (const eventstore::RecordedEvent& record : *batch) {
      if (as_of.position.has_value() && record.position > *as_of.position) {
        done = true;
        break;
      }
      Result<ProjectedEvent> e =
          DecodeProjected(record, keys, ActorFields::kEmpty);
      if (!e.ok()) return e.status();
      if (as_of.time.has_value() && e->meta.recorded_at > *as_of.time) {
        done = true;
        break;
      }
      if (Status s = organizations->Apply(*e, organizations_tx); !s.ok()) {
        return s;
      }
      if (Status s = audit_log->Apply(*e, audit_log_tx); !s.ok()) return s;
      ++out.events;
      ++out.folded;
    }
    if (batch->size() < read) break;
    from = batch->back().version + 1;
    read = next_read(read);
  }
  if (out.events == 0) {
    return NotFound("organization " + org + " did not exist as of " +
                    Described(as_of));
  }
  eventstore::StateBatch writes;
  organizations_tx.CommitTo(&writes);
  audit_log_tx.CommitTo(&writes);
  if (Status s = out.state->Write(writes); !s.ok()) return s;
  return out;
}

}  // namespace orgledger::projections
