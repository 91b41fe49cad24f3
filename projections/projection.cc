#include "projections/projection.h"

namespace orgledger::projections {

Result<ProjectedEvent> DecodeProjected(const eventstore::RecordedEvent& e) {
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
  return ProjectedEvent{e.position, e.stream, e.version, std::move(*event),
                        std::move(*meta)};
}

Result<std::optional<std::string>> StateTx::Get(const std::string& key) {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  return base_->Get(prefix_ + key);
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
