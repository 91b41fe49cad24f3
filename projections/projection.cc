#include "projections/projection.h"

#include "privacy/sealing.h"

namespace orgledger::projections {
namespace {

Status At(eventstore::Position position, const Status& s) {
  return Status(s.code(), "event at position " + std::to_string(position) +
                              ": " + s.message());
}

}  // namespace

Result<ProjectedEvent> DecodeProjected(const eventstore::RecordedEvent& e,
                                       privacy::PersonKeys& keys,
                                       ActorFields actor) {
  Result<domain::Event> event = codec::DecodeEvent(e.type, e.payload);
  if (!event.ok()) {
    return Corruption("event at position " + std::to_string(e.position) +
                      " does not decode: " + event.status().message());
  }
  Result<codec::EventMetadata> meta = codec::DecodeMetadata(e.metadata);
  if (!meta.ok()) {
    return Corruption("metadata at position " + std::to_string(e.position) +
                      " does not decode: " + meta.status().message());
  }
  if (Status s = privacy::OpenEvent(keys, *event); !s.ok()) {
    return At(e.position, s);
  }
  if (actor == ActorFields::kEmpty) {
    meta->actor.email.clear();
    meta->actor.name.clear();
  } else if (Status s = privacy::OpenActor(keys, meta->actor); !s.ok()) {
    return At(e.position, s);
  }
  return ProjectedEvent{e.position, e.stream, e.version, std::move(*event),
                        std::move(*meta)};
}

Result<std::optional<std::string>> StateTx::Get(const std::string& key) {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  return base_->Get(prefix_ + key);
}

Status StateTx::ForgetRange(const std::string& begin, const std::string& end) {
  for (auto it = rows_.lower_bound(begin); it != rows_.end() && it->first < end;
       it = rows_.erase(it)) {
  }
  for (auto it = writes_.lower_bound(begin);
       it != writes_.end() && it->first < end; ++it) {
    it->second = std::nullopt;
  }
  constexpr std::size_t kChunk = 1024;
  std::string from = prefix_ + begin;
  const std::string until = prefix_ + end;
  while (true) {
    Result<std::vector<eventstore::KeyValue>> rows =
        base_->Scan(from, until, kChunk, false);
    if (!rows.ok()) return rows.status();
    for (const auto& [key, unused] : *rows) {
      writes_[key.substr(prefix_.size())] = std::nullopt;
    }
    if (rows->size() < kChunk) return Status::Ok();
    from = rows->back().first;
    from.push_back('\0');
  }
}

Result<std::vector<eventstore::KeyValue>> StateTx::ScanRows(
    const std::string& begin, const std::string& end) {
  std::map<std::string, std::string> seen;
  constexpr std::size_t kChunk = 1024;
  std::string from = prefix_ + begin;
  const std::string until = prefix_ + end;
  while (true) {
    Result<std::vector<eventstore::KeyValue>> rows =
        base_->Scan(from, until, kChunk, false);
    if (!rows.ok()) return rows.status();
    for (auto& [key, value] : *rows) {
      seen.emplace(key.substr(prefix_.size()), std::move(value));
    }
    if (rows->size() < kChunk) break;
    from = prefix_ + std::prev(seen.end())->first;
    from.push_back('\0');
  }
  for (auto it = writes_.lower_bound(begin);
       it != writes_.end() && it->first < end; ++it) {
    if (it->second.has_value()) {
      seen[it->first] = *it->second;
    } else {
      seen.erase(it->first);
    }
  }
  for (auto it = rows_.lower_bound(begin); it != rows_.end() && it->first < end;
       ++it) {
    seen[it->first] = it->second.encode();
  }
  std::vector<eventstore::KeyValue> out;
  out.reserve(seen.size());
  for (auto& [key, value] : seen) out.emplace_back(key, std::move(value));
  return out;
}

void StateTx::CommitTo(eventstore::StateBatch* batch) const {
  for (const auto& [key, row] : rows_) batch->Put(prefix_ + key, row.encode());
  for (const auto& [key, value] : writes_) {
    if (value.has_value()) {
      batch->Put(prefix_ + key, *value);
    } else {
      batch->Delete(prefix_ + key);
    }
  }
}

}  // namespace orgledger::projections
