// An organization's state for deciding: the cache, else its snapshot and
// the events after it; snapshots written as the state grows
// (engine_impl.h).
#include <spdlog/logger.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "commands/engine_impl.h"
#include "domain/codec/codec.h"
#include "domain/validation.h"
#include "privacy/sealing.h"

namespace orgledger::commands {
namespace {

constexpr std::size_t kReadBatch = 1024;

}  // namespace

CachedOrg EngineImpl::Behind(CachedOrg& stale) {
  CachedOrg behind;
  behind.state = std::move(stale.state);
  behind.snapshot_version = stale.snapshot_version;
  behind.keys_epoch = stale.keys_epoch;
  return behind;
}

Result<CachedOrg> EngineImpl::CatchUp(const std::string& org, CachedOrg entry) {
  if (entry.keys_epoch != keys_.epoch()) {
    bool unused = false;
    return Load(org, /*guess_new=*/false, &unused);
  }
  const auto all = std::numeric_limits<eventstore::Version>::max();
  if (Status s = ReadOn(org, all, &entry.state); !s.ok()) return s;
  MaybeSnapshot(org, &entry);
  return entry;
}

Status EngineImpl::ReadOn(const std::string& org, eventstore::Version until,
                          domain::OrgState* state) {
  while (state->version < until) {
    Result<std::vector<eventstore::RecordedEvent>> events =
        store_->ReadStream(org, state->version + 1, kReadBatch);
    if (!events.ok()) return events.status();
    if (Status s = Fold(*events, state); !s.ok()) return s;
    if (events->size() < kReadBatch) break;
  }
  return Status::Ok();
}

Status EngineImpl::Fold(const std::vector<eventstore::RecordedEvent>& events,
                        domain::OrgState* state) {
  privacy::PersonKeys& keys = keys_;
  for (const eventstore::RecordedEvent& recorded : events) {
    Result<domain::Event> e =
        codec::DecodeEvent(recorded.type, recorded.payload);
    if (!e.ok()) {
      return Corruption("event at position " +
                        std::to_string(recorded.position) +
                        " does not decode: " + e.status().message());
    }
    if (Status s = privacy::OpenEvent(keys, *e); !s.ok()) {
      return Status(s.code(), "event at position " +
                                  std::to_string(recorded.position) + ": " +
                                  s.message());
    }
    *state = domain::Evolve(std::move(*state), *e);
    state->version = recorded.version;
  }
  return Status::Ok();
}

Result<CachedOrg> EngineImpl::Load(const std::string& org, bool guess_new,
                                   bool* guessed) {
  const std::uint64_t epoch = keys_.epoch();
  if (std::optional<CachedOrg> hit = cache_.Take(org)) {
    if (hit->keys_epoch == epoch) return *std::move(hit);
    cache_.Release(*hit);  // folded before an erasure: fold again
  }
  CachedOrg entry;
  entry.keys_epoch = epoch;
  if (guess_new) {
    *guessed = true;
    return entry;
  }
  if (!domain::ValidateSlug("org", org).ok()) return entry;  // Decide says
  // The head first: a point lookup the bloom filters answer for a new
  // organization, where reading its stream would seek every level.
  Result<eventstore::StreamHead> head = store_->GetStreamHead(org);
  if (!head.ok()) return head.status();
  if (head->version == 0) return entry;
  Result<std::optional<eventstore::StoredSnapshot>> snap =
      store_->GetSnapshot(org);
  if (!snap.ok()) return snap.status();
  if (snap->has_value()) {
    Result<domain::OrgState> state = codec::DecodeState((*snap)->bytes);
    if (state.ok() && state->version == (*snap)->version) {
      entry.state = std::move(*state);
      entry.snapshot_version = entry.state.version;
    }
    // Otherwise (another schema, or damaged) it is rebuilt from the log.
  }
  if (Status s = ReadOn(org, head->version, &entry.state); !s.ok()) return s;
  if (entry.state.version < head->version) {
    return Corruption("stream " + org + " ends at version " +
                      std::to_string(entry.state.version) +
                      " but its head is at " + std::to_string(head->version));
  }
  MaybeSnapshot(org, &entry);
  return entry;
}

void EngineImpl::MaybeSnapshot(const std::string& org, CachedOrg* entry) {
  std::uint64_t every = options_.snapshot_every;
  if (every == 0) return;
  // Never a state folded before an erasure (it may hold plaintext).
  if (entry->keys_epoch != keys_.epoch()) return;
  if (const std::uint64_t ratio = options_.snapshot_entries_per_event) {
    every = std::max<std::uint64_t>(every, MapEntries(entry->state) / ratio);
  }
  if (entry->state.version < entry->snapshot_version + every) return;
  Status s = store_->PutSnapshot(org, entry->state.version,
                                 codec::EncodeState(entry->state));
  if (s.ok()) {
    entry->snapshot_version = entry->state.version;
  } else if (options_.logger) {
    options_.logger->warn("snapshot of {} not written: {}", org, s.ToString());
  }
}

}  // namespace orgledger::commands
