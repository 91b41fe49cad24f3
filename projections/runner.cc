#include "projections/runner.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <variant>

#include "privacy/erasure_record.h"
#include "privacy/person_keys.h"

namespace orgledger::projections {
namespace {

constexpr std::size_t kCatchUpBatch = 4096;
constexpr std::size_t kCompareChunk = 1024;

std::string Printable(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

// Walks the rows in [begin, end) of a reader in chunks.
class RowCursor {
 public:
  RowCursor(eventstore::StateReader* reader, std::string begin, std::string end)
      : reader_(reader), from_(std::move(begin)), end_(std::move(end)) {}

  // The current row, or nullptr past the end.
  Result<const eventstore::KeyValue*> Peek() {
    if (i_ == rows_.size() && !exhausted_) {
      Result<std::vector<eventstore::KeyValue>> chunk =
          reader_->Scan(from_, end_, kCompareChunk, false);
      if (!chunk.ok()) return chunk.status();
      rows_ = std::move(*chunk);
      i_ = 0;
      exhausted_ = rows_.size() < kCompareChunk;
      if (!rows_.empty()) {
        from_ = rows_.back().first;
        from_.push_back('\0');  // the first key after it
      }
    }
    return i_ < rows_.size() ? &rows_[i_] : nullptr;
  }
  void Next() { ++i_; }

 private:
  eventstore::StateReader* reader_;
  std::string from_;
  std::string end_;
  std::vector<eventstore::KeyValue> rows_;
  std::size_t i_ = 0;
  bool exhausted_ = false;
};

}  // namespace

ProjectionRunner::ProjectionRunner(eventstore::EventStore* store,
                                   std::unique_ptr<Projection> projection,
                                   std::shared_ptr<spdlog::logger> logger)
    : store_(store),
      keys_(&privacy::KeysOf(*store)),
      projection_(std::move(projection)),
      logger_(std::move(logger)) {}

ProjectionRunner::~ProjectionRunner() { subscription_.reset(); }

std::string ProjectionRunner::MetaKey() const {
  std::string k("m");
  k.push_back('\0');
  k.append(projection_->name());
  return k;
}

std::string ProjectionRunner::GenPrefix(std::uint32_t gen) const {
  std::string k("p");
  k.push_back('\0');
  k.append(projection_->name());
  k.push_back('\0');
  eventstore::PutFixed32BE(&k, gen);
  return k;
}

std::string ProjectionRunner::CheckpointKey(std::uint32_t gen) const {
  std::string k("c");
  k.push_back('\0');
  k.append(projection_->name());
  k.push_back('\0');
  eventstore::PutFixed32BE(&k, gen);
  return k;
}

std::string ProjectionRunner::EncodeMeta(const Meta& m) const {
  std::string v;
  eventstore::PutFixed32BE(&v, m.version);
  eventstore::PutFixed32BE(&v, m.live);
  eventstore::PutFixed32BE(&v, m.building);
  eventstore::PutFixed32BE(&v, m.building_version);
  return v;
}

Result<std::optional<ProjectionRunner::Meta>> ProjectionRunner::ReadMeta(
    eventstore::StateReader& r) const {
  Result<std::optional<std::string>> bytes = r.Get(MetaKey());
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<Meta>();
  std::string_view in = **bytes;
  Meta m;
  if (!eventstore::GetFixed32BE(&in, &m.version) ||
      !eventstore::GetFixed32BE(&in, &m.live) ||
      !eventstore::GetFixed32BE(&in, &m.building) ||
      !eventstore::GetFixed32BE(&in, &m.building_version) || !in.empty()) {
    return Corruption("damaged meta of projection " +
                      std::string(projection_->name()));
  }
  return std::optional<Meta>(m);
}

Result<eventstore::Position> ProjectionRunner::ReadCheckpoint(
    eventstore::StateReader& r, std::uint32_t gen) const {
  Result<std::optional<std::string>> bytes = r.Get(CheckpointKey(gen));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return eventstore::Position{0};
  std::string_view in = **bytes;
  eventstore::Position p = 0;
  if (!eventstore::GetFixed64BE(&in, &p) || !in.empty()) {
    return Corruption("damaged checkpoint of projection " +
                      std::string(projection_->name()));
  }
  return p;
}

Result<std::string> ProjectionRunner::LivePrefix(
    eventstore::StateReader& reader) const {
  Result<std::optional<Meta>> meta = ReadMeta(reader);
  if (!meta.ok()) return meta.status();
  return GenPrefix(meta->has_value() ? (*meta)->live : 0);
}

Result<eventstore::Position> ProjectionRunner::LiveCheckpoint(
    eventstore::StateReader& reader) const {
  Result<std::optional<Meta>> meta = ReadMeta(reader);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value()) return eventstore::Position{0};
  return ReadCheckpoint(reader, (*meta)->live);
}

Status ProjectionRunner::Start(bool follow) {
  eventstore::StateStore& state = store_->state();
  Result<std::optional<Meta>> meta = ReadMeta(state);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value()) {
    if (follow) {
      Meta fresh{projection_->version(), 1, 0, 0};
      eventstore::StateBatch batch;
      batch.Put(MetaKey(), EncodeMeta(fresh));
      batch.Put(CheckpointKey(1), eventstore::EncodeFixed64BE(0));
      if (Status s = state.Write(batch); !s.ok()) return s;
      meta->emplace(fresh);
    }
  } else if ((*meta)->version != projection_->version()) {
    if (!follow) {
      return Status(Code::kUnavailable,
                    "projection " + std::string(projection_->name()) +
                        " is stored at version " +
                        std::to_string((*meta)->version) +
                        " and this build reads version " +
                        std::to_string(projection_->version()) +
                        "; open the database for writing to rebuild it");
    }
    if (logger_) {
      logger_->warn("projection {} changed from version {} to {}: rebuilding",
                    projection_->name(), (*meta)->version,
                    projection_->version());
    }
    if (Status s = Rebuild(nullptr); !s.ok()) return s;
    meta = ReadMeta(state);
    if (!meta.ok()) return meta.status();
  }
  {
    std::lock_guard<std::mutex> lock(apply_mu_);
    live_ = meta->has_value() ? (*meta)->live : 0;
    Result<eventstore::Position> cp = ReadCheckpoint(state, live_);
    if (!cp.ok()) return cp.status();
    live_checkpoint_ = *cp;
    notifier_.Publish(live_checkpoint_);
  }
  if (follow) {
    subscription_ = store_->SubscribeBatches(
        live_checkpoint_ + 1,
        [this](const std::vector<eventstore::RecordedEvent>& batch,
               const std::atomic<bool>&) { return OnBatch(batch); });
  }
  return Status::Ok();
}

bool ProjectionRunner::OnBatch(
    const std::vector<eventstore::RecordedEvent>& batch) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  eventstore::Position cp = live_checkpoint_;
  Status s = ApplyBatch(store_->state(), live_, batch, &cp, UINT64_MAX);
  if (!s.ok()) {
    // Retried by the subscription; logged once per failure streak.
    if (logger_ && !error_logged_.exchange(true)) {
      logger_->error("projection {} stopped at position {}: {}",
                     projection_->name(), live_checkpoint_, s.ToString());
    }
    return false;
  }
  error_logged_.store(false);
  live_checkpoint_ = cp;
  notifier_.Publish(cp);
  return true;
}

Status ProjectionRunner::ApplyBatch(
    eventstore::StateStore& target, std::uint32_t gen,
    const std::vector<eventstore::RecordedEvent>& events,
    eventstore::Position* checkpoint, eventstore::Position until) {
  std::vector<ProjectedEvent> decoded;
  decoded.reserve(events.size());
  for (const eventstore::RecordedEvent& recorded : events) {
    if (recorded.position <= *checkpoint) continue;  // applied before
    if (recorded.position > until) break;
    Result<ProjectedEvent> e =
        DecodeProjected(recorded, *keys_, ActorFields::kEmpty);
    if (!e.ok()) return e.status();
    decoded.push_back(std::move(*e));
  }
  return ApplyDecoded(target, gen, decoded, checkpoint, until);
}

Status ProjectionRunner::ApplyDecoded(eventstore::StateStore& target,
                                      std::uint32_t gen,
                                      const std::vector<ProjectedEvent>& events,
                                      eventstore::Position* checkpoint,
                                      eventstore::Position until) {
  StateTx tx(&target, GenPrefix(gen));
  eventstore::Position last = *checkpoint;
  bool purge = false;
  for (const ProjectedEvent& e : events) {
    if (e.position <= last) continue;  // applied before (a swap)
    if (e.position > until) break;
    if (e.position != last + 1) {
      return Internal("projection " + std::string(projection_->name()) +
                      " expected position " + std::to_string(last + 1) +
                      ", got " + std::to_string(e.position));
    }
    if (const auto* erased = std::get_if<domain::PersonErased>(&e.event)) {
      if (Status s = FoldErasedAgain(*erased, e.position, tx); !s.ok()) {
        return s;
      }
      // The rows it replaced leave the files too, unless the erasure runs
      // here and purges once every projection is done.
      purge = purge || !keys_->IsLocalErasure(erased->erasure_id);
    }
    if (Status s = projection_->Apply(e, tx); !s.ok()) return s;
    last = e.position;
  }
  if (last == *checkpoint) return Status::Ok();
  eventstore::StateBatch batch;
  tx.CommitTo(&batch);
  batch.Put(CheckpointKey(gen), eventstore::EncodeFixed64BE(last));
  if (Status s = target.Write(batch); !s.ok()) return s;
  *checkpoint = last;
  if (purge) return target.PurgeDeleted();
  return Status::Ok();
}

Status ProjectionRunner::FoldErasedAgain(const domain::PersonErased& erased,
                                         eventstore::Position position,
                                         StateTx& tx) {
  // Another process may have destroyed the keys: none cached is trusted.
  privacy::PersonKeys& keys = *keys_;
  keys.ForgetCached();
  Result<std::optional<privacy::ErasureRecord>> record =
      privacy::ReadErasure(*store_, erased.erasure_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return Corruption("erasure " + erased.erasure_id + " at position " +
                      std::to_string(position) + " has no record");
  }
  for (const std::string& org : (*record)->orgs) {
    for (const auto& [begin, end] : projection_->OrgRanges(org)) {
      if (Status s = tx.ForgetRange(begin, end); !s.ok()) return s;
    }
    // The organization's events before the erasure, their personal fields
    // now read as erased.
    eventstore::Version from = 1;
    bool past = false;
    while (!past) {
      Result<std::vector<eventstore::RecordedEvent>> events =
          store_->ReadStream(org, from, kCatchUpBatch);
      if (!events.ok()) return events.status();
      for (const eventstore::RecordedEvent& r : *events) {
        if (r.position >= position) {
          past = true;
          break;
        }
        Result<ProjectedEvent> e =
            DecodeProjected(r, keys, ActorFields::kEmpty);
        if (!e.ok()) return e.status();
        if (Status s = projection_->Apply(*e, tx); !s.ok()) return s;
        from = r.version + 1;
      }
      if (events->size() < kCatchUpBatch) break;
    }
  }
  return Status::Ok();
}

Status ProjectionRunner::CatchUp(eventstore::StateStore& target,
                                 std::uint32_t gen,
                                 eventstore::Position* checkpoint,
                                 eventstore::Position until,
                                 const ProgressFn& progress) {
  while (*checkpoint < until) {
    Result<std::vector<eventstore::RecordedEvent>> events =
        store_->ReadAll(*checkpoint + 1, kCatchUpBatch);
    if (!events.ok()) return events.status();
    if (events->empty()) break;
    if (Status s = ApplyBatch(target, gen, *events, checkpoint, until);
        !s.ok()) {
      return s;
    }
    if (progress) progress(*checkpoint, until);
  }
  return Status::Ok();
}

Result<ProjectionRunner::RebuildCursor> ProjectionRunner::BeginRebuild() {
  Result<RebuildCursor> cursor = ClaimGeneration();
  if (!cursor.ok()) return cursor.status();
  eventstore::StateStore& state = store_->state();
  if (state.can_bulk_load() && rebuild_budget_ > 0) {
    // Nothing of a generation is stored before its first checkpoint.
    cursor->bulk = std::make_unique<BulkGeneration>(
        &state, GenPrefix(cursor->gen), cursor->checkpoint == 0,
        rebuild_budget_);
  }
  return cursor;
}

Result<ProjectionRunner::RebuildCursor> ProjectionRunner::ClaimGeneration() {
  RebuildCursor cursor;
  cursor.lock = std::unique_lock<std::mutex>(rebuild_mu_);
  eventstore::StateStore& state = store_->state();
  Result<std::optional<Meta>> read = ReadMeta(state);
  if (!read.ok()) return read.status();
  Meta meta = read->value_or(Meta{projection_->version(), 0, 0, 0});
  if (meta.building != 0 && meta.building_version == projection_->version()) {
    cursor.gen = meta.building;  // resume an interrupted rebuild
    Result<eventstore::Position> at = ReadCheckpoint(state, cursor.gen);
    if (!at.ok()) return at.status();
    cursor.checkpoint = *at;
    return cursor;
  }
  cursor.gen = std::max(meta.live, meta.building) + 1;
  eventstore::StateBatch batch;
  if (meta.building != 0) {
    const std::string old = GenPrefix(meta.building);
    batch.DeleteRange(old, eventstore::PrefixEnd(old));
    batch.Delete(CheckpointKey(meta.building));
  }
  meta.building = cursor.gen;
  meta.building_version = projection_->version();
  batch.Put(MetaKey(), EncodeMeta(meta));
  batch.Put(CheckpointKey(cursor.gen), eventstore::EncodeFixed64BE(0));
  if (Status s = state.Write(batch); !s.ok()) return s;
  return cursor;
}

Status ProjectionRunner::ApplyRebuild(RebuildCursor& cursor,
                                      const std::vector<ProjectedEvent>& events,
                                      eventstore::Position until) {
  return ApplyDecoded(RebuildTarget(cursor), cursor.gen, events,
                      &cursor.checkpoint, until);
}

eventstore::StateStore& ProjectionRunner::RebuildTarget(RebuildCursor& cursor) {
  if (cursor.bulk != nullptr) return *cursor.bulk;
  return store_->state();
}

Status ProjectionRunner::FinishRebuild(RebuildCursor& cursor,
                                       const ProgressFn& progress) {
  eventstore::StateStore& state = store_->state();
  if (cursor.bulk != nullptr) {
    if (Status s = cursor.bulk->Flush(); !s.ok()) return s;
    cursor.bulk.reset();
  }
  // The tail and the swap, with the live follower held (no progress
  // callback here: the callback must not wait for the projections).
  std::unique_lock<std::mutex> apply_lock(apply_mu_);
  eventstore::Position& cp = cursor.checkpoint;
  if (Status s =
          CatchUp(state, cursor.gen, &cp, store_->CommittedPosition(), {});
      !s.ok()) {
    return s;
  }
  Result<std::optional<Meta>> read = ReadMeta(state);
  if (!read.ok()) return read.status();
  const std::uint32_t old = read->has_value() ? (*read)->live : 0;
  eventstore::StateBatch swap;
  swap.Put(MetaKey(),
           EncodeMeta(Meta{projection_->version(), cursor.gen, 0, 0}));
  if (old != 0 && old != cursor.gen) {
    const std::string prefix = GenPrefix(old);
    swap.DeleteRange(prefix, eventstore::PrefixEnd(prefix));
    swap.Delete(CheckpointKey(old));
  }
  if (Status s = state.Write(swap); !s.ok()) return s;
  live_ = cursor.gen;
  live_checkpoint_ = cp;
  notifier_.Publish(cp);
  apply_lock.unlock();
  if (progress) progress(cp, cp);
  cursor.lock.unlock();
  return Status::Ok();
}

Status ProjectionRunner::Rebuild(const ProgressFn& progress) {
  Result<RebuildCursor> cursor = BeginRebuild();
  if (!cursor.ok()) return cursor.status();
  // The bulk, while the live rows keep following the log.
  if (Status s =
          CatchUp(RebuildTarget(*cursor), cursor->gen, &cursor->checkpoint,
                  store_->CommittedPosition(), progress);
      !s.ok()) {
    return s;
  }
  return FinishRebuild(*cursor, progress);
}

Result<ProjectionVerifyReport> ProjectionRunner::Verify() {
  ProjectionVerifyReport report;
  report.projection = std::string(projection_->name());
  std::unique_ptr<eventstore::StateReader> snap = store_->state().Snapshot();
  Result<std::optional<Meta>> meta = ReadMeta(*snap);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value()) {
    report.ok = false;
    report.problem = "the projection was never written";
    return report;
  }
  if ((*meta)->version != projection_->version()) {
    report.ok = false;
    report.problem = "stored at version " + std::to_string((*meta)->version) +
                     ", this build reads version " +
                     std::to_string(projection_->version());
    return report;
  }
  const std::uint32_t gen = (*meta)->live;
  Result<eventstore::Position> cp = ReadCheckpoint(*snap, gen);
  if (!cp.ok()) return cp.status();
  report.checkpoint = *cp;

  std::unique_ptr<eventstore::StateStore> scratch =
      eventstore::NewMemoryStateStore();
  eventstore::Position rebuilt = 0;
  if (Status s = CatchUp(*scratch, gen, &rebuilt, *cp, nullptr); !s.ok()) {
    return s;
  }
  if (rebuilt != *cp) {
    report.ok = false;
    report.problem = "the checkpoint is at position " + std::to_string(*cp) +
                     " but the log ends at " + std::to_string(rebuilt);
    return report;
  }

  const std::string prefix = GenPrefix(gen);
  const std::string end = eventstore::PrefixEnd(prefix);
  RowCursor stored(snap.get(), prefix, end);
  RowCursor expected(scratch.get(), prefix, end);
  for (;;) {
    Result<const eventstore::KeyValue*> a = stored.Peek();
    if (!a.ok()) return a.status();
    Result<const eventstore::KeyValue*> b = expected.Peek();
    if (!b.ok()) return b.status();
    if (*a == nullptr && *b == nullptr) break;
    const std::string* key = nullptr;
    if (*a == nullptr || (*b != nullptr && (*b)->first < (*a)->first)) {
      key = &(*b)->first;
      report.problem = "row missing from the stored projection";
    } else if (*b == nullptr || (*a)->first < (*b)->first) {
      key = &(*a)->first;
      report.problem = "stored row that a rebuild does not produce";
    } else if ((*a)->second != (*b)->second) {
      key = &(*a)->first;
      report.problem = "stored row differs from the rebuilt one";
    }
    if (key != nullptr) {
      report.ok = false;
      report.first_difference = Printable(key->substr(prefix.size()));
      return report;
    }
    ++report.rows;
    stored.Next();
    expected.Next();
  }
  return report;
}

}  // namespace orgledger::projections
