// ProjectionRunner: keeps one projection's rows in the StateStore in step
// with the log. It follows the log through the store's subscription in the
// background, writing each batch's rows together with the checkpoint (one
// atomic StateStore write: no event is ever applied twice or lost), resumes
// from the checkpoint after a restart, rebuilds into a fresh generation and
// swaps it in atomically, and verifies stored rows against a rebuild in
// memory. Keys: docs/format.md, "Projections".
//
// Thread-safe: Rebuild, Verify and readers may run while it follows.
#ifndef ORGLEDGER_PROJECTIONS_RUNNER_H_
#define ORGLEDGER_PROJECTIONS_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "eventstore/event_store.h"
#include "eventstore/position_notifier.h"
#include "privacy/person_keys.h"
#include "projections/bulk_generation.h"
#include "projections/projection.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::projections {

// Progress of a rebuild: the position reached and the log's end.
using ProgressFn =
    std::function<void(eventstore::Position done, eventstore::Position total)>;

struct ProjectionVerifyReport {
  bool ok = true;
  std::string projection;
  // The first key (printable, relative to the generation) whose stored row
  // differs from the rebuilt one, is missing, or is extra.
  std::string first_difference;
  std::string problem;  // for a person
  std::uint64_t rows = 0;
  eventstore::Position checkpoint = 0;
};

class ProjectionRunner {
 public:
  ProjectionRunner(eventstore::EventStore* store,
                   std::unique_ptr<Projection> projection,
                   std::shared_ptr<spdlog::logger> logger);
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;
  ~ProjectionRunner();

  // Reads where the projection stands; rebuilds it first when its version
  // changed (or it was never complete); then follows the log unless
  // `follow` is false (read-only tools).
  Status Start(bool follow);

  const Projection& projection() const { return *projection_; }

  // The memory a rebuild gathers rows in before writing them (set before
  // Start). Default: 32 MiB. 0: rows are written batch by batch.
  void set_rebuild_budget(std::size_t bytes) { rebuild_budget_ = bytes; }

  // The position up to which the live rows include every event.
  eventstore::Position checkpoint() const { return notifier_.Get(); }
  bool WaitFor(eventstore::Position p, std::chrono::milliseconds timeout) {
    return notifier_.WaitFor(p, timeout);
  }

  // The key prefix of the live rows as seen by `reader` (a snapshot).
  Result<std::string> LivePrefix(eventstore::StateReader& reader) const;
  // The position up to which those rows include every event, as seen by
  // `reader`.
  Result<eventstore::Position> LiveCheckpoint(
      eventstore::StateReader& reader) const;

  // Replays the log from position 1 into a fresh generation and swaps it in
  // atomically; readers use the old rows until the swap. An interrupted
  // rebuild is resumed by the next call. `progress` may be empty.
  Status Rebuild(const ProgressFn& progress);

  // Rebuild in steps, for ProjectionSet to feed several projections from
  // one read of the log: Begin (claims the next generation, or resumes an
  // interrupted one; holds this runner's rebuild lock), Apply (decoded
  // events in position order; those already applied are skipped), Finish
  // (the tail and the atomic swap; releases the lock).
  //
  // The bulk of a rebuild is written through a BulkGeneration when the
  // state store can bulk-load (set_rebuild_budget's bytes of rows gathered
  // in memory per sorted file ingested).
  struct RebuildCursor {
    std::unique_lock<std::mutex> lock;
    std::uint32_t gen = 0;
    eventstore::Position checkpoint = 0;
    std::unique_ptr<BulkGeneration> bulk;  // null: rows are written batch
                                           // by batch
  };
  Result<RebuildCursor> BeginRebuild();
  Status ApplyRebuild(RebuildCursor& cursor,
                      const std::vector<ProjectedEvent>& events,
                      eventstore::Position until);
  Status FinishRebuild(RebuildCursor& cursor, const ProgressFn& progress);

  // Rebuilds in memory up to the stored checkpoint and compares row by row.
  Result<ProjectionVerifyReport> Verify();

 private:
  struct Meta {
    std::uint32_t version = 0;
    std::uint32_t live = 0;      // generation served
    std::uint32_t building = 0;  // generation being rebuilt, 0 = none
    std::uint32_t building_version = 0;
  };

  // BeginRebuild's claim: the generation and where it stands.
  Result<RebuildCursor> ClaimGeneration();
  // Where a rebuild's bulk is written: its BulkGeneration, or the store.
  eventstore::StateStore& RebuildTarget(RebuildCursor& cursor);

  std::string MetaKey() const;
  std::string GenPrefix(std::uint32_t gen) const;
  std::string CheckpointKey(std::uint32_t gen) const;
  Result<std::optional<Meta>> ReadMeta(eventstore::StateReader& r) const;
  std::string EncodeMeta(const Meta& m) const;
  Result<eventstore::Position> ReadCheckpoint(eventstore::StateReader& r,
                                              std::uint32_t gen) const;

  // Folds the `events` after *checkpoint and up to `until` into generation
  // `gen` of `target`, writing rows and the new checkpoint in one batch.
  Status ApplyBatch(eventstore::StateStore& target, std::uint32_t gen,
                    const std::vector<eventstore::RecordedEvent>& events,
                    eventstore::Position* checkpoint,
                    eventstore::Position until);
  // An erasure reached (SPEC §10): the rows of the organizations it names
  // deleted in `tx` and folded again from their streams up to `position`.
  Status FoldErasedAgain(const domain::PersonErased& erased,
                         eventstore::Position position, StateTx& tx);
  Status ApplyDecoded(eventstore::StateStore& target, std::uint32_t gen,
                      const std::vector<ProjectedEvent>& events,
                      eventstore::Position* checkpoint,
                      eventstore::Position until);
  // Applies the log from *checkpoint + 1 up to `until` (or its end).
  Status CatchUp(eventstore::StateStore& target, std::uint32_t gen,
                 eventstore::Position* checkpoint, eventstore::Position until,
                 const ProgressFn& progress);
  bool OnBatch(const std::vector<eventstore::RecordedEvent>& batch);

  eventstore::EventStore* const store_;
  privacy::PersonKeys* const keys_;  // privacy::KeysOf(*store_)
  const std::unique_ptr<Projection> projection_;
  const std::shared_ptr<spdlog::logger> logger_;

  std::size_t rebuild_budget_ = std::size_t{32} << 20;
  std::mutex rebuild_mu_;  // one rebuild at a time
  std::mutex apply_mu_;    // guards live_ and live_checkpoint_
  std::uint32_t live_ = 0;
  eventstore::Position live_checkpoint_ = 0;
  eventstore::PositionNotifier notifier_;
  std::atomic<bool> error_logged_{false};
  std::unique_ptr<eventstore::Subscription> subscription_;  // last
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_RUNNER_H_
