#include "projections/as_of.h"

#include "base/time.h"
#include "projections/builtin.h"
#include "projections/projection.h"

namespace orgledger::projections {
namespace {

constexpr std::size_t kBatch = 512;

std::string Described(const AsOf& as_of) {
  return as_of.position.has_value()
             ? "position " + std::to_string(*as_of.position)
             : FormatRfc3339(*as_of.time);
}

}  // namespace

Result<FoldedOrg> FoldAsOf(eventstore::EventStore& store,
                           const std::string& org, const AsOf& as_of,
                           domain::Micros now) {
  privacy::PersonKeys& keys = privacy::KeysOf(store);
  FoldedOrg out;
  if (as_of.position.has_value()) {
    const eventstore::Position head = store.CommittedPosition();
    if (*as_of.position < 1 || *as_of.position > head) {
      return InvalidArgument("as_of: position " +
                             std::to_string(*as_of.position) +
                             " is not in the log (its positions are 1.." +
                             std::to_string(head) + ")");
    }
    // The moment is the time of the record at that position, whichever
    // stream it is in.
    Result<std::vector<eventstore::RecordedEvent>> at =
        store.ReadAll(*as_of.position, 1);
    if (!at.ok()) return at.status();
    if (at->empty()) return Unavailable("as_of: the log ended early");
    Result<ProjectedEvent> e = DecodeProjected(at->front(), keys);
    if (!e.ok()) return e.status();
    out.moment = e->meta.recorded_at;
  } else {
    if (*as_of.time > now) {
      return InvalidArgument("as_of: " + FormatRfc3339(*as_of.time) +
                             " is in the future (now is " + FormatRfc3339(now) +
                             ")");
    }
    out.moment = *as_of.time;
  }
  out.state = eventstore::NewMemoryStateStore();
  out.organizations_prefix = "O";
  out.audit_log_prefix = "A";
  std::unique_ptr<Projection> organizations = NewOrganizationsProjection();
  std::unique_ptr<Projection> audit_log = NewAuditLogProjection();
  // One transaction per projection for the whole fold: rows stay decoded
  // from one event to the next and are encoded once.
  StateTx organizations_tx(out.state.get(), out.organizations_prefix);
  StateTx audit_log_tx(out.state.get(), out.audit_log_prefix);
  eventstore::Version from = 1;
  bool done = false;
  while (!done) {
    Result<std::vector<eventstore::RecordedEvent>> batch =
        store.ReadStream(org, from, kBatch);
    if (!batch.ok()) return batch.status();
    for (const eventstore::RecordedEvent& record : *batch) {
      if (as_of.position.has_value() && record.position > *as_of.position) {
        done = true;
        break;
      }
      Result<ProjectedEvent> e = DecodeProjected(record, keys);
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
    }
    if (batch->size() < kBatch) break;
    from = batch->back().version + 1;
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
