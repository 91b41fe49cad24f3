#include "commands/erasure.h"

#include "commands/system_context.h"
#include "domain/codec/codec.h"
#include "domain/validation.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"

namespace orgledger::commands {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds Since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                               t);
}

Status Validate(const EraseRequest& r) {
  if (r.user_id.has_value() == r.email.has_value()) {
    return InvalidArgument(
        "erase takes exactly one of user_id and email (the person to erase)");
  }
  if (r.user_id.has_value() && r.user_id->empty()) {
    return InvalidArgument("user_id is empty");
  }
  if (r.email.has_value() && domain::NormalizeEmail(*r.email).empty()) {
    return InvalidArgument("email is empty");
  }
  if (Status s = domain::ValidateCorrelationId(r.by); !s.ok()) {
    return InvalidArgument(
        "by (the operator who erases) must be 1 to 128 printable ASCII "
        "characters");
  }
  return Status::Ok();
}

// The records before `before` (written before sealing existed) that name
// the person in plaintext.
Result<std::vector<eventstore::Position>> PlaintextMentions(
    eventstore::EventStore& store, eventstore::Position before,
    const std::string& email, const std::set<std::string>& user_ids) {
  std::vector<eventstore::Position> out;
  constexpr std::size_t kBatch = 4096;
  for (eventstore::Position from = 1; from < before;) {
    Result<std::vector<eventstore::RecordedEvent>> records =
        store.ReadAll(from, kBatch);
    if (!records.ok()) return records.status();
    if (records->empty()) break;
    for (const eventstore::RecordedEvent& r : *records) {
      if (r.position >= before) return out;
      from = r.position + 1;
      Result<domain::Event> e = codec::DecodeEvent(r.type, r.payload);
      Result<codec::EventMetadata> meta = codec::DecodeMetadata(r.metadata);
      if (!e.ok() || !meta.ok()) {
        return Corruption("the record at position " +
                          std::to_string(r.position) + " does not decode");
      }
      if (privacy::Mentions(*e, meta->actor, email, user_ids)) {
        out.push_back(r.position);
      }
    }
  }
  return out;
}

// Everything after the record was written: keys, snapshots, PersonErased,
// the projections, the purge.
Status Finish(const ErasureParts& parts, const std::string& id,
              privacy::ErasureRecord record, EraseReport* report) {
  eventstore::EventStore& store = *parts.store;
  const Clock::time_point start = Clock::now();
  privacy::PersonKeys& keys = privacy::KeysOf(store);
  keys.BeginLocalErasure(id);
  struct End {
    privacy::PersonKeys& keys;
    const std::string& id;
    ~End() { keys.EndLocalErasure(id); }
  } end{keys, id};
  if (Status s = keys.Destroy(record.rows); !s.ok()) return s;
  // A snapshot holds the folded state, plaintext included: replaced by an
  // empty one, which the next load discards and folds again.
  for (const std::string& org : record.orgs) {
    if (parts.evict) parts.evict(org);
    if (Status s = store.PutSnapshot(org, 0, ""); !s.ok()) return s;
  }
  codec::EventMetadata meta;
  meta.recorded_at = parts.context->Now();
  meta.actor = domain::Actor::System("erase");
  meta.correlation_id = id;
  meta.causation_id = id;
  meta.idempotency_key = id;
  const domain::Event erased = domain::PersonErased{id, record.by, record.at};
  meta.schema_version = codec::SchemaVersion(erased);
  eventstore::AppendRequest append;
  append.stream = domain::kErasuresStream;
  append.events.push_back({std::string(domain::EventTypeName(erased)),
                           codec::EncodeMetadata(meta),
                           codec::EncodeEvent(erased)});
  // A retry after a crash finds its first append by the key.
  append.idempotency = eventstore::IdempotencyInput{id, id, ""};
  Result<eventstore::AppendResult> appended = store.Append(std::move(append));
  if (!appended.ok()) return appended.status();
  const eventstore::Position position =
      appended->replayed ? appended->head.position : appended->last_position;
  if (parts.follow && !parts.projections->WaitFor(position, parts.wait)) {
    return Unavailable("the projections did not reach the erasure (position " +
                       std::to_string(position) +
                       ") in time; run erase "
                       "again once they did");
  }
  const std::chrono::microseconds logical = Since(start);
  const Clock::time_point purge = Clock::now();
  if (Status s = store.PurgeDeleted(); !s.ok()) return s;
  const std::chrono::microseconds purged = Since(purge);
  record.done = true;
  record.rows.clear();
  if (Status s = privacy::WriteErasure(store, id, record); !s.ok()) return s;
  if (report != nullptr) {
    report->erasure_id = id;
    report->position = position;
    report->orgs = record.orgs;
    report->logical += logical;
    report->purge = purged;
  }
  return Status::Ok();
}

}  // namespace

Result<EraseReport> Erase(const ErasureParts& parts,
                          const EraseRequest& request) {
  if (Status s = Validate(request); !s.ok()) return s;
  const Clock::time_point start = Clock::now();
  eventstore::EventStore& store = *parts.store;
  privacy::PersonKeys& keys = privacy::KeysOf(store);
  Result<privacy::ErasurePlan> plan = keys.Plan(request.user_id, request.email);
  if (!plan.ok()) return plan.status();
  Result<eventstore::Position> before = keys.PlaintextBefore();
  if (!before.ok()) return before.status();
  std::set<std::string> users = plan->user_ids;
  if (request.user_id.has_value()) users.insert(*request.user_id);
  const std::string email =
      request.email.has_value() ? domain::NormalizeEmail(*request.email) : "";
  Result<std::vector<eventstore::Position>> plaintext =
      PlaintextMentions(store, *before, email, users);
  if (!plaintext.ok()) return plaintext.status();
  const std::string who = request.email.has_value()
                              ? "email " + *request.email
                              : "user id " + *request.user_id;
  if (plan->keys.empty() && plaintext->empty()) {
    return NotFound("no person with " + who +
                    " is in the log (never seen, or erased before)");
  }
  EraseReport report;
  report.keys = plan->keys.size();
  report.plaintext = std::move(*plaintext);
  report.logical = Since(start);
  if (plan->keys.empty()) return report;  // only plaintext: nothing to do
  privacy::ErasureRecord record;
  record.by = request.by;
  record.at = parts.context->Now();
  record.orgs.assign(plan->orgs.begin(), plan->orgs.end());
  record.rows = plan->rows;
  const std::string id = "era_" + RandomBase64Url(16);
  // Written first: a crash from here on is finished at the next open.
  if (Status s = privacy::WriteErasure(store, id, record); !s.ok()) return s;
  if (Status s = Finish(parts, id, std::move(record), &report); !s.ok()) {
    return s;
  }
  return report;
}

Status FinishInterruptedErasures(const ErasureParts& parts) {
  Result<std::vector<std::pair<std::string, privacy::ErasureRecord>>> left =
      privacy::UnfinishedErasures(*parts.store);
  if (!left.ok()) return left.status();
  for (auto& [id, record] : *left) {
    if (Status s = Finish(parts, id, std::move(record), nullptr); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace orgledger::commands
