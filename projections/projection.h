// A projection: a named, versioned fold of the log into rows of the
// StateStore. Projections are pure folds of events (no clock, no I/O but
// their StateTx), so a rebuild from position 1 gives the same rows as the
// incremental path.
#ifndef ORGLEDGER_PROJECTIONS_PROJECTION_H_
#define ORGLEDGER_PROJECTIONS_PROJECTION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "domain/codec/codec.h"
#include "domain/events.h"
#include "eventstore/event_store.h"
#include "privacy/person_keys.h"
#include "projections/row_coding.h"

namespace orgledger::projections {

// One event of the log, decoded.
struct ProjectedEvent {
  eventstore::Position position = 0;
  std::string org;  // its stream
  eventstore::Version version = 0;
  domain::Event event;
  codec::EventMetadata meta;
};

// What DecodeProjected does with the actor's email and name: open them,
// or leave them empty (the projections' rows name an actor by id only,
// and opening costs an AES-GCM decryption a field).
enum class ActorFields { kOpen, kEmpty };

// Decodes a log record, its personal fields opened with `keys` (what an
// erased person's read as: privacy/cipher.h). kCorruption when its payload
// or metadata does not decode; kUnavailable when the keys cannot be read.
Result<ProjectedEvent> DecodeProjected(const eventstore::RecordedEvent& e,
                                       privacy::PersonKeys& keys,
                                       ActorFields actor = ActorFields::kOpen);

// The writes of one batch of events, over a base reader: reads see the
// batch's own writes first. Keys are relative to the projection's
// generation prefix (the runner adds it). Not thread-safe.
class StateTx {
 public:
  // `base` reads absolute keys; `prefix` is prepended to every key.
  StateTx(eventstore::StateReader* base, std::string prefix)
      : base_(base), prefix_(std::move(prefix)) {}

  Result<std::optional<std::string>> Get(const std::string& key);
  void Put(const std::string& key, std::string value) {
    writes_[key] = std::move(value);
  }
  void Delete(const std::string& key) { writes_[key] = std::nullopt; }
  // Deletes every key in [begin, end): the base's, and this batch's own
  // writes and kept rows.
  Status ForgetRange(const std::string& begin, const std::string& end);
  // Every row in [begin, end) as the batch sees it (the base's under the
  // batch's writes, kept rows encoded), in key order. Reads the whole
  // range: for an organization's rows, not a projection's.
  Result<std::vector<eventstore::KeyValue>> ScanRows(const std::string& begin,
                                                     const std::string& end);

  template <class Row>
  Result<std::optional<Row>> GetRow(const std::string& key) {
    Result<std::optional<std::string>> bytes = Get(key);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<Row>();
    Result<Row> row = DecodeRow<Row>(**bytes);
    if (!row.ok()) return Corruption("projection row " + key + " is damaged");
    return std::optional<Row>(std::move(*row));
  }
  template <class Row>
  void PutRow(const std::string& key, const Row& row) {
    Put(key, EncodeRow(row));
  }

  // A row kept decoded for the rest of the batch: loaded once, changed in
  // place through the pointer (valid until CommitTo), encoded once at
  // CommitTo. nullptr (and nothing kept) when the row does not exist and
  // `create` is false. Use either this or Get/Put for a key, not both.
  template <class Row>
  Result<Row*> Mutable(const std::string& key, bool create) {
    if (auto it = rows_.find(key); it != rows_.end()) {
      return static_cast<Row*>(it->second.row.get());
    }
    Result<std::optional<Row>> loaded = GetRow<Row>(key);
    if (!loaded.ok()) return loaded.status();
    if (!loaded->has_value() && !create) return static_cast<Row*>(nullptr);
    auto row = std::make_shared<Row>(loaded->value_or(Row{}));
    Row* raw = row.get();
    rows_[key] = KeptRow{row, [raw] { return EncodeRow(*raw); }};
    writes_.erase(key);  // a row forgotten earlier in the batch, made anew
    return raw;
  }

  // Appends this batch's writes, with the prefix, to `batch`.
  void CommitTo(eventstore::StateBatch* batch) const;

 private:
  struct KeptRow {
    std::shared_ptr<void> row;
    std::function<std::string()> encode;
  };

  eventstore::StateReader* base_;
  std::string prefix_;
  std::map<std::string, std::optional<std::string>> writes_;
  std::map<std::string, KeptRow> rows_;
};

class Projection {
 public:
  virtual ~Projection() = default;
  // Fixed; part of every key the projection writes.
  virtual std::string_view name() const = 0;
  // Bump when the rows or their meaning change: the projection is then
  // rebuilt from the log on open.
  virtual std::uint32_t version() const = 0;
  // Folds one event. Errors are storage failures or damaged rows only.
  virtual Status Apply(const ProjectedEvent& e, StateTx& tx) = 0;

  // The key ranges [first, second) of `org`'s rows, relative to the
  // generation: what an erasure deletes before it folds the organization's
  // stream again (SPEC §10). Rows outside them are folded again on top.
  virtual std::vector<std::pair<std::string, std::string>> OrgRanges(
      const std::string& org) const = 0;
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_PROJECTION_H_
